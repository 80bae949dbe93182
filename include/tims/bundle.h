/*
 * bundle.h — what the centre sends down to posts: versioned, signed
 * bundles (docs/bundles.md). A post checks the signature, that the bundle
 * is newer than what it holds, and the payload's hash before applying one.
 *
 * A bundle travels as JSON {"note": SIGNED_NOTE, "payload": TEXT}. The
 * note's text is fixed lines, signed by the centre's bundle key (Ed25519,
 * a C2SP signed note):
 *
 *   tims bundle v1
 *   centre NAME
 *   kind watchlist
 *   list NAME
 *   list-kind persons|documents|vehicles
 *   base B             (a delta only) what changed after version B
 *   base-digest HEX    (a delta only) the digest of version B
 *   version N          the list's version at the centre (> 0)
 *   digest HEX         the digest of version N (watchlist.h, "Lineage")
 *   prev HEX           the digest of the version before N at the centre
 *   content HEX        SHA-256 of the whole list at version N
 *   actor ID           who made version N at the centre ("-": not recorded)
 *   threshold T        the list's threshold for person hits at version N
 *   time T             seconds since 1970 when the centre made it
 *   sha256 HEX         of the payload
 *
 * (the digest lines in watchlist bundles only; digest is checked against
 * list, list-kind, version, prev and content when the bundle is opened.)
 *
 * The payload of a watchlist bundle is the list's active entries as JSON
 * Lines (docs/watchlists.md); applying it makes the post's list equal to
 * the centre's at that version (entries absent are removed).
 *
 * An officer roster is made for one post: its text has "kind officers" and
 * "post NAME" in place of the list lines, and its payload is the roster
 * (tims_officer_roster_export) sealed with XChaCha20-Poly1305 under the
 * post's roster key (32 bytes issued at enrolment, held by the centre and
 * by that post only), base64. A copy carried by hand or seen on the wire
 * gives neither password hashes nor TOTP keys away, and opens only at the
 * post it was made for.
 */
#ifndef TIMS_BUNDLE_H
#define TIMS_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "tims/buf.h"
#include "tims/err.h"
#include "tims/note.h"
#include "tims/watchlist.h"

#define TIMS_BUNDLE_MAX (256u << 20) /* bytes of one bundle */
#define TIMS_BUNDLE_ROSTER_KEY_BYTES 32
#define TIMS_BUNDLE_NAME_MAX 64 /* a list name, or a post's name (TIMS_CENTRE_NAME_MAX) */
_Static_assert(TIMS_BUNDLE_NAME_MAX >= TIMS_WL_LIST_NAME_MAX, "bundle names hold list names");

struct tims_bundle {
	char centre[TIMS_NOTE_MAX_NAME + 1];
	char kind[16];                          /* "watchlist", "officers", "arrivals" */
	char list[TIMS_BUNDLE_NAME_MAX + 1];    /* list name, or the post's name */
	char airport[4];                        /* arrivals: the airport (IATA) */
	enum tims_wl_kind list_kind;
	uint64_t version;
	uint64_t base;           /* a watchlist delta from this version; 0: whole list */
	int64_t time_s;
	uint8_t sha256[32];
	/* watchlists: the lineage (tims_wl_digest) */
	uint8_t base_digest[32]; /* a delta: the digest of version `base` */
	uint8_t digest[32], prev[32], content[32];
	char actor[TIMS_WL_ACTOR_MAX + 1]; /* watchlists: who made version N at the centre */
	double threshold;        /* watchlists: the list's threshold at the centre */
	char *payload;           /* owned; NUL-terminated */
	size_t payload_len;
	char *note;              /* owned: the signed note, as received */
	size_t note_len;
};

void tims_bundle_release(struct tims_bundle *b);

/*
 * Make the bundle of one list of a watchlist store (the centre's): the
 * whole list, or with since > 0 (a version the post holds) a delta, what
 * changed after that version: its text has a "base SINCE" line after
 * list-kind, its payload the changed entries and {"ref", "removed": true}
 * for the removed ones (tims_wl_dump_since). since at or past the list's
 * version gives the whole list.
 */
