/*
 * bundle.c — signed, versioned bundles from the centre to the posts
 * (tims/bundle.h, docs/bundles.md): making one from the centre's
 * watchlist store, opening one strictly (signature, fields, payload hash),
 * applying it to a post's store with replay refusal, and the record of
 * what a post holds.
 */
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>
#include <math.h>
#include <stdarg.h>
#include <time.h>

#include "tims/schema.h"
#include "tims/bundle.h"
#include "tims/lthash.h"
#include "tims/officer.h"
#include "tims/util.h"

#define HEADER "tims bundle v1\n"

void tims_bundle_release(struct tims_bundle *b)
{
	free(b->payload);
	free(b->note);
	memset(b, 0, sizeof(*b));
}

static int dump_cb(const char *s, size_t n, void *ud)
{
	return tims_buf_add(ud, s, n) ? -1 : 0;
}

/* The payload: the list's export (tims_wl_export), whole or since. */
static tims_rc payload_of(struct tims_wl *wl, const char *list, uint64_t since,
			  struct tims_buf *out, struct tims_err *err)
{
	return tims_wl_export(wl, list, since, out, err);
}

/* An actor as a note line carries it: 1-64 printable bytes, no space. */
static bool actor_ok(const char *a)
{
	size_t n = strlen(a);

	if (n == 0 || n > TIMS_WL_ACTOR_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)a[i] <= 0x20 || a[i] == 0x7f)
			return false;
	return true;
}

static int addhex_line(struct tims_buf *t, const char *key, const uint8_t h[32])
{
	return tims_buf_addf(t, "%s ", key) || tims_buf_addhex(t, h, 32) || tims_buf_addch(t, '\n');
}

tims_rc tims_bundle_watchlist(struct tims_wl *wl, const char *list, uint64_t since,
			      const char *centre, const struct tims_signer *key,
			      struct tims_buf *out, struct tims_err *err)
{
	struct tims_buf payload = TIMS_BUF_INIT(TIMS_BUNDLE_MAX);
	struct tims_buf text = TIMS_BUF_INIT(4096), note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_wl_list_info *lists = NULL;
	const struct tims_wl_list_info *li = NULL;
	struct tims_wl_digest dg, bd;
	struct tims_wl_change chg;
	uint8_t sha[32];
	size_t n = 0;
	json_t *o = NULL;
	tims_rc rc;

	if ((rc = tims_wl_lists(wl, &lists, &n, err)))
		return rc;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(lists[i].name, list))
			li = &lists[i];
	if (!li) {
		rc = tims_err_set(err, TIMS_ERR_NOTFOUND, "watchlist %s: no such list", list);
		goto out;
	}
	if (since >= li->version)
		since = 0; /* nothing newer: the whole list, which the post refuses as held */
	if ((rc = tims_wl_digest(wl, list, &dg, err)))
		goto out;
	/* A delta names its base's digest; a base whose digest this store never
	 * recorded (made before lineage, or in another copy) gets the whole list. */
	if (since && tims_wl_digest_at(wl, list, since, &bd, NULL))
		since = 0;
	if ((rc = payload_of(wl, list, since, &payload, err)))
		goto out;
	/* who made this version (an authenticated officer at the centre) */
	if (tims_wl_change_at(wl, list, li->version, &chg, NULL) || !actor_ok(chg.actor))
		snprintf(chg.actor, sizeof(chg.actor), "-");
	crypto_hash_sha256(sha, (const unsigned char *)(payload.buf ? payload.buf : ""),
			   payload.len);
	if (tims_buf_addf(&text, HEADER "centre %s\nkind watchlist\nlist %s\nlist-kind %s\n",
			  centre, list, tims_wl_kind_name(li->kind)) ||
	    (since && (tims_buf_addf(&text, "base %" PRIu64 "\n", since) ||
		       addhex_line(&text, "base-digest", bd.digest))) ||
	    tims_buf_addf(&text, "version %" PRIu64 "\n", li->version) ||
	    addhex_line(&text, "digest", dg.digest) || addhex_line(&text, "prev", dg.prev) ||
	    addhex_line(&text, "content", dg.content) ||
	    tims_buf_addf(&text, "actor %s\nthreshold %.4f\n", chg.actor, li->threshold) ||
	    tims_buf_addf(&text, "time %lld\nsha256 ", (long long)time(NULL)) ||
	    tims_buf_addhex(&text, sha, sizeof(sha)) || tims_buf_addch(&text, '\n')) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = tims_note_sign(text.buf, text.len, key, 1, &note, err)))
		goto out;
	o = json_pack("{s:s%, s:s%}", "note", note.buf, note.len, "payload",
		      payload.buf ? payload.buf : "", payload.len);
	if (!o || json_dump_callback(o, dump_cb, out, JSON_COMPACT))
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "bundle: too large");
out:
	json_decref(o);
	free(lists);
	tims_buf_release(&payload);
	tims_buf_release(&text);
	tims_buf_release(&note);
	return rc;
}

/* One "key value" line of the note's text; advances *p. */
static int line(const char **p, const char *end, const char *key, char *val, size_t cap)
{
	size_t kl = strlen(key);
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));

	if (!nl || (size_t)(nl - *p) <= kl + 1 || memcmp(*p, key, kl) || (*p)[kl] != ' ' ||
	    (size_t)(nl - *p - (ptrdiff_t)kl - 1) >= cap)
		return 0;
	memcpy(val, *p + kl + 1, (size_t)(nl - *p) - kl - 1);
	val[(size_t)(nl - *p) - kl - 1] = '\0';
	for (const char *c = val; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == ' ')
			return 0;
	*p = nl + 1;
	return 1;
}

