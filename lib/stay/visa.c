/*
 * visa.c — a recorded visa (record.h's struct tims_visa: text as the booth
 * read or typed it) as the stay rule takes it (struct tims_stay_visa:
 * days). See tims_stay_visa_from in include/tims/stay.h.
 */
#include "tims/record.h"
#include "tims/stay.h"
#include "tims/util.h"

tims_rc tims_stay_visa_from(const struct tims_visa *v, struct tims_stay_visa *out,
			    struct tims_err *err)
{
	tims_rc rc;

	memset(out, 0, sizeof(*out));
	out->valid_from = INT64_MIN;
	out->valid_until = INT64_MAX;
	if (!v || v->kind == TIMS_VISA_NONE)
		return TIMS_OK;
	if (v->kind > TIMS_VISA_RESIDENCE)
		return tims_err_set(err, TIMS_ERR_INVALID, "visa.kind: %u is not a kind", v->kind);
	if ((v->valid_from[0] &&
	     (rc = tims_date_parse(v->valid_from, &out->valid_from, "visa.valid_from", err))) ||
	    (v->valid_until[0] &&
	     (rc = tims_date_parse(v->valid_until, &out->valid_until, "visa.valid_until", err))))
		return rc;
	if (out->valid_from > out->valid_until)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "visa.valid_until: before visa.valid_from");
	if (v->entries > 2)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "visa.entries: want 0 (multiple), 1 or 2");
	if (v->duration_days > 3650)
		return tims_err_set(err, TIMS_ERR_INVALID, "visa.duration_days: at most 3650");
	out->kind = v->kind;
	out->entries = v->entries;
	out->days = v->duration_days;
	return TIMS_OK;
}
