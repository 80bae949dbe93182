/*
 * post.c — creating and opening a post: its directory, config file, keys,
 * and its log in post.db (see include/tims/post.h and docs/formats.md).
 *
 * The log itself (stored hashes, checkpoints, the outside checkpoint file,
 * rollback refusal) is a tims_mlog (include/tims/mlog.h); this file adds
 * the records table. Its triggers refuse UPDATE and DELETE, except the one
 * update retention needs (clearing a record's payload and salt). They are a
 * belt and braces, not the guarantee: anyone with the file can drop them,
 * which is why tims_post_verify recomputes everything.
 */
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <time.h>

#include "tims/p11.h"
#include "tims/util.h"
#include "internal.h"

#define SCHEMA_VERSION 1

/* The records table; the log's hashes and checkpoints tables come from
 * tims_mlog (same names as before the extraction: post.db is unchanged). */
static const char schema[] =
	"CREATE TABLE records ("
	" idx INTEGER PRIMARY KEY,"
	" ref TEXT UNIQUE,"            /* client id, for idempotent retries */
	" doc TEXT,"                   /* document number (history lookup) */
	" nat TEXT,"                   /* nationality */
	" salt BLOB,"                  /* NULL once erased */
	" body BLOB,"                  /* canonical record; NULL once erased */
	" corrects INTEGER,"           /* the record this one corrects */
	" entry BLOB NOT NULL);"       /* the leaf entry, kept forever */
	"CREATE INDEX records_doc ON records(doc);"
	"CREATE INDEX records_corrects ON records(corrects);"
	"CREATE TRIGGER records_no_delete BEFORE DELETE ON records BEGIN"
	" SELECT RAISE(ABORT, 'records are append-only'); END;"
	"CREATE TRIGGER records_no_update BEFORE UPDATE ON records"
	" WHEN NOT (NEW.idx IS OLD.idx AND NEW.entry IS OLD.entry"
	" AND NEW.ref IS OLD.ref AND NEW.corrects IS OLD.corrects AND NEW.salt IS NULL AND NEW.body IS NULL"
	" AND NEW.doc IS NULL AND NEW.nat IS NULL) BEGIN"
	" SELECT RAISE(ABORT, 'records are append-only (only retention may erase a payload)'); END;";

/*
 * The audit events owed for records registered at the booth
 * (tims_post_register): written in the record's own transaction, deleted
 * once the event is in audit.db. Not part of the log (nothing signs it),
 * created by writers when missing, so an older post.db opens unchanged.
 */
static const char owed_schema[] =
	"CREATE TABLE IF NOT EXISTS audit_owed ("
	" idx INTEGER PRIMARY KEY,"    /* the record's log index */
	" event BLOB NOT NULL)";       /* the caller's bytes (the node's JSON) */

static const char *const owed_sql[OW_COUNT] = {
	[OW_INS] = "INSERT INTO audit_owed (idx, event) VALUES (?1, ?2)",
	[OW_DEL] = "DELETE FROM audit_owed WHERE idx = ?1",
	[OW_LIST] = "SELECT idx, event FROM audit_owed ORDER BY idx",
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_BY_REF] = "SELECT idx, body, entry FROM records WHERE ref = ?1",
	[ST_INS_REC] = "INSERT INTO records (idx, ref, doc, nat, salt, body,"
		       " entry, corrects) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[ST_GET_REC] = "SELECT salt, body, entry FROM records WHERE idx = ?1",
	[ST_HISTORY] = "SELECT idx, body FROM records WHERE doc = ?1 ORDER BY idx",
	[ST_CORRECTED_BY] = "SELECT idx FROM records WHERE corrects = ?1"
			    " ORDER BY idx DESC LIMIT 1",
	[ST_ERASE] = "UPDATE records SET salt = NULL, body = NULL, doc = NULL,"
		     " nat = NULL WHERE idx = ?1",
};

tims_rc post_path(const struct tims_post *p, const char *name, char *out,
		  struct tims_err *err)
{
	if (snprintf(out, POST_PATH_MAX, "%s/%s", p->dir, name) >= POST_PATH_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long",
				    p->dir);
	return TIMS_OK;
}

tims_rc post_db_err(struct tims_post *p, const char *what,
		    struct tims_err *err)
{
	if (p->log)
		return tims_mlog_db_err(p->log, what, err);
	return tims_err_set(err, TIMS_ERR_DB, "%s/post.db: %s: not open",
			    p->dir, what);
}

