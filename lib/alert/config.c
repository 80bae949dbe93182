/*
 * config.c — the alert rules' configuration (tims/alert.h): the built-in
 * defaults, which etc/alert-rules.conf repeats, and its parser.
 *
 * One setting a line, "key value", '#' to the end of a line is a comment.
 * Keys are global (interval_s, utc_offset, max_officers, max_documents,
 * warm_events), per rule ("many-identities.floor", "<rule>.enabled",
 * "<rule>.severity", "<rule>.actions"), or "shift OFFICER|default
 * HH:MM-HH:MM". Every key and value is checked; the error names the line.
 * docs/alerts.md documents each key.
 */
#include <errno.h>
#include <limits.h>
#include <sodium.h>

#include "tims/alert.h"
#include "tims/buf.h"
#include "tims/util.h"

static void set_actions(struct tims_alert_config *c, unsigned rule, const char *const *a)
{
	c->rule[rule].nactions = 0;
	for (; *a && c->rule[rule].nactions < TIMS_ALERT_ACTIONS_MAX; a++)
		snprintf(c->rule[rule].actions[c->rule[rule].nactions++], 64, "%s", *a);
}

void tims_alert_config_init(struct tims_alert_config *c)
{
	static const char *const mi[] = { "check", "history", "cli.history", "national.history",
					  NULL };
	static const char *const nc[] = { "check", NULL };
	static const char *const os[] = { "check", "history", "cli.history", NULL };
	static const char *const rl[] = { "history", "cli.history", "national.history", NULL };
	static const char *const sl[] = { NULL };
	static const char *const bq[] = { "national.present", "national.overstays",
					  "national.person", "national.history", "export*", NULL };

	memset(c, 0, sizeof(*c));
	c->interval_s = 60;
	c->max_officers = 4096;
	c->max_documents = 65536;
	c->warm_events = 200000;
	for (unsigned r = 1; r <= TIMS_ALERT_RULE_MAX; r++) {
		c->rule[r].enabled = 1;
		c->rule[r].severity = TIMS_ALERT_SEVERE;
	}
	c->rule[TIMS_ALERT_NO_CROSSING].severity = TIMS_ALERT_NOTICE;
	set_actions(c, TIMS_ALERT_MANY_IDENTITIES, mi);
	set_actions(c, TIMS_ALERT_NO_CROSSING, nc);
	set_actions(c, TIMS_ALERT_OFF_SHIFT, os);
	set_actions(c, TIMS_ALERT_REPEATED_LOOKUP, rl);
	set_actions(c, TIMS_ALERT_SENSITIVE_LIST, sl);
	set_actions(c, TIMS_ALERT_BULK_QUERY, bq);
	c->mi_floor = 60;
	c->mi_minimum = 20;
	c->mi_factor = 3.0;
	c->mi_min_hours = 8;
	c->mi_learn_days = 7;
	c->mi_track_max = 1024;
	c->nc_window_s = 900; /* the booth's check lifetime (TIMS_BOOTH_LIFETIME_MS) */
	c->nc_threshold = 20;
	c->nc_track_max = 256;
	c->os_threshold = 1;
	c->rl_threshold = 3;
	c->rl_window_s = 86400;
	c->sl_threshold = 1;
	c->bq_threshold = 100;
}

/* "HH:MM" -> minutes */
static int hhmm(const char *s, size_t n, uint16_t *out)
{
	if (n != 5 || s[2] != ':')
		return -1;
	for (size_t i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return -1;
	unsigned h = (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
	unsigned m = (unsigned)(s[3] - '0') * 10 + (unsigned)(s[4] - '0');

	if (h > 24 || m > 59 || (h == 24 && m))
		return -1;
	*out = (uint16_t)((h * 60 + m) % 1440);
	return 0;
}

/* "12" or "2.5" (at most 3 decimals), 0 < x <= 1000 */
static int decimal(const char *s, double *out)
{
	double v = 0, scale = 1;
	int digits = 0, dot = 0, dec = 0;

	for (; *s; s++) {
		if (*s == '.' && !dot && digits) {
			dot = 1;
		} else if (*s >= '0' && *s <= '9') {
			if (dot) {
				if (++dec > 3)
					return -1;
				scale /= 10;
				v += (*s - '0') * scale;
			} else {
				if (++digits > 4)
					return -1;
				v = v * 10 + (*s - '0');
			}
		} else {
			return -1;
		}
	}
	if (!digits || (dot && !dec) || v <= 0 || v > 1000)
		return -1;
	*out = v;
	return 0;
}

static int word_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (!n || n >= max)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch <= ' ' || ch == ',' || ch == '#' || ch >= 0x7f)
			return 0;
	}
	return 1;
}

