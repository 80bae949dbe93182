/*
 * test_auditmirror.c — a post's audit log mirrored as its crossings are
 * (tims/sync.h with TIMS_SYNC_AUDIT, docs/audit.md): batches built from
 * audit.db, the mirror's checks on audit leaves (a bad commitment, an
 * encoding that does not decode, a fork, a gap, a replay, a batch of the
 * other kind), erased events, and at the centre: the audit mirror refusing
 * a deleted-and-restarted audit log (fork) and a smaller checkpoint
 * (rollback) with a severe alert, and centre_audit_scan reading the
 * mirrored events and the centre's own.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"
#include "tims/audit.h"
#include "tims/centre.h"
#include "tims/post.h"
#include "tims/sync.h"
#include "tims/util.h"
#include "tims/witness.h"
#include "../../lib/centre/internal.h"

static char base[256];

static int append_events(struct tims_audit *a, unsigned n, const char *tag)
{
	for (unsigned i = 0; i < n; i++) {
		struct tims_audit_event ev = { 0 };
		char q[128];
		uint64_t idx;
		struct tims_err err;

		snprintf(ev.actor, sizeof(ev.actor), "off%u", i % 3);
		snprintf(ev.role, sizeof(ev.role), "officer");
		snprintf(ev.booth, sizeof(ev.booth), "B1");
		snprintf(ev.addr, sizeof(ev.addr), "127.0.0.1");
		snprintf(ev.action, sizeof(ev.action), "history");
		snprintf(ev.purpose, sizeof(ev.purpose), "%s-%u", tag, i);
		ev.crossing = -1;
		ev.status = 200;
		snprintf(q, sizeof(q), "{\"document\":\"D%u\"}", i);
		ev.query = q;
		ev.query_len = strlen(q);
		if (tims_audit_append(a, &ev, &idx, &err)) {
			T_OK(0, "append: %s", err.msg);
			return 0;
		}
	}
	return 1;
}

static int checkpoint(struct tims_audit *a)
{
	struct tims_err err;
	int issued;

	if (tims_audit_checkpoint(a, &issued, &err)) {
		T_OK(0, "checkpoint: %s", err.msg);
		return 0;
	}
	return 1;
}

/* A post directory with an audit log of n events (checkpoint signed). */
static struct tims_audit *make_post(const char *name, const char *origin, unsigned n)
{
	struct tims_audit *a = NULL;
	struct tims_err err;
	char dir[400];

	snprintf(dir, sizeof(dir), "%s/%s", base, name);
	if (tims_post_init(dir, origin, name, "land", &err) ||
	    tims_audit_open(dir, TIMS_AUDIT_WRITE, &a, &err)) {
		T_OK(0, "make post %s: %s", name, err.msg);
		return NULL;
	}
	if (!append_events(a, n, name) || !checkpoint(a)) {
		tims_audit_free(a);
		return NULL;
	}
	return a;
}

static int audit_batch(struct tims_audit *a, uint64_t from, uint64_t count,
		       struct tims_sync_batch *b)
{
	struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_checkpoint cp;
	struct tims_err err;
	int ok;

	ok = !tims_audit_latest_checkpoint(a, &note, &cp, &err) &&
	     !tims_sync_batch_from_audit(b, a, from, count, note.buf, note.len, &err);
	if (!ok)
		printf("# batch: %s\n", err.msg);
	tims_buf_release(&note);
	return ok;
}

/* Encode and decode again, as an AUDIT batch. */
static int wire(struct tims_sync_batch *b)
{
	struct tims_buf j = TIMS_BUF_INIT(TIMS_SYNC_MAX_BODY);
	struct tims_err err;
	int ok = !tims_sync_batch_encode(b, &j, &err);

	ok = ok && !tims_sync_batch_decode(j.buf, j.len, b, &err);
	if (!ok)
		printf("# wire: %s\n", err.msg);
	tims_buf_release(&j);
	return ok;
}

static tims_rc read_vkey(const char *dir, struct tims_verifier *v)
{
	struct tims_buf b = TIMS_BUF_INIT(4096);
	struct tims_err err;
	char path[400];
	tims_rc rc;

	snprintf(path, sizeof(path), "%s/%s/post.vkey", base, dir);
	rc = tims_read_file(path, 4096, &b, &err);
	while (!rc && b.len && (b.buf[b.len - 1] == '\n'))
		b.buf[--b.len] = '\0';
	if (!rc)
		rc = tims_verifier_parse(tims_buf_str(&b), v, &err);
	if (rc)
		T_OK(0, "post key: %s", err.msg);
	tims_buf_release(&b);
	return rc;
}

