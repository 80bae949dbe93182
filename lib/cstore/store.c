/*
 * store.c — the query store: open, schema, adding records idempotently
 * (see include/tims/cstore.h).
 */
#include "internal.h"

#include <sodium.h>

#include "tims/buf.h"
#include "tims/screen.h"
#include "tims/util.h"

#define CS_SCHEMA_VERSION "4"

/*
 * One row per log entry of every post. `when_ms` is the crossing time that
 * counts for stay rules (a correction keeps the time of the record it
 * corrects unless it sets its own: `own_time`); `corrected_by` the first
 * later record that corrects this one. Erased records keep origin, index,
 * time and leaf.
 *
 * Personal data at rest (schema 2): `doc` is the blind index of the
 * document number, `person` that of the normalised names and birth date
 * (cs_person_value), `sealed` the record's JSON sealed under the centre's
 * vault (base64). `issuer` and `nationality` (state codes), the times,
 * direction, decision and `hit` (the screening named a hit or failed) stay
 * clear for counting and for the dashboard's hit list.
 *
 * The search of a person by name (schema 3, search.c): `dob` the blind
 * index of the birth date, `skel` that of the surname's search key (the
 * phonetic skeleton of its main token, tims_name_search_key); both '' when the
 * record has none.
 *
 * The statistics (schema 4, report.c), clear and not identifying, like the
 * direction and the decision: `vrole` the traveller's role in a vehicle
 * (enum tims_vehicle_role: a driver is one vehicle), `vcountry` the
 * vehicle's registration country, `refusal` the refusal codes ("B,E"),
 * `hitparts` which parts the screening's hits named (a bit per enum
 * tims_hit_part, 1 << part; bit 0: the screening failed).
 */
static const char schema_meta[] =
	"CREATE TABLE IF NOT EXISTS cs_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);";
static const char schema[] =
	"CREATE TABLE IF NOT EXISTS crossings ("
	" origin TEXT NOT NULL, idx BIGINT NOT NULL, post_time BIGINT NOT NULL,"
	" leaf TEXT NOT NULL, erased INTEGER NOT NULL, when_ms BIGINT NOT NULL,"
	" direction INTEGER NOT NULL, decision INTEGER NOT NULL,"
	" issuer TEXT NOT NULL, doc TEXT NOT NULL, person TEXT NOT NULL,"
	" nationality TEXT NOT NULL, own_time INTEGER NOT NULL, hit INTEGER NOT NULL,"
	" corrects BIGINT, corrected_by BIGINT, sealed TEXT,"
	" dob TEXT NOT NULL DEFAULT '', skel TEXT NOT NULL DEFAULT '',"
	" vrole INTEGER NOT NULL DEFAULT 0, vcountry TEXT NOT NULL DEFAULT '',"
	" refusal TEXT NOT NULL DEFAULT '', hitparts INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (origin, idx));"
	"CREATE INDEX IF NOT EXISTS crossings_dob ON crossings (dob) WHERE dob <> '';"
	"CREATE INDEX IF NOT EXISTS crossings_skel ON crossings (skel) WHERE skel <> '';"
	"CREATE INDEX IF NOT EXISTS crossings_doc ON crossings (doc, issuer, when_ms);"
	"CREATE INDEX IF NOT EXISTS crossings_person ON crossings (person);"
	"CREATE INDEX IF NOT EXISTS crossings_when ON crossings (when_ms);"
	"CREATE INDEX IF NOT EXISTS crossings_hit ON crossings (when_ms) WHERE hit = 1;"
	/* corrections are few: finding those of a record added late is cheap */
	"CREATE INDEX IF NOT EXISTS crossings_corrects ON crossings (origin, corrects)"
	" WHERE corrects IS NOT NULL;";

/* A store of schema 1 held names, documents and birth dates in clear: it is
 * emptied (the mirrors refill it) rather than converted in place. One of
 * schema 2 lacks the search indexes, which need every record opened: it is
 * emptied and refilled the same way. */
static const char drop_v1_sqlite[] =
	"PRAGMA secure_delete = ON;"
	"DROP TRIGGER IF EXISTS travel_feed_add; DROP TRIGGER IF EXISTS travel_feed_change;"
	"DROP TRIGGER IF EXISTS travel_feed_remove; DROP TABLE IF EXISTS travel_feed;"
	"DROP TABLE IF EXISTS crossings; DELETE FROM cs_meta;";
