/*
 * online.c — a restored post compared with what the centre and its
 * witnesses have seen of its logs (tims_backup_check_online). A backup
 * is consistent in itself; only its peers can tell that it is old: the
 * centre mirrored more of the post's log, or a witness cosigned a larger
 * size. Served as it is, such a copy would fork the log at the first
 * crossing a booth registers; refused here before it serves.
 *
 * What is asked changes nothing at the peers:
 *   the centre   GET /api/v1/sync/state and /audit-state over mutual TLS
 *                with the post's own client certificate, the centre's
 *                server key checked against the pin of the enrolment
 *   a witness    add-checkpoint (c2sp.org/tlog-witness) of the restored
 *                latest checkpoint with "old" = its own size and no proof:
 *                a witness at that size and root cosigns it again (its
 *                state stays), a witness at another size answers 409 with
 *                its size, another root at that size is a fork (409)
 * Each of the two logs (crossings: post.db, audit: audit.db) is compared.
 */
#include "internal.h"

#include <inttypes.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tims/note.h"
#include "tims/peers.h"
#include "tims/sync.h"
#include "tims/tls.h"
#include "tims/witness.h"

#define STATE_MAX 4096

struct log_cp {
	const char *what;      /* "crossings", "audit" */
	int present;
	uint64_t size;
	struct tims_buf note;  /* the whole signed note */
};

/* The latest signed checkpoint kept in db_file's checkpoints table. */
static tims_rc latest(const char *dir, const char *db_file, struct log_cp *l,
		      struct tims_err *err)
{
	char path[4200];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;
	int r;

	if (snprintf(path, sizeof(path), "%s/%s", dir, db_file) >= (int)sizeof(path))
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: path too long", dir);
	if (access(path, F_OK) != 0)
		return TIMS_OK;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "%s: checkpoints: %s", path,
				  db ? sqlite3_errmsg(db) : "cannot open");
		goto out;
	}
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const void *note = sqlite3_column_text(st, 1);
		int n = sqlite3_column_bytes(st, 1);

		l->size = (uint64_t)sqlite3_column_int64(st, 0);
		if (!note || n <= 0 || (size_t)n > TIMS_NOTE_MAX_BYTES ||
		    (rc = tims_buf_add(&l->note, note, (size_t)n)))
			rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: the latest checkpoint is empty "
					  "or too large", path);
		else
			l->present = 1;
	} else if (r != SQLITE_DONE) {
		rc = tims_err_set(err, TIMS_ERR_DB, "%s: checkpoints: %s", path, sqlite3_errmsg(db));
	}
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

static void centre_compare(const struct tims_peer_centre *c, struct log_cp *logs,
			   tims_backup_report_fn fn, void *ctx, struct tims_backup_online *res)
{
	static const char *const route[2] = { "/api/v1/sync/state", "/api/v1/sync/audit-state" };
	struct tims_tls_policy pol = { .role = TIMS_CERT_CENTRE_SERVER,
				       .spki_pin = c->has_pin ? c->server_pin : NULL };
	struct tims_sync_peer peer = { c->url, c->ca, c->cert, c->key, res->timeout_s, &pol };

	for (int i = 0; i < 2; i++) {
		struct tims_buf ans = TIMS_BUF_INIT(STATE_MAX);
		struct tims_err e = { 0 };
		json_t *j = NULL;
		json_int_t at;
		long status = 0;

		if (!logs[i].present)
			continue;
		res->checked++;
		if (tims_sync_http(&peer, "GET", route[i], NULL, 0, NULL, STATE_MAX, &ans, &status,
				   &e)) {
			res->unreachable++;
			bk_say(fn, ctx, "FAIL the centre (%s) could not be asked how much of the %s log it "
			    "holds: %s", c->url, logs[i].what, e.msg);
		} else if (status != 200 ||
			   !(j = json_loadb(ans.buf ? ans.buf : "", ans.len, 0, NULL)) ||
			   !json_is_integer(json_object_get(j, "size")) ||
			   (at = json_integer_value(json_object_get(j, "size"))) < 0) {
			res->unreachable++;
			bk_say(fn, ctx, "FAIL the centre (%s) answered %ld to %s, not a size", c->url,
			    status, route[i]);
		} else if ((uint64_t)at > logs[i].size) {
			res->findings++;
			bk_say(fn, ctx, "FAIL the centre holds %" PRId64 " records of this post's %s log, "
			    "this backup %" PRIu64 ": an old backup; do not serve it (rebuild from the "
			    "centre: tims post restore DIR --from-centre)", (int64_t)at, logs[i].what,
			    logs[i].size);
		} else {
			bk_say(fn, ctx, "ok   the centre holds %" PRId64 " records of this post's %s log, "
			    "this backup %" PRIu64, (int64_t)at, logs[i].what, logs[i].size);
		}
		json_decref(j);
		tims_buf_release(&ans);
	}
}

