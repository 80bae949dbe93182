/*
 * travel.c — the national travel feed the posts replicate
 * (tims_cstore_travel_page in include/tims/cstore.h).
 *
 * Every change of a crossing row (added, corrected, its time relinked,
 * erased, removed) appends its key to travel_feed, by triggers, so that no
 * path that writes crossings can forget it. The feed's sequence number is
 * the posts' cursor: a post asks for what came after the last number it
 * applied, and gets each changed crossing as it now stands — counting
 * (standing and admitted) or not. The centre writes its store one batch at
 * a time under its store lock, and pages are read under the same lock, so
 * a page never sees a later number committed before an earlier one.
 */
#include "internal.h"

#include <sodium.h>

#include "tims/util.h"

static const char schema_sqlite[] =
	"CREATE TABLE IF NOT EXISTS travel_feed (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	" origin TEXT NOT NULL, idx BIGINT NOT NULL);"
	"CREATE TRIGGER IF NOT EXISTS travel_feed_add AFTER INSERT ON crossings BEGIN"
	" INSERT INTO travel_feed (origin, idx) VALUES (NEW.origin, NEW.idx); END;"
	"CREATE TRIGGER IF NOT EXISTS travel_feed_change AFTER UPDATE OF corrected_by, when_ms,"
	" erased ON crossings BEGIN"
	" INSERT INTO travel_feed (origin, idx) VALUES (NEW.origin, NEW.idx); END;"
	"CREATE TRIGGER IF NOT EXISTS travel_feed_remove AFTER DELETE ON crossings BEGIN"
	" INSERT INTO travel_feed (origin, idx) VALUES (OLD.origin, OLD.idx); END;";

/* PostgreSQL has no CREATE TRIGGER IF NOT EXISTS: created once, by name. */
static const char schema_pg[] =
	"CREATE TABLE IF NOT EXISTS travel_feed (seq BIGSERIAL PRIMARY KEY,"
	" origin TEXT NOT NULL, idx BIGINT NOT NULL);"
	"DO $$ BEGIN"
	" IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'travel_feed_note') THEN"
	"  CREATE FUNCTION travel_feed_note() RETURNS trigger LANGUAGE plpgsql AS $f$"
	"  BEGIN"
	"   IF TG_OP = 'DELETE' THEN"
	"    INSERT INTO travel_feed (origin, idx) VALUES (OLD.origin, OLD.idx);"
	"   ELSE"
	"    INSERT INTO travel_feed (origin, idx) VALUES (NEW.origin, NEW.idx);"
	"   END IF;"
	"   RETURN NULL;"
	"  END $f$;"
	" END IF;"
	" IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'travel_feed_add') THEN"
	"  CREATE TRIGGER travel_feed_add AFTER INSERT OR DELETE OR UPDATE OF corrected_by,"
	"  when_ms, erased ON crossings FOR EACH ROW EXECUTE FUNCTION travel_feed_note();"
	" END IF;"
	" END $$;";

/* A store made before the feed existed: every row it holds, once. */
static const char sql_feed_mark[] =
	"INSERT INTO cs_meta (key, value) VALUES ('travel_feed', '1') ON CONFLICT (key) DO NOTHING";
static const char sql_feed_id_put[] =
	"INSERT INTO cs_meta (key, value) VALUES ('travel_feed_id', ?1) ON CONFLICT (key) DO NOTHING";
static const char sql_feed_id_get[] = "SELECT value FROM cs_meta WHERE key = 'travel_feed_id'";
static const char sql_feed_fill[] =
	"INSERT INTO travel_feed (origin, idx) SELECT origin, idx FROM crossings"
	" WHERE NOT EXISTS (SELECT 1 FROM travel_feed) ORDER BY when_ms, origin, idx";

