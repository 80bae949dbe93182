/*
 * test_epass.c — the e-passport module: the bounded parsers on hand-made
 * vectors (EF.SOD wrapper, LDS security object, data-group tags, DG1's
 * MRZ, country codes), then passive authentication through the library API
 * over the documents tests/data/epass/mkpki.sh makes with openssl. Then
 * the post's active authentication of a booth's chip (test_booth_aa).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "t.h"
#include "tims/booth.h"
#include "tims/buf.h"
#include "tims/epass.h"
#include "tims/util.h"

static const uint8_t sha256_alg[] = {
	0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00,
};

/* An LDSSecurityObject with n groups numbered from nums, hash bytes = number. */
static size_t make_lds(uint8_t *out, const unsigned *nums, size_t n, size_t hlen)
{
	uint8_t body[1024];
	size_t b = 0, g = 0, o = 0;
	uint8_t groups[1024];

	for (size_t i = 0; i < n; i++) {
		groups[g++] = 0x30;
		groups[g++] = (uint8_t)(3 + 2 + hlen);
		groups[g++] = 0x02; groups[g++] = 1; groups[g++] = (uint8_t)nums[i];
		groups[g++] = 0x04; groups[g++] = (uint8_t)hlen;
		memset(groups + g, (int)nums[i], hlen);
		g += hlen;
	}
	body[b++] = 0x02; body[b++] = 1; body[b++] = 0;
	memcpy(body + b, sha256_alg, sizeof(sha256_alg));
	b += sizeof(sha256_alg);
	body[b++] = 0x30;
	if (g >= 0x80)
		body[b++] = 0x81;
	body[b++] = (uint8_t)g;
	memcpy(body + b, groups, g);
	b += g;
	out[o++] = 0x30;
	if (b >= 0x80)
		out[o++] = 0x81; /* DER: the long form only from 128 bytes */
	out[o++] = (uint8_t)b;
	memcpy(out + o, body, b);
	return o + b;
}

