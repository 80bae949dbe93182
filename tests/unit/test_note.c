/*
 * test_note.c — C2SP signed notes, keys, checkpoints and cosignatures.
 *
 * Published vectors: golang.org/x/mod/sumdb/note note_test.go (the
 * PeterNeumann signer and verifier keys, the signed note whose Ed25519
 * signature is deterministic, the EnochRoot signature line, the key
 * manglings that must fail), the C2SP tlog-checkpoint example body and the
 * C2SP tlog-cosignature example line (whose timestamp is the "time
 * 1679315147" of the spec's signed-message example).
 */
#include <sodium.h>

#include "t.h"
#include "tims/note.h"
#include "tims/util.h"

#define PETER_VKEY "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define PETER_SKEY "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
#define ENOCH_VKEY "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
#define TEXT "If you think cryptography is the answer to your problem,\n" \
	     "then you don't know what your problem is.\n"
#define PETER_SIG "\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
#define ENOCH_SIG "\xe2\x80\x94 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"

#define SOFA_BODY "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
#define SOFA_NOTE SOFA_BODY "\n" \
	"\xe2\x80\x94 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n" \
	"\xe2\x80\x94 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"

static int verify_str(const char *note, const struct tims_verifier *v, size_t nv,
		      struct tims_note *n, struct tims_err *err)
{
	return tims_note_verify(note, strlen(note), v, nv, n, err);
}

static void test_go_vectors(void)
{
	struct tims_verifier peter, enoch, v[2];
	struct tims_signer s;
	struct tims_buf out = TIMS_BUF_INIT(1 << 16);
	struct tims_note n;
	struct tims_err err;

	T_OK(tims_verifier_parse(PETER_VKEY, &peter, &err) == TIMS_OK, "go: PeterNeumann verifier key parses");
	T_EQ_STR(peter.name, "PeterNeumann", "go: ... its name");
	T_OK(peter.keyhash == 0xc74f20a3 && peter.alg == TIMS_KEY_ED25519, "go: ... its key hash c74f20a3, Ed25519");
	T_OK(tims_verifier_parse(ENOCH_VKEY, &enoch, &err) == TIMS_OK && enoch.keyhash == 0xaf0cfe78,
	     "go: EnochRoot verifier key parses");
	T_OK(tims_verifier_format(&peter, &out) == TIMS_OK, "go: verifier key formats");
	T_EQ_STR(tims_buf_str(&out), PETER_VKEY, "go: ... back to the same string");
	tims_buf_reset(&out);

	T_OK(tims_signer_from_skey(PETER_SKEY, &s, &err) == TIMS_OK, "go: PeterNeumann signer key loads");
	T_OK(s.keyhash == peter.keyhash && !memcmp(s.pub, peter.pub, 32),
	     "go: ... its public half is the verifier key's");
	T_OK(tims_note_sign(TEXT, strlen(TEXT), &s, 1, &out, &err) == TIMS_OK, "go: signing the note works");
	T_EQ_STR(tims_buf_str(&out), TEXT "\n" PETER_SIG, "go: the signed note is byte for byte the published one");
	tims_buf_reset(&out);
	T_OK(tims_note_sign("abc", 3, &s, 1, &out, &err) == TIMS_ERR_INVALID && out.len == 0,
	     "go: a text without a final newline is refused, nothing appended");
	T_EQ_STR(err.msg, "note text: does not end in a newline", "go: ... saying why");

	T_OK(verify_str(TEXT "\n" PETER_SIG, &peter, 1, &n, &err) == TIMS_OK, "go: the published note verifies");
	T_OK(n.textlen == strlen(TEXT) && !memcmp(n.text, TEXT, n.textlen) && n.verified_mask == 1,
	     "go: ... the text is the text, PeterNeumann signed");
	T_OK(verify_str(TEXT "\n" PETER_SIG ENOCH_SIG, &peter, 1, &n, &err) == TIMS_OK && n.nsigs == 2,
	     "go: an unknown signer (EnochRoot) is ignored");
	v[0] = enoch;
	v[1] = peter;
	T_OK(verify_str(TEXT "\n" PETER_SIG ENOCH_SIG, v, 2, &n, &err) == TIMS_OK && n.verified_mask == 3,
	     "go: both EnochRoot's and PeterNeumann's published signatures verify");
	T_OK(verify_str(TEXT "\n" PETER_SIG ENOCH_SIG, v, 0, &n, &err) == TIMS_ERR_SIGNATURE,
	     "go: with no known key the note is refused");
	T_OK(strstr(err.msg, "no signature by a known key") != NULL, "go: ... saying so");
	T_OK(verify_str(TEXT "\n" ENOCH_SIG, &peter, 1, &n, &err) == TIMS_ERR_SIGNATURE,
	     "go: a note signed only by someone else is refused");
	{
		char bad[512];

		snprintf(bad, sizeof(bad), "%s\n%.*sABCD%s", TEXT, 60, PETER_SIG, PETER_SIG + 60);
		T_OK(verify_str(bad, &peter, 1, &n, &err) == TIMS_ERR_SIGNATURE, "go: a corrupted signature by a known key is refused");
		T_OK(strstr(err.msg, "PeterNeumann+c74f20a3") != NULL, "go: ... naming the key");
		snprintf(bad, sizeof(bad), "%s\n%s%.*sABCD%s", TEXT, PETER_SIG, 60, PETER_SIG, PETER_SIG + 60);
		T_OK(verify_str(bad, &peter, 1, &n, &err) == TIMS_ERR_SIGNATURE,
		     "duplicates: a bad second line from the same key is not hidden by a good first one");
	}
	T_OK(verify_str(TEXT "\n" PETER_SIG PETER_SIG, &peter, 1, &n, &err) == TIMS_OK && n.verified_mask == 1,
	     "duplicates: the same good line twice verifies, the key counted once");
	{
		/* Same name, different hash: not the known key, so ignored. */
		const char *other = "\xe2\x80\x94 PeterNeumann xxxxo/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
		char note[512];

		snprintf(note, sizeof(note), "%s\n%s%s", TEXT, other, PETER_SIG);
		T_OK(verify_str(note, &peter, 1, &n, &err) == TIMS_OK,
		     "spec: a line sharing the name but not the key hash is ignored");
	}
	tims_signer_release(&s);
	T_OK(s.ctx == NULL && s.sign == NULL, "signer: release clears it");
	tims_buf_release(&out);
}

