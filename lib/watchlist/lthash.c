/*
 * lthash.c — LtHash16 (tims/lthash.h): element vectors from BLAKE2b-256 and
 * XChaCha20, summed lane by lane mod 2^16.
 */
#include <sodium.h>

#include "tims/lthash.h"

/* BLAKE2b personalisation (16 bytes) and the stream's nonce (24 bytes): the
 * element hash of this construction, version 1, and no other. */
static const uint8_t personal[crypto_generichash_blake2b_PERSONALBYTES] = "tims-lthash16v1";
static const uint8_t nonce[crypto_stream_xchacha20_NONCEBYTES] = "tims lthash16 element 1";

static void expand(const void *el, size_t n, uint16_t v[TIMS_LTHASH_LANES])
{
	uint8_t seed[crypto_stream_xchacha20_KEYBYTES], bytes[TIMS_LTHASH_BYTES];

	crypto_generichash_blake2b_salt_personal(seed, sizeof(seed), el, n, NULL, 0, NULL,
						 personal);
	crypto_stream_xchacha20(bytes, sizeof(bytes), nonce, seed);
	for (size_t i = 0; i < TIMS_LTHASH_LANES; i++)
		v[i] = (uint16_t)(bytes[2 * i] | (bytes[2 * i + 1] << 8));
}

void tims_lthash_init(struct tims_lthash *h)
{
	memset(h, 0, sizeof(*h));
}

void tims_lthash_add(struct tims_lthash *h, const void *el, size_t n)
{
	uint16_t v[TIMS_LTHASH_LANES];

	expand(el, n, v);
	for (size_t i = 0; i < TIMS_LTHASH_LANES; i++)
		h->lane[i] = (uint16_t)(h->lane[i] + v[i]);
	h->count++;
}

void tims_lthash_sub(struct tims_lthash *h, const void *el, size_t n)
{
	uint16_t v[TIMS_LTHASH_LANES];

	expand(el, n, v);
	for (size_t i = 0; i < TIMS_LTHASH_LANES; i++)
		h->lane[i] = (uint16_t)(h->lane[i] - v[i]);
	h->count--;
}

void tims_lthash_save(const struct tims_lthash *h, uint8_t out[TIMS_LTHASH_BYTES])
{
	for (size_t i = 0; i < TIMS_LTHASH_LANES; i++) {
		out[2 * i] = (uint8_t)(h->lane[i] & 0xff);
		out[2 * i + 1] = (uint8_t)(h->lane[i] >> 8);
	}
}

void tims_lthash_load(struct tims_lthash *h, const uint8_t in[TIMS_LTHASH_BYTES],
		      uint64_t count)
{
	for (size_t i = 0; i < TIMS_LTHASH_LANES; i++)
		h->lane[i] = (uint16_t)(in[2 * i] | (in[2 * i + 1] << 8));
	h->count = count;
}

void tims_lthash_digest(const struct tims_lthash *h, uint8_t out[32])
{
	static const char head[] = "tims watchlist content v2\n";
	crypto_generichash_state st;
	uint8_t lanes[TIMS_LTHASH_BYTES], cnt[8];

	for (int i = 0; i < 8; i++)
		cnt[i] = (uint8_t)(h->count >> (8 * i));
	tims_lthash_save(h, lanes);
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)head, sizeof(head) - 1);
	crypto_generichash_update(&st, cnt, sizeof(cnt));
	crypto_generichash_update(&st, lanes, sizeof(lanes));
	crypto_generichash_final(&st, out, 32);
}

bool tims_lthash_equal(const struct tims_lthash *a, const struct tims_lthash *b)
{
	return a->count == b->count && !memcmp(a->lane, b->lane, sizeof(a->lane));
}
