/*
 * caop.c — the centre's CA used where its key lives (tims/signer.h,
 * tims_signer_ca_issue, tims_signer_ca_crl).
 *
 * In the centre's daemon the CA key lies in the key directory, out of the
 * network process's reach (docs/security.md, "Key directory"): this
 * process names the CA's files and sends what is to be signed; the signer
 * reads the files and signs a post's client certificate or a revocation
 * list, and nothing else with that key (lib/p11/signer.c refuses to load
 * it for raw TLS signatures: tims_signer_ref_is_ca). Without a signer
 * (commands, tests) the same is done here.
 */
#include <limits.h>
#include <sodium.h>

#include "internal.h"
#include "tims/p11.h"
#include "tims/signer.h"
#include "tims/tls.h"
#include "tims/util.h"

int tims_signer_ref_is_ca(const char *ref)
{
	char real[PATH_MAX];
	const char *base;
	size_t n;

	/* the centre labels its CA keys tims-ca-HEX (make_ca, rollover);
	 * the label as the token sees it, percent-decoded */
	if (!strncmp(ref, "pkcs11:", 7))
		return tims_p11_uri_names_ca(ref);
	/* the file as the kernel finds it: a link in DIR names the key
	 * directory's file, and any other link to it is followed as well */
	if (!realpath(ref, real))
		snprintf(real, sizeof(real), "%s", ref);
	base = strrchr(real, '/');
	base = base ? base + 1 : real;
	n = strlen(base);
	return !strcmp(base, "ca.key") ||
	       (n > 7 && !strncmp(base, "ca-", 3) && !strcmp(base + n - 4, ".key"));
}

static void wipe_release(struct tims_buf *b)
{
	if (b->buf)
		sodium_memzero(b->buf, b->alloc);
	tims_buf_release(b);
}

/* path made absolute for the signer, whose working directory is not ours:
 * the directory resolved, the name kept (a link stays a link for the
 * signer to follow, under its own rules) */
tims_rc tls_abs_path(const char *path, char *out, size_t cap, struct tims_err *err)
{
	char dir[PATH_MAX], real[PATH_MAX];
	const char *base = strrchr(path, '/');
	size_t dl = base ? (size_t)(base - path) : 0;

	if (dl >= sizeof(dir))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", path);
	snprintf(dir, sizeof(dir), "%.*s", (int)(base ? (dl ? dl : 1) : 1), base ? path : ".");
	if (!realpath(dir, real))
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", path, strerror(errno));
	if ((size_t)snprintf(out, cap, "%s/%s", strcmp(real, "/") ? real : "",
			     base ? base + 1 : path) >= cap)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", path);
	return TIMS_OK;
}

/* An answer of one PEM field into out. */
static tims_rc take_pem(const struct tims_signer_field *f, size_t max, struct tims_buf *out,
			const char *what, struct tims_err *err)
{
	if (!f->len || f->len > max || memchr(f->p, '\0', f->len))
		return tims_err_set(err, TIMS_ERR_UNAVAILABLE, "signer: malformed answer (%s)",
				    what);
	if (tims_buf_add(out, f->p, f->len))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: larger than its buffer", what);
	return TIMS_OK;
}

