/*
 * test_bac.c — BAC and secure messaging (lib/epass/bac.c) against the
 * worked example of ICAO Doc 9303 Part 11, Appendix D (D.2 key derivation
 * from the MRZ, D.3 BAC, D.4 secure messaging): the published MRZ of the
 * specimen document, Kseed, Kenc, Kmac, the terminal's and the chip's
 * randoms and cryptograms, the session keys, the SSC and the protected
 * SELECT / READ BINARY APDUs with the chip's answers. A scripted card
 * replays the chip's side and checks every command byte for byte.
 *
 * Then the attacker's side: a response with one MAC byte changed, a
 * status word outside DO'99', a chip that refuses the MRZ's keys, a file
 * shorter than its TLV, a session used after a failure.
 */
#include <stdlib.h>

#include "t.h"
#include "tims/epass_chip.h"

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;

	for (; h[0] && h[1]; h += 2) {
		unsigned v;
		char b[3] = { h[0], h[1], 0 };

		v = (unsigned)strtoul(b, NULL, 16);
		out[n++] = (uint8_t)v;
	}
	return n;
}

static int eq_hex(const uint8_t *p, size_t n, const char *h)
{
	uint8_t want[512];
	size_t wn = unhex(h, want);

	return wn == n && !memcmp(p, want, n);
}

/* The chip's side: expected command (NULL: any), answer. */
struct step {
	const char *cmd, *resp;
};
struct script {
	const struct step *steps;
	size_t n, at;
	int mismatch; /* 1-based step whose command differed */
	int flip;     /* 1-based step whose answer gets one byte changed */
	size_t flip_at;
};

static tims_rc scripted(void *ctx, const uint8_t *c, size_t cl, uint8_t *r, size_t *rl,
			struct tims_err *err)
{
	struct script *s = ctx;
	const struct step *st;

	if (s->at >= s->n)
		return tims_err_set(err, TIMS_ERR_IO, "script: no more answers");
	st = &s->steps[s->at++];
	if (st->cmd && !eq_hex(c, cl, st->cmd) && !s->mismatch)
		s->mismatch = (int)s->at;
	*rl = unhex(st->resp, r);
	if (s->flip == (int)s->at)
		r[s->flip_at] ^= 0x01;
	return TIMS_OK;
}

static tims_rc fixed_random(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	/* RND.IFD then K.IFD of Appendix D.3 */
	uint8_t v[24];

	unhex("781723860C06C226" "0B795240CB7049B01C19B33E32804F0B", v);
	if (n != 24)
		return TIMS_ERR_USAGE;
	memcpy(out, v, 24);
	return TIMS_OK;
}

/* Appendix D.3 and D.4, in order. */
static const struct step d34[] = {
	{ "0084000008", "4608F91988702212" "9000" },
	{ "0082000028"
	  "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2"
	  "5F1448EEA8AD90A7" "28",
	  "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F"
	  "2F2D235D074D7449" "9000" },
	{ "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800",
	  "990290008E08FA855A5D4C50A8ED" "9000" },
	{ "0CB000000D9701048E08ED6705417E96BA5500",
	  "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED" "9000" },
	{ "0CB000040D9701128E082EA28A70F3C7B53500",
	  "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D74"
	  "9000" },
};

static const char mrz_td3[] =
	"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
	"L898902C<3UTO6908061F9406236ZE184226B<<<<<14";

