/*
 * visa.c — a machine readable visa (ICAO 9303 part 7: MRV-A, MRV-B) as the
 * typed visa of a crossing (record.h's struct tims_visa), for the booth's
 * check: see tims_mrz_visa in include/tims/mrz.h.
 *
 * What the MRZ of a visa holds: the document code (V and a character at
 * the issuer's discretion — the Schengen uniform format prints "VC" for a
 * short-stay visa, a national long-stay visa is "VD"), the issuing state,
 * the visa number and the last day of validity (the MRZ's expiry date).
 * The first day, the number of entries and the duration of stay are printed
 * in the visual zone only: the booth types them.
 */
#include "tims/mrz.h"
#include "tims/record.h"
#include "tims/util.h"

tims_rc tims_mrz_visa(const struct tims_mrz *m, struct tims_visa *out, struct tims_err *err)
{
	memset(out, 0, sizeof(*out));
	if (m->format != TIMS_MRZ_MRVA && m->format != TIMS_MRZ_MRVB)
		return tims_err_set(err, TIMS_ERR_INVALID, "visa: the MRZ is a %s, not a visa "
				    "(MRV-A or MRV-B)", tims_mrz_format_name(m->format));
	if (!m->valid)
		return tims_err_set(err, TIMS_ERR_INVALID, "visa: the MRZ does not read (%u errors)",
				    m->nerrors);
	if (!m->document_number[0] || !m->issuing_state[0])
		return tims_err_set(err, TIMS_ERR_INVALID, "visa: no number or issuing state");
	if (!m->expiry_date.year || !m->expiry_date.month || !m->expiry_date.day)
		return tims_err_set(err, TIMS_ERR_INVALID, "visa: valid_until: the date is not complete");
	/* A type the MRZ does not tell is taken as a short stay: counted,
	 * never exempted by mistake. */
	out->kind = m->document_code[1] == 'D' ? TIMS_VISA_LONG : TIMS_VISA_SHORT;
	snprintf(out->number, sizeof(out->number), "%s", m->document_number);
	snprintf(out->issuer, sizeof(out->issuer), "%s", m->issuing_state);
	snprintf(out->valid_until, sizeof(out->valid_until), "%s", m->expiry_date.iso);
	return TIMS_OK;
}