static void test_parsers(void)
{
	uint8_t buf[1024];
	const uint8_t *cms;
	size_t cms_len, n;
	struct tims_err err;
	struct tims_epass_lds lds;
	unsigned num;
	char mrz[TIMS_EPASS_MRZ_MAX + 1];

	static const uint8_t sod_ok[] = { 0x77, 0x03, 0x30, 0x01, 0x00 };
	static const uint8_t sod_long[] = { 0x77, 0x81, 0x03, 0x30, 0x01, 0x00 };
	static const uint8_t sod_trunc[] = { 0x77, 0x05, 0x30, 0x01 };
	static const uint8_t sod_tag[] = { 0x30, 0x01, 0x00 };
	static const uint8_t sod_trail[] = { 0x77, 0x01, 0x00, 0x00 };
	static const uint8_t sod_indef[] = { 0x77, 0x80, 0x00, 0x00 };

	T_OK(tims_epass_sod_unwrap(sod_ok, sizeof(sod_ok), &cms, &cms_len, &err) == TIMS_OK &&
	     cms == sod_ok + 2 && cms_len == 3, "sod: 0x77 unwrapped to its content");
	T_OK(tims_epass_sod_unwrap(sod_long, sizeof(sod_long), &cms, &cms_len, &err) != TIMS_OK &&
	     strstr(err.msg, "shortest form"), "sod: non-minimal length refused (%s)", err.msg);
	T_OK(tims_epass_sod_unwrap(sod_trunc, sizeof(sod_trunc), &cms, &cms_len, &err) != TIMS_OK,
	     "sod: truncated refused");
	T_EQ_STR(err.msg, "sod: length runs past the end of the data", "sod: truncation named");
	T_OK(tims_epass_sod_unwrap(sod_tag, sizeof(sod_tag), &cms, &cms_len, &err) != TIMS_OK,
	     "sod: a bare CMS without 0x77 refused");
	T_EQ_STR(err.msg, "sod: tag is 0x30, expected 0x77 (EF.SOD)", "sod: wrong tag named");
	T_OK(tims_epass_sod_unwrap(sod_trail, sizeof(sod_trail), &cms, &cms_len, &err) != TIMS_OK,
	     "sod: trailing bytes refused");
	T_OK(tims_epass_sod_unwrap(sod_indef, sizeof(sod_indef), &cms, &cms_len, &err) != TIMS_OK &&
	     strstr(err.msg, "indefinite"), "sod: indefinite length refused");
	T_OK(tims_epass_sod_unwrap(buf, TIMS_EPASS_SOD_MAX + 1, &cms, &cms_len, &err) == TIMS_ERR_TOOBIG,
	     "sod: past the ceiling: TOOBIG");

	unsigned two[] = { 1, 2 }, dup[] = { 1, 1 }, zero[] = { 0, 2 }, one[] = { 1 };
	n = make_lds(buf, two, 2, 32);
	T_OK(tims_epass_lds_parse(buf, n, &lds, &err) == TIMS_OK && lds.ngroups == 2 &&
	     lds.hash == TIMS_EPASS_SHA256 && lds.groups[1].number == 2 &&
	     lds.groups[1].value[0] == 2, "lds: two SHA-256 hashes read");
	n = make_lds(buf, dup, 2, 32);
	T_OK(tims_epass_lds_parse(buf, n, &lds, &err) != TIMS_OK, "lds: a data group hashed twice refused");
	T_EQ_STR(err.msg, "sod: security object: dg1 hashed twice", "lds: duplicate named");
	n = make_lds(buf, zero, 2, 32);
	T_OK(tims_epass_lds_parse(buf, n, &lds, &err) != TIMS_OK && strstr(err.msg, "1..16"),
	     "lds: data group 0 refused");
	n = make_lds(buf, two, 2, 20);
	T_OK(tims_epass_lds_parse(buf, n, &lds, &err) != TIMS_OK, "lds: a 20-byte hash under SHA-256 refused");
	T_EQ_STR(err.msg, "sod: security object: dg1: hash of 20 bytes, SHA-256 has 32",
		 "lds: hash length named");
	n = make_lds(buf, one, 1, 32);
	T_OK(tims_epass_lds_parse(buf, n, &lds, &err) != TIMS_OK && strstr(err.msg, "at least 2"),
	     "lds: fewer than 2 hashes refused");
	n = make_lds(buf, two, 2, 32);
	buf[n] = 0;
	T_OK(tims_epass_lds_parse(buf, n + 1, &lds, &err) != TIMS_OK, "lds: trailing byte refused");
	T_OK(tims_epass_lds_parse(buf, n - 1, &lds, &err) != TIMS_OK, "lds: truncated refused");

	static const uint8_t dg2[] = { 0x75, 0x02, 0xAA, 0xBB };
	static const uint8_t dg15[] = { 0x6F, 0x00 };
	static const uint8_t com[] = { 0x60, 0x00 };
	T_OK(tims_epass_dg_number(dg2, sizeof(dg2), &num, &err) == TIMS_OK && num == 2, "dg: 0x75 is DG2");
	T_OK(tims_epass_dg_number(dg15, sizeof(dg15), &num, &err) == TIMS_OK && num == 15, "dg: 0x6F is DG15");
	T_OK(tims_epass_dg_number(com, sizeof(com), &num, &err) != TIMS_OK && strstr(err.msg, "0x60"),
	     "dg: EF.COM (0x60) is not a data group");
	T_OK(tims_epass_dg_number(dg2, 3, &num, &err) != TIMS_OK, "dg: truncated DG2 refused");

	uint8_t dg1[2 + 3 + 88];
	dg1[0] = 0x61; dg1[1] = 3 + 88; dg1[2] = 0x5F; dg1[3] = 0x1F; dg1[4] = 88;
	memcpy(dg1 + 5, "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
		        "L898902C36UTO7408122F1204159ZE184226B<<<<<10", 88);
	T_OK(tims_epass_dg1_mrz(dg1, sizeof(dg1), mrz, &err) == TIMS_OK &&
	     !strncmp(mrz, "P<UTOERIKSSON", 13) && strlen(mrz) == 88, "dg1: the TD3 MRZ read");
	dg1[20] = 'a';
	T_OK(tims_epass_dg1_mrz(dg1, sizeof(dg1), mrz, &err) != TIMS_OK, "dg1: a lowercase letter refused");
	T_EQ_STR(err.msg, "dg1: MRZ character 16 is 0x61, not A-Z 0-9 <", "dg1: the bad character named");
	dg1[20] = '<';
	dg1[4] = 87; dg1[1] = 3 + 87;
	T_OK(tims_epass_dg1_mrz(dg1, sizeof(dg1) - 1, mrz, &err) != TIMS_OK && strstr(err.msg, "87"),
	     "dg1: an 87-character MRZ refused");

	T_EQ_STR(tims_epass_country_alpha3("NL"), "NLD", "country: NL is NLD");
	T_EQ_STR(tims_epass_country_alpha3("DE"), "D<<", "country: DE is D<< (Doc 9303 Part 3)");
	T_EQ_STR(tims_epass_country_alpha3("ZW"), "ZWE", "country: the last entry");
	T_EQ_STR(tims_epass_country_alpha3("AD"), "AND", "country: the first entry");
	T_OK(tims_epass_country_alpha3("XX") == NULL, "country: unknown code is NULL");
}

