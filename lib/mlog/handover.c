/*
 * handover.c — a log's key chain: key hand-overs (tims/mlog.h).
 *
 * A hand-over is a checkpoint note of the current tree with the extension
 * line "key-handover OLD-VKEY NEW-VKEY", signed by both keys. The log keeps
 * them in PREFIXhandovers in the order they were made; at open the chain
 * is read back and every hand-over checked again (both signatures, one key
 * following the other), so a checkpoint is always checked with the key in
 * force at its size, and nothing but the log is needed to go from one key
 * to the next.
 */
#include <sodium.h>

#include "tims/util.h"
#include "internal.h"

#define VKEY_MAX 512

static int same_key(const struct tims_verifier *a, const struct tims_verifier *b)
{
	return a->alg == b->alg && a->keyhash == b->keyhash && !strcmp(a->name, b->name) &&
	       !memcmp(a->pub, b->pub, TIMS_PUBKEY_BYTES);
}

tims_rc mlog_handover_schema(struct tims_mlog *m, struct tims_err *err)
{
	struct tims_buf sql = TIMS_BUF_INIT(4096);
	const char *p = m->prefix;
	tims_rc rc;

	if (tims_buf_addf(&sql,
		"CREATE TABLE IF NOT EXISTS %shandovers (seq INTEGER PRIMARY KEY,"
		" size INTEGER NOT NULL, issued_ms INTEGER NOT NULL, note TEXT NOT NULL);"
		"CREATE TRIGGER IF NOT EXISTS %shandovers_no_delete BEFORE DELETE ON %shandovers"
		" BEGIN SELECT RAISE(ABORT, 'key hand-overs are append-only'); END;"
		"CREATE TRIGGER IF NOT EXISTS %shandovers_no_update BEFORE UPDATE ON %shandovers"
		" BEGIN SELECT RAISE(ABORT, 'key hand-overs are append-only'); END;",
		p, p, p, p, p)) {
		tims_buf_release(&sql);
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	}
	rc = sqlite3_exec(m->db, sql.buf, NULL, NULL, NULL) == SQLITE_OK
		     ? TIMS_OK
		     : tims_mlog_db_err(m, "creating the key hand-over table", err);
	tims_buf_release(&sql);
	return rc;
}

/* One verifier key "NAME+HASH+BASE64" of `len` bytes. */
static tims_rc parse_key(const char *s, size_t len, struct tims_verifier *v,
			 struct tims_err *err)
{
	char buf[VKEY_MAX];

	if (len == 0 || len >= sizeof(buf))
		return tims_err_set(err, TIMS_ERR_INVALID, "key-handover: a key of %zu bytes", len);
	memcpy(buf, s, len);
	buf[len] = '\0';
	return tims_verifier_parse(buf, v, err);
}

tims_rc tims_mlog_handover_parse(const char *note, size_t len,
				 struct tims_checkpoint *cp,
				 struct tims_verifier *old,
				 struct tims_verifier *next,
				 struct tims_err *err)
{
	static const char tag[] = TIMS_MLOG_HANDOVER_LINE;
	struct tims_note *n = malloc(sizeof(*n));
	struct tims_verifier keys[2];
	const char *line = NULL, *p, *end, *sp;
	size_t found = 0, lineno = 0;
	tims_rc rc;

	if (!n)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if ((rc = tims_note_parse(note, len, n, err)) ||
	    (rc = tims_checkpoint_parse(n->text, n->textlen, cp, err)))
		goto out;
	for (p = n->text, end = n->text + n->textlen; p < end; lineno++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl)
			break;
		if (lineno >= 3 && (size_t)(nl - p) > sizeof(tag) - 1 &&
		    !memcmp(p, tag, sizeof(tag) - 1)) {
			line = p;
			found++;
		}
		p = nl + 1;
	}
	if (!found) {
		rc = TIMS_ERR_NOTFOUND;
		goto out;
	}
	rc = TIMS_ERR_INVALID;
	if (found > 1) {
		tims_err_set(err, rc, "key-handover: more than one hand-over line");
		goto out;
	}
	line += sizeof(tag) - 1;
	end = memchr(line, '\n', (size_t)(n->text + n->textlen - line));
	if (!(sp = memchr(line, ' ', (size_t)(end - line)))) {
		tims_err_set(err, rc, "key-handover: want OLD-VKEY NEW-VKEY");
		goto out;
	}
	if ((rc = parse_key(line, (size_t)(sp - line), old, err)) ||
	    (rc = parse_key(sp + 1, (size_t)(end - sp - 1), next, err)))
		goto out;
	rc = TIMS_ERR_INVALID;
	if (old->alg != TIMS_KEY_ED25519 || next->alg != TIMS_KEY_ED25519) {
		tims_err_set(err, rc, "key-handover: both keys must be Ed25519 (0x01) keys");
		goto out;
	}
	if (strcmp(old->name, next->name)) {
		tims_err_set(err, rc, "key-handover: from key %s to a key of another name, %s",
			     old->name, next->name);
		goto out;
	}
	if (!memcmp(old->pub, next->pub, TIMS_PUBKEY_BYTES)) {
		tims_err_set(err, rc, "key-handover: the new key is the old key");
		goto out;
	}
	keys[0] = *old;
	keys[1] = *next;
	if ((rc = tims_note_verify(note, len, keys, 2, n, err)))
		goto out;
	if ((n->verified_mask & 3) != 3) {
		rc = tims_err_set(err, TIMS_ERR_SIGNATURE,
				  "key-handover at size %" PRIu64 ": not signed by %s key %08" PRIx32,
				  cp->size, n->verified_mask & 1 ? "the new" : "the old",
				  n->verified_mask & 1 ? next->keyhash : old->keyhash);
		goto out;
	}
	rc = TIMS_OK;
