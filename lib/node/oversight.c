/*
 * oversight.c — the rules against the insider (include/tims/oversight.h):
 * the settings of a post, whether a history read is justified, and the
 * hourly limits per officer that lib/http applies to every route flagged
 * TIMS_ROUTE_LIMITED (node_limit). The supervisor routes that rely on a
 * second person are in supervise.c.
 */
#include <jansson.h>

#include "internal.h"
#include "tims/approval.h"
#include "tims/oversight.h"
#include "tims/util.h"

/* The built-in list: etc/history-purposes.conf (a unit test keeps the two
 * the same). */
static const struct tims_purpose default_purposes[] = {
	{ "second-line", "second-line examination of a traveller at this post" },
	{ "investigation", "a criminal or immigration investigation (give the case reference)" },
	{ "supervisor-review", "a supervisor reviewing a decision taken at this post" },
	{ "data-subject-request", "answering the traveller's own request for their data "
				  "(GDPR Art. 15, LED Art. 14)" },
	{ "court-order", "an order of a court or prosecutor (give its reference)" },
	{ "risk-analysis", "analysis of travel patterns by an analyst (give the analysis reference)" },
};

void tims_oversight_config_init(struct tims_oversight_config *c)
{
	memset(c, 0, sizeof(*c));
	c->history_window_s = 30 * 60;
	c->checks_per_hour = 200;
	c->history_per_hour = 30;
	c->approval_ttl_s = 4 * 3600;
	c->paper_max_age_days = 30;
	c->npurposes = TIMS_ARRAY_SIZE(default_purposes);
	memcpy(c->purposes, default_purposes, sizeof(default_purposes));
}

