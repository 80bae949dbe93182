/*
 * pa.c — passive authentication (ICAO Doc 9303 Part 11, 5.1) with OpenSSL 3:
 * trust anchors from CSCA certificates and master lists, CRLs, and the
 * verification of one document's EF.SOD and data groups.
 *
 * The chain is checked here, one step, rather than with X509_verify_cert:
 * Doc 9303's PKI has two levels (CSCA -> Document Signer), every CSCA and
 * link certificate the post trusts is an anchor of its own, and the
 * quirks of real documents each get an explicit rule (docs/epassport.md):
 *
 *  - issuer name in another attribute order: the SignerInfo's issuer only
 *    selects a certificate of the SOD; it matches when the serial is equal
 *    and the names hold the same attributes, in any order. Nothing is
 *    trusted for it: the certificate must still chain to a CSCA.
 *  - link certificates and path-length constraints: a DS must be signed
 *    directly by an anchor, so no CA lies between the anchor and the DS
 *    and a path length of 0 on a CSCA or link certificate holds.
 *  - explicit EC parameters: accepted when OpenSSL recognises them as the
 *    parameters of a named curve it knows (brainpoolP256r1 ...), refused
 *    otherwise (custom curves are how key-substitution attacks hide).
 */
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tims/epass.h"

#define OID_LDS_SO "2.23.136.1.1.1"
#define OID_CSCA_ML "2.23.136.1.1.2"
#define MAX_LISTS 32

struct pending_list {
	CMS_ContentInfo *cms;
	char name[128];
};

struct tims_epass_trust {
	STACK_OF(X509) *direct;   /* CSCA certificates given as files */
	STACK_OF(X509) *anchors;  /* direct + those of verified master lists */
	STACK_OF(X509_CRL) *crls;
	struct pending_list lists[MAX_LISTS];
	size_t nlists;
	bool sealed;
};

/* --- helpers ------------------------------------------------------------ */

static void name_text(const X509_NAME *nm, char *buf, size_t cap)
{
	BIO *b = BIO_new(BIO_s_mem());
	int n;

	buf[0] = '\0';
	if (!b)
		return;
	if (X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253) >= 0) {
		n = BIO_read(b, buf, (int)cap - 1);
		if (n > 0)
			buf[n] = '\0';
	}
	BIO_free(b);
}

/* Time t as an ASN1_TIME comparison: -1 before t, 1 after, 0 error. */
static int cmp_time(const ASN1_TIME *a, time_t t)
{
	return X509_cmp_time(a, &t);
}

static bool valid_at(X509 *c, time_t at, const char **why)
{
	int nb = cmp_time(X509_get0_notBefore(c), at);
	int na = cmp_time(X509_get0_notAfter(c), at);

	if (nb == 0 || na == 0) {
		*why = "validity dates are unreadable";
		return false;
	}
	if (nb > 0) {
		*why = "not yet valid";
		return false;
	}
	if (na < 0) {
		*why = "expired";
		return false;
	}
	return true;
}

/*
 * The explicit-parameters rule: an EC key whose parameters are spelled out
 * is accepted only when they are those of a named curve (OpenSSL names the
 * group when the explicit parameters match one); any other key type passes.
 */
static bool key_ok(EVP_PKEY *k, const char **why)
{
	char enc[32] = "", grp[64] = "";

	if (!k) {
		*why = "public key unreadable";
		return false;
	}
	if (EVP_PKEY_get_base_id(k) != EVP_PKEY_EC)
		return true;
	if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_EC_ENCODING,
					   enc, sizeof(enc), NULL) != 1 ||
	    strcmp(enc, OSSL_PKEY_EC_ENCODING_EXPLICIT))
		return true;
	if (EVP_PKEY_get_group_name(k, grp, sizeof(grp), NULL) != 1 || !grp[0]) {
		*why = "explicit EC parameters that are not those of a known named curve";
		return false;
	}
	return true;
}

static bool key_explicit(EVP_PKEY *k)
{
	char enc[32] = "";

	return k && EVP_PKEY_get_base_id(k) == EVP_PKEY_EC &&
	       EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_EC_ENCODING,
			enc, sizeof(enc), NULL) == 1 &&
	       !strcmp(enc, OSSL_PKEY_EC_ENCODING_EXPLICIT);
}

/* The same attributes (type and value bytes), in any order. */
static bool names_same_set(const X509_NAME *a, const X509_NAME *b)
{
	int n = X509_NAME_entry_count(a);
	bool used[64] = { false };

	if (n != X509_NAME_entry_count(b) || n <= 0 || n > 64)
		return false;
	for (int i = 0; i < n; i++) {
		const X509_NAME_ENTRY *ea = X509_NAME_get_entry(a, i);
		const ASN1_STRING *va = X509_NAME_ENTRY_get_data(ea);
		bool found = false;

		for (int j = 0; j < n && !found; j++) {
			const X509_NAME_ENTRY *eb = X509_NAME_get_entry(b, j);
			const ASN1_STRING *vb = X509_NAME_ENTRY_get_data(eb);

			if (used[j] || OBJ_cmp(X509_NAME_ENTRY_get_object(ea),
					       X509_NAME_ENTRY_get_object(eb)))
				continue;
			if (ASN1_STRING_length(va) != ASN1_STRING_length(vb) ||
			    memcmp(ASN1_STRING_get0_data(va),
				   ASN1_STRING_get0_data(vb),
				   (size_t)ASN1_STRING_length(va)))
				continue;
			used[j] = found = true;
		}
		if (!found)
			return false;
	}
	return true;
}

