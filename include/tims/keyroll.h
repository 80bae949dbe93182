/*
 * keyroll.h — a centre key's successor, announced under the key it
 * replaces (docs/keys.md, "Rotating signing keys").
 *
 * The centre's cosigner key and its bundle key are pinned by every post
 * (DIR/centre/cosign.vkey, DIR/centre/bundle.vkey, from the enrolment).
 * `tims centre rotate-key DIR cosigner|bundle` makes a new key and an
 * announcement, a C2SP signed note whose text is fixed lines
 *
 *   tims key-announcement v1
 *   centre NAME
 *   role bundle|cosigner|witness
 *   old OLD-VKEY
 *   new NEW-VKEY
 *   time T                  (seconds since 1970, when it was made)
 *   overlap-until U         (until then a post accepts the old key too)
 *
 * signed by the old key and by the new one (a cosigner key, algorithm 0x04,
 * signs it as the Ed25519 note key of the same public key: the text starts
 * "tims key-announcement", never "cosignature/v1", so the two kinds of
 * signature cannot be taken for one another). Posts fetch the centre's
 * announcements with sync (GET /api/v1/sync/keys) or take one by hand
 * (`tims post apply-bundle DIR FILE`). A post follows an announcement only
 * from the key it holds: it then pins the new key, and accepts the old one
 * as well until overlap-until; a statement under any other key is refused.
 */
#ifndef TIMS_KEYROLL_H
#define TIMS_KEYROLL_H

#include <stddef.h>
#include <stdint.h>

#include "tims/buf.h"
#include "tims/err.h"
#include "tims/note.h"

#define TIMS_KEYROLL_HEADER "tims key-announcement v1\n"

struct tims_keyroll {
	char centre[TIMS_NOTE_MAX_NAME + 1];
	char role[16];                 /* "bundle", "cosigner" or "witness" */
	struct tims_verifier old, next; /* as the post pins them (0x01 or 0x04) */
	int64_t time_s, until_s;
};

/* The note, signed by old and next (appended to out). */
TIMS_MUST_USE tims_rc tims_keyroll_make(const char *centre, const char *role,
			const struct tims_signer *old, const struct tims_signer *next,
			int64_t time_s, int64_t until_s, struct tims_buf *out,
			struct tims_err *err);

/* Parse strictly and check both signatures. TIMS_ERR_NOTFOUND (no message)
 * when the text is not an announcement at all. */
TIMS_MUST_USE tims_rc tims_keyroll_parse(const char *note, size_t len, struct tims_keyroll *k,
					 struct tims_err *err);

/*
 * At a post (cdir = DIR/centre): follow the announcement when it is for
 * centre `centre` and hands over from the key pinned for its role: the
 * pinned file (cosign.vkey, bundle.vkey) becomes the new key and ROLE.prev
 * keeps the old one with its overlap ("VKEY\nuntil U\n"), both written
 * durably. *applied = 0 when it was followed already (the new key is the
 * one pinned). TIMS_ERR_SIGNATURE when it hands over from a key this post
 * does not pin (another centre's, a forger's, or one already replaced).
 */
TIMS_MUST_USE tims_rc tims_keyroll_apply(const char *cdir, const char *centre, const char *note,
					 size_t len, int *applied, struct tims_err *err);

/*
 * The keys a post accepts now for a role: the pinned one, then the
 * previous one while now_s < its overlap-until. keys has room for 2.
 */
TIMS_MUST_USE tims_rc tims_keyroll_keys(const char *cdir, const char *role, int64_t now_s,
					struct tims_verifier keys[2], size_t *n,
					struct tims_err *err);

#define TIMS_KEYROLL_MAX_NOTES 256

/* How many announcements (NAME.note files, NAME shorter than 60 bytes) DIR
 * holds: the next one is written as NNNN.note with NNNN = count + 1. */
int tims_keyroll_count(const char *dir);
/* {"announcements": [NOTE, ...]}: DIR's announcements in the order of their
 * names (at most TIMS_KEYROLL_MAX_NOTES), appended to out. */
tims_rc tims_keyroll_list(const char *dir, struct tims_buf *out, struct tims_err *err);

#endif