/* What an insider with the files does: the record of publication gone. */
static int drop_marker(const char *dir)
{
	char path[600];
	sqlite3 *db = NULL;
	int ok;

	snprintf(path, sizeof(path), "%s/post.db", dir);
	ok = sqlite3_open(path, &db) == SQLITE_OK &&
	     sqlite3_exec(db, "DROP TABLE audit_published", NULL, NULL, NULL) == SQLITE_OK;
	sqlite3_close(db);
	return ok;
}

/* The record moved aside and back (an insider who swaps logs under it). */
static int drop_marker_keep(const char *dir)
{
	char path[600];
	sqlite3 *db = NULL;
	int ok;

	snprintf(path, sizeof(path), "%s/post.db", dir);
	ok = sqlite3_open(path, &db) == SQLITE_OK &&
	     sqlite3_exec(db, "CREATE TABLE kept AS SELECT * FROM audit_published;"
			  "DROP TABLE audit_published", NULL, NULL, NULL) == SQLITE_OK;
	sqlite3_close(db);
	return ok;
}

static int restore_marker(const char *dir)
{
	char path[600];
	sqlite3 *db = NULL;
	int ok;

	snprintf(path, sizeof(path), "%s/post.db", dir);
	ok = sqlite3_open(path, &db) == SQLITE_OK &&
	     sqlite3_exec(db, "DELETE FROM audit_published; INSERT INTO audit_published"
			  " SELECT * FROM kept", NULL, NULL, NULL) == SQLITE_OK;
	sqlite3_close(db);
	return ok;
}

