/*
 * epass_chip.h — reading an e-passport chip (ICAO Doc 9303 Part 11):
 * Basic Access Control with keys derived from the printed MRZ, secure
 * messaging (3DES, ISO 9797-1 retail MAC), SELECT and READ BINARY of the
 * LDS files, over a PC/SC reader (pcsc-lite) or any other transport.
 *
 * Layers (lib/epass/bac.c, lib/epass/pcsc.c):
 *
 *  - Key material: tims_epass_bac_mrz_info (document number, birth and
 *    expiry dates with their check digits, from a printed MRZ),
 *    tims_epass_bac_seed, tims_epass_bac_derive (Kenc/Kmac, DES parity).
 *  - The card: a transmit callback (struct tims_epass_card). pcsc.c gives
 *    one over pcsc-lite; the unit tests give a scripted one.
 *  - BAC: tims_epass_bac (GET CHALLENGE, MUTUAL AUTHENTICATE) fills a
 *    struct tims_epass_sm with the session keys and the send sequence
 *    counter; every later command goes through tims_epass_sm_transmit,
 *    which wraps it (DO'87' / DO'97' / DO'8E') and checks the response
 *    (DO'87' / DO'99' / DO'8E': the MAC on every response, before anything
 *    in it is used; the SSC incremented for command and response).
 *  - Files: tims_epass_chip_read_file selects an EF by its file identifier
 *    and reads it in chunks, its length from its first TLV.
 *
 * Session keys are secrets: struct tims_epass_sm is wiped by
 * tims_epass_sm_clear (and on every failure of the session), and a session
 * whose response failed its MAC is closed (every further call fails): Doc
 * 9303 says the terminal aborts the session, and an attacker who can
 * inject one response must not get a second try on the same counter.
 *
 * Errors name the step ("bac", "ef.com", "dg2" ...) and the reason; the
 * library never prints and never exits.
 */
#ifndef TIMS_EPASS_CHIP_H
#define TIMS_EPASS_CHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tims/err.h"

#define TIMS_EPASS_APDU_MAX 65546u   /* extended: 4 + 3 + 65535 + 3 + slack */
#define TIMS_EPASS_RAPDU_MAX 65538u  /* 65536 data + SW1 SW2 */
#define TIMS_EPASS_MRZ_INFO_MAX 48   /* long TD1 document numbers */
#define TIMS_EPASS_CHUNK 0xDF        /* READ BINARY chunk: the SM response fits a short APDU */

/* The transport: send capdu, receive the response APDU (data and SW1 SW2)
 * into rapdu (capacity *rlen, set to the length received). A transport
 * failure (no card, reader gone) returns an error naming it. */
struct tims_epass_card {
	tims_rc (*transmit)(void *ctx, const uint8_t *capdu, size_t clen,
			    uint8_t *rapdu, size_t *rlen, struct tims_err *err);
	void *ctx;
	/* Optional, for tests: fills RND.IFD (8) then K.IFD (16); NULL uses
	 * OpenSSL's RAND_bytes. */
	tims_rc (*random)(void *ctx, uint8_t *out, size_t n);
	void *random_ctx;
};

/* The secure-messaging session after BAC. Secret: clear with
 * tims_epass_sm_clear. */
struct tims_epass_sm {
	uint8_t ks_enc[16];
	uint8_t ks_mac[16];
	uint8_t ssc[8];
	bool open;        /* false before BAC and after any failed response */
};

void tims_epass_sm_clear(struct tims_epass_sm *sm);

/*
 * The MRZ information BAC keys are derived from (Doc 9303 Part 11, 9.7.1.1,
 * Part 3/4/5 for the positions): document number (with the optional-data
 * continuation of a TD1 number longer than 9 characters), its check digit,
 * date of birth and its check digit, date of expiry and its check digit.
 * mrz: the printed MRZ, its lines concatenated (88 TD3, 72 TD2, 90 TD1).
 * Every check digit is verified: a misread MRZ is named here
 * ("mrz: date of birth: check digit is 4, expected 1"), not reported by
 * the chip as a refused BAC.
 */
TIMS_MUST_USE tims_rc tims_epass_bac_mrz_info(const char *mrz, size_t n,
		char out[TIMS_EPASS_MRZ_INFO_MAX + 1], struct tims_err *err);

/* Kseed = the first 16 bytes of SHA-1(mrz_info). */
TIMS_MUST_USE tims_rc tims_epass_bac_seed(const char *mrz_info, uint8_t seed[16],
		struct tims_err *err);

