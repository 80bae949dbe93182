/*
 * load.c — a signer from a key file: the key itself ("PRIVATE+KEY+...") or
 * a reference to a key that lives in a PKCS#11 token:
 *
 *   PKCS11+KEY+NAME+HHHHHHHH+ALG+pkcs11:token=T;object=LABEL?module-path=..
 *
 * ALG is two hex digits (01 note signatures, 04 cosignatures). The token
 * signs (CKM_EDDSA); the private key never leaves it. The key hash is
 * checked against the public key the token reports for LABEL, so a
 * reference that names another key (a swapped label, an attacker's key in
 * the same token) is refused at load instead of signing with the wrong key.
 */
#include <pthread.h>
#include <sodium.h>

#include "internal.h"
#include "tims/p11.h"
#include "tims/signer.h"
#include "tims/util.h"

#define SKEY_PREFIX "PRIVATE+KEY+"
#define P11_PREFIX "PKCS11+KEY+"
#define KEYFILE_MAX 4096

struct p11_signer {
	struct tims_p11 *p11;
	char label[TIMS_P11_LABEL_MAX + 1];
	pthread_mutex_t mu;        /* guards why */
	char why[TIMS_ERR_MSG_BYTES];
};

static tims_rc p11_sign(void *ctx, const void *msg, size_t len,
			uint8_t sig[TIMS_SIG_BYTES])
{
	struct p11_signer *k = ctx;
	struct tims_err e;
	tims_rc rc;

	tims_err_clear(&e);
	rc = tims_p11_ed25519_sign(k->p11, k->label, msg, len, sig, &e);
	pthread_mutex_lock(&k->mu);
	snprintf(k->why, sizeof(k->why), "%s", rc ? tims_err_msg(&e) : "");
	pthread_mutex_unlock(&k->mu);
	return rc;
}

static void p11_free(void *ctx)
{
	struct p11_signer *k = ctx;

	tims_p11_close(k->p11);
	pthread_mutex_destroy(&k->mu);
	free(k);
}

/* ---- a key the signer process holds (tims/signer.h) --------------------- */

struct remote_signer {
	uint32_t id;
	int in_token;
	pthread_mutex_t mu;        /* guards why */
	char why[TIMS_ERR_MSG_BYTES];
};

static tims_rc remote_sign(void *ctx, const void *msg, size_t len,
			   uint8_t sig[TIMS_SIG_BYTES])
{
	struct remote_signer *k = ctx;
	struct tims_buf resp = TIMS_BUF_INIT(TIMS_SIGNER_MSG_MAX);
	uint8_t id[4];
	struct tims_signer_field in[2] = { { id, 4 }, { msg, len } }, out;
	struct tims_err e;
	tims_rc rc;

	tims_err_clear(&e);
	tims_signer_put32(id, k->id);
	rc = tims_signer_call(TIMS_SIGNER_NOTE_SIGN, in, 2, &resp, &out, 1, &e);
	if (!rc && out.len != TIMS_SIG_BYTES)
		rc = tims_err_set(&e, TIMS_ERR_UNAVAILABLE, "signer: a signature "
				  "of %zu bytes", out.len);
	if (!rc)
		memcpy(sig, out.p, TIMS_SIG_BYTES);
	else
		memset(sig, 0, TIMS_SIG_BYTES);
	tims_buf_release(&resp);
	pthread_mutex_lock(&k->mu);
	snprintf(k->why, sizeof(k->why), "%s", rc ? tims_err_msg(&e) : "");
	pthread_mutex_unlock(&k->mu);
	return rc;
}

static void remote_free(void *ctx)
{
	struct remote_signer *k = ctx;
	struct tims_buf resp = TIMS_BUF_INIT(TIMS_SIGNER_MSG_MAX);
	uint8_t id[4];
	struct tims_signer_field in = { id, 4 };

	tims_signer_put32(id, k->id);
	(void)tims_signer_call(TIMS_SIGNER_NOTE_FREE, &in, 1, &resp, NULL, 0, NULL);
	tims_buf_release(&resp);
	pthread_mutex_destroy(&k->mu);
	free(k);
}

/* The signer reads the key file (its path resolved here) and signs. */
static tims_rc load_remote(const char *path, struct tims_signer *out,
			   struct tims_err *err)
{
	struct tims_buf resp = TIMS_BUF_INIT(TIMS_SIGNER_MSG_MAX);
	struct tims_signer_field in, f[6];
	struct remote_signer *k;
	char abs[PATH_MAX];
	tims_rc rc;