tims_rc tims_signer_ca_issue(const char *ca_cert_file, const char *ca_key_file,
			     const char *csr_pem, const char *common_name, unsigned seconds,
			     struct tims_buf *cert_pem, struct tims_err *err)
{
	struct tims_buf resp = TIMS_BUF_INIT(TIMS_SIGNER_MSG_MAX);
	struct tims_buf ca = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX), key = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	char crt[PATH_MAX], kf[PATH_MAX];
	struct tims_signer_field in[5], out;
	uint8_t sec[4];
	tims_rc rc;

	if (!tims_signer_active()) {
		struct tims_cert_req req = { .common_name = common_name, .seconds = seconds,
					     .role = TIMS_CERT_POST_CLIENT };

		if (!seconds)
			return tims_err_set(err, TIMS_ERR_INVALID, "certificate: a lifetime of "
					    "0 s");
		if (!(rc = tims_read_file(ca_cert_file, ca.max, &ca, err)) &&
		    !(rc = tims_read_file(ca_key_file, key.max, &key, err)))
			rc = tims_tls_issue_csr(&req, csr_pem, tims_buf_str(&ca),
						tims_buf_str(&key), cert_pem, err);
		tims_buf_release(&ca);
		wipe_release(&key);
		return rc;
	}
	if ((rc = tls_abs_path(ca_cert_file, crt, sizeof(crt), err)) ||
	    (rc = tls_abs_path(ca_key_file, kf, sizeof(kf), err)))
		return rc;
	tims_signer_put32(sec, seconds);
	in[0] = (struct tims_signer_field){ crt, strlen(crt) };
	in[1] = (struct tims_signer_field){ kf, strlen(kf) };
	in[2] = (struct tims_signer_field){ csr_pem, strlen(csr_pem) };
	in[3] = (struct tims_signer_field){ common_name, strlen(common_name) };
	in[4] = (struct tims_signer_field){ sec, 4 };
	if (!(rc = tims_signer_call(TIMS_SIGNER_CA_ISSUE, in, 5, &resp, &out, 1, err)))
		rc = take_pem(&out, TIMS_TLS_PEM_MAX, cert_pem, "certificate", err);
	tims_buf_release(&resp);
	return rc;
}

tims_rc tims_signer_ca_crl(const char *ca_cert_file, const char *ca_key_file,
			   uint64_t number, unsigned days, const struct tims_tls_serial *serials,
			   size_t n, struct tims_buf *crl_pem, struct tims_err *err)
{
	struct tims_buf resp = TIMS_BUF_INIT(TIMS_SIGNER_MSG_MAX);
	struct tims_buf list = TIMS_BUF_INIT(TIMS_SIGNER_MSG_MAX);
	struct tims_buf ca = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX), key = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	char crt[PATH_MAX], kf[PATH_MAX];
	struct tims_signer_field in[5], out;
	uint8_t num[4], d[4];
	tims_rc rc;

	if (!tims_signer_active()) {
		if (!(rc = tims_read_file(ca_cert_file, ca.max, &ca, err)) &&
		    !(rc = tims_read_file(ca_key_file, key.max, &key, err)))
			rc = tims_tls_crl_make(tims_buf_str(&ca), tims_buf_str(&key), number, days,
					       serials, n, crl_pem, err);
		tims_buf_release(&ca);
		wipe_release(&key);
		return rc;
	}
	if (number > UINT32_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "revocation list: number %llu past "
				    "2^32 - 1", (unsigned long long)number);
	for (size_t i = 0; i < n; i++) {
		uint8_t l = (uint8_t)serials[i].len;

		if (!serials[i].len || serials[i].len > TIMS_TLS_SERIAL_MAX)
			return tims_err_set(err, TIMS_ERR_INVALID, "revocation list: serial %zu: "
					    "1 to %d bytes", i + 1, TIMS_TLS_SERIAL_MAX);
		if (tims_buf_add(&list, &l, 1) || tims_buf_add(&list, serials[i].b, l)) {
			tims_buf_release(&list);
			return tims_err_set(err, TIMS_ERR_TOOBIG, "revocation list: %zu serials "
					    "are more than the signer's message holds", n);
		}
	}
	if ((rc = tls_abs_path(ca_cert_file, crt, sizeof(crt), err)) ||
	    (rc = tls_abs_path(ca_key_file, kf, sizeof(kf), err)))
		goto out;
	tims_signer_put32(num, (uint32_t)number);
	tims_signer_put32(d, days);
	in[0] = (struct tims_signer_field){ crt, strlen(crt) };
	in[1] = (struct tims_signer_field){ kf, strlen(kf) };
	in[2] = (struct tims_signer_field){ num, 4 };
	in[3] = (struct tims_signer_field){ d, 4 };
	in[4] = (struct tims_signer_field){ list.buf ? list.buf : "", list.len };
	if (!(rc = tims_signer_call(TIMS_SIGNER_CA_CRL, in, 5, &resp, &out, 1, err)))
		rc = take_pem(&out, TIMS_TLS_CRL_MAX, crl_pem, "revocation list", err);
out:
	tims_buf_release(&list);
	tims_buf_release(&resp);
	return rc;
}