tims_rc cs_travel_schema(struct tims_cstore *s, struct tims_err *err)
{
	uint64_t changes = 0;
	tims_rc rc;

	if ((rc = cs_exec(s, s->backend == CS_PG ? schema_pg : schema_sqlite, err)))
		return rc;
	if ((rc = cs_exec(s, "BEGIN", err)))
		return rc;
	rc = cs_query(s, sql_feed_mark, 0, NULL, 0, NULL, NULL, &changes, err);
	if (!rc && changes)
		rc = cs_query(s, sql_feed_fill, 0, NULL, 0, NULL, NULL, NULL, err);
	if (!rc) {
		/* The feed's identity: a post that followed another feed (this
		 * store rebuilt, another centre) sees it and starts again. */
		uint8_t id[16];
		char hex[33];
		struct cs_param p[] = { CS_T(hex) };

		randombytes_buf(id, sizeof(id));
		sodium_bin2hex(hex, sizeof(hex), id, sizeof(id));
		rc = cs_query(s, sql_feed_id_put, 0, p, 1, NULL, NULL, NULL, err);
	}
	if (!rc)
		return cs_exec(s, "COMMIT", err);
	cs_exec(s, "ROLLBACK", NULL);
	return rc;
}

static const char sql_page[] =
	"SELECT f.seq, f.origin, f.idx, c.erased, c.decision, c.corrected_by, c.issuer,"
	" c.sealed, c.nationality, c.direction, c.when_ms"
	" FROM travel_feed f LEFT JOIN crossings c ON c.origin = f.origin AND c.idx = f.idx"
	" WHERE f.seq > ?1 ORDER BY f.seq LIMIT ?2";

static int letters(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			return 0;
	return 1;
}

static int day_of(json_t *v, int64_t def, int64_t *out)
{
	const char *s = json_string_value(v);

	if (!s || !*s) {
		*out = def;
		return 1;
	}
	return tims_date_parse(s, out, "visa", NULL) == TIMS_OK;
}

const char *cs_rec_str(json_t *rec, const char *key)
{
	const char *v = json_string_value(json_object_get(json_object_get(rec, "person"), key));

	return v ? v : "";
}

int cs_record_visa(const char *record_json, struct tims_stay_visa *out)
{
	json_t *rec;
	int ok;

	memset(out, 0, sizeof(*out));
	out->valid_from = INT64_MIN;
	out->valid_until = INT64_MAX;
	/* most records carry no visa: no JSON parse for them */
	if (!record_json || !strstr(record_json, "\"visa\""))
		return 1;
	if (!(rec = json_loads(record_json, 0, NULL)))
		return 0;
	ok = cs_record_visa_json(rec, out);
	json_decref(rec);
	return ok;
}

int cs_record_visa_json(json_t *rec, struct tims_stay_visa *out)
{
	json_t *v;
	int kind, ok = 0;

	memset(out, 0, sizeof(*out));
	out->valid_from = INT64_MIN;
	out->valid_until = INT64_MAX;
	if (!rec)
		return 1;
	v = json_object_get(rec, "visa");
	if (!json_is_object(v) || (kind = tims_stay_visa_kind_parse(
		json_string_value(json_object_get(v, "kind")))) <= 0) {
		ok = !v || json_is_object(v); /* none given, or "none" */
		goto out;
	}
	out->kind = (uint8_t)kind;
	if (!day_of(json_object_get(v, "valid_from"), INT64_MIN, &out->valid_from) ||
	    !day_of(json_object_get(v, "valid_until"), INT64_MAX, &out->valid_until) ||
	    json_integer_value(json_object_get(v, "entries")) < 0 ||
	    json_integer_value(json_object_get(v, "entries")) > 2 ||
	    json_integer_value(json_object_get(v, "duration_days")) < 0 ||
	    json_integer_value(json_object_get(v, "duration_days")) > 3650 ||
	    out->valid_from > out->valid_until) {
		memset(out, 0, sizeof(*out));
		out->valid_from = INT64_MIN;
		out->valid_until = INT64_MAX;
		goto out;
	}
	out->entries = (unsigned)json_integer_value(json_object_get(v, "entries"));
	out->days = (unsigned)json_integer_value(json_object_get(v, "duration_days"));
	ok = 1;
out:
	return ok;
}

static const char sql_ahead[] =
	"SELECT CASE WHEN COALESCE(MAX(seq), 0) < ?1 THEN 1 ELSE 0 END FROM travel_feed";

static tims_rc ahead_row(void *ctx, const struct cs_row *row)
{
	*(int *)ctx = cs_int(row->v[0]) != 0;
	return TIMS_OK;
}

struct page {
	struct tims_cstore *s;
	struct tims_err *err;
	tims_cstore_travel_fn fn;
	void *ctx;
	uint64_t last;
	unsigned n;
};

