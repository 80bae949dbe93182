/*
 * verify.c — checks of a restored node that no other module makes: the
 * cosignatures a post holds against its own checkpoints, a witness's state
 * against the checkpoints it cosigned. The log itself (every leaf, every
 * stored hash, every signed checkpoint) is recomputed by the node's own
 * verification (tims_post_verify, tims_audit_verify, tims_sync_mirror_verify).
 */
#include "internal.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tims/note.h"

void bk_say(tims_backup_report_fn fn, void *ctx, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (fn)
		fn(ctx, line);
}

static tims_rc open_ro(const char *dir, const char *name, sqlite3 **db, struct tims_err *err)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (sqlite3_open_v2(p, db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		tims_rc rc = tims_err_set(err, TIMS_ERR_DB, "%s: %s", p,
					  *db ? sqlite3_errmsg(*db) : "cannot open");
		sqlite3_close(*db);
		*db = NULL;
		return rc;
	}
	sqlite3_busy_timeout(*db, 5000);
	return TIMS_OK;
}

/* The body of a signed note (up to and with the line before the blank). */
static size_t body_len(const char *note, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
		if (note[i] == '\n' && note[i + 1] == '\n')
			return i + 1;
	return 0;
}

/* Cosignatures named "audit:NAME" are over the audit log's checkpoints
 * (audit.db), the others over the crossings log's (post.db). */
static tims_rc own_stmt(sqlite3 *db, const char *dir, const char *name, sqlite3_stmt **st,
			struct tims_err *err)
{
	if (sqlite3_prepare_v2(db, "SELECT note FROM checkpoints WHERE size = ?1", -1, st,
			       NULL) != SQLITE_OK)
		return tims_err_set(err, TIMS_ERR_DB, "%s/%s: checkpoints: %s", dir, name,
				    sqlite3_errmsg(db));
	return TIMS_OK;
}

tims_rc tims_backup_check_cosigned(const char *dir, tims_backup_report_fn fn, void *ctx,
				   uint64_t *checked, uint64_t *findings, struct tims_err *err)
{
	sqlite3 *db = NULL, *adb = NULL;
	sqlite3_stmt *st = NULL, *own = NULL, *aown = NULL;
	char p[4096];
	tims_rc rc;
	int r;

	*checked = *findings = 0;
	if ((rc = open_ro(dir, "post.db", &db, err)))
		return rc;
	if (sqlite3_prepare_v2(db, "SELECT cosigner, size, note FROM cosigned ORDER BY cosigner, size",
			       -1, &st, NULL) != SQLITE_OK) {
		/* a post that never synced has no table of cosignatures */
		sqlite3_close(db);
		return TIMS_OK;
	}
	snprintf(p, sizeof(p), "%s/audit.db", dir);
	if ((rc = own_stmt(db, dir, "post.db", &own, err)) ||
	    (access(p, F_OK) == 0 && ((rc = open_ro(dir, "audit.db", &adb, err)) ||
				      (rc = own_stmt(adb, dir, "audit.db", &aown, err)))))
		goto done;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *who = (const char *)sqlite3_column_text(st, 0);
		uint64_t size = (uint64_t)sqlite3_column_int64(st, 1);
		const char *note = (const char *)sqlite3_column_text(st, 2);
		size_t nlen = (size_t)sqlite3_column_bytes(st, 2), cb, ob;
		int audit = who && !strncmp(who, "audit:", 6);
		sqlite3_stmt *q = audit ? aown : own;

		(*checked)++;
		if (q) {
			sqlite3_reset(q);
			sqlite3_bind_int64(q, 1, (int64_t)size);
		}
		if (!q || sqlite3_step(q) != SQLITE_ROW) {
			(*findings)++;
			bk_say(fn, ctx, "cosignature of %s at size %llu: the %s log holds no checkpoint "
			    "of that size (rolled back?)", who ? who : "?", (unsigned long long)size,
			    audit ? "audit" : "crossings");
			continue;
		}
		{
			const char *mine = (const char *)sqlite3_column_text(q, 0);
			size_t mlen = (size_t)sqlite3_column_bytes(q, 0);

			cb = note ? body_len(note, nlen) : 0;
			ob = mine ? body_len(mine, mlen) : 0;
			if (!cb || cb != ob || memcmp(note, mine, cb)) {
				(*findings)++;
				bk_say(fn, ctx, "cosignature of %s at size %llu: cosigned a different "
				    "checkpoint than the log's (fork)", who ? who : "?",
				    (unsigned long long)size);
			}
		}
	}
	if (r != SQLITE_DONE)
		rc = tims_err_set(err, TIMS_ERR_DB, "%s/post.db: cosigned: %s", dir, sqlite3_errmsg(db));
done:
	sqlite3_finalize(st);
	sqlite3_finalize(own);
	sqlite3_finalize(aown);
	sqlite3_close(db);
	sqlite3_close(adb);
	return rc;
}

tims_rc tims_backup_check_witness(const char *dir, tims_backup_report_fn fn, void *ctx,
				  uint64_t *checked, uint64_t *findings, struct tims_err *err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	tims_rc rc;
	int r;

	*checked = *findings = 0;
	if ((rc = open_ro(dir, "witness.db", &db, err)))
		return rc;
	if (sqlite3_prepare_v2(db, "SELECT origin, size, root, checkpoint FROM logs ORDER BY origin",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "%s/witness.db: logs: %s", dir, sqlite3_errmsg(db));
		sqlite3_close(db);
		return rc;
	}
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *origin = (const char *)sqlite3_column_text(st, 0);
		uint64_t size = (uint64_t)sqlite3_column_int64(st, 1);
		const void *root = sqlite3_column_blob(st, 2);
		int rootlen = sqlite3_column_bytes(st, 2);
		const char *cp = (const char *)sqlite3_column_text(st, 3);
		struct tims_checkpoint c;
		struct tims_err e;

		(*checked)++;
		if (!cp) {
			if (size) {
				(*findings)++;
				bk_say(fn, ctx, "%s: size %llu without its checkpoint", origin ? origin : "?",
				    (unsigned long long)size);
			}
			continue;
		}
		if (tims_checkpoint_parse(cp, body_len(cp, strlen(cp)) ? body_len(cp, strlen(cp))
								     : strlen(cp), &c, &e) ||
		    c.size != size || rootlen != (int)sizeof(c.root) ||
		    memcmp(root, c.root, sizeof(c.root)) || !origin || strcmp(origin, c.origin)) {
			(*findings)++;
			bk_say(fn, ctx, "%s: the size and root kept are not the checkpoint it cosigned",
			    origin ? origin : "?");
		}
	}
	if (r != SQLITE_DONE)
		rc = tims_err_set(err, TIMS_ERR_DB, "%s/witness.db: logs: %s", dir, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

tims_rc tims_backup_audit_published(const char *dir, const char *db_file, uint64_t *size,
				    struct tims_err *err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	tims_rc rc;

	*size = 0;
	if ((rc = open_ro(dir, db_file, &db, err)))
		return rc;
	if (sqlite3_prepare_v2(db, "SELECT size FROM audit_published WHERE id = 1", -1, &st,
			       NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		*size = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return TIMS_OK;
}