static bool is_pem(const uint8_t *p, size_t n)
{
	static const char tag[] = "-----BEGIN ";

	for (size_t i = 0; i + sizeof(tag) - 1 <= n && i < 4096; i++)
		if (!memcmp(p + i, tag, sizeof(tag) - 1))
			return true;
	return false;
}

/* The whole buffer as one DER object of the type, or NULL: trailing bytes
 * are refused like a bad encoding. */
#define D2I_ALL_FN(type, fn) \
static type *fn##_all(const uint8_t *p, size_t n) \
{ \
	const unsigned char *q = p; \
	type *o = n <= LONG_MAX ? fn(NULL, &q, (long)n) : NULL; \
	if (o && q != p + n) { \
		type##_free(o); \
		o = NULL; \
	} \
	return o; \
}
D2I_ALL_FN(X509, d2i_X509)
D2I_ALL_FN(X509_CRL, d2i_X509_CRL)
D2I_ALL_FN(CMS_ContentInfo, d2i_CMS_ContentInfo)

static bool oid_is(const ASN1_OBJECT *o, const char *dotted)
{
	char buf[64];

	return o && OBJ_obj2txt(buf, sizeof(buf), o, 1) > 0 && !strcmp(buf, dotted);
}

/* --- CMS SignedData: one signer, checked by hand -------------------------- */

struct signed_data {
	CMS_ContentInfo *cms;
	const uint8_t *content;   /* the encapsulated content, inside cms */
	size_t content_len;
	X509 *signer;             /* owned by certs */
	STACK_OF(X509) *certs;
	bool name_reordered;
	bool by_ski;
};

static void signed_data_release(struct signed_data *sd)
{
	sk_X509_pop_free(sd->certs, X509_free);
	CMS_ContentInfo_free(sd->cms);
	memset(sd, 0, sizeof(*sd));
}

/* Parse cms (taking ownership), check its type, find the signer. */
static tims_rc signed_data_open(CMS_ContentInfo *cms, const char *want_type,
				struct signed_data *sd, struct tims_err *err)
{
	STACK_OF(CMS_SignerInfo) *sis;
	CMS_SignerInfo *si;
	ASN1_OCTET_STRING **pos, *keyid = NULL;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *sno = NULL;

	memset(sd, 0, sizeof(*sd));
	sd->cms = cms;
	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed)
		return tims_err_set(err, TIMS_ERR_INVALID, "not a CMS SignedData");
	if (!oid_is(CMS_get0_eContentType(cms), want_type))
		return tims_err_set(err, TIMS_ERR_INVALID,
			"encapsulated content type is not %s", want_type);
	pos = CMS_get0_content(cms);
	if (!pos || !*pos || ASN1_STRING_length(*pos) <= 0)
		return tims_err_set(err, TIMS_ERR_INVALID,
			"no encapsulated content (detached signature)");
	sd->content = ASN1_STRING_get0_data(*pos);
	sd->content_len = (size_t)ASN1_STRING_length(*pos);
	sis = CMS_get0_SignerInfos(cms);
	if (sk_CMS_SignerInfo_num(sis) != 1)
		return tims_err_set(err, TIMS_ERR_INVALID,
			"%d signer infos, expected exactly 1",
			sk_CMS_SignerInfo_num(sis));
	si = sk_CMS_SignerInfo_value(sis, 0);
	sd->certs = CMS_get1_certs(cms);
	if (!sd->certs || sk_X509_num(sd->certs) == 0)
		return tims_err_set(err, TIMS_ERR_INVALID,
			"no signer certificate in the SignedData");
	if (CMS_SignerInfo_get0_signer_id(si, &keyid, &issuer, &sno) != 1)
		return tims_err_set(err, TIMS_ERR_INVALID, "signer identifier unreadable");
	for (int i = 0; i < sk_X509_num(sd->certs) && !sd->signer; i++) {
		X509 *c = sk_X509_value(sd->certs, i);

		if (keyid) {
			const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(c);

			if (ski && !ASN1_OCTET_STRING_cmp(ski, keyid)) {
				sd->signer = c;
				sd->by_ski = true;
			}
			continue;
		}
		if (ASN1_INTEGER_cmp(X509_get0_serialNumber(c), sno))
			continue;
		if (!X509_NAME_cmp(X509_get_issuer_name(c), issuer)) {
			sd->signer = c;
		} else if (names_same_set(X509_get_issuer_name(c), issuer)) {
			sd->signer = c;
			sd->name_reordered = true;
		}
	}
	if (!sd->signer)
		return tims_err_set(err, TIMS_ERR_INVALID,
			"no certificate in the SignedData matches the signer identifier (%s)",
			keyid ? "subject key identifier" : "issuer and serial number");
	return TIMS_OK;
}

