/*
 * tlv.c — the chip's files read through a bounded TLV cursor: EF.SOD's
 * 0x77 wrapper, the LDS security object, a data group's tag and DG1's MRZ
 * (ICAO Doc 9303 Parts 10 and 11).
 *
 * Nothing here allocates or calls a crypto library, so the fuzz target
 * drives it directly. Lengths are DER's: short form, or long form of 1 to
 * 3 bytes (no file here is 16 MB); the indefinite form (0x80) is refused,
 * as is any length that runs past its container.
 */
#include <string.h>

#include "tims/epass.h"

struct tlv {
	unsigned tag;        /* the tag bytes, big-endian: 0x5F1F */
	const uint8_t *v;    /* the value */
	size_t len;
};

struct cur {
	const uint8_t *p, *end;
};

/* Read one TLV at c; 0 or -1 with a reason in *why. */
static int tlv_next(struct cur *c, struct tlv *t, const char **why)
{
	const uint8_t *p = c->p;
	size_t left = (size_t)(c->end - p), len;

	if (left < 2) {
		*why = "truncated: no room for a tag and a length";
		return -1;
	}
	t->tag = *p++;
	if ((t->tag & 0x1F) == 0x1F) { /* multi-byte tag: at most 2 more */
		unsigned more = 0;

		do {
			if (p >= c->end || more == 2) {
				*why = more == 2 ? "tag longer than 3 bytes" :
						   "truncated tag";
				return -1;
			}
			t->tag = (t->tag << 8) | *p;
			more++;
		} while (*p++ & 0x80);
	}
	if (p >= c->end) {
		*why = "truncated: no length";
		return -1;
	}
	len = *p++;
	if (len == 0x80) {
		*why = "indefinite length (not DER)";
		return -1;
	}
	if (len > 0x80) {
		size_t nb = len & 0x7F;

		if (nb > 3) {
			*why = "length field longer than 3 bytes";
			return -1;
		}
		if ((size_t)(c->end - p) < nb) {
			*why = "truncated length";
			return -1;
		}
		len = 0;
		for (size_t i = 0; i < nb; i++)
			len = (len << 8) | *p++;
		if (len < 0x80 || (nb > 1 && len >> (8 * (nb - 1)) == 0)) {
			*why = "length not in its shortest form (not DER)";
			return -1;
		}
	}
	if (len > (size_t)(c->end - p)) {
		*why = "length runs past the end of the data";
		return -1;
	}
	t->v = p;
	t->len = len;
	c->p = p + len;
	return 0;
}

static int expect(struct cur *c, unsigned tag, struct tlv *t, const char **why)
{
	if (tlv_next(c, t, why))
		return -1;
	if (t->tag != tag) {
		*why = "unexpected tag";
		return -1;
	}
	return 0;
}

/* A small non-negative DER INTEGER; -1 if not one. */
static long small_int(const struct tlv *t)
{
	long v = 0;

	if (t->len == 0 || t->len > 3 || (t->v[0] & 0x80))
		return -1;
	if (t->len > 1 && t->v[0] == 0 && !(t->v[1] & 0x80))
		return -1; /* not minimal */
	for (size_t i = 0; i < t->len; i++)
		v = (v << 8) | t->v[i];
	return v;
}

tims_rc tims_epass_sod_unwrap(const uint8_t *p, size_t n, const uint8_t **cms,
			      size_t *cms_len, struct tims_err *err)
{
	struct cur c = { p, p + n };
	struct tlv t;
	const char *why = NULL;

	if (n > TIMS_EPASS_SOD_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG,
			"sod: %zu bytes, more than the %u an EF.SOD may have",
			n, TIMS_EPASS_SOD_MAX);
	if (!p || n == 0)
		return tims_err_set(err, TIMS_ERR_INVALID, "sod: empty file");
	if (tlv_next(&c, &t, &why))
		return tims_err_set(err, TIMS_ERR_INVALID, "sod: %s", why);
	if (t.tag != 0x77)
		return tims_err_set(err, TIMS_ERR_INVALID,
			"sod: tag is 0x%X, expected 0x77 (EF.SOD)", t.tag);
	if (c.p != c.end)
		return tims_err_set(err, TIMS_ERR_INVALID,
			"sod: %zu bytes after the 0x77 object",
			(size_t)(c.end - c.p));
	*cms = t.v;
	*cms_len = t.len;
	return TIMS_OK;
}