/*
 * The signed note of a bundle: verified with `key`, its text parsed
 * strictly into b (all but the payload), the lineage digest checked, the
 * centre named checked. b->note keeps a copy of the note.
 */
static tims_rc parse_note(const char *note, size_t len, const struct tims_verifier *key,
			  size_t nkeys, const char *centre, struct tims_bundle *b,
			  struct tims_err *err)
{
	struct tims_note *n = malloc(sizeof(*n));
	char v[160], lk[16];
	const char *p, *end;
	uint64_t u;
	tims_rc rc;

	if (!n)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if ((rc = tims_note_verify(note, len, key, nkeys, n, err)))
		goto out;
	if (!(n->verified_mask & ((1u << nkeys) - 1))) {
		rc = tims_err_set(err, TIMS_ERR_SIGNATURE, "bundle: not signed by %s", key->name);
		goto out;
	}
	rc = TIMS_ERR_INVALID;
	p = n->text;
	end = n->text + n->textlen;
	if ((size_t)(end - p) < sizeof(HEADER) - 1 || memcmp(p, HEADER, sizeof(HEADER) - 1)) {
		tims_err_set(err, rc, "bundle: not a tims bundle v1");
		goto out;
	}
	p += sizeof(HEADER) - 1;
	if (!line(&p, end, "centre", b->centre, sizeof(b->centre)) ||
	    !line(&p, end, "kind", b->kind, sizeof(b->kind)) ||
	    (strcmp(b->kind, "watchlist") && strcmp(b->kind, "officers") &&
	     strcmp(b->kind, "arrivals")) ||
	    (!strcmp(b->kind, "watchlist") &&
	     (!line(&p, end, "list", b->list, sizeof(b->list)) ||
	      !line(&p, end, "list-kind", lk, sizeof(lk)) ||
	      !(b->list_kind = tims_wl_kind_parse(lk)))) ||
	    (!strcmp(b->kind, "officers") && !line(&p, end, "post", b->list, sizeof(b->list))) ||
	    (!strcmp(b->kind, "arrivals") &&
	     (!line(&p, end, "post", b->list, sizeof(b->list)) ||
	      !line(&p, end, "airport", b->airport, sizeof(b->airport)) ||
	      strlen(b->airport) != 3 || strspn(b->airport, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3)) ||
	    (!strcmp(b->kind, "watchlist") && (size_t)(end - p) > 5 && !memcmp(p, "base ", 5) &&
	     (!line(&p, end, "base", v, sizeof(v)) ||
	      tims_parse_u64(v, INT64_MAX, &b->base, "base", NULL) || b->base == 0 ||
	      !line(&p, end, "base-digest", v, sizeof(v)) ||
	      tims_hex_decode(v, b->base_digest, 32, "base-digest", NULL))) ||
	    !line(&p, end, "version", v, sizeof(v)) ||
	    tims_parse_u64(v, INT64_MAX, &b->version, "version", NULL) || b->version == 0 ||
	    (!strcmp(b->kind, "watchlist") &&
	     (!line(&p, end, "digest", v, sizeof(v)) ||
	      tims_hex_decode(v, b->digest, 32, "digest", NULL) ||
	      !line(&p, end, "prev", v, sizeof(v)) ||
	      tims_hex_decode(v, b->prev, 32, "prev", NULL) ||
	      !line(&p, end, "content", v, sizeof(v)) ||
	      tims_hex_decode(v, b->content, 32, "content", NULL) ||
	      !line(&p, end, "actor", b->actor, sizeof(b->actor)) ||
	      !line(&p, end, "threshold", v, sizeof(v)) ||
	      tims_screen_parse_threshold(v, &b->threshold, "threshold", NULL))) ||
	    !line(&p, end, "time", v, sizeof(v)) || tims_parse_u64(v, INT64_MAX, &u, "time", NULL) ||
	    !line(&p, end, "sha256", v, sizeof(v)) ||
	    tims_hex_decode(v, b->sha256, 32, "sha256", NULL) || p != end) {
		tims_err_set(err, rc, "bundle: a line of the signed text is malformed");
		goto out;
	}
	b->time_s = (int64_t)u;
	if (!strcmp(b->kind, "watchlist")) {
		uint8_t want[32];

		tims_wl_digest_compute(b->list, b->list_kind, b->version, b->prev, b->content, want);
		if (sodium_memcmp(want, b->digest, 32) != 0) {
			tims_err_set(err, rc, "bundle: the digest line is not the digest of its "
				     "version, prev and content");
			goto out;
		}
	}
	if (b->base && b->base >= b->version) {
		tims_err_set(err, rc, "bundle: a delta's base %" PRIu64 " is not below its "
			     "version %" PRIu64, b->base, b->version);
		goto out;
	}
	if (strcmp(b->centre, centre) != 0) {
		rc = tims_err_set(err, TIMS_ERR_SIGNATURE, "bundle: made by centre \"%s\", not \"%s\"",
				  b->centre, centre);
		goto out;
	}
	if (!(b->note = malloc(len + 1))) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		goto out;
	}
	memcpy(b->note, note, len);
	b->note[len] = '\0';
	b->note_len = len;
	rc = TIMS_OK;
out:
	free(n);
	return rc;
}

/* Whether a whole list's payload (export lines) has the multiset hash
 * `content` (tims_wl_content_hash); a version made before it carries the
 * SHA-256 of the payload instead (checked by the caller). */
