/*
 * revocation.c — the centre's signed revocation list (tims/revocation.h):
 * built and signed at the centre, opened, kept and consulted offline by
 * posts and witnesses. A list older than the one held is refused, so a
 * replay cannot bring a revoked party back.
 */
#include <jansson.h>
#include <sodium.h>
#include <time.h>

#include "tims/revocation.h"
#include "tims/util.h"

static const char HEADER[] = "tims revocations v1\n";

void tims_revocation_init(struct tims_revocation *r)
{
	memset(r, 0, sizeof(*r));
}

void tims_revocation_release(struct tims_revocation *r)
{
	free(r->posts);
	free(r->witnesses);
	free(r->keys);
	free(r->certs);
	for (size_t i = 0; i < r->ncas; i++)
		free(r->cas[i]);
	tims_revocation_init(r);
}

/* Grow an array of n elements of size sz by one; NULL when full. */
static void *grow(void *arr, size_t n, size_t sz, struct tims_err *err)
{
	void *m;

	if (n >= TIMS_REVOCATION_ENTRIES) {
		tims_err_set(err, TIMS_ERR_TOOBIG, "revocation list: more than %d entries of a kind",
			     TIMS_REVOCATION_ENTRIES);
		return NULL;
	}
	if (n && (n & (n - 1)))   /* not a power of two: room is there */
		return arr;
	if (!(m = realloc(arr, (n ? 2 * n : 1) * sz)))
		tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	return m;
}

static int valid_origin(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > TIMS_NOTE_MAX_NAME)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == '+' || s[i] == 0x7f)
			return 0;
	return 1;
}

tims_rc tims_revocation_add_post(struct tims_revocation *r, const char *origin,
				 struct tims_err *err)
{
	void *m;

	if (!valid_origin(origin))
		return tims_err_set(err, TIMS_ERR_INVALID, "revocation list: post \"%.64s\": "
				    "not an origin", origin);
	if (tims_revocation_post_revoked(r, origin))
		return TIMS_OK;
	if (!(m = grow(r->posts, r->nposts, sizeof(*r->posts), err)))
		return err ? err->rc : TIMS_ERR_NOMEM;
	r->posts = m;
	snprintf(r->posts[r->nposts++], sizeof(r->posts[0]), "%s", origin);
	return TIMS_OK;
}

tims_rc tims_revocation_add_hash(struct tims_revocation *r, int witness,
				 const uint8_t hash[32], struct tims_err *err)
{
	uint8_t (**arr)[32] = witness ? &r->witnesses : &r->keys;
	size_t *n = witness ? &r->nwitnesses : &r->nkeys;
	void *m;

	for (size_t i = 0; i < *n; i++)
		if (!memcmp((*arr)[i], hash, 32))
			return TIMS_OK;
	if (!(m = grow(*arr, *n, 32, err)))
		return err ? err->rc : TIMS_ERR_NOMEM;
	*arr = m;
	memcpy((*arr)[(*n)++], hash, 32);
	return TIMS_OK;
}

tims_rc tims_revocation_add_cert(struct tims_revocation *r, const uint8_t *serial,
				 size_t len, struct tims_err *err)
{
	void *m;

	if (len == 0 || len > TIMS_TLS_SERIAL_MAX)
		return tims_err_set(err, TIMS_ERR_INVALID, "revocation list: a serial of %zu bytes",
				    len);
	if (tims_revocation_cert_revoked(r, serial, len))
		return TIMS_OK;
	if (!(m = grow(r->certs, r->ncerts, sizeof(*r->certs), err)))
		return err ? err->rc : TIMS_ERR_NOMEM;
	r->certs = m;
	memcpy(r->certs[r->ncerts].b, serial, len);
	r->certs[r->ncerts++].len = len;
	return TIMS_OK;
}

tims_rc tims_revocation_add_ca(struct tims_revocation *r, const char *pem,
			       struct tims_err *err)
{
	struct tims_tls_peer p;
	tims_rc rc;

	if (r->ncas == TIMS_REVOCATION_CAS)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "revocation list: more than %d CAs",
				    TIMS_REVOCATION_CAS);
	if ((rc = tims_tls_peer_read_pem(pem, &p, err)))
		return rc;
	if (!(r->cas[r->ncas] = strdup(pem)))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	r->ncas++;
	return TIMS_OK;
}

/* ---- signing ------------------------------------------------------------- */

