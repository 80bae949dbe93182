/*
 * metrics.c — the metrics registry and its text exposition
 * (see include/tims/metrics.h).
 */
#include "tims/metrics.h"

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
			rc = tims_buf_addf(out, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help,
					   m->name, m->kind == TIMS_COUNTER ? "counter"
						    : m->kind == TIMS_GAUGE ? "gauge" : "histogram");
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