static const char drop_v1_pg[] =
	"DROP TABLE IF EXISTS travel_feed; DROP TABLE IF EXISTS crossings CASCADE;"
	"DROP FUNCTION IF EXISTS travel_feed_note() CASCADE; DELETE FROM cs_meta;";

static const char sql_version_put[] =
	"INSERT INTO cs_meta (key, value) VALUES ('schema', ?1) ON CONFLICT (key) DO NOTHING";
static const char sql_version_get[] = "SELECT value FROM cs_meta WHERE key = 'schema'";

static const char sql_insert[] =
	"INSERT INTO crossings (origin, idx, post_time, leaf, erased, when_ms,"
	" direction, decision, issuer, doc, person, nationality, own_time, hit,"
	" corrects, sealed, dob, skel, vrole, vcountry, refusal, hitparts) VALUES (?1, ?2,"
	" ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,"
	" ?21, ?22)"
	" ON CONFLICT (origin, idx) DO NOTHING";
static const char sql_when[] = "SELECT when_ms FROM crossings WHERE origin = ?1 AND idx = ?2";
static const char sql_correct[] =
	"UPDATE crossings SET corrected_by = ?3 WHERE origin = ?1 AND idx = ?2"
	" AND (corrected_by IS NULL OR corrected_by > ?3)";
static const char sql_count_all[] = "SELECT COUNT(*) FROM crossings";
static const char sql_count_origin[] = "SELECT COUNT(*) FROM crossings WHERE origin = ?1";

static void pg_quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message; /* a library does not print: notices are dropped */
}

static tims_rc open_sqlite(struct tims_cstore *s, const char *path,
			   struct tims_err *err)
{
	if (!*path)
		return tims_err_set(err, TIMS_ERR_USAGE, "query store: empty sqlite path");
	if (strcmp(path, ":memory:") && tims_file_private(path, err)) /* 0600, and its WAL */
		return TIMS_ERR_IO;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return tims_err_set(err, TIMS_ERR_DB, "query store %s: %s", path,
				    s->db ? sqlite3_errmsg(s->db) : "cannot open");
	sqlite3_busy_timeout(s->db, 5000);
	/*
	 * synchronous=NORMAL: a power cut may lose the last transactions of
	 * this derived copy, never corrupt it; the mirror is the durable copy
	 * and tims_centre_reindex brings the store back up to it.
	 */
	/* secure_delete: a row deleted or rewritten (retention's erasure, a
	 * wipe) leaves no recoverable bytes in the file */
	return cs_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
		       " PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;", err);
}

static tims_rc open_pg(struct tims_cstore *s, const char *conninfo,
		       struct tims_err *err)
{
	/* A connect timeout unless the address sets its own (later wins): a
	 * reconnection must not hang the centre on an unreachable host. */
	const char *const keys[] = { "connect_timeout", "dbname", NULL };
	const char *const vals[] = { "10", conninfo, NULL };
	tims_rc rc;

	if ((rc = cs_pq_load(err)))
		return rc;
	s->pg = cs_pq.PQconnectdbParams(keys, vals, 1);
	if (!s->pg)
		return tims_err_set(err, TIMS_ERR_NOMEM, "query store: out of memory");
	if (cs_pq.PQstatus(s->pg) != CONNECTION_OK) {
		char m[200];

		cs_flat(cs_pq.PQerrorMessage(s->pg), m, sizeof(m));
		return tims_err_set(err, TIMS_ERR_DB, "query store (postgresql): connect: %s", m);
	}
	cs_pq.PQsetNoticeProcessor(s->pg, pg_quiet, NULL);
	return cs_exec(s, "SET client_min_messages = warning", err);
}

static tims_rc version_row(void *ctx, const struct cs_row *row)
{
	snprintf(ctx, 16, "%s", row->v[0] ? row->v[0] : "");
	return TIMS_OK;
}

tims_rc tims_cstore_open(const char *uri, struct tims_cstore **out,
			 struct tims_err *err)
{
	struct tims_cstore *s;
	struct cs_param p[] = { CS_T(CS_SCHEMA_VERSION) };
	char version[16] = "";
	tims_rc rc;