static void test_bad_notes(void)
{
	static const char *const bad[] = {
		TEXT,
		TEXT "\n",
		TEXT "\n" "\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
		"\x01" TEXT "\n" PETER_SIG,
		"\xff" TEXT "\n" PETER_SIG,
		TEXT "\n" "\xe2\x80\x94 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
		TEXT "\n" PETER_SIG "Unexpected line.\n",
		"a\r\n\n" PETER_SIG,
		"\xc0\x80\n\n" PETER_SIG,           /* overlong NUL */
		"\xed\xa0\x80\n\n" PETER_SIG,       /* surrogate */
		"\xf4\x90\x80\x80\n\n" PETER_SIG,   /* past U+10FFFF */
		TEXT "\n- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
		TEXT "\n\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM\n",
		TEXT "\n\xe2\x80\x94 PeterNeumann eA==\n",  /* shorter than a key hash + 1 */
		TEXT "\n\xe2\x80\x94 Peter+Neumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
		TEXT "\n\xe2\x80\x94  x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
	};
	struct tims_verifier peter;
	struct tims_note n;
	struct tims_err err;
	int all = 1;

	tims_verifier_parse(PETER_VKEY, &peter, NULL);
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(bad); i++) {
		int rc = tims_note_verify(bad[i], strlen(bad[i]), &peter, 1, &n, &err);

		if (rc != TIMS_ERR_INVALID) {
			printf("# bad note %zu: rc %d (%s)\n", i, rc, err.msg);
			all = 0;
		}
	}
	T_OK(all, "parse: the %zu malformed notes (Go's list and more) are refused as malformed", TIMS_ARRAY_SIZE(bad));
	tims_note_parse(TEXT "\n" PETER_SIG "Unexpected line.\n", strlen(TEXT "\n" PETER_SIG "Unexpected line.\n"), &n, &err);
	T_EQ_STR(err.msg, "note: line 5: a signature line must start with an em dash and a space",
		 "parse: the message names the line and the reason");
	tims_note_parse("a\r\n\n" PETER_SIG, strlen("a\r\n\n" PETER_SIG), &n, &err);
	T_EQ_STR(err.msg, "note: line 1: control character 0x0d at offset 1", "parse: a control character is named");
	{
		struct tims_buf b = TIMS_BUF_INIT(1 << 17);

		tims_buf_addstr(&b, TEXT "\n");
		for (int i = 0; i < TIMS_NOTE_MAX_SIGS; i++)
			tims_buf_addstr(&b, PETER_SIG);
		T_OK(tims_note_verify(b.buf, b.len, &peter, 1, &n, &err) == TIMS_OK && n.nsigs == TIMS_NOTE_MAX_SIGS,
		     "bounds: %d signature lines are accepted", TIMS_NOTE_MAX_SIGS);
		tims_buf_addstr(&b, PETER_SIG);
		T_OK(tims_note_verify(b.buf, b.len, &peter, 1, &n, &err) == TIMS_ERR_INVALID,
		     "bounds: one more signature line is refused");
		tims_buf_reset(&b);
		while (b.len <= TIMS_NOTE_MAX_BYTES)
			tims_buf_addstr(&b, "0123456789abcdef\n");
		tims_buf_addstr(&b, "\n" PETER_SIG);
		T_OK(tims_note_parse(b.buf, b.len, &n, &err) == TIMS_ERR_TOOBIG,
		     "bounds: a note over %d bytes is refused", TIMS_NOTE_MAX_BYTES);
		tims_buf_release(&b);
	}
	T_OK(tims_note_parse(SOFA_NOTE, strlen(SOFA_NOTE), &n, &err) == TIMS_OK && n.nsigs == 2,
	     "parse: the C2SP checkpoint example with its cosignature parses");
	T_OK(n.sigs[1].siglen == 72 && ((uint64_t)n.sigs[1].sig[4] << 24 | (uint64_t)n.sigs[1].sig[5] << 16 |
					 (uint64_t)n.sigs[1].sig[6] << 8 | n.sigs[1].sig[7]) == 1679315147 &&
	     !n.sigs[1].sig[0] && !n.sigs[1].sig[1] && !n.sigs[1].sig[2] && !n.sigs[1].sig[3],
	     "cosignature: the C2SP example line carries timestamp 1679315147 in 8 big-endian bytes before the signature");
}