static void test_mirror(void)
{
	struct tims_audit *a = make_post("a", "example.org/post/a", 40);
	struct tims_sync_mirror *m = NULL, *cm = NULL;
	struct tims_sync_batch b;
	struct tims_sync_result res;
	struct tims_verifier key;
	struct tims_err err;
	uint64_t size = 9, findings = 9;
	char db[400], cp[400];
	uint8_t saved;
	tims_rc rc;

	if (!a || read_vkey("a", &key))
		return;
	snprintf(db, sizeof(db), "%s/ma.audit.db", base);
	snprintf(cp, sizeof(cp), "%s/ma.audit.checkpoint", base);
	T_OK(!tims_sync_mirror_open_leaf(db, cp, &key, TIMS_SYNC_AUDIT, &m, &err),
	     "an audit mirror opens (%s)", err.msg);
	snprintf(db, sizeof(db), "%s/mc.db", base);
	snprintf(cp, sizeof(cp), "%s/mc.checkpoint", base);
	T_OK(!tims_sync_mirror_open(db, cp, &key, &cm, &err), "a crossing mirror opens");
	if (!m || !cm)
		goto out;
	tims_sync_batch_init_leaf(&b, TIMS_SYNC_AUDIT);
	T_OK(audit_batch(a, 0, 20, &b) && wire(&b), "batch of audit events: built, encoded, parsed");
	T_EQ_STR(b.cp.origin, "example.org/post/a/audit", "its checkpoint is the audit log's");
	T_OK(tims_sync_mirror_apply(cm, &b, NULL, NULL, &res, &err) == TIMS_ERR_INVALID,
	     "a crossing mirror refuses a batch of audit events (%s)", err.msg);

	/* A bad commitment: the salt altered in transit. */
	saved = ((uint8_t *)b.items[3].salt)[0];
	((uint8_t *)b.items[3].salt)[0] ^= 1;
	rc = tims_sync_mirror_apply(m, &b, NULL, NULL, &res, &err);
	T_OK(rc == TIMS_ERR_TAMPER && strstr(err.msg, "event 3"),
	     "an event whose salted commitment is not its entry's is refused (%s)", err.msg);
	((uint8_t *)b.items[3].salt)[0] = saved;
	T_OK(!tims_sync_mirror_size(m, &size, &err) && size == 0, "... and nothing was stored");

	/* A bad encoding: the event's bytes do not decode. */
	saved = ((uint8_t *)b.items[5].body)[0];
	((uint8_t *)b.items[5].body)[0] = 9; /* version 9 */
	rc = tims_sync_mirror_apply(m, &b, NULL, NULL, &res, &err);
	T_OK(rc == TIMS_ERR_INVALID && strstr(err.msg, "event 5"),
	     "an event that does not decode canonically is refused (%s)", err.msg);
	((uint8_t *)b.items[5].body)[0] = saved;

	rc = tims_sync_mirror_apply(m, &b, NULL, NULL, &res, &err);
	T_OK(rc == TIMS_OK && res.added == 20, "the mirror takes 20 events (%s)", rc ? err.msg : "");
	rc = tims_sync_mirror_apply(m, &b, NULL, NULL, &res, &err);
	T_OK(rc == TIMS_OK && res.added == 0 && res.repeated == 20,
	     "a replayed batch adds nothing");

	/* A gap. */
	T_OK(audit_batch(a, 30, 5, &b), "a later range");
	rc = tims_sync_mirror_apply(m, &b, NULL, NULL, &res, &err);
	T_OK(rc == TIMS_ERR_STATE && res.want_from == 20, "a gap is refused, asking for 20");

	/* The rest, with an erased event. */
	T_OK(!tims_audit_erase(a, 25, &err), "event 25 erased by retention");
	T_OK(audit_batch(a, 20, 20, &b) && wire(&b), "the rest");
	rc = tims_sync_mirror_apply(m, &b, NULL, NULL, &res, &err);
	T_OK(rc == TIMS_OK && res.added == 20 && res.complete,
	     "the mirror holds the whole checkpoint, an erased event included (%s)",
	     rc ? err.msg : "");
	rc = tims_sync_mirror_verify(m, NULL, NULL, &findings, &err);
	T_OK(rc == TIMS_OK && findings == 0, "the audit mirror verifies (%s)", rc ? err.msg : "");

	/* A fork: the same key, another audit log (deleted and started again). */
	{
		struct tims_audit *f = NULL;
		char src[400], dst[400], cmd[2000];

		snprintf(src, sizeof(src), "%s/a", base);
		snprintf(dst, sizeof(dst), "%s/fork", base);
		snprintf(cmd, sizeof(cmd), "cp -r %s %s && rm -f %s/audit.db* %s/audit.checkpoint",
			 src, dst, dst, dst);
		T_OK(system(cmd) == 0, "a copy of the post without its audit log");
		T_OK(tims_audit_open(dst, TIMS_AUDIT_WRITE, &f, &err) == TIMS_ERR_TAMPER &&
		     strstr(err.msg, "audit.db is missing") && strstr(err.msg, "tims audit reset"),
		     "post.db records the published log: no fresh one is started (%s)", err.msg);
		T_OK(drop_marker(dst), "the insider deletes post.db's record too");
		T_OK(!tims_audit_open(dst, TIMS_AUDIT_WRITE, &f, &err) && append_events(f, 50, "f") &&
		     checkpoint(f), "a fresh audit log of 50 events with the same key");
		if (f) {
			tims_sync_batch_release(&b); /* kept: an AUDIT batch */
			T_OK(audit_batch(f, 0, 50, &b) && wire(&b), "its batch");
			rc = tims_sync_mirror_apply(m, &b, NULL, NULL, &res, &err);
			T_OK(rc == TIMS_ERR_TAMPER && strstr(err.msg, "fork"),
			     "the mirror refuses the fresh log as a fork (%s)", err.msg);
			T_OK(!tims_sync_mirror_size(m, &size, &err) && size == 40,
			     "... and still holds the 40 events");
			tims_audit_free(f);
		}
	}
	tims_sync_batch_release(&b);
out:
	tims_sync_mirror_free(m);
	tims_sync_mirror_free(cm);
	tims_audit_free(a);
}

/* Refusal to start: an old copy of audit.db, another log of the same size,
 * and the read-only check a server runs first. */
