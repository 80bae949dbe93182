/*
 * post.c — the retention run at a post (include/tims/retention.h,
 * docs/retention.md): its crossings in post.db, its audit log in audit.db.
 *
 * A post sees its own crossings, and in DIR/national.db the replica of the
 * others' (direction and time per document key): an entry is closed by an
 * exit of the same document at this post, else by one in the national
 * replica, else it is an overstayer's (5 years) — the longer rule when the
 * post does not know.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "tims/audit.h"
#include "tims/national.h"
#include "tims/post.h"
#include "tims/record.h"
#include "tims/retention.h"
#include "tims/util.h"
#include "tims/vault.h"

#define LOG_POST "post"

struct crossings {
	struct tims_retention_crossing *c;
	size_t n, cap;
	int64_t newest;
};

static tims_rc take(void *ctx, const struct tims_post_retention_row *row)
{
	struct crossings *cs = ctx;
	struct tims_retention_crossing *x;

	if (row->entry_ms > cs->newest)
		cs->newest = row->entry_ms;
	if (row->erased)
		return TIMS_OK;
	if (cs->n == cs->cap) {
		size_t ncap = cs->cap ? cs->cap * 2 : 256;
		void *nc = realloc(cs->c, ncap * sizeof(*cs->c));

		if (!nc)
			return TIMS_ERR_NOMEM;
		cs->c = nc;
		cs->cap = ncap;
	}
	x = &cs->c[cs->n++];
	memset(x, 0, sizeof(*x));
	x->idx = row->index;
	x->when_ms = row->time_ms;
	x->direction = row->direction;
	x->decision = row->decision;
	x->corrects = row->corrects;
	snprintf(x->key, sizeof(x->key), "%s", row->doc);
	return TIMS_OK;
}

/* The clear facts of every record (no token needed, no payload opened). */
static tims_rc load_crossings(struct tims_post *post, struct crossings *cs, struct tims_err *err)
{
	tims_rc rc = tims_post_retention_rows(post, take, cs, err);

	if (rc == TIMS_ERR_NOMEM)
		return tims_err_set(err, rc, "out of memory");
	return rc;
}

/* ---- the national replica: an exit of the same document elsewhere ---- */

struct nat_q {
	const char *issuer;
	int64_t after, found;
};

static tims_rc nat_move(void *ctx, const struct tims_national_move *m)
{
	struct nat_q *q = ctx;

	if (m->direction == TIMS_DIR_EXIT && m->at_ms >= q->after && !strcmp(m->issuer, q->issuer) &&
	    (!q->found || m->at_ms < q->found))
		q->found = m->at_ms;
	return TIMS_OK;
}

struct nat_ctx {
	struct tims_post *post;
	struct tims_national *nd;
	struct tims_retention_state *st;
	int dry_run;
};

/* retention.db's "log" for the exits found in the replica: the centre
 * withdraws an exit from the replica when it erases it, on the day the
 * entry it closed falls due too; remembered, it still closes the entry. */
#define LOG_EXIT "exit-seen"

/* An entry this post knows no exit of: the replica is asked with the
 * document number, which only the record holds (sealed: without the token
 * nothing is asked, and the longer rule stands). */
static int64_t national_exit(void *ctx, const struct tims_retention_crossing *e)
{
	struct nat_ctx *n = ctx;
	struct tims_record *rec;
	struct nat_q q = { NULL, e->when_ms, 0 };
	struct tims_err err;
	int erased = 1;

	q.found = tims_retention_state_due(n->st, LOG_EXIT, e->idx);
	if (q.found > 0)
		return q.found;
	q.found = 0;
	if (!n->nd || !(rec = malloc(sizeof(*rec))))
		return 0;
	if (!tims_post_get(n->post, e->idx, rec, &erased, NULL, &err) && !erased &&
	    rec->person.doc_number[0]) {
		q.issuer = rec->person.issuer;
		if (tims_national_lookup(n->nd, rec->person.doc_number, NULL, nat_move, &q, &err))
			q.found = 0; /* not known: the longer rule */
	}
	sodium_memzero(rec, sizeof(*rec));
	free(rec);
	/* not remembered (an error): asked again at the next run */
	if (q.found > 0 && !n->dry_run)
		(void)tims_retention_state_note(n->st, LOG_EXIT, e->idx, q.found, &err);
	return q.found;
}

/* ---- the audit log ---- */

struct audit_walk {
	const struct tims_retention_policy *p;
	struct crossings *cs;
	struct tims_retention_state *st;
	struct tims_retention_report *r;
	uint64_t *due;
	size_t n, cap;
	int oom;
};

