/*
 * test_p11.c — keys in a PKCS#11 token (lib/p11) against SoftHSM2.
 *
 * Needs TIMS_TOKEN (tests/run.sh sets it; by hand:
 *   eval "$(bash scripts/token.sh /tmp/x-token)"). Without it the test fails:
 * a token that cannot be reached must never look like a passing test.
 */
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"
#include "tims/note.h"
#include "tims/p11.h"
#include "tims/tls.h"

static char label_buf[8][64];

/* A label unique to this run (the unit tests share one token). */
static const char *label(int i, const char *what)
{
	snprintf(label_buf[i], sizeof(label_buf[i]), "t%ld-%s", (long)getpid(),
		 what);
	return label_buf[i];
}

/* TIMS_TOKEN ("pkcs11:token=..?module-path=..&pin-source=..") with its
 * pin-source replaced by pin_source, or by "pin-value=" pin_value. */
static void uri_with(const char *token, const char *pin_source,
		     const char *pin_value, char *out, size_t n)
{
	const char *ps = strstr(token, "&pin-source=");
	size_t head = ps ? (size_t)(ps - token) : strlen(token);

	snprintf(out, n, "%.*s&%s%s", (int)head, token,
		 pin_source ? "pin-source=" : "pin-value=",
		 pin_source ? pin_source : pin_value);
}

static void read_pin(const char *token, char *pin, size_t n)
{
	const char *ps = strstr(token, "pin-source=");
	char path[1024];
	size_t len = 0;
	FILE *f;

	pin[0] = '\0';
	if (!ps)
		return;
	ps += strlen("pin-source=");
	while (ps[len] && ps[len] != '&' && len + 1 < sizeof(path)) {
		path[len] = ps[len];
		len++;
	}
	path[len] = '\0';
	f = fopen(path, "r");
	if (!f)
		return;
	if (!fgets(pin, (int)n, f))
		pin[0] = '\0';
	fclose(f);
	pin[strcspn(pin, "\n")] = '\0';
}

static int contains(const char *b, size_t n, const char *s)
{
	size_t k = strlen(s);

	for (size_t i = 0; i + k <= n; i++)
		if (!memcmp(b + i, s, k))
			return 1;
	return 0;
}

static void write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(s, f);
		fclose(f);
	}
}

static void test_invalid_uris(const char *token)
{
	static const char *const bad[] = {
		"",
		"file:/etc/passwd",
		"pkcs11:",
		"pkcs11:token=tims",                                   /* no module */
		"pkcs11:token=tims?module-path=lib.so",                /* relative */
		"pkcs11:object=k?module-path=/usr/lib/x.so",           /* no token */
		"pkcs11:token=tims;slot-id=1?module-path=/usr/lib/x.so",
		"pkcs11:token=tims?module-path=/usr/lib/x.so&pin-sauce=/p",
		"pkcs11:token=tims;token=x?module-path=/usr/lib/x.so",
		"pkcs11:token=ti%zzms?module-path=/usr/lib/x.so",
		"pkcs11:token=tims%0?module-path=/usr/lib/x.so",
		"pkcs11:token=ti%00ms?module-path=/usr/lib/x.so",
		"pkcs11:token=tims?module-path=/usr/lib/x.so&module-path=/y.so",
		"pkcs11:token=tims?module-path=/usr/lib/x.so&pin-source=/a&pin-value=b",
		"pkcs11:token=tims;?module-path=/usr/lib/x.so",
		"pkcs11:token=tims?module-path=/usr/lib/x.so&",
		"pkcs11:token=tims?module-path=/usr/lib/x.so?x=y",
		"pkcs11:token=t ms?module-path=/usr/lib/x.so",
		"pkcs11:token=tims?module-path=/usr/lib/x.so#frag",
		"pkcs11:token=012345678901234567890123456789012?module-path=/x.so",
		"pkcs11:module-path=/usr/lib/x.so;token=tims",
		"pkcs11:token=tims?object=k&module-path=/usr/lib/x.so",
		"pkcs11:token=?module-path=/usr/lib/x.so",
	};
	struct tims_err err;
	struct tims_p11 *p;
	char big[TIMS_P11_URI_MAX + 64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tims_rc rc = tims_p11_open(bad[i], &p, &err);

		T_EQ_INT(rc, TIMS_ERR_INVALID, bad[i]);
		if (!rc)
			tims_p11_close(p);
	}
	{
		tims_rc rc = tims_p11_open("pkcs11:token=tims;slot-id=1?module-path=/x.so",
					   &p, &err);

		T_OK(rc == TIMS_ERR_INVALID && strstr(err.msg, "slot-id"),
		     "an unknown attribute is refused by name (%s)", err.msg);
	}
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "pkcs11:token=", 13);
	T_EQ_INT(tims_p11_open(big, &p, &err), TIMS_ERR_INVALID,
		 "a URI past TIMS_P11_URI_MAX is refused");
	(void)token;
}

