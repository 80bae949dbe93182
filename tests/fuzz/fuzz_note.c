/*
 * fuzz_note.c — the signed-note parser and verifier, the checkpoint parser
 * and the key parsers, on arbitrary bytes.
 *
 * Beyond "no crash, no leak, no undefined behaviour" it checks what callers
 * rely on: a parsed note's text is a prefix of the input ending in "\n"
 * with 1..TIMS_NOTE_MAX_SIGS signatures; a verified note was signed by the
 * one known key; a parsed checkpoint formats back to its first three lines.
 */
#include <sodium.h>

#include "tims/note.h"

#define PETER_VKEY "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_checkpoint(const char *text, size_t len)
{
	struct tims_checkpoint c;
	struct tims_buf b = TIMS_BUF_INIT(4096);

	if (tims_checkpoint_parse(text, len, &c, NULL) != TIMS_OK)
		return;
	if (tims_checkpoint_format(&c, &b) != TIMS_OK)
		abort(); /* what parses must format */
	if (b.len > len || memcmp(b.buf, text, b.len) != 0)
		abort(); /* ... to exactly its first three lines */
	tims_buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tims_verifier v[2];
	static int ready;
	struct tims_note *n = malloc(sizeof(*n));
	const char *s = (const char *)data;
	char *z;

	if (!ready) {
		char *skey, *vkey;

		if (sodium_init() < 0 || tims_verifier_parse(PETER_VKEY, &v[0], NULL) ||
		    tims_note_keygen("w", TIMS_KEY_COSIGNATURE_V1, &skey, &vkey, NULL) ||
		    tims_verifier_parse(vkey, &v[1], NULL))
			abort();
		tims_note_free_secret(skey);
		free(vkey);
		ready = 1;
	}
	if (!n)
		return 0;
	if (tims_note_parse(s, size, n, NULL) == TIMS_OK) {
		if (n->text != s || n->textlen == 0 || n->textlen >= size ||
		    n->text[n->textlen - 1] != '\n' || n->nsigs == 0 ||
		    n->nsigs > TIMS_NOTE_MAX_SIGS)
			abort();
		check_checkpoint(n->text, n->textlen);
	}
	if (tims_note_verify(s, size, v, 2, n, NULL) == TIMS_OK) {
		if (!n->verified_mask || (n->verified_mask & ~UINT64_C(3)))
			abort();
	}
	check_checkpoint(s, size);

	/* Keys are NUL-terminated strings. */
	z = malloc(size + 1);
	if (z) {
		struct tims_verifier kv;
		struct tims_signer ks;

		memcpy(z, data, size);
		z[size] = '\0';
		tims_verifier_parse(z, &kv, NULL);
		if (tims_signer_from_skey(z, &ks, NULL) == TIMS_OK)
			tims_signer_release(&ks);
		free(z);
	}
	free(n);
	return 0;
}
