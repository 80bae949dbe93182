/*
 * assess.c — one traveller's stay from all their crossings, whoever holds
 * them (see tims_stay_assess in include/tims/stay.h), and the list of
 * visa-required nationalities.
 *
 * The booth (its own log and its national replica) and the centre (its
 * store) both hand their crossings to tims_stay_assess: which crossings
 * count, which nationality chooses the regime and which visa applies are
 * decided here once, so that the booth's answer is the centre's.
 */
#include "tims/record.h"
#include "tims/stay.h"
#include "tims/util.h"

static const char *const visa_kinds[] = { "none", "short", "long", "residence" };

int tims_stay_visa_kind_parse(const char *name)
{
	for (size_t i = 0; name && i < TIMS_ARRAY_SIZE(visa_kinds); i++)
		if (!strcmp(visa_kinds[i], name))
			return (int)i;
	return -1;
}

const char *tims_stay_visa_kind_name(unsigned kind)
{
	return kind < TIMS_ARRAY_SIZE(visa_kinds) ? visa_kinds[kind] : "?";
}

tims_rc tims_stay_assess(const struct tims_stay_crossing *c, size_t n, const char *nat,
			 int64_t on, const struct tims_stay_regimes *rs,
			 const struct tims_stay_visa *visa, struct tims_stay_result *out,
			 struct tims_err *err)
{
	struct tims_stay_move *moves;
	const struct tims_stay_crossing *latest = NULL, *entry = NULL;
	char nationality[4] = "";
	size_t nm = 0;
	tims_rc rc;

	memset(out, 0, sizeof(*out));
	if (n > TIMS_STAY_MAX_MOVES)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "history: more than %d crossings",
				    TIMS_STAY_MAX_MOVES);
	if (!(moves = calloc(n ? n : 1, sizeof(*moves))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "stay: out of memory");
	for (size_t i = 0; i < n; i++) {
		/* Refused travellers did not enter; second line is pending;
		 * a corrected or erased record is stood for by its correction. */
		if (!c[i].counts)
			continue;
		moves[nm].day = tims_day_of_ms(c[i].at_ms);
		moves[nm].direction = c[i].direction;
		nm++;
		if (c[i].at_ms > on * 86400000 + 86399999)
			continue; /* after the day asked about */
		if (!latest || c[i].at_ms >= latest->at_ms)
			latest = &c[i];
		if (c[i].direction == TIMS_DIR_ENTRY && c[i].visa.kind != TIMS_STAY_VISA_NONE &&
		    (!entry || c[i].at_ms >= entry->at_ms))
			entry = &c[i];
	}
	if (nat && *nat)
		snprintf(nationality, sizeof(nationality), "%.3s", nat);
	else if (latest)
		snprintf(nationality, sizeof(nationality), "%.3s", latest->nationality);
	if (!visa && entry)
		visa = &entry->visa;
	rc = tims_stay_compute(moves, nm, on, tims_stay_regime_for(rs, nationality), visa, out,
			       err);
	free(moves);
	if (!rc)
		memcpy(out->nationality, nationality, sizeof(nationality));
	return rc;
}

/* ---- visa-required nationalities ---------------------------------------- */

tims_rc tims_stay_visa_list_parse(const char *text, size_t len, struct tims_stay_regimes *rs,
				  struct tims_err *err)
{
	size_t pos = 0, line = 0;

	while (pos < len) {
		size_t end = pos;

		while (end < len && text[end] != '\n')
			end++;
		line++;
		for (size_t i = pos; i < end;) {
			char code[4];
			size_t k = 0;

			if (text[i] == '#')
				break;
			if (text[i] == ' ' || text[i] == '\t' || text[i] == '\r') {
				i++;
				continue;
			}
			while (i < end && text[i] >= 'A' && text[i] <= 'Z' && k < 3)
				code[k++] = text[i++];
			if (!k || (i < end && text[i] != ' ' && text[i] != '\t' &&
				   text[i] != '\r' && text[i] != '#'))
				return tims_err_set(err, TIMS_ERR_INVALID,
						    "visa list: line %zu: want nationality codes "
						    "(1 to 3 letters A-Z)", line);
			code[k] = '\0';
			if (tims_stay_regime_for(rs, code) != &rs->def)
				continue; /* stay-regimes.conf gave it a regime */
			if (rs->n == TIMS_STAY_MAX_REGIMES)
				return tims_err_set(err, TIMS_ERR_TOOBIG,
						    "visa list: line %zu: more than %d regimes",
						    line, TIMS_STAY_MAX_REGIMES);
			memset(&rs->list[rs->n], 0, sizeof(rs->list[rs->n]));
			memcpy(rs->list[rs->n].nationality, code, k + 1);
			rs->list[rs->n].kind = TIMS_STAY_VISA;
			rs->list[rs->n].window_days = 180;
			rs->n++;
		}
		pos = end + 1;
	}
	return TIMS_OK;
}

tims_rc tims_stay_regimes_load_dir(const char *dir, struct tims_stay_regimes *rs,
				   struct tims_err *err)
{
	struct tims_buf path = TIMS_BUF_INIT(4096), text = TIMS_BUF_INIT(1 << 20);
	tims_rc rc;

	if (tims_buf_addf(&path, "%s/stay-regimes.conf", dir))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
	if ((rc = tims_stay_regimes_load(path.buf, rs, err)))
		goto out;
	tims_buf_reset(&path);
	if (tims_buf_addf(&path, "%s/visa-required.conf", dir)) {
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
		goto out;
	}
	if (access(path.buf, F_OK) != 0) {
		const char *def = tims_stay_visa_list_default();

		rc = tims_stay_visa_list_parse(def, strlen(def), rs, err);
		goto out;
	}
	if ((rc = tims_read_file(path.buf, 1 << 20, &text, err)))
		goto out;
	if ((rc = tims_stay_visa_list_parse(text.buf ? text.buf : "", text.len, rs, err)) && err) {
		char why[TIMS_ERR_MSG_BYTES];

		memcpy(why, err->msg, sizeof(why));
		rc = tims_err_set(err, rc, "%s: %s", path.buf, why);
	}
out:
	tims_buf_release(&path);
	tims_buf_release(&text);
	return rc;
}
