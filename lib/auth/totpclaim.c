/*
 * totpclaim.c — the claims of TOTP steps: the centre's store of every login's
 * (officer, step), and a post's claims waiting for the centre
 * (include/tims/totpclaim.h).
 *
 * Both are tables on the caller's SQLite handle, every statement prepared
 * with bound parameters. The centre's table is bounded twice: by age
 * (keep_steps) and by rows (max_rows), and what is forgotten first is what
 * can no longer be replayed anyway.
 */
#include <sodium.h>

#include "tims/totpclaim.h"

static const char claims_sql[] =
	"CREATE TABLE IF NOT EXISTS totp_claims("
	" id TEXT PRIMARY KEY, officer TEXT NOT NULL, step INTEGER NOT NULL,"
	" digest TEXT NOT NULL, post TEXT NOT NULL, booth TEXT NOT NULL, time_ms INTEGER NOT NULL,"
	" received_ms INTEGER NOT NULL, offline INTEGER NOT NULL) STRICT;"
	"CREATE INDEX IF NOT EXISTS totp_claims_step ON totp_claims(officer, step);"
	"CREATE INDEX IF NOT EXISTS totp_claims_age ON totp_claims(step);";

static const char pending_sql[] =
	"CREATE TABLE IF NOT EXISTS totp_claims_pending("
	" id TEXT PRIMARY KEY, officer TEXT NOT NULL, step INTEGER NOT NULL,"
	" digest TEXT NOT NULL, booth TEXT NOT NULL, time_ms INTEGER NOT NULL) STRICT;";

static tims_rc db_err(sqlite3 *db, struct tims_err *err, const char *what)
{
	return tims_err_set(err, TIMS_ERR_DB, "%s: %s", what, sqlite3_errmsg(db));
}

static int hex32(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	return n == TIMS_TOTP_CLAIM_ID_CHARS - 1 && strspn(s, "0123456789abcdef") == n;
}

static int officer_id_ok(const char *id)
{
	size_t n = strnlen(id, TIMS_OFFICER_ID_MAX + 1);

	if (n == 0 || n > TIMS_OFFICER_ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && id[i] != '-' && id[i] != '_' && id[i] != '.')
			return 0;
	return 1;
}

tims_rc tims_totp_claim_check(const struct tims_totp_claim *c, struct tims_err *err)
{
	size_t n;

	if (!hex32(c->id, sizeof(c->id)))
		return tims_err_set(err, TIMS_ERR_INVALID, "id: want %d lower-case hex digits",
				    TIMS_TOTP_CLAIM_ID_CHARS - 1);
	if (!hex32(c->digest, sizeof(c->digest)))
		return tims_err_set(err, TIMS_ERR_INVALID, "digest: want %d lower-case hex digits",
				    TIMS_TOTP_CLAIM_ID_CHARS - 1);
	if (strnlen(c->officer, sizeof(c->officer)) == sizeof(c->officer) ||
	    !officer_id_ok(c->officer))
		return tims_err_set(err, TIMS_ERR_INVALID, "officer: want 1-%d letters, digits, "
				    "'-', '_' or '.'", TIMS_OFFICER_ID_MAX);
	if (c->step == 0 || c->step > (uint64_t)INT64_MAX / TIMS_TOTP_STEP)
		return tims_err_set(err, TIMS_ERR_INVALID, "step: want a TOTP counter above 0");
	n = strnlen(c->booth, sizeof(c->booth));
	if (n == sizeof(c->booth))
		return tims_err_set(err, TIMS_ERR_INVALID, "booth: longer than %d bytes",
				    TIMS_TOTP_CLAIM_BOOTH_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)c->booth[i] < 0x20 || c->booth[i] == 0x7f)
			return tims_err_set(err, TIMS_ERR_INVALID, "booth: control character");
	if (c->time_ms < 0)
		return tims_err_set(err, TIMS_ERR_INVALID, "time_ms: negative");
	return TIMS_OK;
}

tims_rc tims_totp_claim_make(struct tims_totp_claim *c, const char *officer, uint64_t step,
			     const char *code, const char *booth, int64_t time_ms,
			     struct tims_err *err)
{
	crypto_generichash_state h;
	uint8_t r[16];
	char sstep[24];