	*out = NULL;
	if (!uri || !*uri)
		return tims_err_set(err, TIMS_ERR_USAGE, "query store: no address given");
	if (strlen(uri) >= TIMS_CSTORE_MAX_URI)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "query store: address too long");
	if (!(s = calloc(1, sizeof(*s))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "query store: out of memory");
	pthread_mutex_init(&s->state_lock, NULL);
	s->since_ms = cs_now_ms();
	if (!strncmp(uri, "pg:", 3)) {
		s->backend = CS_PG;
		rc = open_pg(s, uri + 3, err);
	} else if (!strncmp(uri, "postgresql://", 13) || !strncmp(uri, "postgres://", 11)) {
		s->backend = CS_PG;
		rc = open_pg(s, uri, err);
	} else {
		s->backend = CS_SQLITE;
		rc = open_sqlite(s, strncmp(uri, "sqlite:", 7) ? uri : uri + 7, err);
	}
	if (!rc)
		rc = cs_exec(s, schema_meta, err);
	if (!rc)
		rc = cs_query(s, sql_version_get, 0, NULL, 0, version_row, version, NULL, err);
	if (!rc && (!strcmp(version, "1") || !strcmp(version, "2") || !strcmp(version, "3"))) {
		/* Schema 1 kept names, documents and birth dates in clear: the
		 * store is derived, so it is emptied and refilled from the
		 * mirrors (under the vault), never converted in place. Schema 2
		 * lacks the search indexes, made from the opened records, and
		 * schema 3 the statistics' columns: the same. */
		rc = cs_exec(s, s->backend == CS_PG ? drop_v1_pg : drop_v1_sqlite, err);
		/* SQLite: what was freed overwritten (secure_delete), the file
		 * rebuilt and the WAL emptied, so no old page is left */
		if (!rc && s->backend == CS_SQLITE)
			rc = cs_exec(s, "VACUUM; PRAGMA wal_checkpoint(TRUNCATE);", err);
		s->was_reset = 1;
		version[0] = '\0';
	}
	if (!rc && *version && strcmp(version, CS_SCHEMA_VERSION))
		rc = tims_err_set(err, TIMS_ERR_STATE,
				  "query store: schema version %s, this build knows %s",
				  version, CS_SCHEMA_VERSION);
	if (!rc)
		rc = cs_exec(s, schema, err);
	if (!rc)
		rc = cs_travel_schema(s, err);
	if (!rc)
		rc = cs_query(s, sql_version_put, 0, p, 1, NULL, NULL, NULL, err);
	if (rc) {
		tims_cstore_close(s);
		return rc;
	}
	*out = s;
	return TIMS_OK;
}

void tims_cstore_close(struct tims_cstore *s)
{
	if (!s)
		return;
	cs_flush(s, NULL);
	for (size_t i = 0; i < s->ncache; i++)
		if (s->cache[i].st)
			sqlite3_finalize(s->cache[i].st);
	if (s->db)
		sqlite3_close(s->db);
	if (s->pg)
		cs_pq.PQfinish(s->pg);
	pthread_mutex_destroy(&s->state_lock);
	free(s);
}

/* Forget what belonged to the lost connection: pending inserts, prepared
 * statements (PostgreSQL's are per connection), an open transaction. */
static void pg_forget(struct tims_cstore *s)
{
	for (size_t i = 0; i < CS_PIPE_MAX; i++) {
		free(s->pend[i].origin);
		s->pend[i].origin = NULL;
	}
	s->npend = 0;
	s->piped = 0;
	s->ncache = 0;
	s->in_tx = 0;
}

#define CS_BACKOFF_MIN_MS 250
#define CS_BACKOFF_MAX_MS 8000

