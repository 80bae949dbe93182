/*
 * policy.c — the retention periods (include/tims/retention.h): defaults
 * from Reg. (EU) 2017/2226, the strict parser of DIR/retention.conf,
 * calendar arithmetic, and the plan that decides, from clear facts only
 * (time, direction, decision, corrections, a document key), when each
 * crossing of a log may go.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tims/buf.h"
#include "tims/record.h"
#include "tims/retention.h"
#include "tims/util.h"

#define DAY_MS 86400000LL
#define MAX_YEARS 100u
#define MAX_MS (MAX_YEARS * 366LL * DAY_MS)

static const char *const kind_names[TIMS_RETENTION_KINDS] = {
	[TIMS_RETENTION_EXIT] = "crossing.exit",
	[TIMS_RETENTION_REFUSAL] = "crossing.refusal",
	[TIMS_RETENTION_ENTRY] = "crossing.entry",
	[TIMS_RETENTION_OVERSTAY] = "crossing.overstay",
	[TIMS_RETENTION_AUDIT] = "audit.linked",
	[TIMS_RETENTION_AUDIT_OTHER] = "audit.unlinked",
	[TIMS_RETENTION_API] = "api.after_arrival",
};

const char *tims_retention_kind_name(unsigned kind)
{
	return kind < TIMS_RETENTION_KINDS ? kind_names[kind] : NULL;
}

void tims_retention_policy_default(struct tims_retention_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->keep[TIMS_RETENTION_EXIT].years = 3;       /* Art. 34(1) */
	p->keep[TIMS_RETENTION_REFUSAL].years = 3;    /* Art. 34(1) */
	p->keep[TIMS_RETENTION_ENTRY].years = 3;      /* Art. 34(1), after the exit */
	p->keep[TIMS_RETENTION_OVERSTAY].years = 5;   /* Art. 34(3) */
	p->keep[TIMS_RETENTION_AUDIT].years = 1;      /* Art. 46(4) */
	p->keep[TIMS_RETENTION_AUDIT_OTHER].years = 4; /* 3 + 1: docs/retention.md */
	p->keep[TIMS_RETENTION_API].ms = 48 * 3600000LL; /* after arrival: docs/paxlst.md */
	p->interval_ms = DAY_MS;
	p->clock_margin_ms = 7 * DAY_MS;
}

/* "3y", "90d", "12h", "30m", "45s" */
static int parse_period(const char *s, size_t n, struct tims_retention_period *out,
			const char **why)
{
	uint64_t v = 0;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	while (i < n && s[i] >= '0' && s[i] <= '9') {
		if (v > 100000000) {
			*why = "too large";
			return -1;
		}
		v = v * 10 + (uint64_t)(s[i] - '0');
		i++;
	}
	if (i == 0 || i + 1 != n) {
		*why = "want a number and a unit (s, m, h, d or y), e.g. 3y or 90d";
		return -1;
	}
	if (v == 0) {
		*why = "must not be zero";
		return -1;
	}
	switch (s[i]) {
	case 'y':
		if (v > MAX_YEARS) {
			*why = "more than 100 years";
			return -1;
		}
		out->years = (unsigned)v;
		return 0;
	case 'd': out->ms = (int64_t)v * DAY_MS; break;
	case 'h': out->ms = (int64_t)v * 3600000; break;
	case 'm': out->ms = (int64_t)v * 60000; break;
	case 's': out->ms = (int64_t)v * 1000; break;
	default:
		*why = "unknown unit, want s, m, h, d or y";
		return -1;
	}
	if (out->ms > MAX_MS) {
		*why = "more than 100 years";
		return -1;
	}
	return 0;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

tims_rc tims_retention_policy_parse(const char *text, size_t len, const char *name,
				    struct tims_retention_policy *p, struct tims_err *err)
{
	struct tims_retention_policy q;
	int seen[TIMS_RETENTION_KINDS + 2] = { 0 };
	size_t pos = 0;
	unsigned line = 0;

	if (len > TIMS_RETENTION_CONF_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: more than %d bytes", name,
				    TIMS_RETENTION_CONF_MAX);
	tims_retention_policy_default(&q);
	while (pos < len) {
		const char *l = text + pos, *nl = memchr(l, '\n', len - pos), *eq, *k, *v;
		size_t ll = nl ? (size_t)(nl - l) : len - pos, kl, vl;
		struct tims_retention_period per;
		const char *why = NULL;
		int slot = -1;

		pos += ll + (nl ? 1 : 0);
		line++;
		if (memchr(l, '\0', ll))
			return tims_err_set(err, TIMS_ERR_INVALID, "%s:%u: a NUL byte", name, line);
		while (ll && is_space(l[ll - 1]))
			ll--;
		while (ll && is_space(*l))
			l++, ll--;
		if (!ll || *l == '#')
			continue;
		if (!(eq = memchr(l, '=', ll)))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s:%u: want KEY = PERIOD", name, line);
		k = l;
		kl = (size_t)(eq - l);
		while (kl && is_space(k[kl - 1]))
			kl--;
		v = eq + 1;
		vl = (size_t)(l + ll - v);
		while (vl && is_space(*v))
			v++, vl--;
		for (unsigned i = 0; i < TIMS_RETENTION_KINDS; i++)
			if (strlen(kind_names[i]) == kl && !memcmp(k, kind_names[i], kl))
				slot = (int)i;
		if (kl == 8 && !memcmp(k, "interval", 8))
			slot = TIMS_RETENTION_KINDS;
		if (kl == 12 && !memcmp(k, "clock_margin", 12))
			slot = TIMS_RETENTION_KINDS + 1;
		if (slot < 0)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s:%u: %.*s: unknown key (want a kind: crossing.exit,"
					    " crossing.refusal, crossing.entry, crossing.overstay,"
					    " audit.linked, audit.unlinked; or interval, clock_margin)",
					    name, line, (int)(kl > 64 ? 64 : kl), k);
		if (seen[slot]++)
			return tims_err_set(err, TIMS_ERR_INVALID, "%s:%u: %.*s: given twice",
					    name, line, (int)kl, k);
		if (parse_period(v, vl, &per, &why))
			return tims_err_set(err, TIMS_ERR_INVALID, "%s:%u: %.*s: '%.*s': %s",
					    name, line, (int)kl, k, (int)(vl > 32 ? 32 : vl), v,
					    why);
		if (slot < TIMS_RETENTION_KINDS) {
			q.keep[slot] = per;
			continue;
		}
		if (per.years)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s:%u: %.*s: want s, m, h or d, not years",
					    name, line, (int)kl, k);
		if (slot == TIMS_RETENTION_KINDS) {
			if (per.ms < 1000)
				return tims_err_set(err, TIMS_ERR_INVALID,
						    "%s:%u: interval: at least 1s", name, line);
			q.interval_ms = per.ms;
		} else {
			q.clock_margin_ms = per.ms;
		}
	}
	*p = q;
	return TIMS_OK;
}

