/*
 * db.c — the query store's statement layer over SQLite and libpq
 * (see internal.h).
 */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <time.h>

#include "tims/buf.h"

int64_t cs_int(const char *v)
{
	char *end;
	long long x;

	if (!v)
		return 0;
	errno = 0;
	x = strtoll(v, &end, 10);
	if (errno || end == v)
		return 0;
	return (int64_t)x;
}

void cs_name_key(const char *in, char *out, size_t outsz)
{
	size_t o = 0;
	int space = 0;

	if (!outsz)
		return;
	for (; *in && o + 1 < outsz; in++) {
		unsigned char c = (unsigned char)*in;

		if (c == ' ' || c == '<' || c == '\t') {
			space = o > 0;
			continue;
		}
		if (space && o + 2 < outsz)
			out[o++] = ' ';
		space = 0;
		out[o++] = (char)(c < 0x80 ? toupper(c) : c);
	}
	out[o] = '\0';
}

void cs_flat(const char *msg, char *out, size_t outsz)
{
	size_t n;

	snprintf(out, outsz, "%s", msg ? msg : "unknown error");
	for (char *p = out; *p; p++)
		if (*p == '\n' || *p == '\t' || *p == '\r')
			*p = ' ';
	n = strlen(out);
	while (n && out[n - 1] == ' ')
		out[--n] = '\0';
}

static tims_rc sq_err(struct tims_cstore *s, const char *what, struct tims_err *err)
{
	return tims_err_set(err, TIMS_ERR_DB, "query store (sqlite): %s: %s", what,
			    sqlite3_errmsg(s->db));
}

static tims_rc pg_err(const char *what, const char *msg, struct tims_err *err)
{
	char m[200];

	cs_flat(msg, m, sizeof(m));
	return tims_err_set(err, TIMS_ERR_DB, "query store (postgresql): %s: %s", what, m);
}

const char cs_sql_leaf[] = "SELECT leaf FROM crossings WHERE origin = ?1 AND idx = ?2";

int64_t cs_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

tims_rc cs_failed(struct tims_cstore *s, tims_rc rc, const char *msg)
{
	int lost = s->backend == CS_PG && cs_pq.PQstatus(s->pg) != CONNECTION_OK;
	int64_t now = cs_now_ms();

	pthread_mutex_lock(&s->state_lock);
	s->failures++;
	s->last_error_ms = now;
	snprintf(s->last_error, sizeof(s->last_error), "%.199s", msg && *msg ? msg : "error");
	/* the primary message only: a driver's DETAIL may quote row values */
	if (strstr(s->last_error, " DETAIL:"))
		*strstr(s->last_error, " DETAIL:") = '\0';
	if (lost && !s->down) {
		s->down = 1;
		s->since_ms = now;
		s->next_try_ms = now; /* the first attempt at once: a restart is quick */
		s->backoff_ms = 0;
	}
	pthread_mutex_unlock(&s->state_lock);
	return lost ? TIMS_ERR_NET : rc;
}

/* Note a failure; the caller's err (if any) carries the code it becomes. */
static tims_rc noted(struct tims_cstore *s, tims_rc rc, struct tims_err *err,
		     const struct tims_err *local)
{
	tims_rc r2;

	if (!rc || rc == TIMS_ERR_TAMPER || rc == TIMS_ERR_NOMEM || rc == TIMS_ERR_TOOBIG)
		return rc;
	r2 = cs_failed(s, rc, err ? err->msg : local->msg);
	if (err)
		err->rc = r2;
	return r2;
}

static tims_rc exec_raw(struct tims_cstore *s, const char *sql, struct tims_err *err);

tims_rc cs_exec(struct tims_cstore *s, const char *sql, struct tims_err *err)
{
	struct tims_err local;

	local.msg[0] = '\0';
	return noted(s, exec_raw(s, sql, err ? err : &local), err, &local);
}

