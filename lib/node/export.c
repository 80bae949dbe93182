/*
 * export.c — what the centre pulls back from a post (rebuild): its log in
 * batches and the cosigned checkpoints it kept (docs/sync.md, "Rebuild").
 */
#include "sync_int.h"

tims_rc node_h_peer_export(void *app, struct tims_http_req *req,
			   struct tims_http_resp *resp)
{
	struct tims_node *n = app;
	struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	const char *f = tims_http_query(req, "from"), *c = tims_http_query(req, "count");
	uint64_t from = 0, count = TIMS_SYNC_MAX_BATCH;
	struct tims_sync_batch b;
	struct tims_checkpoint cp;
	struct tims_err err;
	tims_rc rc;

	if ((f && tims_parse_u64(f, TIMS_TLOG_MAX_LEAVES, &from, "from", &err)) ||
	    (c && tims_parse_u64(c, TIMS_SYNC_MAX_BATCH, &count, "count", &err)))
		return tims_http_reply_error(resp, 400, "bad_query", "%s", err.msg);
	tims_sync_batch_init(&b);
	pthread_mutex_lock(&n->lock);
	rc = tims_post_latest_checkpoint(n->post, &note, &cp, &err);
	if (!rc && from > cp.size)
		rc = tims_err_set(&err, TIMS_ERR_INVALID, "from: past the %" PRIu64
				  " records signed", cp.size);
	if (!rc) {
		if (count > cp.size - from)
			count = cp.size - from;
		rc = tims_sync_batch_from_post(&b, n->post, from, count, note.buf, note.len,
					       &err);
	}
	/* Records leave the post: audited like any read of personal data. */
	if (!rc && node_audit(n, req, "peer.export", "rebuild of the centre", -1, 200,
			      json_pack("{s:I, s:I}", "from", (json_int_t)from,
					"count", (json_int_t)count), NULL))
		rc = TIMS_ERR_DB;
	pthread_mutex_unlock(&n->lock);
	tims_buf_release(&note);
	if (rc == TIMS_ERR_INVALID) {
		tims_sync_batch_release(&b);
		return tims_http_reply_error(resp, 400, "bad_query", "%s", err.msg);
	}
	if (!rc)
		rc = tims_sync_batch_reply(&b, resp, &err);
	tims_sync_batch_release(&b);
	return rc;
}

/* The latest checkpoint cosigned by each cosigner this post knows. */
tims_rc node_h_peer_cosigned(void *app, struct tims_http_req *req,
			     struct tims_http_resp *resp)
{
	struct tims_node *n = app;
	struct node_sync *s = n->sync;
	json_t *arr = json_array();
	const char *names[SYNC_MAX_WITNESSES + 1];
	size_t k = 0;

	(void)req;
	if (s && s->enrolled)
		names[k++] = s->centre;
	for (size_t i = 0; s && i < s->nw; i++)
		names[k++] = s->w[i].key.name;
	pthread_mutex_lock(&n->lock);
	for (size_t i = 0; i < k; i++) {
		struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
		uint64_t size = 0;

		if (!tims_post_cosigned(n->post, names[i], &size, &note, NULL) && size)
			json_array_append_new(arr, json_pack("{s:s, s:I, s:s%}", "cosigner",
				names[i], "size", (json_int_t)size, "note", note.buf, note.len));
		tims_buf_release(&note);
	}
	pthread_mutex_unlock(&n->lock);
	return tims_http_reply_json(resp, 200, json_pack("{s:s, s:o}", "origin",
		tims_post_origin(n->post), "cosigned", arr));
}