/* The next "line" of text without comments and surrounding blanks. */
static int next_line(const char **p, const char *end, const char **s, size_t *len,
		     size_t *lineno)
{
	while (*p < end) {
		const char *a = *p, *e = memchr(a, '\n', (size_t)(end - a));

		if (!e)
			e = end;
		*p = e < end ? e + 1 : end;
		(*lineno)++;
		while (a < e && (*a == ' ' || *a == '\t'))
			a++;
		while (e > a && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (a == e || *a == '#')
			continue;
		*s = a;
		*len = (size_t)(e - a);
		return 1;
	}
	return 0;
}

tims_rc tims_oversight_config_parse(struct tims_oversight_config *c, const char *text,
				    size_t len, const char *path, struct tims_err *err)
{
	static const struct { const char *key; size_t off; uint32_t min, max, scale; } keys[] = {
		{ "history_window_min", offsetof(struct tims_oversight_config, history_window_s),
		  1, 24 * 60, 60 },
		{ "checks_per_hour", offsetof(struct tims_oversight_config, checks_per_hour),
		  1, 100000, 1 },
		{ "history_per_hour", offsetof(struct tims_oversight_config, history_per_hour),
		  1, 100000, 1 },
		{ "approval_ttl_min", offsetof(struct tims_oversight_config, approval_ttl_s),
		  1, 7 * 24 * 60, 60 },
		{ "paper_max_age_days", offsetof(struct tims_oversight_config, paper_max_age_days),
		  1, 366, 1 },
	};
	const char *p = text, *end = text + len, *s;
	size_t n, lineno = 0;

	while (next_line(&p, end, &s, &n, &lineno)) {
		const char *eq = memchr(s, '=', n);
		char key[32], val[32];
		size_t klen, k;
		uint64_t v;

		if (!eq)
			return tims_err_set(err, TIMS_ERR_INVALID, "%s: line %zu: want key = value",
					    path, lineno);
		klen = (size_t)(eq - s);
		while (klen && (s[klen - 1] == ' ' || s[klen - 1] == '\t'))
			klen--;
		eq++;
		while (eq < s + n && (*eq == ' ' || *eq == '\t'))
			eq++;
		if (klen >= sizeof(key) || (size_t)(s + n - eq) >= sizeof(val))
			return tims_err_set(err, TIMS_ERR_INVALID, "%s: line %zu: too long", path,
					    lineno);
		memcpy(key, s, klen);
		key[klen] = '\0';
		memcpy(val, eq, (size_t)(s + n - eq));
		val[s + n - eq] = '\0';
		for (k = 0; k < TIMS_ARRAY_SIZE(keys) && strcmp(keys[k].key, key); k++)
			;
		if (k == TIMS_ARRAY_SIZE(keys))
			return tims_err_set(err, TIMS_ERR_INVALID, "%s: line %zu: unknown key %s",
					    path, lineno, key);
		if (tims_parse_u64(val, keys[k].max, &v, key, err) || v < keys[k].min)
			return tims_err_set(err, TIMS_ERR_INVALID, "%s: line %zu: %s: %" PRIu32
					    " to %" PRIu32, path, lineno, key, keys[k].min,
					    keys[k].max);
		*(uint32_t *)(void *)((char *)c + keys[k].off) = (uint32_t)v * keys[k].scale;
	}
	return TIMS_OK;
}

tims_rc tims_oversight_purposes_parse(struct tims_oversight_config *c, const char *text,
				      size_t len, const char *path, struct tims_err *err)
{
	const char *p = text, *end = text + len, *s;
	size_t n, lineno = 0, count = 0;
	struct tims_purpose list[TIMS_PURPOSES_MAX];

	while (next_line(&p, end, &s, &n, &lineno)) {
		size_t k = 0, d;

		while (k < n && s[k] != ' ' && s[k] != '\t')
			k++;
		if (k == 0 || k > TIMS_PURPOSE_CODE_MAX)
			return tims_err_set(err, TIMS_ERR_INVALID, "%s: line %zu: a code of 1 to %d "
					    "characters first", path, lineno, TIMS_PURPOSE_CODE_MAX);
		for (size_t i = 0; i < k; i++)
			if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-')
				return tims_err_set(err, TIMS_ERR_INVALID, "%s: line %zu: code: "
						    "a-z, 0-9 and '-' only", path, lineno);
		for (d = k; d < n && (s[d] == ' ' || s[d] == '\t'); d++)
			;
		if (d == n || n - d >= sizeof(list[0].label))
			return tims_err_set(err, TIMS_ERR_INVALID, "%s: line %zu: a description of "
					    "1 to %zu bytes after the code", path, lineno,
					    sizeof(list[0].label) - 1);
		if (count == TIMS_PURPOSES_MAX)
			return tims_err_set(err, TIMS_ERR_INVALID, "%s: more than %d purposes", path,
					    TIMS_PURPOSES_MAX);
		memcpy(list[count].code, s, k);
		list[count].code[k] = '\0';
		memcpy(list[count].label, s + d, n - d);
		list[count].label[n - d] = '\0';
		for (size_t i = 0; i < count; i++)
			if (!strcmp(list[i].code, list[count].code))
				return tims_err_set(err, TIMS_ERR_INVALID, "%s: line %zu: %s twice",
						    path, lineno, list[count].code);
		count++;
	}
	if (!count)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: no purpose listed", path);
	memcpy(c->purposes, list, count * sizeof(list[0]));
	c->npurposes = count;
	return TIMS_OK;
}

static tims_rc load_one(const char *dir, const char *name, struct tims_oversight_config *c,
			tims_rc (*parse)(struct tims_oversight_config *, const char *, size_t,
					 const char *, struct tims_err *),
			struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(65536);
	char path[4200];
	tims_rc rc;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
	if (access(path, F_OK) != 0)
		return TIMS_OK;
	if (!(rc = tims_read_file(path, b.max, &b, err)))
		rc = parse(c, b.buf ? b.buf : "", b.len, path, err);
	tims_buf_release(&b);
	return rc;
}

tims_rc tims_oversight_load(const char *dir, struct tims_oversight_config *c,
			    struct tims_err *err)
{
	tims_rc rc;

	tims_oversight_config_init(c);
	if ((rc = load_one(dir, "oversight.conf", c, tims_oversight_config_parse, err)))
		return rc;
	return load_one(dir, "history-purposes.conf", c, tims_oversight_purposes_parse, err);
}

const struct tims_purpose *tims_oversight_purpose(const struct tims_oversight_config *c,
						  const char *code)
{
	for (size_t i = 0; code && i < c->npurposes; i++)
		if (!strcmp(c->purposes[i].code, code))
			return &c->purposes[i];
	return NULL;
}

tims_rc tims_oversight_crossing_justifies(const struct tims_oversight_config *c,
					  const struct tims_record *r, int erased,
					  const char *doc, const char *nat,
					  const char *officer, const char *booth,
					  int64_t now_ms, struct tims_err *err)
{
	if (erased)
		return tims_err_set(err, TIMS_ERR_DENIED, "crossing: the record was erased");
	if (strcmp(r->person.doc_number, doc) || (nat && strcmp(r->person.nationality, nat)))
		return tims_err_set(err, TIMS_ERR_DENIED,
				    "crossing: the record is of another document");
	if (strcmp(r->officer, officer) || strcmp(r->booth, booth))
		return tims_err_set(err, TIMS_ERR_DENIED, "crossing: registered by another officer "
				    "or at another booth, not in this session");
	if (now_ms - r->time_ms > (int64_t)c->history_window_s * 1000 || r->time_ms > now_ms + 60000)
		return tims_err_set(err, TIMS_ERR_DENIED, "crossing: registered more than %" PRIu32
				    " minutes ago", c->history_window_s / 60);
	return TIMS_OK;
}

int tims_oversight_person_differs(const struct tims_person *a, const struct tims_person *b,
				  const char **field)
{
#define SAME(f) do { if (strcmp(a->f, b->f)) { *field = "person." #f; return 1; } } while (0)
	SAME(doc_code);
	SAME(issuer);
	SAME(doc_number);
	SAME(surname);
	SAME(given_names);
	SAME(nationality);
	SAME(birth_date);
	SAME(sex);
	SAME(expiry);
#undef SAME
	*field = NULL;
	return 0;
}

/* --- the node: history justification ------------------------------------ */

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int node_history_justify(struct tims_node *n, struct tims_http_req *req, const char *doc,
			 const char *nat, struct node_purpose *out, struct tims_http_resp *resp)
{
	const char *cross = tims_http_query(req, "crossing");
	const char *code = tims_http_query(req, "purpose_code");
	const char *text = tims_http_query(req, "purpose");
	const struct tims_purpose *pp;
	struct tims_record *rec;
	struct tims_err err;
	uint64_t size = 0;
	int erased = 0;
	tims_rc rc;

	memset(out, 0, sizeof(*out));
	out->crossing = -1;
	if (cross) {
		uint64_t idx;

		if (code || text) {
			tims_http_reply_error(resp, 400, "bad_query", "give either crossing, or "
					      "purpose_code and purpose");
			return 400;
		}
		if (tims_parse_u64(cross, UINT64_MAX / 2, &idx, "crossing", &err)) {
			tims_http_reply_error(resp, 400, "bad_field", "%s", err.msg);
			return 400;
		}
		if (!(rec = malloc(sizeof(*rec))))
			return 500;
		pthread_mutex_lock(&n->lock);
		tims_post_size(n->post, &size, NULL);
		rc = idx < size ? tims_post_get(n->post, idx, rec, &erased, NULL, &err) : TIMS_ERR_NOTFOUND;
		pthread_mutex_unlock(&n->lock);
		if (rc == TIMS_ERR_NOTFOUND) {
			free(rec);
			tims_http_reply_error(resp, 400, "bad_field",
					      "crossing: no record %" PRIu64 " in this log", idx);
			return 400;
		}
		if (!rc)
			rc = tims_oversight_crossing_justifies(&n->ov, rec, erased, doc, nat,
							       req->who.id, req->who.booth, wall_ms(),
							       &err);
		free(rec);
		if (rc == TIMS_ERR_DENIED) {
			tims_http_reply_error(resp, 403, "not_justified", "%s; state a purpose_code "
					      "and a purpose instead", err.msg);
			return 403;
		}
		if (rc)
			return 500;
		out->crossing = (int64_t)idx;
		snprintf(out->text, sizeof(out->text), "crossing %" PRIu64, idx);
		return 0;
	}
	if (!code || !text) {
		tims_http_reply_error(resp, 400, "purpose_required",
			"purpose_code and purpose: state why you need this history (a code of "
			"GET /api/v1/purposes and a text), or give the crossing of this session "
			"it serves");
		return 400;
	}
	if (!(pp = tims_oversight_purpose(&n->ov, code))) {
		tims_http_reply_error(resp, 400, "bad_purpose", "purpose_code: not one of this "
				      "post's purposes (GET /api/v1/purposes)");
		return 400;
	}
	if (strlen(text) < TIMS_PURPOSE_TEXT_MIN || strlen(text) > TIMS_PURPOSE_TEXT_MAX) {
		tims_http_reply_error(resp, 400, "bad_field", "purpose: %d to %d characters saying "
				      "why (a case or request reference)", TIMS_PURPOSE_TEXT_MIN,
				      TIMS_PURPOSE_TEXT_MAX);
		return 400;
	}
	snprintf(out->text, sizeof(out->text), "%s: %s", pp->code, text);
	return 0;
}

tims_rc node_h_purposes(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct tims_node *n = app;
	json_t *arr = json_array();

	(void)req;
	for (size_t i = 0; arr && i < n->ov.npurposes; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s}", "code", n->ov.purposes[i].code,
						     "description", n->ov.purposes[i].label));
	return tims_http_reply_json(resp, 200, json_pack("{s:o, s:i, s:i}", "purposes", arr,
		"text_min", TIMS_PURPOSE_TEXT_MIN, "text_max", TIMS_PURPOSE_TEXT_MAX));
}