/* "a,b,c" into an array of words */
static int word_list(char *v, char (*out)[64], size_t max, size_t *n)
{
	char *p = v;

	*n = 0;
	if (!strcmp(v, "-")) /* the empty list */
		return 0;
	while (*p) {
		char *e = strchr(p, ',');

		if (e)
			*e = '\0';
		if (!word_ok(p, 64) || *n >= max)
			return -1;
		snprintf(out[(*n)++], 64, "%s", p);
		if (!e)
			break;
		p = e + 1;
		if (!*p)
			return -1;
	}
	return 0;
}

struct num_key {
	const char *key;
	size_t off;
	uint64_t min, max;
};

#define NK(k, f, lo, hi) { k, offsetof(struct tims_alert_config, f), lo, hi }
static const struct num_key nums[] = {
	NK("interval_s", interval_s, 1, 86400),
	NK("max_officers", max_officers, 16, 1000000),
	NK("max_documents", max_documents, 16, 10000000),
	NK("warm_events", warm_events, 0, 100000000),
	NK("many-identities.floor", mi_floor, 1, 1000000),
	NK("many-identities.minimum", mi_minimum, 1, 1000000),
	NK("many-identities.min_hours", mi_min_hours, 1, 10000),
	NK("many-identities.learn_days", mi_learn_days, 1, 31),
	NK("many-identities.track_max", mi_track_max, 16, 65536),
	NK("no-crossing.window_s", nc_window_s, 1, 86400),
	NK("no-crossing.threshold", nc_threshold, 1, 65536),
	NK("no-crossing.track_max", nc_track_max, 16, 65536),
	NK("off-shift.threshold", os_threshold, 1, 1000000),
	NK("repeated-lookup.threshold", rl_threshold, 2, 8),
	NK("repeated-lookup.window_s", rl_window_s, 60, 31 * 86400),
	NK("sensitive-list.threshold", sl_threshold, 1, 1000000),
	NK("bulk-query.threshold", bq_threshold, 1, 100000000),
};
#undef NK

static tims_rc setting(struct tims_alert_config *c, char *key, char *val, size_t lineno,
		       struct tims_err *err)
{
	char *dot;
	unsigned rule;