static tims_rc exec_raw(struct tims_cstore *s, const char *sql, struct tims_err *err)
{
	tims_rc rc = TIMS_OK;

	if (s->piped && (rc = cs_flush(s, err))) {
		/* The transaction is aborted anyway: let a ROLLBACK through. */
		if (strcmp(sql, "ROLLBACK") != 0)
			return rc;
	}
	if (s->backend == CS_SQLITE) {
		char *msg = NULL;

		if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
			rc = tims_err_set(err, TIMS_ERR_DB, "query store (sqlite): %s",
					  msg ? msg : "error");
			sqlite3_free(msg);
			return rc;
		}
		return TIMS_OK;
	} else {
		PGresult *r = cs_pq.PQexec(s->pg, sql);

		rc = TIMS_OK;
		if (cs_pq.PQresultStatus(r) != PGRES_COMMAND_OK && cs_pq.PQresultStatus(r) != PGRES_TUPLES_OK)
			rc = pg_err("exec", cs_pq.PQerrorMessage(s->pg), err);
		cs_pq.PQclear(r);
		return rc;
	}
}

/* ?N → $N for PostgreSQL (our SQL has no '?' inside literals). */
static tims_rc pg_sql(const char *sql, struct tims_buf *out)
{
	for (const char *p = sql; *p; p++)
		if (tims_buf_addch(out, *p == '?' ? '$' : *p))
			return TIMS_ERR_NOMEM;
	return TIMS_OK;
}

static struct cs_cached *cache_find(struct tims_cstore *s, const char *sql)
{
	for (size_t i = 0; i < s->ncache; i++)
		if (s->cache[i].sql == sql)
			return &s->cache[i];
	return NULL;
}

static tims_rc sq_query(struct tims_cstore *s, const char *sql, int cached,
			const struct cs_param *p, int np, cs_row_fn fn, void *ctx,
			uint64_t *changes, struct tims_err *err)
{
	struct cs_cached *c = cached ? cache_find(s, sql) : NULL;
	sqlite3_stmt *st = c ? c->st : NULL;
	tims_rc rc = TIMS_OK;
	int r;

	if (!st) {
		if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
			return sq_err(s, "prepare", err);
		if (cached && s->ncache < CS_CACHE) {
			c = &s->cache[s->ncache++];
			c->sql = sql;
			c->st = st;
		}
	}
	for (int i = 0; i < np; i++) {
		if (p[i].type == CS_INT)
			r = sqlite3_bind_int64(st, i + 1, p[i].i);
		else if (p[i].type == CS_TEXT)
			r = sqlite3_bind_text(st, i + 1, p[i].s, -1, SQLITE_STATIC);
		else
			r = sqlite3_bind_null(st, i + 1);
		if (r != SQLITE_OK) {
			rc = sq_err(s, "bind", err);
			goto out;
		}
	}
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		struct cs_row row;

		row.n = sqlite3_column_count(st);
		if (row.n > CS_MAX_COLS)
			row.n = CS_MAX_COLS;
		for (int i = 0; i < row.n; i++)
			row.v[i] = (const char *)sqlite3_column_text(st, i);
		if (fn && (rc = fn(ctx, &row)))
			goto out;
	}
	if (r != SQLITE_DONE) {
		rc = sq_err(s, "step", err);
		goto out;
	}
	if (changes)
		*changes = (uint64_t)sqlite3_changes(s->db);
out:
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (!c)
		sqlite3_finalize(st);
	return rc;
}

/* Parameters as libpq takes them: text, NULL for SQL NULL. */
static void pg_values(const struct cs_param *p, int np, const char **vals,
		      char ints[][24])
{
	for (int i = 0; i < np; i++) {
		if (p[i].type == CS_INT) {
			snprintf(ints[i], 24, "%lld", (long long)p[i].i);
			vals[i] = ints[i];
		} else {
			vals[i] = p[i].type == CS_TEXT ? p[i].s : NULL;
		}
	}
}

/* The cached prepared statement of sql, prepared now if new (NULL: the
 * cache is full, run it unprepared from q). */
static tims_rc pg_prepared(struct tims_cstore *s, const char *sql, int cached, int np,
			   struct tims_buf *q, struct cs_cached **out, struct tims_err *err)
{
	struct cs_cached *c = cached ? cache_find(s, sql) : NULL;
	PGresult *r;

