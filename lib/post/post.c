/*
 * post.c — creating and opening a post: its directory, config file, SQLite
 * schema and keys (see include/tims/post.h and docs/formats.md).
 *
 * The schema makes the append-only rule a property of the database too:
 * triggers refuse UPDATE and DELETE on every table, except the one update
 * retention needs (clearing a record's payload and salt). They are a belt
 * and braces, not the guarantee: anyone with the file can drop them, which
 * is why tims_post_verify recomputes everything.
 */
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <time.h>

#include "tims/util.h"
#include "internal.h"

#define SCHEMA_VERSION 1

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
	"CREATE TABLE hashes (id INTEGER PRIMARY KEY, hash BLOB NOT NULL);"
	"CREATE TABLE checkpoints (size INTEGER PRIMARY KEY,"
	" issued_ms INTEGER NOT NULL, note TEXT NOT NULL);"
	"CREATE TRIGGER records_no_delete BEFORE DELETE ON records BEGIN"
	" SELECT RAISE(ABORT, 'records are append-only'); END;"
	"CREATE TRIGGER records_no_update BEFORE UPDATE ON records"
	" WHEN NOT (NEW.idx IS OLD.idx AND NEW.entry IS OLD.entry"
	" AND NEW.ref IS OLD.ref AND NEW.corrects IS OLD.corrects AND NEW.salt IS NULL AND NEW.body IS NULL"
	" AND NEW.doc IS NULL AND NEW.nat IS NULL) BEGIN"
	" SELECT RAISE(ABORT, 'records are append-only (only retention may erase a payload)'); END;"
	"CREATE TRIGGER hashes_no_delete BEFORE DELETE ON hashes BEGIN"
	" SELECT RAISE(ABORT, 'stored hashes are append-only'); END;"
	"CREATE TRIGGER hashes_no_update BEFORE UPDATE ON hashes BEGIN"
	" SELECT RAISE(ABORT, 'stored hashes are append-only'); END;"
	"CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints BEGIN"
	" SELECT RAISE(ABORT, 'checkpoints are append-only'); END;"
	"CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints BEGIN"
	" SELECT RAISE(ABORT, 'checkpoints are append-only'); END;"
	"PRAGMA user_version = 1;";

static const char *const stmt_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_LAST] = "SELECT idx, entry FROM records ORDER BY idx DESC LIMIT 1",
	[ST_BY_REF] = "SELECT idx, body, entry FROM records WHERE ref = ?1",
	[ST_INS_REC] = "INSERT INTO records (idx, ref, doc, nat, salt, body,"
		       " entry, corrects) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[ST_INS_HASH] = "INSERT INTO hashes (id, hash) VALUES (?1, ?2)",
	[ST_GET_HASH] = "SELECT hash FROM hashes WHERE id = ?1",
	[ST_INS_CP] = "INSERT INTO checkpoints (size, issued_ms, note)"
		      " VALUES (?1, ?2, ?3)",
	[ST_LATEST_CP] = "SELECT size, note FROM checkpoints"
			 " ORDER BY size DESC LIMIT 1",
	[ST_GET_REC] = "SELECT salt, body, entry FROM records WHERE idx = ?1",
	[ST_HISTORY] = "SELECT idx, body FROM records WHERE doc = ?1 ORDER BY idx",
	[ST_CORRECTED_BY] = "SELECT idx FROM records WHERE corrects = ?1"
			    " ORDER BY idx DESC LIMIT 1",
	[ST_ERASE] = "UPDATE records SET salt = NULL, body = NULL, doc = NULL,"
		     " nat = NULL WHERE idx = ?1",
};

int64_t post_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t post_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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
	return tims_err_set(err, TIMS_ERR_DB, "%s/post.db: %s: %s", p->dir,
			    what, p->db ? sqlite3_errmsg(p->db) : "not open");
}

tims_rc post_exec(struct tims_post *p, enum post_stmt s, const char *what,
		  struct tims_err *err)
{
	int rc = sqlite3_step(p->st[s]);