static void test_missing_module(void)
{
	struct tims_err err;
	struct tims_p11 *p = NULL;
	tims_rc rc = tims_p11_open("pkcs11:token=tims?module-path=/nonexistent/"
				   "libnothing.so&pin-value=1234", &p, &err);

	T_EQ_INT(rc, TIMS_ERR_UNAVAILABLE, "a missing module is UNAVAILABLE");
	T_OK(strstr(err.msg, "/nonexistent/libnothing.so") != NULL,
	     "the message names the module (%s)", err.msg);
	T_OK(p == NULL, "no handle on failure");
}

static void test_wrong_pin(const char *token, const char *dir)
{
	char uri[2048], pinfile[1024], good[300], wrong[400];
	struct tims_err err;
	struct tims_p11 *p = NULL;
	tims_rc rc;

	read_pin(token, good, sizeof(good));
	snprintf(wrong, sizeof(wrong), "%swrong", good);
	snprintf(pinfile, sizeof(pinfile), "%s/pin-wrong", dir);
	write_file(pinfile, wrong);
	uri_with(token, pinfile, NULL, uri, sizeof(uri));
	rc = tims_p11_open(uri, &p, &err);
	T_EQ_INT(rc, TIMS_ERR_UNAVAILABLE, "a wrong PIN is UNAVAILABLE");
	T_OK(strstr(err.msg, "CKR_PIN_INCORRECT") != NULL,
	     "the message names the CKR (%s)", err.msg);
	if (!rc)
		tims_p11_close(p);

	uri_with(token, NULL, "wrong-pin-value", uri, sizeof(uri));
	rc = tims_p11_open(uri, &p, &err);
	T_EQ_INT(rc, TIMS_ERR_UNAVAILABLE, "a wrong pin-value is UNAVAILABLE");
	if (!rc)
		tims_p11_close(p);
}

/* A PIN file that goes wrong while a handle is open makes the next call
 * UNAVAILABLE; fixed, the handle works again without being reopened. */
static void test_pin_changes(const char *token, const char *dir)
{
	char uri[2048], pinfile[1024], good[300];
	struct tims_buf ct = TIMS_BUF_INIT(4096), pt = TIMS_BUF_INIT(4096);
	struct tims_err err;
	struct tims_p11 *p = NULL;
	const char *kek = label(1, "kek-pin");

	read_pin(token, good, sizeof(good));
	snprintf(pinfile, sizeof(pinfile), "%s/pin-live", dir);
	write_file(pinfile, good);
	uri_with(token, pinfile, NULL, uri, sizeof(uri));
	if (!T_OK(!tims_p11_open(uri, &p, &err), "open with a good pin-source (%s)",
		  err.msg))
		return;
	T_OK(!tims_p11_aes_generate(p, kek, &err), "KEK made (%s)", err.msg);
	T_OK(!tims_p11_aes_encrypt(p, kek, "ad", 2, "hello", 5, &ct, &err),
	     "encrypt while the PIN is good");

	write_file(pinfile, "not-the-pin\n");
	T_EQ_INT(tims_p11_aes_encrypt(p, kek, "ad", 2, "hello", 5, &ct, &err),
		 TIMS_ERR_UNAVAILABLE, "PIN file made wrong: UNAVAILABLE");
	T_OK(strstr(err.msg, "CKR_PIN_INCORRECT") != NULL, "names the CKR (%s)",
	     err.msg);
	T_EQ_INT(tims_p11_aes_decrypt(p, kek, "ad", 2, ct.buf, ct.len, &pt, &err),
		 TIMS_ERR_UNAVAILABLE, "still UNAVAILABLE, the bad PIN not retried");

	chmod(pinfile, 0);
	if (geteuid() != 0)
		T_EQ_INT(tims_p11_aes_decrypt(p, kek, "ad", 2, ct.buf, ct.len, &pt,
					      &err),
			 TIMS_ERR_UNAVAILABLE, "unreadable PIN file: UNAVAILABLE");
	chmod(pinfile, 0600);

	write_file(pinfile, good);
	tims_buf_reset(&pt);
	tims_err_clear(&err);
	T_OK(!tims_p11_aes_decrypt(p, kek, "ad", 2, ct.buf, ct.len, &pt, &err) &&
	     pt.len == 5 && !memcmp(pt.buf, "hello", 5),
	     "PIN file fixed: the same handle works again (%s)", err.msg);
	T_OK(!tims_p11_destroy(p, kek, &err), "KEK destroyed");
	tims_p11_close(p);
	tims_buf_release(&ct);
	tims_buf_release(&pt);
}

