/*
 * test_approval.c — two-person approval in post.db
 * (tims/approval.h): nothing is appended before a second person approves,
 * the submitter cannot approve, requests expire, an approval appends once
 * and marks every record with its approver.
 */
#include <stdlib.h>

#include "t.h"
#include "tims/approval.h"
#include "tims/post.h"

static char dir[256];

static void paper(struct tims_record *r, unsigned i)
{
	tims_record_init(r);
	r->direction = TIMS_DIR_ENTRY;
	r->decision = TIMS_DECISION_ADMIT;
	snprintf(r->officer, sizeof(r->officer), "georgiev");
	snprintf(r->booth, sizeof(r->booth), "SUP");
	snprintf(r->person.doc_number, sizeof(r->person.doc_number), "P%u", 1000 + i);
	snprintf(r->person.surname, sizeof(r->person.surname), "HORVAT");
	snprintf(r->remarks, sizeof(r->remarks), "register page 3 line %u", i);
	r->crossed_ms = 1764900000000LL + i * 60000;
	r->entry_mode = TIMS_ENTRY_PAPER;
}

static uint64_t size_of(struct tims_post *p)
{
	uint64_t n = 0;

	if (tims_post_size(p, &n, NULL))
		return UINT64_MAX;
	return n;
}

static void test_two_persons(struct tims_post *p)
{
	struct tims_record recs[3], *back = NULL, got;
	struct tims_approval a, b;
	struct tims_post_ack *acks = NULL;
	struct tims_err err;
	int64_t now = 1765000000000LL;
	size_t n = 0;
	int erased = 0;

	for (unsigned i = 0; i < 3; i++)
		paper(&recs[i], i);
	memset(&a, 0, sizeof(a));
	a.kind = TIMS_APPROVAL_PAPER_IMPORT;
	snprintf(a.submitter, sizeof(a.submitter), "georgiev");
	snprintf(a.booth, sizeof(a.booth), "SUP");
	snprintf(a.reason, sizeof(a.reason), "outage 05:00-07:00");
	a.created_ms = now;
	a.expires_ms = now + 3600000;
	T_OK(tims_approval_submit(p, &a, recs, 3, &err) == TIMS_OK, "submit: stored (%s)", err.msg);
	T_EQ_INT(strlen(a.id), 32, "submit: a 32-digit id");
	T_EQ_INT(size_of(p), 0, "submit: nothing appended to the log");
	T_OK(tims_approval_get(p, a.id, &b, &back, &n, &err) == TIMS_OK, "get: the request back");
	T_EQ_INT(n, 3, "get: its three records");
	T_EQ_STR(back ? back[2].person.doc_number : NULL, "P1002", "get: the records as submitted");
	T_EQ_STR(tims_approval_state_name(&b, now), "pending", "get: pending");
	T_EQ_STR(tims_approval_state_name(&b, now + 3600000), "expired", "state: expired after its time");
	free(back);

	T_EQ_INT(tims_approval_approve(p, a.id, "georgiev", now + 1000, &b, &acks, &err),
		 TIMS_ERR_DENIED, "approve: the submitter may not approve their own request");
	T_OK(strstr(err.msg, "second person") != NULL, "approve: and is told a second person must (%s)", err.msg);
	T_EQ_INT(size_of(p), 0, "approve: refused, nothing appended");
	T_EQ_INT(tims_approval_approve(p, a.id, "stoyanova", now + 3600000, &b, &acks, &err),
		 TIMS_ERR_STATE, "approve: an expired request is refused");
	T_EQ_INT(tims_approval_approve(p, "0123456789abcdef0123456789abcdef", "stoyanova", now,
				       &b, &acks, &err), TIMS_ERR_NOTFOUND, "approve: an unknown id");
	T_OK(tims_approval_approve(p, a.id, "stoyanova", now + 2000, &b, &acks, &err) == TIMS_OK,
	     "approve: a second person approves (%s)", err.msg);
	T_EQ_INT(size_of(p), 3, "approve: the three records are appended");
	T_OK(acks && !acks[0].rc && acks[0].index == 0 && acks[2].index == 2, "approve: acks in order");
	T_EQ_STR(b.approver, "stoyanova", "approve: the request names its approver");
	T_EQ_INT(b.first_index, 0, "approve: and the first record appended");
	free(acks);
	acks = NULL;
	T_OK(tims_post_get(p, 1, &got, &erased, NULL, &err) == TIMS_OK, "record: read back");
	T_EQ_STR(got.approver, "stoyanova", "record: carries the approver");
	T_EQ_INT(got.entry_mode, TIMS_ENTRY_PAPER, "record: marked paper");
	T_EQ_STR(got.officer, "georgiev", "record: the submitter typed it");
	T_EQ_INT(tims_approval_approve(p, a.id, "petrova", now + 3000, &b, &acks, &err),
		 TIMS_ERR_STATE, "approve: a second approval is refused");
	T_EQ_INT(size_of(p), 3, "approve: and appends nothing");

	/* A request's checks: no records, no reason. */
	a.reason[0] = '\0';
	T_EQ_INT(tims_approval_submit(p, &a, recs, 1, &err), TIMS_ERR_INVALID, "submit: a reason is required");
	snprintf(a.reason, sizeof(a.reason), "x");
	T_EQ_INT(tims_approval_submit(p, &a, recs, 0, &err), TIMS_ERR_INVALID, "submit: at least one record");
	recs[1].person.surname[0] = '\0';
	T_EQ_INT(tims_approval_submit(p, &a, recs, 3, &err), TIMS_ERR_INVALID,
		 "submit: an invalid record refuses the whole request");
	T_OK(strstr(err.msg, "record 1") != NULL, "submit: naming the record (%s)", err.msg);
}

int main(void)
{
	struct tims_post *p = NULL;
	struct tims_err err;
	char cmd[300];

	snprintf(dir, sizeof(dir), "/tmp/tims-test-approval-%d", (int)getpid());
	T_OK(tims_post_init(dir, "example.org/post/approval", "approval", "land", &err) == TIMS_OK,
	     "init (%s)", err.msg);
	T_OK(tims_post_open(dir, TIMS_POST_WRITE, &p, &err) == TIMS_OK, "open (%s)", err.msg);
	if (p) {
		test_two_persons(p);
		tims_post_free(p);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		T_OK(0, "cleanup");
	return t_done();
}