tims_rc tims_retention_policy_load(const char *dir, struct tims_retention_policy *p,
				   struct tims_err *err)
{
	struct tims_buf text = TIMS_BUF_INIT(TIMS_RETENTION_CONF_MAX);
	char path[4200];
	tims_rc rc;

	if (snprintf(path, sizeof(path), "%s/%s", dir, TIMS_RETENTION_CONF) >= (int)sizeof(path))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
	if (access(path, F_OK) != 0) {
		if (errno != ENOENT)
			return tims_err_set(err, TIMS_ERR_IO, "%s: %s", path, strerror(errno));
		tims_retention_policy_default(p);
		return TIMS_OK;
	}
	rc = tims_read_file(path, TIMS_RETENTION_CONF_MAX, &text, err);
	if (!rc)
		rc = tims_retention_policy_parse(text.buf ? (const char *)text.buf : "", text.len,
						 path, p, err);
	tims_buf_release(&text);
	return rc;
}

/* ---- calendar arithmetic ---- */

static int64_t shift_years(int64_t t, int64_t years)
{
	int64_t day = tims_day_of_ms(t), ms = t - day * DAY_MS, y;
	unsigned m, d;

	tims_civil_from_days(day, &y, &m, &d);
	y += years;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) {
		/* 29 February in a common year: 1 March when adding (never
		 * earlier than the period), 28 February when subtracting */
		if (years > 0)
			m = 3, d = 1;
		else
			d = 28;
	}
	return tims_days_from_civil(y, m, d) * DAY_MS + ms;
}

int64_t tims_retention_add(int64_t t, const struct tims_retention_period *per)
{
	if (t > INT64_MAX / 2)
		return TIMS_RETENTION_NEVER;
	if (per->years)
		return shift_years(t, per->years);
	return t + per->ms;
}

int64_t tims_retention_sub(int64_t t, const struct tims_retention_period *per)
{
	if (per->years)
		return shift_years(t, -(int64_t)per->years);
	return t - per->ms;
}

int64_t tims_retention_audit_due(const struct tims_retention_policy *p, int64_t event_ms,
				 int64_t data_due_ms)
{
	if (data_due_ms < 0)
		return tims_retention_add(event_ms, &p->keep[TIMS_RETENTION_AUDIT_OTHER]);
	if (data_due_ms == TIMS_RETENTION_NEVER)
		return TIMS_RETENTION_NEVER;
	/* never before the event itself: an event after the data's time is
	 * kept a year after the later of the two */
	return tims_retention_add(data_due_ms > event_ms ? data_due_ms : event_ms,
				  &p->keep[TIMS_RETENTION_AUDIT]);
}

/* ---- the plan ---- */

