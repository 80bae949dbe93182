/*
 * epass.h — passive authentication of e-passport chips (ICAO Doc 9303
 * Parts 10-12): the EF.SOD's CMS signature, the Document Signer's chain to
 * a CSCA, its validity and revocation, the data-group hashes, DG1's MRZ
 * against the printed one and the issuing state against the signer's
 * country.
 *
 * Two layers:
 *
 *  - The parsers (tims_epass_sod_unwrap, tims_epass_lds_parse,
 *    tims_epass_dg_number, tims_epass_dg1_mrz) read the chip's files through
 *    a bounded TLV cursor. They allocate nothing, need no crypto library and
 *    are what tests/fuzz/fuzz_epass.c drives.
 *  - The verifier (struct tims_epass_trust, tims_epass_verify) uses OpenSSL 3
 *    for CMS SignedData and X.509 (GnuTLS, which the node uses for TLS,
 *    cannot read explicit EC parameters and has no brainpool curves). It is
 *    the only module of the library that links libcrypto.
 *
 * Results are typed structs; JSON is the CLI's business (src/cmd_epassport.c).
 * Every error names its field ("dg2", "sod", "csca", "crl", "mrz", ...) and
 * the reason. The library never prints and never exits. Fail closed: an
 * input that cannot be read is an error, never "nothing found".
 *
 * See docs/epassport.md for the checks, the quirks of real documents and
 * the rule each one is handled with.
 */
#ifndef TIMS_EPASS_H
#define TIMS_EPASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "tims/err.h"

/* Ceilings on what is read: an EF.SOD is a few kB (with its certificate),
 * a data group at most a few hundred kB (DG2 photos, DG3 fingerprints),
 * a master list about a megabyte (every state's CSCAs). */
#define TIMS_EPASS_SOD_MAX (64u * 1024u)
#define TIMS_EPASS_DG_MAX (2u * 1024u * 1024u)
#define TIMS_EPASS_LIST_MAX (8u * 1024u * 1024u)
#define TIMS_EPASS_MAX_DG 16          /* DG1..DG16 */
#define TIMS_EPASS_HASH_MAX 64        /* SHA-512 */
#define TIMS_EPASS_MRZ_MAX 90         /* TD1: 3 x 30 */
#define TIMS_EPASS_MAX_ANCHORS 8192   /* CSCAs and link certificates */
#define TIMS_EPASS_MAX_CRLS 256

enum tims_epass_hash {
	TIMS_EPASS_SHA1 = 1,
	TIMS_EPASS_SHA224,
	TIMS_EPASS_SHA256,
	TIMS_EPASS_SHA384,
	TIMS_EPASS_SHA512,
};

/* "SHA-256" ... */
const char *tims_epass_hash_name(enum tims_epass_hash h);
size_t tims_epass_hash_len(enum tims_epass_hash h);

/* --- the chip's files: bounded parsers, no allocation ------------------- */

/* The LDS security object (Doc 9303 Part 10, 4.6.2.2): the hash algorithm
 * and one hash per data group on the chip. */
struct tims_epass_lds {
	unsigned version;                 /* 0 (LDS 1.7) or 1 (LDS 1.8) */
	enum tims_epass_hash hash;
	unsigned ngroups;
	struct tims_epass_dg_hash {
		unsigned number;          /* 1..16, each at most once */
		size_t len;               /* == tims_epass_hash_len(hash) */
		uint8_t value[TIMS_EPASS_HASH_MAX];
	} groups[TIMS_EPASS_MAX_DG];
};

/* EF.SOD as read from the chip: tag 0x77, one length, the CMS ContentInfo
 * and nothing after it. Points *cms into p. */
TIMS_MUST_USE tims_rc tims_epass_sod_unwrap(const uint8_t *p, size_t n,
		const uint8_t **cms, size_t *cms_len, struct tims_err *err);

/* The DER LDSSecurityObject (the SignedData's encapsulated content). */
TIMS_MUST_USE tims_rc tims_epass_lds_parse(const uint8_t *p, size_t n,
		struct tims_epass_lds *out, struct tims_err *err);

/* The LDS security object of an EF.SOD, without checking its signature:
 * only to learn which data groups the chip must have (a reader reads those
 * the SOD lists, whatever the unsigned EF.COM says). Uses OpenSSL's CMS
 * parser. */
TIMS_MUST_USE tims_rc tims_epass_sod_lds(const uint8_t *p, size_t n,
		struct tims_epass_lds *out, struct tims_err *err);

/* A raw EF.DGn: its number from its tag (0x61 DG1, 0x75 DG2, 0x63 DG3 ...),
 * after checking that one TLV spans the whole file. */
TIMS_MUST_USE tims_rc tims_epass_dg_number(const uint8_t *p, size_t n,
		unsigned *number, struct tims_err *err);

/* DG1's MRZ (0x61 { 0x5F1F MRZ }): 88 (TD3), 72 (TD2) or 90 (TD1)
 * characters of A-Z 0-9 '<', copied NUL-terminated into mrz. */
TIMS_MUST_USE tims_rc tims_epass_dg1_mrz(const uint8_t *p, size_t n,
		char mrz[TIMS_EPASS_MRZ_MAX + 1], struct tims_err *err);

/* DG2's face image (ISO/IEC 19794-5 inside the biometric template): the
 * first face's image, JPEG or JPEG 2000 (its magic must agree with the
 * record's image data type). out->image points into p; nothing is copied. */