	if (!realpath(path, abs))
		return tims_err_set(err, errno == ENOENT ? TIMS_ERR_NOTFOUND :
				    TIMS_ERR_IO, "%s: %s", path, strerror(errno));
	in.p = abs;
	in.len = strlen(abs);
	if ((rc = tims_signer_call(TIMS_SIGNER_NOTE_LOAD, &in, 1, &resp, f, 6, err)))
		goto out;
	if (f[0].len != 4 || f[1].len != 4 || f[2].len != 4 || f[3].len != 4 ||
	    f[4].len != TIMS_PUBKEY_BYTES || !f[5].len ||
	    f[5].len > TIMS_NOTE_MAX_NAME || memchr(f[5].p, '\0', f[5].len) ||
	    tims_signer_get32(f[1].p) > 0xff || tims_signer_get32(f[3].p) > 1) {
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE, "signer: malformed "
				  "answer to a key load");
		goto out;
	}
	k = calloc(1, sizeof(*k));
	if (!k) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "%s: out of memory", path);
		goto out;
	}
	k->id = tims_signer_get32(f[0].p);
	k->in_token = (int)tims_signer_get32(f[3].p);
	pthread_mutex_init(&k->mu, NULL);
	memset(out, 0, sizeof(*out));
	memcpy(out->name, f[5].p, f[5].len);
	out->alg = (uint8_t)tims_signer_get32(f[1].p);
	out->keyhash = tims_signer_get32(f[2].p);
	memcpy(out->pub, f[4].p, TIMS_PUBKEY_BYTES);
	out->ctx = k;
	out->sign = remote_sign;
	out->free = remote_free;
out:
	tims_buf_release(&resp);
	return rc;
}

void tims_signer_why(const struct tims_signer *s, char *buf, size_t n)
{
	if (!n)
		return;
	buf[0] = '\0';
	if (s && s->sign == p11_sign && s->ctx) {
		struct p11_signer *k = s->ctx;

		pthread_mutex_lock(&k->mu);
		snprintf(buf, n, "%s", k->why);
		pthread_mutex_unlock(&k->mu);
	} else if (s && s->sign == remote_sign && s->ctx) {
		struct remote_signer *k = s->ctx;

		pthread_mutex_lock(&k->mu);
		snprintf(buf, n, "%s", k->why);
		pthread_mutex_unlock(&k->mu);
	}
}

int tims_signer_in_token(const struct tims_signer *s)
{
	return s && (s->sign == p11_sign ||
		     (s->sign == remote_sign && s->ctx &&
		      ((const struct remote_signer *)s->ctx)->in_token));
}

/* "NAME+HHHHHHHH+AA+URI" (after PKCS11+KEY+). */
static tims_rc load_p11(const char *path, const char *s,
			struct tims_signer *out, struct tims_err *err)
{
	const char *plus = strchr(s, '+'), *uri;
	struct p11_signer *k = NULL;
	uint8_t h[4], alg;
	uint32_t hash;
	size_t nlen;
	tims_rc rc;
	char hex[9];