static int by_idx(const void *a, const void *b)
{
	const struct tims_retention_crossing *x = a, *y = b;

	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Exits by key, then time: the first exit of a key at or after t. */
struct exit_ref {
	const char *key;
	int64_t when;
};

static int by_key_when(const void *a, const void *b)
{
	const struct exit_ref *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : (x->when < y->when ? -1 : x->when > y->when);
}

static struct tims_retention_crossing *find(struct tims_retention_crossing *c, size_t n,
					    uint64_t idx)
{
	struct tims_retention_crossing k = { .idx = idx };

	return bsearch(&k, c, n, sizeof(*c), by_idx);
}

static int counts(const struct tims_retention_crossing *s)
{
	return s->decision == TIMS_DECISION_ADMIT || s->decision == TIMS_DECISION_SECOND_LINE;
}

tims_rc tims_retention_plan(const struct tims_retention_policy *p,
			    struct tims_retention_crossing *c, size_t n,
			    tims_retention_exit_fn exit_of, void *ctx, struct tims_err *err)
{
	size_t *standing = NULL, nexits = 0;
	struct exit_ref *exits = NULL;

	if (n > ((size_t)1 << 28))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "retention: %zu crossings in one log", n);
	if (!n)
		return TIMS_OK;
	qsort(c, n, sizeof(*c), by_idx);
	if (!(standing = malloc(n * sizeof(*standing))) || !(exits = malloc(n * sizeof(*exits)))) {
		free(standing);
		return tims_err_set(err, TIMS_ERR_NOMEM, "retention: out of memory");
	}
	/*
	 * The standing version of each chain: a correction has a higher index
	 * than what it corrects, so walking from the top, a record's standing
	 * version is the standing version of its latest correction.
	 */
	for (size_t i = 0; i < n; i++)
		standing[i] = i;
	for (size_t i = n; i-- > 0;) {
		struct tims_retention_crossing *t;

		if (c[i].corrects == TIMS_RECORD_NO_INDEX || c[i].corrects >= c[i].idx ||
		    !(t = find(c, n, c[i].corrects)))
			continue;
		/* the latest correction wins: i is visited from the top, so the
		 * first one seen for a target is its latest */
		if (standing[t - c] == (size_t)(t - c))
			standing[t - c] = standing[i];
	}
	/* the exits that count: standing (nothing corrects them) and admitted */
	for (size_t i = 0; i < n; i++)
		if (standing[i] == i && c[i].direction == TIMS_DIR_EXIT && counts(&c[i]) &&
		    c[i].key[0])
			exits[nexits++] = (struct exit_ref){ c[i].key, c[i].when_ms };
	qsort(exits, nexits, sizeof(*exits), by_key_when);
	for (size_t i = 0; i < n; i++) {
		struct tims_retention_crossing *s = &c[i];

		s->exit_ms = 0;
		if (standing[i] != i)
			continue;
		if (!counts(s)) {
			s->kind = TIMS_RETENTION_REFUSAL;
			s->due_ms = tims_retention_add(s->when_ms, &p->keep[TIMS_RETENTION_REFUSAL]);
		} else if (s->direction == TIMS_DIR_EXIT) {
			s->kind = TIMS_RETENTION_EXIT;
			s->due_ms = tims_retention_add(s->when_ms, &p->keep[TIMS_RETENTION_EXIT]);
		} else {
			/* the first exit of the same key at or after the entry */
			size_t lo = 0, hi = nexits;

			while (s->key[0] && lo < hi) {
				size_t mid = lo + (hi - lo) / 2;
				int k = strcmp(exits[mid].key, s->key);

				if (k < 0 || (k == 0 && exits[mid].when < s->when_ms))
					lo = mid + 1;
				else
					hi = mid;
			}
			if (s->key[0] && lo < nexits && !strcmp(exits[lo].key, s->key))
				s->exit_ms = exits[lo].when;
			if (!s->exit_ms && exit_of) {
				int64_t e = exit_of(ctx, s);

				if (e >= s->when_ms && e > 0)
					s->exit_ms = e;
			}
			if (s->exit_ms) {
				s->kind = TIMS_RETENTION_ENTRY;
				s->due_ms = tims_retention_add(s->exit_ms,
							       &p->keep[TIMS_RETENTION_ENTRY]);
			} else {
				s->kind = TIMS_RETENTION_OVERSTAY;
				s->due_ms = tims_retention_add(s->when_ms,
							       &p->keep[TIMS_RETENTION_OVERSTAY]);
			}
		}
	}
	/* every version of a chain goes with its standing version */
	for (size_t i = 0; i < n; i++)
		if (standing[i] != i) {
			c[i].kind = c[standing[i]].kind;
			c[i].due_ms = c[standing[i]].due_ms;
			c[i].exit_ms = c[standing[i]].exit_ms;
		}
	free(standing);
	free(exits);
	return TIMS_OK;
}