static bool payload_is_content(const char *payload, size_t len, const uint8_t content[32])
{
	const char *p = payload, *end = payload + len, *l;
	struct tims_lthash h;
	uint8_t d[32];
	size_t n, lineno = 0;

	tims_lthash_init(&h);
	while (tims_next_line(&p, end, &l, &n, &lineno))
		if (n)
			tims_lthash_add(&h, l, n);
	tims_lthash_digest(&h, d);
	return !sodium_memcmp(d, content, 32);
}

tims_rc tims_bundle_open(const char *json, size_t len,
			 const struct tims_verifier *key, const char *centre,
			 struct tims_bundle *b, struct tims_err *err)
{
	return tims_bundle_open_keys(json, len, key, 1, centre, b, err);
}

tims_rc tims_bundle_open_keys(const char *json, size_t len,
			      const struct tims_verifier *key, size_t nkeys, const char *centre,
			      struct tims_bundle *b, struct tims_err *err)
{
	const char *note, *payload;
	uint8_t sha[32];
	json_error_t je;
	json_t *o = NULL;
	tims_rc rc = TIMS_ERR_INVALID;

	memset(b, 0, sizeof(*b));
	if (len > TIMS_BUNDLE_MAX) {
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "bundle: larger than %u bytes", TIMS_BUNDLE_MAX);
		goto out;
	}
	if (!(o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je)) || !json_is_object(o) ||
	    json_object_size(o) != 2 || !(note = json_string_value(json_object_get(o, "note"))) ||
	    !(payload = json_string_value(json_object_get(o, "payload")))) {
		tims_err_set(err, rc, "bundle: want {\"note\": TEXT, \"payload\": TEXT}");
		goto out;
	}
	if (nkeys < 1 || nkeys > 8) {
		rc = tims_err_set(err, TIMS_ERR_USAGE, "bundle: 1 to 8 keys");
		goto out;
	}
	if ((rc = parse_note(note, json_string_length(json_object_get(o, "note")), key, nkeys,
			     centre, b, err)))
		goto out;
	b->payload_len = json_string_length(json_object_get(o, "payload"));
	crypto_hash_sha256(sha, (const unsigned char *)payload, b->payload_len);
	if (sodium_memcmp(sha, b->sha256, 32) != 0) {
		rc = tims_err_set(err, TIMS_ERR_TAMPER, "bundle: the payload is not the one signed");
		goto out;
	}
	if (!strcmp(b->kind, "watchlist") && !b->base && sodium_memcmp(sha, b->content, 32) != 0 &&
	    !payload_is_content(payload, b->payload_len, b->content)) {
		rc = tims_err_set(err, TIMS_ERR_INVALID, "bundle: a whole list whose content line "
				  "is not its payload's hash");
		goto out;
	}
	if (!(b->payload = malloc(b->payload_len + 1))) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		goto out;
	}
	memcpy(b->payload, payload, b->payload_len);
	b->payload[b->payload_len] = '\0';
	rc = TIMS_OK;
out:
	json_decref(o);
	if (rc)
		tims_bundle_release(b);
	return rc;
}

/* ---- officer rosters ------------------------------------------------------ */

/* The associated data of a sealed payload: it opens only as this post's
 * roster, or this post's arrivals for this airport. */
static void roster_ad(const char *post, char *ad, size_t cap)
{
	snprintf(ad, cap, "tims roster v1\npost %s\n", post);
}

static void arrivals_ad(const char *post, const char *airport, char *ad, size_t cap)
{
	snprintf(ad, cap, "tims arrivals v1\npost %s\nairport %s\n", post, airport);
}

static tims_rc sealed_bundle(const char *kind, const char *roster, size_t len,
			     const char *centre, const char *post, const char *airport,
			     uint64_t version, const uint8_t key[TIMS_BUNDLE_ROSTER_KEY_BYTES],
			     const struct tims_signer *signer, struct tims_buf *out,
			     struct tims_err *err);

tims_rc tims_bundle_roster(const char *roster, size_t len, const char *centre,
			   const char *post, uint64_t version,
			   const uint8_t key[TIMS_BUNDLE_ROSTER_KEY_BYTES],
			   const struct tims_signer *signer, struct tims_buf *out,
			   struct tims_err *err)
{
	return sealed_bundle("officers", roster, len, centre, post, NULL, version, key, signer,
			     out, err);
}

tims_rc tims_bundle_arrivals(const char *lines, size_t len, const char *centre,
			     const char *post, const char *airport, uint64_t version,
			     const uint8_t key[TIMS_BUNDLE_ROSTER_KEY_BYTES],
			     const struct tims_signer *signer, struct tims_buf *out,
			     struct tims_err *err)
{
	if (!airport || strlen(airport) != 3 ||
	    strspn(airport, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3)
		return tims_err_set(err, TIMS_ERR_INVALID, "airport: want three capital letters");
	if (version == 0)
		return tims_err_set(err, TIMS_ERR_INVALID, "arrivals: version 0");
	return sealed_bundle("arrivals", lines, len, centre, post, airport, version, key, signer,
			     out, err);
}

static tims_rc sealed_bundle(const char *kind, const char *roster, size_t len,
			     const char *centre, const char *post, const char *airport,
			     uint64_t version, const uint8_t key[TIMS_BUNDLE_ROSTER_KEY_BYTES],
			     const struct tims_signer *signer, struct tims_buf *out,
			     struct tims_err *err)
{
	const size_t nb = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
	const size_t ab = crypto_aead_xchacha20poly1305_ietf_ABYTES;
	struct tims_buf text = TIMS_BUF_INIT(4096), note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	size_t sealed_len = nb + len + ab, b64_len;
	unsigned long long clen;
	uint8_t *sealed = NULL, sha[32];
	char *b64 = NULL, ad[160];
	json_t *o = NULL;
	tims_rc rc = TIMS_OK;

