/*
 * front.c — tims/p11.h as callers see it: the token in this process
 * (p11.c), or, after tims_signer_start(), a proxy whose every call is a
 * request to the signer process (signer.c). Same results, same codes; the
 * proxy holds a handle number, the URI as displayed and the object label,
 * never the module or the PIN.
 */
#include <sodium.h>

#include "internal.h"
#include "tims/signer.h"

struct tims_p11 {
	struct p11_local *local;   /* no signer: the token, here */
	uint32_t remote;           /* with a signer: its handle */
	char display[TIMS_P11_URI_MAX + 1];
	char object[TIMS_P11_LABEL_MAX + 1];
};

/* A text field of the signer's answer into dst (at most n - 1 bytes, no
 * NUL, no control character), or -1. */
static int text_field(const struct tims_signer_field *f, char *dst, size_t n)
{
	const char *s = f->p;

	if (f->len >= n || memchr(s, '\0', f->len))
		return -1;
	for (size_t i = 0; i < f->len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return -1;
	memcpy(dst, s, f->len);
	dst[f->len] = '\0';
	return 0;
}

static void wipe_release(struct tims_buf *b)
{
	if (b->buf)
		sodium_memzero(b->buf, b->alloc);
	tims_buf_release(b);
}

/* A request on handle p with a label and up to two more fields; the
 * answer's nout fields in out (pointing into resp). */
static tims_rc call(unsigned op, const struct tims_p11 *p, const char *label,
		    const void *a, size_t alen, const void *b, size_t blen,
		    size_t nin, struct tims_buf *resp,
		    struct tims_signer_field *out, size_t nout,
		    struct tims_err *err)
{
	uint8_t h[4];
	struct tims_signer_field in[4] = {
		{ h, 4 },
		{ label ? label : "", label ? strnlen(label, TIMS_P11_LABEL_MAX + 1) : 0 },
		{ a, alen },
		{ b, blen },
	};

	if (!p)
		return tims_err_set(err, TIMS_ERR_USAGE, "pkcs11: no token handle");
	if (!label || !*label || strnlen(label, TIMS_P11_LABEL_MAX + 1) > TIMS_P11_LABEL_MAX)
		return tims_err_set(err, TIMS_ERR_USAGE,
				    "pkcs11: key label must be 1..%d bytes",
				    TIMS_P11_LABEL_MAX);
	tims_signer_put32(h, p->remote);
	return tims_signer_call(op, in, nin, resp, out, nout, err);
}

tims_rc tims_p11_open(const char *uri, struct tims_p11 **out,
		      struct tims_err *err)
{
	struct tims_signer_field in, f[3];
	struct tims_buf resp = TIMS_BUF_INIT(TIMS_SIGNER_MSG_MAX);
	struct tims_p11 *p;
	tims_rc rc;

	*out = NULL;
	if (!uri)
		return tims_err_set(err, TIMS_ERR_INVALID, "pkcs11 URI: none");
	p = calloc(1, sizeof(*p));
	if (!p)
		return tims_err_set(err, TIMS_ERR_NOMEM, "pkcs11: out of memory");
	if (!tims_signer_active()) {
		if ((rc = p11_local_open(uri, &p->local, err))) {
			free(p);
			return rc;
		}
		*out = p;
		return TIMS_OK;
	}
	if (strnlen(uri, TIMS_P11_URI_MAX + 1) > TIMS_P11_URI_MAX) {
		free(p);
		return tims_err_set(err, TIMS_ERR_INVALID, "pkcs11 URI: longer "
				    "than %d bytes", TIMS_P11_URI_MAX);
	}
	in.p = uri;
	in.len = strlen(uri);
	rc = tims_signer_call(TIMS_SIGNER_OPEN, &in, 1, &resp, f, 3, err);
	if (!rc && (f[0].len != 4 || text_field(&f[1], p->display, sizeof(p->display)) ||
		    text_field(&f[2], p->object, sizeof(p->object))))
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE, "signer: malformed "
				  "answer to open");
	if (!rc)
		p->remote = tims_signer_get32(f[0].p);
	wipe_release(&resp);
	if (rc) {
		free(p);
		return rc;
	}
	*out = p;
	return TIMS_OK;
}

void tims_p11_close(struct tims_p11 *p)
{
	if (!p)
		return;
	if (p->local) {
		p11_local_close(p->local);
	} else if (p->remote && tims_signer_active()) {
		struct tims_buf resp = TIMS_BUF_INIT(TIMS_SIGNER_MSG_MAX);
		struct tims_signer_field in;
		uint8_t h[4];

		tims_signer_put32(h, p->remote);
		in.p = h;
		in.len = 4;
		(void)tims_signer_call(TIMS_SIGNER_CLOSE, &in, 1, &resp, NULL, 0, NULL);
		tims_buf_release(&resp);
	}
	free(p);
}

const char *tims_p11_uri_display(const struct tims_p11 *p)
{
	if (!p)
		return "";
	return p->local ? p11_local_uri_display(p->local) : p->display;
}

const char *tims_p11_object(const struct tims_p11 *p)
{
	if (!p)
		return "";
	return p->local ? p11_local_object(p->local) : p->object;
}

/* An answer with no fields. */
static tims_rc call0(unsigned op, struct tims_p11 *p, const char *label,
		     struct tims_err *err)
{
	struct tims_buf resp = TIMS_BUF_INIT(TIMS_SIGNER_MSG_MAX);
	tims_rc rc = call(op, p, label, NULL, 0, NULL, 0, 2, &resp, NULL, 0, err);

	tims_buf_release(&resp);
	return rc;
}