/* The digest algorithms' OIDs (content bytes only). */
static const struct {
	enum tims_epass_hash h;
	const char *name;
	size_t len, oid_len;
	uint8_t oid[9];
} hashes[] = {
	{ TIMS_EPASS_SHA1, "SHA-1", 20, 5, { 0x2B, 0x0E, 0x03, 0x02, 0x1A } },
	{ TIMS_EPASS_SHA224, "SHA-224", 28, 9,
	  { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04 } },
	{ TIMS_EPASS_SHA256, "SHA-256", 32, 9,
	  { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01 } },
	{ TIMS_EPASS_SHA384, "SHA-384", 48, 9,
	  { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02 } },
	{ TIMS_EPASS_SHA512, "SHA-512", 64, 9,
	  { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03 } },
};

const char *tims_epass_hash_name(enum tims_epass_hash h)
{
	for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++)
		if (hashes[i].h == h)
			return hashes[i].name;
	return "unknown";
}

size_t tims_epass_hash_len(enum tims_epass_hash h)
{
	for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++)
		if (hashes[i].h == h)
			return hashes[i].len;
	return 0;
}

#define LDS_FAIL(...) tims_err_set(err, TIMS_ERR_INVALID, "sod: security object: " __VA_ARGS__)

tims_rc tims_epass_lds_parse(const uint8_t *p, size_t n,
			     struct tims_epass_lds *out, struct tims_err *err)
{
	struct cur c = { p, p + n }, in, alg, groups;
	struct tlv t, oid;
	const char *why = NULL;
	long v;
	size_t hi;

	memset(out, 0, sizeof(*out));
	if (!p || n == 0)
		return LDS_FAIL("empty");
	if (expect(&c, 0x30, &t, &why))
		return LDS_FAIL("LDSSecurityObject: %s", why);
	if (c.p != c.end)
		return LDS_FAIL("bytes after the LDSSecurityObject");
	in = (struct cur){ t.v, t.v + t.len };

	if (expect(&in, 0x02, &t, &why))
		return LDS_FAIL("version: %s", why);
	v = small_int(&t);
	if (v != 0 && v != 1)
		return LDS_FAIL("version is not 0 or 1");
	out->version = (unsigned)v;

	if (expect(&in, 0x30, &t, &why))
		return LDS_FAIL("hashAlgorithm: %s", why);
	alg = (struct cur){ t.v, t.v + t.len };
	if (expect(&alg, 0x06, &oid, &why))
		return LDS_FAIL("hashAlgorithm: %s", why);
	if (alg.p != alg.end) { /* parameters: absent or NULL */
		if (expect(&alg, 0x05, &t, &why) || t.len != 0 || alg.p != alg.end)
			return LDS_FAIL("hashAlgorithm: parameters are not NULL");
	}
	for (hi = 0; hi < sizeof(hashes) / sizeof(hashes[0]); hi++)
		if (oid.len == hashes[hi].oid_len &&
		    !memcmp(oid.v, hashes[hi].oid, oid.len))
			break;
	if (hi == sizeof(hashes) / sizeof(hashes[0]))
		return LDS_FAIL("hashAlgorithm: not SHA-1/224/256/384/512");
	out->hash = hashes[hi].h;

	if (expect(&in, 0x30, &t, &why))
		return LDS_FAIL("dataGroupHashValues: %s", why);
	groups = (struct cur){ t.v, t.v + t.len };
	while (groups.p < groups.end) {
		struct tims_epass_dg_hash *g;
		struct cur one;
		struct tlv num, hv;

		if (out->ngroups == TIMS_EPASS_MAX_DG)
			return LDS_FAIL("more than %d data group hashes",
					TIMS_EPASS_MAX_DG);
		if (expect(&groups, 0x30, &t, &why))
			return LDS_FAIL("DataGroupHash %u: %s",
					out->ngroups + 1, why);
		one = (struct cur){ t.v, t.v + t.len };
		if (expect(&one, 0x02, &num, &why) ||
		    expect(&one, 0x04, &hv, &why))
			return LDS_FAIL("DataGroupHash %u: %s",
					out->ngroups + 1, why);
		if (one.p != one.end)
			return LDS_FAIL("DataGroupHash %u: extra fields",
					out->ngroups + 1);
		v = small_int(&num);
		if (v < 1 || v > TIMS_EPASS_MAX_DG)
			return LDS_FAIL("DataGroupHash %u: number not in 1..16",
					out->ngroups + 1);
		for (unsigned i = 0; i < out->ngroups; i++)
			if (out->groups[i].number == (unsigned)v)
				return LDS_FAIL("dg%ld hashed twice", v);
		if (hv.len != hashes[hi].len)
			return LDS_FAIL("dg%ld: hash of %zu bytes, %s has %zu",
					v, hv.len, hashes[hi].name,
					hashes[hi].len);
		g = &out->groups[out->ngroups++];
		g->number = (unsigned)v;
		g->len = hv.len;
		memcpy(g->value, hv.v, hv.len);
	}
	if (out->ngroups < 2)
		return LDS_FAIL("%u data group hashes, at least 2 required",
				out->ngroups);
	if (in.p != in.end) { /* ldsVersionInfo, version 1 only */
		if (out->version != 1 || expect(&in, 0x30, &t, &why) ||
		    in.p != in.end)
			return LDS_FAIL("unexpected data after the hashes");
	}
	return TIMS_OK;
}