static void test_bad_pin_sources(const char *token, const char *dir)
{
	char uri[2048], path[1024];
	struct tims_err err;
	struct tims_p11 *p = NULL;
	tims_rc rc;
	FILE *f;

	snprintf(path, sizeof(path), "%s/pin-dir", dir);
	mkdir(path, 0700);
	uri_with(token, path, NULL, uri, sizeof(uri));
	rc = tims_p11_open(uri, &p, &err);
	T_OK(rc == TIMS_ERR_UNAVAILABLE && strstr(err.msg, "not a regular file"),
	     "a pin-source that is a directory is refused (%s)", err.msg);
	if (!rc)
		tims_p11_close(p);

	snprintf(path, sizeof(path), "%s/pin-huge", dir);
	f = fopen(path, "w");
	if (f) {
		for (int i = 0; i < 100000; i++)
			fputs("0123456789", f);
		fclose(f);
	}
	uri_with(token, path, NULL, uri, sizeof(uri));
	rc = tims_p11_open(uri, &p, &err);
	T_OK(rc == TIMS_ERR_UNAVAILABLE && strstr(err.msg, "bytes"),
	     "a huge pin-source is refused unread (%s)", err.msg);
	if (!rc)
		tims_p11_close(p);

	snprintf(path, sizeof(path), "%s/pin-empty", dir);
	write_file(path, "\n");
	uri_with(token, path, NULL, uri, sizeof(uri));
	rc = tims_p11_open(uri, &p, &err);
	T_EQ_INT(rc, TIMS_ERR_UNAVAILABLE, "an empty pin-source is refused");
	if (!rc)
		tims_p11_close(p);

	uri_with(token, "/nonexistent/pin", NULL, uri, sizeof(uri));
	rc = tims_p11_open(uri, &p, &err);
	T_EQ_INT(rc, TIMS_ERR_UNAVAILABLE, "a missing pin-source is UNAVAILABLE");
	if (!rc)
		tims_p11_close(p);
}

static void test_pin_value(const char *token)
{
	char uri[2048], good[300];
	struct tims_err err;
	struct tims_p11 *p = NULL;

	read_pin(token, good, sizeof(good));
	uri_with(token, NULL, good, uri, sizeof(uri));
	if (!T_OK(!tims_p11_open(uri, &p, &err), "pin-value works (%s)", err.msg))
		return;
	T_OK(strstr(tims_p11_uri_display(p), good) == NULL &&
	     strstr(tims_p11_uri_display(p), "pin-value") == NULL,
	     "the display URI never shows the PIN (%s)", tims_p11_uri_display(p));
	T_OK(strstr(tims_p11_uri_display(p), "module-path=") != NULL,
	     "the display URI keeps the module");
	tims_p11_close(p);
}