tims_rc post_exec(struct tims_post *p, enum post_stmt s, const char *what,
		  struct tims_err *err)
{
	return tims_mlog_step(p->log, p->st[s], what, err);
}

tims_rc post_last(struct tims_post *p, uint64_t *size, int64_t *last_ms,
		  struct tims_err *err)
{
	uint8_t entry[TIMS_RECORD_ENTRY_BYTES];
	size_t elen;
	tims_rc rc;

	*last_ms = 0;
	rc = tims_mlog_last(p->log, size, entry, sizeof(entry), &elen, err);
	if (!rc && *size && elen == TIMS_RECORD_ENTRY_BYTES)
		*last_ms = tims_record_entry_time(entry);
	return rc;
}

tims_rc tims_post_size(struct tims_post *p, uint64_t *size,
		       struct tims_err *err)
{
	tims_rc rc;

	if (p->rlog) {
		pthread_mutex_lock(&p->rmu);
		rc = tims_mlog_size(p->rlog, size, err);
		pthread_mutex_unlock(&p->rmu);
		return rc;
	}
	post_lock(p);
	rc = tims_mlog_size(p->log, size, err);
	post_unlock(p);
	return rc;
}

const char *tims_post_origin(const struct tims_post *p)
{
	return p->origin;
}

const char *tims_post_dir(const struct tims_post *p)
{
	return p->dir;
}

const struct tims_verifier *tims_post_verifier(const struct tims_post *p)
{
	return &p->verifier;
}

/* The log's stored hashes, read through the readers' connection (or under
 * the post's lock): a reader handed out is used later, perhaps while
 * another thread commits a group. */
static tims_rc read_locked(void *ctx, const uint64_t *idx, size_t n,
			   tims_hash *out)
{
	struct tims_post *p = ctx;
	struct tims_tlog_reader r;
	tims_rc rc;

	if (p->rlog) {
		pthread_mutex_lock(&p->rmu);
		tims_mlog_reader(p->rlog, &r);
		rc = r.read(r.ctx, idx, n, out);
		pthread_mutex_unlock(&p->rmu);
		return rc;
	}
	post_lock(p);
	tims_mlog_reader(p->log, &r);
	rc = r.read(r.ctx, idx, n, out);
	post_unlock(p);
	return rc;
}

void tims_post_reader(struct tims_post *p, struct tims_tlog_reader *r)
{
	r->ctx = p;
	r->read = read_locked;
}

/* ---- config ---- */

static const char *const kinds[] = { "land", "port", "airport" };

static int valid_kind(const char *k)
{
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(kinds); i++)
		if (!strcmp(kinds[i], k))
			return 1;
	return 0;
}

/* "key = value" lines; '#' comments. Known keys only. */
static tims_rc parse_config(struct tims_post *p, const char *text,
			    size_t len, const char *path, struct tims_err *err)
{
	static const struct { const char *key; size_t off, size; } keys[] = {
		{ "origin", offsetof(struct tims_post, origin), TIMS_NOTE_MAX_NAME + 1 },
		{ "name", offsetof(struct tims_post, name), TIMS_NOTE_MAX_NAME + 1 },
		{ "kind", offsetof(struct tims_post, kind), 16 },
	};
	size_t pos = 0, line = 0;

	while (pos < len) {
		size_t end = pos, k, klen, vstart, vend;
		const char *eq;

		while (end < len && text[end] != '\n')
			end++;
		line++;
		eq = memchr(text + pos, '=', end - pos);
		if (end == pos || text[pos] == '#') {
			pos = end + 1;
			continue;
		}
		if (!eq)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: line %zu: want key = value",
					    path, line);
		klen = (size_t)(eq - (text + pos));
		while (klen && text[pos + klen - 1] == ' ')
			klen--;
		vstart = (size_t)(eq - text) + 1;
		while (vstart < end && text[vstart] == ' ')
			vstart++;
		vend = end;
		while (vend > vstart && text[vend - 1] == ' ')
			vend--;
		for (k = 0; k < TIMS_ARRAY_SIZE(keys); k++)
			if (strlen(keys[k].key) == klen &&
			    !memcmp(keys[k].key, text + pos, klen))
				break;
		if (k == TIMS_ARRAY_SIZE(keys))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: line %zu: unknown key", path,
					    line);
		if (vend - vstart >= keys[k].size)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: line %zu: %s too long", path,
					    line, keys[k].key);
		memcpy((char *)p + keys[k].off, text + vstart, vend - vstart);
		((char *)p + keys[k].off)[vend - vstart] = '\0';
		pos = end + 1;
	}
	if (!p->origin[0])
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: no origin",
				    path);
	if (!valid_kind(p->kind))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: kind must be land, port or airport",
				    path);
	return TIMS_OK;
}