static const EVP_MD *allowed_md(const ASN1_OBJECT *o)
{
	switch (OBJ_obj2nid(o)) {
	case NID_sha1: return EVP_sha1();
	case NID_sha224: return EVP_sha224();
	case NID_sha256: return EVP_sha256();
	case NID_sha384: return EVP_sha384();
	case NID_sha512: return EVP_sha512();
	default: return NULL;
	}
}

/*
 * The signer info's signature over its signed attributes with the signer's
 * key, the content-type attribute, and the message-digest attribute against
 * the encapsulated content. TIMS_ERR_SIGNATURE with the reason on failure.
 */
static tims_rc signed_data_verify(struct signed_data *sd, struct tims_err *err)
{
	CMS_SignerInfo *si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(sd->cms), 0);
	X509_ALGOR *dig = NULL, *sig = NULL;
	const ASN1_OBJECT *dobj = NULL;
	const EVP_MD *md;
	const ASN1_OCTET_STRING *mdattr;
	const ASN1_OBJECT *ctattr;
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned hlen = 0;
	const char *why = NULL;

	if (!key_ok(X509_get0_pubkey(sd->signer), &why))
		return tims_err_set(err, TIMS_ERR_SIGNATURE, "signer key: %s", why);
	if (CMS_signed_get_attr_count(si) <= 0)
		return tims_err_set(err, TIMS_ERR_SIGNATURE,
			"no signed attributes (Doc 9303 requires them)");
	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, &sig);
	X509_ALGOR_get0(&dobj, NULL, NULL, dig);
	md = allowed_md(dobj);
	if (!md)
		return tims_err_set(err, TIMS_ERR_SIGNATURE,
			"digest algorithm is not SHA-1/224/256/384/512");
	ctattr = CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(NID_pkcs9_contentType),
					     -3, V_ASN1_OBJECT);
	if (!ctattr || OBJ_cmp(ctattr, CMS_get0_eContentType(sd->cms)))
		return tims_err_set(err, TIMS_ERR_SIGNATURE,
			"content-type attribute missing or not the content's type");
	mdattr = CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(NID_pkcs9_messageDigest),
					     -3, V_ASN1_OCTET_STRING);
	if (!mdattr)
		return tims_err_set(err, TIMS_ERR_SIGNATURE,
			"message-digest attribute missing");
	if (EVP_Digest(sd->content, sd->content_len, h, &hlen, md, NULL) != 1)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "digest failed");
	if ((unsigned)ASN1_STRING_length(mdattr) != hlen ||
	    CRYPTO_memcmp(ASN1_STRING_get0_data(mdattr), h, hlen))
		return tims_err_set(err, TIMS_ERR_SIGNATURE,
			"message digest does not match the signed content");
	CMS_SignerInfo_set1_signer_cert(si, sd->signer);
	ERR_clear_error();
	if (CMS_SignerInfo_verify(si) != 1) {
		ERR_clear_error();
		return tims_err_set(err, TIMS_ERR_SIGNATURE,
			"signature does not verify with the signer's certificate");
	}
	return TIMS_OK;
}

/*
 * Is c signed by one of the anchors, directly? The anchor must name c's
 * issuer, be a CA, match its authority key identifier (X509_check_issued)
 * and its key must verify c's signature. Returns the anchor or NULL.
 */
static X509 *issued_by_anchor(STACK_OF(X509) *anchors, X509 *c)
{
	for (int i = 0; i < sk_X509_num(anchors); i++) {
		X509 *a = sk_X509_value(anchors, i);
		EVP_PKEY *k = X509_get0_pubkey(a);
		const char *why;

		if (X509_check_issued(a, c) != X509_V_OK || X509_check_ca(a) < 1)
			continue;
		if (!key_ok(k, &why))
			continue;
		ERR_clear_error();
		if (X509_verify(c, k) == 1)
			return a;
		ERR_clear_error();
	}
	return NULL;
}

/* --- trust ------------------------------------------------------------ */

tims_rc tims_epass_trust_new(struct tims_epass_trust **out, struct tims_err *err)
{
	struct tims_epass_trust *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return tims_err_set(err, TIMS_ERR_NOMEM, "trust: out of memory");
	t->direct = sk_X509_new_null();
	t->anchors = sk_X509_new_null();
	t->crls = sk_X509_CRL_new_null();
	if (!t->direct || !t->anchors || !t->crls) {
		tims_epass_trust_free(t);
		return tims_err_set(err, TIMS_ERR_NOMEM, "trust: out of memory");
	}
	*out = t;
	return TIMS_OK;
}

void tims_epass_trust_free(struct tims_epass_trust *t)
{
	if (!t)
		return;
	sk_X509_pop_free(t->direct, X509_free);
	sk_X509_pop_free(t->anchors, X509_free);
	sk_X509_CRL_pop_free(t->crls, X509_CRL_free);
	for (size_t i = 0; i < t->nlists; i++)
		CMS_ContentInfo_free(t->lists[i].cms);
	free(t);
}