	for (size_t i = 0; i < TIMS_ARRAY_SIZE(nums); i++) {
		uint64_t v;

		if (strcmp(key, nums[i].key))
			continue;
		if (tims_parse_u64(val, nums[i].max, &v, key, NULL) || v < nums[i].min)
			return tims_err_set(err, TIMS_ERR_INVALID, "line %zu: %s: want %llu to %llu",
					    lineno, key, (unsigned long long)nums[i].min,
					    (unsigned long long)nums[i].max);
		*(uint64_t *)(void *)((char *)c + nums[i].off) = v;
		return TIMS_OK;
	}
	if (!strcmp(key, "utc_offset")) {
		uint16_t m;

		if (!strcmp(val, "local")) {
			c->utc_offset_set = 0;
			return TIMS_OK;
		}
		if ((val[0] != '+' && val[0] != '-') || hhmm(val + 1, strlen(val + 1), &m) ||
		    m > 14 * 60)
			return tims_err_set(err, TIMS_ERR_INVALID, "line %zu: utc_offset: want "
					    "local, or +HH:MM / -HH:MM (at most 14:00)", lineno);
		c->utc_offset_set = 1;
		c->utc_offset_min = val[0] == '-' ? -(int32_t)m : (int32_t)m;
		return TIMS_OK;
	}
	if (!strcmp(key, "many-identities.factor")) {
		if (decimal(val, &c->mi_factor))
			return tims_err_set(err, TIMS_ERR_INVALID, "line %zu: %s: want a number "
					    "above 0, at most 1000 (e.g. 3 or 2.5)", lineno, key);
		return TIMS_OK;
	}
	if (!strcmp(key, "sensitive-list.lists")) {
		if (word_list(val, c->lists, TIMS_ALERT_LISTS_MAX, &c->nlists))
			return tims_err_set(err, TIMS_ERR_INVALID, "line %zu: %s: want list names "
					    "separated by commas (at most %d), or -", lineno, key,
					    TIMS_ALERT_LISTS_MAX);
		return TIMS_OK;
	}
	if (!(dot = strchr(key, '.')))
		goto unknown;
	*dot = '\0';
	rule = tims_alert_rule_parse(key);
	*dot = '.';
	if (!rule)
		goto unknown;
	if (!strcmp(dot + 1, "enabled")) {
		if (strcmp(val, "yes") && strcmp(val, "no"))
			return tims_err_set(err, TIMS_ERR_INVALID, "line %zu: %s: want yes or no",
					    lineno, key);
		c->rule[rule].enabled = !strcmp(val, "yes");
		return TIMS_OK;
	}
	if (!strcmp(dot + 1, "severity")) {
		if (strcmp(val, "severe") && strcmp(val, "notice"))
			return tims_err_set(err, TIMS_ERR_INVALID, "line %zu: %s: want severe or "
					    "notice", lineno, key);
		c->rule[rule].severity = !strcmp(val, "severe") ? TIMS_ALERT_SEVERE :
								 TIMS_ALERT_NOTICE;
		return TIMS_OK;
	}
	if (!strcmp(dot + 1, "actions")) {
		if (word_list(val, c->rule[rule].actions, TIMS_ALERT_ACTIONS_MAX,
			      &c->rule[rule].nactions))
			return tims_err_set(err, TIMS_ERR_INVALID, "line %zu: %s: want audit "
					    "actions separated by commas (at most %d; a trailing * "
					    "matches a prefix), or -", lineno, key,
					    TIMS_ALERT_ACTIONS_MAX);
		return TIMS_OK;
	}
unknown:
	return tims_err_set(err, TIMS_ERR_INVALID, "line %zu: %s: unknown key (docs/alerts.md "
			    "lists them)", lineno, key);
}

static tims_rc shift_line(struct tims_alert_config *c, char *who, char *span, size_t lineno,
			  struct tims_err *err)
{
	struct tims_alert_shift s;
	char *dash = strchr(span, '-');

	memset(&s, 0, sizeof(s));
	if (!word_ok(who, sizeof(s.officer)))
		return tims_err_set(err, TIMS_ERR_INVALID, "line %zu: shift: want an officer's id "
				    "or default", lineno);
	if (!dash || hhmm(span, (size_t)(dash - span), &s.from_min) ||
	    hhmm(dash + 1, strlen(dash + 1), &s.to_min))
		return tims_err_set(err, TIMS_ERR_INVALID, "line %zu: shift %s: want HH:MM-HH:MM "
				    "(local time; 22:00-06:00 wraps past midnight)", lineno, who);
	if (!strcmp(who, "default")) {
		c->default_shift = 1;
		c->shifts[0] = s; /* officer "" */
		if (!c->nshifts)
			c->nshifts = 1;
		return TIMS_OK;
	}
	if (!c->nshifts)
		c->nshifts = 1; /* [0] is the default's place */
	for (size_t i = 1; i < c->nshifts; i++)
		if (!strcmp(c->shifts[i].officer, who))
			return tims_err_set(err, TIMS_ERR_INVALID, "line %zu: shift %s: given twice",
					    lineno, who);
	if (c->nshifts >= TIMS_ALERT_SHIFTS_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "line %zu: shift: at most %d officers",
				    lineno, TIMS_ALERT_SHIFTS_MAX - 1);
	snprintf(s.officer, sizeof(s.officer), "%s", who);
	c->shifts[c->nshifts++] = s;
	return TIMS_OK;
}