	if (!plus)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: expected "
				    "PKCS11+KEY+NAME+HASH+ALG+URI", path);
	nlen = (size_t)(plus - s);
	if ((rc = tims_note_check_name(s, nlen, "token key name", err)))
		return rc;
	memcpy(out->name, s, nlen);
	out->name[nlen] = '\0';
	if (strlen(plus) < 13 || plus[9] != '+' || plus[12] != '+')
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: expected "
				    "NAME+HHHHHHHH+AA+URI", path);
	for (int i = 1; i <= 8; i++)
		if (!isxdigit((unsigned char)plus[i]))
			return tims_err_set(err, TIMS_ERR_INVALID, "%s: key "
					    "hash must be 8 hex digits", path);
	memcpy(hex, plus + 1, 8);
	hex[8] = '\0';
	if (tims_hex_decode(hex, h, 4, "key hash", err))
		return TIMS_ERR_INVALID;
	hash = note_get_be32(h);
	memcpy(hex, plus + 10, 2);
	hex[2] = '\0';
	if (tims_hex_decode(hex, &alg, 1, "key algorithm", err))
		return TIMS_ERR_INVALID;
	if (alg != TIMS_KEY_ED25519 && alg != TIMS_KEY_COSIGNATURE_V1)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: unknown key "
				    "algorithm %02x", path, alg);
	uri = plus + 13;
	k = calloc(1, sizeof(*k));
	if (!k)
		return tims_err_set(err, TIMS_ERR_NOMEM, "%s: out of memory", path);
	if ((rc = tims_p11_open(uri, &k->p11, err))) {
		free(k);
		return rc;
	}
	if (!tims_p11_object(k->p11)[0]) {
		rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: the URI names no "
				  "object (;object=LABEL)", path);
		goto fail;
	}
	snprintf(k->label, sizeof(k->label), "%s", tims_p11_object(k->p11));
	if ((rc = tims_p11_ed25519_public(k->p11, k->label, out->pub, err)))
		goto fail;
	out->alg = alg;
	out->keyhash = tims_note_keyhash(out->name, alg, out->pub);
	if (out->keyhash != hash) {
		rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: key hash %08" PRIx32
				  " does not match the key %s in the token "
				  "(%08" PRIx32 ")", path, hash, k->label,
				  out->keyhash);
		goto fail;
	}
	pthread_mutex_init(&k->mu, NULL);
	out->ctx = k;
	out->sign = p11_sign;
	out->free = p11_free;
	return TIMS_OK;
fail:
	tims_p11_close(k->p11);
	free(k);
	return rc;
}

tims_rc tims_signer_load(const char *path, struct tims_signer *out,
			 struct tims_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!path || !strcmp(path, "-"))
		return tims_err_set(err, TIMS_ERR_USAGE, "signer key: a file "
				    "path is required");
	/* in a daemon the key file is the signer process's to read */
	if (tims_signer_active())
		return load_remote(path, out, err);
	return tims_signer_load_local(path, out, err);
}

tims_rc tims_signer_load_local(const char *path, struct tims_signer *out,
			       struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(KEYFILE_MAX);
	tims_rc rc;

	memset(out, 0, sizeof(*out));
	if (!path || !strcmp(path, "-"))
		return tims_err_set(err, TIMS_ERR_USAGE, "signer key: a file "
				    "path is required");
	if ((rc = tims_read_file(path, KEYFILE_MAX, &b, err)))
		return rc;
	if (b.len && b.buf[b.len - 1] == '\n')
		b.buf[--b.len] = '\0';
	if (strlen(b.buf) != b.len) {
		rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: a NUL byte in a "
				  "key file", path);
	} else if (!strncmp(b.buf, SKEY_PREFIX, strlen(SKEY_PREFIX))) {
		rc = tims_signer_from_skey(b.buf, out, err);
		if (rc && err) {
			char m[TIMS_ERR_MSG_BYTES];

			snprintf(m, sizeof(m), "%s", err->msg);
			tims_err_set(err, rc, "%s: %s", path, m);
		}
	} else if (!strncmp(b.buf, P11_PREFIX, strlen(P11_PREFIX))) {
		rc = load_p11(path, b.buf + strlen(P11_PREFIX), out, err);
	} else {
		rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: neither a signer "
				  "key (PRIVATE+KEY+) nor a token reference "
				  "(PKCS11+KEY+)", path);
	}
	if (rc)
		memset(out, 0, sizeof(*out));
	sodium_memzero(b.buf, b.alloc);
	tims_buf_release(&b);
	return rc;
}

tims_rc tims_signer_reference(const char *name, uint8_t alg,
			      const uint8_t pub[TIMS_PUBKEY_BYTES],
			      const char *uri, const char *label,
			      struct tims_buf *out, struct tims_err *err)
{
	tims_rc rc;
	const char *q;