out:
	free(n);
	return rc;
}

void mlog_free_chain(struct tims_mlog *m)
{
	for (size_t i = 0; i < m->nho; i++) {
		free(m->ho_note[i]);
		m->ho_note[i] = NULL;
	}
	m->nho = 0;
}

/* Append one checked hand-over to the chain in memory. */
static tims_rc chain_push(struct tims_mlog *m, const struct tims_checkpoint *cp,
			  const struct tims_verifier *old, const struct tims_verifier *next,
			  const char *note, size_t len, struct tims_err *err)
{
	char *copy;

	if (m->nho == TIMS_MLOG_MAX_HANDOVERS)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: more than %d key hand-overs",
				    m->label, TIMS_MLOG_MAX_HANDOVERS);
	if (strcmp(cp->origin, m->origin))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "key-handover: origin \"%s\", this log is \"%s\"",
				    cp->origin, m->origin);
	if (m->nho && !same_key(old, &m->keys[m->nho]))
		return tims_err_set(err, TIMS_ERR_SIGNATURE,
				    "key-handover at size %" PRIu64 ": from key %s+%08" PRIx32
				    ", but the key in force is %s+%08" PRIx32, cp->size,
				    old->name, old->keyhash, m->keys[m->nho].name,
				    m->keys[m->nho].keyhash);
	if (m->nho && cp->size < m->ho_size[m->nho - 1])
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "key-handover at size %" PRIu64 ": below the one before (%" PRIu64 ")",
				    cp->size, m->ho_size[m->nho - 1]);
	if (!(copy = malloc(len + 1)))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	memcpy(copy, note, len);
	copy[len] = '\0';
	if (!m->nho)
		m->keys[0] = *old;
	m->keys[m->nho + 1] = *next;
	m->ho_size[m->nho] = cp->size;
	m->ho_note[m->nho++] = copy;
	return TIMS_OK;
}

/* The config's verifier is a key of the chain; a signer is the current one. */
static tims_rc check_anchor(struct tims_mlog *m, struct tims_err *err)
{
	const struct tims_verifier *cur = &m->keys[m->nho];
	int in = 0;

	for (size_t i = 0; i <= m->nho; i++)
		in |= same_key(&m->verifier, &m->keys[i]);
	if (!in)
		return tims_err_set(err, TIMS_ERR_SIGNATURE,
				    "%s: %s (%s+%08" PRIx32 ") is not a key of this log: it was "
				    "signed by %s+%08" PRIx32 " and handed over %zu time(s)",
				    m->label, m->verifier_name, m->verifier.name,
				    m->verifier.keyhash, m->keys[0].name, m->keys[0].keyhash, m->nho);
	if (m->signer && (m->signer->alg != cur->alg ||
			  memcmp(m->signer->pub, cur->pub, TIMS_PUBKEY_BYTES)))
		return tims_err_set(err, TIMS_ERR_STATE,
				    "%s: this log's key was handed over to %s+%08" PRIx32
				    " at size %" PRIu64 "; the signing key given is not that key "
				    "(an interrupted rotation? see docs/keys.md)", m->label,
				    cur->name, cur->keyhash, m->nho ? m->ho_size[m->nho - 1] : 0);
	return TIMS_OK;
}

