/*
 * internal.h — the query store's private parts: one small statement layer
 * over SQLite and libpq, so that the store's SQL is written once.
 *
 * SQL is written with numbered parameters ?1, ?2 ...; the PostgreSQL side
 * rewrites them to $1, $2. Every value comes back as text (NULL for SQL
 * NULL), as libpq gives it; SQLite converts. Statements named by a static
 * string are prepared once and cached by that pointer.
 */
#ifndef TIMS_CSTORE_INTERNAL_H
#define TIMS_CSTORE_INTERNAL_H

#include <libpq-fe.h>
#include <pthread.h>
#include <sqlite3.h>

#include "tims/buf.h"
#include "tims/cstore.h"
#include "tims/vault.h"

#define CS_MAX_COLS 16
#define CS_CACHE 24
#define CS_MAX_PARAMS 24

/* libpq's functions, loaded by cs_pq_load (pq.c) when the first store on
 * PostgreSQL is opened: the program does not link libpq. Calls go through
 * this table (cs_pq.PQexec ...); a name missing from it is a link error. */
#define CS_PQ_FN(name) __typeof__(name) *name
struct cs_pq {
	int loaded;
	CS_PQ_FN(PQconnectdbParams);
	CS_PQ_FN(PQstatus);
	CS_PQ_FN(PQerrorMessage);
	CS_PQ_FN(PQsetNoticeProcessor);
	CS_PQ_FN(PQfinish);
	CS_PQ_FN(PQreset);
	CS_PQ_FN(PQexec);
	CS_PQ_FN(PQexecParams);
	CS_PQ_FN(PQprepare);
	CS_PQ_FN(PQexecPrepared);
	CS_PQ_FN(PQsendQueryPrepared);
	CS_PQ_FN(PQgetResult);
	CS_PQ_FN(PQresultStatus);
	CS_PQ_FN(PQresultErrorMessage);
	CS_PQ_FN(PQclear);
	CS_PQ_FN(PQntuples);
	CS_PQ_FN(PQnfields);
	CS_PQ_FN(PQgetvalue);
	CS_PQ_FN(PQgetisnull);
	CS_PQ_FN(PQcmdTuples);
	CS_PQ_FN(PQenterPipelineMode);
	CS_PQ_FN(PQexitPipelineMode);
	CS_PQ_FN(PQpipelineSync);
	CS_PQ_FN(PQpipelineStatus);
};
#undef CS_PQ_FN
extern struct cs_pq cs_pq;
/* load libpq once for the process; an error names what is missing */
tims_rc cs_pq_load(struct tims_err *err);

enum cs_backend { CS_SQLITE = 1, CS_PG = 2 };
enum cs_type { CS_NULL = 0, CS_INT = 1, CS_TEXT = 2 };

struct cs_param {
	int type;
	int64_t i;
	const char *s;
};

#define CS_I(v) { CS_INT, (int64_t)(v), NULL }
#define CS_T(v) { CS_TEXT, 0, (v) }
#define CS_N { CS_NULL, 0, NULL }

struct cs_row {
	int n;
	const char *v[CS_MAX_COLS]; /* NULL for SQL NULL */
};

typedef tims_rc (*cs_row_fn)(void *ctx, const struct cs_row *row);

struct cs_cached {
	const char *sql;       /* the static string it was prepared from */
	sqlite3_stmt *st;
	char name[16];         /* PostgreSQL prepared statement name */
};

/* An insert sent in PostgreSQL pipeline mode, its answer not yet read. */
struct cs_pending {
	char *origin;
	int64_t idx;
	char leaf[65];
};
#define CS_PIPE_MAX 256

struct tims_cstore {
	int backend;
	struct tims_vault *vault;        /* the centre's; not owned */
	int was_reset;                   /* a schema-1 store was emptied at open */
	sqlite3 *db;
	PGconn *pg;
	struct cs_cached cache[CS_CACHE];
	size_t ncache;
	int in_tx;
	int piped;                       /* PostgreSQL pipeline mode is on */
	struct cs_pending pend[CS_PIPE_MAX];
	size_t npend;
	/* What tims_cstore_state reports; read from any thread. */
	pthread_mutex_t state_lock;
	int down;                        /* PostgreSQL: the connection is lost */
	int64_t since_ms;                /* opened, lost or regained at */
	int64_t last_error_ms;
	char last_error[200];
	uint64_t failures, reconnects;
	int64_t next_try_ms, backoff_ms; /* reconnection attempts */
};