static void test_aes(struct tims_p11 *p)
{
	const char *kek = label(0, "kek");
	struct tims_buf ct = TIMS_BUF_INIT(1 << 20), ct2 = TIMS_BUF_INIT(1 << 20);
	struct tims_buf pt = TIMS_BUF_INIT(1 << 20);
	static const char msg[] = "ANNA MARIA ERIKSSON L898902C3 740812";
	struct tims_err err;

	T_EQ_INT(tims_p11_exists(p, kek, &err), 0, "no key before generate");
	T_OK(!tims_p11_aes_generate(p, kek, &err), "AES-256 KEK made (%s)",
	     err.msg);
	T_EQ_INT(tims_p11_exists(p, kek, &err), 1, "the key exists");
	T_EQ_INT(tims_p11_aes_generate(p, kek, &err), TIMS_ERR_EXISTS,
		 "a second key under the same label is refused");

	T_OK(!tims_p11_aes_encrypt(p, kek, "post.records/17", 15, msg,
				   sizeof(msg), &ct, &err),
	     "encrypt (%s)", err.msg);
	T_EQ_INT(ct.len, 12 + sizeof(msg) + 16, "IV || ciphertext || tag");
	T_OK(!contains(ct.buf, ct.len, "ERIKSSON"),
	     "the ciphertext does not hold the plaintext");
	T_OK(!tims_p11_aes_encrypt(p, kek, "post.records/17", 15, msg,
				   sizeof(msg), &ct2, &err) &&
	     memcmp(ct.buf, ct2.buf, 12) != 0,
	     "a fresh IV each time");
	T_OK(!tims_p11_aes_decrypt(p, kek, "post.records/17", 15, ct.buf, ct.len,
				   &pt, &err) &&
	     pt.len == sizeof(msg) && !memcmp(pt.buf, msg, sizeof(msg)),
	     "round trip (%s)", err.msg);
	tims_buf_reset(&pt);
	T_EQ_INT(tims_p11_aes_decrypt(p, kek, "post.records/18", 15, ct.buf,
				      ct.len, &pt, &err),
		 TIMS_ERR_TAMPER, "wrong associated data: TAMPER");
	T_EQ_INT(pt.len, 0, "nothing written on TAMPER");
	ct.buf[20] ^= 1;
	T_EQ_INT(tims_p11_aes_decrypt(p, kek, "post.records/17", 15, ct.buf,
				      ct.len, &pt, &err),
		 TIMS_ERR_TAMPER, "a flipped ciphertext bit: TAMPER");
	ct.buf[20] ^= 1;
	T_EQ_INT(tims_p11_aes_decrypt(p, kek, "post.records/17", 15, ct.buf, 20,
				      &pt, &err),
		 TIMS_ERR_TAMPER, "a truncated blob: TAMPER");
	T_EQ_INT(tims_p11_aes_encrypt(p, label(2, "none"), "", 0, "x", 1, &ct,
				      &err),
		 TIMS_ERR_NOTFOUND, "encrypt under a missing key: NOTFOUND");
	{
		struct tims_buf small = TIMS_BUF_INIT(8);

		T_EQ_INT(tims_p11_aes_encrypt(p, kek, "", 0, msg, sizeof(msg),
					      &small, &err),
			 TIMS_ERR_TOOBIG, "output past the buffer's ceiling");
		tims_buf_release(&small);
	}
	/* empty plaintext round-trips */
	tims_buf_reset(&ct);
	tims_buf_reset(&pt);
	T_OK(!tims_p11_aes_encrypt(p, kek, "a", 1, "", 0, &ct, &err) &&
	     !tims_p11_aes_decrypt(p, kek, "a", 1, ct.buf, ct.len, &pt, &err) &&
	     pt.len == 0, "an empty plaintext round-trips (%s)", err.msg);

	T_OK(!tims_p11_destroy(p, kek, &err), "destroy");
	T_EQ_INT(tims_p11_exists(p, kek, &err), 0, "gone after destroy");
	T_EQ_INT(tims_p11_destroy(p, kek, &err), TIMS_ERR_NOTFOUND,
		 "destroying it again: NOTFOUND");
	tims_buf_release(&ct);
	tims_buf_release(&ct2);
	tims_buf_release(&pt);
}