struct doc {
	struct tims_buf f[4];
	size_t n;
};

static int load(struct doc *d, const char *dir, const char *name)
{
	char path[512];
	struct tims_err err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	tims_buf_init(&d->f[d->n], TIMS_EPASS_LIST_MAX);
	if (tims_read_file(path, TIMS_EPASS_LIST_MAX, &d->f[d->n], &err) != TIMS_OK)
		return -1;
	return (int)d->n++;
}

static void doc_release(struct doc *d)
{
	for (size_t i = 0; i < d->n; i++)
		tims_buf_release(&d->f[i]);
	d->n = 0;
}

/* Verify sod + DG1 + DG2 against the given CSCA files. */
static tims_rc run(const char *dir, const char *const *cscas, const char *sod,
		   const char *dg2, struct tims_epass_result *r)
{
	struct tims_epass_trust *t;
	struct tims_epass_input in = { .at = time(NULL) };
	struct tims_err err;
	struct doc d = { .n = 0 };
	tims_rc rc;
	int i;

	if (tims_epass_trust_new(&t, &err) != TIMS_OK)
		return TIMS_ERR_NOMEM;
	for (; *cscas; cscas++) {
		if ((i = load(&d, dir, *cscas)) < 0 ||
		    tims_epass_trust_add_csca(t, (uint8_t *)d.f[i].buf, d.f[i].len, *cscas, &err) != TIMS_OK) {
			rc = TIMS_ERR_IO;
			goto out;
		}
		doc_release(&d);
	}
	if ((rc = tims_epass_trust_seal(t, in.at, NULL, &err)) != TIMS_OK)
		goto out;
	int s = load(&d, dir, sod), a = load(&d, dir, "dg1.bin"), b = load(&d, dir, dg2);
	if (s < 0 || a < 0 || b < 0) {
		rc = TIMS_ERR_IO;
		goto out;
	}
	in.sod.p = (uint8_t *)d.f[s].buf; in.sod.n = d.f[s].len;
	in.dgs[0].p = (uint8_t *)d.f[a].buf; in.dgs[0].n = d.f[a].len;
	in.dgs[1].p = (uint8_t *)d.f[b].buf; in.dgs[1].n = d.f[b].len;
	in.ndgs = 2;
	rc = tims_epass_verify(t, &in, r);
out:
	doc_release(&d);
	tims_epass_trust_free(t);
	return rc;
}

/*
 * The post's side of the booth's chip (tims_booth_chip_verify, issue 21):
 * the files a booth sends, verified against the post's anchors loaded from
 * a directory (tims_epass_trust_load_dir); the outcome and its coded
 * reasons. Then the DG2 face parser on mkpki's biometric template.
 */
struct booth_case {
	const char *sod, *dg1, *dg2; /* NULL: not sent */
	const char *printed;          /* "mrz.txt", "mrz-other.txt", or NULL (typed) */
	const char *typed_number;     /* with printed NULL */
	unsigned outcome;
	const char *reasons;          /* joined by "," */
	const char *name;
};

static void printed_of(const char *dir, const char *file, char *out, size_t cap)
{
	struct tims_buf b = TIMS_BUF_INIT(1024);
	char path[512];
	size_t k = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	out[0] = '\0';
	if (tims_read_file(path, 1024, &b, NULL) != TIMS_OK)
		return;
	for (size_t i = 0; i < b.len && k + 1 < cap; i++)
		if (b.buf[i] != '\n')
			out[k++] = b.buf[i];
	out[k] = '\0';
	tims_buf_release(&b);
}

