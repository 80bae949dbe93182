/*
 * metrics.h — counters, gauges and latency histograms for /metrics
 * (Prometheus text exposition format 0.0.4).
 *
 * No personal data may reach a metric: label values are fixed strings chosen
 * by the program (a route pattern such as "/api/v1/history/{document}", a
 * status class, a list name), never a request path or a field of a record.
 * The registry has a fixed capacity; updates are lock-free atomics, so the
 * hot path (one registration) costs a few nanoseconds.
 */
#ifndef TIMS_METRICS_H
#define TIMS_METRICS_H

#include <stdatomic.h>
#include <stdint.h>

#include "tims/buf.h"
#include "tims/err.h"

#define TIMS_METRICS_MAX 128
#define TIMS_HIST_BUCKETS 12

enum tims_metric_kind { TIMS_COUNTER = 1, TIMS_GAUGE, TIMS_HISTOGRAM };

struct tims_metric {
	const char *name;    /* tims_http_requests_total */
	const char *help;
	const char *labels;  /* 'route="/api/v1/cross",code="2xx"' or "" */
	enum tims_metric_kind kind;
	_Atomic int64_t value;                         /* counter, gauge */
	_Atomic uint64_t buckets[TIMS_HIST_BUCKETS];   /* histogram: non-cumulative */
	_Atomic uint64_t count;
	_Atomic uint64_t sum_us;
};

struct tims_metrics {
	struct tims_metric m[TIMS_METRICS_MAX];
	_Atomic unsigned n;
};

/* Upper bounds of the histogram buckets, in seconds (last is +Inf). */
extern const double tims_hist_bounds[TIMS_HIST_BUCKETS];

void tims_metrics_init(struct tims_metrics *r);

/*
 * Find or add a metric. Names and labels must be string literals or live as
 * long as the registry. Returns NULL when the registry is full. Registration
 * is meant for start-up (it is not safe against concurrent registration of
 * the same metric); updates are safe from any thread.
 */
struct tims_metric *tims_metric(struct tims_metrics *r, enum tims_metric_kind kind,
				const char *name, const char *help,
				const char *labels);

static inline void tims_metric_add(struct tims_metric *m, int64_t v)
{
	if (m)
		atomic_fetch_add_explicit(&m->value, v, memory_order_relaxed);
}

static inline void tims_metric_set(struct tims_metric *m, int64_t v)
{
	if (m)
		atomic_store_explicit(&m->value, v, memory_order_relaxed);
}

/* Record one observation of `us` microseconds. */
void tims_metric_observe_us(struct tims_metric *m, uint64_t us);

/* The whole registry in the Prometheus text format. */
tims_rc tims_metrics_render(struct tims_metrics *r, struct tims_buf *out);

/*
 * Series whose label values are only known at scrape time (a post's name,
 * a list's name, a witness's log origin: operator input). Write a family's
 * HELP and TYPE once (tims_metrics_family), then each of its series
 * (tims_metrics_sample); every series of a family must follow its header
 * before the next family starts.
 *
 * Labels are built with tims_metrics_labels_add, which escapes the value as
 * the exposition format says (backslash, double quote and newline; other
 * bytes as they are). A value that would not fit marks the set as
 * overflowed and tims_metrics_sample refuses it (TIMS_ERR_INVALID) rather
 * than writing a truncated label.
 */
#define TIMS_METRICS_LABELS_MAX 1024

struct tims_metrics_labels {
	char s[TIMS_METRICS_LABELS_MAX]; /* 'key="value",key2="value2"' */
	size_t len;
	int overflow;
};

void tims_metrics_labels_init(struct tims_metrics_labels *l);
void tims_metrics_labels_add(struct tims_metrics_labels *l, const char *key,
			     const char *value);
tims_rc tims_metrics_family(struct tims_buf *out, const char *name, const char *help,
			    enum tims_metric_kind kind);
/* name{labels} value; labels may be NULL. */
tims_rc tims_metrics_sample(struct tims_buf *out, const char *name,
			    const struct tims_metrics_labels *labels, double value);
/* The family and its one unlabelled series. */
tims_rc tims_metrics_gauge1(struct tims_buf *out, const char *name, const char *help,
			    enum tims_metric_kind kind, double value);
/* tims_build_info{version="0.1.0",revision="<git describe>",kind="post|centre|witness"} 1 */
tims_rc tims_metrics_build_info(struct tims_buf *out, const char *kind);

#endif