static void test_ed25519(struct tims_p11 *p)
{
	const char *k = label(3, "ed");
	uint8_t pub[32], pub2[32], sig[64];
	static const char msg[] = "tims.example/post/1\n42\nAAAA\n";
	struct tims_err err;

	T_OK(!tims_p11_ed25519_generate(p, k, pub, &err), "Ed25519 pair made "
	     "(%s)", err.msg);
	T_EQ_INT(tims_p11_ed25519_generate(p, k, pub2, &err), TIMS_ERR_EXISTS,
		 "a second pair under the same label is refused");
	T_OK(!tims_p11_ed25519_public(p, k, pub2, &err) &&
	     !memcmp(pub, pub2, 32), "the public key reads back (%s)", err.msg);
	T_OK(!tims_p11_ed25519_sign(p, k, msg, strlen(msg), sig, &err),
	     "sign (%s)", err.msg);
	T_OK(crypto_sign_verify_detached(sig, (const unsigned char *)msg,
					 strlen(msg), pub) == 0,
	     "libsodium verifies the token's signature");
	sig[0] ^= 1;
	T_OK(crypto_sign_verify_detached(sig, (const unsigned char *)msg,
					 strlen(msg), pub) != 0,
	     "and refuses a changed one");
	T_EQ_INT(tims_p11_ed25519_sign(p, label(4, "none"), msg, strlen(msg), sig,
				       &err),
		 TIMS_ERR_NOTFOUND, "signing with a missing key: NOTFOUND");
	T_OK(!tims_p11_destroy(p, k, &err), "both halves destroyed");
	T_EQ_INT(tims_p11_exists(p, k, &err), 0, "gone");
}

static int write_ref(const char *path, const char *line)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "%s\n", line);
	return fclose(f);
}

/* tims_signer_load: a key in a file, a key in the token, and the attacks
 * on the reference file. */
