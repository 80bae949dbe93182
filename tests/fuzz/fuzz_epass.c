/*
 * fuzz_epass.c — libFuzzer target for the e-passport parsers: EF.SOD's
 * 0x77 wrapper, the LDS security object (on the raw input and on what the
 * wrapper holds), a data group's tag, DG1's MRZ, and the CSCA / master
 * list / CRL loaders up to the master list's signature check, and active
 * authentication: the input as DG14 beside a fixed ECDSA DG15, and as DG15;
 * DG2's face (the biometric template and its ISO 19794-5 facial record).
 *
 * Beyond "no crash, no sanitizer report", it checks what callers rely on:
 * an unwrapped SOD lies inside the input; a parsed security object has 2 to
 * 16 distinct data groups numbered 1..16, each hash as long as its
 * algorithm's; an MRZ from DG1 is 72, 88 or 90 characters of A-Z 0-9 <;
 * every failure has a message that names its field; a face image lies
 * inside the input and starts with its format's magic; an all-zero answer
 * never passes active authentication, whatever DG14 or DG15 says.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tims/epass.h"
#include "tims/epass_chip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUST(c) do { if (!(c)) abort(); } while (0)

static void check_lds(const uint8_t *p, size_t n)
{
	struct tims_epass_lds lds;
	struct tims_err err;

	if (tims_epass_lds_parse(p, n, &lds, &err) != TIMS_OK) {
		MUST(!strncmp(err.msg, "sod: security object: ", 22));
		return;
	}
	MUST(lds.ngroups >= 2 && lds.ngroups <= TIMS_EPASS_MAX_DG);
	for (unsigned i = 0; i < lds.ngroups; i++) {
		MUST(lds.groups[i].number >= 1 && lds.groups[i].number <= 16);
		MUST(lds.groups[i].len == tims_epass_hash_len(lds.hash));
		for (unsigned j = 0; j < i; j++)
			MUST(lds.groups[i].number != lds.groups[j].number);
	}
}

/* DG15: 6F { a P-256 SubjectPublicKeyInfo } */
static const uint8_t dg15_ec[] = {
	0x6F, 0x5B,
	  0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
	  0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03,
	  0x42, 0x00, 0x04, 0x38, 0x2e, 0xff, 0xb6, 0xfb, 0xae, 0x3d, 0x6e, 0x3f,
	  0xeb, 0x9b, 0xbd, 0xfc, 0xfd, 0xdf, 0x15, 0x91, 0x09, 0x00, 0x52, 0xd1,
	  0x63, 0xf8, 0x97, 0x41, 0xd1, 0xab, 0x0a, 0x0e, 0xbd, 0x8c, 0x50, 0x72,
	  0x76, 0x37, 0x38, 0x33, 0x51, 0x75, 0xcd, 0x0c, 0x36, 0xbc, 0x75, 0xd9,
	  0x16, 0xde, 0xe3, 0x4e, 0xdf, 0xc8, 0x1a, 0x68, 0x35, 0xb2, 0x98, 0x9a,
	  0xe1, 0xfd, 0x5f, 0xe3, 0xa0, 0x88, 0xa0
};

static void check_aa(const uint8_t *data, size_t size)
{
	static const uint8_t rnd[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t zero[512];
	struct tims_err err;
	tims_rc rc;

	rc = tims_epass_aa_verify(dg15_ec, sizeof(dg15_ec), data, size, rnd, zero, 64, &err);
	MUST(rc == TIMS_ERR_SIGNATURE || rc == TIMS_ERR_INVALID);
	MUST(!strncmp(err.msg, "aa: ", 4));
	rc = tims_epass_aa_verify(data, size, data, size, rnd, zero, size < 512 ? size : 512, &err);
	MUST(rc != TIMS_OK);
	MUST(!strncmp(err.msg, "aa: ", 4) || !strncmp(err.msg, "dg15: ", 6));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *cms = NULL;
	size_t cms_len = 0, nanchors = 0;
	unsigned num = 0;
	char mrz[TIMS_EPASS_MRZ_MAX + 1];
	struct tims_err err;
	struct tims_epass_trust *t = NULL;
	struct tims_epass_face face;

	if (tims_epass_sod_unwrap(data, size, &cms, &cms_len, &err) == TIMS_OK) {
		MUST(cms >= data && cms + cms_len <= data + size);
		check_lds(cms, cms_len);
	} else {
		MUST(!strncmp(err.msg, "sod: ", 5));
	}
	check_lds(data, size);
	check_aa(data, size);
	if (tims_epass_dg_number(data, size, &num, &err) == TIMS_OK)
		MUST(num >= 1 && num <= 16);
	else
		MUST(!strncmp(err.msg, "dg", 2));
	if (tims_epass_dg1_mrz(data, size, mrz, &err) == TIMS_OK) {
		size_t n = strlen(mrz);

		MUST(n == 72 || n == 88 || n == 90);
		MUST(strspn(mrz, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<") == n);
	} else {
		MUST(!strncmp(err.msg, "dg1: ", 5) && mrz[0] == '\0');
	}
	if (tims_epass_dg2_face(data, size, &face, &err) == TIMS_OK) {
		MUST(face.image > data && face.image + face.len <= data + size && face.len >= 3);
		MUST(face.type == TIMS_EPASS_IMG_JPEG ? face.image[0] == 0xFF && face.image[1] == 0xD8
						      : face.type == TIMS_EPASS_IMG_JP2);
	} else {
		MUST(!strncmp(err.msg, "dg2: ", 5) && !face.image);
	}
	if (tims_epass_trust_new(&t, &err) != TIMS_OK)
		return 0;
	if (tims_epass_trust_add_csca(t, data, size, "fuzz", &err) != TIMS_OK)
		MUST(!strncmp(err.msg, "csca fuzz: ", 11));
	if (tims_epass_trust_add_crl(t, data, size, "fuzz", &err) != TIMS_OK)
		MUST(!strncmp(err.msg, "crl fuzz: ", 10));
	if (tims_epass_trust_seal(t, 1800000000, &nanchors, &err) != TIMS_OK)
		MUST(!strncmp(err.msg, "csca", 4));
	tims_epass_trust_free(t);
	return 0;
}