	if (len > TIMS_BUNDLE_MAX / 2)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "roster: larger than %u bytes",
				    TIMS_BUNDLE_MAX / 2);
	b64_len = sodium_base64_encoded_len(sealed_len, sodium_base64_VARIANT_ORIGINAL);
	if (!(sealed = malloc(sealed_len)) || !(b64 = malloc(b64_len))) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (airport)
		arrivals_ad(post, airport, ad, sizeof(ad));
	else
		roster_ad(post, ad, sizeof(ad));
	randombytes_buf(sealed, nb);
	crypto_aead_xchacha20poly1305_ietf_encrypt(sealed + nb, &clen, (const uint8_t *)roster,
						   len, (const uint8_t *)ad, strlen(ad), NULL,
						   sealed, key);
	sodium_bin2base64(b64, b64_len, sealed, sealed_len, sodium_base64_VARIANT_ORIGINAL);
	crypto_hash_sha256(sha, (const uint8_t *)b64, strlen(b64));
	if (tims_buf_addf(&text, HEADER "centre %s\nkind %s\npost %s\n", centre, kind, post) ||
	    (airport && tims_buf_addf(&text, "airport %s\n", airport)) ||
	    tims_buf_addf(&text, "version %" PRIu64 "\ntime %lld\nsha256 ", version,
			  (long long)time(NULL)) ||
	    tims_buf_addhex(&text, sha, sizeof(sha)) || tims_buf_addch(&text, '\n')) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = tims_note_sign(text.buf, text.len, signer, 1, &note, err)))
		goto out;
	o = json_pack("{s:s%, s:s}", "note", note.buf, note.len, "payload", b64);
	if (!o || json_dump_callback(o, dump_cb, out, JSON_COMPACT))
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "bundle: too large");
out:
	json_decref(o);
	free(sealed);
	free(b64);
	tims_buf_release(&text);
	tims_buf_release(&note);
	return rc;
}

tims_rc tims_bundle_roster_open(const struct tims_bundle *b,
				const uint8_t key[TIMS_BUNDLE_ROSTER_KEY_BYTES],
				struct tims_buf *roster, struct tims_err *err)
{
	const size_t nb = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
	const size_t ab = crypto_aead_xchacha20poly1305_ietf_ABYTES;
	size_t bin_len = 0;
	unsigned long long mlen;
	uint8_t *bin = NULL;
	char ad[160];
	tims_rc rc = TIMS_OK;

	if (strcmp(b->kind, "officers") != 0 && strcmp(b->kind, "arrivals") != 0)
		return tims_err_set(err, TIMS_ERR_INVALID, "bundle: not an officer roster");
	if (!(bin = malloc(b->payload_len + 1)))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if (!strcmp(b->kind, "arrivals"))
		arrivals_ad(b->list, b->airport, ad, sizeof(ad));
	else
		roster_ad(b->list, ad, sizeof(ad));
	if (sodium_base642bin(bin, b->payload_len + 1, b->payload, b->payload_len, NULL,
			      &bin_len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    bin_len < nb + ab) {
		rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: payload is not base64 of a "
				  "sealed payload", b->kind[0] == 'a' ? "arrivals" : "roster");
		goto out;
	}
	tims_buf_reset(roster);
	if (tims_buf_grow(roster, bin_len - nb - ab + 1)) {
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "roster: too large");
		goto out;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt((uint8_t *)roster->buf, &mlen, NULL,
						       bin + nb, bin_len - nb,
						       (const uint8_t *)ad, strlen(ad), bin,
						       key) != 0) {
		rc = tims_err_set(err, TIMS_ERR_SIGNATURE, "%s: does not open with this "
				  "post's roster key (made for another post, or tampered)",
				  b->kind[0] == 'a' ? "arrivals" : "roster");
		goto out;
	}
	roster->len = (size_t)mlen;
	roster->buf[roster->len] = '\0';
out:
	free(bin);
	return rc;
}

tims_rc tims_bundle_apply_roster(struct tims_officers *o, const struct tims_bundle *b,
				 const char *post,
				 const uint8_t key[TIMS_BUNDLE_ROSTER_KEY_BYTES],
				 uint64_t held, struct tims_roster_result *res,
				 struct tims_err *err)
{
	struct tims_buf roster = TIMS_BUF_INIT(TIMS_BUNDLE_MAX);
	tims_rc rc;

	memset(res, 0, sizeof(*res));
	if (strcmp(b->kind, "officers") != 0)
		return tims_err_set(err, TIMS_ERR_INVALID, "bundle: not an officer roster");
	if (strcmp(b->list, post) != 0)
		return tims_err_set(err, TIMS_ERR_SIGNATURE, "bundle: a roster for post \"%s\", "
				    "not for this post (\"%s\")", b->list, post);
	if (b->version <= held)
		return tims_err_set(err, TIMS_ERR_REPLAY,
				    "bundle: roster version %" PRIu64 " is not newer than the %"
				    PRIu64 " held (replayed or out of order)", b->version, held);
	if (!(rc = tims_bundle_roster_open(b, key, &roster, err)))
		rc = tims_officer_roster_apply(o, tims_buf_str(&roster), roster.len, res, err);
	if (roster.buf)
		sodium_memzero(roster.buf, roster.len);
	tims_buf_release(&roster);
	return rc;
}