	sqlite3_reset(p->st[s]);
	sqlite3_clear_bindings(p->st[s]);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return post_db_err(p, what, err);
	return TIMS_OK;
}

tims_rc post_last(struct tims_post *p, uint64_t *size, int64_t *last_ms,
		  struct tims_err *err)
{
	sqlite3_stmt *st = p->st[ST_LAST];
	int rc = sqlite3_step(st);

	*size = 0;
	*last_ms = 0;
	if (rc == SQLITE_ROW) {
		*size = (uint64_t)sqlite3_column_int64(st, 0) + 1;
		if (sqlite3_column_bytes(st, 1) == TIMS_RECORD_ENTRY_BYTES)
			*last_ms = tims_record_entry_time(
				sqlite3_column_blob(st, 1));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return post_db_err(p, "reading the log size", err);
	return TIMS_OK;
}

tims_rc tims_post_size(struct tims_post *p, uint64_t *size,
		       struct tims_err *err)
{
	int64_t t;

	return post_last(p, size, &t, err);
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

tims_rc post_parse_note(const char *note, size_t len,
			struct tims_checkpoint *cp, struct tims_err *err)
{
	struct tims_note *n = malloc(sizeof(*n));
	tims_rc rc;

	if (!n)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	rc = tims_note_parse(note, len, n, err);
	if (!rc)
		rc = tims_checkpoint_parse(n->text, n->textlen, cp, err);
	free(n);
	return rc;
}

tims_rc post_read_outside(struct tims_post *p, struct tims_buf *note,
			  struct tims_checkpoint *cp, struct tims_err *err)
{
	char path[POST_PATH_MAX];
	tims_rc rc;