	*out = c;
	if (pg_sql(sql, q))
		return tims_err_set(err, TIMS_ERR_NOMEM, "query store: out of memory");
	if (!cached || c || s->ncache >= CS_CACHE)
		return TIMS_OK;
	c = &s->cache[s->ncache];
	snprintf(c->name, sizeof(c->name), "cs%zu", s->ncache);
	r = cs_pq.PQprepare(s->pg, c->name, tims_buf_str(q), np, NULL);
	if (cs_pq.PQresultStatus(r) != PGRES_COMMAND_OK) {
		cs_pq.PQclear(r);
		return pg_err("prepare", cs_pq.PQerrorMessage(s->pg), err);
	}
	cs_pq.PQclear(r);
	c->sql = sql;
	s->ncache++;
	*out = c;
	return TIMS_OK;
}

static tims_rc pg_query(struct tims_cstore *s, const char *sql, int cached,
			const struct cs_param *p, int np, cs_row_fn fn, void *ctx,
			uint64_t *changes, struct tims_err *err)
{
	struct cs_cached *c;
	const char *vals[CS_MAX_PARAMS];
	char ints[CS_MAX_PARAMS][24];
	struct tims_buf q = TIMS_BUF_INIT(1 << 16);
	PGresult *r = NULL;
	tims_rc rc = TIMS_OK;

	if (np > CS_MAX_PARAMS)
		return tims_err_set(err, TIMS_ERR_USAGE, "query store: too many parameters");
	if (s->piped && (rc = cs_flush(s, err)))
		return rc;
	pg_values(p, np, vals, ints);
	if ((rc = pg_prepared(s, sql, cached, np, &q, &c, err)))
		goto out;
	if (c)
		r = cs_pq.PQexecPrepared(s->pg, c->name, np, vals, NULL, NULL, 0);
	else
		r = cs_pq.PQexecParams(s->pg, tims_buf_str(&q), np, NULL, vals, NULL, NULL, 0);
	if (cs_pq.PQresultStatus(r) == PGRES_TUPLES_OK) {
		int rows = cs_pq.PQntuples(r), cols = cs_pq.PQnfields(r);

		for (int i = 0; i < rows && fn; i++) {
			struct cs_row row;

			row.n = cols > CS_MAX_COLS ? CS_MAX_COLS : cols;
			for (int j = 0; j < row.n; j++)
				row.v[j] = cs_pq.PQgetisnull(r, i, j) ? NULL : cs_pq.PQgetvalue(r, i, j);
			if ((rc = fn(ctx, &row)))
				goto out;
		}
	} else if (cs_pq.PQresultStatus(r) == PGRES_COMMAND_OK) {
		if (changes)
			*changes = (uint64_t)cs_int(cs_pq.PQcmdTuples(r));
	} else {
		rc = pg_err("query", cs_pq.PQresultErrorMessage(r), err);
	}
out:
	cs_pq.PQclear(r);
	tims_buf_release(&q);
	return rc;
}

tims_rc cs_send(struct tims_cstore *s, const char *sql, const struct cs_param *p, int np,
		const char *origin, int64_t idx, const char *leaf_hex, struct tims_err *err)
{
	struct tims_buf q = TIMS_BUF_INIT(1 << 16);
	const char *vals[CS_MAX_PARAMS];
	char ints[CS_MAX_PARAMS][24];
	struct cs_pending *pd;
	struct cs_cached *c;
	tims_rc rc;

	if (s->backend != CS_PG || np > CS_MAX_PARAMS)
		return tims_err_set(err, TIMS_ERR_USAGE, "query store: pipelined insert on %s",
				    s->backend == CS_PG ? "too many parameters" : "sqlite");
	if (s->npend == CS_PIPE_MAX && (rc = cs_flush(s, err)))
		return rc;
	if (!s->piped) {
		/* Prepared outside the pipeline: a prepare's answer is waited for. */
		rc = pg_prepared(s, sql, 1, np, &q, &c, err);
		tims_buf_release(&q);
		if (rc)
			return rc;
		if (!c)
			return tims_err_set(err, TIMS_ERR_STATE, "query store: statement cache full");
		if (cs_pq.PQenterPipelineMode(s->pg) != 1)
			return pg_err("pipeline", cs_pq.PQerrorMessage(s->pg), err);
		s->piped = 1;
	} else if (!(c = cache_find(s, sql))) {
		return tims_err_set(err, TIMS_ERR_STATE, "query store: pipelined statement not prepared");
	}
	pg_values(p, np, vals, ints);
	pd = &s->pend[s->npend];
	if (!(pd->origin = strdup(origin)))
		return tims_err_set(err, TIMS_ERR_NOMEM, "query store: out of memory");
	pd->idx = idx;
	snprintf(pd->leaf, sizeof(pd->leaf), "%s", leaf_hex);
	s->npend++;
	if (cs_pq.PQsendQueryPrepared(s->pg, c->name, np, vals, NULL, NULL, 0) != 1)
		return pg_err("send", cs_pq.PQerrorMessage(s->pg), err);
	return TIMS_OK;
}

