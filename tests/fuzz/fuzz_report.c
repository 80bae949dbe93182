/*
 * fuzz_report.c — the reports' parameters (tims/cstore.h, "statistics"):
 * the groupings' list, the table and period names and the query's check,
 * on arbitrary bytes, as GET /api/v1/reports/table hands them over.
 *
 * Input: lines "by", "table", "period", then two 32-bit day numbers.
 * Beyond "no crash, no leak, no undefined behaviour" it checks what the
 * route relies on: a grouping list is either taken, with only known bits,
 * each named back in the list, or refused with a message that starts
 * "by: " and leaves no bit; a query is taken only within its bounds, or
 * refused with a message naming one of its fields.
 */
#include <stdlib.h>
#include <string.h>

#include "tims/cstore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *line(const uint8_t **p, size_t *n)
{
	const uint8_t *nl = memchr(*p, '\n', *n);
	size_t len = nl ? (size_t)(nl - *p) : *n;
	char *s = malloc(len + 1);

	if (!s)
		abort();
	memcpy(s, *p, len);
	s[len] = '\0';
	*p += len + (nl != NULL);
	*n -= len + (nl != NULL);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	size_t n = size;
	char *by_s = line(&p, &n), *table = line(&p, &n), *period = line(&p, &n);
	struct tims_report_query q;
	struct tims_err err;
	unsigned by = 0;
	int32_t days[2] = { 0, 0 };
	tims_rc rc;

	memset(&q, 0, sizeof(q));
	if (n >= sizeof(days))
		memcpy(days, p, sizeof(days));
	rc = tims_report_by_parse(by_s, &by, &err);
	if (rc == TIMS_OK) {
		if (by & ~(unsigned)TIMS_REPORT_BY_ALL)
			abort();
		for (unsigned b = 1; b <= TIMS_REPORT_BY_ALL; b <<= 1)
			if ((by & b) && !strstr(by_s, tims_report_by_name(b)))
				abort();
		if (*by_s && !by) /* only "" is no grouping */
			abort();
	} else if (rc != TIMS_ERR_INVALID || by || strncmp(err.msg, "by: ", 4)) {
		abort();
	}
	q.table = (enum tims_report_table)tims_report_table_parse(table);
	q.period = (enum tims_report_period)tims_report_period_parse(period);
	q.by = by;
	q.from_day = days[0];
	q.to_day = days[1];
	rc = tims_report_check(&q, &err);
	if (rc == TIMS_OK) {
		if ((int)q.table < 0 || (int)q.period < 0 || q.from_day < 0 || q.from_day > q.to_day ||
		    q.to_day - q.from_day >= TIMS_REPORT_MAX_DAYS ||
		    (q.period == TIMS_REPORT_DAY && q.to_day - q.from_day >= TIMS_REPORT_MAX_DAILY))
			abort();
		if (strcmp(tims_report_table_name(q.table), table) ||
		    strcmp(tims_report_period_name(q.period), period))
			abort();
	} else if (rc != TIMS_ERR_INVALID ||
		   (strncmp(err.msg, "table: ", 7) && strncmp(err.msg, "period: ", 8) &&
		    strncmp(err.msg, "by: ", 4) && strncmp(err.msg, "from: ", 6) &&
		    strncmp(err.msg, "to: ", 4))) {
		abort();
	}
	free(by_s);
	free(table);
	free(period);
	return 0;
}
