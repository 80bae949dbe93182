/*
 * oversight.c — the rules against the insider (include/tims/oversight.h):
 * the settings of a post, whether a history read is justified, and the
 * hourly limits per officer that lib/http applies to every route flagged
 * TIMS_ROUTE_LIMITED (node_limit). The supervisor routes that rely on a
 * second person are in supervise.c.
 */
#include <jansson.h>

#include "internal.h"
#include "tims/booth.h"
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
		  1, 10000000, 1 },
		{ "history_per_hour", offsetof(struct tims_oversight_config, history_per_hour),
		  1, 10000000, 1 },
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

/*
 * A history read refused for want of a justification is on the trail too
 * ("history.refused"): a probe of other travellers' histories is seen by
 * the auditors and counts against the officer's limit after a restart.
 * Returns the status (resp filled), or 500 if the event was not stored.
 */
__attribute__((format(printf, 8, 9)))
static int refuse(struct tims_node *n, struct tims_http_req *req, struct tims_http_resp *resp,
		  json_t *query, int64_t crossing, int status, const char *code,
		  const char *fmt, ...)
{
	char msg[TIMS_ERR_MSG_BYTES + 128];
	va_list ap;
	tims_rc rc;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&n->lock);
	rc = node_audit(n, req, "history.refused", "", crossing, status, query,
			json_pack("{s:s}", "reason", msg));
	pthread_mutex_unlock(&n->lock);
	if (rc) {
		node_no_trace(resp, rc);
		return 500;
	}
	tims_http_reply_error(resp, status, code, "%s", msg);
	return status;
}

static int stated_purpose(struct tims_node *n, struct tims_http_req *req, json_t *query,
			  const char *code, const char *text, const char *otherwise,
			  struct node_purpose *out, struct tims_http_resp *resp);

int node_history_justify(struct tims_node *n, struct tims_http_req *req, const char *doc,
			 const char *nat, struct node_purpose *out, struct tims_http_resp *resp)
{
	const char *cross = tims_http_query(req, "crossing");
	const char *code = tims_http_query(req, "purpose_code");
	const char *text = tims_http_query(req, "purpose");
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
		if (rc == TIMS_ERR_DENIED)
			return refuse(n, req, resp, json_pack("{s:s}", "document", doc),
				      (int64_t)idx, 403, "not_justified", "%s; state a "
				      "purpose_code and a purpose instead", err.msg);
		if (rc == TIMS_ERR_UNAVAILABLE) { /* the crossing is sealed, the token out */
			tims_http_reply_error(resp, 503, "token_unavailable",
					      "history cannot be read now: %s", err.msg);
			return 503;
		}
		if (rc)
			return 500;
		out->crossing = (int64_t)idx;
		snprintf(out->text, sizeof(out->text), "crossing %" PRIu64, idx);
		return 0;
	}
	return stated_purpose(n, req, json_pack("{s:s}", "document", doc), code, text,
			      "or give the crossing of this session it serves", out, resp);
}

/* A listed purpose code and a statement, or a refusal on the trail
 * ("history.refused", with query: taken). */
static int stated_purpose(struct tims_node *n, struct tims_http_req *req, json_t *query,
			  const char *code, const char *text, const char *otherwise,
			  struct node_purpose *out, struct tims_http_resp *resp)
{
	const struct tims_purpose *pp;

	if (!code || !text)
		return refuse(n, req, resp, query, -1, 400, "purpose_required",
			"purpose_code and purpose: state why you need this history (a code of "
			"GET /api/v1/purposes and a text)%s%s", *otherwise ? ", " : "", otherwise);
	if (!(pp = tims_oversight_purpose(&n->ov, code)))
		return refuse(n, req, resp, query, -1, 400, "bad_purpose", "purpose_code: not one of "
			      "this post's purposes (GET /api/v1/purposes)");
	json_decref(query);
	if (strlen(text) < TIMS_PURPOSE_TEXT_MIN || strlen(text) > TIMS_PURPOSE_TEXT_MAX) {
		tims_http_reply_error(resp, 400, "bad_field", "purpose: %d to %d characters saying "
				      "why (a case or request reference)", TIMS_PURPOSE_TEXT_MIN,
				      TIMS_PURPOSE_TEXT_MAX);
		return 400;
	}
	snprintf(out->text, sizeof(out->text), "%s: %s", pp->code, text);
	return 0;
}

