/*
 * test_revocation.c — the centre's signed revocation list
 * (tims/revocation.h) and the certificate pieces renewal rests on
 * (tims/tls.h): a list opens only as signed, by the key and centre
 * expected; an older one is refused where a newer is held; entries are
 * found as a holder asks for them; a CSR issues a certificate for its own
 * key only; validity in seconds; a certificate is known by the CA that
 * issued it among several (a CA rollover).
 */
#include <sodium.h>
#include <stdlib.h>
#include <unistd.h>

#include "t.h"
#include "tims/revocation.h"
#include "tims/tls.h"
#include "tims/util.h"

static void keypair(const char *name, struct tims_signer *s, struct tims_verifier *v,
		    char **vkey_out)
{
	char *sk = NULL, *vk = NULL;

	if (tims_note_keygen(name, TIMS_KEY_ED25519, &sk, &vk, NULL) ||
	    tims_signer_from_skey(sk, s, NULL) || tims_verifier_parse(vk, v, NULL))
		abort();
	tims_note_free_secret(sk);
	if (vkey_out)
		*vkey_out = vk;
	else
		free(vk);
}

static void sign(const struct tims_revocation *r, const struct tims_signer *s,
		 struct tims_buf *out)
{
	tims_buf_reset(out);
	if (tims_revocation_sign(r, s, out, NULL))
		abort();
}