	memset(c, 0, sizeof(*c));
	if (sodium_init() < 0)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "libsodium: init failed");
	randombytes_buf(r, sizeof(r));
	sodium_bin2hex(c->id, sizeof(c->id), r, sizeof(r));
	/* "officer NUL step NUL code": the same code of the same officer's step */
	snprintf(sstep, sizeof(sstep), "%" PRIu64, step);
	crypto_generichash_init(&h, (const uint8_t *)"tims-totp-claim1", 16, sizeof(r));
	crypto_generichash_update(&h, (const uint8_t *)(officer ? officer : ""),
				  strlen(officer ? officer : "") + 1);
	crypto_generichash_update(&h, (const uint8_t *)sstep, strlen(sstep) + 1);
	crypto_generichash_update(&h, (const uint8_t *)(code ? code : ""),
				  strnlen(code ? code : "", 16));
	crypto_generichash_final(&h, r, sizeof(r));
	sodium_bin2hex(c->digest, sizeof(c->digest), r, sizeof(r));
	sodium_memzero(&h, sizeof(h));
	if (snprintf(c->officer, sizeof(c->officer), "%s", officer ? officer : "") >=
	    (int)sizeof(c->officer) ||
	    snprintf(c->booth, sizeof(c->booth), "%s", booth ? booth : "") >= (int)sizeof(c->booth))
		return tims_err_set(err, TIMS_ERR_INVALID, "officer or booth: too long");
	c->step = step;
	c->time_ms = time_ms;
	return tims_totp_claim_check(c, err);
}

/* ---- the centre's store ---- */

tims_rc tims_totp_claims_init(struct tims_totp_claims *s, sqlite3 *db, struct tims_err *err)
{
	s->db = db;
	s->keep_steps = TIMS_TOTP_CLAIM_KEEP_STEPS;
	s->window = TIMS_TOTP_CLAIM_WINDOW;
	s->max_rows = TIMS_TOTP_CLAIM_MAX_ROWS;
	if (sqlite3_exec(db, claims_sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_err(db, err, "totp claims");
	return TIMS_OK;
}

static void copy_text(char *dst, size_t cap, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(dst, cap, "%s", t ? (const char *)t : "");
}

static void row_claim(sqlite3_stmt *st, struct tims_totp_claim *c)
{
	memset(c, 0, sizeof(*c));
	copy_text(c->id, sizeof(c->id), st, 0);
	copy_text(c->officer, sizeof(c->officer), st, 1);
	c->step = (uint64_t)sqlite3_column_int64(st, 2);
	copy_text(c->post, sizeof(c->post), st, 3);
	copy_text(c->booth, sizeof(c->booth), st, 4);
	c->time_ms = sqlite3_column_int64(st, 5);
	c->offline = sqlite3_column_int(st, 6);
	copy_text(c->digest, sizeof(c->digest), st, 7);
}

#define CLAIM_COLS "id, officer, step, post, booth, time_ms, offline, digest"

/* 1 when the claim held under c->id says the same, 0 when another, -1 none. */
static int held_same(sqlite3_stmt *st, const struct tims_totp_claim *c)
{
	struct tims_totp_claim h;

	row_claim(st, &h);
	return !strcmp(h.officer, c->officer) && h.step == c->step && !strcmp(h.post, c->post) &&
	       !strcmp(h.digest, c->digest) &&
	       !strcmp(h.booth, c->booth) && h.time_ms == c->time_ms;
}

/* Forget what is too old, then the oldest outside the window while full. */
static tims_rc make_room(struct tims_totp_claims *s, uint64_t now_step, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	int64_t rows = 0;
	uint64_t old = now_step > s->keep_steps ? now_step - s->keep_steps : 0;
	uint64_t live = now_step > s->window ? now_step - s->window : 0;
	tims_rc rc = TIMS_OK;

	if (sqlite3_prepare_v2(s->db, "DELETE FROM totp_claims WHERE step < ?1", -1, &st,
			       NULL) != SQLITE_OK)
		return db_err(s->db, err, "totp claims");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)old);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_err(s->db, err, "totp claims");
	sqlite3_finalize(st);
	if (rc)
		return rc;
	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM totp_claims", -1, &st, NULL) !=
	    SQLITE_OK)
		return db_err(s->db, err, "totp claims");
	if (sqlite3_step(st) == SQLITE_ROW)
		rows = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if ((uint64_t)rows < s->max_rows)
		return TIMS_OK;
	if (sqlite3_prepare_v2(s->db, "DELETE FROM totp_claims WHERE rowid IN (SELECT rowid"
			       " FROM totp_claims WHERE step < ?1 ORDER BY step LIMIT ?2)", -1,
			       &st, NULL) != SQLITE_OK)
		return db_err(s->db, err, "totp claims");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)live);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)((uint64_t)rows - s->max_rows + 1));
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_err(s->db, err, "totp claims");
	else if ((uint64_t)(rows - sqlite3_changes(s->db)) >= s->max_rows)
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "totp claims: %" PRIu64 " held, all "
				  "still within the codes' window; refused", s->max_rows);
	sqlite3_finalize(st);
	return rc;
}