static void test_published(void)
{
	struct tims_audit *a = make_post("c", "example.org/post/c", 10), *b = NULL;
	struct tims_err err;
	char dir[400], cmd[1400];

	if (!a)
		return;
	snprintf(dir, sizeof(dir), "%s/c", base);
	tims_audit_free(a); /* records the latest checkpoint (10) */
	snprintf(cmd, sizeof(cmd), "cd %s && cp audit.db old.db && cp audit.checkpoint old.cp", dir);
	T_OK(system(cmd) == 0, "an old copy of audit.db at 10 events");
	T_OK(!tims_audit_open(dir, TIMS_AUDIT_WRITE, &a, &err) && append_events(a, 5, "c2") &&
	     checkpoint(a), "5 more events, signed");
	tims_audit_free(a);
	a = NULL;
	T_OK(!tims_audit_check_published(dir, NULL, NULL, &err), "the log is the one published");
	snprintf(cmd, sizeof(cmd), "cd %s && cp old.db audit.db && rm -f audit.db-wal audit.db-shm"
		 " && cp old.cp audit.checkpoint", dir);
	T_OK(system(cmd) == 0, "the old copy restored, with its checkpoint file");
	T_OK(tims_audit_open(dir, TIMS_AUDIT_WRITE, &a, &err) == TIMS_ERR_TAMPER &&
	     strstr(err.msg, "holds 10 events") && strstr(err.msg, "15 published"),
	     "refused: fewer events than published (%s)", err.msg);
	T_OK(tims_audit_check_published(dir, NULL, NULL, &err) == TIMS_ERR_TAMPER,
	     "the read-only check says so too (%s)", err.msg);
	/* Another log as long: the same key, other events. */
	snprintf(cmd, sizeof(cmd), "cd %s && rm -f audit.db* audit.checkpoint", dir);
	T_OK(system(cmd) == 0 && drop_marker_keep(dir), "audit.db deleted, the record kept aside");
	T_OK(!tims_audit_open(dir, TIMS_AUDIT_WRITE, &b, &err) && append_events(b, 20, "other") &&
	     checkpoint(b), "another log of 20 events");
	tims_audit_free(b);
	T_OK(restore_marker(dir), "the record put back");
	T_OK(tims_audit_open(dir, TIMS_AUDIT_WRITE, &a, &err) == TIMS_ERR_TAMPER &&
	     strstr(err.msg, "not consistent"), "refused: not consistent with the record (%s)",
	     err.msg);
	tims_audit_free(a);
}

/* A witness trusts a post's key for its audit log too; a schema-1
 * witness.db (one origin a key) is brought to schema 2 when opened. */
static void test_witness_keys(void)
{
	struct tims_witness *w = NULL;
	struct tims_buf vk = TIMS_BUF_INIT(4096);
	struct tims_err err;
	char dir[400], path[600], cmd[1400];
	sqlite3 *db = NULL;

	snprintf(dir, sizeof(dir), "%s/w", base);
	snprintf(path, sizeof(path), "%s/a/post.vkey", base);
	if (tims_read_file(path, 4096, &vk, &err)) {
		T_OK(0, "post key: %s", err.msg);
		return;
	}
	while (vk.len && vk.buf[vk.len - 1] == '\n')
		vk.buf[--vk.len] = '\0';
	T_OK(!tims_witness_init(dir, "witness.test/w", NULL, &err), "a witness (%s)", err.msg);
	/* as schema 1 made it: vkey UNIQUE, one origin a key */
	snprintf(path, sizeof(path), "%s/witness.db", dir);
	T_OK(sqlite3_open(path, &db) == SQLITE_OK &&
	     sqlite3_exec(db, "DROP TABLE keys; CREATE TABLE keys (origin TEXT NOT NULL,"
			  " vkey TEXT NOT NULL UNIQUE, added_at INTEGER NOT NULL);"
			  "CREATE INDEX keys_origin ON keys (origin); PRAGMA user_version = 1;",
			  NULL, NULL, NULL) == SQLITE_OK, "made a schema-1 witness.db");
	if (db) {
		char *ins = sqlite3_mprintf("INSERT INTO keys VALUES ('example.org/post/a', %Q, 1);"
					    "INSERT INTO logs (origin) VALUES ('example.org/post/a')",
					    vk.buf);

		T_OK(sqlite3_exec(db, ins, NULL, NULL, NULL) == SQLITE_OK, "... trusting the key");
		sqlite3_free(ins);
		sqlite3_close(db);
	}
	T_OK(!tims_witness_open(dir, &w, &err), "schema 1 opens, brought to 2 (%s)", err.msg);
	if (!w)
		goto out;
	T_OK(tims_witness_add_log(w, vk.buf, &err) == TIMS_ERR_EXISTS,
	     "the key is still trusted for its origin");
	T_OK(!tims_witness_add_log_origin(w, vk.buf, "example.org/post/a/audit", &err),
	     "and now for its audit log too (%s)", err.msg);
	T_OK(tims_witness_add_log_origin(w, vk.buf, "example.org/post/b", &err) ==
	     TIMS_ERR_INVALID, "but not for another origin (%s)", err.msg);
	tims_witness_free(w);
	snprintf(cmd, sizeof(cmd), "test \"$(sqlite3 %s 'PRAGMA user_version; SELECT count(*)"
		 " FROM keys')\" = \"$(printf '2\\n2')\"", path);
	T_OK(system(cmd) == 0, "witness.db: schema 2, the key under two origins");
out:
	tims_buf_release(&vk);
}