static void test_signer(struct tims_p11 *p, const char *token, const char *dir)
{
	const char *la = label(5, "sig-a"), *lb = label(6, "sig-b");
	uint8_t pa[32], pb[32], sig[64];
	struct tims_buf ref = TIMS_BUF_INIT(4096);
	struct tims_signer s, f;
	struct tims_verifier v;
	struct tims_err err;
	char path[1024], why[TIMS_ERR_MSG_BYTES], *skey = NULL, *vkey = NULL;
	static const char msg[] = "cosignature/v1\ntime 1\n";

	if (!T_OK(!tims_p11_ed25519_generate(p, la, pa, &err) &&
		  !tims_p11_ed25519_generate(p, lb, pb, &err), "two token keys (%s)",
		  err.msg))
		return;
	snprintf(path, sizeof(path), "%s/post.skey", dir);

	T_OK(!tims_signer_reference("bg.example/p1", TIMS_KEY_ED25519, pa, token,
				    la, &ref, &err), "reference line (%s)", err.msg);
	T_OK(strncmp(ref.buf, "PKCS11+KEY+bg.example/p1+", 25) == 0 &&
	     strstr(ref.buf, ";object=") != NULL, "PKCS11+KEY+NAME+HASH+ALG+URI "
	     "(%s)", ref.buf);
	write_ref(path, ref.buf);
	if (T_OK(!tims_signer_load(path, &s, &err), "a token signer loads (%s)",
		 err.msg)) {
		T_OK(tims_signer_in_token(&s), "and says its key is in a token");
		T_OK(!memcmp(s.pub, pa, 32) && s.alg == TIMS_KEY_ED25519 &&
		     s.keyhash == tims_note_keyhash("bg.example/p1", 1, pa),
		     "with the token's public key and its key hash");
		T_OK(!s.sign(s.ctx, msg, strlen(msg), sig) &&
		     !crypto_sign_verify_detached(sig, (const unsigned char *)msg,
						  strlen(msg), pa),
		     "it signs in the token; libsodium verifies");
		tims_signer_verifier(&s, &v);
		{
			struct tims_buf note = TIMS_BUF_INIT(4096);
			static const char cp[] = "bg.example/p1\n1\n"
				"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";

			T_OK(!tims_note_sign(cp, strlen(cp), &s, 1, &note, &err) &&
			     strstr(note.buf, "\xe2\x80\x94 bg.example/p1 ") != NULL,
			     "tims_note_sign with a token signer (%s)", err.msg);
			tims_buf_release(&note);
		}
		tims_signer_release(&s);
	}

	/* attacker: the reference names key B under key A's hash */
	{
		struct tims_buf bad = TIMS_BUF_INIT(4096);
		char *semi;

		tims_buf_addstr(&bad, ref.buf);
		semi = strstr(bad.buf, ";object=");
		memcpy(semi + 8, lb, strlen(lb)); /* same length labels */
		write_ref(path, bad.buf);
		T_OK(tims_signer_load(path, &s, &err) == TIMS_ERR_INVALID &&
		     strstr(err.msg, "does not match") != NULL,
		     "a reference whose key hash is not the token key's is "
		     "refused (%s)", err.msg);
		tims_buf_release(&bad);
	}
	/* a cosigner (alg 04) reference */
	tims_buf_reset(&ref);
	T_OK(!tims_signer_reference("witness.example/w1", TIMS_KEY_COSIGNATURE_V1,
				    pb, token, lb, &ref, &err) &&
	     strstr(ref.buf, "+04+pkcs11:") != NULL, "an 04 reference");
	write_ref(path, ref.buf);
	T_OK(!tims_signer_load(path, &s, &err) && s.alg == 4 &&
	     s.keyhash == tims_note_keyhash("witness.example/w1", 4, pb),
	     "a cosigner key in the token loads (%s)", err.msg);
	tims_signer_release(&s);
	T_EQ_INT(tims_signer_reference("x", 1, pa, "pkcs11:token=t;object=o?"
				       "module-path=/x.so", "o", &ref, &err),
		 TIMS_ERR_INVALID, "a token URI that already names an object");

	write_ref(path, "PKCS11+KEY+bg.example/p1+0000zz00+01+pkcs11:token=t");
	T_EQ_INT(tims_signer_load(path, &s, &err), TIMS_ERR_INVALID,
		 "a mangled reference is refused");
	write_ref(path, "PKCS11+KEY+bg.example/p1+00000000+02+pkcs11:token=t");
	T_EQ_INT(tims_signer_load(path, &s, &err), TIMS_ERR_INVALID,
		 "an unknown algorithm is refused");
	write_ref(path, "SECRET+KEY+x");
	T_EQ_INT(tims_signer_load(path, &s, &err), TIMS_ERR_INVALID,
		 "neither kind of key file is refused");
	T_EQ_INT(tims_signer_load(dir, &s, &err), TIMS_ERR_IO,
		 "a directory is not a key file");

	/* the key in a file still loads */
	if (!tims_note_keygen("bg.example/p2", TIMS_KEY_ED25519, &skey, &vkey,
			      &err)) {
		write_ref(path, skey);
		T_OK(!tims_signer_load(path, &f, &err) && !tims_signer_in_token(&f),
		     "a PRIVATE+KEY file still loads (%s)", err.msg);
		tims_signer_why(&f, why, sizeof(why));
		T_EQ_STR(why, "", "a file key has no failure to tell");
		tims_signer_release(&f);
		tims_note_free_secret(skey);
		free(vkey);
	}

	/* the token goes away under a loaded signer, then comes back */
	{
		char pinfile[1024], good[300], uri[2048];

		read_pin(token, good, sizeof(good));
		snprintf(pinfile, sizeof(pinfile), "%s/pin-signer", dir);
		write_file(pinfile, good);
		uri_with(token, pinfile, NULL, uri, sizeof(uri));
		tims_buf_reset(&ref);
		(void)tims_signer_reference("bg.example/p1", 1, pa, uri, la, &ref,
					    &err);
		write_ref(path, ref.buf);
		if (T_OK(!tims_signer_load(path, &s, &err), "signer with its own "
			 "pin-source (%s)", err.msg)) {
			write_file(pinfile, "wrong\n");
			T_EQ_INT(s.sign(s.ctx, msg, strlen(msg), sig),
				 TIMS_ERR_UNAVAILABLE, "PIN made wrong: sign() is "
				 "UNAVAILABLE");
			tims_signer_why(&s, why, sizeof(why));
			T_OK(strstr(why, "CKR_PIN_INCORRECT") != NULL &&
			     strstr(why, good) == NULL,
			     "tims_signer_why names the CKR, not the PIN (%s)", why);
			write_file(pinfile, good);
			T_OK(!s.sign(s.ctx, msg, strlen(msg), sig) &&
			     !crypto_sign_verify_detached(sig,
				(const unsigned char *)msg, strlen(msg), pa),
			     "PIN fixed: the same signer signs again");
			tims_signer_why(&s, why, sizeof(why));
			T_EQ_STR(why, "", "and has nothing to complain of");
			tims_signer_release(&s);
		}
		/* pin-value in the reference: works, never shown */
		tims_buf_reset(&ref);
		uri_with(token, NULL, good, uri, sizeof(uri));
		(void)tims_signer_reference("bg.example/p1", 1, pa, uri, la, &ref,
					    &err);
		write_ref(path, ref.buf);
		T_OK(!tims_signer_load(path, &s, &err),
		     "a reference with pin-value loads (%s)", err.msg);
		tims_signer_release(&s);
		/* the same, with a wrong PIN: the load fails, the PIN unsaid */
		tims_buf_reset(&ref);
		uri_with(token, NULL, "s3cr3t-wrong", uri, sizeof(uri));
		(void)tims_signer_reference("bg.example/p1", 1, pa, uri, la, &ref,
					    &err);
		write_ref(path, ref.buf);
		T_OK(tims_signer_load(path, &s, &err) == TIMS_ERR_UNAVAILABLE &&
		     strstr(err.msg, "s3cr3t") == NULL,
		     "a wrong pin-value: UNAVAILABLE, PIN not in the message (%s)",
		     err.msg);
	}
	(void)tims_p11_destroy(p, la, &err);
	(void)tims_p11_destroy(p, lb, &err);
	tims_buf_release(&ref);
}