tims_rc tims_bundle_watchlist(struct tims_wl *wl, const char *list, uint64_t since,
			      const char *centre, const struct tims_signer *key,
			      struct tims_buf *out, struct tims_err *err);

/*
 * Open a bundle: parse the JSON strictly, verify the note with `key`, parse
 * its text strictly, check that it names `centre` and that the payload
 * hashes to its sha256. TIMS_ERR_SIGNATURE for a forged or foreign one,
 * TIMS_ERR_TAMPER for a payload that is not the one signed.
 */
tims_rc tims_bundle_open(const char *json, size_t len,
			 const struct tims_verifier *key, const char *centre,
			 struct tims_bundle *b, struct tims_err *err);
/* The same with the keys a post accepts now (1 to 8: the bundle key, and
 * during a key rotation's overlap its predecessor; tims/keyroll.h): signed
 * by any one of them (and every line of a given key must verify). */
tims_rc tims_bundle_open_keys(const char *json, size_t len,
			      const struct tims_verifier *key, size_t nkeys, const char *centre,
			      struct tims_bundle *b, struct tims_err *err);

/* Seal and sign the roster of one post (the centre's side). */
tims_rc tims_bundle_roster(const char *roster, size_t len, const char *centre,
			   const char *post, uint64_t version,
			   const uint8_t key[TIMS_BUNDLE_ROSTER_KEY_BYTES],
			   const struct tims_signer *signer, struct tims_buf *out,
			   struct tims_err *err);
/*
 * Seal and sign the pre-screened arrivals of one airport post (the
 * centre's side; tims/prescreen.h): text "kind arrivals", "post NAME",
 * "airport XXX" (three capital letters), the payload sealed as a roster's
 * under the post's roster key, its associated data naming the post and
 * the airport ("tims arrivals v1\npost NAME\nairport XXX\n"): a sealed
 * roster does not open as arrivals, nor another post's arrivals here.
 */
tims_rc tims_bundle_arrivals(const char *lines, size_t len, const char *centre,
			     const char *post, const char *airport, uint64_t version,
			     const uint8_t key[TIMS_BUNDLE_ROSTER_KEY_BYTES],
			     const struct tims_signer *signer, struct tims_buf *out,
			     struct tims_err *err);
/* Open the payload of an opened "officers" (or "arrivals") bundle with the
 * post's key. */
tims_rc tims_bundle_roster_open(const struct tims_bundle *b,
				const uint8_t key[TIMS_BUNDLE_ROSTER_KEY_BYTES],
				struct tims_buf *roster, struct tims_err *err);

/*
 * Apply an opened roster to a post's officer store: refused unless it was
 * made for `post` (the post's enrolled name) and is newer than `held`.
 */
struct tims_officers;
struct tims_roster_result;
tims_rc tims_bundle_apply_roster(struct tims_officers *o, const struct tims_bundle *b,
				 const char *post,
				 const uint8_t key[TIMS_BUNDLE_ROSTER_KEY_BYTES],
				 uint64_t held, struct tims_roster_result *res,
				 struct tims_err *err);

/*
 * What a post holds: DIR/bundles.db remembers, per (kind, list), the
 * version, its digest and the centre time of the last bundle applied, and
 * when; and the alert raised by a bundle refused as diverged. get gives
 * zeros for a list never received.
 */
struct tims_bundle_held {
	uint64_t version;
	uint64_t base;           /* a watchlist delta from this version; 0: whole list */
	int64_t time_s;       /* the centre's time in the bundle */
	int64_t applied_ms;
	bool has_digest;         /* digest is known (a list applied with its lineage) */
	uint8_t digest[32];
	char alert[240];         /* "" or why a bundle was refused as diverged */
	uint8_t alert_digest[32];/* the refused version's digest */
	bool has_note;           /* the signed note of the version is kept */
	bool repair;             /* (set by the caller) tims_bundle_apply repairs */
};