/* Doc 9303 Part 10, table 33: the tag of each data group's EF. */
static const uint8_t dg_tags[TIMS_EPASS_MAX_DG] = {
	0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68,
	0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70,
};

tims_rc tims_epass_dg_number(const uint8_t *p, size_t n, unsigned *number,
			     struct tims_err *err)
{
	struct cur c = { p, p + n };
	struct tlv t;
	const char *why = NULL;

	if (n > TIMS_EPASS_DG_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG,
			"dg: %zu bytes, more than the %u read", n,
			TIMS_EPASS_DG_MAX);
	if (!p || n == 0)
		return tims_err_set(err, TIMS_ERR_INVALID, "dg: empty file");
	if (tlv_next(&c, &t, &why))
		return tims_err_set(err, TIMS_ERR_INVALID, "dg: %s", why);
	for (unsigned i = 0; i < TIMS_EPASS_MAX_DG; i++) {
		if (t.tag != dg_tags[i])
			continue;
		if (c.p != c.end)
			return tims_err_set(err, TIMS_ERR_INVALID,
				"dg%u: %zu bytes after the 0x%02X object",
				i + 1, (size_t)(c.end - c.p), t.tag);
		*number = i + 1;
		return TIMS_OK;
	}
	return tims_err_set(err, TIMS_ERR_INVALID,
		"dg: tag 0x%X is not a data group's (0x61 DG1 ... 0x70 DG16)",
		t.tag);
}

tims_rc tims_epass_dg1_mrz(const uint8_t *p, size_t n,
			   char mrz[TIMS_EPASS_MRZ_MAX + 1], struct tims_err *err)
{
	struct cur c = { p, p + n }, in;
	struct tlv t;
	const char *why = NULL;

	mrz[0] = '\0';
	if (n > TIMS_EPASS_DG_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "dg1: too big");
	if (!p || expect(&c, 0x61, &t, &why) || c.p != c.end)
		return tims_err_set(err, TIMS_ERR_INVALID, "dg1: %s",
				    why ? why : "not one 0x61 object");
	in = (struct cur){ t.v, t.v + t.len };
	if (expect(&in, 0x5F1F, &t, &why))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "dg1: MRZ (tag 0x5F1F): %s", why);
	if (in.p != in.end)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "dg1: data after the MRZ");
	if (t.len != 88 && t.len != 72 && t.len != 90)
		return tims_err_set(err, TIMS_ERR_INVALID,
			"dg1: MRZ of %zu characters, expected 88 (TD3), 72 (TD2) or 90 (TD1)",
			t.len);
	for (size_t i = 0; i < t.len; i++) {
		uint8_t ch = t.v[i];

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '<'))
			return tims_err_set(err, TIMS_ERR_INVALID,
				"dg1: MRZ character %zu is 0x%02X, not A-Z 0-9 <",
				i + 1, ch);
	}
	memcpy(mrz, t.v, t.len);
	mrz[t.len] = '\0';
	return TIMS_OK;
}

/*
 * DG2's face (Doc 9303 Part 10, 4.7.2; ISO/IEC 19794-5:2005): 0x75 { 0x7F61
 * { 0x02 count, 0x7F60 { 0xA1 header, 0x5F2E or 0x7F2E the biometric data
 * block } ... } }. The block is a facial record: "FAC\0", version, length,
 * number of faces, then per face a 20-byte information block, 8 bytes per
 * feature point, a 12-byte image information block and the image. Only the
 * first face's image is taken; its type byte must agree with its magic.
 */
