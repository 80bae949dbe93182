/*
 * sync_int.h — the post's sync state, shared by the files of its sync
 * thread: sync.c (the rounds with the centre and the witnesses), travel.c
 * (the national travel replica), export.c (what the centre pulls back).
 */
#ifndef TIMS_NODE_SYNC_INT_H
#define TIMS_NODE_SYNC_INT_H

#include <sodium.h>
#include <sys/stat.h>
#include <stdatomic.h>
#include <time.h>

#include "tims/bundle.h"
#include "tims/keyroll.h"
#include "tims/event.h"
#include "tims/mlog.h"
#include "tims/national.h"
#include "tims/revocation.h"
#include "tims/sync.h"
#include "tims/util.h"
#include "tims/witness.h"
#include "internal.h"

#define SYNC_MAX_WITNESSES 4
#define ANSWER_MAX (64u << 10)
#define INTERVAL_MS 1000          /* a round */
#define CENTRE_TIMEOUT_MS 30000   /* one request to the centre */
#define WITNESS_TIMEOUT_MS 10000  /* one request to a witness */
#define ONLINE_MIN_MS 5000        /* silence after which the centre is not online */
#define WITNESS_BACKOFF 30        /* a down witness: retried at most every 30 rounds */

struct witness_conf {
	char url[512];
	char ca[1024];
	struct tims_verifier key;
	/* state, under n->lock */
	int tried;                /* asked at least once by this process */
	int ok;                   /* the last request got a cosignature */
	uint64_t cosigned_size;   /* the latest size it cosigned (kept in post.db) */
	int64_t cosigned_ms;      /* when its latest cosignature came (this process) */
	int64_t last_try_ms;
	int64_t asking_since_ms;  /* a request in progress since, 0: none */
	char last_error[TIMS_ERR_MSG_BYTES];
	int revoked;              /* on the centre's revocation list: not asked */
	/* the witness thread's own */
	unsigned failures;
	int64_t next_try_ms;
	/* the audit log's checkpoints (ask_witness_audit), state under n->lock */
	char acosigner[TIMS_NOTE_MAX_NAME + 8]; /* "audit:" + its key name */
	uint64_t audit_cosigned_size;
	char audit_error[TIMS_ERR_MSG_BYTES];
	uint64_t audit_shown;     /* the size whose refusal was logged, +1 */
	uint64_t audit_refused;   /* the size it refused, +1: not asked again for it */
	int64_t audit_next_ms;    /* nor before this (WITNESS_BACKOFF rounds) */
};

struct node_sync {
	struct tims_node *n;
	struct tims_post *post;   /* the centre thread's own handle (read mode) */
	struct tims_post *wpost;  /* the witness thread's own handle */
	struct tims_sync_conn *conn; /* the centre thread's connection to the centre */
	pthread_t thread, wthread;
	int running, wrunning;
	atomic_int stop;          /* node_sync_stop: give up requests in flight */
	/* config */
	int enrolled;
	char url[512];
	char centre[TIMS_NOTE_MAX_NAME + 1];
	char name[TIMS_BUNDLE_NAME_MAX + 1];   /* this post's enrolled name */
	char ca[4200], cert[4200], key[4200];
	struct tims_verifier centre_key;
	struct tims_verifier bundle_key;
	int has_bundle_key;
	/* the keys accepted now: the pinned one and, during a rotation's
	 * overlap, its predecessor (tims/keyroll.h) */
	struct tims_verifier centre_keys[2], bundle_keys[2];
	size_t ncentre_keys, nbundle_keys;
	int64_t keys_fetched_ms;         /* the key announcements: last asked for */
	_Atomic int64_t bundles_asked_ms; /* the centre's bundle list last answered (metrics.c) */
	struct witness_conf w[SYNC_MAX_WITNESSES];
	size_t nw;
	uint64_t interval_ms, centre_timeout_ms, witness_timeout_ms;
	uint64_t revocations_ms;  /* the revocation lists: asked for this often */
	int64_t renew_next_ms;    /* a failed certificate renewal: tried again then */
	ino_t cert_ino;           /* the client certificate the connection uses */
	time_t cert_mtime_s;
	long cert_mtime_ns;
	uint64_t revocation_version; /* the signed list held (trust.c) */
	const struct tims_tls_policy *policy; /* the centre's identity (identity.c) */
	/* state, under n->lock */
	char alert[TIMS_ERR_MSG_BYTES];  /* the centre's identity refused, or "" */
	int64_t alert_since_ms;
	uint64_t crl_number;
	int64_t crl_fetched_ms;          /* the revocation list: last asked for */
	int online;
	int64_t since_ms;         /* online or offline since */
	int64_t last_ok_ms;       /* the centre's last answer */
	int known;                /* centre_size is an answer of the centre */
	uint64_t centre_size;     /* records the centre confirmed holding */
	uint64_t centre_signed;   /* the post-signed checkpoint it holds */
	uint64_t rounds;          /* rounds of the centre thread */
	uint64_t pushes;          /* batches pushed */
	char last_error[TIMS_ERR_MSG_BYTES];
	/* the national travel replica (pull_travel): its own handle, and what
	 * the status route shows, under n->lock */
	struct tims_national *national;
	uint64_t national_cursor;
	int64_t national_as_of_ms;
	char national_error[TIMS_ERR_MSG_BYTES];
	/* the centre thread's own */
	uint64_t rollback_shown;  /* size whose divergence the centre saw, +1 */
	uint64_t cosign_asked;    /* checkpoint size the centre answered complete for */
	/* the audit log's push (audit_round): its own reading handle; what the
	 * status route shows under n->lock */
	struct tims_audit *audit;
	struct tims_audit *waudit; /* the witness thread's own */
	uint64_t audit_centre_size, audit_centre_signed, audit_size, audit_pushes;
	char audit_error[TIMS_ERR_MSG_BYTES];
	uint64_t audit_shown;     /* size whose refusal was logged, +1 */
	int64_t audit_shown_ms;   /* when the centre was last shown a divergence */
	uint64_t audit_cosign_asked;
	char audit_cosigner[TIMS_NOTE_MAX_NAME + 8]; /* "audit:" + the centre's name */
};

static inline const char *jstr(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : "";
}

static inline int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* travel.c: a round's pull of the national travel history, and what the
 * replica says when the centre is not reached */
void node_sync_pull_travel(struct node_sync *s, const struct tims_sync_peer *peer);
void node_sync_travel_offline(struct node_sync *s, const char *error);
/* bundles.c: a round's bundles (watchlists, roster) from the centre */
void node_sync_pull_bundles(struct node_sync *s);
/* sync.c: a refusal of something the centre's list revokes, as an event */
void node_sync_revoked_event(struct node_sync *s, const char *detail);

#endif