enum tims_epass_image { TIMS_EPASS_IMG_JPEG = 1, TIMS_EPASS_IMG_JP2 = 2 };
struct tims_epass_face {
	const uint8_t *image;
	size_t len;
	unsigned type;            /* enum tims_epass_image */
	unsigned width, height;   /* as the record says (0: not given) */
};
TIMS_MUST_USE tims_rc tims_epass_dg2_face(const uint8_t *p, size_t n,
		struct tims_epass_face *out, struct tims_err *err);

/* ISO 3166-1 alpha-2 (certificates' C) to the MRZ's three-letter code
 * ("DE" -> "D<<", as Germany prints it; "FR" -> "FRA"); NULL if unknown. */
const char *tims_epass_country_alpha3(const char alpha2[2]);

/* --- trust: CSCAs, master lists, CRLs ----------------------------------- */

struct tims_epass_trust; /* opaque: OpenSSL objects inside */

TIMS_MUST_USE tims_rc tims_epass_trust_new(struct tims_epass_trust **out,
		struct tims_err *err);
void tims_epass_trust_free(struct tims_epass_trust *t);

/*
 * A --csca file: one or more certificates (DER or PEM), or a CSCA master
 * list (CMS SignedData, eContentType id-icao-cscaMasterList). Certificates
 * become trust anchors at once; a master list is kept until
 * tims_epass_trust_seal(). Malformed input: TIMS_ERR_INVALID / TOOBIG.
 * name (the file name) prefixes the messages.
 */
TIMS_MUST_USE tims_rc tims_epass_trust_add_csca(struct tims_epass_trust *t,
		const uint8_t *p, size_t n, const char *name, struct tims_err *err);

/* A CRL (DER or PEM). Unreadable: TIMS_ERR_INVALID, never ignored. */
TIMS_MUST_USE tims_rc tims_epass_trust_add_crl(struct tims_epass_trust *t,
		const uint8_t *p, size_t n, const char *name, struct tims_err *err);

/*
 * Verify the pending master lists at time `at` and add their CSCAs (link
 * certificates included) as trust anchors. A list's CMS signature must
 * verify with the list signer it carries, AND that list signer must be one
 * of the CSCA certificates given directly (add_csca with a certificate), or
 * be issued by one: a list signed by someone else is refused
 * (TIMS_ERR_SIGNATURE), as is one whose signature does not verify.
 * Returns the number of anchors in *nanchors.
 */
TIMS_MUST_USE tims_rc tims_epass_trust_seal(struct tims_epass_trust *t,
		time_t at, size_t *nanchors, struct tims_err *err);

/*
 * A post's anchors from a directory: DIR/csca/ (certificates and master
 * lists) and DIR/crl/, each file in name order, sealed at `at`. No file at
 * all (or no DIR): TIMS_OK with *out NULL (no chip can be authenticated).
 * Any file unreadable or refused: the error, naming the file, and *out
 * NULL. *nfiles: how many files were read.
 */
TIMS_MUST_USE tims_rc tims_epass_trust_load_dir(const char *dir, time_t at,
		struct tims_epass_trust **out, size_t *nanchors, size_t *nfiles,
		struct tims_err *err);

/* --- verification -------------------------------------------------------- */

struct tims_epass_file {
	const uint8_t *p;
	size_t n;
};

struct tims_epass_input {
	struct tims_epass_file sod;
	struct tims_epass_file dgs[TIMS_EPASS_MAX_DG];
	size_t ndgs;
	/* The printed MRZ, its lines concatenated without separators, or NULL. */
	const char *printed_mrz;
	time_t at; /* when the certificates' validity is judged */
};

#define TIMS_EPASS_MAX_CHECKS 12
#define TIMS_EPASS_MAX_ERRORS 24
#define TIMS_EPASS_DETAIL_BYTES 200

struct tims_epass_check {
	const char *name; /* static: "sod_signature", "csca_chain" ... */
	bool ok;
	char detail[TIMS_EPASS_DETAIL_BYTES];
};

struct tims_epass_error {
	char field[16];   /* "sod", "dg2", "signer", "csca", "crl", "mrz" ... */
	char message[TIMS_EPASS_DETAIL_BYTES];
};

struct tims_epass_result {
	bool valid;                 /* every check ran and passed */
	char issuing_state[4];      /* from DG1, "" if no DG1 */
	char signer[256];           /* the Document Signer's subject, RFC 2253 */
	char csca[256];             /* the anchor it chains to */
	char dg1_mrz[TIMS_EPASS_MRZ_MAX + 1];
	struct tims_epass_check checks[TIMS_EPASS_MAX_CHECKS];
	unsigned nchecks;
	struct tims_epass_dg_result {
		unsigned number;
		bool hash_ok;
	} dgs[TIMS_EPASS_MAX_DG];
	unsigned ndgs;
	struct tims_epass_error errors[TIMS_EPASS_MAX_ERRORS];
	unsigned nerrors;
	bool errors_truncated;
	/* Quirks accepted under a rule (docs/epassport.md), for the record. */
	unsigned nquirks;
	char quirks[4][TIMS_EPASS_DETAIL_BYTES];
};

/*
 * Passive authentication of one document. out is always filled; the return
 * is TIMS_OK exactly when out->valid, TIMS_ERR_SIGNATURE when a check
 * failed, TIMS_ERR_USAGE when t was not sealed or has no anchor, or more
 * than 16 data groups are given (then out->valid is false too, and
 * out->errors says which). in->sod and in->dgs are read, never kept.
 */
TIMS_MUST_USE tims_rc tims_epass_verify(const struct tims_epass_trust *t,
		const struct tims_epass_input *in, struct tims_epass_result *out);

#endif
