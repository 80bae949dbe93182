/*
 * internal.h — the witness handle, shared by the lib/witness sources only:
 * state.c (directory, database, the add-checkpoint state machine) and
 * server.c (the HTTPS route over it).
 */
#ifndef TIMS_WITNESS_INTERNAL_H
#define TIMS_WITNESS_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>

#include "tims/log.h"
#include "tims/witness.h"

#define WITNESS_PATH_MAX 4096

enum witness_stmt {
	WST_BEGIN, WST_COMMIT, WST_ROLLBACK,
	WST_KEYS,       /* vkey by origin */
	WST_COUNT_KEYS, /* number of keys of an origin */
	WST_ADD_KEY,    /* origin, vkey, added_at */
	WST_ADD_LOG,    /* origin: a row at size 0 unless there is one */
	WST_GET,        /* size, root, cosigned_at by origin */
	WST_CAS,        /* the compare-and-swap of (size, root) */
	WST_REFUSE,     /* one evidence row */
	WST_TRIM,       /* keep the newest TIMS_WITNESS_MAX_REFUSALS rows */
	WST_LIST,       /* every log with its counts */
	WST_HO_ADD,     /* origin, vkey, added_at: a key handed over to */
	WST_HO_DROP,    /* origin, vkey: the key handed over from */
	WST_COUNT
};

/* What this process answered, per log (metrics.c); under mu. Logs past
 * WITNESS_COUNTED_MAX are counted in `other`. */
#define WITNESS_COUNTED_MAX 256
enum { WC_GIVEN, WC_UNTRUSTED, WC_CONFLICT, WC_INCONSISTENT, WC_OTHER, WC_N };
struct witness_counted {
	char origin[TIMS_NOTE_MAX_NAME + 1];
	uint64_t n[WC_N];
};
struct witness_counts {
	struct witness_counted log[WITNESS_COUNTED_MAX];
	size_t nlog;
	uint64_t other[WC_N];   /* past the table's capacity */
	uint64_t bad_request, unknown_log, errors;
};

struct tims_witness {
	char dir[WITNESS_PATH_MAX];
	sqlite3 *db;
	sqlite3_stmt *st[WST_COUNT];
	struct tims_signer signer;
	int has_signer;
	struct tims_verifier verifier;
	struct tims_buf tls_cert;   /* PEM */
	struct tims_buf tls_key;    /* PEM, wiped on free */
	pthread_mutex_t mu;         /* one request at a time on db and signer */
	tims_witness_log_fn log;
	void *log_ctx;
	struct witness_counts counts; /* metrics.c, under mu */
};

/* Count one add-checkpoint answer (mu held): status as answered, rc as
 * tims_witness_submit returned, origin as parsed (read only when the
 * status says the log was found). */
void witness_count(struct tims_witness *w, const char *origin, int status, tims_rc rc);
/* GET /metrics: the Prometheus text (metrics.c). */
tims_rc witness_metrics(struct tims_witness *w, struct tims_buf *out, struct tims_err *err);

/* {"announcements": [NOTE, ...]}: DIR/announcements in order (rotate.c). */
tims_rc witness_announcements(const char *dir, struct tims_buf *out, struct tims_err *err);
/* A revoked origin or key on the centre's list this witness holds
 * (revocations.c): 1, with why. */
int witness_revoked(struct tims_witness *w, const char *origin,
		    const struct tims_verifier *keys, size_t n, char *why, size_t cap);

/* Send one line to the log sink, if any (printf-style). */
void witness_log(struct tims_witness *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The same at a level of tims/log.h (witness_log: info). */
void witness_logl(struct tims_witness *w, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
