/*
 * metrics.c — the witness's GET /metrics (Prometheus text format 0.0.4):
 * what this process answered to add-checkpoint, per log, and what its
 * database holds per log (the latest cosigned size and when). Labels are
 * log origins (operator input: escaped by lib/metrics) and answer codes;
 * a witness holds no personal data.
 */
#include "internal.h"
#include "tims/metrics.h"

void witness_count(struct tims_witness *w, const char *origin, int status, tims_rc rc)
{
	struct witness_counts *c = &w->counts;
	struct witness_counted *l = NULL;
	int k;

	if (rc) {
		c->errors++;
		return;
	}
	switch (status) {
	case 200: k = WC_GIVEN; break;
	case 403: k = WC_UNTRUSTED; break;
	case 409: k = WC_CONFLICT; break;
	case 422: k = WC_INCONSISTENT; break;
	case 400: c->bad_request++; return;
	case 404: c->unknown_log++; return;
	default: k = WC_OTHER; break;
	}
	/* the log was found: origin is a registered one */
	for (size_t i = 0; i < c->nlog && !l; i++)
		if (!strcmp(c->log[i].origin, origin))
			l = &c->log[i];
	if (!l && c->nlog < WITNESS_COUNTED_MAX) {
		l = &c->log[c->nlog++];
		snprintf(l->origin, sizeof(l->origin), "%s", origin);
	}
	if (l)
		l->n[k]++;
	else
		c->other[k]++;
}

struct logs {
	struct tims_witness_log *v;
	size_t n, cap;
};

static tims_rc collect(void *ctx, const struct tims_witness_log *l)
{
	struct logs *x = ctx;

	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 16;
		struct tims_witness_log *v = realloc(x->v, cap * sizeof(*v));

		if (!v)
			return TIMS_ERR_NOMEM;
		x->v = v;
		x->cap = cap;
	}
	x->v[x->n++] = *l;
	return TIMS_OK;
}

static const char *const codes[WC_N] = {
	NULL, "untrusted_signature", "conflict", "inconsistent", "refused",
};

static tims_rc render(struct tims_buf *out, const struct witness_counts *c,
		      const struct logs *logs)
{
	struct tims_metrics_labels l;
	tims_rc rc;

	if ((rc = tims_metrics_build_info(out, "witness")) ||
	    (rc = tims_metrics_gauge1(out, "tims_witness_logs", "Logs this witness cosigns.",
				      TIMS_GAUGE, (double)logs->n)))
		return rc;
	/* the database's view, per log */
	if ((rc = tims_metrics_family(out, "tims_witness_cosigned_size",
			"The latest tree size this witness cosigned for the log (0: none yet).",
			TIMS_GAUGE)))
		return rc;
	for (size_t i = 0; i < logs->n && !rc; i++) {
		tims_metrics_labels_init(&l);
		tims_metrics_labels_add(&l, "log", logs->v[i].origin);
		rc = tims_metrics_sample(out, "tims_witness_cosigned_size", &l,
					 (double)logs->v[i].size);
	}
	if (!rc)
		rc = tims_metrics_family(out, "tims_witness_last_cosigned_timestamp_seconds",
			"When the log's latest cosignature was made, Unix time (0: never).",
			TIMS_GAUGE);
	for (size_t i = 0; i < logs->n && !rc; i++) {
		tims_metrics_labels_init(&l);
		tims_metrics_labels_add(&l, "log", logs->v[i].origin);
		rc = tims_metrics_sample(out, "tims_witness_last_cosigned_timestamp_seconds", &l,
					 (double)logs->v[i].cosigned_at);
	}
	/* this process's answers, per log */
	if (!rc)
		rc = tims_metrics_family(out, "tims_witness_cosignatures_total",
			"Checkpoints this process cosigned, per log.", TIMS_COUNTER);
	for (size_t i = 0; i < c->nlog && !rc; i++) {
		tims_metrics_labels_init(&l);
		tims_metrics_labels_add(&l, "log", c->log[i].origin);
		rc = tims_metrics_sample(out, "tims_witness_cosignatures_total", &l,
					 (double)c->log[i].n[WC_GIVEN]);
	}
	if (!rc && c->other[WC_GIVEN])
		rc = tims_metrics_sample(out, "tims_witness_cosignatures_total", NULL,
					 (double)c->other[WC_GIVEN]);
	if (!rc)
		rc = tims_metrics_family(out, "tims_witness_refusals_total",
			"Checkpoints this process refused, per log and reason; without a log "
			"label: requests that named no known log (bad_request, unknown_log) or "
			"could not be decided (error).", TIMS_COUNTER);
	for (size_t i = 0; i < c->nlog && !rc; i++)
		for (int k = 1; k < WC_N && !rc; k++) {
			tims_metrics_labels_init(&l);
			tims_metrics_labels_add(&l, "log", c->log[i].origin);
			tims_metrics_labels_add(&l, "code", codes[k]);
			rc = tims_metrics_sample(out, "tims_witness_refusals_total", &l,
						 (double)c->log[i].n[k]);
		}
	{
		static const char *const more[] = { "bad_request", "unknown_log", "error" };
		const uint64_t v[] = { c->bad_request, c->unknown_log, c->errors };

		for (size_t k = 0; k < 3 && !rc; k++) {
			tims_metrics_labels_init(&l);
			tims_metrics_labels_add(&l, "code", more[k]);
			rc = tims_metrics_sample(out, "tims_witness_refusals_total", &l, (double)v[k]);
		}
	}
	return rc;
}

tims_rc witness_metrics(struct tims_witness *w, struct tims_buf *out, struct tims_err *err)
{
	struct witness_counts *c = malloc(sizeof(*c));
	struct logs logs = { NULL, 0, 0 };
	tims_rc rc;

	if (!c)
		return tims_err_set(err, TIMS_ERR_NOMEM, "metrics: out of memory");
	pthread_mutex_lock(&w->mu);
	*c = w->counts;
	pthread_mutex_unlock(&w->mu);
	rc = tims_witness_list(w, collect, &logs, err);
	if (!rc && (rc = render(out, c, &logs)))
		tims_err_set(err, rc, "metrics: too large");
	free(logs.v);
	free(c);
	return rc;
}