tims_rc tims_alert_config_parse(struct tims_alert_config *c, const char *text, size_t len,
				struct tims_err *err)
{
	const char *p = text, *end = text + len;
	size_t lineno = 0;

	if (len > TIMS_ALERT_CONF_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "alert-rules.conf: at most %u bytes",
				    TIMS_ALERT_CONF_MAX);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[512], *w[4], *s;
		size_t nw = 0;
		tims_rc rc;

		lineno++;
		if (n >= sizeof(line))
			return tims_err_set(err, TIMS_ERR_INVALID, "line %zu: longer than %zu bytes",
					    lineno, sizeof(line) - 1);
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl ? nl + 1 : end;
		if ((s = strchr(line, '#')))
			*s = '\0';
		for (size_t i = 0; i < n && line[i]; i++)
			if ((unsigned char)line[i] < ' ' && line[i] != '\t' && line[i] != '\r')
				return tims_err_set(err, TIMS_ERR_INVALID, "line %zu: a control "
						    "character", lineno);
		s = line;
		while (*s) {
			while (*s == ' ' || *s == '\t' || *s == '\r')
				*s++ = '\0';
			if (!*s)
				break;
			if (nw == 4)
				return tims_err_set(err, TIMS_ERR_INVALID, "line %zu: too many words "
						    "(want: key value)", lineno);
			w[nw++] = s;
			while (*s && *s != ' ' && *s != '\t' && *s != '\r')
				s++;
		}
		if (!nw)
			continue;
		if (!strcmp(w[0], "shift")) {
			if (nw != 3)
				return tims_err_set(err, TIMS_ERR_INVALID, "line %zu: want shift "
						    "OFFICER|default HH:MM-HH:MM", lineno);
			rc = shift_line(c, w[1], w[2], lineno, err);
		} else if (nw != 2) {
			return tims_err_set(err, TIMS_ERR_INVALID, "line %zu: %s: want one value",
					    lineno, w[0]);
		} else {
			rc = setting(c, w[0], w[1], lineno, err);
		}
		if (rc)
			return rc;
	}
	return TIMS_OK;
}

tims_rc tims_alert_config_load(const char *dir, struct tims_alert_config *c,
			       struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(TIMS_ALERT_CONF_MAX);
	char path[4096];
	struct tims_err e;
	tims_rc rc;

	tims_alert_config_init(c);
	if (snprintf(path, sizeof(path), "%s/alert-rules.conf", dir) >= (int)sizeof(path))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return TIMS_OK;
	if ((rc = tims_read_file(path, TIMS_ALERT_CONF_MAX, &b, err)))
		return rc;
	rc = tims_alert_config_parse(c, b.buf ? (const char *)b.buf : "", b.len, &e);
	tims_buf_release(&b);
	if (rc)
		return tims_err_set(err, rc, "%s: %s", path, e.msg);
	return TIMS_OK;
}

tims_rc tims_alert_key_load(const char *dir, uint8_t key[TIMS_ALERT_KEY_BYTES],
			    struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(TIMS_ALERT_KEY_BYTES);
	char path[4096];
	tims_rc rc;

	if (snprintf(path, sizeof(path), "%s/alert.key", dir) >= (int)sizeof(path))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
	if (access(path, F_OK) != 0 && errno == ENOENT) {
		randombytes_buf(key, TIMS_ALERT_KEY_BYTES);
		return tims_write_file(path, key, TIMS_ALERT_KEY_BYTES, 0600, 0, err);
	}
	if ((rc = tims_read_file(path, TIMS_ALERT_KEY_BYTES, &b, err)))
		return rc;
	if (b.len != TIMS_ALERT_KEY_BYTES)
		rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: want %d bytes", path,
				  TIMS_ALERT_KEY_BYTES);
	else
		memcpy(key, b.buf, TIMS_ALERT_KEY_BYTES);
	if (b.buf)
		sodium_memzero(b.buf, b.alloc);
	tims_buf_release(&b);
	return rc;
}