static int key_fails(int signer, const char *k)
{
	struct tims_signer s;
	struct tims_verifier v;

	if (!signer)
		return tims_verifier_parse(k, &v, NULL) != TIMS_OK;
	if (tims_signer_from_skey(k, &s, NULL) == TIMS_OK) {
		tims_signer_release(&s);
		return 0;
	}
	return 1;
}

/* Every strict substring and every one-byte change of a key must fail
 * (the manglings of Go's TestNewVerifier and TestNewSigner). */
static void test_key_manglings(void)
{
	const char *keys[2] = { PETER_VKEY, PETER_SKEY };

	for (int which = 0; which < 2; which++) {
		const char *k = keys[which];
		size_t len = strlen(k), tried = 0;
		char buf[128];
		int all = 1;

		for (size_t i = 0; i <= len; i++)
			for (size_t j = i + 1; j <= len; j++) {
				if (i == 0 && j == len)
					continue;
				memcpy(buf, k + i, j - i);
				buf[j - i] = '\0';
				all &= key_fails(which, buf);
				tried++;
			}
		for (size_t i = 0; i < len; i++) {
			memcpy(buf, k, len + 1);
			buf[i]++;
			all &= key_fails(which, buf);
			tried++;
		}
		T_OK(all, "keys: all %zu manglings of the %s key are refused", tried, which ? "signer" : "verifier");
	}
	{
		struct tims_verifier v;
		struct tims_err err;

		T_OK(tims_verifier_parse("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==", &v, &err) != TIMS_OK,
		     "keys: a key of the wrong length is refused");
		T_OK(tims_verifier_parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", &v, &err) != TIMS_OK,
		     "keys: an unknown algorithm is refused");
		T_OK(tims_verifier_parse("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", &v, &err) == TIMS_ERR_INVALID,
		     "keys: a key hash that does not match is refused");
		T_EQ_STR(err.msg, "verifier key: key hash c74f20a4 does not match the key (c74f20a3)", "keys: ... saying so");
	}
}