static void keys(void)
{
	char info[TIMS_EPASS_MRZ_INFO_MAX + 1];
	uint8_t seed[16], k[16];
	struct tims_err err;

	T_OK(tims_epass_bac_mrz_info(mrz_td3, 88, info, &err) == TIMS_OK, "D.2: MRZ information read");
	T_EQ_STR(info, "L898902C<369080619406236", "D.2: MRZ information");
	T_OK(tims_epass_bac_seed(info, seed, &err) == TIMS_OK && eq_hex(seed, 16, "239AB9CB282DAF66231DC5A4DF6BFBAE"),
	     "D.2: Kseed = SHA-1(MRZ information)[0..16]");
	T_OK(tims_epass_bac_derive(seed, 1, k, &err) == TIMS_OK && eq_hex(k, 16, "AB94FDECF2674FDFB9B391F85D7F76F2"),
	     "D.2: Kenc with DES parity");
	T_OK(tims_epass_bac_derive(seed, 2, k, &err) == TIMS_OK && eq_hex(k, 16, "7962D9ECE03D1ACD4C76089DCE131543"),
	     "D.2: Kmac with DES parity");
	unhex("0036D272F5C350ACAC50C3F572D23600", seed);
	T_OK(tims_epass_bac_derive(seed, 1, k, &err) == TIMS_OK && eq_hex(k, 16, "979EC13B1CBFE9DCD01AB0FED307EAE5"),
	     "D.3: KSenc from K.IFD xor K.IC");
	T_OK(tims_epass_bac_derive(seed, 2, k, &err) == TIMS_OK && eq_hex(k, 16, "F1CB1F1FB5ADF208806B89DC579DC1F8"),
	     "D.3: KSmac");

	/* a misread MRZ is named before the chip sees it */
	{
		char bad[89];

		memcpy(bad, mrz_td3, 89);
		bad[44 + 19] = '4'; /* birth date check digit */
		T_OK(tims_epass_bac_mrz_info(bad, 88, info, &err) == TIMS_ERR_INVALID, "wrong birth check digit refused");
		T_EQ_STR(err.msg, "mrz: date of birth: check digit is 4, expected 1", "named: field and digits");
		T_OK(tims_epass_bac_mrz_info(mrz_td3, 87, info, &err) == TIMS_ERR_INVALID, "87 characters refused");
	}
	/* TD1 with a document number of 12 characters (Doc 9303 Part 5's
	 * long-number rule: '<' as the check digit, the rest in the optional
	 * data, its check digit last). */
	{
		const char td1[] = "I<UTOD23145890<7349<<<<<<<<<<<"
				   "3407127M9507122UTO<<<<<<<<<<<2"
				   "STEVENSON<<PETER<JOHN<<<<<<<<<";

		tims_err_clear(&err);
		T_OK(tims_epass_bac_mrz_info(td1, 90, info, &err) == TIMS_OK, "TD1 long number read%s", err.msg);
		T_EQ_STR(info, "D23145890734934071279507122", "TD1: the whole number, its check digit, the dates");
	}
}

static void bac_and_sm(void)
{
	struct script s = { d34, sizeof(d34) / sizeof(d34[0]), 0, 0, 0, 0 };
	struct tims_epass_card card = { scripted, &s, fixed_random, NULL };
	struct tims_epass_sm sm;
	struct tims_err err;
	uint8_t *buf = NULL;
	size_t len = 0;
	unsigned g[16], ng = 0;

	T_OK(tims_epass_bac(&card, "L898902C<369080619406236", &sm, &err) == TIMS_OK, "D.3: BAC with the example's chip: %s", err.msg);
	T_EQ_INT(s.mismatch, 0, "D.3: GET CHALLENGE and MUTUAL AUTHENTICATE byte for byte (E.IFD, M.IFD)");
	T_OK(eq_hex(sm.ks_enc, 16, "979EC13B1CBFE9DCD01AB0FED307EAE5"), "D.3: session KSenc");
	T_OK(eq_hex(sm.ks_mac, 16, "F1CB1F1FB5ADF208806B89DC579DC1F8"), "D.3: session KSmac");
	T_OK(eq_hex(sm.ssc, 8, "887022120C06C226"), "D.3: SSC = RND.IC[4..8] || RND.IFD[4..8]");

	/* D.4: SELECT EF.COM, READ BINARY 4 bytes, then the 18 others */
	T_OK(tims_epass_chip_read_file(&card, &sm, 0x011E, "ef.com", 1000, &buf, &len, &err) == TIMS_OK,
	     "D.4: EF.COM read through secure messaging: %s", err.msg);
	T_EQ_INT(s.mismatch, 0, "D.4: protected SELECT and READ BINARY APDUs byte for byte");
	T_OK(buf && eq_hex(buf, len, "60145F0104303130365F36063034303030305C026175"),
	     "D.4: EF.COM decrypted, padding removed");
	T_OK(eq_hex(sm.ssc, 8, "887022120C06C22C"), "D.4: SSC incremented for each command and response");
	T_OK(buf && tims_epass_com_groups(buf, len, g, &ng, &err) == TIMS_OK && ng == 2 && g[0] == 1 && g[1] == 2,
	     "EF.COM lists DG1 and DG2");
	free(buf);
	tims_epass_sm_clear(&sm);
}

