/*
 * alerts.c — what the oversight routes tell the centre (internal.h,
 * node_raise_*): the typed events of tims/event.h, queued durably in
 * post.db by node_event and delivered by the sync thread (queued while
 * offline). A failure to queue is logged; the change itself is already on
 * the audit trail and in the log.
 */
#include "internal.h"
#include "tims/approval.h"
#include "tims/event.h"

static void who(struct tims_event *ev, const struct tims_http_req *req)
{
	snprintf(ev->officer, sizeof(ev->officer), "%s", req->who.id);
	snprintf(ev->booth, sizeof(ev->booth), "%s", req->who.booth);
}

static void queue_event(struct tims_node *n, const struct tims_event *ev)
{
	struct tims_err err;

	if (node_event(n, ev, &err))
		node_log(n, "event %s not queued: %s", tims_event_kind_name(ev->kind),
			 tims_err_msg(&err));
}

/* The traveller and the crossing of rec, in ev. */
static void about(struct tims_event *ev, const struct tims_record *rec, uint64_t index)
{
	ev->crossing = index;
	ev->decision = rec->decision;
	snprintf(ev->check_id, sizeof(ev->check_id), "%s", rec->check_id);
	snprintf(ev->document, sizeof(ev->document), "%s", rec->person.doc_number);
	snprintf(ev->issuer, sizeof(ev->issuer), "%s", rec->person.issuer);
	snprintf(ev->nationality, sizeof(ev->nationality), "%s", rec->person.nationality);
	snprintf(ev->plate, sizeof(ev->plate), "%s", rec->vehicle.plate);
	snprintf(ev->vehicle_country, sizeof(ev->vehicle_country), "%s", rec->vehicle.country);
	ev->ncompanions = rec->ncompanions < TIMS_EVENT_MAX_COMPANIONS ? rec->ncompanions
								       : TIMS_EVENT_MAX_COMPANIONS;
	memcpy(ev->companions, rec->companions, ev->ncompanions * sizeof(ev->companions[0]));
	ev->nhits = rec->nhits < TIMS_EVENT_MAX_HITS ? rec->nhits : TIMS_EVENT_MAX_HITS;
	memcpy(ev->hits, rec->hits, ev->nhits * sizeof(ev->hits[0]));
}

void node_raise_limit(struct tims_node *n, const struct tims_http_req *req, const char *kind,
		      uint64_t limit, uint64_t used)
{
	struct tims_event ev;

	tims_event_init(&ev);
	ev.kind = TIMS_EVENT_LIMIT_EXCEEDED;
	who(&ev, req);
	snprintf(ev.detail, sizeof(ev.detail), "%s: %" PRIu64 " in the last hour, limit %" PRIu64
		 "; refused", !strcmp(kind, "history") ? "history reads" : "checks", used, limit);
	queue_event(n, &ev);
}

void node_raise_record(struct tims_node *n, const struct tims_http_req *req, enum node_alert kind,
		       const struct tims_record *rec, uint64_t index, const char *detail)
{
	static const uint8_t kinds[] = {
		[NODE_ALERT_CORRECTION] = TIMS_EVENT_CORRECTION,
		[NODE_ALERT_IDENTITY_CHANGE] = TIMS_EVENT_IDENTITY_CHANGE,
		[NODE_ALERT_SECOND_LINE] = TIMS_EVENT_SECOND_LINE,
	};
	struct tims_event ev;

	tims_event_init(&ev);
	ev.kind = kinds[kind];
	who(&ev, req);
	about(&ev, rec, index);
	snprintf(ev.detail, sizeof(ev.detail), "record %" PRIu64 " corrects %" PRIu64 "%s%s%s: %s",
		 index, rec->corrects, rec->approver[0] ? " (approved by " : "", rec->approver,
		 rec->approver[0] ? ")" : "", detail);
	queue_event(n, &ev);
}

void node_raise_paper(struct tims_node *n, const struct tims_http_req *req,
		      const struct tims_approval *a, const struct tims_record *recs, size_t nrec,
		      const struct tims_post_ack *acks)
{
	struct tims_event ev;
	size_t stored = 0;
	uint64_t first = TIMS_RECORD_NO_INDEX;

	(void)recs;
	for (size_t i = 0; i < nrec; i++)
		if (!acks[i].rc && !acks[i].duplicate && (stored++, first == TIMS_RECORD_NO_INDEX))
			first = acks[i].index;
	if (!stored)
		return; /* a retried approval: already told */
	tims_event_init(&ev);
	ev.kind = TIMS_EVENT_PAPER_IMPORT;
	/* The supervisor who typed it; the approver is in the detail. */
	snprintf(ev.officer, sizeof(ev.officer), "%s", a->submitter);
	snprintf(ev.booth, sizeof(ev.booth), "%s", a->booth);
	ev.crossing = first;
	snprintf(ev.detail, sizeof(ev.detail), "%zu crossings from a paper register, records %"
		 PRIu64 " on, entered by %.64s, approved by %.64s: %.600s", stored, first, a->submitter,
		 req->who.id, a->reason);
	queue_event(n, &ev);
}
