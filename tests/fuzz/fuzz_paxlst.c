/*
 * fuzz_paxlst.c — the PAXLST reader (tims/paxlst.h) on arbitrary bytes.
 * Beyond "no crash, no leak, no undefined behaviour": an input is read
 * whole or refused with a message; a refusal keeps no traveller; every
 * field of a traveller read is NUL-terminated valid UTF-8 within its
 * size; a traveller has a flight and a role; warnings kept never exceed
 * the cap.
 */
#include <stdlib.h>
#include <string.h>

#include "tims/paxlst.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int utf8_ok(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	const unsigned char *p = (const unsigned char *)s;

	if (n == cap)
		return 0;
	for (size_t i = 0; i < n;) {
		size_t k = p[i] < 0x80 ? 1 : (p[i] & 0xE0) == 0xC0 ? 2 : (p[i] & 0xF0) == 0xE0 ? 3 :
			   (p[i] & 0xF8) == 0xF0 ? 4 : 0;

		if (!k || i + k > n)
			return 0;
		for (size_t j = 1; j < k; j++)
			if ((p[i + j] & 0xC0) != 0x80)
				return 0;
		i += k;
	}
	return 1;
}

#define F(x) utf8_ok(t->x, sizeof(t->x))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tims_paxlst_options opt = { 20794 };
	struct tims_paxlst p;
	struct tims_err err;

	if (tims_paxlst_parse((const char *)data, size, &opt, &p, &err) != TIMS_OK) {
		if (!err.msg[0] || p.n || p.t)
			abort();
		return 0;
	}
	if (!p.interchanges || p.n > TIMS_PAXLST_MAX_TRAVELLERS)
		abort();
	for (size_t i = 0; i < p.n; i++) {
		const struct tims_paxlst_traveller *t = &p.t[i];

		if (!F(flight) || !F(departure_airport) || !F(departure_time) || !F(arrival_airport) ||
		    !F(arrival_time) || !F(role) || !F(surname) || !F(given_names) || !F(birth_date) ||
		    !F(sex) || !F(nationality) || !F(document_type) || !F(document_number) ||
		    !F(document_issuing_state) || !F(document_expiry) || !F(message_ref) ||
		    !F(message_version) || !t->flight[0] || !t->role[0] ||
		    t->nwarnings != t->n_env + t->n_msg + t->n_own)
			abort();
		for (unsigned k = 0; k < t->nwarnings; k++) {
			const char *w = tims_paxlst_warning(&p, t, k);

			if (!w || !utf8_ok(w, TIMS_PAXLST_WARNING))
				abort();
		}
		if (tims_paxlst_warning(&p, t, t->nwarnings))
			abort();
	}
	tims_paxlst_release(&p);
	return 0;
}