static void attacks(void)
{
	struct tims_epass_card card;
	struct script s;
	struct tims_epass_sm sm;
	struct tims_err err;
	uint8_t *buf = NULL, out[64];
	size_t len = 0, ol;
	uint16_t sw;

	/* each byte of the D.4 READ BINARY answer changed in turn: refused */
	static const size_t flips[] = { 3, 7, 10, 13, 14, 17, 24 };

	for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		size_t at = flips[i];

		s = (struct script){ d34, 5, 0, 0, 4, at };
		card = (struct tims_epass_card){ scripted, &s, fixed_random, NULL };
		T_OK(tims_epass_bac(&card, "L898902C<369080619406236", &sm, &err) == TIMS_OK, "BAC again");
		T_OK(tims_epass_chip_read_file(&card, &sm, 0x011E, "ef.com", 1000, &buf, &len, &err) ==
		     TIMS_ERR_SIGNATURE && buf == NULL, "answer byte %zu (cryptogram, status or MAC) changed: refused, nothing returned", at);
		T_EQ_STR(err.msg, "ef.com: response MAC does not verify: secure messaging broken off",
			 "changed answer: names the file and the MAC");
		T_OK(!sm.open, "session closed after a bad MAC");
	}
	T_OK(tims_epass_chip_read_file(&card, &sm, 0x011E, "ef.com", 1000, &buf, &len, &err) == TIMS_ERR_STATE,
	     "a closed session sends nothing more");

	/* an earlier answer replayed (the SSC has moved on): refused */
	{
		const struct step replay[] = {
			d34[0], d34[1], d34[2], d34[3],
			{ NULL, "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED" "9000" },
		};
		s = (struct script){ replay, 5, 0, 0, 0, 0 };
		card = (struct tims_epass_card){ scripted, &s, fixed_random, NULL };
		T_OK(tims_epass_bac(&card, "L898902C<369080619406236", &sm, &err) == TIMS_OK, "BAC for the replay test");
		T_OK(tims_epass_chip_read_file(&card, &sm, 0x011E, "ef.com", 1000, &buf, &len, &err) == TIMS_ERR_SIGNATURE,
		     "the first READ BINARY answer replayed for the second: refused (%s)", err.msg);
	}
	/* a chip that refuses the MRZ's keys */
	{
		static const struct step refuse[] = {
			{ "0084000008", "4608F91988702212" "9000" },
			{ NULL, "6300" },
		};
		s = (struct script){ refuse, 2, 0, 0, 0, 0 };
		card = (struct tims_epass_card){ scripted, &s, fixed_random, NULL };
		T_OK(tims_epass_bac(&card, "L898902C<369080619406236", &sm, &err) == TIMS_ERR_AUTH, "BAC refused: TIMS_ERR_AUTH");
		T_OK(strstr(err.msg, "bac: the chip refused the keys from the MRZ (SW 6300)") != NULL, "BAC refused: named (%s)", err.msg);
		T_OK(!sm.open, "no session after a refused BAC");
	}
	/* the chip's MUTUAL AUTHENTICATE answer with its MAC changed */
	s = (struct script){ d34, 2, 0, 0, 2, 39 };
	card = (struct tims_epass_card){ scripted, &s, fixed_random, NULL };
	T_OK(tims_epass_bac(&card, "L898902C<369080619406236", &sm, &err) == TIMS_ERR_SIGNATURE,
	     "chip's BAC answer with a bad MAC: refused");

	/* DO'99' says 9000, the trailer says 6282: refused after the MAC */
	s = (struct script){ d34, 3, 0, 0, 0, 0 };
	card = (struct tims_epass_card){ scripted, &s, fixed_random, NULL };
	T_OK(tims_epass_bac(&card, "L898902C<369080619406236", &sm, &err) == TIMS_OK, "BAC for the SW test");
	{
		uint8_t c[TIMS_EPASS_APDU_MAX], r[64];
		size_t cl, rl;
		const uint8_t hdr[4] = { 0x00, 0xA4, 0x02, 0x0C }, id[2] = { 0x01, 0x1E };

		T_OK(tims_epass_sm_wrap(&sm, hdr, id, 2, 0, c, &cl, &err) == TIMS_OK, "wrap SELECT");
		rl = unhex("990290008E08FA855A5D4C50A8ED" "6282", r);
		T_OK(tims_epass_sm_unwrap(&sm, "ef.com", r, rl, out, sizeof(out), &ol, &sw, &err) == TIMS_ERR_INVALID,
		     "status word outside DO'99' differs: refused");
		T_OK(strstr(err.msg, "DO'99' differs") != NULL, "named: %s", err.msg);
	}
	/* an unprotected 9000 after BAC is not success */
	s = (struct script){ d34, 2, 0, 0, 0, 0 };
	card = (struct tims_epass_card){ scripted, &s, fixed_random, NULL };
	T_OK(tims_epass_bac(&card, "L898902C<369080619406236", &sm, &err) == TIMS_OK, "BAC for the plain-9000 test");
	{
		const uint8_t r[2] = { 0x90, 0x00 };
		uint8_t c[TIMS_EPASS_APDU_MAX];
		size_t cl;
		const uint8_t hdr[4] = { 0x00, 0xB0, 0, 0 };

		T_OK(tims_epass_sm_wrap(&sm, hdr, NULL, 0, 4, c, &cl, &err) == TIMS_OK, "wrap READ");
		T_OK(tims_epass_sm_unwrap(&sm, "dg1", r, 2, out, sizeof(out), &ol, &sw, &err) == TIMS_ERR_SIGNATURE,
		     "plain 9000 inside a session: refused");
	}
	/* a file shorter than its TLV: the chip answers 6B00 past its end */
	{
		const struct step trunc[] = {
			d34[0], d34[1], d34[2], d34[3],
			{ NULL, "6B00" },
		};
		s = (struct script){ trunc, 5, 0, 0, 0, 0 };
		card = (struct tims_epass_card){ scripted, &s, fixed_random, NULL };
		T_OK(tims_epass_bac(&card, "L898902C<369080619406236", &sm, &err) == TIMS_OK, "BAC for the truncation test");
		T_OK(tims_epass_chip_read_file(&card, &sm, 0x011E, "ef.com", 1000, &buf, &len, &err) == TIMS_ERR_INVALID,
		     "file shorter than its TLV: refused");
		T_OK(strstr(err.msg, "ef.com: file ends at offset 4, its TLV says 22 bytes") != NULL, "named: %s", err.msg);
	}
	/* a file larger than the caller allows */
	s = (struct script){ d34, 5, 0, 0, 0, 0 };
	card = (struct tims_epass_card){ scripted, &s, fixed_random, NULL };
	T_OK(tims_epass_bac(&card, "L898902C<369080619406236", &sm, &err) == TIMS_OK, "BAC for the ceiling test");
	T_OK(tims_epass_chip_read_file(&card, &sm, 0x011E, "ef.com", 10, &buf, &len, &err) == TIMS_ERR_TOOBIG,
	     "file past its ceiling refused: %s", err.msg);
	tims_epass_sm_clear(&sm);
	/* extended length where the answer or the data need it */
	{
		static uint8_t c[TIMS_EPASS_APDU_MAX], data[300];
		const uint8_t rb[4] = { 0x00, 0xB0, 0x00, 0x00 }, upd[4] = { 0x00, 0xD6, 0x00, 0x00 };
		size_t cl = 0;

		memset(&sm, 0, sizeof(sm));
		sm.open = true;
		T_OK(tims_epass_sm_wrap(&sm, rb, NULL, 0, 1000, c, &cl, &err) == TIMS_OK &&
		     cl == 23 && c[0] == 0x0C && c[4] == 0x00 && c[5] == 0x00 && c[6] == 14 &&
		     c[7] == 0x97 && c[8] == 0x02 && c[9] == 0x03 && c[10] == 0xE8 &&
		     c[11] == 0x8E && c[21] == 0x00 && c[22] == 0x00,
		     "Le 1000: extended APDU (00 Lc Lc, DO'97' of 2 bytes, Le 00 00)");
		T_OK(tims_epass_sm_wrap(&sm, rb, NULL, 0, 200, c, &cl, &err) == TIMS_OK && cl == 5 + 13 + 1 &&
		     c[4] == 13 && c[5] == 0x97 && c[6] == 0x01 && c[7] == 200,
		     "Le 200: short APDU (its answer fits 256 bytes)");
		T_OK(tims_epass_sm_wrap(&sm, upd, data, sizeof(data), 0, c, &cl, &err) == TIMS_OK &&
		     c[4] == 0x00 && cl == 7 + (size_t)(c[5] << 8 | c[6]) + 2 &&
		     c[7] == 0x87 && c[8] == 0x82 && c[9] == 0x01 && c[10] == 0x31,
		     "300 bytes of data: extended Lc, DO'87' with a 2-byte length");
		T_OK(tims_epass_sm_wrap(&sm, rb, NULL, 0, 65537, c, &cl, &err) == TIMS_ERR_TOOBIG,
		     "Le past 65536 refused");
		tims_epass_sm_clear(&sm);
	}
	/* EF.COM parser */
	{
		uint8_t com[64];
		size_t n = unhex("60095F010430313037" "5C0161", com);
		unsigned g[16], ng;

		T_OK(tims_epass_com_groups(com, n, g, &ng, &err) == TIMS_ERR_INVALID, "EF.COM with a wrong outer length refused");
		n = unhex("600B5F0104303130375C026161", com);
		T_OK(tims_epass_com_groups(com, n, g, &ng, &err) == TIMS_ERR_INVALID, "EF.COM listing DG1 twice refused");
		n = unhex("600B5F0104303130375C02616E", com);
		T_OK(tims_epass_com_groups(com, n, g, &ng, &err) == TIMS_OK && ng == 2 && g[1] == 14, "EF.COM with DG14");
	}
}

int main(void)
{
	keys();
	bac_and_sm();
	attacks();
	return t_done();
}
