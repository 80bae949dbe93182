/*
 * peers.h — the peers a post is configured to talk to, read from its
 * directory: the centre it is enrolled with (DIR/centre/enrolment.conf and
 * the files beside it) and its witnesses (DIR/witnesses.conf, one line
 * "URL CA_FILE VKEY_FILE" each, with the key hand-overs the post followed
 * in DIR/witnesses.follow). Read by the node's sync thread and by
 * `tims restore`, which asks them whether a restored post is behind.
 *
 * Bounded: at most TIMS_PEERS_MAX_WITNESSES witnesses, lines and fields of
 * the sizes below; a malformed file is an error naming it and the line
 * wanted, never a peer skipped.
 */
#ifndef TIMS_PEERS_H
#define TIMS_PEERS_H

#include <stddef.h>
#include <stdint.h>

#include "tims/err.h"
#include "tims/note.h"

#define TIMS_PEERS_MAX_WITNESSES 4

struct tims_peer_witness {
	char url[512];                 /* https://host:port */
	char ca[1024];                 /* its CA file */
	struct tims_verifier key;      /* its key, hand-overs followed */
};

/*
 * The witnesses of the post in dir, in the order of witnesses.conf. No
 * witnesses.conf: *n = 0. Each key is the one named in the file, followed
 * through witnesses.follow ("OLD-VKEY NEW-VKEY" lines) as far as it goes.
 */
TIMS_MUST_USE tims_rc tims_peers_witnesses(const char *dir, struct tims_peer_witness *out,
					   size_t cap, size_t *n, struct tims_err *err);

/* The key of one witness followed through dir/witnesses.follow. */
void tims_peers_witness_followed(const char *dir, struct tims_verifier *key);

struct tims_peer_centre {
	char url[512];                 /* its sync URL, https://host:port */
	char centre[TIMS_NOTE_MAX_NAME + 1]; /* its cosigner name */
	char name[256];                /* this post's enrolled name */
	char ca[4200], cert[4200], key[4200]; /* DIR/centre/ca.crt, client.crt, client.key */
	uint8_t server_pin[32];        /* SHA-256 of the centre server's key */
	int has_pin;                   /* 0: an enrolment made before pins */
};

/*
 * The centre the post in dir is enrolled with. TIMS_ERR_NOTFOUND: not
 * enrolled (no enrolment.conf); TIMS_ERR_INVALID: the file lacks url,
 * centre or name (named), or its pin is malformed.
 */
TIMS_MUST_USE tims_rc tims_peers_centre(const char *dir, struct tims_peer_centre *c,
					struct tims_err *err);

#endif
