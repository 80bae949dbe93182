/*
 * prescreen.c — the screened passenger lists of an airport's arriving
 * flights: made at the centre from api.db, kept at the airport's posts as
 * blind indexes, looked up at the booth (tims/prescreen.h; docs/paxlst.md,
 * "At the booth").
 */
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tims/bundle.h"
#include "tims/mrz.h"
#include "tims/prescreen.h"
#include "tims/schema.h"
#include "tims/screen.h"
#include "tims/tz.h"
#include "tims/util.h"
#include "tims/vault.h"

#define ZONE_SLACK_MS (15 * 3600000LL) /* a wall time is at most this far from UTC */
#define LINE_MAX_BYTES 4096
#define DISCREET "discreet-check"

/* ---- the centre ---------------------------------------------------------- */

struct lines_ctx {
	struct tims_api *a;
	const char *airport, *zone;
	int64_t since_ms;
	struct tims_buf *out;
	size_t n, skipped;
	/* the flight being written */
	const struct tims_api_flight *f;
	int64_t arrival_utc;
	struct tims_err *err;
};

static tims_rc line_of(void *ctx, const struct tims_api_traveller *t)
{
	struct lines_ctx *x = ctx;
	char doc[TIMS_IDENT_MAX + 1], state[TIMS_MRZ_STATE_NORM];
	unsigned shown = 0;
	json_t *o, *hits = json_array();
	char *s;
	tims_rc rc;

	if (!t->document_number[0] ||
	    tims_screen_norm_ident(TIMS_IDENT_DOCUMENT, t->document_number, doc, "document", NULL)) {
		x->skipped++;
		json_decref(hits);
		return TIMS_OK;
	}
	tims_mrz_state_norm(t->document_issuing_state, TIMS_MRZ_STATE_ISSUER, state, sizeof(state));
	for (unsigned i = 0; hits && i < t->screening.nhits && i < TIMS_API_HITS_MAX; i++) {
		const struct tims_api_hit *h = &t->screening.hits[i];

		if (!strcmp(h->alert, DISCREET))
			continue; /* never shown at a booth */
		json_array_append_new(hits, json_pack("{s:s, s:s, s:s, s:s}", "part", h->part,
						      "list", h->list, "ref", h->ref, "alert", h->alert));
		shown++;
	}
	o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:s, s:I, s:s, s:o}", "doc", doc,
		      "state", state, "flight", x->f->flight, "date", x->f->date,
		      "version", (int)t->version, "position", (int)t->position, "role", t->role,
		      "arrival", x->f->arrival_time, "arrival_ms", (json_int_t)x->arrival_utc,
		      "status", shown ? "hit" : "clear", "hits", hits ? hits : json_array());
	s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	sodium_memzero(doc, sizeof(doc));
	if (!s)
		return tims_err_set(x->err, TIMS_ERR_NOMEM, "out of memory");
	if ((rc = tims_buf_addstr(x->out, s)) || (rc = tims_buf_addch(x->out, '\n')))
		rc = tims_err_set(x->err, rc, "arrivals: the list is too large");
	sodium_memzero(s, strlen(s));
	free(s);
	if (!rc)
		x->n++;
	return rc;
}

/* the flights of interest, gathered first: a statement stays open while
 * the list is read */
struct flights {
	struct tims_api_flight *f;
	int64_t *utc;
	size_t n, cap;
	struct lines_ctx *x;
};

static tims_rc flight_of(void *ctx, const struct tims_api_flight *f)
{
	struct flights *fl = ctx;
	int64_t utc = f->arrival_ms;
	tims_rc rc;

	if (strcmp(f->arrival_airport, fl->x->airport) != 0 || !f->current)
		return TIMS_OK;
	if (fl->x->zone && *fl->x->zone &&
	    (rc = tims_tz_wall_to_utc(fl->x->zone, f->arrival_ms, &utc, fl->x->err)))
		return rc;
	if (utc < fl->x->since_ms)
		return TIMS_OK;
	if (fl->n == fl->cap) {
		size_t cap = fl->cap ? fl->cap * 2 : 64;
		void *p = realloc(fl->f, cap * sizeof(*fl->f)), *q;

		if (!p)
			return tims_err_set(fl->x->err, TIMS_ERR_NOMEM, "out of memory");
		fl->f = p;
		if (!(q = realloc(fl->utc, cap * sizeof(*fl->utc))))
			return tims_err_set(fl->x->err, TIMS_ERR_NOMEM, "out of memory");
		fl->utc = q;
		fl->cap = cap;
	}
	fl->f[fl->n] = *f;
	fl->utc[fl->n++] = utc;
	return TIMS_OK;
}