tims_rc mlog_load_chain(struct tims_mlog *m, struct tims_err *err)
{
	struct tims_buf sql = TIMS_BUF_INIT(256);
	sqlite3_stmt *q = NULL;
	tims_rc rc = TIMS_OK;
	int s;

	mlog_free_chain(m);
	m->keys[0] = m->verifier;
	if (tims_buf_addf(&sql, "SELECT size, note FROM %shandovers ORDER BY seq", m->prefix) ||
	    sqlite3_prepare_v2(m->db, sql.buf, -1, &q, NULL) != SQLITE_OK) {
		tims_buf_release(&sql);
		return tims_mlog_db_err(m, "reading key hand-overs", err);
	}
	tims_buf_release(&sql);
	while (!rc && (s = sqlite3_step(q)) == SQLITE_ROW) {
		const char *note = (const char *)sqlite3_column_text(q, 1);
		size_t len = (size_t)sqlite3_column_bytes(q, 1);
		struct tims_verifier old, next;
		struct tims_checkpoint cp;
		struct tims_err e;

		if ((rc = tims_mlog_handover_parse(note ? note : "", len, &cp, &old, &next, &e)) ||
		    (rc = chain_push(m, &cp, &old, &next, note, len, &e))) {
			if (rc == TIMS_ERR_NOTFOUND)
				tims_err_set(&e, rc, "no hand-over line");
			rc = tims_err_set(err, rc == TIMS_ERR_NOMEM ? rc : TIMS_ERR_TAMPER,
					  "%s: key hand-over %zu: %s", m->label, m->nho + 1, e.msg);
		} else if (cp.size != (uint64_t)sqlite3_column_int64(q, 0)) {
			rc = tims_err_set(err, TIMS_ERR_TAMPER,
					  "%s: key hand-over %zu: stored under size %lld but signs %"
					  PRIu64, m->label, m->nho, (long long)sqlite3_column_int64(q, 0),
					  cp.size);
		}
	}
	if (!rc && s != SQLITE_DONE)
		rc = tims_mlog_db_err(m, "reading key hand-overs", err);
	sqlite3_finalize(q);
	if (!rc)
		rc = check_anchor(m, err);
	return rc;
}

const struct tims_verifier *mlog_key_at(const struct tims_mlog *m, uint64_t size)
{
	for (size_t i = 0; i < m->nho; i++)
		if (size <= m->ho_size[i])
			return &m->keys[i];
	return &m->keys[m->nho];
}

const struct tims_verifier *tims_mlog_key_at(const struct tims_mlog *m, uint64_t size)
{
	return mlog_key_at(m, size);
}

const struct tims_verifier *tims_mlog_key(const struct tims_mlog *m)
{
	return &m->keys[m->nho];
}

size_t tims_mlog_handover_count(const struct tims_mlog *m)
{
	return m->nho;
}

void tims_mlog_handover_get(const struct tims_mlog *m, size_t i, const char **note,
			    uint64_t *size)
{
	*note = i < m->nho ? m->ho_note[i] : NULL;
	*size = i < m->nho ? m->ho_size[i] : 0;
}

static tims_rc insert_handover(struct tims_mlog *m, uint64_t size, const char *note,
			       size_t len, struct tims_err *err)
{
	sqlite3_stmt *st = m->st[MS_INS_HO];

	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	sqlite3_bind_int64(st, 2, tims_mlog_now_ms());
	sqlite3_bind_text(st, 3, note, (int)len, SQLITE_STATIC);
	return mlog_exec(m, MS_INS_HO, "storing a key hand-over", err);
}