static json_t *hex_array(const uint8_t (*h)[32], size_t n)
{
	json_t *a = json_array();
	char hex[65];

	for (size_t i = 0; a && i < n; i++) {
		sodium_bin2hex(hex, sizeof(hex), h[i], 32);
		if (json_array_append_new(a, json_string(hex))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

tims_rc tims_revocation_sign(const struct tims_revocation *r,
			     const struct tims_signer *bundle_key,
			     struct tims_buf *out, struct tims_err *err)
{
	struct tims_buf text = TIMS_BUF_INIT(4096);
	struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	json_t *p = json_object(), *posts = json_array(), *certs = json_array(),
	       *cas = json_array(), *env = NULL;
	char *payload = NULL, *envs = NULL, hex[2 * TIMS_TLS_SERIAL_MAX + 1], sha_hex[65];
	uint8_t sha[32];
	tims_rc rc = TIMS_ERR_NOMEM;

	if (!p || !posts || !certs || !cas)
		goto nomem;
	for (size_t i = 0; i < r->nposts; i++)
		if (json_array_append_new(posts, json_string(r->posts[i])))
			goto nomem;
	for (size_t i = 0; i < r->ncerts; i++) {
		sodium_bin2hex(hex, sizeof(hex), r->certs[i].b, r->certs[i].len);
		if (json_array_append_new(certs, json_string(hex)))
			goto nomem;
	}
	for (size_t i = 0; i < r->ncas; i++)
		if (json_array_append_new(cas, json_string(r->cas[i])))
			goto nomem;
	if (json_object_set(p, "posts", posts) || json_object_set(p, "certs", certs) ||
	    json_object_set(p, "cas", cas) ||
	    json_object_set_new(p, "witnesses", hex_array((const uint8_t (*)[32])r->witnesses,
							  r->nwitnesses)) ||
	    json_object_set_new(p, "keys", hex_array((const uint8_t (*)[32])r->keys, r->nkeys)) ||
	    !(payload = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS)))
		goto nomem;
	crypto_hash_sha256(sha, (const unsigned char *)payload, strlen(payload));
	sodium_bin2hex(sha_hex, sizeof(sha_hex), sha, 32);
	if (tims_buf_addf(&text, "%scentre %s\nversion %" PRIu64 "\ntime %lld\nsha256 %s\n",
			  HEADER, r->centre, r->version, (long long)time(NULL), sha_hex)) {
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "revocation list: its text is too long");
		goto out;
	}
	if ((rc = tims_note_sign(text.buf, text.len, bundle_key, 1, &note, err)))
		goto out;
	if (!(env = json_pack("{s:s, s:s}", "note", tims_buf_str(&note), "payload", payload)) ||
	    !(envs = json_dumps(env, JSON_COMPACT)))
		goto nomem;
	if (strlen(envs) > TIMS_REVOCATION_MAX || tims_buf_addstr(out, envs))
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "revocation list: too large");
	else
		rc = TIMS_OK;
	goto out;
nomem:
	rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
out:
	json_decref(p);
	json_decref(posts);
	json_decref(certs);
	json_decref(cas);
	json_decref(env);
	free(payload);
	free(envs);
	tims_buf_release(&text);
	tims_buf_release(&note);
	return rc;
}

/* ---- opening ------------------------------------------------------------- */

/* One "key value" line; advances *p. */
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

static tims_rc parse_text(const char *note, size_t len, const struct tims_verifier *key,
			  struct tims_revocation *r, uint8_t sha[32], struct tims_err *err)
{
	struct tims_note *n = malloc(sizeof(*n));
	const char *p, *end;
	char v[160];
	uint64_t t;
	tims_rc rc;

	if (!n)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if ((rc = tims_note_verify(note, len, key, 1, n, err)))
		goto out;
	if (!(n->verified_mask & 1)) {
		rc = tims_err_set(err, TIMS_ERR_SIGNATURE, "revocation list: not signed by %s",
				  key->name);
		goto out;
	}
	p = n->text;
	end = n->text + n->textlen;
	rc = TIMS_ERR_INVALID;
	if ((size_t)(end - p) < sizeof(HEADER) - 1 || memcmp(p, HEADER, sizeof(HEADER) - 1)) {
		tims_err_set(err, rc, "revocation list: not a tims revocations v1");
		goto out;
	}
	p += sizeof(HEADER) - 1;
	if (!line(&p, end, "centre", r->centre, sizeof(r->centre)) ||
	    !line(&p, end, "version", v, sizeof(v)) ||
	    tims_parse_u64(v, INT64_MAX, &r->version, "version", NULL) || r->version == 0 ||
	    !line(&p, end, "time", v, sizeof(v)) || tims_parse_u64(v, INT64_MAX, &t, "time", NULL) ||
	    !line(&p, end, "sha256", v, sizeof(v)) || tims_hex_decode(v, sha, 32, "sha256", NULL) ||
	    p != end) {
		tims_err_set(err, rc, "revocation list: a line of the signed text is malformed");
		goto out;
	}
	r->time_s = (int64_t)t;
	rc = TIMS_OK;
out:
	free(n);
	return rc;
}