/* ---- open ---- */

/* The log in post.db, signed with the post's key under its origin. */
static tims_rc open_log(struct tims_post *p, enum tims_mlog_open_mode mode,
			struct tims_err *err)
{
	char db[POST_PATH_MAX], cp[POST_PATH_MAX];
	struct tims_mlog_config c = {
		.label = p->dir, .db_path = db, .db_name = "post.db",
		.prefix = "", .leaf_table = "records",
		.noun = "record", .nouns = "records", .a_noun = "a record",
		.owner = "post", .verify_command = "tims log verify",
		.schema = schema, .schema_version = SCHEMA_VERSION,
		.origin = p->origin, .checkpoint_path = cp,
		.verifier_name = "post.vkey", .verifier = &p->verifier,
		.signer = p->has_signer ? &p->signer : NULL,
	};
	tims_rc rc;

	if ((rc = post_path(p, "post.db", db, err)) ||
	    (rc = post_path(p, "checkpoint", cp, err)) ||
	    (rc = tims_mlog_open(&c, mode, &p->log, err)))
		return rc;
	p->db = tims_mlog_db(p->log);
	/* Registrations sign a checkpoint in every commit; its copy outside
	 * post.db is rewritten once per checkpoint interval, not per commit
	 * (two fsyncs and a rename each): tims_mlog_set_outside_interval. */
	tims_mlog_set_outside_interval(p->log, TIMS_POST_CHECKPOINT_MS);
	for (int i = 0; i < ST_COUNT; i++)
		if (sqlite3_prepare_v3(p->db, stmt_sql[i], -1,
				       SQLITE_PREPARE_PERSISTENT, &p->st[i],
				       NULL) != SQLITE_OK)
			return post_db_err(p, stmt_sql[i], err);
	if (!p->has_signer)
		return TIMS_OK;
	if (sqlite3_exec(p->db, owed_schema, NULL, NULL, NULL) != SQLITE_OK)
		return post_db_err(p, "creating the audit_owed table", err);
	for (int i = 0; i < OW_COUNT; i++)
		if (sqlite3_prepare_v3(p->db, owed_sql[i], -1,
				       SQLITE_PREPARE_PERSISTENT, &p->owed[i],
				       NULL) != SQLITE_OK)
			return post_db_err(p, owed_sql[i], err);
	/* The readers' connection (internal.h): no key, no checks of its own
	 * (the writer's open made them), never written through. */
	c.signer = NULL;
	if ((rc = tims_mlog_open(&c, TIMS_MLOG_OPEN, &p->rlog, err)))
		return rc;
	if (sqlite3_prepare_v3(tims_mlog_db(p->rlog), owed_sql[OW_LIST], -1,
			       SQLITE_PREPARE_PERSISTENT, &p->rowed_list, NULL) != SQLITE_OK)
		return tims_mlog_db_err(p->rlog, owed_sql[OW_LIST], err);
	return TIMS_OK;
}

void post_note_broken(struct tims_post *p)
{
	const char *why = p->log ? tims_mlog_broken(p->log) : NULL;

	if (!why)
		return;
	pthread_mutex_lock(&p->smu);
	if (!p->broken) {
		snprintf(p->broken_why, sizeof(p->broken_why), "%s", why);
		p->broken = 1;
	}
	pthread_mutex_unlock(&p->smu);
}

static tims_rc load_keys(struct tims_post *p, enum tims_post_mode mode,
			 struct tims_err *err)
{
	char vkey[POST_PATH_MAX], skey[POST_PATH_MAX];
	tims_rc rc;

	if ((rc = post_path(p, "post.vkey", vkey, err)) ||
	    (rc = post_path(p, "post.skey", skey, err)))
		return rc;
	rc = tims_mlog_load_keys(p->dir, vkey,
				 mode == TIMS_POST_WRITE ? skey : NULL,
				 &p->verifier, &p->signer, err);
	if (!rc && mode == TIMS_POST_WRITE)
		p->has_signer = 1;
	return rc;
}