/* The centre's CA in the token: its certificate and the ones it issues are
 * signed there through GnuTLS's PKCS#11 support; ca.key is only a URI. */
static void test_tls_ca(struct tims_p11 *p, const char *token)
{
	const char *l = label(7, "ca");
	struct tims_buf ca = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_buf ref = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_buf leaf = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_buf leafkey = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_buf crl = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_cert_req req = { .common_name = "post-1", .days = 1,
				     .role = TIMS_CERT_POST_SERVER };
	struct tims_tls_crl *c = NULL;
	struct tims_err err;

	if (!T_OK(!tims_tls_ca_in_token("test CA", 30, token, l, &ca, &ref, &err),
		  "a CA made in the token (%s)", err.msg))
		return;
	T_OK(!strncmp(ref.buf, "pkcs11:", 7) && !strstr(ref.buf, "PRIVATE KEY") &&
	     strstr(ref.buf, l) != NULL, "ca.key is the key's URI, no key (%.*s)",
	     (int)strcspn(ref.buf, "\n"), ref.buf);
	T_EQ_INT(tims_p11_exists(p, l, &err), 1, "the CA key is in the token");
	if (T_OK(!tims_tls_issue(&req, ca.buf, ref.buf, &leaf, &leafkey, &err),
		 "a certificate issued with the token's key (%s)", err.msg)) {
		gnutls_x509_crt_t cc = NULL, lc = NULL;
		gnutls_datum_t d;
		unsigned status = 1;

		gnutls_x509_crt_init(&cc);
		gnutls_x509_crt_init(&lc);
		d.data = (unsigned char *)ca.buf;
		d.size = (unsigned)ca.len;
		gnutls_x509_crt_import(cc, &d, GNUTLS_X509_FMT_PEM);
		d.data = (unsigned char *)leaf.buf;
		d.size = (unsigned)leaf.len;
		gnutls_x509_crt_import(lc, &d, GNUTLS_X509_FMT_PEM);
		T_OK(gnutls_x509_crt_verify(lc, &cc, 1, 0, &status) == 0 &&
		     status == 0, "GnuTLS verifies it against the CA");
		T_EQ_INT(gnutls_x509_crt_get_signature_algorithm(lc),
			 GNUTLS_SIGN_ECDSA_SHA256, "ECDSA P-256 with SHA-256");
		gnutls_x509_crt_deinit(cc);
		gnutls_x509_crt_deinit(lc);
	}
	T_OK(!tims_tls_crl_make(ca.buf, ref.buf, 1, 7, NULL, 0, &crl, &err) &&
	     !tims_tls_crl_load(crl.buf, crl.len, ca.buf, &c, &err),
	     "a revocation list signed in the token loads against the CA (%s)",
	     err.msg);
	tims_tls_crl_free(c);
	T_EQ_INT(tims_tls_ca_in_token("test CA", 30, token, l, &ca, &ref, &err),
		 TIMS_ERR_EXISTS, "a CA label already in the token is refused");
	(void)tims_p11_destroy(p, l, &err);
	tims_buf_reset(&leaf);
	T_OK(tims_tls_issue(&req, ca.buf, ref.buf, &leaf, &leafkey, &err) != 0,
	     "its key gone from the token, nothing is issued (%s)", err.msg);
	sodium_memzero(leafkey.buf, leafkey.alloc);
	tims_buf_release(&ca);
	tims_buf_release(&ref);
	tims_buf_release(&leaf);
	tims_buf_release(&leafkey);
	tims_buf_release(&crl);
}