/* Hand-overs in the database now (another process may have added one). */
tims_rc mlog_count_handovers(struct tims_mlog *m, size_t *n, struct tims_err *err)
{
	sqlite3_stmt *st = m->st[MS_COUNT_HO];
	int s = sqlite3_step(st);

	*n = s == SQLITE_ROW ? (size_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return s == SQLITE_ROW ? TIMS_OK : tims_mlog_db_err(m, "counting key hand-overs", err);
}

tims_rc mlog_handover_store(struct tims_mlog *m, const struct tims_signer *next,
			    struct tims_err *err)
{
	struct tims_buf body = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
	struct tims_signer both[2];
	struct tims_verifier old, nv;
	struct tims_checkpoint cp;
	struct tims_tlog_reader r;
	size_t held;
	tims_rc rc;

	if (!m->signer)
		return tims_err_set(err, TIMS_ERR_USAGE, "%s opened without its key", m->owner);
	if ((rc = mlog_count_handovers(m, &held, err)))
		return rc;
	if (held != m->nho)
		return tims_err_set(err, TIMS_ERR_STATE, "%s: its key was handed over by another "
				    "process meanwhile", m->label);
	tims_signer_verifier(m->signer, &old);
	tims_signer_verifier(next, &nv);
	if (nv.alg != TIMS_KEY_ED25519 || strcmp(nv.name, old.name) ||
	    !memcmp(nv.pub, old.pub, TIMS_PUBKEY_BYTES))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: the new key must be another Ed25519 key named %s",
				    m->label, old.name);
	memset(&cp, 0, sizeof(cp));
	snprintf(cp.origin, sizeof(cp.origin), "%s", m->origin);
	tims_mlog_reader(m, &r);
	if ((rc = tims_mlog_size(m, &cp.size, err)) ||
	    (rc = tims_tlog_tree_hash(cp.size, &r, cp.root, err)))
		goto out;
	if ((rc = tims_checkpoint_format(&cp, &body)) ||
	    (rc = tims_buf_addstr(&body, TIMS_MLOG_HANDOVER_LINE)) ||
	    (rc = tims_verifier_format(&old, &body)) || (rc = tims_buf_addch(&body, ' ')) ||
	    (rc = tims_verifier_format(&nv, &body)) || (rc = tims_buf_addch(&body, '\n'))) {
		rc = tims_err_set(err, rc, "%s: the hand-over does not fit", m->label);
		goto out;
	}
	both[0] = *m->signer;
	both[1] = *next;
	tims_buf_reset(&m->pending);
	if ((rc = tims_note_sign(body.buf, body.len, both, 2, &m->pending, err)) ||
	    (rc = insert_handover(m, cp.size, m->pending.buf, m->pending.len, err)))
		goto out;
	m->has_pending = 1;
out:
	tims_buf_release(&body);
	return rc;
}

/* After the commit: the chain in memory follows, the handle signs with next. */
tims_rc mlog_handover_done(struct tims_mlog *m, const struct tims_signer *next,
			   struct tims_err *err)
{
	struct tims_verifier old, nv;
	struct tims_checkpoint cp;
	tims_rc rc;

	if ((rc = tims_mlog_handover_parse(m->pending.buf, m->pending.len, &cp, &old, &nv, err)) ||
	    (rc = chain_push(m, &cp, &old, &nv, m->pending.buf, m->pending.len, err)))
		return rc;
	m->signer = next;
	return TIMS_OK;
}

tims_rc tims_mlog_adopt_handover(struct tims_mlog *m, const char *note, size_t len,
				 int *adopted, struct tims_err *err)
{
	struct tims_verifier old, next;
	struct tims_checkpoint cp;
	struct tims_tlog_reader r;
	tims_hash root;
	uint64_t size;
	tims_rc rc;

	*adopted = 0;
	if ((rc = tims_mlog_handover_parse(note, len, &cp, &old, &next, err))) {
		if (rc == TIMS_ERR_NOTFOUND)
			rc = tims_err_set(err, TIMS_ERR_INVALID, "key-handover: no hand-over line");
		return rc;
	}
	for (size_t i = 0; i < m->nho; i++)
		if (strlen(m->ho_note[i]) == len && !memcmp(m->ho_note[i], note, len))
			return TIMS_OK; /* held */
	if (strcmp(cp.origin, m->origin))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "key-handover: origin \"%s\", this log is \"%s\"",
				    cp.origin, m->origin);
	if ((rc = tims_mlog_size(m, &size, err)))
		return rc;
	if (cp.size > size)
		return tims_err_set(err, TIMS_ERR_STATE,
				    "key-handover at size %" PRIu64 ": the log holds %" PRIu64 " %s",
				    cp.size, size, m->nouns);
	tims_mlog_reader(m, &r);
	if ((rc = tims_tlog_tree_hash(cp.size, &r, root, err)))
		return rc;
	if (sodium_memcmp(root, cp.root, TIMS_HASH_BYTES))
		return tims_err_set(err, TIMS_ERR_TAMPER,
				    "key-handover at size %" PRIu64 ": its root is not the root of "
				    "the %s held", cp.size, m->nouns);
	if (!same_key(&old, &m->keys[m->nho])) {
		/* The key this log was opened with names its predecessor: the
		 * chain is read backwards once, into an empty one. */
		if (m->nho || !same_key(&next, &m->keys[0]))
			return tims_err_set(err, TIMS_ERR_SIGNATURE,
					    "key-handover at size %" PRIu64 ": from %s+%08" PRIx32
					    ", not from the key in force (%s+%08" PRIx32 ")",
					    cp.size, old.name, old.keyhash, m->keys[m->nho].name,
					    m->keys[m->nho].keyhash);
	}
	if ((rc = insert_handover(m, cp.size, note, len, err)) ||
	    (rc = chain_push(m, &cp, &old, &next, note, len, err)))
		return rc;
	m->chain_dirty = 1;
	*adopted = 1;
	return TIMS_OK;
}