static tims_rc leaf_row(void *ctx, const struct cs_row *row)
{
	snprintf(ctx, 80, "%s", row->v[0] ? row->v[0] : "");
	return TIMS_OK;
}

tims_rc cs_flush(struct tims_cstore *s, struct tims_err *err)
{
	size_t n = s->npend, nconflict = 0;
	size_t conflict[CS_PIPE_MAX];
	PGresult *r;
	tims_rc rc = TIMS_OK;

	if (!s->piped)
		return TIMS_OK;
	s->npend = 0;
	if (cs_pq.PQpipelineSync(s->pg) != 1) {
		rc = pg_err("pipeline", cs_pq.PQerrorMessage(s->pg), err);
		n = 0;
	}
	/* One result and a NULL per insert, then the sync. */
	for (size_t i = 0; i < n; i++) {
		r = cs_pq.PQgetResult(s->pg);
		if (cs_pq.PQresultStatus(r) == PGRES_COMMAND_OK) {
			if (cs_int(cs_pq.PQcmdTuples(r)) == 0)
				conflict[nconflict++] = i;
		} else if (!rc) {
			rc = pg_err("insert", cs_pq.PQresultStatus(r) == PGRES_PIPELINE_ABORTED ?
				    "an earlier statement of the batch failed" :
				    cs_pq.PQresultErrorMessage(r), err);
		}
		cs_pq.PQclear(r);
		if ((r = cs_pq.PQgetResult(s->pg)) != NULL)
			cs_pq.PQclear(r);
	}
	if (n && (r = cs_pq.PQgetResult(s->pg)) != NULL)
		cs_pq.PQclear(r); /* PGRES_PIPELINE_SYNC */
	if (cs_pq.PQexitPipelineMode(s->pg) != 1 && !rc)
		rc = pg_err("pipeline", cs_pq.PQerrorMessage(s->pg), err);
	s->piped = 0;
	/* A row already there: the same leaf is a duplicate, another is not. */
	for (size_t k = 0; !rc && k < nconflict; k++) {
		struct cs_pending *pd = &s->pend[conflict[k]];
		struct cs_param q[] = { CS_T(pd->origin), CS_I(pd->idx) };
		char held[80] = "";

		if (!(rc = cs_query(s, cs_sql_leaf, 1, q, 2, leaf_row, held, NULL, err)) &&
		    strcmp(held, pd->leaf) != 0)
			rc = tims_err_set(err, TIMS_ERR_TAMPER, "query store: %s %lld: a different "
					  "entry is already held at this index", pd->origin,
					  (long long)pd->idx);
	}
	for (size_t i = 0; i < CS_PIPE_MAX && s->pend[i].origin; i++) {
		free(s->pend[i].origin);
		s->pend[i].origin = NULL;
	}
	return rc;
}

tims_rc cs_query(struct tims_cstore *s, const char *sql, int cached,
		 const struct cs_param *p, int np, cs_row_fn fn, void *ctx,
		 uint64_t *changes, struct tims_err *err)
{
	struct tims_err local, *e = err ? err : &local;
	tims_rc rc;

	local.msg[0] = '\0';
	if (changes)
		*changes = 0;
	if (s->backend == CS_SQLITE)
		rc = sq_query(s, sql, cached, p, np, fn, ctx, changes, e);
	else
		rc = pg_query(s, sql, cached, p, np, fn, ctx, changes, e);
	/* a row callback's own code (NOMEM, TOOBIG) is not the store's failure */
	return rc == TIMS_ERR_DB || rc == TIMS_ERR_NET ? noted(s, rc, err, &local) : rc;
}