tims_rc tims_cstore_reconnect(struct tims_cstore *s, int now, struct tims_err *err)
{
	int64_t t = cs_now_ms(), next;
	char m[200];
	tims_rc rc;

	if (s->backend != CS_PG)
		return TIMS_OK;
	pthread_mutex_lock(&s->state_lock);
	if (!s->down && cs_pq.PQstatus(s->pg) == CONNECTION_OK) {
		pthread_mutex_unlock(&s->state_lock);
		return TIMS_OK;
	}
	next = s->next_try_ms;
	snprintf(m, sizeof(m), "%s", s->last_error);
	pthread_mutex_unlock(&s->state_lock);
	if (!now && t < next)
		return tims_err_set(err, TIMS_ERR_NET, "query store (postgresql): unavailable (%s); "
				    "next attempt in %lld ms", m, (long long)(next - t));
	if (cs_pq.PQpipelineStatus(s->pg) != PQ_PIPELINE_OFF)
		cs_pq.PQexitPipelineMode(s->pg);
	pg_forget(s);
	cs_pq.PQreset(s->pg);
	if (cs_pq.PQstatus(s->pg) == CONNECTION_OK) {
		cs_pq.PQsetNoticeProcessor(s->pg, pg_quiet, NULL);
		rc = cs_exec(s, "SET client_min_messages = warning", err);
	} else {
		cs_flat(cs_pq.PQerrorMessage(s->pg), m, sizeof(m));
		rc = tims_err_set(err, TIMS_ERR_NET, "query store (postgresql): reconnect: %s", m);
	}
	pthread_mutex_lock(&s->state_lock);
	if (rc) {
		if (!s->down) {
			s->down = 1;
			s->since_ms = t;
		}
		s->failures++;
		s->last_error_ms = t;
		snprintf(s->last_error, sizeof(s->last_error), "%.199s", err ? err->msg : m);
		s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : CS_BACKOFF_MIN_MS;
		if (s->backoff_ms > CS_BACKOFF_MAX_MS)
			s->backoff_ms = CS_BACKOFF_MAX_MS;
		s->next_try_ms = t + s->backoff_ms;
	} else {
		s->down = 0;
		s->since_ms = t;
		s->reconnects++;
		s->backoff_ms = 0;
	}
	pthread_mutex_unlock(&s->state_lock);
	return rc ? TIMS_ERR_NET : TIMS_OK;
}

tims_rc tims_cstore_ping(struct tims_cstore *s, struct tims_err *err)
{
	if (s->backend != CS_PG || s->in_tx)
		return TIMS_OK;
	return cs_exec(s, "SELECT 1", err);
}

void tims_cstore_state(struct tims_cstore *s, struct tims_cstore_state *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&s->state_lock);
	out->up = !s->down;
	out->since_ms = s->since_ms;
	out->last_error_ms = s->last_error_ms;
	snprintf(out->last_error, sizeof(out->last_error), "%s", s->last_error);
	out->failures = s->failures;
	out->reconnects = s->reconnects;
	out->next_try_ms = s->down ? s->next_try_ms : 0;
	pthread_mutex_unlock(&s->state_lock);
}

const char *tims_cstore_backend(const struct tims_cstore *s)
{
	return s->backend == CS_PG ? "postgresql" : "sqlite";
}

tims_rc tims_cstore_begin(struct tims_cstore *s, struct tims_err *err)
{
	tims_rc rc;

	if (s->in_tx)
		return tims_err_set(err, TIMS_ERR_STATE, "query store: transaction already open");
	if ((rc = cs_exec(s, "BEGIN", err)))
		return rc;
	s->in_tx = 1;
	return TIMS_OK;
}

tims_rc tims_cstore_commit(struct tims_cstore *s, struct tims_err *err)
{
	tims_rc rc;

	if (!s->in_tx)
		return tims_err_set(err, TIMS_ERR_STATE, "query store: no transaction open");
	rc = cs_exec(s, "COMMIT", err);
	if (rc)
		tims_cstore_rollback(s);
	s->in_tx = 0;
	return rc;
}

void tims_cstore_rollback(struct tims_cstore *s)
{
	if (!s->in_tx)
		return;
	cs_exec(s, "ROLLBACK", NULL);
	s->in_tx = 0;
}

struct text1 {
	char v[80];
	int found;
};

static tims_rc text1_row(void *ctx, const struct cs_row *row)
{
	struct text1 *t = ctx;

	snprintf(t->v, sizeof(t->v), "%s", row->v[0] ? row->v[0] : "");
	t->found = 1;
	return TIMS_OK;
}

/* Whether the screening named a hit or failed (the dashboard's hit list):
 * the version 2 outcome, else version 1's summary text. */
/* The parts the record's hits named (1 << part), bit 0 a failed screening. */
static int record_hitparts(const struct tims_record *rec)
{
	int m = rec->screen_status == TIMS_SCREEN_FAILED;

	for (size_t i = 0; i < rec->nhits && i < TIMS_RECORD_MAX_HITS; i++)
		if (rec->hits[i].part < 8)
			m |= 1 << rec->hits[i].part;
	return m;
}

