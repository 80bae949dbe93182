/*
 * seal.c — the query store's personal data at rest: records sealed under
 * the centre's vault, blind indexes for the lookups (see internal.h and
 * docs/cstore.md, "Personal data at rest").
 */
#include "internal.h"

#include <sodium.h>

#include "tims/record.h"

void tims_cstore_set_vault(struct tims_cstore *s, struct tims_vault *v)
{
	s->vault = v;
}

int tims_cstore_was_reset(const struct tims_cstore *s)
{
	return s->was_reset;
}

tims_rc cs_readable(struct tims_cstore *s, struct tims_err *err)
{
	struct tims_err e;

	if (!s->vault)
		return tims_err_set(err, TIMS_ERR_STATE, "query store: no vault to seal and "
				    "open records with");
	if (tims_vault_state(s->vault) == TIMS_VAULT_OPEN ||
	    tims_vault_retry(s->vault, &e) == TIMS_OK)
		return TIMS_OK;
	return tims_err_set(err, TIMS_ERR_UNAVAILABLE, "query store: the centre's key token "
			    "is unavailable (%s): records can be neither indexed nor read; "
			    "try again when it is back", tims_vault_why(s->vault));
}

static int ad_of(const char *origin, int64_t idx, char *out, size_t cap)
{
	int n = snprintf(out, cap, "cstore.crossings/%s/%lld", origin, (long long)idx);

	return n > 0 && (size_t)n < cap ? n : -1;
}

tims_rc cs_seal(struct tims_cstore *s, const char *origin, int64_t idx, int64_t time_ms,
		const char *json, size_t len, struct tims_buf *out, struct tims_err *err)
{
	struct tims_buf blob = TIMS_BUF_INIT(len + TIMS_VAULT_OVERHEAD + 16);
	char ad[TIMS_RECORD_FIELD + 64];
	size_t b64len;
	int adlen;
	tims_rc rc;

	if (!s->vault)
		return tims_err_set(err, TIMS_ERR_STATE, "query store: no vault to seal records with");
	if ((adlen = ad_of(origin, idx, ad, sizeof(ad))) < 0)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "query store: origin too long");
	if ((rc = tims_vault_seal(s->vault, time_ms, ad, (size_t)adlen, json, len, &blob, err)))
		goto out;
	b64len = sodium_base64_ENCODED_LEN(blob.len, sodium_base64_VARIANT_ORIGINAL);
	out->len = 0;
	{
		char *t = malloc(b64len);

		if (!t) {
			rc = tims_err_set(err, TIMS_ERR_NOMEM, "query store: out of memory");
			goto out;
		}
		sodium_bin2base64(t, b64len, (const unsigned char *)blob.buf, blob.len,
				  sodium_base64_VARIANT_ORIGINAL);
		rc = tims_buf_add(out, t, b64len - 1) ?
			tims_err_set(err, TIMS_ERR_NOMEM, "query store: out of memory") : TIMS_OK;
		free(t);
	}
out:
	if (blob.buf)
		sodium_memzero(blob.buf, blob.len);
	tims_buf_release(&blob);
	return rc;
}

tims_rc cs_open(struct tims_cstore *s, const char *origin, int64_t idx, const char *b64,
		struct tims_buf *out, struct tims_err *err)
{
	char ad[TIMS_RECORD_FIELD + 64];
	size_t n = strlen(b64), binlen = 0;
	unsigned char *bin;
	int adlen;
	tims_rc rc;

	if (!s->vault)
		return tims_err_set(err, TIMS_ERR_STATE, "query store: no vault to open records with");
	if ((adlen = ad_of(origin, idx, ad, sizeof(ad))) < 0)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "query store: origin too long");
	if (!(bin = malloc(n / 4 * 3 + 3)))
		return tims_err_set(err, TIMS_ERR_NOMEM, "query store: out of memory");
	if (sodium_base642bin(bin, n / 4 * 3 + 3, b64, n, NULL, &binlen, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(bin);
		return tims_err_set(err, TIMS_ERR_TAMPER, "query store: %s %lld: the sealed "
				    "record is not base64", origin, (long long)idx);
	}
	out->len = 0;
	rc = tims_vault_open_blob(s->vault, ad, (size_t)adlen, bin, binlen, out, err);
	free(bin);
	if (rc == TIMS_ERR_TAMPER || rc == TIMS_ERR_INVALID)
		return tims_err_set(err, TIMS_ERR_TAMPER, "query store: %s %lld: the sealed record "
				    "does not open (altered or moved)", origin, (long long)idx);
	if (!rc && tims_buf_add(out, "", 0))
		return tims_err_set(err, TIMS_ERR_NOMEM, "query store: out of memory");
	return rc;
}

json_t *cs_open_json(struct tims_cstore *s, const char *origin, const char *idx,
		     const char *b64, struct tims_err *err)
{
	struct tims_buf pt = TIMS_BUF_INIT(4 * TIMS_RECORD_MAX_LINE);
	json_t *j = NULL;

	if (!origin || !idx || !b64) {
		tims_err_set(err, TIMS_ERR_DB, "query store: a row without its sealed record");
		return NULL;
	}
	if (!cs_open(s, origin, cs_int(idx), b64, &pt, err) &&
	    !(j = json_loadb(pt.buf, pt.len, 0, NULL)))
		tims_err_set(err, TIMS_ERR_TAMPER, "query store: %s %s: the opened record is "
			     "not JSON", origin, idx);
	if (pt.buf)
		sodium_memzero(pt.buf, pt.len);
	tims_buf_release(&pt);
	return j;
}

tims_rc cs_blind(struct tims_cstore *s, const char *domain, const char *value,
		 char out[TIMS_VAULT_BLIND_HEX], struct tims_err *err)
{
	if (!s->vault)
		return tims_err_set(err, TIMS_ERR_STATE, "query store: no vault for blind indexes");
	return tims_vault_blind_hex(s->vault, domain, value, strlen(value), out, err);
}

void cs_person_value(const char *surname, const char *given, const char *birth_date,
		     char *out, size_t outsz)
{
	size_t n;

	/* surname and given names apart: "SMITH JOHN" must not match "SMITH JO HN" */
	cs_name_key(surname, out, outsz / 3);
	n = strlen(out);
	snprintf(out + n, outsz - n, "|");
	n = strlen(out);
	cs_name_key(given, out + n, outsz - n - 12);
	n = strlen(out);
	snprintf(out + n, outsz - n, "|%s", birth_date);
}
