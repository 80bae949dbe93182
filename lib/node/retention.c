/*
 * retention.c — the post's retention timer (docs/retention.md): every
 * `interval` of DIR/retention.conf (default a day; the first run ten
 * seconds after the start, or sooner when the interval is shorter), the
 * same run as `tims retention run DIR`, on the node's own handles; the run
 * in the audit log (counts per kind, no personal data) and a "retention"
 * event for the centre when anything was erased.
 */
#include <time.h>

#include "tims/event.h"
#include "tims/prescreen.h"
#include "tims/retention.h"
#include "internal.h"

#define FIRST_RUN_MS 10000

struct node_retention {
	struct tims_retention_policy pol;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	int stop, running;
	uint64_t runs;
};

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void run_once(struct tims_node *n)
{
	struct node_retention *t = n->retention;
	struct tims_retention_report rep;
	struct tims_audit_event ev;
	struct tims_err err;
	uint64_t idx, erased = 0;
	char *json;

	if (node_halted(n, NULL)) {
		node_log(n, "retention: not run, the post is halted");
		return;
	}
	if (tims_retention_run_post(n->post, n->audit, &t->pol, wall_ms(), 0, &rep, &err)) {
		node_logl(n, TIMS_LOG_WARNING, "retention: %s", tims_err_msg(&err));
		return;
	}
	{
		/* the airports' passenger lists: travellers and links without a
		 * hit, 48 hours after their flight's arrival (tims/prescreen.h) */
		uint64_t pre = 0;

		if (tims_prescreen_expire(n->dir, wall_ms(), &pre, &err))
			node_logl(n, TIMS_LOG_WARNING, "retention: passenger lists: %s",
				  tims_err_msg(&err));
		else if (pre) {
			tims_retention_report_count(&rep, TIMS_PRESCREEN_DB, pre);
			node_log(n, "retention: erased %" PRIu64 " pre-screened travellers and links "
				 "past 48 hours after arrival", pre);
		}
	}
	erased = tims_retention_erased(&rep);
	if (!(json = tims_retention_report_json(&t->pol, &rep))) {
		node_log(n, "retention: out of memory for the report");
		return;
	}
	memset(&ev, 0, sizeof(ev));
	snprintf(ev.actor, sizeof(ev.actor), "retention");
	snprintf(ev.role, sizeof(ev.role), "-");
	snprintf(ev.addr, sizeof(ev.addr), "local");
	snprintf(ev.action, sizeof(ev.action), "retention.run");
	snprintf(ev.purpose, sizeof(ev.purpose), "retention (timer)");
	ev.crossing = -1;
	ev.status = 200;
	ev.query = json;
	ev.query_len = strlen(json);
	if (tims_audit_append_group(n->audit, &ev, &idx, &err))
		node_log(n, "retention: the run was not audited: %s", tims_err_msg(&err));
	free(json);
	if (erased) {
		struct tims_event e;

		tims_retention_event(&rep, &e);
		if (node_event(n, &e, &err))
			node_log(n, "retention: event for the centre: %s", tims_err_msg(&err));
	}
	node_log(n, "retention: erased %" PRIu64 " (crossings and audit events)%s", erased,
		 rep.capped ? ", capped by the clock guard" : "");
}

static void *retention_main(void *arg)
{
	struct tims_node *n = arg;
	struct node_retention *t = n->retention;
	int64_t next = t->pol.interval_ms < FIRST_RUN_MS ? t->pol.interval_ms : FIRST_RUN_MS;

	pthread_mutex_lock(&t->mu);
	while (!t->stop) {
		struct timespec until;
		int64_t at;

		clock_gettime(CLOCK_REALTIME, &until);
		at = (int64_t)until.tv_sec * 1000 + until.tv_nsec / 1000000 + next;
		until.tv_sec = (time_t)(at / 1000);
		until.tv_nsec = (long)(at % 1000) * 1000000;
		while (!t->stop && pthread_cond_timedwait(&t->cond, &t->mu, &until) == 0)
			;
		if (t->stop)
			break;
		pthread_mutex_unlock(&t->mu);
		run_once(n);
		pthread_mutex_lock(&t->mu);
		t->runs++;
		next = t->pol.interval_ms;
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

tims_rc node_retention_start(struct tims_node *n, struct tims_err *err)
{
	struct node_retention *t = calloc(1, sizeof(*t));
	tims_rc rc;

	if (!t)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	/* a configuration that does not parse stops the start: no period
	 * is guessed */
	if ((rc = tims_retention_policy_load(n->dir, &t->pol, err))) {
		free(t);
		return rc;
	}
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cond, NULL);
	n->retention = t;
	if (pthread_create(&t->thread, NULL, retention_main, n) != 0)
		return tims_err_set(err, TIMS_ERR_NOMEM, "retention: cannot start its thread");
	t->running = 1;
	return TIMS_OK;
}

void node_retention_stop(struct tims_node *n)
{
	struct node_retention *t = n->retention;

	if (!t)
		return;
	pthread_mutex_lock(&t->mu);
	t->stop = 1;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->mu);
	if (t->running)
		pthread_join(t->thread, NULL);
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->cond);
	free(t);
	n->retention = NULL;
}