static void test_booth_chip(const char *dir)
{
	static const struct booth_case cases[] = {
		{ "sod-face.bin", "dg1.bin", "dg2-face.bin", "mrz.txt", NULL, TIMS_CHIP_AUTHENTICATED, "",
		  "valid chip, printed MRZ: authenticated" },
		{ "sod-face.bin", "dg1.bin", "dg2.bin", "mrz.txt", NULL, TIMS_CHIP_FAILED, "data_group_altered",
		  "another DG2 (photo) under the SOD: failed, data group altered" },
		{ "sod-face.bin", "dg1-bel.bin", "dg2-face.bin", "mrz.txt", NULL, TIMS_CHIP_FAILED,
		  "data_group_altered", "altered DG1: failed, data group altered" },
		{ "sod-face-bp.bin", "dg1.bin", "dg2-face.bin", "mrz.txt", NULL, TIMS_CHIP_FAILED,
		  "signer_untrusted", "signed under a CSCA the post does not hold: failed" },
		{ "sod-face.bin", "dg1.bin", "dg2-face.bin", "mrz-other.txt", NULL, TIMS_CHIP_FAILED,
		  "mrz_mismatch", "printed MRZ of another document: failed, MRZ mismatch" },
		{ "sod-face.bin", "dg1.bin", "dg2-face.bin", NULL, "XT7654321", TIMS_CHIP_FAILED,
		  "mrz_mismatch", "typed document number differs from DG1: failed" },
		{ "sod-face.bin", "dg1.bin", "dg2-face.bin", NULL, "XT1234567", TIMS_CHIP_AUTHENTICATED, "",
		  "typed document as the chip says: authenticated" },
		{ "sod-face.bin", NULL, "dg2-face.bin", "mrz.txt", NULL, TIMS_CHIP_FAILED, "dg1_missing",
		  "no DG1 sent: failed, never authenticated" },
		{ "sod-rsa.bin", "dg1.bin", "dg2-face.bin", "mrz.txt", NULL, TIMS_CHIP_FAILED,
		  "data_group_altered", "the face of another chip under a genuine SOD: failed" },
	};
	char tdir[200], cmd[1600], printed[200], joined[200];
	struct tims_epass_trust *trust = NULL, *none = NULL;
	struct tims_booth_chip out;
	struct tims_epass_face face;
	size_t nanchors = 0, nfiles = 0;
	struct tims_err err;

	snprintf(tdir, sizeof(tdir), "%.150s/post-epassport", dir);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/csca %s/crl %s/empty && cp %s/csca-rsa.pem %s/csca/ && "
		 "cp %s/crl.pem %s/crl/", tdir, tdir, tdir, dir, tdir, dir, tdir);
	/* (dir is mkdtemp's short /tmp name) */
	if (!T_OK(system(cmd) == 0, "booth chip: the post's epassport directory"))
		return;
	T_OK(tims_epass_trust_load_dir(tdir, time(NULL), &trust, &nanchors, &nfiles, &err) == TIMS_OK &&
	     trust && nanchors == 1 && nfiles == 2, "trust dir: one CSCA and one CRL loaded and sealed");
	snprintf(cmd, sizeof(cmd), "%s/empty", tdir);
	T_OK(tims_epass_trust_load_dir(cmd, time(NULL), &none, &nanchors, &nfiles, &err) == TIMS_OK &&
	     !none && nfiles == 0, "trust dir: nothing configured is no trust, not an error");

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct booth_case *bc = &cases[i];
		struct doc d = { .n = 0 };
		struct tims_epass_input in = { .ndgs = 0 };
		struct tims_person typed;
		int s = load(&d, dir, bc->sod);

		memset(&typed, 0, sizeof(typed));
		in.sod.p = (uint8_t *)d.f[s].buf;
		in.sod.n = d.f[s].len;
		if (bc->dg1) {
			int a = load(&d, dir, bc->dg1);

			in.dgs[in.ndgs++] = (struct tims_epass_file){ (uint8_t *)d.f[a].buf, d.f[a].len };
		}
		if (bc->dg2) {
			int b = load(&d, dir, bc->dg2);

			in.dgs[in.ndgs++] = (struct tims_epass_file){ (uint8_t *)d.f[b].buf, d.f[b].len };
		}
		if (bc->printed)
			printed_of(dir, bc->printed, printed, sizeof(printed));
		else
			snprintf(typed.doc_number, sizeof(typed.doc_number), "%s", bc->typed_number);
		tims_booth_chip_verify(trust, &in, bc->printed ? printed : NULL,
				       bc->printed ? NULL : &typed, time(NULL), NULL, &out);
		joined[0] = '\0';
		for (unsigned k = 0; k < out.nreasons; k++)
			snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s",
				 k ? "," : "", out.reasons[k]);
		T_OK(out.outcome == bc->outcome && !strcmp(joined, bc->reasons), "%s", bc->name);
		if (out.outcome != bc->outcome || strcmp(joined, bc->reasons))
			printf("#   outcome %u reasons '%s' detail '%s'\n", out.outcome, joined, out.detail);
		doc_release(&d);
	}
	tims_booth_chip_verify(trust, NULL, "X", NULL, time(NULL), NULL, &out);
	T_OK(out.outcome == TIMS_CHIP_NOT_READ && out.nreasons == 0, "no files sent: not read (never authenticated)");
	{
		struct doc d = { .n = 0 };
		struct tims_epass_input in = { .ndgs = 1 };
		int s = load(&d, dir, "sod-face.bin"), a = load(&d, dir, "dg1.bin");

		in.sod = (struct tims_epass_file){ (uint8_t *)d.f[s].buf, d.f[s].len };
		in.dgs[0] = (struct tims_epass_file){ (uint8_t *)d.f[a].buf, d.f[a].len };
		tims_booth_chip_verify(NULL, &in, NULL, NULL, time(NULL), NULL, &out);
		T_OK(out.outcome == TIMS_CHIP_FAILED && out.nreasons == 1 &&
		     !strcmp(out.reasons[0], "no_trust"), "a post without CSCAs: failed (no_trust), never authenticated");

		/* the face */
		int f = load(&d, dir, "dg2-face.bin"), j = load(&d, dir, "face.jpg");
		uint8_t *b = (uint8_t *)d.f[f].buf;
		size_t n = d.f[f].len;

		T_OK(tims_epass_dg2_face(b, n, &face, &err) == TIMS_OK && face.type == TIMS_EPASS_IMG_JPEG &&
		     face.width == 8 && face.height == 8 && face.len == d.f[j].len &&
		     !memcmp(face.image, d.f[j].buf, face.len), "dg2 face: the JPEG the template holds, 8x8");
		T_OK(tims_epass_dg2_face(b, n - 1, &face, &err) == TIMS_ERR_INVALID && !strncmp(err.msg, "dg2: ", 5),
		     "dg2 face: a truncated file is refused, naming dg2");
		b[n - d.f[j].len - 11] = 1; /* image data type: JPEG 2000, but the image is a JPEG */
		T_OK(tims_epass_dg2_face(b, n, &face, &err) == TIMS_ERR_INVALID && strstr(err.msg, "does not match"),
		     "dg2 face: a type byte that contradicts the image is refused");
		b[n - d.f[j].len - 11] = 1;
		memcpy(b + n - d.f[j].len, "\0\0\0\x0CjP  \r\n\x87\n", 12);
		T_OK(tims_epass_dg2_face(b, n, &face, &err) == TIMS_OK && face.type == TIMS_EPASS_IMG_JP2,
		     "dg2 face: JPEG 2000 recognised (by its signature box)");
		memcpy(b + n - d.f[j].len, "GIF89a", 6);
		T_OK(tims_epass_dg2_face(b, n, &face, &err) == TIMS_ERR_INVALID && strstr(err.msg, "neither JPEG"),
		     "dg2 face: another image format is refused");
		T_OK(tims_epass_dg2_face((const uint8_t *)d.f[a].buf, d.f[a].len, &face, &err) == TIMS_ERR_INVALID,
		     "dg2 face: DG1 is not a face");
		doc_release(&d);
	}
	tims_epass_trust_free(trust);
}