static int record_hit(const struct tims_record *rec)
{
	if (rec->nhits || rec->screen_status == TIMS_SCREEN_FAILED)
		return 1;
	return !rec->screen_status && rec->screening[0] && strcmp(rec->screening, "no hits") &&
	       strncmp(rec->screening, "not screened", 12);
}

tims_rc tims_cstore_add(struct tims_cstore *s, const char *origin,
			uint64_t index, uint64_t post_time_ms,
			const uint8_t leaf[32], const struct tims_record *rec,
			int *dup, struct tims_err *err)
{
	char hex[65], pv[3 * TIMS_RECORD_FIELD + 16];
	char doc_bi[TIMS_VAULT_BLIND_HEX] = "", person_bi[TIMS_VAULT_BLIND_HEX] = "";
	char dob_bi[TIMS_VAULT_BLIND_HEX] = "", skel_bi[TIMS_VAULT_BLIND_HEX] = "";
	char skel[TIMS_RECORD_FIELD];
	struct tims_buf json = TIMS_BUF_INIT(TIMS_RECORD_MAX_LINE);
	struct tims_buf sealed = TIMS_BUF_INIT(2 * TIMS_RECORD_MAX_LINE);
	int64_t when = (int64_t)post_time_ms;
	uint64_t changes = 0;
	struct text1 t = { "", 0 };
	tims_rc rc;

	if (dup)
		*dup = 0;
	if (!origin || !*origin || index > INT64_MAX || post_time_ms > INT64_MAX)
		return tims_err_set(err, TIMS_ERR_USAGE, "query store: bad origin or index");
	sodium_bin2hex(hex, sizeof(hex), leaf, 32);
	if (rec) {
		if ((rc = tims_record_to_json(rec, &json))) {
			rc = tims_err_set(err, rc, "query store: %s %" PRIu64 ": record too large",
					  origin, index);
			goto out;
		}
		when = tims_record_when(rec);
		if (!rec->crossed_ms && rec->corrects != TIMS_RECORD_NO_INDEX &&
		    rec->corrects <= INT64_MAX) {
			struct cs_param q[] = { CS_T(origin), CS_I(rec->corrects) };

			if ((rc = cs_query(s, sql_when, 1, q, 2, text1_row, &t, NULL, err)))
				goto out;
			if (t.found)
				when = cs_int(t.v);
		}
		/* Blind indexes need the token's index key (in memory once the
		 * vault is open: no token call per record). */
		cs_person_value(rec->person.surname, rec->person.given_names,
				rec->person.birth_date, pv, sizeof(pv));
		tims_name_search_key(rec->person.surname, skel, sizeof(skel));
		if ((rc = cs_blind(s, "doc", rec->person.doc_number, doc_bi, err)) ||
		    (rc = cs_blind(s, "person", pv, person_bi, err)) ||
		    (rec->person.birth_date[0] &&
		     (rc = cs_blind(s, "dob", rec->person.birth_date, dob_bi, err))) ||
		    (skel[0] && (rc = cs_blind(s, "skel", skel, skel_bi, err))) ||
		    (rc = cs_seal(s, origin, (int64_t)index, (int64_t)post_time_ms,
				  tims_buf_str(&json), json.len, &sealed, err)))
			goto out;
	}
	{
		struct cs_param p[] = {
			CS_T(origin), CS_I(index), CS_I(post_time_ms), CS_T(hex),
			CS_I(rec == NULL), CS_I(when),
			CS_I(rec ? rec->direction : 0), CS_I(rec ? rec->decision : 0),
			CS_T(rec ? rec->person.issuer : ""), CS_T(doc_bi), CS_T(person_bi),
			CS_T(rec ? rec->person.nationality : ""),
			CS_I(rec && rec->crossed_ms), CS_I(rec && record_hit(rec)),
			CS_N, CS_N, CS_T(dob_bi), CS_T(skel_bi),
			CS_I(rec ? rec->role : 0), CS_T(rec ? rec->vehicle.country : ""),
			CS_T(rec && rec->decision == TIMS_DECISION_REFUSE ? rec->refusal_code : ""),
			CS_I(rec ? record_hitparts(rec) : 0),
		};

		if (rec && rec->corrects != TIMS_RECORD_NO_INDEX)
			p[14] = (struct cs_param)CS_I(rec->corrects);
		if (rec)
			p[15] = (struct cs_param)CS_T(tims_buf_str(&sealed));
		/* PostgreSQL: a plain record inside a transaction is pipelined,
		 * its answer checked at the next statement or the commit. */
		if (s->backend == CS_PG && s->in_tx && !dup &&
		    (!rec || rec->corrects == TIMS_RECORD_NO_INDEX)) {
			rc = cs_send(s, sql_insert, p, 22, origin, (int64_t)index, hex, err);
			if (rc && rc != TIMS_ERR_TAMPER && rc != TIMS_ERR_NOMEM)
				rc = cs_failed(s, rc, err ? err->msg : "pipelined insert");
			goto out;
		}
		if ((rc = cs_query(s, sql_insert, 1, p, 22, NULL, NULL, &changes, err)))
			goto out;
	}
	if (!changes) {
		struct cs_param q[] = { CS_T(origin), CS_I(index) };

		t.found = 0;
		if ((rc = cs_query(s, cs_sql_leaf, 1, q, 2, text1_row, &t, NULL, err)))
			goto out;
		if (!t.found || sodium_memcmp(t.v, hex, 64) != 0) {
			rc = tims_err_set(err, TIMS_ERR_TAMPER,
					  "query store: %s %" PRIu64 ": a different entry is already "
					  "held at this index", origin, index);
			goto out;
		}
		if (dup)
			*dup = 1;
		goto out;
	}
	if (rec && rec->corrects != TIMS_RECORD_NO_INDEX && rec->corrects <= INT64_MAX) {
		struct cs_param q[] = { CS_T(origin), CS_I(rec->corrects), CS_I(index) };

		rc = cs_query(s, sql_correct, 1, q, 3, NULL, NULL, NULL, err);
	}
out:
	if (json.buf)
		sodium_memzero(json.buf, json.len);
	tims_buf_release(&json);
	tims_buf_release(&sealed);
	sodium_memzero(pv, sizeof(pv));
	sodium_memzero(skel, sizeof(skel));
	return rc;
}