/*
 * Apply an opened watchlist bundle to a store over what is held (its
 * version and digest):
 * - version == held's with the same digest, or below held's without a
 *   known digest: TIMS_ERR_REPLAY (nothing to do, or an old one replayed);
 * - version <= held's with another digest: TIMS_ERR_TAMPER, the centre's
 *   list is not the one this post holds (restored from an old copy or
 *   imported again): refused, nothing changed — raise it as an alert;
 * - a delta applies only over exactly its base version with the base's
 *   digest, and must leave the list with the content it names:
 *   TIMS_ERR_STATE otherwise (fetch the whole list);
 * - a whole list newer than held's is applied (the list becomes the
 *   centre's), and its content checked.
 */
tims_rc tims_bundle_apply(struct tims_wl *wl, const struct tims_bundle *b,
			  const struct tims_bundle_held *held, struct tims_err *err);

/*
 * A post's whole step: what DIR holds, tims_bundle_apply, then the new
 * version and digest recorded and any alert cleared; a TIMS_ERR_TAMPER
 * refusal records its alert in DIR/bundles.db (shown by
 * tims_bundle_held_json, so in the post's status) and is returned.
 */
tims_rc tims_bundle_apply_held(const char *dir, struct tims_wl *wl,
			       const struct tims_bundle *b, struct tims_err *err);
/*
 * A repair (docs/bundles.md, "Integrity at the post"): as apply_held, and a
 * whole list of the very version held (same digest) is applied too, over a
 * copy that no longer matches it.
 */
tims_rc tims_bundle_repair_held(const char *dir, struct tims_wl *wl,
				const struct tims_bundle *b, struct tims_err *err);

/*
 * Check every centre list a post holds against the signed note of the
 * version held (kept in DIR/bundles.db when it was applied): the note
 * verifies with `key` and names `centre`, it is the version and digest
 * held, and the copy in wl has its kind, threshold and content (tims_wl_content_hash;
 * wl NULL: there is no store, every list is missing).
 * fn is called once per list with the verdict; *checked counts them.
 * TIMS_OK unless bundles.db itself cannot be read.
 */
struct tims_bundle_verdict {
	char list[TIMS_BUNDLE_NAME_MAX + 1];
	uint64_t version;
	bool ok;
	char reason[240];        /* why not */
};
typedef void (*tims_bundle_verdict_fn)(void *ctx, const struct tims_bundle_verdict *v);
tims_rc tims_bundle_verify_held(const char *dir, struct tims_wl *wl,
				const struct tims_verifier *key, const char *centre,
				tims_bundle_verdict_fn fn, void *ctx, size_t *checked,
				struct tims_err *err);
tims_rc tims_bundle_verify_held_keys(const char *dir, struct tims_wl *wl,
				     const struct tims_verifier *key, size_t nkeys,
				     const char *centre, tims_bundle_verdict_fn fn, void *ctx,
				     size_t *checked, struct tims_err *err);

/* Whether `list` came from the centre to the post at DIR (held in
 * DIR/bundles.db): such a list is not changed at the post. An unreadable
 * bundles.db answers true (the change is refused). */
bool tims_bundle_is_centre_list(const char *dir, const char *list);

/* The last version of a post-local list reported to the centre (0: none),
 * kept in DIR/bundles.db. */
tims_rc tims_bundle_local_reported(const char *dir, const char *list, uint64_t *version,
				   struct tims_err *err);
tims_rc tims_bundle_local_reported_set(const char *dir, const char *list, uint64_t version,
				       struct tims_err *err);

tims_rc tims_bundle_held_get(const char *dir, const char *kind, const char *list,
			     struct tims_bundle_held *h, struct tims_err *err);
tims_rc tims_bundle_held_set(const char *dir, const struct tims_bundle *b,
			     struct tims_err *err);
/* Every list held, as JSON [{"kind","list","version","time_s","applied_ms",
 * "digest"?: the first 12 hex digits, "alert"?: TEXT, "actor"?: who made
 * the version at the centre}]. */
struct json_t;
struct json_t *tims_bundle_held_json(const char *dir);

#endif
