/*
 * db.c — the query store's statement layer over SQLite and libpq
 * (see internal.h).
 */
#include "internal.h"

#include <ctype.h>
#include <errno.h>

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

tims_rc cs_exec(struct tims_cstore *s, const char *sql, struct tims_err *err)
{
	if (s->backend == CS_SQLITE) {
		char *msg = NULL;

		if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
			tims_rc rc = tims_err_set(err, TIMS_ERR_DB, "query store (sqlite): %s",
						  msg ? msg : "error");
			sqlite3_free(msg);
			return rc;
		}
		return TIMS_OK;
	} else {
		PGresult *r = PQexec(s->pg, sql);
		tims_rc rc = TIMS_OK;

		if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
			rc = pg_err("exec", PQerrorMessage(s->pg), err);
		PQclear(r);
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

static tims_rc pg_query(struct tims_cstore *s, const char *sql, int cached,
			const struct cs_param *p, int np, cs_row_fn fn, void *ctx,
			uint64_t *changes, struct tims_err *err)
{
	struct cs_cached *c = cached ? cache_find(s, sql) : NULL;
	const char *vals[CS_MAX_PARAMS];
	char ints[CS_MAX_PARAMS][24];
	struct tims_buf q = TIMS_BUF_INIT(1 << 16);
	PGresult *r = NULL;
	tims_rc rc = TIMS_OK;

	if (np > CS_MAX_PARAMS)
		return tims_err_set(err, TIMS_ERR_USAGE, "query store: too many parameters");
	for (int i = 0; i < np; i++) {
		if (p[i].type == CS_INT) {
			snprintf(ints[i], sizeof(ints[i]), "%lld", (long long)p[i].i);
			vals[i] = ints[i];
		} else {
			vals[i] = p[i].type == CS_TEXT ? p[i].s : NULL;
		}
	}
	if (pg_sql(sql, &q)) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "query store: out of memory");
		goto out;
	}
	if (cached && !c && s->ncache < CS_CACHE) {
		c = &s->cache[s->ncache];
		snprintf(c->name, sizeof(c->name), "cs%zu", s->ncache);
		r = PQprepare(s->pg, c->name, tims_buf_str(&q), np, NULL);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			rc = pg_err("prepare", PQerrorMessage(s->pg), err);
			goto out;
		}
		PQclear(r);
		c->sql = sql;
		s->ncache++;
	}
	if (c)
		r = PQexecPrepared(s->pg, c->name, np, vals, NULL, NULL, 0);
	else
		r = PQexecParams(s->pg, tims_buf_str(&q), np, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(r) == PGRES_TUPLES_OK) {
		int rows = PQntuples(r), cols = PQnfields(r);

		for (int i = 0; i < rows && fn; i++) {
			struct cs_row row;

			row.n = cols > CS_MAX_COLS ? CS_MAX_COLS : cols;
			for (int j = 0; j < row.n; j++)
				row.v[j] = PQgetisnull(r, i, j) ? NULL : PQgetvalue(r, i, j);
			if ((rc = fn(ctx, &row)))
				goto out;
		}
	} else if (PQresultStatus(r) == PGRES_COMMAND_OK) {
		if (changes)
			*changes = (uint64_t)cs_int(PQcmdTuples(r));
	} else {
		rc = pg_err("query", PQresultErrorMessage(r), err);
	}
out:
	PQclear(r);
	tims_buf_release(&q);
	return rc;
}

tims_rc cs_query(struct tims_cstore *s, const char *sql, int cached,
		 const struct cs_param *p, int np, cs_row_fn fn, void *ctx,
		 uint64_t *changes, struct tims_err *err)
{
	if (changes)
		*changes = 0;
	if (s->backend == CS_SQLITE)
		return sq_query(s, sql, cached, p, np, fn, ctx, changes, err);
	return pg_query(s, sql, cached, p, np, fn, ctx, changes, err);
}
