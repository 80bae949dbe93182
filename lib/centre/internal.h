/*
 * internal.h — the centre handle, shared by the lib/centre sources only.
 *
 * centre.c: the directory, keys, enrolment, revocation, events.
 * ingest.c: mirrors per origin, verified ingest, cosigning, indexing.
 * routes.c: the HTTPS API (sync routes under mutual TLS).
 * rebuild.c: pulling logs back from the posts.
 */
#ifndef TIMS_CENTRE_INTERNAL_H
#define TIMS_CENTRE_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>

#include "tims/centre.h"
#include "tims/audit.h"
#include "tims/cstore.h"

#define CENTRE_PATH_MAX 4096
#define CENTRE_MAX_POSTS 256

struct centre_mirror {
	char origin[TIMS_NOTE_MAX_NAME + 1];
	struct tims_verifier key;
	struct tims_sync_mirror *m;
	pthread_mutex_t lock;
	int64_t last_sync_ms;
};

struct tims_centre {
	char dir[CENTRE_PATH_MAX];
	char name[TIMS_CENTRE_NAME_MAX + 1];
	char store_uri[CENTRE_PATH_MAX];
	sqlite3 *db;                 /* centre.db */
	pthread_mutex_t db_lock;     /* db and the mirror table */
	struct tims_signer cosigner;
	struct tims_verifier cosign_vkey;
	struct tims_signer bundle_signer;  /* signs bundles to the posts */
	struct tims_verifier bundle_vkey;
	struct tims_cstore *store;
	struct tims_audit *audit;    /* audit.db, opened on first use */
	pthread_mutex_t audit_lock;
	pthread_mutex_t store_lock;
	pthread_mutex_t mirrors_lock; /* the mirrors array */
	struct centre_mirror *mirrors[CENTRE_MAX_POSTS];
	size_t nmirrors;
};

tims_rc centre_path(const struct tims_centre *c, const char *name, char *out,
		    struct tims_err *err);
tims_rc centre_db_err(struct tims_centre *c, const char *what,
		      struct tims_err *err);
/* The verifier key of an enrolled origin, and whether it is revoked. */
tims_rc centre_post_key(struct tims_centre *c, const char *origin,
			struct tims_verifier *key, int *revoked,
			struct tims_err *err);
/* A new roster key for a post: DIR/roster/NAME.key and OUT_DIR/roster.key. */
tims_rc centre_roster_key_issue(struct tims_centre *c, const char *post,
				const char *out_dir, struct tims_err *err);
/* The mirror of an origin (opened once, kept). */
tims_rc centre_mirror_get(struct tims_centre *c, const char *origin,
			  struct centre_mirror **out, struct tims_err *err);

/* tims_centre_ingest; rebuilding: a revoked post's log is taken too. */
tims_rc centre_ingest(struct tims_centre *c, const char *origin,
		      const struct tims_sync_batch *b, int rebuilding,
		      struct tims_centre_ingest *out, struct tims_err *err);

#endif