int node_search_justify(struct tims_node *n, struct tims_http_req *req, json_t *query,
			struct node_purpose *out, struct tims_http_resp *resp)
{
	memset(out, 0, sizeof(out[0]));
	out->crossing = -1; /* a crossing justifies its own document, not a search */
	return stated_purpose(n, req, query,
			      json_string_value(json_object_get(req->json, "purpose_code")),
			      json_string_value(json_object_get(req->json, "purpose")), "", out, resp);
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

/* GET /api/v1/refusal-reasons: the post's configured refusal codes
 * (booth.conf's refusal_codes, default Annex V Part B A-J), the list the
 * server checks a refusal against, for the booth to offer. */
tims_rc node_h_refusal_reasons(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	struct tims_node *n = app;
	const struct tims_booth_config *c = tims_booth_config(n->booth);
	json_t *arr = json_array();

	(void)req;
	for (size_t i = 0; arr && i < c->ncodes; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s}", "code", c->codes[i].code,
						     "text", c->codes[i].text));
	return tims_http_reply_json(resp, 200, json_pack("{s:o}", "reasons", arr));
}

/* --- the node: usage limits ---------------------------------------------- */

/*
 * Uses per officer in one-minute slots over the last hour, in memory, and
 * rebuilt at start from the audit trail (node_usage_load): every use a
 * limit counts leaves an audit event before its answer ("check",
 * "history", "history.refused", "history.search"), so the count survives a restart or a crash
 * of the node without a write of its own — and without a new way for a
 * full or failing disk to stop the booths.
 */
#define USAGE_SLOTS 60
#define USAGE_OFFICERS_MAX 65536

enum { USE_CHECK = 0, USE_HISTORY = 1 };

struct node_usage {
	char officer[TIMS_PRINCIPAL_ID_MAX + 1];
	int64_t minute[USAGE_SLOTS];
	uint32_t n[2][USAGE_SLOTS];
};

struct node_usage_table {
	size_t len, cap;
	struct node_usage *v;
};

static struct node_usage *usage_of(struct tims_node *n, const char *officer)
{
	struct node_usage_table *t = n->usage;
	struct node_usage *v;

	if (!t && !(t = n->usage = calloc(1, sizeof(*t))))
		return NULL;
	for (size_t i = 0; i < t->len; i++)
		if (!strcmp(t->v[i].officer, officer))
			return &t->v[i];
	if (t->len == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;

		if (cap > USAGE_OFFICERS_MAX || !(v = realloc(t->v, cap * sizeof(*v))))
			return NULL;
		t->v = v;
		t->cap = cap;
	}
	v = &t->v[t->len++];
	memset(v, 0, sizeof(*v));
	for (size_t i = 0; i < USAGE_SLOTS; i++)
		v->minute[i] = INT64_MIN;
	snprintf(v->officer, sizeof(v->officer), "%s", officer);
	return v;
}

static uint64_t usage_sum(const struct node_usage *u, int kind, int64_t minute)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < USAGE_SLOTS; i++)
		if (u->minute[i] > minute - USAGE_SLOTS && u->minute[i] <= minute)
			sum += u->n[kind][i];
	return sum;
}

static void usage_add(struct node_usage *u, int kind, int64_t minute)
{
	size_t slot = (size_t)(((minute % USAGE_SLOTS) + USAGE_SLOTS) % USAGE_SLOTS);

	if (u->minute[slot] != minute) {
		if (u->minute[slot] > minute)
			return; /* older than what the slot holds: out of the window */
		u->minute[slot] = minute;
		u->n[0][slot] = u->n[1][slot] = 0;
	}
	u->n[kind][slot]++;
}

void node_usage_free(struct tims_node *n)
{
	if (n->usage)
		free(n->usage->v);
	free(n->usage);
	n->usage = NULL;
}

struct usage_scan {
	struct tims_node *n;
	int64_t since, t;
	int found;
	uint64_t counted;
};

static tims_rc time_at(void *ctx, uint64_t index, const struct tims_audit_event *ev)
{
	struct usage_scan *c = ctx;

	(void)index;
	c->found = 1;
	c->t = ev->time_ms;
	return TIMS_OK;
}