tims_rc tims_prescreen_lines(struct tims_api *a, const char *airport, const char *zone,
			     int64_t now_ms, struct tims_buf *out, size_t *n, size_t *skipped,
			     struct tims_err *err)
{
	struct lines_ctx x = { a, airport, zone, now_ms - TIMS_PRESCREEN_FROM_MS, out, 0, 0,
			       NULL, 0, err };
	struct flights fl = { NULL, NULL, 0, 0, &x };
	tims_rc rc;

	*n = *skipped = 0;
	if (!airport || strlen(airport) != 3)
		return tims_err_set(err, TIMS_ERR_INVALID, "airport: want three capital letters");
	rc = tims_api_flights(a, x.since_ms - ZONE_SLACK_MS, INT64_MAX, flight_of, &fl, err);
	for (size_t i = 0; !rc && i < fl.n; i++) {
		x.f = &fl.f[i];
		x.arrival_utc = fl.utc[i];
		rc = tims_api_travellers(a, fl.f[i].id, 0, line_of, &x, err);
	}
	free(fl.f);
	free(fl.utc);
	*n = x.n;
	*skipped = x.skipped;
	return rc;
}

/* ---- the post's store ---------------------------------------------------- */

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS travellers (bi TEXT NOT NULL, flight TEXT NOT NULL,"
	" date TEXT NOT NULL, version INTEGER NOT NULL, position INTEGER NOT NULL,"
	" role TEXT NOT NULL, arrival TEXT NOT NULL, arrival_ms INTEGER NOT NULL,"
	" status INTEGER NOT NULL, hits TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS travellers_bi ON travellers (bi, arrival_ms);"
	"CREATE TABLE IF NOT EXISTS links (crossing INTEGER PRIMARY KEY, flight TEXT NOT NULL,"
	" date TEXT NOT NULL, version INTEGER NOT NULL, position INTEGER NOT NULL,"
	" role TEXT NOT NULL, arrival TEXT NOT NULL, arrival_ms INTEGER NOT NULL,"
	" status INTEGER NOT NULL, hits TEXT NOT NULL, linked_ms INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS held (id INTEGER PRIMARY KEY CHECK (id = 1),"
	" airport TEXT NOT NULL, version INTEGER NOT NULL, applied_ms INTEGER NOT NULL);";

static tims_rc db_fail(sqlite3 *db, const char *path, const char *what, struct tims_err *err)
{
	return tims_err_set(err, TIMS_ERR_DB, "%s: %s: %s", path, what,
			    db ? sqlite3_errmsg(db) : "cannot open");
}

/* Open DIR/prescreen.db. create 1: make it when missing; 0: to read it,
 * 2: to write it; a missing store is then *db NULL and TIMS_OK (the post
 * holds no lists). */
static tims_rc store_open(const char *dir, int create, sqlite3 **db, struct tims_err *err)
{
	char path[4200];
	tims_rc rc;

	*db = NULL;
	if (snprintf(path, sizeof(path), "%s/%s", dir, TIMS_PRESCREEN_DB) >= (int)sizeof(path))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
	if (create != 1 && access(path, F_OK) != 0)
		return TIMS_OK;
	if (!create) {
		/* a reader: no write lock, no schema step (a store is made by
		 * the first list applied); a newer schema is refused */
		sqlite3_stmt *st = NULL;
		int ver = -1;

		if (sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
		    SQLITE_OK) {
			rc = db_fail(*db, path, "open", err);
			goto fail;
		}
		sqlite3_busy_timeout(*db, 5000);
		if (sqlite3_prepare_v2(*db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			ver = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		if (ver < 0) {
			rc = db_fail(*db, path, "reading its schema version", err);
			goto fail;
		}
		if (ver > TIMS_SCHEMA_PRESCREEN) {
			rc = tims_err_set(err, TIMS_ERR_STATE, "%s: schema version %d, made by a "
					  "newer TIMS (this one knows %d)", path, ver,
					  TIMS_SCHEMA_PRESCREEN);
			goto fail;
		}
		return TIMS_OK;
	}
	if ((rc = tims_file_private(path, err)))
		return rc;
	if (sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		rc = db_fail(*db, path, "open", err);
		goto fail;
	}
	sqlite3_busy_timeout(*db, 5000);
	/* NORMAL for the links (a link lost to a power cut is a convenience
	 * lost, the crossing is in post.db), so that a booth's registration
	 * does not wait on a second fsync; applying a list sets FULL */
	if (sqlite3_exec(*db, "PRAGMA journal_mode=WAL; PRAGMA secure_delete=ON;"
			 " PRAGMA synchronous=NORMAL", NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_fail(*db, path, "open", err);
		goto fail;
	}
	{
		/* made already at this schema: no write to open it */
		sqlite3_stmt *st = NULL;
		int ver = -1;

		if (sqlite3_prepare_v2(*db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			ver = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		if (ver == TIMS_SCHEMA_PRESCREEN)
			return TIMS_OK;
	}
	if ((rc = tims_schema_begin(*db, path, TIMS_SCHEMA_PRESCREEN, NULL, err)))
		goto fail;
	if (sqlite3_exec(*db, schema, NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_fail(*db, path, "schema", err);
		tims_schema_abort(*db);
		goto fail;
	}
	if ((rc = tims_schema_commit(*db, path, TIMS_SCHEMA_PRESCREEN, err)))
		goto fail;
	return TIMS_OK;
fail:
	sqlite3_close(*db);
	*db = NULL;
	return rc;
}

/* The blind index of a document: its number normalised, '/', its issuing
 * state normalised. 1 when the number cannot be compared. */
static int doc_key(const char *doc, const char *state, char *out, size_t cap)
{
	char n[TIMS_IDENT_MAX + 1], s[TIMS_MRZ_STATE_NORM];

	if (!doc || !*doc || tims_screen_norm_ident(TIMS_IDENT_DOCUMENT, doc, n, "document", NULL))
		return 1;
	tims_mrz_state_norm(state, TIMS_MRZ_STATE_ISSUER, s, sizeof(s));
	snprintf(out, cap, "%s/%s", n, s);
	sodium_memzero(n, sizeof(n));
	return 0;
}

static tims_rc blind(struct tims_vault *v, const char *doc, const char *state,
		     char out[TIMS_VAULT_BLIND_HEX], int *ok, struct tims_err *err)
{
	char key[TIMS_IDENT_MAX + TIMS_MRZ_STATE_NORM + 2];
	tims_rc rc;

	*ok = 0;
	if (doc_key(doc, state, key, sizeof(key)))
		return TIMS_OK;
	rc = tims_vault_blind_hex(v, "api.doc", key, strlen(key), out, err);
	sodium_memzero(key, sizeof(key));
	*ok = rc == TIMS_OK;
	return rc;
}

static const char *jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* One line of the list, checked; err names the line and the field. */
static tims_rc parse_line(json_t *o, size_t lineno, const char **fields, json_int_t *ints,
			  json_t **hits, int *hit, struct tims_err *err)
{
	static const char *const strs[] = { "doc", "state", "flight", "date", "role", "arrival",
					    "status" };
	static const size_t caps[] = { TIMS_IDENT_MAX + 1, TIMS_MRZ_STATE_NORM,
				       TIMS_PAXLST_VALUE, 11, TIMS_PAXLST_CODE,
				       TIMS_PAXLST_VALUE, 8 };
	static const char *const nums[] = { "version", "position", "arrival_ms" };
	const char *bad = NULL;

	if (!json_is_object(o) || json_object_size(o) != 11)
		return tims_err_set(err, TIMS_ERR_INVALID, "arrivals: line %zu: want an object of "
				    "11 fields", lineno);
	for (size_t i = 0; !bad && i < TIMS_ARRAY_SIZE(strs); i++)
		if (!(fields[i] = jstr(o, strs[i])) || strlen(fields[i]) >= caps[i])
			bad = strs[i];
	for (size_t i = 0; !bad && i < TIMS_ARRAY_SIZE(nums); i++) {
		json_t *v = json_object_get(o, nums[i]);

		if (!json_is_integer(v) || json_integer_value(v) < 0)
			bad = nums[i];
		else
			ints[i] = json_integer_value(v);
	}
	if (!bad && strcmp(fields[6], "clear") && strcmp(fields[6], "hit"))
		bad = "status";
	*hits = json_object_get(o, "hits");
	if (!bad && (!json_is_array(*hits) || json_array_size(*hits) > TIMS_API_HITS_MAX))
		bad = "hits";
	for (size_t i = 0; !bad && i < json_array_size(*hits); i++) {
		json_t *h = json_array_get(*hits, i);
		const char *p = jstr(h, "part"), *l = jstr(h, "list"), *r = jstr(h, "ref"),
			   *a = jstr(h, "alert");

		if (!json_is_object(h) || json_object_size(h) != 4 || !p || strlen(p) >= 12 ||
		    !l || strlen(l) >= 49 || !r || strlen(r) >= 65 || !a || strlen(a) >= 24)
			bad = "hits";
	}
	if (bad)
		return tims_err_set(err, TIMS_ERR_INVALID, "arrivals: line %zu: %s: missing or "
				    "malformed", lineno, bad);
	*hit = !strcmp(fields[6], "hit");
	if (*hit != (json_array_size(*hits) > 0))
		return tims_err_set(err, TIMS_ERR_INVALID, "arrivals: line %zu: status: %s with "
				    "%zu hits", lineno, fields[6], json_array_size(*hits));
	return TIMS_OK;
}

tims_rc tims_prescreen_parse_line(const char *line, size_t n, size_t lineno,
				  struct tims_prescreen_row *row, struct tims_err *err)
{
	const char *f[7];
	json_int_t ints[3];
	json_t *o, *hits = NULL;
	char *htext;
	int hit = 0;
	tims_rc rc;

	memset(row, 0, sizeof(*row));
	if (n > LINE_MAX_BYTES)
		return tims_err_set(err, TIMS_ERR_INVALID, "arrivals: line %zu: longer than %d "
				    "bytes", lineno, LINE_MAX_BYTES);
	if (!(o = json_loadb(line, n, JSON_REJECT_DUPLICATES, NULL)))
		return tims_err_set(err, TIMS_ERR_INVALID, "arrivals: line %zu: not JSON", lineno);
	if ((rc = parse_line(o, lineno, f, ints, &hits, &hit, err))) {
		json_decref(o);
		return rc;
	}
	if (doc_key(f[0], f[1], row->key, sizeof(row->key))) {
		json_decref(o);
		return tims_err_set(err, TIMS_ERR_INVALID, "arrivals: line %zu: doc: not a document "
				    "number", lineno);
	}
	snprintf(row->flight, sizeof(row->flight), "%s", f[2]);
	snprintf(row->date, sizeof(row->date), "%s", f[3]);
	snprintf(row->role, sizeof(row->role), "%s", f[4]);
	snprintf(row->arrival, sizeof(row->arrival), "%s", f[5]);
	row->version = ints[0];
	row->position = ints[1];
	row->arrival_ms = ints[2];
	row->hit = hit;
	htext = json_dumps(hits, JSON_COMPACT);
	json_decref(o);
	if (!htext || strlen(htext) >= sizeof(row->hits)) {
		free(htext);
		return tims_err_set(err, TIMS_ERR_INVALID, "arrivals: line %zu: hits: too long",
				    lineno);
	}
	memcpy(row->hits, htext, strlen(htext) + 1);
	free(htext);
	return TIMS_OK;
}

static tims_rc store_lines(sqlite3 *db, struct tims_vault *v, const char *text, size_t len,
			   int64_t now_ms, struct tims_prescreen_applied *res,
			   struct tims_err *err)
{
	const char *p = text, *end = text + len, *l;
	size_t n, lineno = 0;
	sqlite3_stmt *ins = NULL;
	tims_rc rc = TIMS_OK;

	if (sqlite3_exec(db, "DELETE FROM travellers", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO travellers (bi, flight, date, version, position,"
			       " role, arrival, arrival_ms, status, hits) VALUES (?1, ?2, ?3, ?4,"
			       " ?5, ?6, ?7, ?8, ?9, ?10)", -1, &ins, NULL) != SQLITE_OK)
		return tims_err_set(err, TIMS_ERR_DB, "prescreen.db: %s", sqlite3_errmsg(db));
	while (!rc && tims_next_line(&p, end, &l, &n, &lineno)) {
		struct tims_prescreen_row row;
		char bi[TIMS_VAULT_BLIND_HEX];

		if (!n)
			continue;
		if (res->travellers + res->expired >= TIMS_PRESCREEN_MAX) {
			rc = tims_err_set(err, TIMS_ERR_TOOBIG, "arrivals: more than %d travellers",
					  TIMS_PRESCREEN_MAX);
			break;
		}
		if ((rc = tims_prescreen_parse_line(l, n, lineno, &row, err)))
			break;
		rc = tims_vault_blind_hex(v, "api.doc", row.key, strlen(row.key), bi, err);
		sodium_memzero(row.key, sizeof(row.key));
		if (rc)
			break;
		if (!row.hit && row.arrival_ms + TIMS_PRESCREEN_KEEP_MS < now_ms) {
			res->expired++; /* past retention here, whatever the centre holds */
			continue;
		}
		sqlite3_reset(ins);
		sqlite3_bind_text(ins, 1, bi, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, row.flight, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, row.date, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 4, row.version);
		sqlite3_bind_int64(ins, 5, row.position);
		sqlite3_bind_text(ins, 6, row.role, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 7, row.arrival, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 8, row.arrival_ms);
		sqlite3_bind_int(ins, 9, row.hit ? TIMS_API_HIT : TIMS_API_CLEAR);
		sqlite3_bind_text(ins, 10, row.hits, -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE)
			rc = tims_err_set(err, TIMS_ERR_DB, "prescreen.db: %s", sqlite3_errmsg(db));
		if (!rc) {
			res->travellers++;
			res->hits += (size_t)row.hit;
		}
	}
	sqlite3_finalize(ins);
	return rc;
}

static tims_rc expire(sqlite3 *db, int64_t now_ms, uint64_t *erased, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	uint64_t n = 0;
	const char *sql[] = { "DELETE FROM travellers WHERE status != 2 AND arrival_ms < ?1",
			      "DELETE FROM links WHERE status != 2 AND arrival_ms < ?1" };

	for (size_t i = 0; i < 2; i++) {
		if (sqlite3_prepare_v2(db, sql[i], -1, &st, NULL) != SQLITE_OK)
			return tims_err_set(err, TIMS_ERR_DB, "prescreen.db: %s", sqlite3_errmsg(db));
		sqlite3_bind_int64(st, 1, now_ms - TIMS_PRESCREEN_KEEP_MS);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			return tims_err_set(err, TIMS_ERR_DB, "prescreen.db: %s", sqlite3_errmsg(db));
		}
		n += (uint64_t)sqlite3_changes(db);
		sqlite3_finalize(st);
	}
	if (erased)
		*erased = n;
	return TIMS_OK;
}

tims_rc tims_prescreen_apply(const char *dir, struct tims_vault *v, const struct tims_bundle *b,
			     const char *post, const uint8_t key[32], int64_t now_ms,
			     struct tims_prescreen_applied *res, struct tims_err *err)
{
	struct tims_buf plain = TIMS_BUF_INIT(TIMS_BUNDLE_MAX);
	struct tims_bundle_held h;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	tims_rc rc;

	memset(res, 0, sizeof(*res));
	if (strcmp(b->kind, "arrivals") != 0)
		return tims_err_set(err, TIMS_ERR_INVALID, "bundle: not a list of arrivals");
	snprintf(res->airport, sizeof(res->airport), "%s", b->airport);
	res->version = b->version;
	if (!post || strcmp(b->list, post) != 0)
		return tims_err_set(err, TIMS_ERR_SIGNATURE, "bundle: arrivals for post \"%s\", "
				    "not for this post (\"%s\")", b->list, post ? post : "");
	if ((rc = tims_bundle_held_get(dir, "arrivals", post, &h, err)))
		return rc;
	if (b->version <= h.version)
		return tims_err_set(err, TIMS_ERR_REPLAY, "bundle: arrivals version %" PRIu64
				    " is not newer than the %" PRIu64 " held (replayed or out of "
				    "order)", b->version, h.version);
	if ((rc = tims_bundle_roster_open(b, key, &plain, err)) ||
	    (rc = store_open(dir, 1, &db, err)))
		goto out;
	/* FULL here: the list must be on disk before bundles.db says it is
	 * held (else a power cut could leave an older list taken for it) */
	if (sqlite3_exec(db, "PRAGMA synchronous=FULL; BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "prescreen.db: %s", sqlite3_errmsg(db));
		goto out;
	}
	if (!(rc = store_lines(db, v, tims_buf_str(&plain), plain.len, now_ms, res, err)) &&
	    !(rc = expire(db, now_ms, NULL, err))) {
		if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO held (id, airport, version,"
				       " applied_ms) VALUES (1, ?1, ?2, ?3)", -1, &st, NULL) !=
		    SQLITE_OK)
			rc = tims_err_set(err, TIMS_ERR_DB, "prescreen.db: %s", sqlite3_errmsg(db));
		else {
			sqlite3_bind_text(st, 1, b->airport, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, (sqlite3_int64)b->version);
			sqlite3_bind_int64(st, 3, now_ms);
			if (sqlite3_step(st) != SQLITE_DONE)
				rc = tims_err_set(err, TIMS_ERR_DB, "prescreen.db: %s",
						  sqlite3_errmsg(db));
			sqlite3_finalize(st);
		}
	}
	if (!rc && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = tims_err_set(err, TIMS_ERR_DB, "prescreen.db: %s", sqlite3_errmsg(db));
	if (rc)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	else
		rc = tims_bundle_held_set(dir, b, err);
out:
	sqlite3_close(db);
	if (plain.buf)
		sodium_memzero(plain.buf, plain.alloc);
	tims_buf_release(&plain);
	if (rc)
		res->travellers = res->hits = res->expired = 0;
	return rc;
}

static void hits_of(const char *text, struct tims_prescreen_match *m)
{
	json_t *a = json_loads(text ? text : "[]", 0, NULL);

	for (size_t i = 0; i < json_array_size(a) && m->nhits < TIMS_API_HITS_MAX; i++) {
		json_t *h = json_array_get(a, i);
		struct tims_prescreen_hit *o = &m->hits[m->nhits++];

		snprintf(o->part, sizeof(o->part), "%s", jstr(h, "part") ? jstr(h, "part") : "");
		snprintf(o->list, sizeof(o->list), "%s", jstr(h, "list") ? jstr(h, "list") : "");
		snprintf(o->ref, sizeof(o->ref), "%s", jstr(h, "ref") ? jstr(h, "ref") : "");
		snprintf(o->alert, sizeof(o->alert), "%s", jstr(h, "alert") ? jstr(h, "alert") : "");
	}
	json_decref(a);
}

static void col(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	snprintf(dst, cap, "%s", v ? (const char *)v : "");
}

/* flight, date, version, position, role, arrival, arrival_ms, status, hits */
static void match_row(sqlite3_stmt *st, struct tims_prescreen_match *m)
{
	memset(m, 0, sizeof(*m));
	m->found = 1;
	col(st, 0, m->flight, sizeof(m->flight));
	col(st, 1, m->date, sizeof(m->date));
	m->version = (unsigned)sqlite3_column_int64(st, 2);
	m->position = (uint32_t)sqlite3_column_int64(st, 3);
	col(st, 4, m->role, sizeof(m->role));
	col(st, 5, m->arrival, sizeof(m->arrival));
	m->arrival_ms = sqlite3_column_int64(st, 6);
	m->hit = sqlite3_column_int(st, 7) == TIMS_API_HIT;
	hits_of((const char *)sqlite3_column_text(st, 8), m);
}

tims_rc tims_prescreen_lookup(const char *dir, struct tims_vault *v, const char *doc,
			      const char *issuer, int64_t now_ms,
			      struct tims_prescreen_match *m, struct tims_err *err)
{
	char bi[TIMS_VAULT_BLIND_HEX];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	tims_rc rc;
	int ok, r;

	memset(m, 0, sizeof(*m));
	if ((rc = store_open(dir, 0, &db, err)) || !db)
		return rc;
	if ((rc = blind(v, doc, issuer, bi, &ok, err)) || !ok)
		goto out;
	if (sqlite3_prepare_v2(db, "SELECT flight, date, version, position, role, arrival,"
			       " arrival_ms, status, hits FROM travellers WHERE bi = ?1 AND"
			       " arrival_ms BETWEEN ?2 AND ?3 ORDER BY abs(arrival_ms - ?4),"
			       " status DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "prescreen.db: %s", sqlite3_errmsg(db));
		goto out;
	}
	sqlite3_bind_text(st, 1, bi, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now_ms - TIMS_PRESCREEN_BEFORE_MS);
	sqlite3_bind_int64(st, 3, now_ms + TIMS_PRESCREEN_AFTER_MS);
	sqlite3_bind_int64(st, 4, now_ms);
	if ((r = sqlite3_step(st)) == SQLITE_ROW)
		match_row(st, m);
	else if (r != SQLITE_DONE)
		rc = tims_err_set(err, TIMS_ERR_DB, "prescreen.db: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
out:
	sqlite3_close(db);
	return rc;
}

/* A match's hits as the list carried them: [{"part", "list", "ref", "alert"}] */
static json_t *match_hits(const struct tims_prescreen_match *m)
{
	json_t *hits = json_array();

	for (unsigned i = 0; hits && i < m->nhits; i++)
		json_array_append_new(hits, json_pack("{s:s, s:s, s:s, s:s}", "part",
			m->hits[i].part, "list", m->hits[i].list, "ref", m->hits[i].ref, "alert",
			m->hits[i].alert));
	return hits;
}

tims_rc tims_prescreen_link(const char *dir, uint64_t crossing,
			    const struct tims_prescreen_match *m, int64_t now_ms,
			    struct tims_err *err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	json_t *hits;
	char *htext;
	tims_rc rc;

	if (!m->found)
		return TIMS_OK;
	hits = match_hits(m);
	htext = hits ? json_dumps(hits, JSON_COMPACT) : NULL;
	json_decref(hits);
	if (!htext)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if ((rc = store_open(dir, 1, &db, err)))
		goto out;
	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO links (crossing, flight, date, version,"
			       " position, role, arrival, arrival_ms, status, hits, linked_ms)"
			       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", -1, &st,
			       NULL) != SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "prescreen.db: %s", sqlite3_errmsg(db));
		goto out;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)crossing);
	sqlite3_bind_text(st, 2, m->flight, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, m->date, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, m->version);
	sqlite3_bind_int64(st, 5, m->position);
	sqlite3_bind_text(st, 6, m->role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, m->arrival, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, m->arrival_ms);
	sqlite3_bind_int(st, 9, m->hit ? TIMS_API_HIT : TIMS_API_CLEAR);
	sqlite3_bind_text(st, 10, htext, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 11, now_ms);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = tims_err_set(err, TIMS_ERR_DB, "prescreen.db: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
out:
	sqlite3_close(db);
	free(htext);
	return rc;
}

tims_rc tims_prescreen_linked(const char *dir, uint64_t crossing,
			      struct tims_prescreen_match *m, struct tims_err *err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	tims_rc rc;
	int r;

	memset(m, 0, sizeof(*m));
	if ((rc = store_open(dir, 0, &db, err)) || !db)
		return rc;
	if (sqlite3_prepare_v2(db, "SELECT flight, date, version, position, role, arrival,"
			       " arrival_ms, status, hits FROM links WHERE crossing = ?1", -1, &st,
			       NULL) != SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "prescreen.db: %s", sqlite3_errmsg(db));
	} else {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)crossing);
		if ((r = sqlite3_step(st)) == SQLITE_ROW)
			match_row(st, m);
		else if (r != SQLITE_DONE)
			rc = tims_err_set(err, TIMS_ERR_DB, "prescreen.db: %s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return rc;
}

tims_rc tims_prescreen_expire(const char *dir, int64_t now_ms, uint64_t *erased,
			      struct tims_err *err)
{
	sqlite3 *db = NULL;
	tims_rc rc;

	*erased = 0;
	if ((rc = store_open(dir, 2, &db, err)) || !db)
		return rc;
	rc = expire(db, now_ms, erased, err);
	sqlite3_close(db);
	return rc;
}

json_t *tims_prescreen_json(const struct tims_prescreen_match *m)
{
	json_t *hits;

	if (!m->found)
		return NULL;
	hits = match_hits(m);
	return json_pack("{s:s, s:s, s:s, s:I, s:s, s:o}", "flight", m->flight, "date", m->date,
			 "arrival", m->arrival, "arrival_ms", (json_int_t)m->arrival_ms,
			 "outcome", m->hit ? "hit" : "no_hits", "hits", hits ? hits : json_array());
}