/*
 * A statement failed: note it for tims_cstore_state; with PostgreSQL, a
 * connection found lost marks the store down. Returns rc, or TIMS_ERR_NET
 * when the connection is gone (so callers can tell "unavailable").
 */
tims_rc cs_failed(struct tims_cstore *s, tims_rc rc, const char *msg);
int64_t cs_now_ms(void);

/* SELECT leaf FROM crossings WHERE origin = ?1 AND idx = ?2 */
extern const char cs_sql_leaf[];

/*
 * PostgreSQL only: send an insert of crossing (origin, idx) with leaf (hex)
 * without waiting for its answer (libpq pipeline mode), so that a batch
 * costs one round trip, not one a record. The answers are read by
 * cs_flush, which every other statement calls first; an insert that found
 * the row already there is then checked as a synchronous one is: the same
 * leaf is a duplicate, another leaf TIMS_ERR_TAMPER.
 */
tims_rc cs_send(struct tims_cstore *s, const char *sql, const struct cs_param *p, int np,
		const char *origin, int64_t idx, const char *leaf_hex, struct tims_err *err);
tims_rc cs_flush(struct tims_cstore *s, struct tims_err *err);

/* Run a script of statements without parameters (schema). */
tims_rc cs_exec(struct tims_cstore *s, const char *sql, struct tims_err *err);

/*
 * Run one statement with parameters, calling fn for each row (fn may be
 * NULL); *changes (if not NULL) is the number of rows written. `cached`:
 * sql is a static string, prepare it once.
 */
tims_rc cs_query(struct tims_cstore *s, const char *sql, int cached,
		 const struct cs_param *p, int np, cs_row_fn fn, void *ctx,
		 uint64_t *changes, struct tims_err *err);

/* A text value as an integer (0 for NULL or junk: values are our own). */
int64_t cs_int(const char *v);

/* A driver's message on one line (newlines and tabs to spaces). */
void cs_flat(const char *msg, char *out, size_t outsz);

/* The national feed's table and triggers, and its first filling (travel.c). */
tims_rc cs_travel_schema(struct tims_cstore *s, struct tims_err *err);

/* The "visa" of a record's JSON as the stay rule takes it (kind NONE when
 * there is none); 0 if the JSON or its visa is malformed (then NONE). */
int cs_record_visa(const char *record_json, struct tims_stay_visa *out);
int cs_record_visa_json(json_t *rec, struct tims_stay_visa *out);
/* A string of the record's "person" object ("" when absent). */
const char *cs_rec_str(json_t *rec, const char *key);

/*
 * Personal data at rest (seal.c). cs_readable: the vault is there and can
 * open and blind (tried again once if its token was unavailable), else
 * TIMS_ERR_UNAVAILABLE (TIMS_ERR_STATE without a vault). cs_seal: the
 * record's JSON sealed under associated data "cstore.crossings/ORIGIN/IDX",
 * as base64 text (the statement layer is text). cs_open: the reverse, the
 * JSON (NUL-terminated) in out. cs_blind: the blind index (hex) of value
 * in domain.
 */
tims_rc cs_readable(struct tims_cstore *s, struct tims_err *err);
tims_rc cs_seal(struct tims_cstore *s, const char *origin, int64_t idx, int64_t time_ms,
		const char *json, size_t len, struct tims_buf *out, struct tims_err *err);
tims_rc cs_open(struct tims_cstore *s, const char *origin, int64_t idx, const char *b64,
		struct tims_buf *out, struct tims_err *err);
tims_rc cs_blind(struct tims_cstore *s, const char *domain, const char *value,
		 char out[TIMS_VAULT_BLIND_HEX], struct tims_err *err);
/* The person key the "person" index is made of: normalised surname "|"
 * normalised given names "|" birth date. */
void cs_person_value(const char *surname, const char *given, const char *birth_date,
		     char *out, size_t outsz);
/* A sealed row opened as the record's JSON object (NULL: not opened, err set). */
json_t *cs_open_json(struct tims_cstore *s, const char *origin, const char *idx,
		     const char *b64, struct tims_err *err);

/* Upper-case ASCII, collapse runs of spaces and '<' to one space, trim. */
void cs_name_key(const char *in, char *out, size_t outsz);

#endif