/* --- active authentication at the post (issue 21) ------------------------- */

static EVP_PKEY *key_of(const char *dir, const char *name)
{
	char path[512];
	EVP_PKEY *k;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(f = fopen(path, "r")))
		return NULL;
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	return k;
}

/* What a chip with key k answers to INTERNAL AUTHENTICATE with rnd: RSA,
 * ISO/IEC 9796-2 scheme 1 with SHA-1 (6A || M1 || SHA-1(M1 || rnd) || BC,
 * raised to d); ECDSA, the plain r || s of rnd with SHA-256. */
static size_t chip_answer(EVP_PKEY *k, const uint8_t rnd[8], uint8_t *sig)
{
	size_t sl = 512;

	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_EC) {
		uint8_t der[160];
		size_t dl = sizeof(der), fl = ((size_t)EVP_PKEY_get_bits(k) + 7) / 8;
		const unsigned char *q = der;
		EVP_MD_CTX *mc = EVP_MD_CTX_new();
		ECDSA_SIG *es = NULL;
		const BIGNUM *r, *s;

		if (EVP_DigestSignInit(mc, NULL, EVP_sha256(), NULL, k) != 1 ||
		    EVP_DigestSign(mc, der, &dl, rnd, 8) != 1 ||
		    !(es = d2i_ECDSA_SIG(NULL, &q, (long)dl))) {
			EVP_MD_CTX_free(mc);
			return 0;
		}
		ECDSA_SIG_get0(es, &r, &s);
		BN_bn2binpad(r, sig, (int)fl);
		BN_bn2binpad(s, sig + fl, (int)fl);
		ECDSA_SIG_free(es);
		EVP_MD_CTX_free(mc);
		return 2 * fl;
	}
	uint8_t f[512];
	size_t kl = (size_t)EVP_PKEY_get_size(k), m1 = kl - 1 - 20 - 1;
	unsigned hn;
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(k, NULL);

	f[0] = 0x6A;
	for (size_t i = 0; i < m1; i++)
		f[1 + i] = (uint8_t)(i * 7 + 3);
	EVP_DigestInit_ex(mc, EVP_sha1(), NULL);
	EVP_DigestUpdate(mc, f + 1, m1);
	EVP_DigestUpdate(mc, rnd, 8);
	EVP_DigestFinal_ex(mc, f + 1 + m1, &hn);
	f[kl - 1] = 0xBC;
	if (EVP_PKEY_sign_init(c) != 1 || EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING) != 1 ||
	    EVP_PKEY_sign(c, sig, &sl, f, kl) != 1)
		sl = 0;
	EVP_PKEY_CTX_free(c);
	EVP_MD_CTX_free(mc);
	return sl;
}