	if ((rc = tims_note_check_name(name, strlen(name), "key name", err)))
		return rc;
	if (alg != TIMS_KEY_ED25519 && alg != TIMS_KEY_COSIGNATURE_V1)
		return tims_err_set(err, TIMS_ERR_USAGE, "unknown key algorithm "
				    "%02x", alg);
	if (strncmp(uri, "pkcs11:", 7) != 0)
		return tims_err_set(err, TIMS_ERR_INVALID, "token URI does not "
				    "start with pkcs11:");
	for (const char *c = label; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("-._~", *c))
			return tims_err_set(err, TIMS_ERR_INVALID, "key label: "
					    "only letters, digits and -._~");
	q = strchr(uri, '?');
	{
		size_t plen = q ? (size_t)(q - uri) : strlen(uri);

		for (size_t i = 7; i + 7 <= plen; i++)
			if (!strncmp(uri + i, "object=", 7) &&
			    (uri[i - 1] == ':' || uri[i - 1] == ';'))
				return tims_err_set(err, TIMS_ERR_INVALID,
						    "token URI: give it without "
						    "object= (the label is added)");
	}
	if (!*label || strlen(label) > TIMS_P11_LABEL_MAX)
		return tims_err_set(err, TIMS_ERR_INVALID, "key label: 1..%d "
				    "bytes", TIMS_P11_LABEL_MAX);
	rc = tims_buf_addf(out, P11_PREFIX "%s+%08" PRIx32 "+%02x+%.*s;object=%s%s",
			   name, tims_note_keyhash(name, alg, pub), alg,
			   (int)(q ? (size_t)(q - uri) : strlen(uri)), uri,
			   label, q ? q : "");
	if (rc)
		return tims_err_set(err, rc, "token reference: too long");
	return TIMS_OK;
}

tims_rc tims_note_keygen_in(const char *token, const char *label,
			    const char *name, enum tims_key_alg alg,
			    char **skey, char **vkey, struct tims_err *err)
{
	struct tims_buf ref = TIMS_BUF_INIT(KEYFILE_MAX);
	struct tims_buf vb = TIMS_BUF_INIT(1024);
	struct tims_verifier v;
	struct tims_p11 *p = NULL;
	int made = 0;
	tims_rc rc;

	*skey = *vkey = NULL;
	if (!token)
		return tims_note_keygen(name, alg, skey, vkey, err);
	if ((rc = tims_note_check_name(name, strlen(name), "key name", err)))
		return rc;
	if (alg != TIMS_KEY_ED25519 && alg != TIMS_KEY_COSIGNATURE_V1)
		return tims_err_set(err, TIMS_ERR_USAGE, "keygen: unknown "
				    "algorithm %d", (int)alg);
	memset(&v, 0, sizeof(v));
	/* check the reference can be written before making anything */
	if ((rc = tims_signer_reference(name, (uint8_t)alg, v.pub, token, label,
					&ref, err)))
		return rc;
	tims_buf_reset(&ref);
	if ((rc = tims_p11_open(token, &p, err)))
		goto out;
	if (tims_p11_object(p)[0]) {
		rc = tims_err_set(err, TIMS_ERR_INVALID, "token URI: give it "
				  "without object= (the label is separate)");
		goto out;
	}
	if ((rc = tims_p11_ed25519_generate(p, label, v.pub, err)))
		goto out;
	made = 1;
	snprintf(v.name, sizeof(v.name), "%s", name);
	v.alg = (uint8_t)alg;
	v.keyhash = tims_note_keyhash(name, v.alg, v.pub);
	if ((rc = tims_signer_reference(name, (uint8_t)alg, v.pub, token, label,
					&ref, err)))
		goto out;
	if ((rc = tims_verifier_format(&v, &vb))) {
		rc = tims_err_set(err, rc, "keygen: formatting the verifier key");
		goto out;
	}
	*skey = sodium_malloc(ref.len + 1);   /* may hold a pin-value */
	*vkey = tims_buf_detach(&vb, NULL);
	if (!*skey || !*vkey) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "keygen: out of memory");
		goto out;
	}
	memcpy(*skey, ref.buf, ref.len + 1);
out:
	if (rc) {
		if (made)
			(void)tims_p11_destroy(p, label, NULL);
		if (*skey)
			sodium_free(*skey);
		free(*vkey);
		*skey = *vkey = NULL;
	}
	tims_p11_close(p);
	if (ref.buf)
		sodium_memzero(ref.buf, ref.alloc);
	tims_buf_release(&ref);
	tims_buf_release(&vb);
	return rc;
}

tims_rc tims_note_key_label(const char *role, char *out, size_t n,
			    struct tims_err *err)
{
	uint8_t r[8];
	char hex[17];

	if (sodium_init() < 0)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "libsodium init failed");
	randombytes_buf(r, sizeof(r));
	sodium_bin2hex(hex, sizeof(hex), r, sizeof(r));
	if ((size_t)snprintf(out, n, "tims-%s-%s", role, hex) >= n ||
	    strlen(out) > TIMS_P11_LABEL_MAX)
		return tims_err_set(err, TIMS_ERR_USAGE, "key label: too long");
	return TIMS_OK;
}