static int64_t crossing_due(struct crossings *cs, struct tims_retention_state *st, const char *log,
			    uint64_t idx)
{
	struct tims_retention_crossing *lo = cs->c, *hi = cs->c + cs->n;

	while (lo < hi) {
		struct tims_retention_crossing *mid = lo + (hi - lo) / 2;

		if (mid->idx < idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < cs->c + cs->n && lo->idx == idx)
		return lo->due_ms;
	return tims_retention_state_due(st, log, idx);
}

/* An erased event lists with action "erased", no actor and no texts. */
static int listed_erased(const struct tims_audit_event *ev)
{
	return !ev->actor[0] && !ev->query && !ev->result && !strcmp(ev->action, "erased");
}

static tims_rc audit_event(void *ctx, uint64_t index, const struct tims_audit_event *ev)
{
	struct audit_walk *w = ctx;
	int64_t data_due = -1, due;
	unsigned kind = TIMS_RETENTION_AUDIT_OTHER;

	if (listed_erased(ev))
		return TIMS_OK;
	if (ev->crossing >= 0) {
		kind = TIMS_RETENTION_AUDIT;
		data_due = crossing_due(w->cs, w->st, LOG_POST, (uint64_t)ev->crossing);
		if (data_due < 0)
			data_due = TIMS_RETENTION_NEVER; /* not known here: kept */
	}
	due = tims_retention_audit_due(w->p, ev->time_ms, data_due);
	if (due > w->r->as_of_ms) {
		w->r->kept[kind]++;
		tims_retention_report_keep(w->r, ev->time_ms);
		return TIMS_OK;
	}
	w->r->erased[kind]++;
	if (w->n == w->cap) {
		size_t ncap = w->cap ? w->cap * 2 : 256;
		uint64_t *nd = realloc(w->due, ncap * sizeof(*nd));

		if (!nd) {
			w->oom = 1;
			return TIMS_ERR_NOMEM;
		}
		w->due = nd;
		w->cap = ncap;
	}
	w->due[w->n++] = index;
	return TIMS_OK;
}

static tims_rc audit_path(struct tims_post *post, char *out, size_t cap, const char *name,
			  struct tims_err *err)
{
	if (snprintf(out, cap, "%s/%s", tims_post_dir(post), name) >= (int)cap)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", tims_post_dir(post));
	return TIMS_OK;
}

tims_rc tims_retention_run_post(struct tims_post *post, struct tims_audit *audit,
				const struct tims_retention_policy *p, int64_t now_ms,
				int dry_run, struct tims_retention_report *r,
				struct tims_err *err)
{
	struct crossings cs = { 0 };
	struct audit_walk w = { 0 };
	struct tims_retention_state *st = NULL;
	struct tims_national *nd = NULL;
	struct tims_err e2;
	char path[4200];
	uint64_t erased = 0;
	tims_rc rc;

	memset(r, 0, sizeof(*r));
	r->oldest_kept_ms = INT64_MAX;
	r->dry_run = dry_run;
	r->now_ms = now_ms;
	if ((rc = tims_retention_state_open(tims_post_dir(post), !dry_run, &st, err)) ||
	    (rc = load_crossings(post, &cs, err)))
		goto out;
	/* the clock guard */
	r->reference_ms = cs.newest;
	if (tims_retention_state_last(st) > r->reference_ms)
		r->reference_ms = tims_retention_state_last(st);
	r->as_of_ms = now_ms;
	if (r->reference_ms > 0 && r->reference_ms <= INT64_MAX - p->clock_margin_ms &&
	    r->reference_ms + p->clock_margin_ms < now_ms) {
		r->as_of_ms = r->reference_ms + p->clock_margin_ms;
		r->capped = 1;
	}
	if (tims_national_open(tims_post_dir(post), 0, &nd, &e2))
		nd = NULL; /* none yet, or no token: the post's own crossings decide */
	{
		struct nat_ctx nc = { post, nd, st, dry_run };

		rc = tims_retention_plan(p, cs.c, cs.n, national_exit, &nc, err);
	}
	tims_national_close(nd);
	if (rc)
		goto out;
	/* the dues first (retention.db), then the erasures: a crash between
	 * the two leaves records to erase at the next run, never an erased
	 * crossing whose due time is lost */
	if (!dry_run && (rc = tims_retention_state_begin(st, err)))
		goto out;
	for (size_t i = 0; i < cs.n; i++) {
		if (cs.c[i].due_ms > r->as_of_ms) {
			r->kept[cs.c[i].kind]++;
			tims_retention_report_keep(r, cs.c[i].when_ms);
			continue;
		}
		r->erased[cs.c[i].kind]++;
		erased++;
		if (!dry_run && (rc = tims_retention_state_note(st, LOG_POST, cs.c[i].idx,
								cs.c[i].due_ms, err)))
			goto out;
	}
	if (!dry_run && (rc = tims_retention_state_commit(st, 0, err)))
		goto out;
	for (size_t i = 0; !dry_run && i < cs.n; i++)
		if (cs.c[i].due_ms <= r->as_of_ms &&
		    (rc = tims_post_erase(post, cs.c[i].idx, err)))
			goto out;
	tims_retention_report_count(r, "post.db", erased);
	/* the audit log: events a year after the data they name */
	if (audit) {
		uint64_t size;

		w.p = p;
		w.cs = &cs;
		w.st = st;
		w.r = r;
		if ((rc = tims_audit_size(audit, &size, err)) ||
		    (rc = tims_audit_list(audit, 0, size, audit_event, &w, err))) {
			if (w.oom)
				rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; !dry_run && i < w.n; i++)
			if ((rc = tims_audit_erase(audit, w.due[i], err)))
				goto out;
		tims_retention_report_count(r, "audit.db", w.n);
	}
	if (dry_run)
		goto out;
	if (erased && ((rc = audit_path(post, path, sizeof(path), "post.db", err)) ||
		       (rc = tims_retention_scrub(path, &r->vacuumed, err))))
		goto out;
	if (w.n && ((rc = audit_path(post, path, sizeof(path), "audit.db", err)) ||
		    (rc = tims_retention_scrub(path, &r->vacuumed, err))))
		goto out;
	/* the months nothing kept is sealed under lose their keys: only after a
	 * walk of the audit log too (it needs the token) */
	if (audit) {
		struct tims_vault *v = NULL;

		if ((rc = tims_vault_open(tims_post_dir(post), &v, err)))
			goto out;
		rc = tims_retention_shred(v, r, err);
		tims_vault_close(v);
		if (rc)
			goto out;
	}
	if ((rc = tims_retention_state_begin(st, err)) ||
	    (rc = tims_retention_state_commit(st, r->as_of_ms, err)))
		goto out;
out:
	tims_retention_state_close(st);
	free(cs.c);
	free(w.due);
	return rc;
}