static tims_rc add_locked(struct tims_totp_claims *s, const struct tims_totp_claim *c,
			  uint64_t now_step, int64_t now_ms, enum tims_totp_verdict *verdict,
			  struct tims_totp_claim *first, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc;
	int r;

	/* this very claim again (a resend after a lost answer) */
	if (sqlite3_prepare_v2(s->db, "SELECT " CLAIM_COLS " FROM totp_claims WHERE id = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return db_err(s->db, err, "totp claims");
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		int same = held_same(st, c);

		sqlite3_finalize(st);
		if (!same)
			return tims_err_set(err, TIMS_ERR_INVALID, "id: %s is another claim's",
					    c->id);
		*verdict = TIMS_TOTP_CLAIM_REPEAT;
		return TIMS_OK;
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return db_err(s->db, err, "totp claims");
	if ((rc = make_room(s, now_step, err)))
		return rc;
	/* the earliest other use of the code */
	if (sqlite3_prepare_v2(s->db, "SELECT " CLAIM_COLS " FROM totp_claims WHERE officer = ?1"
			       " AND step = ?2 AND digest = ?3 ORDER BY received_ms, rowid LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return db_err(s->db, err, "totp claims");
	sqlite3_bind_text(st, 1, c->officer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)c->step);
	sqlite3_bind_text(st, 3, c->digest, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW && first)
		row_claim(st, first);
	*verdict = r == SQLITE_ROW ? TIMS_TOTP_CLAIM_REUSED : TIMS_TOTP_CLAIM_NEW;
	sqlite3_finalize(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return db_err(s->db, err, "totp claims");
	if (sqlite3_prepare_v2(s->db, "INSERT INTO totp_claims(" CLAIM_COLS ", received_ms)"
			       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", -1, &st, NULL) !=
	    SQLITE_OK)
		return db_err(s->db, err, "totp claims");
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->officer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)c->step);
	sqlite3_bind_text(st, 4, c->post, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, c->booth, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, c->time_ms);
	sqlite3_bind_int(st, 7, c->offline != 0);
	sqlite3_bind_text(st, 8, c->digest, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, now_ms);
	rc = sqlite3_step(st) == SQLITE_DONE ? TIMS_OK : db_err(s->db, err, "totp claims");
	sqlite3_finalize(st);
	return rc;
}

tims_rc tims_totp_claims_add(struct tims_totp_claims *s, const struct tims_totp_claim *c,
			     time_t now_s, enum tims_totp_verdict *verdict,
			     struct tims_totp_claim *first, struct tims_err *err)
{
	uint64_t now_step = now_s > 0 ? (uint64_t)now_s / TIMS_TOTP_STEP : 0;
	tims_rc rc;

	if (first)
		memset(first, 0, sizeof(*first));
	if ((rc = tims_totp_claim_check(c, err)))
		return rc;
	if (!c->post[0] || strnlen(c->post, sizeof(c->post)) == sizeof(c->post))
		return tims_err_set(err, TIMS_ERR_INVALID, "post: missing or too long");
	if (c->step > now_step + s->window)
		return tims_err_set(err, TIMS_ERR_INVALID, "step: %" PRIu64 " steps ahead of the "
				    "centre's clock (the post's clock is wrong?)",
				    c->step - now_step);
	if (!c->offline && c->step + s->window < now_step)
		return tims_err_set(err, TIMS_ERR_INVALID, "step: %" PRIu64 " steps behind the "
				    "centre's clock: no code of it is valid now (the post's "
				    "clock is wrong?)", now_step - c->step);
	if (c->offline && c->step + s->keep_steps < now_step)
		return tims_err_set(err, TIMS_ERR_INVALID, "step: stale, older than the %" PRIu64
				    " steps the centre keeps", s->keep_steps);
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_err(s->db, err, "totp claims");
	rc = add_locked(s, c, now_step, (int64_t)now_s * 1000, verdict, first, err);
	if (rc || sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		if (!rc)
			rc = db_err(s->db, err, "totp claims");
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	}
	return rc;
}

static long count_of(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long n = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

long tims_totp_claims_count(struct tims_totp_claims *s)
{
	return count_of(s->db, "SELECT count(*) FROM totp_claims");
}

/* ---- a post's pending claims ---- */

static tims_rc pending_schema(sqlite3 *db, struct tims_err *err)
{
	if (sqlite3_exec(db, pending_sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_err(db, err, "pending totp claims");
	return TIMS_OK;
}

tims_rc tims_totp_pending_add(sqlite3 *db, const struct tims_totp_claim *c,
			      struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc;
	long n;

	if ((rc = tims_totp_claim_check(c, err)) || (rc = pending_schema(db, err)))
		return rc;
	n = count_of(db, "SELECT count(*) FROM totp_claims_pending");
	if (n < 0)
		return db_err(db, err, "pending totp claims");
	if (n >= TIMS_TOTP_CLAIM_PENDING_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "pending totp claims: %d waiting for "
				    "the centre already", TIMS_TOTP_CLAIM_PENDING_MAX);
	if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO totp_claims_pending(id, officer, step,"
			       " booth, time_ms, digest) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1, &st,
			       NULL) !=
	    SQLITE_OK)
		return db_err(db, err, "pending totp claims");
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->officer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)c->step);
	sqlite3_bind_text(st, 4, c->booth, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, c->time_ms);
	sqlite3_bind_text(st, 6, c->digest, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? TIMS_OK : db_err(db, err, "pending totp claims");
	sqlite3_finalize(st);
	return rc;
}

tims_rc tims_totp_pending_list(sqlite3 *db, size_t max,
			       int (*fn)(void *ctx, const struct tims_totp_claim *c),
			       void *ctx, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	size_t bad = 0;
	tims_rc rc;
	int r;

	if ((rc = pending_schema(db, err)))
		return rc;
	if (sqlite3_prepare_v2(db, "SELECT id, officer, step, '', booth, time_ms, 1, digest FROM"
			       " totp_claims_pending ORDER BY time_ms, rowid LIMIT ?1", -1, &st,
			       NULL) != SQLITE_OK)
		return db_err(db, err, "pending totp claims");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)max);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		struct tims_totp_claim c;

		row_claim(st, &c);
		/* a row that does not check (the file edited) is never sent, and
		 * dropped below so that it does not hold a place in every list */
		if (tims_totp_claim_check(&c, NULL)) {
			bad++;
			continue;
		}
		if (fn(ctx, &c))
			break;
	}
	sqlite3_finalize(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return db_err(db, err, "pending totp claims");
	if (bad && sqlite3_exec(db, "DELETE FROM totp_claims_pending WHERE length(id) != 32 OR"
				" id GLOB '*[^0-9a-f]*' OR length(digest) != 32 OR digest GLOB"
				" '*[^0-9a-f]*' OR step <= 0 OR time_ms < 0 OR length(officer) NOT"
				" BETWEEN 1 AND 32 OR officer GLOB '*[^A-Za-z0-9._-]*' OR"
				" length(booth) > 31 OR booth GLOB ('*[' || char(1) || '-' ||"
				" char(31) || char(127) || ']*')", NULL, NULL, NULL) != SQLITE_OK)
		return db_err(db, err, "pending totp claims");
	return TIMS_OK;
}

tims_rc tims_totp_pending_done(sqlite3 *db, const char *id, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc;

	if ((rc = pending_schema(db, err)))
		return rc;
	if (sqlite3_prepare_v2(db, "DELETE FROM totp_claims_pending WHERE id = ?1", -1, &st,
			       NULL) != SQLITE_OK)
		return db_err(db, err, "pending totp claims");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? TIMS_OK : db_err(db, err, "pending totp claims");
	sqlite3_finalize(st);
	return rc;
}

long tims_totp_pending_count(sqlite3 *db)
{
	if (pending_schema(db, NULL))
		return -1;
	return count_of(db, "SELECT count(*) FROM totp_claims_pending");
}