/* K = the first 16 bytes of SHA-1(seed || counter), DES parity adjusted;
 * counter 1 gives Kenc, 2 Kmac (Doc 9303 Part 11, 9.7.1). */
TIMS_MUST_USE tims_rc tims_epass_bac_derive(const uint8_t seed[16], uint32_t counter,
		uint8_t key[16], struct tims_err *err);

/* ISO 9797-1 MAC algorithm 3 (retail MAC, DES), padding method 2, over
 * msg (padded here). key: K1 || K2. */
TIMS_MUST_USE tims_rc tims_epass_retail_mac(const uint8_t key[16], const uint8_t *msg,
		size_t n, uint8_t mac[8], struct tims_err *err);

/* 3DES (two keys) CBC with a zero IV, n a multiple of 8, in place. */
TIMS_MUST_USE tims_rc tims_epass_3des_cbc(const uint8_t key[16], bool encrypt,
		uint8_t *buf, size_t n, struct tims_err *err);

/*
 * BAC: GET CHALLENGE, MUTUAL AUTHENTICATE with Kenc/Kmac from the MRZ
 * information; on success sm holds KSenc, KSmac and the SSC and is open.
 * The chip refusing (SW 6300 / 6982 ...: the MRZ does not belong to this
 * chip) is TIMS_ERR_AUTH ("bac: the chip refused the keys from the MRZ
 * (SW 6300): wrong MRZ"); an answer whose MAC or RND.IFD does not match is
 * TIMS_ERR_SIGNATURE.
 */
TIMS_MUST_USE tims_rc tims_epass_bac(const struct tims_epass_card *card,
		const char *mrz_info, struct tims_epass_sm *sm, struct tims_err *err);

/*
 * Wrap one command for secure messaging. le: 0 for no Le, 1..65536 for the
 * expected response length (256 and 65536 encode as 00 / 0000). Extended
 * length is used when the data or le need it. An odd INS (B1) sends its
 * data in DO'85' (no padding indicator). out has room for
 * TIMS_EPASS_APDU_MAX bytes. Increments the SSC.
 */
TIMS_MUST_USE tims_rc tims_epass_sm_wrap(struct tims_epass_sm *sm, const uint8_t hdr[4],
		const uint8_t *data, size_t dlen, size_t le,
		uint8_t *out, size_t *olen, struct tims_err *err);

/*
 * Check and open one protected response (data objects then SW1 SW2).
 * Increments the SSC, checks DO'8E' over SSC || DO'87' || DO'99' in
 * constant time before anything else is used, requires DO'99' equal to
 * the trailer, decrypts DO'87' (or DO'85', the odd-INS form without the
 * padding-indicator byte) and removes its padding. The plain data
 * goes to out (capacity cap) and the status word to *sw. Every failure
 * closes the session (sm->open = false, keys wiped): TIMS_ERR_SIGNATURE
 * for a MAC that does not verify, TIMS_ERR_INVALID for a malformed
 * response. A two-byte error status without SM objects is returned as
 * TIMS_OK with *sw set and *olen 0 (the chip's unprotected error answer:
 * nothing in it is trusted, and the caller fails on the SW); it also
 * closes the session since its counter can no longer be trusted.
 * name ("dg2") prefixes the messages.
 */
TIMS_MUST_USE tims_rc tims_epass_sm_unwrap(struct tims_epass_sm *sm, const char *name,
		const uint8_t *rapdu, size_t rlen, uint8_t *out, size_t cap,
		size_t *olen, uint16_t *sw, struct tims_err *err);

/* One protected exchange: wrap, transmit, unwrap (the plain answer data
 * to out, its status word to *sw). Fails closed as sm_unwrap does. */
TIMS_MUST_USE tims_rc tims_epass_sm_transmit(const struct tims_epass_card *card,
		struct tims_epass_sm *sm, const char *name, const uint8_t hdr[4],
		const uint8_t *data, size_t dlen, size_t le, uint8_t *out, size_t cap,
		size_t *olen, uint16_t *sw, struct tims_err *err);