static tims_rc page_row(void *ctx, const struct cs_row *row)
{
	struct page *pg = ctx;
	struct tims_cstore_travel_row r;

	memset(&r, 0, sizeof(r));
	r.seq = (uint64_t)cs_int(row->v[0]);
	snprintf(r.origin, sizeof(r.origin), "%s", row->v[1] ? row->v[1] : "");
	r.index = (uint64_t)cs_int(row->v[2]);
	r.visa.valid_from = INT64_MIN;
	r.visa.valid_until = INT64_MAX;
	pg->last = r.seq;
	pg->n++;
	/* Counts: held, not erased, admitted, not corrected. */
	r.counts = row->v[3] && cs_int(row->v[3]) == 0 &&
		   cs_int(row->v[4]) == TIMS_DECISION_ADMIT && !row->v[5] &&
		   (cs_int(row->v[9]) == TIMS_DIR_ENTRY || cs_int(row->v[9]) == TIMS_DIR_EXIT);
	if (r.counts) {
		/* The document number and the visa are in the sealed record:
		 * opened here (a row that does not open fails the page). */
		json_t *rec = cs_open_json(pg->s, row->v[1], row->v[2], row->v[7], pg->err);
		const char *doc;
		tims_rc rc;

		if (!rec)
			return pg->err->rc ? pg->err->rc : TIMS_ERR_TAMPER;
		doc = cs_rec_str(rec, "number");
		/* Only what a post can take (record.h's own rules): anything
		 * else would make every post refuse the page, forever. */
		if (!row->v[6] || !letters(row->v[6], 3) || !row->v[8] || !letters(row->v[8], 3) ||
		    !*doc || strlen(doc) >= TIMS_RECORD_FIELD || cs_int(row->v[10]) < 0) {
			r.counts = 0;
		} else {
			snprintf(r.issuer, sizeof(r.issuer), "%s", row->v[6]);
			snprintf(r.doc, sizeof(r.doc), "%s", doc);
			snprintf(r.nationality, sizeof(r.nationality), "%s", row->v[8]);
			r.direction = (uint8_t)cs_int(row->v[9]);
			r.at_ms = cs_int(row->v[10]);
			if (r.direction == TIMS_DIR_ENTRY)
				cs_record_visa_json(rec, &r.visa);
		}
		json_decref(rec);
		rc = pg->fn(pg->ctx, &r);
		sodium_memzero(r.doc, sizeof(r.doc));
		return rc;
	}
	return pg->fn(pg->ctx, &r);
}

tims_rc tims_cstore_travel_page(struct tims_cstore *s, uint64_t since, unsigned limit,
				tims_cstore_travel_fn fn, void *ctx, uint64_t *next,
				struct tims_err *err)
{
	struct cs_param p[] = { CS_I(since), CS_I(limit) };
	struct page pg = { s, err, fn, ctx, since, 0 };
	tims_rc rc;

	*next = since;
	if ((rc = cs_readable(s, err)))
		return rc;
	if (since > INT64_MAX)
		return tims_err_set(err, TIMS_ERR_INVALID, "since: out of range");
	if (limit == 0 || limit > TIMS_CSTORE_MAX_PAGE)
		return tims_err_set(err, TIMS_ERR_INVALID, "limit: want 1 to %d",
				    TIMS_CSTORE_MAX_PAGE);
	if ((rc = cs_query(s, sql_page, 1, p, 2, page_row, &pg, NULL, err)))
		return rc;
	*next = pg.last;
	if (!pg.n && since) {
		/* A post past the end: this feed is not the one it followed (a
		 * store rebuilt from the mirrors starts again at 1). */
		struct cs_param q[] = { CS_I(since) };
		int ahead = 0;

		if ((rc = cs_query(s, sql_ahead, 1, q, 1, ahead_row, &ahead, NULL, err)))
			return rc;
		if (ahead)
			return tims_err_set(err, TIMS_ERR_STATE, "since: %" PRIu64 " is past the "
					    "end of this centre's feed: start again from 0", since);
	}
	return TIMS_OK;
}

static tims_rc feed_id_row(void *ctx, const struct cs_row *row)
{
	snprintf(ctx, 33, "%s", row->v[0] ? row->v[0] : "");
	return TIMS_OK;
}

tims_rc tims_cstore_travel_feed(struct tims_cstore *s, char id[33], struct tims_err *err)
{
	id[0] = '\0';
	return cs_query(s, sql_feed_id_get, 1, NULL, 0, feed_id_row, id, NULL, err);
}