int main(void)
{
	struct tims_signer key, other, wkey;
	struct tims_verifier vkey, vother, vw;
	struct tims_revocation r, got;
	struct tims_buf v1 = TIMS_BUF_INIT(1 << 20), v2 = TIMS_BUF_INIT(1 << 20);
	struct tims_buf forged = TIMS_BUF_INIT(1 << 20);
	struct tims_err err;
	char base[] = "/tmp/tims-revocation-XXXXXX", path[256], *wvk = NULL;
	uint8_t h[32], serial[] = { 0x00, 0x12, 0x34 }, serial2[] = { 0x12, 0x34 };
	int kept = 0;
	tims_rc rc;

	if (sodium_init() < 0 || !mkdtemp(base))
		return 2;
	snprintf(path, sizeof(path), "%s/revocations.json", base);
	keypair("centre/bundles", &key, &vkey, NULL);
	keypair("other/bundles", &other, &vother, NULL);
	keypair("witness.test/w1", &wkey, &vw, &wvk);

	/* version 1: a post and a witness */
	tims_revocation_init(&r);
	snprintf(r.centre, sizeof(r.centre), "centre");
	r.version = 1;
	T_OK(!tims_revocation_add_post(&r, "bg.example/post-b", NULL), "add a post");
	T_OK(!tims_revocation_key_hash(&vw, h, NULL) && !tims_revocation_add_hash(&r, 1, h, NULL),
	     "add a witness by its key");
	T_OK(!tims_revocation_add_cert(&r, serial, sizeof(serial), NULL), "add a serial");
	T_OK(tims_revocation_add_post(&r, "bad origin", &err) == TIMS_ERR_INVALID,
	     "an origin with a space is refused: %s", err.msg);
	sign(&r, &key, &v1);
	r.version = 2;
	T_OK(!tims_revocation_add_post(&r, "bg.example/post-c", NULL), "version 2 adds a post");
	sign(&r, &key, &v2);

	rc = tims_revocation_open(v1.buf, v1.len, &vkey, "centre", &got, &err);
	T_OK(!rc, "a list signed by the bundle key opens");
	T_EQ_INT(got.version, 1, "its version");
	T_OK(tims_revocation_post_revoked(&got, "bg.example/post-b"), "the post is revoked");
	T_OK(!tims_revocation_post_revoked(&got, "bg.example/post-a"), "another is not");
	T_OK(tims_revocation_verifier_revoked(&got, &vw, 1), "the witness is revoked, as a witness");
	T_OK(!tims_revocation_verifier_revoked(&got, &vw, 0),
	     "a witness entry does not revoke the key for other uses");
	T_OK(!tims_revocation_verifier_revoked(&got, &vkey, 1), "another key is not");
	T_OK(tims_revocation_cert_revoked(&got, serial2, sizeof(serial2)),
	     "a serial matches without its leading zero byte");
	tims_revocation_release(&got);

	T_OK(tims_revocation_open(v1.buf, v1.len, &vother, "centre", &got, &err) ==
	     TIMS_ERR_SIGNATURE, "another key's list is refused: %s", err.msg);
	T_OK(tims_revocation_open(v1.buf, v1.len, &vkey, "elsewhere", &got, &err) ==
	     TIMS_ERR_SIGNATURE, "another centre's name is refused: %s", err.msg);
	{
		/* the payload changed after signing: the revoked post taken out */
		char *s = strdup(tims_buf_str(&v1)), *p = strstr(s, "bg.example/post-b");

		memcpy(p, "bg.example/post-x", 17);
		tims_buf_addstr(&forged, s);
		free(s);
	}
	T_OK(tims_revocation_open(forged.buf, forged.len, &vkey, "centre", &got, &err) ==
	     TIMS_ERR_TAMPER, "a payload other than the one signed is refused: %s", err.msg);
	T_OK(tims_revocation_open("{\"note\":\"x\",\"payload\":\"{}\",\"more\":1}", 38, &vkey,
				  "centre", &got, &err) == TIMS_ERR_INVALID,
	     "an envelope with another member is refused");

	/* keeping: newer replaces, older is refused, same is fine */
	T_OK(!tims_revocation_keep(path, v2.buf, v2.len, &vkey, "centre", &kept, &got, &err) &&
	     kept, "version 2 is kept");
	tims_revocation_release(&got);
	rc = tims_revocation_keep(path, v1.buf, v1.len, &vkey, "centre", &kept, &got, &err);
	T_OK(rc == TIMS_ERR_STATE && !kept, "version 1 after 2 (a replay) is refused: %s", err.msg);
	T_OK(!tims_revocation_keep(path, v2.buf, v2.len, &vkey, "centre", &kept, &got, &err) &&
	     !kept, "version 2 again: held already");
	tims_revocation_release(&got);
	T_OK(!tims_revocation_load(path, &vkey, "centre", &got, NULL) && got.version == 2,
	     "the held list is version 2");
	tims_revocation_release(&got);

	/* certificates: a CSR, issued for its key, in seconds, by one of two CAs */
	{
		struct tims_cert_req ca1 = { .common_name = "CA 1", .days = 10, .uses = TIMS_CERT_CA };
		struct tims_cert_req ca2 = { .common_name = "CA 2", .days = 10, .uses = TIMS_CERT_CA };
		struct tims_cert_req leaf = { .common_name = "post-a", .seconds = 60,
					      .role = TIMS_CERT_POST_CLIENT };
		struct tims_buf c1 = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX), k1 = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
		struct tims_buf c2 = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX), k2 = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
		struct tims_buf csr = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX), ck = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
		struct tims_buf cert = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
		struct tims_buf both = TIMS_BUF_INIT(4 * TIMS_TLS_PEM_MAX);
		struct tims_tls_peer p;
		int64_t nb = 0, na = 0;

		T_OK(!tims_tls_issue(&ca1, NULL, NULL, &c1, &k1, NULL) &&
		     !tims_tls_issue(&ca2, NULL, NULL, &c2, &k2, NULL), "two CAs");
		T_OK(!tims_tls_csr_make("post-a", &csr, &ck, &err), "a CSR with a new key");
		T_OK(!tims_tls_issue_csr(&leaf, tims_buf_str(&csr), tims_buf_str(&c2),
					 tims_buf_str(&k2), &cert, &err), "issued for the CSR");
		T_OK(!tims_tls_peer_read_pem(tims_buf_str(&cert), &p, NULL) &&
		     p.role == TIMS_CERT_POST_CLIENT && !strcmp(p.cn, "post-a"),
		     "with the role and name the CA chose");
		T_OK(!tims_tls_cert_times(tims_buf_str(&cert), &nb, &na, NULL) && na - nb == 60 + 6,
		     "living 60 s (backdated a tenth): %lld", (long long)(na - nb));
		T_OK(tims_tls_issued_by(tims_buf_str(&cert), tims_buf_str(&c1), NULL) == TIMS_ERR_AUTH,
		     "not issued by the first CA");
		tims_buf_addstr(&both, tims_buf_str(&c1));
		tims_buf_addstr(&both, tims_buf_str(&c2));
		T_OK(!tims_tls_issued_by(tims_buf_str(&cert), tims_buf_str(&both), NULL),
		     "issued by one of both (a rollover's bundle)");
		{
			/* a CSR whose signature is broken: no proof of possession */
			char *s = strdup(tims_buf_str(&csr));
			size_t n = strlen(s);

			s[n - 40] = s[n - 40] == 'A' ? 'B' : 'A';
			tims_buf_reset(&cert);
			rc = tims_tls_issue_csr(&leaf, s, tims_buf_str(&c2), tims_buf_str(&k2), &cert,
						&err);
			T_OK(rc == TIMS_ERR_SIGNATURE || rc == TIMS_ERR_INVALID,
			     "a CSR not signed by its key is refused: %s", err.msg);
			free(s);
		}
		tims_buf_release(&c1);
		tims_buf_release(&k1);
		tims_buf_release(&c2);
		tims_buf_release(&k2);
		tims_buf_release(&csr);
		tims_buf_release(&ck);
		tims_buf_release(&cert);
		tims_buf_release(&both);
	}
	tims_revocation_release(&r);
	tims_buf_release(&v1);
	tims_buf_release(&v2);
	tims_buf_release(&forged);
	tims_signer_release(&key);
	tims_signer_release(&other);
	tims_signer_release(&wkey);
	free(wvk);
	unlink(path);
	rmdir(base);
	return t_done();
}