static tims_rc read_config(struct tims_post *p, struct tims_err *err)
{
	char path[POST_PATH_MAX];
	struct tims_buf b = TIMS_BUF_INIT(65536);
	tims_rc rc;

	if ((rc = post_path(p, "config", path, err)))
		return rc;
	if (access(path, F_OK) != 0)
		return tims_err_set(err, TIMS_ERR_NOTFOUND,
				    "%s: not a post directory (no config)",
				    p->dir);
	if ((rc = tims_read_file(path, 65536, &b, err)))
		return rc;
	rc = parse_config(p, b.buf, b.len, path, err);
	tims_buf_release(&b);
	return rc;
}

static struct tims_post *post_new(const char *dir, struct tims_err *err)
{
	struct tims_post *p;

	if (sodium_init() < 0) {
		tims_err_set(err, TIMS_ERR_CRYPTO, "libsodium: init failed");
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		return NULL;
	}
	if (snprintf(p->dir, sizeof(p->dir), "%s", dir) >= (int)sizeof(p->dir)) {
		free(p);
		tims_err_set(err, TIMS_ERR_TOOBIG, "post directory: path too long");
		return NULL;
	}
	snprintf(p->kind, sizeof(p->kind), "land");
	{
		pthread_mutexattr_t a;

		pthread_mutexattr_init(&a);
		pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
		pthread_mutex_init(&p->mu, &a);
		pthread_mutexattr_destroy(&a);
	}
	pthread_mutex_init(&p->rmu, NULL);
	pthread_mutex_init(&p->nmu, NULL);
	pthread_mutex_init(&p->smu, NULL);
	pthread_mutex_init(&p->gmu, NULL);
	pthread_cond_init(&p->gcond, NULL);
	p->queue_tail = &p->queue;
	return p;
}

void post_lock(const struct tims_post *p)
{
	pthread_mutex_lock((pthread_mutex_t *)&p->mu);
}

void post_unlock(const struct tims_post *p)
{
	pthread_mutex_unlock((pthread_mutex_t *)&p->mu);
}

tims_rc tims_post_open(const char *dir, enum tims_post_mode mode,
		       struct tims_post **out, struct tims_err *err)
{
	struct tims_post *p = post_new(dir, err);
	tims_rc rc;

	*out = NULL;
	if (!p)
		return err ? err->rc : TIMS_ERR_NOMEM;
	/* A writer's log refuses a post.db rolled back behind the checkpoint
	 * file (tims_mlog_open). */
	if ((rc = read_config(p, err)) || (rc = load_keys(p, mode, err)) ||
	    (rc = open_log(p, TIMS_MLOG_OPEN, err)) ||
	    (mode == TIMS_POST_WRITE && (rc = post_read_halt(p, err)))) {
		tims_post_free(p);
		return rc;
	}
	*out = p;
	return TIMS_OK;
}

tims_rc tims_post_open_restore(const char *dir, struct tims_post **out,
			       struct tims_err *err)
{
	struct tims_post *p = post_new(dir, err);
	char db[POST_PATH_MAX];
	tims_rc rc;

	*out = NULL;
	if (!p)
		return err ? err->rc : TIMS_ERR_NOMEM;
	if ((rc = read_config(p, err)) ||
	    (rc = load_keys(p, TIMS_POST_READ, err)) ||
	    (rc = post_path(p, "post.db", db, err)) ||
	    (rc = open_log(p, access(db, F_OK) == 0 ? TIMS_MLOG_OPEN
						      : TIMS_MLOG_CREATE, err))) {
		tims_post_free(p);
		return rc;
	}
	*out = p;
	return TIMS_OK;
}

void tims_post_free(struct tims_post *p)
{
	if (!p)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(p->st[i]);
	for (int i = 0; i < OW_COUNT; i++)
		sqlite3_finalize(p->owed[i]);
	sqlite3_finalize(p->rowed_list);
	tims_mlog_free(p->rlog);
	tims_mlog_free(p->log);
	tims_national_close(p->national);
	if (p->has_signer)
		tims_signer_release(&p->signer);
	pthread_mutex_destroy(&p->mu);
	pthread_mutex_destroy(&p->rmu);
	pthread_mutex_destroy(&p->nmu);
	pthread_mutex_destroy(&p->smu);
	pthread_mutex_destroy(&p->gmu);
	pthread_cond_destroy(&p->gcond);
	free(p);
}

/* ---- halt ---- */

/*
 * DIR/halted: "since_ms = N", "peer_size = N", "reason = TEXT" lines. It
 * outlives the process on purpose: a post that learnt it was rolled back
 * must not acknowledge again because it was restarted.
 */