struct seen {
	uint64_t n, first, last;
	char post[64];
	int decoded;
};

static tims_rc seen_one(void *ctx, const char *post, uint64_t idx,
			const struct tims_audit_event *ev)
{
	struct seen *s = ctx;

	if (!s->n)
		s->first = idx;
	s->last = idx;
	s->n++;
	snprintf(s->post, sizeof(s->post), "%s", post);
	s->decoded += !strcmp(ev->action, "history") && ev->query && ev->query_len > 0;
	return TIMS_OK;
}

static void test_centre(void)
{
	struct tims_audit *a = make_post("b", "example.org/post/b", 30);
	struct tims_centre *c = NULL;
	struct tims_centre_ingest in;
	struct tims_sync_batch b;
	struct tims_err err;
	struct seen s;
	char cdir[400], vkey[400], out[400], cmd[1200];
	tims_rc rc;

	if (!a)
		return;
	snprintf(cdir, sizeof(cdir), "%s/centre", base);
	snprintf(vkey, sizeof(vkey), "%s/b/post.vkey", base);
	snprintf(out, sizeof(out), "%s/enrol-b", base);
	if (tims_centre_init(cdir, "tims-centre", NULL, NULL, &err) ||
	    tims_centre_open(cdir, &c, &err) ||
	    tims_centre_enrol(c, "post-b", vkey, "https://127.0.0.1:1", NULL, out, &err)) {
		T_OK(0, "centre: %s", err.msg);
		goto out;
	}
	tims_sync_batch_init_leaf(&b, TIMS_SYNC_AUDIT);
	T_OK(audit_batch(a, 0, 30, &b) && wire(&b), "post b's audit batch");
	rc = centre_audit_ingest(c, "example.org/post/b", &b, &in, &err);
	T_OK(rc == TIMS_OK && in.r.added == 30 && in.r.complete && in.cosignature[0],
	     "the centre mirrors post b's audit log and cosigns it (%s)", rc ? err.msg : "");
	snprintf(cmd, sizeof(cmd), "%s/mirror/example.org%%2Fpost%%2Fb.audit.db", cdir);
	T_OK(access(cmd, F_OK) == 0, "kept in mirror/<escaped origin>.audit.db");

	memset(&s, 0, sizeof(s));
	rc = centre_audit_scan(c, "post-b", 0, 100, seen_one, &s, &err);
	T_OK(rc == TIMS_OK && s.n == 30 && s.first == 0 && s.last == 29 && s.decoded == 30 &&
	     !strcmp(s.post, "post-b"), "centre_audit_scan: the 30 events of post-b in order (%s)",
	     rc ? err.msg : "");
	memset(&s, 0, sizeof(s));
	rc = centre_audit_scan(c, "post-b", 10, 5, seen_one, &s, &err);
	T_OK(rc == TIMS_OK && s.n == 5 && s.first == 10 && s.last == 14,
	     "centre_audit_scan: from 10, at most 5");
	T_OK(centre_audit_scan(c, "no-such-post", 0, 5, seen_one, &s, &err) == TIMS_ERR_NOTFOUND,
	     "centre_audit_scan: an unknown post is an error, not an empty log");

	/* The centre's own audit log. */
	T_OK(!centre_audit(c, "sup1", "supervisor", "127.0.0.1", "dashboard.events", "",
			   "{}", NULL, 200, &err), "the centre audits a read (%s)", err.msg);
	memset(&s, 0, sizeof(s));
	rc = centre_audit_scan(c, "", 0, 100, seen_one, &s, &err);
	T_OK(rc == TIMS_OK && s.n >= 1 && !strcmp(s.post, ""),
	     "centre_audit_scan \"\": the centre's own audit log (%s)", rc ? err.msg : "");

	/* The audit log deleted at the post and started again: refused, alert. */
	{
		struct tims_audit *f = NULL;
		char dir[400];

		snprintf(dir, sizeof(dir), "%s/b", base);
		tims_audit_free(a);
		a = NULL;
		snprintf(cmd, sizeof(cmd), "rm -f %s/audit.db* %s/audit.checkpoint", dir, dir);
		T_OK(system(cmd) == 0, "post b's audit files deleted");
		T_OK(drop_marker(dir), "and post.db's record of them");
		T_OK(!tims_audit_open(dir, TIMS_AUDIT_WRITE, &f, &err) && append_events(f, 5, "x") &&
		     checkpoint(f), "a fresh audit log of 5 events");
		if (f) {
			tims_sync_batch_release(&b); /* kept: an AUDIT batch */
			T_OK(audit_batch(f, 0, 5, &b) && wire(&b), "its batch");
			rc = centre_audit_ingest(c, "example.org/post/b", &b, &in, &err);
			T_OK(rc == TIMS_ERR_TAMPER && strstr(err.msg, "rollback"),
			     "the centre refuses a smaller audit log (%s)", err.msg);
			T_OK(!append_events(f, 40, "y") ? 0 : checkpoint(f), "it grows past the mirror");
			T_OK(audit_batch(f, 0, 45, &b) && wire(&b), "its batch");
			rc = centre_audit_ingest(c, "example.org/post/b", &b, &in, &err);
			T_OK(rc == TIMS_ERR_TAMPER && strstr(err.msg, "fork"),
			     "the centre refuses it as a fork (%s)", err.msg);
			memset(&s, 0, sizeof(s));
			T_OK(!centre_audit_scan(c, "post-b", 0, 100, seen_one, &s, &err) && s.n == 30,
			     "the mirror still holds the 30 events");
			/* A two-person reset reached the centre (event number 7). */
			T_OK(!centre_audit_archive(c, "example.org/post/b", 7, "test", &err),
			     "reset: the old mirror archived (%s)", err.msg);
			snprintf(cmd, sizeof(cmd), "test \"$(sqlite3 -readonly %s/mirror/"
				 "example.org%%2Fpost%%2Fb.audit.reset-7.db 'SELECT count(*) FROM entries')\""
				 " = 30", cdir);
			T_OK(system(cmd) == 0, "reset: the archive keeps the 30 events, readable");
			rc = centre_audit_ingest(c, "example.org/post/b", &b, &in, &err);
			T_OK(rc == TIMS_OK && in.r.added == 45 && in.r.complete,
			     "reset: the new log is accepted (%s)", rc ? err.msg : "");
			T_OK(!centre_audit_archive(c, "example.org/post/b", 7, "test", &err),
			     "reset: the same event again");
			memset(&s, 0, sizeof(s));
			T_OK(!centre_audit_scan(c, "post-b", 0, 100, seen_one, &s, &err) && s.n == 45,
			     "... archives nothing more: the new log stays (%" PRIu64 ")", s.n);
			tims_audit_free(f);
		}
		snprintf(cmd, sizeof(cmd), "test \"$(sqlite3 %s/centre.db \"SELECT group_concat(kind)"
			 " FROM (SELECT DISTINCT kind FROM alerts WHERE kind IN ('audit-fork', 'audit-rollback')"
			 " ORDER BY kind)\")\" = audit-fork,audit-rollback", cdir);
		T_OK(system(cmd) == 0, "alerts audit-rollback and audit-fork are open");
		T_OK(tims_centre_severe("audit-fork") && tims_centre_severe("audit-rollback"),
		     "both are severe");
	}
	tims_sync_batch_release(&b);
out:
	tims_centre_free(c);
	tims_audit_free(a);
}

int main(void)
{
	char cmd[300];

	snprintf(base, sizeof(base), "/tmp/tims-auditmirror-XXXXXX");
	if (!mkdtemp(base))
		return 2;
	test_mirror();
	test_published();
	test_witness_keys();
	test_centre();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	if (system(cmd) != 0)
		return 2;
	return t_done();
}