struct aa_case {
	const char *files[5];         /* sod first, then data groups; NULL ends */
	const char *key;              /* the key the chip signs with (NULL: no answer) */
	unsigned status;              /* the challenge's, as tims_booth_aa_take said */
	int other_rnd;                /* the answer is to another challenge */
	unsigned outcome;
	const char *reason;           /* "" for none */
	const char *active_auth;
	const char *name;
};

/*
 * Each attacker of active authentication at the post, through
 * tims_booth_chip_verify with the challenge's status the booth service
 * found (the table itself: test_booth): the genuine RSA and ECDSA chips
 * are authenticated; a clone with the files but not the key, an answer to
 * another challenge, a replayed or expired or foreign challenge, DG15 or
 * the answer withheld, the DG15 of another chip, an ECDSA DG15 whose hash
 * no DG14 names — each failed with its code.
 */
static void test_booth_aa(const char *dir)
{
	static const uint8_t rnd[8] = { 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6, 0x07, 0x18 };
	static const uint8_t rnd2[8] = { 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6, 0x07, 0x19 };
	static const struct aa_case cases[] = {
		{ { "sod-aa.bin", "dg1.bin", "dg2.bin", "dg15.bin" }, "aa.key", TIMS_AA_FRESH, 0,
		  TIMS_CHIP_AUTHENTICATED, "", "verified",
		  "RSA chip signs this post's fresh challenge: authenticated, active auth verified" },
		{ { "sod-aa-ec.bin", "dg1.bin", "dg2.bin", "dg14-ec.bin", "dg15-ec.bin" }, "aa-ec.key",
		  TIMS_AA_FRESH, 0, TIMS_CHIP_AUTHENTICATED, "", "verified",
		  "ECDSA chip (hash from DG14): authenticated" },
		{ { "sod-aa.bin", "dg1.bin", "dg2.bin", "dg15.bin" }, "clone", TIMS_AA_FRESH, 0,
		  TIMS_CHIP_FAILED, "aa_signature", "failed",
		  "cloned chip (the files copied, another key): failed, aa_signature" },
		{ { "sod-aa-ec.bin", "dg1.bin", "dg2.bin", "dg14-ec.bin", "dg15-ec.bin" }, "clone-ec",
		  TIMS_AA_FRESH, 0, TIMS_CHIP_FAILED, "aa_signature", "failed",
		  "cloned ECDSA chip: failed, aa_signature" },
		{ { "sod-aa.bin", "dg1.bin", "dg2.bin", "dg15.bin" }, "aa.key", TIMS_AA_FRESH, 1,
		  TIMS_CHIP_FAILED, "aa_signature", "failed",
		  "the genuine chip's answer to another challenge (recorded earlier): failed" },
		{ { "sod-aa.bin", "dg1.bin", "dg2.bin", "dg15.bin" }, "aa.key", TIMS_AA_SPENT, 0,
		  TIMS_CHIP_FAILED, "aa_reused", "failed",
		  "a challenge used a second time (replayed check): failed, aa_reused" },
		{ { "sod-aa.bin", "dg1.bin", "dg2.bin", "dg15.bin" }, "aa.key", TIMS_AA_EXPIRED, 0,
		  TIMS_CHIP_FAILED, "aa_expired", "failed", "an expired challenge: failed, aa_expired" },
		{ { "sod-aa.bin", "dg1.bin", "dg2.bin", "dg15.bin" }, "aa.key", TIMS_AA_UNKNOWN, 0,
		  TIMS_CHIP_FAILED, "aa_challenge", "failed",
		  "a challenge the booth chose (or another session's): failed, aa_challenge" },
		{ { "sod-aa.bin", "dg1.bin", "dg2.bin", "dg15.bin" }, NULL, TIMS_AA_NONE, 0,
		  TIMS_CHIP_FAILED, "aa_missing", "failed",
		  "DG15 sent, no answer: failed, aa_missing (never authenticated)" },
		{ { "sod-aa.bin", "dg1.bin", "dg2.bin" }, "aa.key", TIMS_AA_FRESH, 0,
		  TIMS_CHIP_FAILED, "aa_missing", "failed",
		  "a clone that withholds DG15 (the SOD lists it): failed, aa_missing" },
		{ { "sod-aa.bin", "dg1.bin", "dg2.bin" }, NULL, TIMS_AA_NONE, 0,
		  TIMS_CHIP_FAILED, "aa_missing", "failed",
		  "DG15 and the answer both withheld: failed, aa_missing" },
		{ { "sod-aa.bin", "dg1.bin", "dg2.bin", "dg15-ec.bin" }, "aa-ec.key", TIMS_AA_FRESH, 0,
		  TIMS_CHIP_FAILED, "data_group_altered", "not_checked",
		  "the DG15 of another chip (its key answers): failed, data group altered" },
		{ { "sod-aa-ec-no14.bin", "dg1.bin", "dg2.bin", "dg15-ec.bin" }, "aa-ec.key",
		  TIMS_AA_FRESH, 0, TIMS_CHIP_FAILED, "aa_unverifiable", "failed",
		  "ECDSA DG15 and no DG14 to name its hash: failed, aa_unverifiable" },
		{ { "sod-face.bin", "dg1.bin", "dg2-face.bin" }, NULL, TIMS_AA_NONE, 0,
		  TIMS_CHIP_AUTHENTICATED, "", "not_offered",
		  "a chip whose SOD lists no DG15: authenticated by passive authentication only" },
	};
	char tdir[200], printed[200], joined[200];
	struct tims_epass_trust *trust = NULL;
	EVP_PKEY *clone = EVP_RSA_gen(1024), *clone_ec = EVP_EC_gen("P-256");
	EVP_PKEY *rsa = key_of(dir, "aa.key"), *ec = key_of(dir, "aa-ec.key");
	size_t nanchors = 0, nfiles = 0;
	struct tims_err err;

	snprintf(tdir, sizeof(tdir), "%.150s/post-epassport", dir);
	if (!T_OK(rsa && ec && clone && clone_ec &&
		  tims_epass_trust_load_dir(tdir, time(NULL), &trust, &nanchors, &nfiles, &err) == TIMS_OK &&
		  trust, "aa: the chip keys, a clone's keys and the post's anchors"))
		goto out;
	printed_of(dir, "mrz.txt", printed, sizeof(printed));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct aa_case *ac = &cases[i];
		struct tims_buf b[5];
		struct tims_epass_input in = { .ndgs = 0 };
		struct tims_booth_chip out;
		uint8_t sig[512];
		size_t nb = 0, sl = 0;
		EVP_PKEY *k = !ac->key ? NULL : !strcmp(ac->key, "aa.key") ? rsa :
			      !strcmp(ac->key, "aa-ec.key") ? ec : !strcmp(ac->key, "clone") ? clone : clone_ec;
		struct tims_booth_aa aa = { ac->status, rnd, NULL, 0 };
		bool loaded = true;

		for (; nb < 5 && ac->files[nb]; nb++) {
			char path[512];

			snprintf(path, sizeof(path), "%s/%s", dir, ac->files[nb]);
			tims_buf_init(&b[nb], TIMS_EPASS_LIST_MAX);
			loaded &= tims_read_file(path, TIMS_EPASS_LIST_MAX, &b[nb], &err) == TIMS_OK;
			if (nb == 0)
				in.sod = (struct tims_epass_file){ (uint8_t *)b[0].buf, b[0].len };
			else
				in.dgs[in.ndgs++] = (struct tims_epass_file){ (uint8_t *)b[nb].buf, b[nb].len };
		}
		if (k) {
			sl = chip_answer(k, ac->other_rnd ? rnd2 : rnd, sig);
			aa.response = sig;
			aa.response_len = sl;
		}
		tims_booth_chip_verify(trust, &in, printed, NULL, time(NULL), ac->key ? &aa : NULL, &out);
		joined[0] = '\0';
		for (unsigned r = 0; r < out.nreasons; r++)
			snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s",
				 r ? "," : "", out.reasons[r]);
		T_OK(loaded && (!k || sl) && out.outcome == ac->outcome && !strcmp(joined, ac->reason) &&
		     out.active_auth && !strcmp(out.active_auth, ac->active_auth), "aa: %s", ac->name);
		if (out.outcome != ac->outcome || strcmp(joined, ac->reason))
			printf("#   outcome %u reasons '%s' aa '%s' detail '%s'\n", out.outcome, joined,
			       out.active_auth ? out.active_auth : "-", out.detail);
		for (size_t j = 0; j < nb; j++)
			tims_buf_release(&b[j]);
	}