/* --- the node: usage limits ---------------------------------------------- */

int node_limit(void *app, const struct tims_http_route *route, struct tims_http_req *req,
	       struct tims_http_resp *resp)
{
	struct tims_node *n = app;
	int history = route->fn == node_h_history;
	const char *kind = history ? "history" : "check";
	uint64_t limit = history ? n->ov.history_per_hour : n->ov.checks_per_hour, used = 0;
	struct tims_err err;
	int admitted = 0;
	tims_rc rc;

	pthread_mutex_lock(&n->lock);
	rc = tims_approval_usage_take(n->post, req->who.id, kind, wall_ms(), 3600 * 1000, limit,
				      &admitted, &used, &err);
	if (rc) {
		pthread_mutex_unlock(&n->lock);
		node_log(n, "limit: %s", tims_err_msg(&err));
		/* Fail closed: a count that cannot be kept is not a free pass. */
		tims_http_reply_error(resp, 503, "limit_unavailable",
				      "the usage count could not be kept; nothing done");
		return 1;
	}
	if (admitted) {
		pthread_mutex_unlock(&n->lock);
		return 0;
	}
	/* Past the limit: refused, on the trail and to the centre. */
	if (node_audit(n, req, "limit.exceeded", "", -1, 429,
		       json_pack("{s:s, s:I}", "kind", kind, "limit", (json_int_t)limit),
		       json_pack("{s:I}", "used", (json_int_t)used)))
		node_log(n, "limit: the refusal of %s could not be audited", kind);
	node_raise_limit(n, req, kind, limit, used);
	pthread_mutex_unlock(&n->lock);
	resp->retry_after = 60;
	tims_http_reply_error(resp, 429, "limit_exceeded", "%s: the limit of %" PRIu64 " per hour "
			      "is reached for this officer; a supervisor has been alerted",
			      history ? "history reads" : "checks", limit);
	return 1;
}
