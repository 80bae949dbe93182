/*
 * store.c — the centre's store of advance passenger information
 * (DIR/api.db; tims/api.h, docs/paxlst.md "Screening before arrival").
 *
 * Three tables: flights (carrier+number, departure date), their versions
 * (one per message received, the newest current, the others history, each
 * with its receipt time and file SHA-256, unique per flight so that a
 * replay is recognised) and the travellers of each version, whose personal
 * fields are one blob sealed by the node's vault (AD "api.travellers/
 * VERSION-ROW/POSITION": a blob moved to another row does not open). The screening result
 * (status, hits with list versions) is kept beside it in clear: it names
 * list entries, not the traveller.
 */
#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tims/api.h"
#include "tims/record.h"
#include "tims/schema.h"
#include "tims/tz.h"
#include "tims/util.h"
#include "tims/vault.h"

/* 1: first; 2: versions.prepared and versions.late (the UNB preparation
 * time: an older list that arrives late is kept as history) */
#define TIMS_SCHEMA_API 2
#define HITS_TEXT_MAX 2048

struct tims_api {
	sqlite3 *db;
	struct tims_vault *v;
	char path[4200];
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS flights (id INTEGER PRIMARY KEY, flight TEXT NOT NULL,"
	" date TEXT NOT NULL, departure_airport TEXT NOT NULL, departure_time TEXT NOT NULL,"
	" arrival_airport TEXT NOT NULL, arrival_time TEXT NOT NULL,"
	" arrival_ms INTEGER NOT NULL, current INTEGER, UNIQUE (flight, date));"
	"CREATE INDEX IF NOT EXISTS flights_arrival ON flights (arrival_ms);"
	"CREATE TABLE IF NOT EXISTS versions (id INTEGER PRIMARY KEY,"
	" flight INTEGER NOT NULL REFERENCES flights (id), version INTEGER NOT NULL,"
	" sha256 TEXT NOT NULL, received_ms INTEGER NOT NULL, superseded_ms INTEGER,"
	" message TEXT NOT NULL, travellers INTEGER NOT NULL, hits INTEGER NOT NULL,"
	" prepared TEXT NOT NULL DEFAULT '', late INTEGER NOT NULL DEFAULT 0,"
	" UNIQUE (flight, version), UNIQUE (flight, sha256));"
	"CREATE TABLE IF NOT EXISTS travellers (id INTEGER PRIMARY KEY,"
	" version INTEGER NOT NULL REFERENCES versions (id), position INTEGER NOT NULL,"
	" role TEXT NOT NULL, sealed BLOB NOT NULL, status INTEGER NOT NULL,"
	" nhits INTEGER NOT NULL, hits TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS travellers_version ON travellers (version, position);";

static tims_rc db_err(struct tims_api *a, const char *what, struct tims_err *err)
{
	return tims_err_set(err, TIMS_ERR_DB, "%s: %s: %s", a->path, what, sqlite3_errmsg(a->db));
}

/* Whether table has column col (1), has not (0), or the question failed (-1). */
static int has_column(sqlite3 *db, const char *table, const char *col)
{
	char sql[96];
	sqlite3_stmt *st = NULL;
	int r, found = 0;

	snprintf(sql, sizeof(sql), "PRAGMA table_info(%s)", table);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		if (!strcmp((const char *)sqlite3_column_text(st, 1), col))
			found = 1;
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? found : -1;
}

/* Schema 1 to 2: the versions' preparation time and late flag (a version
 * stored before is neither: its order is its arrival's). */
static tims_rc migrate(struct tims_api *a, struct tims_err *err)
{
	int h = has_column(a->db, "versions", "prepared");

	if (h < 0)
		return db_err(a, "reading the versions' columns", err);
	if (!h && sqlite3_exec(a->db, "ALTER TABLE versions ADD COLUMN prepared TEXT NOT NULL"
			       " DEFAULT '';ALTER TABLE versions ADD COLUMN late INTEGER NOT NULL"
			       " DEFAULT 0", NULL, NULL, NULL) != SQLITE_OK)
		return db_err(a, "adding the versions' preparation time", err);
	return TIMS_OK;
}

tims_rc tims_api_open(const char *dir, struct tims_vault *v, struct tims_api **out,
		      struct tims_err *err)
{
	struct tims_api *a;
	tims_rc rc;

	*out = NULL;
	if (!v)
		return tims_err_set(err, TIMS_ERR_USAGE, "api store: no vault to seal with");
	if (!(a = calloc(1, sizeof(*a))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	a->v = v;
	if (snprintf(a->path, sizeof(a->path), "%s/%s", dir, TIMS_API_DB) >= (int)sizeof(a->path)) {
		free(a);
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
	}
	if ((rc = tims_file_private(a->path, err))) {
		free(a);
		return rc;
	}
	if (sqlite3_open_v2(a->path, &a->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = db_err(a, "open", err);
		tims_api_close(a);
		return rc;
	}
	sqlite3_busy_timeout(a->db, 10000);
	if (sqlite3_exec(a->db, "PRAGMA journal_mode=WAL; PRAGMA secure_delete=ON;"
			 " PRAGMA foreign_keys=ON", NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_err(a, "open", err);
		tims_api_close(a);
		return rc;
	}
	/* schema version (tims/schema.h): a newer one refused untouched, the
	 * migration from an older one a single transaction */
	if ((rc = tims_schema_begin(a->db, a->path, TIMS_SCHEMA_API, NULL, err))) {
		tims_api_close(a);
		return rc;
	}
	if (sqlite3_exec(a->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
	    (rc = migrate(a, err))) {
		if (!rc)
			rc = db_err(a, "schema", err);
		tims_schema_abort(a->db);
		tims_api_close(a);
		return rc;
	}
	if ((rc = tims_schema_commit(a->db, a->path, TIMS_SCHEMA_API, err))) {
		tims_api_close(a);
		return rc;
	}
	*out = a;
	return TIMS_OK;
}

void tims_api_close(struct tims_api *a)
{
	if (!a)
		return;
	sqlite3_close(a->db);
	free(a);
}

/* ---- fields ------------------------------------------------------------- */

/* "TK 1234" -> "TK1234" */
static void flight_key(const char *in, char *out, size_t cap)
{
	size_t j = 0;

	for (size_t i = 0; in[i] && j + 1 < cap; i++)
		if (in[i] != ' ')
			out[j++] = in[i];
	out[j] = 0;
}

static int digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int num(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* "YYYY-MM-DD[THH:MM[:SS]]" (as the parser writes a complete date) to
 * milliseconds, the time taken as UTC; 0 when it is not such a time. */
static int64_t when_ms(const char *s)
{
	size_t n = strlen(s);
	int64_t days, ms;
	int h = 0, m = 0;

	if (n < 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
	    !digits(s + 8, 2))
		return 0;
	if (num(s + 5, 2) < 1 || num(s + 5, 2) > 12 || num(s + 8, 2) < 1 || num(s + 8, 2) > 31)
		return 0;
	days = tims_days_from_civil(num(s, 4), (unsigned)num(s + 5, 2), (unsigned)num(s + 8, 2));
	if (n >= 16 && s[10] == 'T' && digits(s + 11, 2) && s[13] == ':' && digits(s + 14, 2)) {
		h = num(s + 11, 2);
		m = num(s + 14, 2);
		if (h > 23 || m > 59)
			h = m = 0;
	}
	ms = days * 86400000LL + (int64_t)h * 3600000 + (int64_t)m * 60000;
	return ms > 0 ? ms : 0;
}

/* The sealed fields: each a length byte and its bytes, in this order. */
#define NFIELDS 9
static void fields_of(const struct tims_paxlst_traveller *t, const char *f[NFIELDS])
{
	f[0] = t->surname;
	f[1] = t->given_names;
	f[2] = t->birth_date;
	f[3] = t->sex;
	f[4] = t->nationality;
	f[5] = t->document_type;
	f[6] = t->document_number;
	f[7] = t->document_issuing_state;
	f[8] = t->document_expiry;
}

static tims_rc pack(const struct tims_paxlst_traveller *t, struct tims_buf *b)
{
	const char *f[NFIELDS];
	tims_rc rc = TIMS_OK;

	fields_of(t, f);
	for (int i = 0; !rc && i < NFIELDS; i++) {
		size_t n = strnlen(f[i], 255);

		if (!(rc = tims_buf_addch(b, (char)(unsigned char)n)))
			rc = tims_buf_add(b, f[i], n);
	}
	return rc;
}

static tims_rc unpack(const uint8_t *p, size_t len, struct tims_api_traveller *t,
		      struct tims_err *err)
{
	struct { char *dst; size_t cap; } f[NFIELDS] = {
		{ t->surname, sizeof(t->surname) }, { t->given_names, sizeof(t->given_names) },
		{ t->birth_date, sizeof(t->birth_date) }, { t->sex, sizeof(t->sex) },
		{ t->nationality, sizeof(t->nationality) },
		{ t->document_type, sizeof(t->document_type) },
		{ t->document_number, sizeof(t->document_number) },
		{ t->document_issuing_state, sizeof(t->document_issuing_state) },
		{ t->document_expiry, sizeof(t->document_expiry) },
	};
	size_t off = 0;

	for (int i = 0; i < NFIELDS; i++) {
		size_t n;

		if (off >= len)
			return tims_err_set(err, TIMS_ERR_TAMPER, "api traveller %lld: sealed "
					    "fields malformed", (long long)t->id);
		n = p[off];
		off++;
		if (n > len - off || n >= f[i].cap)
			return tims_err_set(err, TIMS_ERR_TAMPER, "api traveller %lld: sealed "
					    "fields malformed", (long long)t->id);
		memcpy(f[i].dst, p + off, n);
		f[i].dst[n] = 0;
		off += n;
	}
	if (off != len)
		return tims_err_set(err, TIMS_ERR_TAMPER, "api traveller %lld: sealed fields "
				    "malformed", (long long)t->id);
	return TIMS_OK;
}

/* Hits in clear, one a line: part TAB list TAB ref TAB entry version TAB
 * list version TAB alert TAB score (reference and list hold no tab: the
 * watchlist import refuses control characters). */
static tims_rc hits_text(const struct tims_api_screening *s, struct tims_buf *b)
{
	tims_rc rc = TIMS_OK;

	for (unsigned i = 0; !rc && i < s->nhits && i < TIMS_API_HITS_MAX; i++) {
		const struct tims_api_hit *h = &s->hits[i];

		rc = tims_buf_addf(b, "%s\t%s\t%s\t%llu\t%llu\t%s\t%.3f\n", h->part, h->list, h->ref,
				   (unsigned long long)h->entry_version,
				   (unsigned long long)h->list_version, h->alert, h->score);
	}
	if (!rc && !b->len)
		rc = tims_buf_addstr(b, "");
	return rc;
}

static void hits_parse(const char *text, struct tims_api_screening *s)
{
	const char *p = text ? text : "";

	while (*p && s->nhits < TIMS_API_HITS_MAX) {
		struct tims_api_hit *h = &s->hits[s->nhits];
		const char *end = strchr(p, '\n');
		char line[512], *f[7], *save = line;
		size_t n = end ? (size_t)(end - p) : strlen(p);
		int k = 0;

		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = 0;
		for (char *q = line; k < 7; q++) {
			if (*q == '\t' || !*q) {
				int last = !*q;

				f[k++] = save;
				*q = 0;
				save = q + 1;
				if (last)
					break;
			}
		}
		memset(h, 0, sizeof(*h));
		if (k == 7) {
			snprintf(h->part, sizeof(h->part), "%s", f[0]);
			snprintf(h->list, sizeof(h->list), "%s", f[1]);
			snprintf(h->ref, sizeof(h->ref), "%s", f[2]);
			h->entry_version = strtoull(f[3], NULL, 10);
			h->list_version = strtoull(f[4], NULL, 10);
			snprintf(h->alert, sizeof(h->alert), "%s", f[5]);
			h->score = strtod(f[6], NULL);
			s->nhits++;
		}
		if (!end)
			break;
		p = end + 1;
	}
}

/* ---- storing ------------------------------------------------------------ */

static tims_rc flight_of(const struct tims_paxlst_traveller *t, char *key, size_t cap,
			 char date[11], struct tims_err *err)
{
	flight_key(t->flight, key, cap);
	if (!key[0])
		return tims_err_set(err, TIMS_ERR_INVALID, "segment %u: traveller %s: no flight "
				    "(TDT) for the leg", t->segment, t->role);
	if (strlen(t->departure_time) < 10 || !when_ms(t->departure_time))
		return tims_err_set(err, TIMS_ERR_INVALID, "segment %u: flight %s: no complete "
				    "scheduled departure date (DTM+189), it is '%s'", t->segment,
				    key, t->departure_time);
	memcpy(date, t->departure_time, 10);
	date[10] = 0;
	return TIMS_OK;
}

struct ins {
	sqlite3_stmt *find, *add_flight, *max_version, *seen, *add_version, *supersede,
		*set_current, *add_trav, *set_counts, *cur_prepared;
};

static void ins_free(struct ins *s)
{
	sqlite3_finalize(s->find);
	sqlite3_finalize(s->add_flight);
	sqlite3_finalize(s->max_version);
	sqlite3_finalize(s->seen);
	sqlite3_finalize(s->add_version);
	sqlite3_finalize(s->supersede);
	sqlite3_finalize(s->set_current);
	sqlite3_finalize(s->add_trav);
	sqlite3_finalize(s->set_counts);
	sqlite3_finalize(s->cur_prepared);
}

static int ins_prepare(sqlite3 *db, struct ins *s)
{
	return sqlite3_prepare_v2(db, "SELECT id FROM flights WHERE flight = ?1 AND date = ?2",
				  -1, &s->find, NULL) != SQLITE_OK ||
	       sqlite3_prepare_v2(db, "INSERT INTO flights (flight, date, departure_airport,"
				  " departure_time, arrival_airport, arrival_time, arrival_ms)"
				  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", -1, &s->add_flight,
				  NULL) != SQLITE_OK ||
	       sqlite3_prepare_v2(db, "SELECT COALESCE(MAX(version), 0) FROM versions WHERE"
				  " flight = ?1", -1, &s->max_version, NULL) != SQLITE_OK ||
	       sqlite3_prepare_v2(db, "SELECT version FROM versions WHERE flight = ?1 AND"
				  " sha256 = ?2", -1, &s->seen, NULL) != SQLITE_OK ||
	       sqlite3_prepare_v2(db, "INSERT INTO versions (flight, version, sha256, received_ms,"
				  " message, travellers, hits, prepared, late, superseded_ms)"
				  " VALUES (?1, ?2, ?3, ?4, ?5, 0, 0, ?6, ?7, ?8)",
				  -1, &s->add_version, NULL) != SQLITE_OK ||
	       sqlite3_prepare_v2(db, "SELECT v.prepared FROM versions v JOIN flights f ON"
				  " v.id = f.current WHERE f.id = ?1", -1, &s->cur_prepared,
				  NULL) != SQLITE_OK ||
	       sqlite3_prepare_v2(db, "UPDATE versions SET superseded_ms = ?2 WHERE id ="
				  " (SELECT current FROM flights WHERE id = ?1)", -1,
				  &s->supersede, NULL) != SQLITE_OK ||
	       sqlite3_prepare_v2(db, "UPDATE flights SET current = ?2, departure_airport = ?3,"
				  " departure_time = ?4, arrival_airport = ?5, arrival_time = ?6,"
				  " arrival_ms = ?7 WHERE id = ?1", -1, &s->set_current,
				  NULL) != SQLITE_OK ||
	       sqlite3_prepare_v2(db, "INSERT INTO travellers (version, position, role, sealed,"
				  " status, nhits, hits) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", -1,
				  &s->add_trav, NULL) != SQLITE_OK ||
	       sqlite3_prepare_v2(db, "UPDATE versions SET travellers = ?2, hits = ?3 WHERE"
				  " id = ?1", -1, &s->set_counts, NULL) != SQLITE_OK;
}

static int64_t step_id(sqlite3_stmt *st, int *ok)
{
	int r = sqlite3_step(st);
	int64_t v = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;

	*ok = r == SQLITE_ROW || r == SQLITE_DONE;
	sqlite3_reset(st);
	return v;
}

/* A preparation time that can be compared: "YYYY-MM-DDTHH:MM" as the reader
 * writes a complete one (tims/paxlst.h); anything else (none, or kept as
 * sent) orders nothing. */
static int prepared_iso(const char *v)
{
	static const char shape[] = "dddd-dd-ddTdd:dd";

	if (strlen(v) != sizeof(shape) - 1)
		return 0;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? v[i] < '0' || v[i] > '9' : v[i] != shape[i])
			return 0;
	return 1;
}

static int64_t arrival_of(const struct tims_paxlst_traveller *t, int64_t received_ms)
{
	int64_t ms = when_ms(t->arrival_time);

	if (!ms)
		ms = when_ms(t->departure_time);
	return ms ? ms : received_ms;
}

/* One flight of the file: its version and travellers (those of p->t whose
 * key is f's). */
static tims_rc store_flight(struct tims_api *a, struct ins *s, const char *sha,
			    int64_t received_ms, const struct tims_paxlst *p,
			    const struct tims_api_screening *scr, struct tims_api_flight_result *f,
			    tims_api_hit_fn fn, void *ctx, struct tims_err *err)
{
	const struct tims_paxlst_traveller *first = NULL;
	struct tims_buf pt = TIMS_BUF_INIT(4096), blob = TIMS_BUF_INIT(8192),
			hits = TIMS_BUF_INIT(HITS_TEXT_MAX);
	int64_t fid, vid, arrival;
	uint32_t pos = 0;
	tims_rc rc = TIMS_OK;
	int ok;

	for (size_t i = 0; i < p->n && !first; i++) {
		char key[TIMS_PAXLST_VALUE], date[11];

		if (!flight_of(&p->t[i], key, sizeof(key), date, NULL) && !strcmp(key, f->flight) &&
		    !strcmp(date, f->date))
			first = &p->t[i];
	}
	arrival = arrival_of(first, received_ms);
	sqlite3_bind_text(s->find, 1, f->flight, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->find, 2, f->date, -1, SQLITE_STATIC);
	fid = step_id(s->find, &ok);
	if (!ok)
		return db_err(a, "finding the flight", err);
	if (fid < 0) {
		sqlite3_bind_text(s->add_flight, 1, f->flight, -1, SQLITE_STATIC);
		sqlite3_bind_text(s->add_flight, 2, f->date, -1, SQLITE_STATIC);
		sqlite3_bind_text(s->add_flight, 3, first->departure_airport, -1, SQLITE_STATIC);
		sqlite3_bind_text(s->add_flight, 4, first->departure_time, -1, SQLITE_STATIC);
		sqlite3_bind_text(s->add_flight, 5, first->arrival_airport, -1, SQLITE_STATIC);
		sqlite3_bind_text(s->add_flight, 6, first->arrival_time, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s->add_flight, 7, arrival);
		if (sqlite3_step(s->add_flight) != SQLITE_DONE) {
			sqlite3_reset(s->add_flight);
			return db_err(a, "adding the flight", err);
		}
		sqlite3_reset(s->add_flight);
		fid = sqlite3_last_insert_rowid(a->db);
	}
	f->flight_id = fid;
	/* an exact replay, or an older version sent again: nothing new */
	sqlite3_bind_int64(s->seen, 1, fid);
	sqlite3_bind_text(s->seen, 2, sha, -1, SQLITE_STATIC);
	vid = step_id(s->seen, &ok);
	if (!ok)
		return db_err(a, "looking for a replay", err);
	if (vid > 0) {
		f->replay = 1;
		f->version = (unsigned)vid;
		for (size_t i = 0; i < p->n; i++) {
			char key[TIMS_PAXLST_VALUE], date[11];

			if (!flight_of(&p->t[i], key, sizeof(key), date, NULL) &&
			    !strcmp(key, f->flight) && !strcmp(date, f->date)) {
				f->travellers++;
				f->hits += scr[i].status == TIMS_API_HIT;
			}
		}
		return TIMS_OK;
	}
	sqlite3_bind_int64(s->max_version, 1, fid);
	f->version = (unsigned)step_id(s->max_version, &ok) + 1;
	if (!ok)
		return db_err(a, "numbering the version", err);
	/* Its preparation time: the latest its interchanges give (a file of
	 * two interchanges for one flight is as new as its newer). A version
	 * prepared before the current one is an older list that arrived late:
	 * kept, screened and alerted as history, never made current. Without
	 * both times, arrival decides, as before. */
	for (size_t i = 0; i < p->n; i++) {
		char key[TIMS_PAXLST_VALUE], date[11];

		if (prepared_iso(p->t[i].prepared) &&
		    !flight_of(&p->t[i], key, sizeof(key), date, NULL) && !strcmp(key, f->flight) &&
		    !strcmp(date, f->date) && strcmp(p->t[i].prepared, f->prepared) > 0)
			memcpy(f->prepared, p->t[i].prepared, sizeof(f->prepared));
	}
	if (f->version > 1 && f->prepared[0]) {
		const unsigned char *cur;
		int r;

		sqlite3_bind_int64(s->cur_prepared, 1, fid);
		r = sqlite3_step(s->cur_prepared);
		cur = r == SQLITE_ROW ? sqlite3_column_text(s->cur_prepared, 0) : NULL;
		if (cur && prepared_iso((const char *)cur) && strcmp(f->prepared, (const char *)cur) < 0)
			f->late = 1;
		sqlite3_reset(s->cur_prepared);
		if (r != SQLITE_ROW && r != SQLITE_DONE)
			return db_err(a, "reading the current version's preparation time", err);
	}
	f->replaced = f->version > 1 && !f->late;
	if (!f->late) {
		sqlite3_bind_int64(s->supersede, 1, fid);
		sqlite3_bind_int64(s->supersede, 2, received_ms);
		if (sqlite3_step(s->supersede) != SQLITE_DONE) {
			sqlite3_reset(s->supersede);
			return db_err(a, "superseding the current version", err);
		}
		sqlite3_reset(s->supersede);
	}
	sqlite3_bind_int64(s->add_version, 1, fid);
	sqlite3_bind_int64(s->add_version, 2, f->version);
	sqlite3_bind_text(s->add_version, 3, sha, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->add_version, 4, received_ms);
	sqlite3_bind_text(s->add_version, 5, first->message_ref, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->add_version, 6, f->prepared, -1, SQLITE_STATIC);
	sqlite3_bind_int(s->add_version, 7, f->late);
	if (f->late) /* superseded from the start */
		sqlite3_bind_int64(s->add_version, 8, received_ms);
	else
		sqlite3_bind_null(s->add_version, 8);
	if (sqlite3_step(s->add_version) != SQLITE_DONE) {
		sqlite3_reset(s->add_version);
		return db_err(a, "adding the version", err);
	}
	sqlite3_reset(s->add_version);
	vid = sqlite3_last_insert_rowid(a->db);
	if (f->late)
		goto travellers;
	sqlite3_bind_int64(s->set_current, 1, fid);
	sqlite3_bind_int64(s->set_current, 2, vid);
	sqlite3_bind_text(s->set_current, 3, first->departure_airport, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->set_current, 4, first->departure_time, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->set_current, 5, first->arrival_airport, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->set_current, 6, first->arrival_time, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->set_current, 7, arrival);
	if (sqlite3_step(s->set_current) != SQLITE_DONE) {
		sqlite3_reset(s->set_current);
		return db_err(a, "making the version current", err);
	}
	sqlite3_reset(s->set_current);
travellers:
	for (size_t i = 0; !rc && i < p->n; i++) {
		const struct tims_paxlst_traveller *t = &p->t[i];
		char key[TIMS_PAXLST_VALUE], date[11], ad[64];

		if (flight_of(t, key, sizeof(key), date, NULL) || strcmp(key, f->flight) ||
		    strcmp(date, f->date))
			continue;
		pos++;
		/* the blob bound to its place: version and position */
		snprintf(ad, sizeof(ad), "api.travellers/%lld/%u", (long long)vid, pos);
		tims_buf_reset(&pt);
		tims_buf_reset(&blob);
		tims_buf_reset(&hits);
		if ((rc = pack(t, &pt)) ||
		    (rc = tims_vault_seal(a->v, arrival, ad, strlen(ad), pt.buf, pt.len, &blob, err)) ||
		    (rc = hits_text(&scr[i], &hits)))
			break;
		sqlite3_bind_int64(s->add_trav, 1, vid);
		sqlite3_bind_int64(s->add_trav, 2, pos);
		sqlite3_bind_text(s->add_trav, 3, t->role, -1, SQLITE_STATIC);
		sqlite3_bind_blob(s->add_trav, 4, blob.buf, (int)blob.len, SQLITE_STATIC);
		sqlite3_bind_int(s->add_trav, 5, scr[i].status);
		sqlite3_bind_int(s->add_trav, 6, (int)scr[i].nhits);
		sqlite3_bind_text(s->add_trav, 7, tims_buf_str(&hits), -1, SQLITE_STATIC);
		if (sqlite3_step(s->add_trav) != SQLITE_DONE) {
			sqlite3_reset(s->add_trav);
			rc = db_err(a, "adding a traveller", err);
			break;
		}
		sqlite3_reset(s->add_trav);
		f->travellers++;
		if (!rc && scr[i].status == TIMS_API_HIT) {
			f->hits++;
			if (fn)
				rc = fn(ctx, f, pos, t, &scr[i], err);
		}
	}
	if (!rc) {
		sqlite3_bind_int64(s->set_counts, 1, vid);
		sqlite3_bind_int64(s->set_counts, 2, (sqlite3_int64)f->travellers);
		sqlite3_bind_int64(s->set_counts, 3, (sqlite3_int64)f->hits);
		if (sqlite3_step(s->set_counts) != SQLITE_DONE)
			rc = db_err(a, "counting the version", err);
		sqlite3_reset(s->set_counts);
	}
	if (pt.buf)
		sodium_memzero(pt.buf, pt.alloc);
	tims_buf_release(&pt);
	tims_buf_release(&blob);
	tims_buf_release(&hits);
	return rc;
}

tims_rc tims_api_store(struct tims_api *a, const uint8_t sha256[32], int64_t received_ms,
		       const struct tims_paxlst *p, const struct tims_api_screening *s,
		       tims_api_hit_fn fn, void *ctx, struct tims_api_import_result *res,
		       struct tims_err *err)
{
	struct ins st;
	tims_rc rc = TIMS_OK;

	memset(res, 0, sizeof(*res));
	memset(&st, 0, sizeof(st));
	for (size_t i = 0; i < 32; i++)
		snprintf(res->sha256 + 2 * i, 3, "%02x", sha256[i]);
	/* the flights of the file, in the order first sent */
	for (size_t i = 0; i < p->n; i++) {
		const struct tims_paxlst_traveller *t = &p->t[i];
		char key[TIMS_PAXLST_VALUE], date[11];
		size_t k;

		if ((rc = flight_of(t, key, sizeof(key), date, err)))
			return rc;
		if (s[i].status != TIMS_API_CLEAR && s[i].status != TIMS_API_HIT)
			return tims_err_set(err, TIMS_ERR_STATE, "segment %u: traveller not "
					    "screened: nothing is stored unscreened", t->segment);
		for (k = 0; k < res->nflights; k++)
			if (!strcmp(res->f[k].flight, key) && !strcmp(res->f[k].date, date))
				break;
		if (k == res->nflights) {
			struct tims_api_flight_result *f;

			if (k == TIMS_API_FLIGHTS_MAX)
				return tims_err_set(err, TIMS_ERR_INVALID, "segment %u: more than %d "
						    "flights in one file", t->segment,
						    TIMS_API_FLIGHTS_MAX);
			f = &res->f[res->nflights++];
			snprintf(f->flight, sizeof(f->flight), "%s", key);
			memcpy(f->date, date, sizeof(f->date));
			snprintf(f->departure_airport, sizeof(f->departure_airport), "%s",
				 t->departure_airport);
			snprintf(f->arrival_airport, sizeof(f->arrival_airport), "%s", t->arrival_airport);
			snprintf(f->arrival_time, sizeof(f->arrival_time), "%s", t->arrival_time);
		}
	}
	if (!p->n)
		return tims_err_set(err, TIMS_ERR_INVALID, "the file holds no traveller");
	if (ins_prepare(a->db, &st)) {
		rc = db_err(a, "prepare", err);
		ins_free(&st);
		return rc;
	}
	if (sqlite3_exec(a->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_err(a, "begin", err);
		ins_free(&st);
		return rc;
	}
	for (size_t k = 0; !rc && k < res->nflights; k++) {
		struct tims_api_flight_result *f = &res->f[k];

		rc = store_flight(a, &st, res->sha256, received_ms, p, s, f, fn, ctx, err);
		res->travellers += f->travellers;
		res->hits += f->hits;
		if (!f->replay)
			res->stored += f->travellers;
	}
	ins_free(&st);
	if (!rc && sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = db_err(a, "commit", err);
	if (rc)
		sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* ---- reading ------------------------------------------------------------ */

#define FLIGHT_COLS "SELECT f.id, f.flight, f.date, f.departure_airport, f.departure_time," \
	" f.arrival_airport, f.arrival_time, f.arrival_ms, v.version, v.received_ms, v.sha256," \
	" v.travellers, v.hits, (SELECT COUNT(*) FROM versions w WHERE w.flight = f.id)" \
	" FROM flights f LEFT JOIN versions v ON v.id = f.current"

static void col(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	snprintf(dst, cap, "%s", v ? (const char *)v : "");
}

static void flight_row(sqlite3_stmt *st, struct tims_api_flight *f)
{
	memset(f, 0, sizeof(*f));
	f->id = sqlite3_column_int64(st, 0);
	col(st, 1, f->flight, sizeof(f->flight));
	col(st, 2, f->date, sizeof(f->date));
	col(st, 3, f->departure_airport, sizeof(f->departure_airport));
	col(st, 4, f->departure_time, sizeof(f->departure_time));
	col(st, 5, f->arrival_airport, sizeof(f->arrival_airport));
	col(st, 6, f->arrival_time, sizeof(f->arrival_time));
	f->arrival_ms = sqlite3_column_int64(st, 7);
	f->current = (unsigned)sqlite3_column_int64(st, 8);
	f->received_ms = sqlite3_column_int64(st, 9);
	col(st, 10, f->sha256, sizeof(f->sha256));
	f->travellers = (size_t)sqlite3_column_int64(st, 11);
	f->hits = (size_t)sqlite3_column_int64(st, 12);
	f->versions = (unsigned)sqlite3_column_int64(st, 13);
}

tims_rc tims_api_flights(struct tims_api *a, int64_t from_ms, int64_t to_ms,
			 tims_api_flight_fn fn, void *ctx, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;
	int r;

	if (sqlite3_prepare_v2(a->db, FLIGHT_COLS " WHERE f.arrival_ms >= ?1 AND f.arrival_ms < ?2"
			       " ORDER BY f.arrival_ms, f.flight", -1, &st, NULL) != SQLITE_OK)
		return db_err(a, "listing flights", err);
	sqlite3_bind_int64(st, 1, from_ms);
	sqlite3_bind_int64(st, 2, to_ms);
	while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
		struct tims_api_flight f;

		flight_row(st, &f);
		rc = fn(ctx, &f);
	}
	if (!rc && r != SQLITE_DONE)
		rc = db_err(a, "listing flights", err);
	sqlite3_finalize(st);
	return rc;
}

tims_rc tims_api_flight_get(struct tims_api *a, const char *flight, const char *date,
			    struct tims_api_flight *out, struct tims_err *err)
{
	char key[TIMS_PAXLST_VALUE];
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;
	int r;

	flight_key(flight, key, sizeof(key));
	if (sqlite3_prepare_v2(a->db, FLIGHT_COLS " WHERE f.flight = ?1 AND f.date = ?2", -1, &st,
			       NULL) != SQLITE_OK)
		return db_err(a, "finding the flight", err);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
	if ((r = sqlite3_step(st)) == SQLITE_ROW)
		flight_row(st, out);
	else if (r == SQLITE_DONE)
		rc = tims_err_set(err, TIMS_ERR_NOTFOUND, "flight %s on %s: no passenger list "
				  "held", key, date);
	else
		rc = db_err(a, "finding the flight", err);
	sqlite3_finalize(st);
	return rc;
}

tims_rc tims_api_versions(struct tims_api *a, int64_t flight_id, tims_api_version_fn fn,
			  void *ctx, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;
	int r;

	if (sqlite3_prepare_v2(a->db, "SELECT version, received_ms, superseded_ms, sha256,"
			       " travellers, hits, prepared, late FROM versions WHERE flight = ?1"
			       " ORDER BY version",
			       -1, &st, NULL) != SQLITE_OK)
		return db_err(a, "listing versions", err);
	sqlite3_bind_int64(st, 1, flight_id);
	while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
		struct tims_api_version v;

		memset(&v, 0, sizeof(v));
		v.version = (unsigned)sqlite3_column_int64(st, 0);
		v.received_ms = sqlite3_column_int64(st, 1);
		v.superseded_ms = sqlite3_column_int64(st, 2);
		col(st, 3, v.sha256, sizeof(v.sha256));
		v.travellers = (size_t)sqlite3_column_int64(st, 4);
		v.hits = (size_t)sqlite3_column_int64(st, 5);
		col(st, 6, v.prepared, sizeof(v.prepared));
		v.late = sqlite3_column_int(st, 7);
		rc = fn(ctx, &v);
	}
	if (!rc && r != SQLITE_DONE)
		rc = db_err(a, "listing versions", err);
	sqlite3_finalize(st);
	return rc;
}

tims_rc tims_api_travellers(struct tims_api *a, int64_t flight_id, unsigned version,
			    tims_api_traveller_fn fn, void *ctx, struct tims_err *err)
{
	struct tims_buf pt = TIMS_BUF_INIT(4096);
	struct tims_api_traveller *t;
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;
	int r;

	if (!(t = malloc(sizeof(*t))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if (sqlite3_prepare_v2(a->db, "SELECT t.id, v.version, t.position, t.role, t.sealed,"
			       " t.status, t.nhits, t.hits, v.id FROM travellers t JOIN versions v ON"
			       " v.id = t.version WHERE v.flight = ?1 AND (?2 = 0 AND v.id ="
			       " (SELECT current FROM flights WHERE id = ?1) OR v.version = ?2)"
			       " ORDER BY t.position", -1, &st, NULL) != SQLITE_OK) {
		free(t);
		return db_err(a, "listing travellers", err);
	}
	sqlite3_bind_int64(st, 1, flight_id);
	sqlite3_bind_int64(st, 2, version);
	while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
		char ad[64];

		memset(t, 0, sizeof(*t));
		t->id = sqlite3_column_int64(st, 0);
		t->version = (unsigned)sqlite3_column_int64(st, 1);
		t->position = (uint32_t)sqlite3_column_int64(st, 2);
		col(st, 3, t->role, sizeof(t->role));
		snprintf(ad, sizeof(ad), "api.travellers/%lld/%u",
			 (long long)sqlite3_column_int64(st, 8), t->position);
		tims_buf_reset(&pt);
		if ((rc = tims_vault_open_blob(a->v, ad, strlen(ad), sqlite3_column_blob(st, 4),
					       (size_t)sqlite3_column_bytes(st, 4), &pt, err)) ||
		    (rc = unpack((const uint8_t *)pt.buf, pt.len, t, err)))
			break;
		t->screening.status = (uint8_t)sqlite3_column_int(st, 5);
		hits_parse((const char *)sqlite3_column_text(st, 7), &t->screening);
		t->screening.nhits = (unsigned)sqlite3_column_int(st, 6);
		rc = fn(ctx, t);
	}
	if (!rc && r != SQLITE_DONE)
		rc = db_err(a, "listing travellers", err);
	sqlite3_finalize(st);
	if (pt.buf)
		sodium_memzero(pt.buf, pt.alloc);
	tims_buf_release(&pt);
	sodium_memzero(t, sizeof(*t));
	free(t);
	return rc;
}

int64_t tims_api_time_ms(const char *iso)
{
	return iso ? when_ms(iso) : 0;
}

tims_rc tims_api_serial(struct tims_api *a, uint64_t *out, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;

	*out = 0;
	if (sqlite3_prepare_v2(a->db, "SELECT COALESCE(MAX(received_ms), 0) FROM versions", -1,
			       &st, NULL) != SQLITE_OK)
		return db_err(a, "reading the last list received", err);
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = (uint64_t)sqlite3_column_int64(st, 0);
	else
		rc = db_err(a, "reading the last list received", err);
	sqlite3_finalize(st);
	return rc;
}

/* ---- retention ---------------------------------------------------------- */

static tims_rc count1(struct tims_api *a, const char *sql, int64_t cutoff, uint64_t *out,
		      struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;

	if (sqlite3_prepare_v2(a->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_err(a, "retention", err);
	sqlite3_bind_int64(st, 1, cutoff);
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = (uint64_t)sqlite3_column_int64(st, 0);
	else
		rc = db_err(a, "retention", err);
	sqlite3_finalize(st);
	return rc;
}

/* the flights due: their ids in temp.api_due (made by due_flights) */
#define DUE_F "(SELECT id FROM temp.api_due)"
#define DUE " FROM travellers WHERE version IN (SELECT v.id FROM versions v WHERE v.flight IN " \
	    DUE_F ")"

/* The flights whose arrival, in UTC, is at or before cutoff_ms into
 * temp.api_due: arrival_ms is the carrier's wall time written as if UTC;
 * a flight arriving at an airport of zones is converted through its zone
 * (tims/tz.h), the others read as UTC. */
static tims_rc due_flights(struct tims_api *a, int64_t cutoff_ms, const struct tims_api_zone *zones,
			   size_t nzones, struct tims_err *err)
{
	/* a wall time is at most 14 hours ahead of UTC and 12 behind */
	const int64_t slack = 15 * 3600000LL;
	sqlite3_stmt *sel = NULL, *ins = NULL;
	tims_rc rc = TIMS_OK;
	int r;

	if (sqlite3_exec(a->db, "CREATE TEMP TABLE IF NOT EXISTS api_due (id INTEGER PRIMARY KEY);"
			 "DELETE FROM temp.api_due", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(a->db, "SELECT id, arrival_airport, arrival_ms FROM flights WHERE"
			       " arrival_ms <= ?1", -1, &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(a->db, "INSERT OR IGNORE INTO temp.api_due (id) VALUES (?1)", -1,
			       &ins, NULL) != SQLITE_OK) {
		sqlite3_finalize(sel);
		return db_err(a, "retention", err);
	}
	sqlite3_bind_int64(sel, 1, nzones ? cutoff_ms + slack : cutoff_ms);
	while (!rc && (r = sqlite3_step(sel)) == SQLITE_ROW) {
		const char *ap = (const char *)sqlite3_column_text(sel, 1);
		int64_t wall = sqlite3_column_int64(sel, 2), utc = wall;

		for (size_t i = 0; ap && i < nzones; i++)
			if (!strcmp(zones[i].airport, ap) && zones[i].zone[0]) {
				rc = tims_tz_wall_to_utc(zones[i].zone, wall, &utc, err);
				break;
			}
		if (rc || utc > cutoff_ms)
			continue;
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, sqlite3_column_int64(sel, 0));
		if (sqlite3_step(ins) != SQLITE_DONE)
			rc = db_err(a, "retention", err);
	}
	if (!rc && r != SQLITE_DONE)
		rc = db_err(a, "retention", err);
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	return rc;
}

tims_rc tims_api_retention(struct tims_api *a, int64_t cutoff_ms, int dry_run,
			   struct tims_api_retention *r, struct tims_err *err)
{
	return tims_api_retention_zoned(a, cutoff_ms, NULL, 0, dry_run, r, err);
}

tims_rc tims_api_retention_zoned(struct tims_api *a, int64_t cutoff_ms,
				 const struct tims_api_zone *zones, size_t nzones, int dry_run,
				 struct tims_api_retention *r, struct tims_err *err)
{
	static const char *const cleanup[] = {
		"DELETE FROM travellers WHERE status <> 2 AND version IN (SELECT v.id FROM"
		" versions v WHERE v.flight IN " DUE_F ")",
		"DELETE FROM versions WHERE id NOT IN (SELECT version FROM travellers)"
		" AND flight IN " DUE_F,
		"UPDATE flights SET current = NULL WHERE current IS NOT NULL AND current NOT IN"
		" (SELECT id FROM versions)",
		"DELETE FROM flights WHERE id IN " DUE_F " AND id NOT IN (SELECT flight FROM versions)",
	};
	uint64_t nv0 = 0, nf0 = 0, nv1 = 0, nf1 = 0;
	sqlite3_stmt *st = NULL;
	tims_rc rc;

	memset(r, 0, sizeof(*r));
	r->oldest_kept_ms = INT64_MAX;
	if ((rc = due_flights(a, cutoff_ms, zones, nzones, err)))
		return rc;
	if ((rc = count1(a, "SELECT COUNT(*)" DUE " AND status <> 2", cutoff_ms, &r->erased, err)) ||
	    (rc = count1(a, "SELECT COUNT(*)" DUE " AND status = 2", cutoff_ms, &r->kept_hits, err)) ||
	    (rc = count1(a, "SELECT COUNT(*) FROM travellers WHERE version NOT IN (SELECT v.id"
			 " FROM versions v WHERE v.flight IN " DUE_F ")", cutoff_ms, &r->kept_recent,
			 err)))
		return rc;
	/* the oldest month whose sealed travellers stay (crypto-shredding
	 * must keep its data key) */
	if (sqlite3_prepare_v2(a->db, "SELECT MIN(f.arrival_ms) FROM flights f JOIN versions v ON"
			       " v.flight = f.id JOIN travellers t ON t.version = v.id WHERE"
			       " f.id NOT IN " DUE_F " OR t.status = 2", -1, &st, NULL) != SQLITE_OK)
		return db_err(a, "retention", err);
	sqlite3_bind_int64(st, 1, cutoff_ms);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		r->oldest_kept_ms = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (dry_run || !r->erased)
		return TIMS_OK;
	if ((rc = count1(a, "SELECT COUNT(*) FROM versions WHERE ?1 = ?1", 0, &nv0, err)) ||
	    (rc = count1(a, "SELECT COUNT(*) FROM flights WHERE ?1 = ?1", 0, &nf0, err)))
		return rc;
	if (sqlite3_exec(a->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_err(a, "retention", err);
	for (size_t i = 0; !rc && i < TIMS_ARRAY_SIZE(cleanup); i++) {
		if (sqlite3_prepare_v2(a->db, cleanup[i], -1, &st, NULL) != SQLITE_OK) {
			rc = db_err(a, "retention", err);
			break;
		}
		if (sqlite3_bind_parameter_count(st) > 0)
			sqlite3_bind_int64(st, 1, cutoff_ms);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = db_err(a, "retention", err);
		sqlite3_finalize(st);
	}
	if (!rc && sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = db_err(a, "retention", err);
	if (rc) {
		sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	if ((rc = count1(a, "SELECT COUNT(*) FROM versions WHERE ?1 = ?1", 0, &nv1, err)) ||
	    (rc = count1(a, "SELECT COUNT(*) FROM flights WHERE ?1 = ?1", 0, &nf1, err)))
		return rc;
	r->versions = nv0 - nv1;
	r->flights = nf0 - nf1;
	/* freed pages overwritten (secure_delete) and handed back */
	sqlite3_exec(a->db, "VACUUM; PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	return TIMS_OK;
}