/* The paths a sandbox allows for a token: read off the URI as the token
 * code parses it, no PIN given out. */
static void test_uri_paths(void)
{
	static const char u1[] = "pkcs11:token=T?module-path=/usr/lib/x%2Fm.so&pin-source=file:///etc/p.pin trailing";
	static const char u2[] = "pkcs11:token=T?module-path=/m.so&pin-value=1234";
	char m[256], pin[256];
	struct tims_err err;

	T_OK(!tims_p11_uri_paths(u1, strlen("pkcs11:token=T?module-path=/usr/lib/x%2Fm.so&pin-source=file:///etc/p.pin"),
				 m, sizeof(m), pin, sizeof(pin), &err) &&
	     !strcmp(m, "/usr/lib/x/m.so") && !strcmp(pin, "/etc/p.pin"),
	     "uri paths: module-path decoded, a file: pin-source made a path (%s | %s)", m, pin);
	T_OK(!tims_p11_uri_paths(u2, strlen(u2), m, sizeof(m), pin, sizeof(pin), &err) &&
	     !strcmp(m, "/m.so") && pin[0] == '\0', "uri paths: a pin-value is not given out");
	T_OK(tims_p11_uri_paths("pkcs11:token=T?modul=/x", 23, m, sizeof(m), pin, sizeof(pin), &err) ==
	     TIMS_ERR_INVALID, "uri paths: a malformed URI is refused (%s)", err.msg);
	T_OK(tims_p11_uri_paths(u2, strlen(u2), m, 4, pin, sizeof(pin), &err) == TIMS_ERR_TOOBIG,
	     "uri paths: a path past the buffer is refused, not cut");
}

int main(void)
{
	const char *token = getenv("TIMS_TOKEN");
	char dir[] = "/tmp/test_p11.XXXXXX";
	struct tims_err err;
	struct tims_p11 *p = NULL;

	if (!T_OK(token && *token, "TIMS_TOKEN is set (tests/run.sh; by hand: "
		  "eval \"$(bash scripts/token.sh DIR)\")"))
		return t_done();
	if (sodium_init() < 0 || !mkdtemp(dir))
		return 1;
	test_invalid_uris(token);
	test_uri_paths();
	test_missing_module();
	test_bad_pin_sources(token, dir);
	/* before any other handle: login state is per process */
	test_wrong_pin(token, dir);
	if (T_OK(!tims_p11_open(token, &p, &err), "open TIMS_TOKEN (%s)", err.msg)) {
		/* a wrong PIN is refused even while the process is logged in */
		test_wrong_pin(token, dir);
		test_aes(p);
		test_ed25519(p);
		test_pin_value(token);
		test_signer(p, token, dir);
		test_tls_ca(p, token);
		tims_p11_close(p);
	}
	test_pin_changes(token, dir);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 1;
	}
	return t_done();
}