tims_rc tims_p11_aes_generate(struct tims_p11 *p, const char *label,
			      struct tims_err *err)
{
	if (p && p->local)
		return p11_local_aes_generate(p->local, label, err);
	return call0(TIMS_SIGNER_AES_GENERATE, p, label, err);
}

tims_rc tims_p11_ecdsa_p256_generate(struct tims_p11 *p, const char *label,
				     struct tims_err *err)
{
	if (p && p->local)
		return p11_local_ecdsa_p256_generate(p->local, label, err);
	return call0(TIMS_SIGNER_ECDSA_GENERATE, p, label, err);
}

tims_rc tims_p11_destroy(struct tims_p11 *p, const char *label,
			 struct tims_err *err)
{
	if (p && p->local)
		return p11_local_destroy(p->local, label, err);
	return call0(TIMS_SIGNER_DESTROY, p, label, err);
}

int tims_p11_exists(struct tims_p11 *p, const char *label,
		    struct tims_err *err)
{
	struct tims_buf resp = TIMS_BUF_INIT(TIMS_SIGNER_MSG_MAX);
	struct tims_signer_field f;
	int r = -1;

	if (p && p->local)
		return p11_local_exists(p->local, label, err);
	if (!call(TIMS_SIGNER_EXISTS, p, label, NULL, 0, NULL, 0, 2, &resp, &f, 1, err)) {
		if (f.len == 4 && tims_signer_get32(f.p) <= 1)
			r = (int)tims_signer_get32(f.p);
		else
			tims_err_set(err, TIMS_ERR_UNAVAILABLE, "signer: malformed "
				     "answer to exists");
	}
	tims_buf_release(&resp);
	return r;
}

static tims_rc aes(unsigned op, struct tims_p11 *p, const char *label,
		   const void *ad, size_t adlen, const void *in, size_t len,
		   struct tims_buf *out, struct tims_err *err)
{
	struct tims_buf resp = TIMS_BUF_INIT(TIMS_SIGNER_MSG_MAX);
	struct tims_signer_field f;
	tims_rc rc;

	rc = call(op, p, label, ad, adlen, in, len, 4, &resp, &f, 1, err);
	if (!rc && op == TIMS_SIGNER_AES_ENCRYPT && f.len != len + 28)
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE, "signer: AES-GCM "
				  "answer of %zu bytes for %zu", f.len, len);
	if (!rc && op == TIMS_SIGNER_AES_DECRYPT && f.len + 28 != len)
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE, "signer: AES-GCM "
				  "answer of %zu bytes for %zu", f.len, len);
	if (!rc && (rc = tims_buf_add(out, f.p, f.len)))
		rc = tims_err_set(err, rc, "pkcs11: AES-GCM output past its "
				  "buffer's ceiling");
	wipe_release(&resp);
	return rc;
}

tims_rc tims_p11_aes_encrypt(struct tims_p11 *p, const char *label,
			     const void *ad, size_t adlen, const void *pt,
			     size_t len, struct tims_buf *out,
			     struct tims_err *err)
{
	if (p && p->local)
		return p11_local_aes_encrypt(p->local, label, ad, adlen, pt, len,
					     out, err);
	return aes(TIMS_SIGNER_AES_ENCRYPT, p, label, ad, adlen, pt, len, out, err);
}

tims_rc tims_p11_aes_decrypt(struct tims_p11 *p, const char *label,
			     const void *ad, size_t adlen, const void *blob,
			     size_t len, struct tims_buf *out,
			     struct tims_err *err)
{
	if (p && p->local)
		return p11_local_aes_decrypt(p->local, label, ad, adlen, blob, len,
					     out, err);
	return aes(TIMS_SIGNER_AES_DECRYPT, p, label, ad, adlen, blob, len, out, err);
}

/* An answer of exactly n bytes into dst. */
static tims_rc fixed(unsigned op, struct tims_p11 *p, const char *label,
		     const void *msg, size_t len, size_t nin, uint8_t *dst,
		     size_t n, struct tims_err *err)
{
	struct tims_buf resp = TIMS_BUF_INIT(TIMS_SIGNER_MSG_MAX);
	struct tims_signer_field f;
	tims_rc rc;

	rc = call(op, p, label, msg, len, NULL, 0, nin, &resp, &f, 1, err);
	if (!rc && f.len != n)
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE, "signer: answer of "
				  "%zu bytes, not %zu", f.len, n);
	if (!rc)
		memcpy(dst, f.p, n);
	tims_buf_release(&resp);
	return rc;
}

tims_rc tims_p11_ed25519_generate(struct tims_p11 *p, const char *label,
				  uint8_t pub[32], struct tims_err *err)
{
	if (p && p->local)
		return p11_local_ed25519_generate(p->local, label, pub, err);
	return fixed(TIMS_SIGNER_ED_GENERATE, p, label, NULL, 0, 2, pub, 32, err);
}

tims_rc tims_p11_ed25519_public(struct tims_p11 *p, const char *label,
				uint8_t pub[32], struct tims_err *err)
{
	if (p && p->local)
		return p11_local_ed25519_public(p->local, label, pub, err);
	return fixed(TIMS_SIGNER_ED_PUBLIC, p, label, NULL, 0, 2, pub, 32, err);
}

tims_rc tims_p11_ed25519_sign(struct tims_p11 *p, const char *label,
			      const void *msg, size_t len, uint8_t sig[64],
			      struct tims_err *err)
{
	tims_rc rc;

	if (p && p->local)
		return p11_local_ed25519_sign(p->local, label, msg, len, sig, err);
	rc = fixed(TIMS_SIGNER_ED_SIGN, p, label, msg, len, 3, sig, 64, err);
	if (rc)
		memset(sig, 0, 64);
	return rc;
}