static tims_rc parse_hashes(json_t *a, struct tims_revocation *r, int witness,
			    struct tims_err *err)
{
	size_t i;
	json_t *x;
	tims_rc rc;

	json_array_foreach(a, i, x) {
		const char *s = json_string_value(x);
		uint8_t h[32];

		if (!s || strlen(s) != 64 || tims_hex_decode(s, h, 32, "hash", NULL))
			return tims_err_set(err, TIMS_ERR_INVALID, "revocation list: %s[%zu]: want "
					    "64 hex digits", witness ? "witnesses" : "keys", i);
		if ((rc = tims_revocation_add_hash(r, witness, h, err)))
			return rc;
	}
	return TIMS_OK;
}

static tims_rc parse_payload(const char *payload, size_t len, struct tims_revocation *r,
			     struct tims_err *err)
{
	static const char *const members[] = { "posts", "witnesses", "keys", "certs", "cas" };
	json_t *o = json_loadb(payload, len, JSON_REJECT_DUPLICATES, NULL), *x;
	size_t i;
	tims_rc rc = TIMS_ERR_INVALID;

	if (!o || !json_is_object(o) || json_object_size(o) != TIMS_ARRAY_SIZE(members)) {
		tims_err_set(err, rc, "revocation list: the payload is not {posts, witnesses, keys, "
			     "certs, cas}");
		goto out;
	}
	for (i = 0; i < TIMS_ARRAY_SIZE(members); i++)
		if (!json_is_array(json_object_get(o, members[i])) ||
		    json_array_size(json_object_get(o, members[i])) > TIMS_REVOCATION_ENTRIES) {
			tims_err_set(err, rc, "revocation list: %s: want an array of at most %d",
				     members[i], TIMS_REVOCATION_ENTRIES);
			goto out;
		}
	json_array_foreach(json_object_get(o, "posts"), i, x)
		if (!json_is_string(x) ||
		    (rc = tims_revocation_add_post(r, json_string_value(x), err)))
			goto bad;
	if ((rc = parse_hashes(json_object_get(o, "witnesses"), r, 1, err)) ||
	    (rc = parse_hashes(json_object_get(o, "keys"), r, 0, err)))
		goto out;
	json_array_foreach(json_object_get(o, "certs"), i, x) {
		const char *s = json_string_value(x);
		uint8_t b[TIMS_TLS_SERIAL_MAX];
		size_t bl = 0;

		if (!s || !*s || strlen(s) > 2 * TIMS_TLS_SERIAL_MAX ||
		    sodium_hex2bin(b, sizeof(b), s, strlen(s), NULL, &bl, NULL) ||
		    bl * 2 != strlen(s) || (rc = tims_revocation_add_cert(r, b, bl, err))) {
			rc = tims_err_set(err, TIMS_ERR_INVALID,
					  "revocation list: certs[%zu]: not a serial", i);
			goto out;
		}
	}
	json_array_foreach(json_object_get(o, "cas"), i, x)
		if (!json_is_string(x) || (rc = tims_revocation_add_ca(r, json_string_value(x), err)))
			goto bad;
	rc = TIMS_OK;
	goto out;
bad:
	if (!rc)
		rc = TIMS_ERR_INVALID;
	tims_err_set(err, rc, "revocation list: entry %zu of a list is malformed", i);
out:
	json_decref(o);
	return rc;
}

tims_rc tims_revocation_open(const char *json, size_t len, const struct tims_verifier *key,
			     const char *centre, struct tims_revocation *out,
			     struct tims_err *err)
{
	const char *note, *payload;
	uint8_t sha[32], want[32];
	json_t *o = NULL;
	size_t plen;
	tims_rc rc = TIMS_ERR_INVALID;

