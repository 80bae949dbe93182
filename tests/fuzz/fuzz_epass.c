/*
 * fuzz_epass.c — libFuzzer target for the e-passport parsers: EF.SOD's
 * 0x77 wrapper, the LDS security object (on the raw input and on what the
 * wrapper holds), a data group's tag, DG1's MRZ, and the CSCA / master
 * list / CRL loaders up to the master list's signature check, and active
 * authentication: the input as DG14 beside a fixed ECDSA DG15, and as DG15,
 * and as the chip's answer (what a booth sends the post as aa_response) to
 * a fixed RSA DG15 (the ISO 9796-2 recovery: header, hash trailer) and to
 * the ECDSA one with its DG14;
 * DG2's face (the biometric template and its ISO 19794-5 facial record).
 *
 * Beyond "no crash, no sanitizer report", it checks what callers rely on:
 * an unwrapped SOD lies inside the input; a parsed security object has 2 to
 * 16 distinct data groups numbered 1..16, each hash as long as its
 * algorithm's; an MRZ from DG1 is 72, 88 or 90 characters of A-Z 0-9 <;
 * every failure has a message that names its field; a face image lies
 * inside the input and starts with its format's magic; an all-zero answer
 * never passes active authentication, whatever DG14 or DG15 says, and no
 * answer made up without the key does.
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

/* DG15: 6F { an RSA-1024 SubjectPublicKeyInfo }, its private key thrown away */
static const uint8_t dg15_rsa[] = {
	0x6f, 0x81, 0xa2, 0x30, 0x81, 0x9f, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86,
	0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00, 0x03, 0x81, 0x8d,
	0x00, 0x30, 0x81, 0x89, 0x02, 0x81, 0x81, 0x00, 0xd2, 0x66, 0x58, 0x9a,
	0x72, 0x17, 0x48, 0x11, 0x78, 0xbc, 0x36, 0xd4, 0x1b, 0x43, 0xeb, 0xe8,
	0xe0, 0xae, 0x5a, 0x38, 0xce, 0xfe, 0x0b, 0xe5, 0x08, 0x6a, 0xcb, 0x06,
	0x1a, 0x09, 0xcc, 0x99, 0x70, 0x96, 0xff, 0x50, 0x88, 0xd9, 0x69, 0xed,
	0x0d, 0xcf, 0xd8, 0xc4, 0xa2, 0xa0, 0x3f, 0xdb, 0x03, 0x50, 0xb8, 0xd4,
	0x8b, 0x26, 0xce, 0x71, 0x18, 0x6b, 0xe0, 0xfb, 0x82, 0x4a, 0x6d, 0x7a,
	0x69, 0xc1, 0x6e, 0x2d, 0x89, 0x96, 0xe0, 0xcf, 0x84, 0x39, 0xd1, 0x8a,
	0xc0, 0x99, 0xc6, 0xcf, 0x21, 0x74, 0xe7, 0xd5, 0x47, 0x66, 0x15, 0x75,
	0x17, 0xb1, 0x9f, 0x2e, 0x9c, 0x6a, 0xfc, 0x45, 0x1e, 0x64, 0x30, 0x29,
	0x03, 0xa1, 0xc7, 0x4f, 0x46, 0x9b, 0xa6, 0x7e, 0x21, 0x84, 0x59, 0x85,
	0x54, 0xb5, 0x3b, 0x49, 0x42, 0x56, 0xb5, 0x7b, 0x23, 0x87, 0x6d, 0xd4,
	0xae, 0x36, 0xd1, 0x2b, 0x02, 0x03, 0x01, 0x00, 0x01,
};

/* DG14: 6E { SET { ActiveAuthenticationInfo { aa, 1, ecdsa-plain-SHA256 } } } */
static const uint8_t dg14_ec[] = {
	0x6e, 0x1b, 0x31, 0x19, 0x30, 0x17, 0x06, 0x06, 0x67, 0x81, 0x08, 0x01,
	0x01, 0x05, 0x02, 0x01, 0x01, 0x06, 0x0a, 0x04, 0x00, 0x7f, 0x00, 0x07,
	0x01, 0x01, 0x04, 0x01, 0x03,
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
	/* the input as the answer: nobody holds these keys */
	rc = tims_epass_aa_verify(dg15_rsa, sizeof(dg15_rsa), NULL, 0, rnd, data, size, &err);
	MUST(rc == TIMS_ERR_SIGNATURE && !strncmp(err.msg, "aa: ", 4));
	rc = tims_epass_aa_verify(dg15_ec, sizeof(dg15_ec), dg14_ec, sizeof(dg14_ec), rnd, data, size,
				  &err);
	MUST(rc == TIMS_ERR_SIGNATURE && !strncmp(err.msg, "aa: ", 4));
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