tims_rc tims_cstore_count(struct tims_cstore *s, const char *origin,
			  uint64_t *n, struct tims_err *err)
{
	struct cs_param p[] = { CS_T(origin) };
	struct text1 t = { "", 0 };
	tims_rc rc;

	rc = cs_query(s, origin ? sql_count_origin : sql_count_all, 1, p, origin ? 1 : 0,
		      text1_row, &t, NULL, err);
	*n = rc ? 0 : (uint64_t)cs_int(t.v);
	return rc;
}

tims_rc tims_cstore_wipe(struct tims_cstore *s, struct tims_err *err)
{
	return cs_exec(s, "DELETE FROM crossings", err);
}

/* ------------------------------------------------------------------ */
/* What an origin lacks, and corrections of records indexed late.      */

/* One pass over the origin's keys: all held, held below size, the last below. */
static const char sql_extent[] =
	"SELECT COUNT(*), COALESCE(SUM(CASE WHEN idx < ?2 THEN 1 ELSE 0 END), 0),"
	" MAX(CASE WHEN idx < ?2 THEN idx END) FROM crossings WHERE origin = ?1";
/* Each held index with a hole just before it (islands and gaps). */
static const char sql_holes[] =
	"SELECT prev, idx FROM (SELECT idx, LAG(idx) OVER (ORDER BY idx) AS prev"
	" FROM crossings WHERE origin = ?1 AND idx < ?2) t"
	" WHERE (prev IS NULL AND idx > 0) OR prev < idx - 1 ORDER BY idx";

struct three {
	const char *v[3];
	char buf[3][32];
};

static tims_rc three_row(void *ctx, const struct cs_row *row)
{
	struct three *t = ctx;

	for (int i = 0; i < 3 && i < row->n; i++) {
		snprintf(t->buf[i], sizeof(t->buf[i]), "%s", row->v[i] ? row->v[i] : "");
		t->v[i] = row->v[i] ? t->buf[i] : NULL;
	}
	return TIMS_OK;
}

struct holes {
	tims_cstore_range_fn fn;
	void *ctx;
	uint64_t missing;
};

static tims_rc hole_row(void *ctx, const struct cs_row *row)
{
	struct holes *h = ctx;
	uint64_t lo = row->v[0] ? (uint64_t)cs_int(row->v[0]) + 1 : 0;
	uint64_t hi = (uint64_t)cs_int(row->v[1]);

	h->missing += hi - lo;
	return h->fn ? h->fn(h->ctx, lo, hi) : TIMS_OK;
}