static tims_rc count_one(void *ctx, uint64_t index, const struct tims_audit_event *ev)
{
	struct usage_scan *c = ctx;
	struct node_usage *u;
	int kind;

	(void)index;
	if (ev->time_ms < c->since)
		return TIMS_OK;
	if (!strcmp(ev->action, "check"))
		kind = USE_CHECK;
	else if (!strcmp(ev->action, "history") || !strcmp(ev->action, "history.refused") ||
		 !strcmp(ev->action, "history.search"))
		kind = USE_HISTORY;
	else
		return TIMS_OK;
	if (!(u = usage_of(c->n, ev->actor)))
		return TIMS_ERR_NOMEM;
	usage_add(u, kind, ev->time_ms / 60000);
	c->counted++;
	return TIMS_OK;
}

/* The time of event i, or found = 0 past the end. */
static tims_rc probe(struct tims_node *n, uint64_t i, struct usage_scan *c, struct tims_err *err)
{
	c->found = 0;
	return tims_audit_list(n->audit, i, 1, time_at, c, err);
}

tims_rc node_usage_load(struct tims_node *n, struct tims_err *err)
{
	struct usage_scan c = { n, wall_ms() - 3600 * 1000, 0, 0, 0 };
	uint64_t lo = 0, hi = 1;
	tims_rc rc;

	/* The log's end (doubling), then its first event of the last hour:
	 * the audit trail's times never go back. */
	while (!(rc = probe(n, hi - 1, &c, err)) && c.found && c.t < c.since && hi < (UINT64_MAX >> 2))
		hi *= 2;
	if (rc == TIMS_ERR_UNAVAILABLE) {
		/* the events are sealed and the token is out: the last hour's
		 * uses cannot be counted; the limits count from now */
		node_log(n, "limits: the audit trail is sealed and the key token unavailable: "
			 "uses of the last hour not counted, limits count from now");
		return TIMS_OK;
	}
	if (rc)
		return rc;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if ((rc = probe(n, mid, &c, err)))
			return rc;
		if (c.found && c.t < c.since)
			lo = mid + 1;
		else
			hi = mid;
	}
	if ((rc = tims_audit_list(n->audit, lo, UINT64_MAX, count_one, &c, err)))
		return rc;
	if (c.counted)
		node_log(n, "limits: %" PRIu64 " checks and history reads of the last hour counted "
			 "from the audit trail", c.counted);
	return TIMS_OK;
}

int node_limit(void *app, const struct tims_http_route *route, struct tims_http_req *req,
	       struct tims_http_resp *resp)
{
	struct tims_node *n = app;
	/* a search by name reads histories: it counts as one */
	int history = route->fn == node_h_history || route->fn == node_h_history_search;
	const char *kind = history ? "history" : "check";
	uint64_t limit = history ? n->ov.history_per_hour : n->ov.checks_per_hour, used;
	int64_t minute = wall_ms() / 60000;
	struct node_usage *u;

	pthread_mutex_lock(&n->lock);
	if (!(u = usage_of(n, req->who.id))) {
		pthread_mutex_unlock(&n->lock);
		/* Fail closed: a count that cannot be kept is not a free pass. */
		tims_http_reply_error(resp, 503, "limit_unavailable",
				      "the usage count could not be kept; nothing done");
		return 1;
	}
	used = usage_sum(u, history ? USE_HISTORY : USE_CHECK, minute);
	if (used < limit) {
		usage_add(u, history ? USE_HISTORY : USE_CHECK, minute);
		pthread_mutex_unlock(&n->lock);
		return 0;
	}
	/* Past the limit: refused, on the trail and to the centre. */
	if (node_audit(n, req, "limit.exceeded", "", -1, 429,
		       json_pack("{s:s, s:I}", "kind", kind, "limit", (json_int_t)limit),
		       json_pack("{s:I}", "used", (json_int_t)used)))
		node_logl(n, TIMS_LOG_WARNING, "limit: the refusal of %s could not be audited", kind);
	node_raise_limit(n, req, kind, limit, used);
	pthread_mutex_unlock(&n->lock);
	resp->retry_after = 60;
	tims_http_reply_error_params(resp, 429, "limit_exceeded",
			      json_pack("{s:s, s:I}", "what", history ? "history" : "checks",
					"limit", (json_int_t)limit),
			      "%s: the limit of %" PRIu64 " per hour "
			      "is reached for this officer; a supervisor has been alerted",
			      history ? "history reads" : "checks", limit);
	return 1;
}
