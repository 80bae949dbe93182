/*
 * metrics.c — the metrics registry and its text exposition
 * (see include/tims/metrics.h).
 */
#include "tims/metrics.h"
#include "tims/version.h"

const double tims_hist_bounds[TIMS_HIST_BUCKETS] = {
	0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0, -1,
};

void tims_metrics_init(struct tims_metrics *r)
{
	memset(r, 0, sizeof(*r));
}

struct tims_metric *tims_metric(struct tims_metrics *r, enum tims_metric_kind kind,
				const char *name, const char *help,
				const char *labels)
{
	unsigned n = atomic_load(&r->n);
	struct tims_metric *m;

	for (unsigned i = 0; i < n; i++)
		if (!strcmp(r->m[i].name, name) && !strcmp(r->m[i].labels, labels ? labels : ""))
			return &r->m[i];
	if (n >= TIMS_METRICS_MAX)
		return NULL;
	m = &r->m[n];
	m->name = name;
	m->help = help;
	m->labels = labels ? labels : "";
	m->kind = kind;
	atomic_store(&r->n, n + 1);
	return m;
}

void tims_metric_observe_us(struct tims_metric *m, uint64_t us)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i + 1 < TIMS_HIST_BUCKETS; i++)
		if ((double)us <= tims_hist_bounds[i] * 1e6)
			break;
	atomic_fetch_add_explicit(&m->buckets[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->sum_us, us, memory_order_relaxed);
}

static tims_rc render_hist(const struct tims_metric *m, struct tims_buf *out)
{
	uint64_t cum = 0;
	const char *sep = m->labels[0] ? "," : "";
	tims_rc rc = TIMS_OK;

	for (size_t i = 0; i < TIMS_HIST_BUCKETS && !rc; i++) {
		cum += atomic_load_explicit(&m->buckets[i], memory_order_relaxed);
		if (tims_hist_bounds[i] < 0)
			rc = tims_buf_addf(out, "%s_bucket{%s%sle=\"+Inf\"} %" PRIu64 "\n",
					   m->name, m->labels, sep, cum);
		else
			rc = tims_buf_addf(out, "%s_bucket{%s%sle=\"%g\"} %" PRIu64 "\n",
					   m->name, m->labels, sep, tims_hist_bounds[i], cum);
	}
	if (!rc)
		rc = tims_buf_addf(out, "%s_sum%s%s%s %.6f\n%s_count%s%s%s %" PRIu64 "\n",
				   m->name, m->labels[0] ? "{" : "", m->labels,
				   m->labels[0] ? "}" : "",
				   (double)atomic_load(&m->sum_us) / 1e6, m->name,
				   m->labels[0] ? "{" : "", m->labels, m->labels[0] ? "}" : "",
				   atomic_load(&m->count));
	return rc;
}

tims_rc tims_metrics_render(struct tims_metrics *r, struct tims_buf *out)
{
	unsigned n = atomic_load(&r->n);
	tims_rc rc = TIMS_OK;

	for (unsigned i = 0; i < n && !rc; i++) {
		const struct tims_metric *m = &r->m[i];
		int first = 1;

		/* HELP and TYPE once per metric name, before its first series. */
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(r->m[j].name, m->name))
				first = 0;
		if (first)
			rc = tims_metrics_family(out, m->name, m->help, m->kind);
		if (rc)
			break;
		if (m->kind == TIMS_HISTOGRAM)
			rc = render_hist(m, out);
		else
			rc = tims_buf_addf(out, "%s%s%s%s %" PRId64 "\n", m->name,
					   m->labels[0] ? "{" : "", m->labels,
					   m->labels[0] ? "}" : "", atomic_load(&m->value));
	}
	return rc;
}

/* ---- series labelled at scrape time ------------------------------------ */

void tims_metrics_labels_init(struct tims_metrics_labels *l)
{
	l->s[0] = '\0';
	l->len = 0;
	l->overflow = 0;
}

static void labels_put(struct tims_metrics_labels *l, const char *s, size_t n)
{
	if (l->overflow || n >= sizeof(l->s) - l->len) {
		l->overflow = 1;
		return;
	}
	memcpy(l->s + l->len, s, n);
	l->len += n;
	l->s[l->len] = '\0';
}

void tims_metrics_labels_add(struct tims_metrics_labels *l, const char *key,
			     const char *value)
{
	if (l->len)
		labels_put(l, ",", 1);
	labels_put(l, key, strlen(key));
	labels_put(l, "=\"", 2);
	for (const char *p = value ? value : ""; *p; p++) {
		if (*p == '\\')
			labels_put(l, "\\\\", 2);
		else if (*p == '"')
			labels_put(l, "\\\"", 2);
		else if (*p == '\n')
			labels_put(l, "\\n", 2);
		else
			labels_put(l, p, 1);
	}
	labels_put(l, "\"", 1);
}

tims_rc tims_metrics_family(struct tims_buf *out, const char *name, const char *help,
			    enum tims_metric_kind kind)
{
	tims_rc rc = tims_buf_addf(out, "# HELP %s ", name);

	/* HELP text: backslash and newline escaped */
	for (const char *p = help; !rc && *p; p++)
		rc = *p == '\\' ? tims_buf_addstr(out, "\\\\")
		   : *p == '\n' ? tims_buf_addstr(out, "\\n") : tims_buf_addch(out, *p);
	if (!rc)
		rc = tims_buf_addf(out, "\n# TYPE %s %s\n", name,
				   kind == TIMS_COUNTER ? "counter"
				   : kind == TIMS_GAUGE ? "gauge" : "histogram");
	return rc;
}

tims_rc tims_metrics_sample(struct tims_buf *out, const char *name,
			    const struct tims_metrics_labels *labels, double value)
{
	int has = labels && labels->len;

	if (labels && labels->overflow)
		return TIMS_ERR_INVALID;
	if (value == (double)(int64_t)value && value > -9e15 && value < 9e15)
		return tims_buf_addf(out, "%s%s%s%s %" PRId64 "\n", name, has ? "{" : "",
				     has ? labels->s : "", has ? "}" : "", (int64_t)value);
	return tims_buf_addf(out, "%s%s%s%s %.6f\n", name, has ? "{" : "",
			     has ? labels->s : "", has ? "}" : "", value);
}

tims_rc tims_metrics_gauge1(struct tims_buf *out, const char *name, const char *help,
			    enum tims_metric_kind kind, double value)
{
	tims_rc rc = tims_metrics_family(out, name, help, kind);

	return rc ? rc : tims_metrics_sample(out, name, NULL, value);
}

tims_rc tims_metrics_build_info(struct tims_buf *out, const char *kind)
{
	struct tims_metrics_labels l;
	tims_rc rc = tims_metrics_family(out, "tims_build_info",
		"The program's version, its commit and the kind of node; always 1.", TIMS_GAUGE);

	const char *full = tims_version(), *p = strchr(full, '(');
	char rev[64] = "";

	/* "0.1.0 (678ebc9)": the commit in parentheses, when make baked one in */
	if (p && strlen(p + 1) < sizeof(rev)) {
		snprintf(rev, sizeof(rev), "%s", p + 1);
		rev[strcspn(rev, ")")] = '\0';
	}
	tims_metrics_labels_init(&l);
	tims_metrics_labels_add(&l, "version", TIMS_VERSION);
	tims_metrics_labels_add(&l, "revision", rev);
	tims_metrics_labels_add(&l, "kind", kind);
	return rc ? rc : tims_metrics_sample(out, "tims_build_info", &l, 1);
}