	tims_revocation_init(out);
	if (len > TIMS_REVOCATION_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "revocation list: larger than %u bytes",
				    TIMS_REVOCATION_MAX);
	if (!(o = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL)) || !json_is_object(o) ||
	    json_object_size(o) != 2 || !(note = json_string_value(json_object_get(o, "note"))) ||
	    !(payload = json_string_value(json_object_get(o, "payload")))) {
		tims_err_set(err, rc, "revocation list: want {\"note\": TEXT, \"payload\": TEXT}");
		goto out;
	}
	if ((rc = parse_text(note, json_string_length(json_object_get(o, "note")), key, out,
			     want, err)))
		goto out;
	if (centre && strcmp(out->centre, centre)) {
		rc = tims_err_set(err, TIMS_ERR_SIGNATURE, "revocation list: made by centre "
				  "\"%s\", not \"%s\"", out->centre, centre);
		goto out;
	}
	plen = json_string_length(json_object_get(o, "payload"));
	crypto_hash_sha256(sha, (const unsigned char *)payload, plen);
	if (sodium_memcmp(sha, want, 32) != 0) {
		rc = tims_err_set(err, TIMS_ERR_TAMPER,
				  "revocation list: the payload is not the one signed");
		goto out;
	}
	rc = parse_payload(payload, plen, out, err);
out:
	json_decref(o);
	if (rc)
		tims_revocation_release(out);
	return rc;
}

tims_rc tims_revocation_load(const char *path, const struct tims_verifier *key,
			     const char *centre, struct tims_revocation *out,
			     struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(TIMS_REVOCATION_MAX);
	struct tims_err e = { 0, "" };
	tims_rc rc;

	tims_revocation_init(out);
	if (access(path, F_OK) != 0)
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "%s: no revocation list held", path);
	if (!(rc = tims_read_file(path, b.max, &b, &e)))
		rc = tims_revocation_open(b.buf, b.len, key, centre, out, &e);
	if (rc)
		tims_err_set(err, rc, "%s: %s", path, e.msg);
	tims_buf_release(&b);
	return rc;
}

tims_rc tims_revocation_keep(const char *path, const char *json, size_t len,
			     const struct tims_verifier *key, const char *centre,
			     int *kept, struct tims_revocation *out, struct tims_err *err)
{
	struct tims_revocation held;
	struct tims_err e;
	tims_rc rc;

	*kept = 0;
	if ((rc = tims_revocation_open(json, len, key, centre, out, err)))
		return rc;
	/* What is held decides; a held file that no longer opens (damaged)
	 * is replaced by any list that does. */
	if (!tims_revocation_load(path, key, centre, &held, &e)) {
		uint64_t hv = held.version;

		tims_revocation_release(&held);
		if (out->version < hv) {
			rc = tims_err_set(err, TIMS_ERR_STATE, "revocation list: version %" PRIu64
					  " is older than the %" PRIu64 " held (replayed or out "
					  "of order): refused", out->version, hv);
			tims_revocation_release(out);
			return rc;
		}
		if (out->version == hv)
			return TIMS_OK;
	}
	if ((rc = tims_write_file(path, json, len, 0644, 1, err)))
		tims_revocation_release(out);
	else
		*kept = 1;
	return rc;
}

/* ---- questions ----------------------------------------------------------- */

tims_rc tims_revocation_key_hash(const struct tims_verifier *v, uint8_t out[32],
				 struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(1024);
	tims_rc rc = tims_verifier_format(v, &b);

	if (rc)
		rc = tims_err_set(err, rc, "key %s: cannot format it", v->name);
	else
		crypto_hash_sha256(out, (const unsigned char *)b.buf, b.len);
	tims_buf_release(&b);
	return rc;
}

int tims_revocation_post_revoked(const struct tims_revocation *r, const char *origin)
{
	for (size_t i = 0; r && i < r->nposts; i++)
		if (!strcmp(r->posts[i], origin))
			return 1;
	return 0;
}

int tims_revocation_key_revoked(const struct tims_revocation *r, const uint8_t hash[32],
				int witness)
{
	for (size_t i = 0; r && i < r->nkeys; i++)
		if (!memcmp(r->keys[i], hash, 32))
			return 1;
	for (size_t i = 0; r && witness && i < r->nwitnesses; i++)
		if (!memcmp(r->witnesses[i], hash, 32))
			return 1;
	return 0;
}

int tims_revocation_verifier_revoked(const struct tims_revocation *r,
				     const struct tims_verifier *v, int witness)
{
	uint8_t h[32];

	if (!r || tims_revocation_key_hash(v, h, NULL))
		return 0;
	return tims_revocation_key_revoked(r, h, witness);
}

/* Serial numbers compare as integers: leading zero bytes do not count. */
int tims_revocation_cert_revoked(const struct tims_revocation *r, const uint8_t *serial,
				 size_t len)
{
	while (len && !*serial)
		serial++, len--;
	for (size_t i = 0; r && i < r->ncerts; i++) {
		const uint8_t *a = r->certs[i].b;
		size_t al = r->certs[i].len;

		while (al && !*a)
			a++, al--;
		if (al == len && !memcmp(a, serial, len))
			return 1;
	}
	return 0;
}