/*
 * Active authentication (Doc 9303 Part 11, 6.1) with the key of DG15
 * (0x6F { SubjectPublicKeyInfo }): INTERNAL AUTHENTICATE with 8 random
 * bytes through secure messaging. An RSA key: the answer is an ISO/IEC
 * 9796-2 digital signature scheme 1 signature (partial message recovery,
 * header 6A, trailer BC for SHA-1 or xx CC naming SHA-224/256/384/512),
 * verified against hash(M1 || RND.IFD). An ECDSA key: the answer is the
 * plain signature r || s (BSI TR-03111) of RND.IFD with the hash DG14's
 * ActiveAuthenticationInfo names (dg14, n14: the file as read, or NULL
 * when the chip has none). TIMS_OK: the chip holds DG15's private key
 * (not a copy of the files); TIMS_ERR_SIGNATURE: it does not ("aa: the
 * chip's signature does not verify with DG15's key: chip possibly
 * cloned"); TIMS_ERR_INVALID: DG15 is not a key, or an ECDSA key's hash
 * is not known (no DG14, or none in it: not verified, named);
 * TIMS_ERR_DENIED: a key kind this code does not check, named.
 */
TIMS_MUST_USE tims_rc tims_epass_chip_aa(const struct tims_epass_card *card,
		struct tims_epass_sm *sm, const uint8_t *dg15, size_t n,
		const uint8_t *dg14, size_t n14, struct tims_err *err);

/* The same with the terminal's challenge given (challenge: 8 bytes, e.g.
 * one a post issued; NULL: random): the chip's answer also goes to sig
 * (capacity cap, at least 512; *sl its length, 0 when the chip gave
 * none), verified as above, so that the post can verify it again. */
TIMS_MUST_USE tims_rc tims_epass_chip_aa_with(const struct tims_epass_card *card,
		struct tims_epass_sm *sm, const uint8_t *dg15, size_t n,
		const uint8_t *dg14, size_t n14, const uint8_t challenge[8],
		uint8_t *sig, size_t cap, size_t *sl, struct tims_err *err);

/* The check itself: sig (sl bytes) of the challenge rnd with DG15's key
 * (and DG14's hash for ECDSA), same results as tims_epass_chip_aa. */
TIMS_MUST_USE tims_rc tims_epass_aa_verify(const uint8_t *dg15, size_t n,
		const uint8_t *dg14, size_t n14, const uint8_t rnd[8],
		const uint8_t *sig, size_t sl, struct tims_err *err);

/* SELECT the eMRTD application (AID A0000002471001), unprotected, before
 * BAC. */
TIMS_MUST_USE tims_rc tims_epass_chip_select_app(const struct tims_epass_card *card,
		struct tims_err *err);

/*
 * SELECT EF fid (P1 02, P2 0C) then READ BINARY in chunks of at most
 * TIMS_EPASS_CHUNK bytes (INS B0 up to offset 32767, INS B1 with an
 * offset DO'54' past it), the file's length from its first TLV, at most
 * max bytes. The file goes to *buf (malloc'd, caller frees) and *len.
 * name ("ef.sod", "dg2") names the file in errors: a file the chip does
 * not have is TIMS_ERR_NOTFOUND ("dg2: not on the chip (SW 6A82)"), a
 * file shorter than its TLV says is TIMS_ERR_INVALID, a response whose
 * MAC fails is TIMS_ERR_SIGNATURE ("dg2: response MAC does not verify:
 * secure messaging broken off").
 */
TIMS_MUST_USE tims_rc tims_epass_chip_read_file(const struct tims_epass_card *card,
		struct tims_epass_sm *sm, uint16_t fid, const char *name, size_t max,
		uint8_t **buf, size_t *len, struct tims_err *err);

/* EF.COM's tag list (0x60 { ... 0x5C tags }): the data groups present,
 * as numbers 1..16, at most 16. */
TIMS_MUST_USE tims_rc tims_epass_com_groups(const uint8_t *p, size_t n,
		unsigned groups[16], unsigned *ngroups, struct tims_err *err);

/* --- PC/SC (pcsc-lite) --------------------------------------------------- */

struct tims_epass_pcsc; /* opaque: context and card handle */

/*
 * Connect to a reader: name (exact) or, when NULL, the first reader with
 * a card in it. Errors: "pcsc: no PC/SC service (pcscd not running?)",
 * "pcsc: no reader", "pcsc: reader 'X' not found (readers: ...)",
 * "pcsc: no card in reader 'X'" — TIMS_ERR_UNAVAILABLE / NOTFOUND.
 */
TIMS_MUST_USE tims_rc tims_epass_pcsc_open(struct tims_epass_pcsc **out,
		const char *reader, struct tims_err *err);
void tims_epass_pcsc_close(struct tims_epass_pcsc *p);
/* The reader's name as pcsc-lite gives it. */
const char *tims_epass_pcsc_reader(const struct tims_epass_pcsc *p);
/* A card whose transmit goes through this reader. */
void tims_epass_pcsc_card(struct tims_epass_pcsc *p, struct tims_epass_card *card);

#endif
