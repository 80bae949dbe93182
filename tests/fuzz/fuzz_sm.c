/*
 * fuzz_sm.c — libFuzzer target for what a chip sends a reader: its
 * secure-messaging responses (tims_epass_sm_unwrap, lib/epass/bac.c),
 * EF.COM's tag list, and DG15 with an active-authentication answer
 * (tims_epass_aa_verify, lib/epass/aa.c: the input cut in two).
 *
 * The first byte chooses: even, the input is a response as the chip sent
 * it (almost never past the MAC); odd, the input is the data objects and
 * status word, and the target appends the right DO'8E' for them, so that
 * what comes after the MAC check (DO'99' against the trailer, DO'87'
 * decryption, padding, the output ceiling) is reached too.
 *
 * Checks beyond "no crash": success leaves the session open and at most
 * cap bytes out; every failure closes the session (keys wiped) and names
 * the file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tims/epass_chip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUST(c) do { if (!(c)) abort(); } while (0)

/* Session keys of Doc 9303 Part 11 Appendix D.3. */
static const uint8_t ks_enc[16] = { 0x97, 0x9E, 0xC1, 0x3B, 0x1C, 0xBF, 0xE9, 0xDC,
				    0xD0, 0x1A, 0xB0, 0xFE, 0xD3, 0x07, 0xEA, 0xE5 };
static const uint8_t ks_mac[16] = { 0xF1, 0xCB, 0x1F, 0x1F, 0xB5, 0xAD, 0xF2, 0x08,
				    0x80, 0x6B, 0x89, 0xDC, 0x57, 0x9D, 0xC1, 0xF8 };
static const uint8_t ssc[8] = { 0x88, 0x70, 0x22, 0x12, 0x0C, 0x06, 0xC2, 0x27 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t r[4096 + 16], out[64];
	struct tims_epass_sm sm;
	struct tims_err err;
	size_t rl, ol = 0;
	uint16_t sw = 0;
	unsigned groups[16], ng = 0;
	tims_rc rc;

	if (size < 1 || size > 4096)
		return 0;
	if (tims_epass_com_groups(data + 1, size - 1, groups, &ng, &err) == TIMS_OK) {
		MUST(ng <= 16);
		for (unsigned i = 0; i < ng; i++)
			MUST(groups[i] >= 1 && groups[i] <= 16);
	} else {
		MUST(!strncmp(err.msg, "ef.com: ", 8));
	}
	{
		static const uint8_t rnd[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
		size_t want = size >= 2 ? 2 + ((size_t)data[0] << 8 | data[1]) : size;
		size_t cut = want < size ? want : size;
		size_t from = size >= 2 ? 2 : size;

		rc = tims_epass_aa_verify(data + from, cut - from, NULL, 0, rnd, data + cut, size - cut,
					  &err);
		MUST(rc != TIMS_OK); /* no input forges a signature of a key it chose */
		MUST(!strncmp(err.msg, "aa: ", 4) || !strncmp(err.msg, "dg15: ", 6));
	}
	memcpy(sm.ks_enc, ks_enc, 16);
	memcpy(sm.ks_mac, ks_mac, 16);
	memcpy(sm.ssc, ssc, 8);
	sm.open = true;
	if (data[0] & 1 && size >= 3) {
		uint8_t k[4096 + 8], sscn[8];
		size_t objs = size - 3;

		memcpy(sscn, ssc, 8);
		for (int i = 7; i >= 0 && ++sscn[i] == 0; i--)
			;
		memcpy(k, sscn, 8);
		memcpy(k + 8, data + 1, objs);
		memcpy(r, data + 1, objs);
		r[objs] = 0x8E;
		r[objs + 1] = 0x08;
		if (tims_epass_retail_mac(ks_mac, k, 8 + objs, r + objs + 2, &err) != TIMS_OK)
			return 0;
		r[objs + 10] = data[size - 2];
		r[objs + 11] = data[size - 1];
		rl = objs + 12;
	} else {
		memcpy(r, data + 1, size - 1);
		rl = size - 1;
	}
	rc = tims_epass_sm_unwrap(&sm, "fz", r, rl, out, sizeof(out), &ol, &sw, &err);
	if (rc == TIMS_OK) {
		MUST(ol <= sizeof(out));
		MUST(sm.open || (rl == 2 && sw != 0x9000));
	} else {
		MUST(!sm.open);
		MUST(!strncmp(err.msg, "fz: ", 4));
		MUST(ol == 0);
	}
	return 0;
}