	if ((rc = post_path(p, "checkpoint", path, err)))
		return rc;
	if (access(path, F_OK) != 0)
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "%s: missing", path);
	if ((rc = tims_read_file(path, TIMS_NOTE_MAX_BYTES, note, err)))
		return rc;
	if ((rc = post_parse_note(note->buf, note->len, cp, err))) {
		tims_buf_release(note);
		return rc;
	}
	return TIMS_OK;
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

static tims_rc open_db(struct tims_post *p, int create, struct tims_err *err)
{
	char path[POST_PATH_MAX];
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
		    (create ? SQLITE_OPEN_CREATE : 0);
	tims_rc rc;

	if ((rc = post_path(p, "post.db", path, err)))
		return rc;
	if (!create && access(path, F_OK) != 0)
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "%s: %s", path,
				    strerror(errno));
	if (sqlite3_open_v2(path, &p->db, flags, NULL) != SQLITE_OK)
		return post_db_err(p, "open", err);
	sqlite3_busy_timeout(p->db, 10000);
	/* WAL + FULL: a commit returns after the WAL is fsync'd. */
	if (sqlite3_exec(p->db, "PRAGMA journal_mode=WAL;"
			 "PRAGMA synchronous=FULL;", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return post_db_err(p, "setting WAL and synchronous=FULL", err);
	if (create && sqlite3_exec(p->db, schema, NULL, NULL, NULL) != SQLITE_OK)
		return post_db_err(p, "creating the schema", err);
	{
		sqlite3_stmt *st;
		int v = -1;

		if (sqlite3_prepare_v2(p->db, "PRAGMA user_version", -1, &st,
				       NULL) != SQLITE_OK)
			return post_db_err(p, "schema version", err);
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		if (v != SCHEMA_VERSION)
			return tims_err_set(err, TIMS_ERR_STATE,
					    "%s: schema version %d, want %d",
					    path, v, SCHEMA_VERSION);
	}
	for (int i = 0; i < ST_COUNT; i++)
		if (sqlite3_prepare_v3(p->db, stmt_sql[i], -1,
				       SQLITE_PREPARE_PERSISTENT, &p->st[i],
				       NULL) != SQLITE_OK)
			return post_db_err(p, stmt_sql[i], err);
	return TIMS_OK;
}

static tims_rc load_keys(struct tims_post *p, enum tims_post_mode mode,
			 struct tims_err *err)
{
	char path[POST_PATH_MAX];
	struct tims_buf b = TIMS_BUF_INIT(4096);
	tims_rc rc;

	if ((rc = post_path(p, "post.vkey", path, err)) ||
	    (rc = tims_read_file(path, 4096, &b, err)))
		return rc;
	while (b.len && (b.buf[b.len - 1] == '\n' || b.buf[b.len - 1] == '\r'))
		tims_buf_setlen(&b, b.len - 1);
	rc = tims_verifier_parse(b.buf, &p->verifier, err);
	tims_buf_release(&b);
	if (rc || mode != TIMS_POST_WRITE)
		return rc;
	if ((rc = post_path(p, "post.skey", path, err)) ||
	    (rc = tims_read_file(path, 4096, &b, err)))
		return rc;
	while (b.len && (b.buf[b.len - 1] == '\n' || b.buf[b.len - 1] == '\r'))
		tims_buf_setlen(&b, b.len - 1);
	rc = tims_signer_from_skey(b.buf, &p->signer, err);
	sodium_memzero(b.buf, b.alloc);
	tims_buf_release(&b);
	if (rc)
		return rc;
	p->has_signer = 1;
	if (p->signer.keyhash != p->verifier.keyhash ||
	    memcmp(p->signer.pub, p->verifier.pub, TIMS_PUBKEY_BYTES))
		return tims_err_set(err, TIMS_ERR_STATE,
				    "%s: post.skey and post.vkey are not a pair",
				    p->dir);
	return TIMS_OK;
}

/* A writer must not build on a database older than what it published. */
static tims_rc check_not_rolled_back(struct tims_post *p, struct tims_err *err)
{
	struct tims_buf note = TIMS_BUF_INIT(0);
	struct tims_checkpoint cp;
	uint64_t size;
	tims_rc rc;

	rc = post_read_outside(p, &note, &cp, err);
	tims_buf_release(&note);
	if (rc == TIMS_ERR_NOTFOUND)
		return TIMS_OK; /* a post before its first checkpoint */
	if (rc)
		return rc;
	if ((rc = tims_post_size(p, &size, err)))
		return rc;
	if (size < cp.size)
		return tims_err_set(err, TIMS_ERR_TAMPER,
				    "%s: post.db holds %" PRIu64 " records but the post "
				    "published a checkpoint of %" PRIu64 " (rolled back?); "
				    "run 'tims log verify'", p->dir, size, cp.size);
	return TIMS_OK;
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
	p->last_cp_mono = INT64_MIN;
	return p;
}

tims_rc tims_post_open(const char *dir, enum tims_post_mode mode,
		       struct tims_post **out, struct tims_err *err)
{
	struct tims_post *p = post_new(dir, err);
	tims_rc rc;

	*out = NULL;
	if (!p)
		return err ? err->rc : TIMS_ERR_NOMEM;
	if ((rc = read_config(p, err)) || (rc = load_keys(p, mode, err)) ||
	    (rc = open_db(p, 0, err)) ||
	    (mode == TIMS_POST_WRITE && (rc = check_not_rolled_back(p, err)))) {
		tims_post_free(p);
		return rc;
	}
	/* The first append of this process issues a checkpoint only after
	 * the interval, like every later one. */
	p->last_cp_mono = post_mono_ms();
	*out = p;
	return TIMS_OK;
}

void tims_post_free(struct tims_post *p)
{
	if (!p)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(p->st[i]);
	sqlite3_close(p->db);
	if (p->has_signer)
		tims_signer_release(&p->signer);
	free(p);
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
	struct tims_post *p;
	struct tims_buf cfg = TIMS_BUF_INIT(4096);
	char path[POST_PATH_MAX], *skey = NULL, *vkey = NULL;
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
	if ((rc = tims_note_keygen(origin, TIMS_KEY_ED25519, &skey, &vkey, err)))
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
	    (rc = open_db(p, 1, err)) ||
	    (rc = write_new(p, "config", cfg.buf, 0644, err)) ||
	    (rc = load_keys(p, TIMS_POST_WRITE, err)) ||
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