static void test_keygen(void)
{
	char *skey, *vkey;
	struct tims_signer s;
	struct tims_verifier v, fromsig;
	struct tims_buf out = TIMS_BUF_INIT(1 << 16);
	struct tims_note n;
	struct tims_err err;

	T_OK(tims_note_keygen("post.example/p1", TIMS_KEY_ED25519, &skey, &vkey, &err) == TIMS_OK, "keygen: makes a key pair");
	T_OK(!strncmp(skey, "PRIVATE+KEY+post.example/p1+", 28) && !strncmp(vkey, "post.example/p1+", 16),
	     "keygen: ... in the signed-note key formats");
	T_OK(tims_signer_from_skey(skey, &s, &err) == TIMS_OK && tims_verifier_parse(vkey, &v, &err) == TIMS_OK,
	     "keygen: both halves load");
	tims_signer_verifier(&s, &fromsig);
	T_OK(!memcmp(&fromsig, &v, sizeof(v)), "keygen: the signer's public half is the verifier");
	T_OK(tims_note_sign("hello\n\nworld\n", 13, &s, 1, &out, &err) == TIMS_OK, "keygen: the new key signs a text with a blank line");
	T_OK(tims_note_verify(out.buf, out.len, &v, 1, &n, &err) == TIMS_OK && n.textlen == 13,
	     "keygen: ... and the note verifies with the text intact");
	tims_signer_release(&s);
	tims_note_free_secret(skey);
	free(vkey);
	T_OK(tims_note_keygen("a b", TIMS_KEY_ED25519, &skey, &vkey, &err) == TIMS_ERR_INVALID, "keygen: a name with a space is refused");
	T_OK(tims_note_keygen("a+b", TIMS_KEY_ED25519, &skey, &vkey, &err) == TIMS_ERR_INVALID, "keygen: a name with '+' is refused");
	T_EQ_STR(err.msg, "key name: name contains '+'", "keygen: ... saying why");
	T_OK(tims_note_keygen("a\xc2\xa0" "b", TIMS_KEY_ED25519, &skey, &vkey, &err) == TIMS_ERR_INVALID,
	     "keygen: a name with a no-break space is refused");
	tims_buf_release(&out);
}

#define NONASCII_CP "o\n0\n47DEQpj8HBSa+/TImW+\xcb\xb8" "CeuQeRkm5NMpJWZG3hSeFU=\n"
#define EMPTY_CP "o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"