static tims_rc halt_path(const char *dir, char *out, struct tims_err *err)
{
	if (snprintf(out, POST_PATH_MAX, "%s/halted", dir) >= POST_PATH_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
	return TIMS_OK;
}

static int halt_field(const char *text, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);

		if (len > kl + 3 && !strncmp(l, key, kl) && !strncmp(l + kl, " = ", 3)) {
			snprintf(out, cap, "%.*s", (int)(len - kl - 3), l + kl + 3);
			return 1;
		}
	}
	return 0;
}

tims_rc tims_post_halt_read(const char *dir, char *why, size_t cap,
			    uint64_t *peer_size, int64_t *since_ms,
			    struct tims_err *err)
{
	char path[POST_PATH_MAX], num[32];
	struct tims_buf b = TIMS_BUF_INIT(8192);
	tims_rc rc;

	if ((rc = halt_path(dir, path, err)))
		return rc;
	if (access(path, F_OK) != 0)
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "%s: not halted", dir);
	if ((rc = tims_read_file(path, 8192, &b, err)))
		return rc;
	if (why && !halt_field(b.buf, "reason", why, cap))
		snprintf(why, cap, "halted (%s gives no reason)", path);
	if (peer_size)
		*peer_size = halt_field(b.buf, "peer_size", num, sizeof(num))
			? strtoull(num, NULL, 10) : 0;
	if (since_ms)
		*since_ms = halt_field(b.buf, "since_ms", num, sizeof(num))
			? strtoll(num, NULL, 10) : 0;
	tims_buf_release(&b);
	return TIMS_OK;
}

tims_rc post_read_halt(struct tims_post *p, struct tims_err *err)
{
	tims_rc rc = tims_post_halt_read(p->dir, p->halt_why, sizeof(p->halt_why),
					 NULL, NULL, err);

	if (rc == TIMS_ERR_NOTFOUND) {
		tims_err_clear(err);
		return TIMS_OK;
	}
	if (!rc)
		p->halted = 1;
	return rc;
}

tims_rc tims_post_halt(struct tims_post *p, const char *reason,
		       uint64_t peer_size, struct tims_err *err)
{
	char path[POST_PATH_MAX], clean[TIMS_ERR_MSG_BYTES];
	struct tims_buf b = TIMS_BUF_INIT(8192);
	size_t i;
	tims_rc rc;

	post_lock(p);
	pthread_mutex_lock(&p->smu);
	if (p->halted) {
		pthread_mutex_unlock(&p->smu);
		post_unlock(p);
		return TIMS_OK; /* the first reason stands */
	}
	for (i = 0; reason[i] && i + 1 < sizeof(clean); i++)
		clean[i] = (unsigned char)reason[i] < 0x20 ? ' ' : reason[i];
	clean[i] = '\0';
	snprintf(p->halt_why, sizeof(p->halt_why), "%s", clean);
	p->halted = 1;
	pthread_mutex_unlock(&p->smu);
	if ((rc = halt_path(p->dir, path, err)) ||
	    (rc = tims_buf_addf(&b, "# tims: this post stopped acknowledging crossings;\n"
				"# see docs/operations.md, \"A post that stopped\"\n"
				"since_ms = %" PRId64 "\npeer_size = %" PRIu64
				"\nreason = %s\n", tims_mlog_now_ms(), peer_size,
				clean)))
		rc = tims_err_set(err, rc, "halt: out of memory");
	else
		rc = tims_write_file(path, b.buf, b.len, 0600, 1, err);
	tims_buf_release(&b);
	post_unlock(p);
	return rc;
}

tims_rc tims_post_halt_clear(const char *dir, struct tims_err *err)
{
	char path[POST_PATH_MAX];
	tims_rc rc;

	if ((rc = halt_path(dir, path, err)))
		return rc;
	if (unlink(path) < 0 && errno != ENOENT)
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", path, strerror(errno));
	return tims_fsync_dir_of(path, err);
}

const char *tims_post_halted(const struct tims_post *p, int *persistent)
{
	struct tims_post *w = (struct tims_post *)(uintptr_t)p;
	const char *why;

	/* Never waits for a group's commit: the I/O stop as last noted
	 * (post_note_broken), unless the log is free to ask now. */
	if (pthread_mutex_trylock(&w->mu) == 0) {
		post_note_broken(w);
		pthread_mutex_unlock(&w->mu);
	}
	pthread_mutex_lock(&w->smu);
	why = w->broken ? w->broken_why : NULL;
	if (persistent)
		*persistent = w->halted;
	if (w->halted)
		why = w->halt_why; /* written once, never changed after */
	pthread_mutex_unlock(&w->smu);
	return why;
}