/* A delta: removals by ref and the new and changed entries (no replace),
 * in one transaction: one new version, the sum kept with the list updated
 * entry by entry (nothing scans the whole list). */
static tims_rc apply_delta(struct tims_wl *wl, const struct tims_bundle *b,
			   struct tims_err *err)
{
	struct tims_wl_import_result res;

	if (b->payload_len == 0)
		return TIMS_OK;
	return tims_wl_import_delta(wl, b->list, b->list_kind, b->payload, b->payload_len, &res,
				    err);
}

/* Whether the list's content is `want`: TIMS_OK, or TIMS_ERR_STATE. A list
 * not held is empty. */
static tims_rc content_matches(struct tims_wl *wl, const char *list, const uint8_t want[32],
			       struct tims_err *err)
{
	uint8_t now[32];
	tims_rc rc;

	if ((rc = tims_wl_content_hash(wl, list, now, err)) == TIMS_ERR_NOTFOUND) {
		tims_wl_content_empty(now);
		if (!sodium_memcmp(now, want, 32))
			return TIMS_OK;
		crypto_hash_sha256(now, (const unsigned char *)"", 0);
		return sodium_memcmp(now, want, 32) ? TIMS_ERR_STATE : TIMS_OK;
	}
	if (rc)
		return rc;
	if (!sodium_memcmp(now, want, 32))
		return TIMS_OK;
	if ((rc = tims_wl_content_hash_v1(wl, list, now, err)))
		return rc;
	return sodium_memcmp(now, want, 32) ? TIMS_ERR_STATE : TIMS_OK;
}