static uint32_t be(const uint8_t *p, unsigned n)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

static tims_rc face_record(const uint8_t *p, size_t n, struct tims_epass_face *out,
			   struct tims_err *err)
{
	size_t rec_len, block, nfp, hdr, img_len;
	const uint8_t *info, *img;

	if (n < 14 || memcmp(p, "FAC\0", 4))
		return tims_err_set(err, TIMS_ERR_INVALID,
			"dg2: biometric data block is not an ISO 19794-5 facial record (\"FAC\")");
	if (memcmp(p + 4, "010\0", 4))
		return tims_err_set(err, TIMS_ERR_INVALID,
			"dg2: facial record version is not 010");
	rec_len = be(p + 8, 4);
	if (rec_len != n)
		return tims_err_set(err, TIMS_ERR_INVALID,
			"dg2: facial record says %zu bytes, the block holds %zu", rec_len, n);
	if (be(p + 12, 2) == 0)
		return tims_err_set(err, TIMS_ERR_INVALID, "dg2: facial record holds no face");
	p += 14;
	n -= 14;
	if (n < 20)
		return tims_err_set(err, TIMS_ERR_INVALID, "dg2: face information truncated");
	block = be(p, 4);
	nfp = be(p + 4, 2);
	hdr = 20 + 8 * nfp + 12;
	if (block > n || block <= hdr)
		return tims_err_set(err, TIMS_ERR_INVALID,
			"dg2: face block of %zu bytes does not fit (%zu left, %zu of header)",
			block, n, hdr);
	info = p + 20 + 8 * nfp;
	img = info + 12;
	img_len = block - hdr;
	out->width = be(info + 2, 2);
	out->height = be(info + 4, 2);
	if (img_len >= 3 && img[0] == 0xFF && img[1] == 0xD8 && img[2] == 0xFF)
		out->type = TIMS_EPASS_IMG_JPEG;
	else if ((img_len >= 12 && !memcmp(img, "\0\0\0\x0CjP  \r\n\x87\n", 12)) ||
		 (img_len >= 4 && !memcmp(img, "\xFF\x4F\xFF\x51", 4)))
		out->type = TIMS_EPASS_IMG_JP2;
	else
		return tims_err_set(err, TIMS_ERR_INVALID,
			"dg2: the face image is neither JPEG nor JPEG 2000");
	if (info[1] != (out->type == TIMS_EPASS_IMG_JPEG ? 0 : 1))
		return tims_err_set(err, TIMS_ERR_INVALID,
			"dg2: image data type %u does not match the image (%s)", info[1],
			out->type == TIMS_EPASS_IMG_JPEG ? "JPEG" : "JPEG 2000");
	out->image = img;
	out->len = img_len;
	return TIMS_OK;
}

tims_rc tims_epass_dg2_face(const uint8_t *p, size_t n, struct tims_epass_face *out,
			    struct tims_err *err)
{
	struct cur c = { p, p + n }, in, bit;
	struct tlv t, cnt, hd, bdb;
	const char *why = NULL;

	memset(out, 0, sizeof(*out));
	if (n > TIMS_EPASS_DG_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "dg2: %zu bytes, more than the %u read",
				    n, TIMS_EPASS_DG_MAX);
	if (!p || expect(&c, 0x75, &t, &why) || c.p != c.end)
		return tims_err_set(err, TIMS_ERR_INVALID, "dg2: %s",
				    why ? why : "not one 0x75 object");
	in = (struct cur){ t.v, t.v + t.len };
	if (expect(&in, 0x7F61, &t, &why))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "dg2: biometric information group template (0x7F61): %s", why);
	bit = (struct cur){ t.v, t.v + t.len };
	if (expect(&bit, 0x02, &cnt, &why) || small_int(&cnt) < 1)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "dg2: number of instances (0x02): %s",
				    why ? why : "not a positive integer");
	if (expect(&bit, 0x7F60, &t, &why))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "dg2: biometric information template (0x7F60): %s", why);
	in = (struct cur){ t.v, t.v + t.len };
	if (expect(&in, 0xA1, &hd, &why))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "dg2: biometric header template (0xA1): %s", why);
	if (tlv_next(&in, &bdb, &why) || (bdb.tag != 0x5F2E && bdb.tag != 0x7F2E))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "dg2: biometric data block (0x5F2E): %s",
				    why ? why : "unexpected tag");
	return face_record(bdb.v, bdb.len, out, err);
}
