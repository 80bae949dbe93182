/*
 * alerts.c — what the oversight routes tell the centre (see internal.h,
 * node_raise_*). Interim: written to the process log only until the
 * event queue (tims/event.h) is merged.
 */
#include "internal.h"
#include "tims/approval.h"

void node_raise_limit(struct tims_node *n, const struct tims_http_req *req, const char *kind,
		      uint64_t limit, uint64_t used)
{
	(void)req;
	node_log(n, "LIMIT_EXCEEDED %s %" PRIu64 "/%" PRIu64, kind, used, limit);
}

void node_raise_record(struct tims_node *n, const struct tims_http_req *req, enum node_alert kind,
		       const struct tims_record *rec, uint64_t index, const char *detail)
{
	(void)req;
	(void)rec;
	(void)detail;
	node_log(n, "alert %d record %" PRIu64, (int)kind, index);
}

void node_raise_paper(struct tims_node *n, const struct tims_http_req *req,
		      const struct tims_approval *a, const struct tims_record *recs, size_t nrec,
		      const struct tims_post_ack *acks)
{
	(void)req;
	(void)recs;
	(void)acks;
	node_log(n, "PAPER_IMPORT %s %zu", a->id, nrec);
}