static void test_checkpoint(void)
{
	struct tims_checkpoint c;
	struct tims_buf out = TIMS_BUF_INIT(4096);
	struct tims_err err;
	static const struct { const char *text, *msg; } bad[] = {
		{ "example.com/log\n020\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "checkpoint line 2 (size): leading zero" },
		{ "\n20\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "checkpoint line 1 (origin): empty origin" },
		{ " example.com/log\n20\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "checkpoint line 1 (origin): origin has a leading or trailing space" },
		{ "example.com/log \n20\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "checkpoint line 1 (origin): origin has a leading or trailing space" },
		{ "example.com/log\n+20\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "checkpoint line 2 (size): not a decimal number" },
		{ "example.com/log\n\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "checkpoint line 2 (size): empty" },
		{ "example.com/log\n18446744073709551616\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "checkpoint line 2 (size): larger than 18446744073709551615" },
		{ "example.com/log\n20\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2=\n", "checkpoint line 3 (root): not base64 of a 32-byte hash" },
		{ "example.com/log\n20\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n", "checkpoint line 3 (root): not base64 of a 32-byte hash" },
		{ "example.com/log\n20\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n", "checkpoint line 4: empty extension line" },
		{ "example.com/log\n20\n", "checkpoint: 2 lines, expected at least 3 (origin, size, root)" },
		{ "example.com/log\n20\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=", "checkpoint: does not end in a newline" },
	};

	T_OK(tims_checkpoint_parse(SOFA_BODY, strlen(SOFA_BODY), &c, &err) == TIMS_OK,
	     "checkpoint: the C2SP example body parses");
	T_OK(!strcmp(c.origin, "example.com/behind-the-sofa") && c.size == 20852163 && c.root[0] == 0x0a && c.root[1] == 0xc5,
	     "checkpoint: ... origin, size and root as published");
	T_OK(tims_checkpoint_format(&c, &out) == TIMS_OK, "checkpoint: formats");
	T_EQ_STR(tims_buf_str(&out), SOFA_BODY, "checkpoint: ... back to the same bytes");
	T_OK(tims_checkpoint_parse(SOFA_BODY "ext one\n", strlen(SOFA_BODY "ext one\n"), &c, &err) == TIMS_OK,
	     "checkpoint: an extension line is accepted");
	T_OK(tims_checkpoint_parse(EMPTY_CP, strlen(EMPTY_CP), &c, &err) == TIMS_OK && c.size == 0,
	     "checkpoint: size 0 is written 0");
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(bad); i++) {
		int rc = tims_checkpoint_parse(bad[i].text, strlen(bad[i].text), &c, &err);

		T_OK(rc == TIMS_ERR_INVALID, "checkpoint: refused: %s", bad[i].msg);
		T_EQ_STR(err.msg, bad[i].msg, "checkpoint: ... with that message");
	}
	/* Found by fuzz_note: libsodium 1.0.18 decodes some non-ASCII bytes. */
	T_OK(tims_checkpoint_parse(NONASCII_CP, strlen(NONASCII_CP), &c, &err) == TIMS_ERR_INVALID,
	     "checkpoint: a root with non-ASCII bytes in its base64 is refused");
	memset(&c, 0, sizeof(c));
	tims_buf_reset(&out);
	T_OK(tims_checkpoint_format(&c, &out) == TIMS_ERR_INVALID && out.len == 0,
	     "checkpoint: formatting with an empty origin is refused");
	tims_buf_release(&out);
}

static void test_cosignature(void)
{
	char *skey, *vkey, *pskey, *pvkey;
	struct tims_signer w, log[2];
	struct tims_verifier wv, lv, v[2], wv_as_ed;
	struct tims_buf note = TIMS_BUF_INIT(1 << 16), line = TIMS_BUF_INIT(4096);
	struct tims_note n;
	struct tims_err err;
	uint8_t blob[4 + 72];
	size_t blen;
	char msg[512];
	int mlen;

	if (tims_note_keygen("witness.example/w1", TIMS_KEY_COSIGNATURE_V1, &skey, &vkey, &err) ||
	    tims_signer_from_skey(skey, &w, &err) || tims_verifier_parse(vkey, &wv, &err) ||
	    tims_note_keygen("example.com/behind-the-sofa", TIMS_KEY_ED25519, &pskey, &pvkey, &err) ||
	    tims_signer_from_skey(pskey, &log[0], &err) || tims_verifier_parse(pvkey, &lv, &err)) {
		T_OK(0, "cosignature: key setup: %s", err.msg);
		return;
	}
	T_OK(w.alg == TIMS_KEY_COSIGNATURE_V1 && wv.alg == TIMS_KEY_COSIGNATURE_V1 &&
	     wv.keyhash == tims_note_keyhash("witness.example/w1", 0x04, wv.pub),
	     "cosignature: a cosigner key has algorithm 0x04 and its key hash is computed with 0x04");
	T_OK(tims_cosign(&w, SOFA_BODY, strlen(SOFA_BODY), 1679315147, &line, &err) == TIMS_OK,
	     "cosignature: cosigns the C2SP example checkpoint at time 1679315147");
	/* Check the signed message independently of the verifier. */
	T_OK(!strncmp(line.buf, "\xe2\x80\x94 witness.example/w1 ", 23) &&
	     sodium_base642bin(blob, sizeof(blob), line.buf + 23, line.len - 24, NULL, &blen, NULL,
			       sodium_base64_VARIANT_ORIGINAL) == 0 && blen == 76,
	     "cosignature: the line is the name and base64 of 76 bytes");
	mlen = snprintf(msg, sizeof(msg), "cosignature/v1\ntime 1679315147\n%s", SOFA_BODY);
	T_OK(blob[4] == 0 && blob[8] == 0x64 && blob[11] == 0xcb &&
	     crypto_sign_verify_detached(blob + 12, (const unsigned char *)msg, (unsigned long long)mlen, wv.pub) == 0,
	     "cosignature: keyhash || time (big-endian) || Ed25519 over \"cosignature/v1\\ntime T\\n\" + body");
	tims_buf_addstr(&note, SOFA_BODY "\n");
	tims_buf_add(&note, line.buf, line.len);
	T_OK(tims_note_verify(note.buf, note.len, &wv, 1, &n, &err) == TIMS_OK && n.cosigned_time[0] == 1679315147,
	     "cosignature: verifies, and the verifier reports the time");
	wv_as_ed = wv;
	wv_as_ed.alg = TIMS_KEY_ED25519;
	wv_as_ed.keyhash = tims_note_keyhash(wv.name, 0x01, wv.pub);
	T_OK(tims_note_verify(note.buf, note.len, &wv_as_ed, 1, &n, &err) == TIMS_ERR_SIGNATURE,
	     "cosignature: the same public key as a plain Ed25519 verifier does not match it");
	note.buf[30] ^= 1; /* inside the size line */
	T_OK(tims_note_verify(note.buf, note.len, &wv, 1, &n, &err) != TIMS_OK,
	     "cosignature: a changed checkpoint fails");
	tims_buf_reset(&line);
	T_OK(tims_cosign(&w, TEXT, strlen(TEXT), 1, &line, &err) == TIMS_ERR_INVALID && line.len == 0,
	     "cosignature: a witness refuses to cosign text that is not a checkpoint");
	T_OK(tims_cosign(&log[0], SOFA_BODY, strlen(SOFA_BODY), 1, &line, &err) == TIMS_ERR_USAGE,
	     "cosignature: a plain Ed25519 key cannot cosign");
	T_OK(tims_cosign(&w, SOFA_BODY, strlen(SOFA_BODY), UINT64_MAX, &line, &err) == TIMS_ERR_USAGE,
	     "cosignature: a time past 2^63-1 is refused");

	/* A log signature and a witness cosignature on one note. */
	log[1] = w;
	tims_buf_reset(&note);
	T_OK(tims_note_sign(SOFA_BODY, strlen(SOFA_BODY), log, 2, &note, &err) == TIMS_OK,
	     "cosignature: a note signed by the log and cosigned by the witness");
	v[0] = lv;
	v[1] = wv;
	T_OK(tims_note_verify(note.buf, note.len, v, 2, &n, &err) == TIMS_OK && n.verified_mask == 3 &&
	     n.cosigned_time[0] == 0 && n.cosigned_time[1] + 60 > (uint64_t)time(NULL),
	     "cosignature: both verify; the cosignature time is now");
	tims_buf_reset(&note);
	T_OK(tims_note_sign(TEXT, strlen(TEXT), &w, 1, &note, &err) == TIMS_ERR_INVALID,
	     "cosignature: signing a non-checkpoint note with a cosigner key is refused");

	tims_signer_release(&w);
	tims_signer_release(&log[0]);
	tims_note_free_secret(skey);
	tims_note_free_secret(pskey);
	free(vkey);
	free(pvkey);
	tims_buf_release(&note);
	tims_buf_release(&line);
}

static void test_ambiguous(void)
{
	struct tims_verifier v[2];
	struct tims_note n;
	struct tims_err err;
	const char *note = TEXT "\n" PETER_SIG;

	tims_verifier_parse(PETER_VKEY, &v[0], NULL);
	v[1] = v[0];
	T_OK(tims_note_verify(note, strlen(note), v, 2, &n, &err) == TIMS_OK,
	     "verifiers: the same key given twice is fine");
	v[1].pub[0] ^= 1;
	T_OK(tims_note_verify(note, strlen(note), v, 2, &n, &err) == TIMS_ERR_USAGE,
	     "verifiers: two different keys with one name and hash are refused as ambiguous");
}

int main(void)
{
	if (sodium_init() < 0)
		return 2;
	test_go_vectors();
	test_bad_notes();
	test_key_manglings();
	test_keygen();
	test_checkpoint();
	test_cosignature();
	test_ambiguous();
	return t_done();
}