/* ---- init ---- */

static tims_rc write_new(struct tims_post *p, const char *name,
			 const char *data, unsigned mode, struct tims_err *err)
{
	char path[POST_PATH_MAX];
	tims_rc rc = post_path(p, name, path, err);

	return rc ? rc : tims_write_file(path, data, strlen(data), mode, 0, err);
}

static const char default_regimes[] =
	"# stay-regimes.conf — the stay rule per nationality (tims history).\n"
	"# See docs/formats.md. Lines:\n"
	"#   default short-stay DAYS WINDOW   everyone not listed (90 in 180)\n"
	"#   short-stay NAT DAYS WINDOW       another limit for nationality NAT\n"
	"#   exempt NAT...                    no limit (own citizens, ...)\n"
	"#   visa NAT...                      limits come from the visa\n"
	"default short-stay 90 180\n";

tims_rc tims_post_init(const char *dir, const char *origin, const char *name,
		       const char *kind, struct tims_err *err)
{
	return tims_post_init_token(dir, origin, name, kind, NULL, err);
}

tims_rc tims_post_init_token(const char *dir, const char *origin,
			     const char *name, const char *kind,
			     const char *key_token, struct tims_err *err)
{
	struct tims_post *p;
	struct tims_buf cfg = TIMS_BUF_INIT(4096);
	char path[POST_PATH_MAX], *skey = NULL, *vkey = NULL;
	char label[TIMS_P11_LABEL_MAX + 1];
	int issued;
	tims_rc rc;

	if (!origin || !*origin || strlen(origin) > TIMS_NOTE_MAX_NAME ||
	    strpbrk(origin, " +\n\t"))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "origin: want a name of 1-%d characters without spaces or '+'",
				    TIMS_NOTE_MAX_NAME);
	if (!valid_kind(kind))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "kind: must be land, port or airport");
	if (!name || !*name || strlen(name) > TIMS_NOTE_MAX_NAME ||
	    strpbrk(name, "\n"))
		return tims_err_set(err, TIMS_ERR_INVALID, "name: 1-%d characters",
				    TIMS_NOTE_MAX_NAME);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", dir,
				    strerror(errno));
	if (!(p = post_new(dir, err)))
		return err ? err->rc : TIMS_ERR_NOMEM;
	snprintf(p->origin, sizeof(p->origin), "%s", origin);
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->kind, sizeof(p->kind), "%s", kind);
	/* Refuse to init over any part of an existing post. */
	for (const char *const *f = (const char *const[]){ "config", "post.db",
		     "post.skey", "post.vkey", "checkpoint", NULL }; *f; f++) {
		if ((rc = post_path(p, *f, path, err)))
			goto out;
		if (access(path, F_OK) == 0) {
			rc = tims_err_set(err, TIMS_ERR_EXISTS,
					  "%s: already holds a post (%s exists)",
					  dir, *f);
			goto out;
		}
	}
	if ((rc = tims_note_key_label("post", label, sizeof(label), err)) ||
	    (rc = tims_note_keygen_in(key_token, label, origin, TIMS_KEY_ED25519,
				      &skey, &vkey, err)))
		goto out;
	if ((rc = tims_buf_addf(&cfg, "# TIMS post (tims post init)\n"
				"origin = %s\nname = %s\nkind = %s\n",
				origin, name, kind)))
		goto out;
	if ((rc = write_new(p, "post.skey", skey, 0600, err)))
		goto out;
	{
		struct tims_buf v = TIMS_BUF_INIT(4096);

		rc = tims_buf_addf(&v, "%s\n", vkey);
		if (!rc)
			rc = write_new(p, "post.vkey", v.buf, 0644, err);
		tims_buf_release(&v);
		if (rc)
			goto out;
	}
	if ((rc = write_new(p, "stay-regimes.conf", default_regimes, 0644, err)) ||
	    (rc = load_keys(p, TIMS_POST_WRITE, err)) ||
	    (rc = open_log(p, TIMS_MLOG_CREATE, err)) ||
	    (rc = write_new(p, "config", cfg.buf, 0644, err)) ||
	    (rc = tims_post_checkpoint(p, &issued, err)))
		goto out;
out:
	if (skey)
		tims_note_free_secret(skey);
	free(vkey);
	tims_buf_release(&cfg);
	tims_post_free(p);
	return rc;
}