static void witness_compare(const struct tims_peer_witness *w, struct log_cp *logs,
			    tims_backup_report_fn fn, void *ctx, struct tims_backup_online *res)
{
	for (int i = 0; i < 2; i++) {
		struct tims_buf cos = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
		struct tims_err e = { 0 };
		uint64_t wsize = 0;
		tims_rc rc;

		if (!logs[i].present)
			continue;
		res->checked++;
		rc = tims_witness_add_checkpoint(w->url, w->ca, logs[i].size, NULL, 0, logs[i].note.buf,
						 logs[i].note.len, &w->key, &cos, &wsize, &e);
		if (rc == TIMS_OK || (rc == TIMS_ERR_STATE && wsize <= logs[i].size)) {
			bk_say(fn, ctx, "ok   witness %s has cosigned %" PRIu64 " records of the %s log, "
			    "this backup %" PRIu64, w->key.name, rc ? wsize : logs[i].size,
			    logs[i].what, logs[i].size);
		} else if (rc == TIMS_ERR_STATE || rc == TIMS_ERR_TAMPER) {
			res->findings++;
			if (rc == TIMS_ERR_STATE)
				bk_say(fn, ctx, "FAIL witness %s has cosigned %" PRIu64 " records of this "
				    "post's %s log, this backup %" PRIu64 ": an old backup; do not "
				    "serve it (rebuild from the centre: tims post restore DIR "
				    "--from-centre)", w->key.name, wsize, logs[i].what, logs[i].size);
			else
				bk_say(fn, ctx, "FAIL witness %s cosigned another %s log of size %" PRIu64
				    " than this backup holds (a fork): %s", w->key.name, logs[i].what,
				    logs[i].size, e.msg);
		} else if (rc == TIMS_ERR_NOTFOUND) {
			/* a witness that does not follow this log has seen none of it */
			bk_say(fn, ctx, "ok   witness %s does not witness the %s log (%s)", w->key.name,
			    logs[i].what, e.msg);
		} else {
			res->unreachable++;
			bk_say(fn, ctx, "FAIL witness %s (%s) could not be asked about the %s log: %s",
			    w->key.name, w->url, logs[i].what, e.msg);
		}
		tims_buf_release(&cos);
	}
}

tims_rc tims_backup_check_online(const char *dir, tims_backup_report_fn fn, void *ctx,
				 struct tims_backup_online *res, struct tims_err *err)
{
	struct log_cp logs[2] = {
		{ "crossings", 0, 0, TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES) },
		{ "audit", 0, 0, TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES) },
	};
	struct tims_peer_witness w[TIMS_PEERS_MAX_WITNESSES];
	struct tims_peer_centre c;
	size_t nw = 0;
	tims_rc rc;

	res->checked = res->findings = res->unreachable = res->peers = 0;
	if (res->timeout_s <= 0)
		res->timeout_s = 30;
	if ((rc = latest(dir, "post.db", &logs[0], err)) ||
	    (rc = latest(dir, "audit.db", &logs[1], err)) ||
	    (rc = tims_peers_witnesses(dir, w, TIMS_PEERS_MAX_WITNESSES, &nw, err)))
		goto out;
	rc = tims_peers_centre(dir, &c, err);
	if (rc == TIMS_OK) {
		res->peers++;
		centre_compare(&c, logs, fn, ctx, res);
	} else if (rc == TIMS_ERR_NOTFOUND) {
		rc = TIMS_OK;
		bk_say(fn, ctx, "--   not enrolled with a centre: no centre to compare with");
	} else {
		goto out;
	}
	for (size_t i = 0; i < nw; i++) {
		res->peers++;
		witness_compare(&w[i], logs, fn, ctx, res);
	}
	if (!nw)
		bk_say(fn, ctx, "--   no witness configured (witnesses.conf): none to compare with");
out:
	tims_buf_release(&logs[0].note);
	tims_buf_release(&logs[1].note);
	return rc;
}