static tims_rc add_anchor(struct tims_epass_trust *t, X509 *c, bool direct)
{
	if (sk_X509_num(t->anchors) >= TIMS_EPASS_MAX_ANCHORS)
		return TIMS_ERR_TOOBIG;
	if (!X509_up_ref(c))
		return TIMS_ERR_NOMEM;
	if (!sk_X509_push(t->anchors, c)) {
		X509_free(c);
		return TIMS_ERR_NOMEM;
	}
	if (direct) {
		if (!X509_up_ref(c))
			return TIMS_ERR_NOMEM;
		if (!sk_X509_push(t->direct, c)) {
			X509_free(c);
			return TIMS_ERR_NOMEM;
		}
	}
	return TIMS_OK;
}

tims_rc tims_epass_trust_add_csca(struct tims_epass_trust *t, const uint8_t *p,
				  size_t n, const char *name, struct tims_err *err)
{
	tims_rc rc = TIMS_OK;

	if (n > TIMS_EPASS_LIST_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG,
			"csca %s: %zu bytes, more than the %u read", name, n,
			TIMS_EPASS_LIST_MAX);
	if (!p || n == 0)
		return tims_err_set(err, TIMS_ERR_INVALID, "csca %s: empty file", name);
	if (is_pem(p, n)) {
		BIO *b = BIO_new_mem_buf(p, (int)n);
		X509 *c;
		int count = 0;

		if (!b)
			return tims_err_set(err, TIMS_ERR_NOMEM, "csca: out of memory");
		while (rc == TIMS_OK && (c = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
			rc = add_anchor(t, c, true);
			X509_free(c);
			count++;
		}
		BIO_free(b);
		ERR_clear_error();
		if (rc != TIMS_OK)
			return tims_err_set(err, rc, "csca %s: too many certificates or out of memory", name);
		if (count == 0)
			return tims_err_set(err, TIMS_ERR_INVALID,
				"csca %s: no certificate in the PEM file", name);
		return TIMS_OK;
	}
	X509 *c = d2i_X509_all(p, n);
	if (c) {
		rc = add_anchor(t, c, true);
		X509_free(c);
		return rc ? tims_err_set(err, rc, "csca %s: too many certificates", name) : TIMS_OK;
	}
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo_all(p, n);
	ERR_clear_error();
	if (!cms)
		return tims_err_set(err, TIMS_ERR_INVALID,
			"csca %s: neither a certificate (DER/PEM) nor a CMS master list", name);
	if (!oid_is(CMS_get0_eContentType(cms), OID_CSCA_ML)) {
		CMS_ContentInfo_free(cms);
		return tims_err_set(err, TIMS_ERR_INVALID,
			"csca %s: a CMS object, but not a CSCA master list (eContentType %s)",
			name, OID_CSCA_ML);
	}
	if (t->nlists == MAX_LISTS) {
		CMS_ContentInfo_free(cms);
		return tims_err_set(err, TIMS_ERR_TOOBIG,
			"csca %s: more than %d master lists", name, MAX_LISTS);
	}
	t->lists[t->nlists].cms = cms;
	snprintf(t->lists[t->nlists].name, sizeof(t->lists[0].name), "%s", name);
	t->nlists++;
	return TIMS_OK;
}

tims_rc tims_epass_trust_add_crl(struct tims_epass_trust *t, const uint8_t *p,
				 size_t n, const char *name, struct tims_err *err)
{
	X509_CRL *crl = NULL;

	if (n > TIMS_EPASS_LIST_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "crl %s: too big", name);
	if (sk_X509_CRL_num(t->crls) >= TIMS_EPASS_MAX_CRLS)
		return tims_err_set(err, TIMS_ERR_TOOBIG,
			"crl %s: more than %d CRLs", name, TIMS_EPASS_MAX_CRLS);
	if (p && n && is_pem(p, n)) {
		BIO *b = BIO_new_mem_buf(p, (int)n);

		if (b)
			crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
		BIO_free(b);
	} else if (p && n) {
		crl = d2i_X509_CRL_all(p, n);
	}
	ERR_clear_error();
	if (!crl)
		return tims_err_set(err, TIMS_ERR_INVALID,
			"crl %s: not a readable CRL (DER or PEM)", name);
	if (!sk_X509_CRL_push(t->crls, crl)) {
		X509_CRL_free(crl);
		return tims_err_set(err, TIMS_ERR_NOMEM, "crl: out of memory");
	}
	return TIMS_OK;
}

/* CscaMasterList ::= SEQUENCE { version INTEGER, certList SET OF Certificate } */
static tims_rc list_anchors(struct tims_epass_trust *t, const uint8_t *p,
			    size_t n, const char *name, struct tims_err *err)
{
	const unsigned char *q = p, *end = p + n, *set_end;
	long len;
	int tag, cls, r;

	r = ASN1_get_object(&q, &len, &tag, &cls, (long)n);
	if ((r & 0x80) || tag != V_ASN1_SEQUENCE || q + len != end)
		return tims_err_set(err, TIMS_ERR_INVALID, "csca %s: master list: not a SEQUENCE", name);
	r = ASN1_get_object(&q, &len, &tag, &cls, end - q);
	if ((r & 0x80) || tag != V_ASN1_INTEGER || len < 1 || len > 4)
		return tims_err_set(err, TIMS_ERR_INVALID, "csca %s: master list: version unreadable", name);
	q += len;
	r = ASN1_get_object(&q, &len, &tag, &cls, end - q);
	if ((r & 0x80) || tag != V_ASN1_SET || q + len != end)
		return tims_err_set(err, TIMS_ERR_INVALID, "csca %s: master list: certList unreadable", name);
	set_end = q + len;
	while (q < set_end) {
		X509 *c = d2i_X509(NULL, &q, set_end - q);
		tims_rc rc;

		if (!c) {
			ERR_clear_error();
			return tims_err_set(err, TIMS_ERR_INVALID,
				"csca %s: master list: certificate %d unreadable",
				name, sk_X509_num(t->anchors) + 1);
		}
		rc = X509_check_ca(c) >= 1 ? add_anchor(t, c, false) : TIMS_OK;
		X509_free(c);
		if (rc)
			return tims_err_set(err, rc, "csca %s: too many CSCAs", name);
	}
	return TIMS_OK;
}

tims_rc tims_epass_trust_seal(struct tims_epass_trust *t, time_t at,
			      size_t *nanchors, struct tims_err *err)
{
	for (size_t i = 0; i < t->nlists; i++) {
		struct signed_data sd;
		struct tims_err e;
		const char *name = t->lists[i].name, *why = NULL;
		X509 *up;
		tims_rc rc;

		rc = signed_data_open(t->lists[i].cms, OID_CSCA_ML, &sd, &e);
		t->lists[i].cms = NULL; /* owned by sd now */
		if (rc == TIMS_OK)
			rc = signed_data_verify(&sd, &e);
		if (rc != TIMS_OK) {
			signed_data_release(&sd);
			return tims_err_set(err, rc == TIMS_ERR_INVALID ? rc : TIMS_ERR_SIGNATURE,
				"csca %s: master list refused: %s", name, e.msg);
		}
		/* Who signed the list: a CSCA given directly, or a list signer
		 * it issued. The list's own signer alone proves nothing: anyone
		 * can sign a list of their own CSCAs. */
		up = NULL;
		for (int j = 0; j < sk_X509_num(t->direct) && !up; j++)
			if (!X509_cmp(sk_X509_value(t->direct, j), sd.signer))
				up = sd.signer;
		if (!up)
			up = issued_by_anchor(t->direct, sd.signer);
		if (!up || !valid_at(sd.signer, at, &why) ||
		    (up != sd.signer && !valid_at(up, at, &why))) {
			signed_data_release(&sd);
			return tims_err_set(err, TIMS_ERR_SIGNATURE,
				"csca %s: master list refused: %s", name,
				!up ? "its signer is not issued by a CSCA given as a certificate (--csca)"
				    : why);
		}
		rc = list_anchors(t, sd.content, sd.content_len, name, err);
		signed_data_release(&sd);
		if (rc)
			return rc;
	}
	t->nlists = 0;
	t->sealed = true;
	if (nanchors)
		*nanchors = (size_t)sk_X509_num(t->anchors);
	if (sk_X509_num(t->anchors) == 0)
		return tims_err_set(err, TIMS_ERR_INVALID, "csca: no trust anchor given");
	return TIMS_OK;
}

/* --- one document --------------------------------------------------------- */

static void add_error(struct tims_epass_result *r, const char *field,
		      const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add_error(struct tims_epass_result *r, const char *field,
		      const char *fmt, ...)
{
	va_list ap;
	struct tims_epass_error *e;

	if (r->nerrors == TIMS_EPASS_MAX_ERRORS) {
		r->errors_truncated = true;
		return;
	}
	e = &r->errors[r->nerrors++];
	snprintf(e->field, sizeof(e->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

static struct tims_epass_check *add_check(struct tims_epass_result *r,
					  const char *name, bool ok,
					  const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static struct tims_epass_check *add_check(struct tims_epass_result *r,
					  const char *name, bool ok,
					  const char *fmt, ...)
{
	va_list ap;
	struct tims_epass_check *c;

	if (r->nchecks == TIMS_EPASS_MAX_CHECKS)
		return NULL;
	c = &r->checks[r->nchecks++];
	c->name = name;
	c->ok = ok;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	return c;
}

static void add_quirk(struct tims_epass_result *r, const char *text)
{
	if (r->nquirks < sizeof(r->quirks) / sizeof(r->quirks[0]))
		snprintf(r->quirks[r->nquirks++], sizeof(r->quirks[0]), "%s", text);
}

/* Is the CRL signed by a trusted CSCA of the name it gives as issuer? */
static bool crl_signed_by_anchor(STACK_OF(X509) *anchors, X509_CRL *crl)
{
	for (int i = 0; i < sk_X509_num(anchors); i++) {
		X509 *a = sk_X509_value(anchors, i);
		const char *why;

		if (X509_NAME_cmp(X509_get_subject_name(a), X509_CRL_get_issuer(crl)) ||
		    !key_ok(X509_get0_pubkey(a), &why))
			continue;
		ERR_clear_error();
		if (X509_CRL_verify(crl, X509_get0_pubkey(a)) == 1)
			return true;
		ERR_clear_error();
	}
	return false;
}

/*
 * Revocation of the DS against the CRLs of its issuer. A CRL applies when it
 * names the DS's issuer and is signed by a trusted CSCA of that name: after a
 * key rollover the CSCA (same name, new key) signs the CRL that covers the
 * Document Signers of its old key too. A CRL naming the issuer but signed by
 * no trusted key is a failure, never skipped.
 */
static void check_revocation(const struct tims_epass_trust *t, X509 *ds,
			     time_t at, struct tims_epass_result *r)
{
	int ncrl = sk_X509_CRL_num(t->crls), used = 0;

	if (ncrl == 0) {
		add_check(r, "revocation", true, "not checked: no CRL given");
		return;
	}
	for (int i = 0; i < ncrl; i++) {
		X509_CRL *crl = sk_X509_CRL_value(t->crls, i);
		X509_REVOKED *rev = NULL;
		const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);

		if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_issuer_name(ds)))
			continue;
		used++;
		if (!crl_signed_by_anchor(t->anchors, crl)) {
			add_check(r, "revocation", false,
				  "a CRL naming the signer's CSCA is not signed by a trusted CSCA");
			add_error(r, "crl", "CRL %d: signature does not verify with any trusted CSCA of its issuer's name", i + 1);
			return;
		}
		if (cmp_time(X509_CRL_get0_lastUpdate(crl), at) > 0 ||
		    (next && cmp_time(next, at) < 0)) {
			add_check(r, "revocation", false, "the CSCA's CRL is not current at the date checked");
			add_error(r, "crl", "CRL %d: not current at the date checked (this/next update)", i + 1);
			return;
		}
		if (X509_CRL_get0_by_serial(crl, &rev, X509_get0_serialNumber(ds)) == 1) {
			add_check(r, "revocation", false, "the Document Signer is revoked");
			add_error(r, "signer", "Document Signer certificate revoked by the CSCA's CRL");
			return;
		}
	}
	if (used == 0) {
		add_check(r, "revocation", false, "no CRL of the signer's CSCA among those given");
		add_error(r, "crl", "none of the CRLs given is issued by the signer's CSCA");
		return;
	}
	add_check(r, "revocation", true, "not revoked (%d CRL%s of the CSCA)", used, used > 1 ? "s" : "");
}

static void check_dgs(const struct tims_epass_input *in,
		      const struct tims_epass_lds *lds, struct tims_epass_result *r,
		      const uint8_t **dg1, size_t *dg1_len)
{
	const EVP_MD *md = NULL;
	unsigned seen = 0, bad = 0;

	switch (lds->hash) {
	case TIMS_EPASS_SHA1: md = EVP_sha1(); break;
	case TIMS_EPASS_SHA224: md = EVP_sha224(); break;
	case TIMS_EPASS_SHA256: md = EVP_sha256(); break;
	case TIMS_EPASS_SHA384: md = EVP_sha384(); break;
	case TIMS_EPASS_SHA512: md = EVP_sha512(); break;
	}
	for (size_t i = 0; i < in->ndgs && i < TIMS_EPASS_MAX_DG; i++) {
		struct tims_err e;
		unsigned num = 0, hlen = 0;
		unsigned char h[EVP_MAX_MD_SIZE];
		const struct tims_epass_dg_hash *want = NULL;
		struct tims_epass_dg_result *d;

		if (tims_epass_dg_number(in->dgs[i].p, in->dgs[i].n, &num, &e) != TIMS_OK) {
			add_error(r, "dg", "file %zu: %s", i + 1, e.msg);
			bad++;
			continue;
		}
		if (seen & (1u << num)) {
			add_error(r, "dg", "dg%u given twice", num);
			bad++;
			continue;
		}
		seen |= 1u << num;
		d = &r->dgs[r->ndgs++];
		d->number = num;
		d->hash_ok = false;
		for (unsigned g = 0; g < lds->ngroups; g++)
			if (lds->groups[g].number == num)
				want = &lds->groups[g];
		char field[8];
		snprintf(field, sizeof(field), "dg%u", num);
		if (!want) {
			add_error(r, field, "not in the security object: the chip does not vouch for it");
			bad++;
			continue;
		}
		if (!md || EVP_Digest(in->dgs[i].p, in->dgs[i].n, h, &hlen, md, NULL) != 1 ||
		    hlen != want->len || CRYPTO_memcmp(h, want->value, hlen)) {
			add_error(r, field, "hash does not match the security object");
			bad++;
			continue;
		}
		d->hash_ok = true;
		if (num == 1) {
			*dg1 = in->dgs[i].p;
			*dg1_len = in->dgs[i].n;
		}
	}
	/* What the chip holds but was not given is said, not failed: DG3/DG4
	 * need terminal authentication and are seldom read at a booth. */
	char unread[64] = "";
	size_t u = 0;

	for (unsigned g = 0; g < lds->ngroups; g++) {
		if (seen & (1u << lds->groups[g].number))
			continue;
		int k = snprintf(unread + u, sizeof(unread) - u, "%sdg%u", u ? " " : "",
				 lds->groups[g].number);
		if (k < 0 || (size_t)k >= sizeof(unread) - u)
			break;
		u += (size_t)k;
	}
	if (in->ndgs == 0)
		add_check(r, "data_group_hashes", false, "no data group given");
	else
		add_check(r, "data_group_hashes", bad == 0,
			  "%zu given, %u match the %s hashes of the security object%s%s",
			  in->ndgs, (unsigned)in->ndgs - bad, tims_epass_hash_name(lds->hash),
			  u ? "; not given, not checked: " : "", unread);
	if (in->ndgs == 0)
		add_error(r, "dg", "no data group given: at least DG1 is needed");
}

static int mrz_lines_cmp(const char *a, const char *b)
{
	return strcmp(a, b);
}

tims_rc tims_epass_sod_lds(const uint8_t *p, size_t n, struct tims_epass_lds *out,
			   struct tims_err *err)
{
	struct signed_data sd;
	struct tims_err e2;
	const uint8_t *cms_der;
	size_t cms_len;
	CMS_ContentInfo *cms;
	tims_rc rc;

	memset(&sd, 0, sizeof(sd));
	if ((rc = tims_epass_sod_unwrap(p, n, &cms_der, &cms_len, err)) != TIMS_OK)
		return rc;
	cms = d2i_CMS_ContentInfo_all(cms_der, cms_len);
	ERR_clear_error();
	if (!cms)
		return tims_err_set(err, TIMS_ERR_INVALID, "sod: not a DER CMS ContentInfo");
	if ((rc = signed_data_open(cms, OID_LDS_SO, &sd, &e2)) != TIMS_OK)
		tims_err_set(err, rc, "sod: %s", e2.msg);
	else
		rc = tims_epass_lds_parse(sd.content, sd.content_len, out, err);
	signed_data_release(&sd);
	ERR_clear_error();
	return rc;
}

tims_rc tims_epass_verify(const struct tims_epass_trust *t,
			  const struct tims_epass_input *in,
			  struct tims_epass_result *r)
{
	const uint8_t *cms_der = NULL, *dg1 = NULL;
	size_t cms_len = 0, dg1_len = 0;
	struct tims_err e, e2;
	struct signed_data sd;
	struct tims_epass_lds lds;
	CMS_ContentInfo *cms;
	X509 *csca = NULL;
	const char *why = NULL;
	char country[3] = "";
	tims_rc rc;

	memset(r, 0, sizeof(*r));
	memset(&sd, 0, sizeof(sd));
	if (!t || !t->sealed || sk_X509_num(t->anchors) == 0) {
		add_error(r, "csca", "no trust anchor: the CSCAs were not loaded");
		return TIMS_ERR_USAGE;
	}
	if (in->ndgs > TIMS_EPASS_MAX_DG) {
		add_error(r, "dg", "more than %d data groups", TIMS_EPASS_MAX_DG);
		return TIMS_ERR_USAGE;
	}
	/* 1. The EF.SOD and its CMS structure. */
	rc = tims_epass_sod_unwrap(in->sod.p, in->sod.n, &cms_der, &cms_len, &e);
	if (rc == TIMS_OK) {
		cms = d2i_CMS_ContentInfo_all(cms_der, cms_len);
		ERR_clear_error();
		if (!cms)
			rc = tims_err_set(&e, TIMS_ERR_INVALID, "sod: not a DER CMS ContentInfo");
		else if ((rc = signed_data_open(cms, OID_LDS_SO, &sd, &e2)) != TIMS_OK)
			tims_err_set(&e, rc, "sod: %s", e2.msg); /* never into its own buffer */
	}
	if (rc == TIMS_OK)
		rc = tims_epass_lds_parse(sd.content, sd.content_len, &lds, &e);
	if (rc != TIMS_OK) {
		add_check(r, "sod_format", false, "%s", e.msg);
		add_error(r, "sod", "%s", strncmp(e.msg, "sod: ", 5) ? e.msg : e.msg + 5);
		signed_data_release(&sd);
		return TIMS_ERR_SIGNATURE;
	}
	add_check(r, "sod_format", true, "LDS security object v%u, %u data group hashes (%s)",
		  lds.version, lds.ngroups, tims_epass_hash_name(lds.hash));
	name_text(X509_get_subject_name(sd.signer), r->signer, sizeof(r->signer));
	if (sd.name_reordered)
		add_quirk(r, "signer identified by an issuer name with its attributes in another order");
	if (key_explicit(X509_get0_pubkey(sd.signer)))
		add_quirk(r, "Document Signer key with explicit EC parameters of a named curve");

	/* 2. The signature of the SOD. */
	rc = signed_data_verify(&sd, &e);
	if (rc != TIMS_OK) {
		add_check(r, "sod_signature", false, "%s", e.msg);
		add_error(r, "sod", "signature: %s", e.msg);
	} else {
		add_check(r, "sod_signature", true, "signer identified by %s",
			  sd.by_ski ? "subject key identifier" : "issuer and serial number");
	}

	/* 3. The DS certificate: issued by an anchor, valid at `at`. */
	csca = issued_by_anchor(t->anchors, sd.signer);
	if (!csca) {
		add_check(r, "csca_chain", false, "the Document Signer is not issued by any CSCA given");
		add_error(r, "signer", "certificate not issued by a trusted CSCA (unknown or forged issuer)");
	} else {
		bool ok_ds = valid_at(sd.signer, in->at, &why);
		const char *why_ds = why;
		bool ok_ca = valid_at(csca, in->at, &why);

		name_text(X509_get_subject_name(csca), r->csca, sizeof(r->csca));
		add_check(r, "csca_chain", true, "issued by %s", r->csca);
		if (key_explicit(X509_get0_pubkey(csca)))
			add_quirk(r, "CSCA key with explicit EC parameters of a named curve");
		if (!ok_ds)
			add_error(r, "signer", "Document Signer certificate %s at the date checked", why_ds);
		if (!ok_ca)
			add_error(r, "csca", "CSCA certificate %s at the date checked", why);
		uint32_t ku = X509_get_key_usage(sd.signer);
		bool ku_ok = ku == UINT32_MAX || (ku & KU_DIGITAL_SIGNATURE);
		if (!ku_ok)
			add_error(r, "signer", "key usage does not allow digital signatures");
		add_check(r, "validity", ok_ds && ok_ca && ku_ok, "%s",
			  ok_ds && ok_ca ? (ku_ok ? "signer and CSCA valid at the date checked"
						  : "signer's key usage forbids signing")
				      : (!ok_ds ? "Document Signer certificate not valid at the date checked"
						: "CSCA certificate not valid at the date checked"));
		check_revocation(t, sd.signer, in->at, r);
	}

	/* 4. The data groups against the security object. */
	check_dgs(in, &lds, r, &dg1, &dg1_len);

	/* 5. DG1: its MRZ against the printed one, its state against the signer's. */
	if (dg1) {
		char mrz[TIMS_EPASS_MRZ_MAX + 1];

		if (tims_epass_dg1_mrz(dg1, dg1_len, mrz, &e) != TIMS_OK) {
			add_check(r, "mrz", false, "%s", e.msg);
			add_error(r, "dg1", "%s", strncmp(e.msg, "dg1: ", 5) ? e.msg : e.msg + 5);
		} else {
			const X509_NAME *subj = X509_get_subject_name(sd.signer);
			int idx = X509_NAME_get_index_by_NID(subj, NID_countryName, -1);
			const char *a3 = NULL;

			snprintf(r->dg1_mrz, sizeof(r->dg1_mrz), "%s", mrz);
			memcpy(r->issuing_state, mrz + 2, 3);
			r->issuing_state[3] = '\0';
			if (in->printed_mrz) {
				bool same = !mrz_lines_cmp(mrz, in->printed_mrz);

				add_check(r, "mrz", same, "%s", same ? "the chip's MRZ is the printed one"
							: "the chip's MRZ differs from the printed one");
				if (!same)
					add_error(r, "mrz", "DG1's MRZ differs from the printed MRZ: document possibly altered");
			}
			if (idx >= 0) {
				const ASN1_STRING *v = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, idx));

				if (ASN1_STRING_length(v) == 2) {
					memcpy(country, ASN1_STRING_get0_data(v), 2);
					country[2] = '\0';
					a3 = tims_epass_country_alpha3(country);
				}
			}
			if (!a3) {
				add_check(r, "issuing_state", false, "the signer's certificate has no known ISO 3166 country");
				add_error(r, "signer", "country (C) missing or not an ISO 3166 alpha-2 code");
			} else if (memcmp(a3, r->issuing_state, 3)) {
				add_check(r, "issuing_state", false, "DG1 says %s, the signer is of %s (%s)",
					  r->issuing_state, country, a3);
				add_error(r, "dg1", "issuing state %s is not the signer's country %s (%s)",
					  r->issuing_state, country, a3);
			} else {
				add_check(r, "issuing_state", true, "%s, the signer's country (%s)",
					  r->issuing_state, country);
			}
		}
	} else {
		/* Without a verified DG1 there is no identity to vouch for. */
		add_check(r, "issuing_state", false, "no verified DG1");
		if (in->printed_mrz)
			add_check(r, "mrz", false, "no verified DG1 to compare with");
		add_error(r, "dg1", "not given or not verified: DG1 (the MRZ) is required");
	}
	signed_data_release(&sd);

	r->valid = r->nerrors == 0 && !r->errors_truncated;
	for (unsigned i = 0; i < r->nchecks; i++)
		if (!r->checks[i].ok)
			r->valid = false;
	return r->valid ? TIMS_OK : TIMS_ERR_SIGNATURE;
}
