/* test_metrics.c — the registry and its Prometheus text exposition. */
#include "t.h"
#include "tims/metrics.h"

int main(void)
{
	static struct tims_metrics r;
	struct tims_buf out = TIMS_BUF_INIT(1 << 16);
	struct tims_metric *ok, *bad, *lat, *g;

	tims_metrics_init(&r);
	ok = tims_metric(&r, TIMS_COUNTER, "tims_http_requests_total", "Requests answered.", "route=\"/api/v1/cross\",code=\"2xx\"");
	bad = tims_metric(&r, TIMS_COUNTER, "tims_http_requests_total", "Requests answered.", "route=\"/api/v1/cross\",code=\"4xx\"");
	lat = tims_metric(&r, TIMS_HISTOGRAM, "tims_register_seconds", "Time to register a crossing durably.", "");
	g = tims_metric(&r, TIMS_GAUGE, "tims_log_size", "Records in the post log.", "");
	T_OK(ok && bad && lat && g && ok != bad, "metrics: registered");
	T_OK(tims_metric(&r, TIMS_COUNTER, "tims_http_requests_total", "x", "route=\"/api/v1/cross\",code=\"2xx\"") == ok, "metrics: the same name and labels give the same metric");
	tims_metric_add(ok, 3);
	tims_metric_add(bad, 1);
	tims_metric_set(g, 42);
	tims_metric_observe_us(lat, 400);   /* <= 0.5 ms */
	tims_metric_observe_us(lat, 2500);  /* <= 3 ms */
	tims_metric_observe_us(lat, 5000000); /* +Inf */
	T_OK(tims_metrics_render(&r, &out) == TIMS_OK, "metrics: render");
	T_OK(strstr(out.buf, "# TYPE tims_http_requests_total counter\n") != NULL, "render: TYPE line");
	T_OK(strstr(out.buf, "tims_http_requests_total{route=\"/api/v1/cross\",code=\"2xx\"} 3\n") != NULL, "render: counter with labels");
	{
		const char *p = strstr(out.buf, "# HELP tims_http_requests_total");
		T_OK(p && !strstr(p + 1, "# HELP tims_http_requests_total"), "render: HELP once per name");
	}
	T_OK(strstr(out.buf, "tims_log_size 42\n") != NULL, "render: gauge");
	T_OK(strstr(out.buf, "tims_register_seconds_bucket{le=\"0.0005\"} 1\n") != NULL, "render: first bucket");
	T_OK(strstr(out.buf, "tims_register_seconds_bucket{le=\"0.003\"} 2\n") != NULL, "render: buckets are cumulative");
	T_OK(strstr(out.buf, "tims_register_seconds_bucket{le=\"+Inf\"} 3\n") != NULL, "render: +Inf holds every observation");
	T_OK(strstr(out.buf, "tims_register_seconds_count 3\n") != NULL, "render: count");
	T_OK(strstr(out.buf, "tims_register_seconds_sum 5.002900\n") != NULL, "render: sum in seconds");
	for (int i = 0; i < TIMS_METRICS_MAX; i++)
		tims_metric(&r, TIMS_COUNTER, "tims_filler_total", "x", i % 2 ? "a=\"1\"" : "a=\"2\"");
	{
		static char names[TIMS_METRICS_MAX][32];
		struct tims_metric *last = NULL;

		for (int i = 0; i < TIMS_METRICS_MAX; i++) {
			snprintf(names[i], sizeof(names[i]), "tims_m%d", i);
			last = tims_metric(&r, TIMS_GAUGE, names[i], "x", "");
		}
		T_OK(last == NULL, "metrics: a full registry refuses more, rather than overflowing");
	}
	{
		/* a post's name is operator input: escaped, never cut */
		struct tims_metrics_labels l;
		char big[TIMS_METRICS_LABELS_MAX];

		tims_buf_reset(&out);
		tims_metrics_labels_init(&l);
		tims_metrics_labels_add(&l, "post", "a\\b\"c\nd");
		tims_metrics_labels_add(&l, "origin", "bg.example/x");
		T_OK(tims_metrics_family(&out, "tims_x", "help with \\ and\nnewline", TIMS_GAUGE) == TIMS_OK &&
		     tims_metrics_sample(&out, "tims_x", &l, 2) == TIMS_OK &&
		     tims_metrics_sample(&out, "tims_x", NULL, 0.25) == TIMS_OK, "labels: rendered");
		T_OK(strstr(out.buf, "# HELP tims_x help with \\\\ and\\nnewline\n# TYPE tims_x gauge\n") != NULL,
		     "labels: HELP escapes backslash and newline");
		T_OK(strstr(out.buf, "tims_x{post=\"a\\\\b\\\"c\\nd\",origin=\"bg.example/x\"} 2\n") != NULL,
		     "labels: backslash, quote and newline escaped in a value");
		T_OK(strstr(out.buf, "\ntims_x 0.250000\n") != NULL, "labels: none, a fraction");
		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		tims_metrics_labels_init(&l);
		tims_metrics_labels_add(&l, "post", big);
		T_OK(l.overflow && tims_metrics_sample(&out, "tims_x", &l, 1) != TIMS_OK,
		     "labels: too long a value is refused, not cut");
		tims_buf_reset(&out);
		T_OK(tims_metrics_build_info(&out, "witness") == TIMS_OK &&
		     strstr(out.buf, "tims_build_info{version=\"") && strstr(out.buf, ",kind=\"witness\"} 1\n"),
		     "build info");
	}
	tims_buf_release(&out);
	return t_done();
}