static void short_hex(const uint8_t *h, char out[13])
{
	for (int i = 0; i < 6; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

tims_rc tims_bundle_apply(struct tims_wl *wl, const struct tims_bundle *b,
			  const struct tims_bundle_held *held, struct tims_err *err)
{
	struct tims_wl_import_opts o = {
		.list = b->list, .kind = b->list_kind, .format = TIMS_WL_JSONL,
		.skip_bad = false, .replace = true, .threshold = -1,
	};
	struct tims_wl_import_result res;
	char hb[13], hh[13], actor[TIMS_NOTE_MAX_NAME + 8];
	tims_rc rc;

	snprintf(actor, sizeof(actor), "centre:%s", b->centre);

	short_hex(b->digest, hb);
	short_hex(held->digest, hh);
	/* A repair: the very version held, whole, over a copy that no longer
	 * matches it (tims_bundle_verify_held). */
	if (!(held->repair && !b->base && b->version == held->version && held->has_digest &&
	      !sodium_memcmp(b->digest, held->digest, 32)) &&
	    b->version <= held->version) {
		if (!held->has_digest || (b->version == held->version &&
					  !sodium_memcmp(b->digest, held->digest, 32)) ||
		    (b->base && b->version < held->version))
			return tims_err_set(err, TIMS_ERR_REPLAY,
					    "bundle: %s version %" PRIu64 " is not newer than the %"
					    PRIu64 " held (replayed or out of order)", b->list,
					    b->version, held->version);
		/* Same number or older, another list: never merged silently. */
		return tims_err_set(err, TIMS_ERR_TAMPER,
				    "watchlist %s diverged: the centre offers version %" PRIu64
				    " (digest %s), this post holds version %" PRIu64 " (digest %s); "
				    "the centre's copy was restored or imported again: not applied",
				    b->list, b->version, hb, held->version, hh);
	}
	if (b->base) {
		/* Only over the very version it was made from. */
		if (!held->has_digest || held->version != b->base ||
		    sodium_memcmp(held->digest, b->base_digest, 32))
			return tims_err_set(err, TIMS_ERR_STATE, "bundle: %s is a delta from version "
					    "%" PRIu64 ", this post holds %" PRIu64 " (digest %s)"
					    " (fetch the whole list)", b->list, b->base,
					    held->version, held->has_digest ? hh : "unknown");
		tims_wl_set_actor(wl, actor, true);
		rc = apply_delta(wl, b, err);
	} else if (b->payload_len == 0) {
		/* The centre emptied the list: remove everything. */
		size_t removed;
		uint64_t version;

		tims_wl_set_actor(wl, actor, true);
		rc = tims_wl_remove(wl, b->list, NULL, &removed, &version, err);
		if (rc == TIMS_ERR_NOTFOUND)
			rc = TIMS_OK;
	} else {
		tims_wl_set_actor(wl, actor, true);
		rc = tims_wl_import(wl, &o, b->payload, b->payload_len, NULL, NULL, &res, err);
	}
	tims_wl_set_actor(wl, NULL, false);
	/* the centre's threshold for the list, with its version */
	if (!rc && (rc = tims_wl_set_threshold(wl, b->list, b->threshold, err)) == TIMS_ERR_NOTFOUND)
		rc = TIMS_OK; /* an empty list never created here */
	if (rc)
		return rc;
	/* The list must now be the centre's at that version, entry for entry:
	 * the sum kept with it, updated by this apply, against the content the
	 * centre signed (a version made before the multiset hash: its SHA-256,
	 * from the rows). */
	if ((rc = content_matches(wl, b->list, b->content, err)) == TIMS_ERR_STATE)
		return tims_err_set(err, TIMS_ERR_STATE, "bundle: after applying %s version %"
				    PRIu64 " the list is not the centre's (fetch the whole list)",
				    b->list, b->version);
	return rc;
}

static tims_rc held_alert(const char *dir, const struct tims_bundle *b, const char *msg,
			  struct tims_err *err);

static tims_rc apply_held(const char *dir, struct tims_wl *wl, const struct tims_bundle *b,
			  bool repair, struct tims_err *err)
{
	struct tims_bundle_held h;
	tims_rc rc;

	if ((rc = tims_bundle_held_get(dir, b->kind, b->list, &h, err)))
		return rc;
	h.repair = repair;
	rc = tims_bundle_apply(wl, b, &h, err);
	if (rc == TIMS_ERR_TAMPER) {
		held_alert(dir, b, err ? err->msg : "watchlist diverged", NULL);
		return rc;
	}
	if (rc)
		return rc;
	return tims_bundle_held_set(dir, b, err);
}

tims_rc tims_bundle_apply_held(const char *dir, struct tims_wl *wl,
			       const struct tims_bundle *b, struct tims_err *err)
{
	return apply_held(dir, wl, b, false, err);
}

tims_rc tims_bundle_repair_held(const char *dir, struct tims_wl *wl,
				const struct tims_bundle *b, struct tims_err *err)
{
	return apply_held(dir, wl, b, true, err);
}

/* ---- what a post holds ---------------------------------------------------- */

static sqlite3 *held_db(const char *dir, struct tims_err *err)
{
	char path[4200];
	sqlite3 *db = NULL;

	snprintf(path, sizeof(path), "%s/bundles.db", dir);
	if (tims_file_private(path, err)) /* 0600, and its WAL */
		return NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) == SQLITE_OK &&
	    /* schema version (tims/schema.h): a newer one refused untouched */
	    tims_schema_check(db, path, TIMS_SCHEMA_BUNDLES, NULL, err)) {
		sqlite3_close(db);
		return NULL;
	}
	if (!db || sqlite3_busy_timeout(db, 5000) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			 "CREATE TABLE IF NOT EXISTS held (kind TEXT NOT NULL, list TEXT NOT NULL,"
			 " version INTEGER NOT NULL, time_s INTEGER NOT NULL,"
			 " applied_ms INTEGER NOT NULL, PRIMARY KEY (kind, list));",
			 NULL, NULL, NULL) != SQLITE_OK) {
		tims_err_set(err, TIMS_ERR_DB, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_close(db);
		return NULL;
	}
	/* The lineage columns, added to a bundles.db made before them (an
	 * error here only says the column is there already). */
	sqlite3_exec(db, "ALTER TABLE held ADD COLUMN digest BLOB", NULL, NULL, NULL);
	sqlite3_exec(db, "ALTER TABLE held ADD COLUMN alert TEXT", NULL, NULL, NULL);
	sqlite3_exec(db, "ALTER TABLE held ADD COLUMN alert_digest BLOB", NULL, NULL, NULL);
	/* the signed note of the version held: its digest, checked against
	 * the copy at start and periodically (tims_bundle_verify_held) */
	sqlite3_exec(db, "ALTER TABLE held ADD COLUMN note TEXT", NULL, NULL, NULL);
	/* post-local lists: the last version reported to the centre */
	sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS local_reported (list TEXT PRIMARY KEY,"
		     " version INTEGER NOT NULL)", NULL, NULL, NULL);
	if (tims_schema_set(db, path, TIMS_SCHEMA_BUNDLES, err)) {
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

tims_rc tims_bundle_held_get(const char *dir, const char *kind, const char *list,
			     struct tims_bundle_held *h, struct tims_err *err)
{
	sqlite3 *db = held_db(dir, err);
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;
	int r;

	memset(h, 0, sizeof(*h));
	if (!db)
		return TIMS_ERR_DB;
	if (sqlite3_prepare_v2(db, "SELECT version, time_s, applied_ms, digest, alert, alert_digest,"
			       " note FROM held WHERE kind = ?1 AND list = ?2", -1, &st, NULL) != SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "bundles.db: %s", sqlite3_errmsg(db));
	} else {
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, list, -1, SQLITE_STATIC);
		if ((r = sqlite3_step(st)) == SQLITE_ROW) {
			h->version = (uint64_t)sqlite3_column_int64(st, 0);
			h->time_s = sqlite3_column_int64(st, 1);
			h->applied_ms = sqlite3_column_int64(st, 2);
			if (sqlite3_column_bytes(st, 3) == 32) {
				h->has_digest = true;
				memcpy(h->digest, sqlite3_column_blob(st, 3), 32);
			}
			if (sqlite3_column_text(st, 4))
				snprintf(h->alert, sizeof(h->alert), "%s",
					 (const char *)sqlite3_column_text(st, 4));
			if (sqlite3_column_bytes(st, 5) == 32)
				memcpy(h->alert_digest, sqlite3_column_blob(st, 5), 32);
			h->has_note = sqlite3_column_type(st, 6) == SQLITE_TEXT;
		} else if (r != SQLITE_DONE) {
			rc = tims_err_set(err, TIMS_ERR_DB, "bundles.db: %s", sqlite3_errmsg(db));
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

tims_rc tims_bundle_held_set(const char *dir, const struct tims_bundle *b,
			     struct tims_err *err)
{
	sqlite3 *db = held_db(dir, err);
	sqlite3_stmt *st = NULL;
	struct timespec ts;
	tims_rc rc = TIMS_OK;

	if (!db)
		return TIMS_ERR_DB;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO held (kind, list, version, time_s,"
			       " applied_ms, digest, alert, alert_digest, note)"
			       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, NULL, ?7)",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "bundles.db: %s", sqlite3_errmsg(db));
	} else {
		sqlite3_bind_text(st, 1, b->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, b->list, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)b->version);
		sqlite3_bind_int64(st, 4, b->time_s);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
		if (!strcmp(b->kind, "watchlist"))
			sqlite3_bind_blob(st, 6, b->digest, 32, SQLITE_STATIC);
		if (!strcmp(b->kind, "watchlist") && b->note)
			sqlite3_bind_text(st, 7, b->note, (int)b->note_len, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = tims_err_set(err, TIMS_ERR_DB, "bundles.db: %s", sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

static tims_rc held_alert(const char *dir, const struct tims_bundle *b, const char *msg,
			  struct tims_err *err)
{
	sqlite3 *db = held_db(dir, err);
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;

	if (!db)
		return TIMS_ERR_DB;
	if (sqlite3_prepare_v2(db, "UPDATE held SET alert = ?3, alert_digest = ?4 WHERE kind = ?1"
			       " AND list = ?2", -1, &st, NULL) != SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "bundles.db: %s", sqlite3_errmsg(db));
	} else {
		sqlite3_bind_text(st, 1, b->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, b->list, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, msg, -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 4, b->digest, 32, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = tims_err_set(err, TIMS_ERR_DB, "bundles.db: %s", sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

json_t *tims_bundle_held_json(const char *dir)
{
	sqlite3 *db = held_db(dir, NULL);
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array();

	if (!db)
		return arr;
	if (sqlite3_prepare_v2(db, "SELECT kind, list, version, time_s, applied_ms, digest, alert,"
			       " note FROM held ORDER BY kind, list", -1, &st, NULL) == SQLITE_OK)
		while (sqlite3_step(st) == SQLITE_ROW) {
			json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I}",
				"kind", sqlite3_column_text(st, 0), "list", sqlite3_column_text(st, 1),
				"version", (json_int_t)sqlite3_column_int64(st, 2),
				"time_s", (json_int_t)sqlite3_column_int64(st, 3),
				"applied_ms", (json_int_t)sqlite3_column_int64(st, 4));
			char hex[13];

			if (!o)
				continue;
			if (sqlite3_column_bytes(st, 5) == 32) {
				short_hex(sqlite3_column_blob(st, 5), hex);
				json_object_set_new(o, "digest", json_string(hex));
			}
			if (sqlite3_column_text(st, 6))
				json_object_set_new(o, "alert", json_string(
					(const char *)sqlite3_column_text(st, 6)));
			{
				/* who made the version held, as its signed note says
				 * (shown, not trusted: the check verifies the note) */
				const char *nt = (const char *)sqlite3_column_text(st, 7);
				const char *a = nt ? strstr(nt, "\nactor ") : NULL;
				size_t al = a ? strcspn(a + 7, "\n") : 0;

				if (a && al > 0 && al <= TIMS_WL_ACTOR_MAX)
					json_object_set_new(o, "actor", json_stringn(a + 7, al));
			}
			json_array_append_new(arr, o);
		}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return arr;
}

/* ---- a post's copies against their signed digests -------------------------- */

static void verdict(struct tims_bundle_verdict *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void verdict(struct tims_bundle_verdict *v, const char *fmt, ...)
{
	va_list ap;

	v->ok = false;
	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
}

/* The content of an empty list, in either definition. */
static bool is_empty_content(const uint8_t c[32])
{
	uint8_t e[32];

	tims_wl_content_empty(e);
	if (!sodium_memcmp(e, c, 32))
		return true;
	crypto_hash_sha256(e, (const unsigned char *)"", 0);
	return !sodium_memcmp(e, c, 32);
}

/* One list held: its note, then the copy against it. */
static void verify_one(struct tims_wl *wl, const char *list, uint64_t version,
		       const uint8_t *digest, const char *note, size_t note_len,
		       const struct tims_verifier *key, size_t nkeys, const char *centre,
		       struct tims_bundle_verdict *v)
{
	struct tims_wl_list_info *lists = NULL;
	struct tims_bundle b;
	struct tims_err e;
	uint8_t now[32];
	size_t nl = 0;
	enum tims_wl_kind kind = 0;
	double threshold = 0;
	bool has_list = false;
	tims_rc rc;

	memset(&b, 0, sizeof(b));
	v->ok = true;
	if (!note) {
		verdict(v, "no signed digest is held for this copy (applied before they were kept)");
		return;
	}
	if (!digest) {
		verdict(v, "the digest of the version held is missing");
		return;
	}
	if ((rc = parse_note(note, note_len, key, nkeys, centre, &b, &e))) {
		verdict(v, "the signed digest held does not verify: %s", tims_err_msg(&e));
		return;
	}
	if (strcmp(b.kind, "watchlist") || strcmp(b.list, list) || b.version != version ||
	    sodium_memcmp(b.digest, digest, 32)) {
		verdict(v, "the signed digest held is not that of the version held (%" PRIu64 ")",
			version);
		goto out;
	}
	if (!wl) {
		if (!is_empty_content(b.content))
			verdict(v, "the copy is missing (no watchlist store at this post)");
		goto out;
	}
	if (tims_wl_lists_brief(wl, &lists, &nl, &e)) {
		verdict(v, "the copy could not be read: %s", tims_err_msg(&e));
		goto out;
	}
	for (size_t i = 0; i < nl; i++)
		if (!strcmp(lists[i].name, list)) {
			kind = lists[i].kind;
			threshold = lists[i].threshold;
			has_list = true;
		}
	free(lists);
	if (!kind) {
		kind = b.list_kind;
		if (is_empty_content(b.content))
			memcpy(now, b.content, 32);
		else
			tims_wl_content_empty(now);
	} else if ((rc = tims_wl_content_recompute(wl, list, now, &e)) == TIMS_ERR_TAMPER) {
		/* the rows or the sum kept with them changed behind the store */
		verdict(v, "the copy does not match the centre's signed digest of version %" PRIu64
			" (%s)", version, tims_err_msg(&e));
		goto out;
	} else if (rc) {
		verdict(v, "the copy could not be read: %s", tims_err_msg(&e));
		goto out;
	} else if (sodium_memcmp(now, b.content, 32) &&
		   !tims_wl_content_hash_v1(wl, list, now, &e) && !sodium_memcmp(now, b.content, 32)) {
		/* a version signed before the multiset hash: its SHA-256 */
	}
	if (kind != b.list_kind)
		verdict(v, "the copy holds %s, the centre's version %" PRIu64 " %s",
			tims_wl_kind_name(kind), version, tims_wl_kind_name(b.list_kind));
	else if (has_list && fabs(threshold - b.threshold) > 1e-6)
		verdict(v, "the copy's threshold %.4f is not the centre's %.4f (version %" PRIu64 ")",
			threshold, b.threshold, version);
	else if (sodium_memcmp(now, b.content, 32))
		verdict(v, "the copy does not match the centre's signed digest of version %" PRIu64
			" (entries changed, added or removed at this post)", version);
out:
	tims_bundle_release(&b);
}

tims_rc tims_bundle_verify_held(const char *dir, struct tims_wl *wl,
				const struct tims_verifier *key, const char *centre,
				tims_bundle_verdict_fn fn, void *ctx, size_t *checked,
				struct tims_err *err)
{
	return tims_bundle_verify_held_keys(dir, wl, key, 1, centre, fn, ctx, checked, err);
}

tims_rc tims_bundle_verify_held_keys(const char *dir, struct tims_wl *wl,
				     const struct tims_verifier *key, size_t nkeys,
				     const char *centre, tims_bundle_verdict_fn fn, void *ctx,
				     size_t *checked, struct tims_err *err)
{
	sqlite3 *db = held_db(dir, err);
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;
	int r;

	if (checked)
		*checked = 0;
	if (!db)
		return TIMS_ERR_DB;
	if (sqlite3_prepare_v2(db, "SELECT list, version, digest, note FROM held"
			       " WHERE kind = 'watchlist' ORDER BY list", -1, &st, NULL) != SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "bundles.db: %s", sqlite3_errmsg(db));
		goto out;
	}
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		struct tims_bundle_verdict v;
		const char *note = (const char *)sqlite3_column_text(st, 3);

		memset(&v, 0, sizeof(v));
		snprintf(v.list, sizeof(v.list), "%s", (const char *)sqlite3_column_text(st, 0));
		v.version = (uint64_t)sqlite3_column_int64(st, 1);
		verify_one(wl, v.list, v.version,
			   sqlite3_column_bytes(st, 2) == 32 ? sqlite3_column_blob(st, 2) : NULL,
			   note, note ? (size_t)sqlite3_column_bytes(st, 3) : 0, key, nkeys, centre,
			   &v);
		if (checked)
			(*checked)++;
		fn(ctx, &v);
	}
	if (r != SQLITE_DONE)
		rc = tims_err_set(err, TIMS_ERR_DB, "bundles.db: %s", sqlite3_errmsg(db));
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

bool tims_bundle_is_centre_list(const char *dir, const char *list)
{
	struct tims_bundle_held h;
	char path[4200];

	snprintf(path, sizeof(path), "%s/bundles.db", dir);
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return false; /* nothing ever came from a centre */
	/* unreadable: treated as the centre's (the change is refused) */
	if (tims_bundle_held_get(dir, "watchlist", list, &h, NULL))
		return true;
	return h.version > 0;
}

tims_rc tims_bundle_local_reported(const char *dir, const char *list, uint64_t *version,
				   struct tims_err *err)
{
	sqlite3 *db = held_db(dir, err);
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;
	int r;

	*version = 0;
	if (!db)
		return TIMS_ERR_DB;
	if (sqlite3_prepare_v2(db, "SELECT version FROM local_reported WHERE list = ?1", -1, &st,
			       NULL) != SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "bundles.db: %s", sqlite3_errmsg(db));
	} else {
		sqlite3_bind_text(st, 1, list, -1, SQLITE_STATIC);
		if ((r = sqlite3_step(st)) == SQLITE_ROW)
			*version = (uint64_t)sqlite3_column_int64(st, 0);
		else if (r != SQLITE_DONE)
			rc = tims_err_set(err, TIMS_ERR_DB, "bundles.db: %s", sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

tims_rc tims_bundle_local_reported_set(const char *dir, const char *list, uint64_t version,
				       struct tims_err *err)
{
	sqlite3 *db = held_db(dir, err);
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;

	if (!db)
		return TIMS_ERR_DB;
	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO local_reported (list, version)"
			       " VALUES (?1, ?2)", -1, &st, NULL) != SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "bundles.db: %s", sqlite3_errmsg(db));
	} else {
		sqlite3_bind_text(st, 1, list, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)version);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = tims_err_set(err, TIMS_ERR_DB, "bundles.db: %s", sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}
