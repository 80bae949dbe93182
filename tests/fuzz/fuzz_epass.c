/*
 * fuzz_epass.c — libFuzzer target for the e-passport parsers: EF.SOD's
 * 0x77 wrapper, the LDS security object (on the raw input and on what the
 * wrapper holds), a data group's tag, DG1's MRZ, and the CSCA / master
 * list / CRL loaders up to the master list's signature check.
 *
 * Beyond "no crash, no sanitizer report", it checks what callers rely on:
 * an unwrapped SOD lies inside the input; a parsed security object has 2 to
 * 16 distinct data groups numbered 1..16, each hash as long as its
 * algorithm's; an MRZ from DG1 is 72, 88 or 90 characters of A-Z 0-9 <;
 * every failure has a message that names its field.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tims/epass.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *cms = NULL;
	size_t cms_len = 0, nanchors = 0;
	unsigned num = 0;
	char mrz[TIMS_EPASS_MRZ_MAX + 1];
	struct tims_err err;
	struct tims_epass_trust *t = NULL;

	if (tims_epass_sod_unwrap(data, size, &cms, &cms_len, &err) == TIMS_OK) {
		MUST(cms >= data && cms + cms_len <= data + size);
		check_lds(cms, cms_len);
	} else {
		MUST(!strncmp(err.msg, "sod: ", 5));
	}
	check_lds(data, size);
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