tims_rc tims_cstore_missing(struct tims_cstore *s, const char *origin, uint64_t size,
			    tims_cstore_range_fn fn, void *ctx,
			    struct tims_cstore_extent *out, struct tims_err *err)
{
	struct cs_param p[] = { CS_T(origin), CS_I(size) };
	struct holes h = { fn, ctx, 0 };
	struct three all;
	uint64_t n, maxb;
	tims_rc rc;

	memset(out, 0, sizeof(*out));
	if (!origin || !*origin || size > INT64_MAX / 2)
		return tims_err_set(err, TIMS_ERR_USAGE, "query store: bad origin or size");
	memset(&all, 0, sizeof(all));
	if ((rc = cs_query(s, sql_extent, 1, p, 2, three_row, &all, NULL, err)))
		return rc;
	out->held = (uint64_t)cs_int(all.v[0]);
	n = (uint64_t)cs_int(all.v[1]);
	out->beyond = out->held - n;
	/* Indexes are unique: size of them below size is all of them. */
	if (n == size)
		return TIMS_OK;
	if (n && (rc = cs_query(s, sql_holes, 1, p, 2, hole_row, &h, NULL, err)))
		return rc;
	maxb = all.v[2] ? (uint64_t)cs_int(all.v[2]) + 1 : 0;
	if (maxb < size) {
		h.missing += size - maxb;
		if (fn && (rc = fn(ctx, maxb, size)))
			return rc;
	}
	out->missing = h.missing;
	return TIMS_OK;
}

static const char sql_corrections[] =
	"SELECT idx, corrects, own_time, erased FROM crossings WHERE origin = ?1 AND corrects >= ?2"
	" AND corrects < ?3 AND corrects IS NOT NULL";
static const char sql_set_when[] =
	"UPDATE crossings SET when_ms = ?3 WHERE origin = ?1 AND idx = ?2";

struct fix {
	uint64_t idx, corrects;
	int own_time;
};

struct fixes {
	struct fix *v;
	size_t n, cap;
};

static tims_rc fix_row(void *ctx, const struct cs_row *row)
{
	struct fixes *f = ctx;
	struct fix *x;

	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 64;
		struct fix *v = realloc(f->v, cap * sizeof(*v));

		if (!v)
			return TIMS_ERR_NOMEM;
		f->v = v;
		f->cap = cap;
	}
	x = &f->v[f->n++];
	x->idx = (uint64_t)cs_int(row->v[0]);
	x->corrects = (uint64_t)cs_int(row->v[1]);
	/* crossed_at: a time of its own (own_time); an erased correction
	 * keeps the time it has */
	x->own_time = cs_int(row->v[2]) != 0 || cs_int(row->v[3]) != 0;
	return TIMS_OK;
}

tims_rc tims_cstore_relink(struct tims_cstore *s, const char *origin, uint64_t lo,
			   uint64_t hi, struct tims_err *err)
{
	struct cs_param p[] = { CS_T(origin), CS_I(lo), CS_I(hi) };
	struct fixes f = { NULL, 0, 0 };
	tims_rc rc;

	if (!origin || lo > INT64_MAX || hi > INT64_MAX)
		return tims_err_set(err, TIMS_ERR_USAGE, "query store: bad origin or range");
	rc = cs_query(s, sql_corrections, 1, p, 3, fix_row, &f, NULL, err);
	if (rc == TIMS_ERR_NOMEM)
		rc = tims_err_set(err, rc, "query store: out of memory");
	for (size_t i = 0; !rc && i < f.n; i++) {
		struct cs_param q[] = { CS_T(origin), CS_I(f.v[i].corrects), CS_I(f.v[i].idx) };
		struct text1 t = { "", 0 };

		if ((rc = cs_query(s, sql_correct, 1, q, 3, NULL, NULL, NULL, err)) || f.v[i].own_time)
			continue;
		/* a correction without a time of its own takes the corrected one's */
		if (!(rc = cs_query(s, sql_when, 1, q, 2, text1_row, &t, NULL, err)) && t.found) {
			struct cs_param u[] = { CS_T(origin), CS_I(f.v[i].idx), CS_I(cs_int(t.v)) };

			rc = cs_query(s, sql_set_when, 1, u, 3, NULL, NULL, NULL, err);
		}
	}
	free(f.v);
	return rc;
}