out:
	tims_epass_trust_free(trust);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(clone);
	EVP_PKEY_free(clone_ec);
}

static void test_verify(void)
{
	char dir[] = "/tmp/test_epass.XXXXXX", cmd[600];
	static struct tims_epass_result r;
	const char *rsa[] = { "csca-rsa.pem", NULL }, *bp[] = { "csca-bp.pem", NULL };
	const char *ml[] = { "csca-rsa.pem", "ml.der", NULL }, *evil[] = { "csca-rsa.pem", "ml-evil.der", NULL };

	if (!T_OK(mkdtemp(dir) != NULL, "temporary directory"))
		return;
	snprintf(cmd, sizeof(cmd), "bash tests/data/epass/mkpki.sh %s >/dev/null", dir);
	if (!T_OK(system(cmd) == 0, "mkpki.sh made the test PKI"))
		return;

	T_OK(run(dir, rsa, "sod-rsa.bin", "dg2.bin", &r) == TIMS_OK && r.valid, "RSA, reordered issuer name: valid");
	T_EQ_STR(r.issuing_state, "NLD", "valid: issuing state from DG1");
	T_EQ_STR(r.signer, "CN=Test DS RSA,OU=Passports,O=Test State,C=NL", "valid: signer's subject");
	T_OK(r.nquirks == 1 && strstr(r.quirks[0], "another order"), "valid: the name-order quirk recorded");
	T_OK(r.ndgs == 2 && r.dgs[0].hash_ok && r.dgs[1].hash_ok, "valid: both data groups' hashes ok");
	T_OK(run(dir, rsa, "sod-pss.bin", "dg2.bin", &r) == TIMS_OK, "RSA-PSS, signer by SKI: valid");
	T_OK(run(dir, bp, "sod-bp.bin", "dg2.bin", &r) == TIMS_OK && r.nquirks == 2,
	     "brainpool with explicit parameters: valid, both keys' quirk recorded");
	T_OK(run(dir, ml, "sod-bp.bin", "dg2.bin", &r) == TIMS_OK, "brainpool CSCA from the master list: valid");
	T_OK(run(dir, rsa, "sod-bp.bin", "dg2.bin", &r) == TIMS_ERR_SIGNATURE && !r.valid,
	     "brainpool DS, only the RSA CSCA trusted: refused");
	T_OK(run(dir, rsa, "sod-forged.bin", "dg2.bin", &r) == TIMS_ERR_SIGNATURE &&
	     r.nerrors == 1 && !strcmp(r.errors[0].field, "signer"),
	     "forged CSCA with the real name: refused, field signer");
	T_OK(run(dir, rsa, "sod-rsa.bin", "dg1.bin", &r) == TIMS_ERR_SIGNATURE,
	     "DG1 given as DG2's file: refused");
	T_OK(run(dir, evil, "sod-forged.bin", "dg2.bin", &r) == TIMS_ERR_SIGNATURE,
	     "master list signed by someone else: refused at seal");
	test_booth_chip(dir);
	test_booth_aa(dir);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	T_OK(system(cmd) == 0, "cleanup");
}

int main(void)
{
	test_parsers();
	test_verify();
	return t_done();
}
