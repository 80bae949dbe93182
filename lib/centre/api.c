/*
 * api.c — screening before arrival at the centre (docs/paxlst.md,
 * "Screening before arrival"): a carrier's PAXLST file parsed, every
 * traveller screened against the centre's own watchlists (DIR/watchlists,
 * the lists it signs and sends to the posts) with the posts' engine, the
 * lists stored in DIR/api.db (lib/api) and each hit put in the dashboard's
 * alert queue, all or nothing.
 *
 * Fail closed: watchlists that cannot be opened, loaded or searched stop
 * the import before anything is stored; an alert that cannot be raised
 * rolls the file's store back. The hit's alert names the flight, its
 * expected arrival and the list entry, never the traveller (centre.db
 * holds no personal data in clear: docs/security.md); the traveller is in
 * api.db, sealed, read through `tims api show` (audited).
 */
#include <ctype.h>
#include <sodium.h>
#include <unistd.h>

#include "tims/api.h"
#include "tims/arrivals.h"
#include "tims/bundle.h"
#include "tims/prescreen.h"
#include "tims/tz.h"
#include "tims/util.h"
#include "tims/mlog.h"
#include "tims/officer.h"
#include "tims/paxlst.h"
#include "tims/record.h"
#include "tims/vault.h"
#include "tims/watchlist.h"
#include "internal.h"

tims_rc tims_centre_api_store(struct tims_centre *c, struct tims_api **out,
			      struct tims_err *err)
{
	tims_rc rc;

	*out = NULL;
	if ((rc = centre_vault_ready(c, err)))
		return rc;
	return tims_api_open(c->dir, c->vault, out, err);
}

struct hit_ctx {
	struct tims_centre *c;
	const struct tims_arrivals_map *map;
};

/* The expected arrival as the alert says it: as sent (the airport's local
 * time), and in UTC when the airports map gives the airport's zone. */
static void expected_of(const struct tims_arrivals_map *map, const struct tims_api_flight_result *f,
			char *out, size_t cap)
{
	const struct tims_arrivals_airport *ap = tims_arrivals_map_find(map, f->arrival_airport);
	int64_t wall = tims_api_time_ms(f->arrival_time), utc;
	char iso[32];

	if (!f->arrival_time[0]) {
		snprintf(out, cap, "?");
		return;
	}
	if (!ap || !ap->zone[0] || !wall || tims_tz_wall_to_utc(ap->zone, wall, &utc, NULL)) {
		snprintf(out, cap, "%s", f->arrival_time);
		return;
	}
	{
		int64_t days = utc >= 0 ? utc / 86400000 : -((-utc + 86399999) / 86400000),
			rem = utc - days * 86400000, y;
		unsigned mo, d;

		tims_civil_from_days(days, &y, &mo, &d);
		snprintf(iso, sizeof(iso), "%04lld-%02u-%02uT%02d:%02d", (long long)y, mo, d,
			 (int)(rem / 3600000), (int)(rem / 60000 % 60));
	}
	snprintf(out, cap, "%s local time (%sZ)", f->arrival_time, iso);
}

static tims_rc raise_hit(void *ctx, const struct tims_api_flight_result *f, size_t traveller,
			 const struct tims_paxlst_traveller *t,
			 const struct tims_api_screening *s, struct tims_err *err)
{
	struct hit_ctx *x = ctx;
	struct tims_centre *c = x->c;
	char expected[96];
	tims_rc rc = TIMS_OK;

	expected_of(x->map, f, expected, sizeof(expected));
	for (unsigned i = 0; !rc && i < s->nhits && i < TIMS_API_HITS_MAX; i++) {
		const struct tims_api_hit *h = &s->hits[i];
		char d[512];

		snprintf(d, sizeof(d), "flight %s of %s, %s to %s, expected %s: traveller %zu (%s)"
			 " of version %u matches %s list %s entry %s (%s, entry version %llu,"
			 " list version %llu)", f->flight, f->date, f->departure_airport,
			 f->arrival_airport, expected, traveller,
			 t->role, f->version, h->part, h->list, h->ref, h->alert[0] ? h->alert : "-",
			 (unsigned long long)h->entry_version, (unsigned long long)h->list_version);
		rc = tims_centre_alert_raise(c, "api-hit", NULL, d, err);
	}
	if (!rc && s->nhits > TIMS_API_HITS_MAX) {
		char d[300];

		snprintf(d, sizeof(d), "flight %s of %s: traveller %zu of version %u has %u hits,"
			 " %d alerted: see tims api show", f->flight, f->date, traveller, f->version,
			 s->nhits, TIMS_API_HITS_MAX);
		rc = tims_centre_alert_raise(c, "api-hit", NULL, d, err);
	}
	return rc;
}

tims_rc tims_centre_api_import(struct tims_centre *c, const char *buf, size_t len,
			       int64_t now_ms, struct tims_api_import_result *res,
			       struct tims_err *err)
{
	struct tims_api_screening *scr = NULL;
	struct tims_api_screener *sc = NULL;
	struct tims_screen_index *ix = NULL;
	struct tims_api *api = NULL;
	struct tims_wl *wl = NULL;
	struct tims_paxlst p;
	uint8_t sha[32];
	char path[CENTRE_PATH_MAX];
	tims_rc rc;

	memset(res, 0, sizeof(*res));
	crypto_hash_sha256(sha, (const unsigned char *)buf, len);
	if ((rc = tims_paxlst_parse(buf, len, NULL, &p, err))) {
		res->file_refused = 1;
		return rc;
	}
	/* the centre's watchlists, or no import at all */
	if ((rc = centre_path(c, "watchlists", path, err)))
		goto out;
	if (access(path, F_OK) != 0) {
		rc = tims_err_set(err, TIMS_ERR_NOTFOUND, "watchlists: %s: the centre holds no "
				  "watchlists to screen against: nothing imported", path);
		goto out;
	}
	if ((rc = tims_wl_open(path, false, &wl, err)) || (rc = tims_wl_load_index(wl, &ix, err)) ||
	    (rc = tims_api_screener_new(wl, ix, &sc, err))) {
		char why[256];

		snprintf(why, sizeof(why), "%s", tims_err_msg(err));
		rc = tims_err_set(err, rc, "watchlists: %s cannot be read (%s): nothing screened, "
				  "nothing imported", path, why);
		goto out;
	}
	if (!(scr = calloc(p.n ? p.n : 1, sizeof(*scr)))) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < p.n; i++)
		if ((rc = tims_api_screen(sc, &p.t[i], &scr[i], err))) {
			char why[256];

			snprintf(why, sizeof(why), "%s", tims_err_msg(err));
			rc = tims_err_set(err, rc, "screening the traveller of segment %u failed "
					  "(%s): nothing imported", p.t[i].segment, why);
			goto out;
		}
	if ((rc = tims_centre_api_store(c, &api, err)))
		goto out;
	{
		/* the airports' zones for the alerts' times (a map that cannot
		 * be read: the times as sent, and the log says why) */
		struct tims_arrivals_map *map = calloc(1, sizeof(*map));
		struct tims_err merr;
		struct hit_ctx x = { c, map };

		if (!map) {
			rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
			goto out;
		}
		if (centre_airports_read(c, map, &merr))
			memset(map, 0, sizeof(*map));
		rc = tims_api_store(api, sha, now_ms, &p, scr, raise_hit, &x, res, err);
		free(map);
	}
	/* the store refuses a file's flights it cannot file (INVALID); its
	 * other failures, and the alerts', are the centre's */
	res->file_refused = rc == TIMS_ERR_INVALID;
out:
	tims_api_close(api);
	tims_api_screener_free(sc);
	tims_screen_index_free(ix);
	tims_wl_close(wl);
	if (scr)
		sodium_memzero(scr, (p.n ? p.n : 1) * sizeof(*scr));
	free(scr);
	tims_paxlst_release(&p);
	return rc;
}

/* ---- the airport posts' pre-screened arrivals (tims/prescreen.h) ------- */

tims_rc centre_airports_read(struct tims_centre *c, struct tims_arrivals_map *map,
			     struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(TIMS_ARRIVALS_MAP_MAX + 1);
	char path[CENTRE_PATH_MAX];
	tims_rc rc;

	memset(map, 0, sizeof(*map));
	if ((rc = centre_path(c, TIMS_ARRIVALS_MAP_FILE, path, err)))
		return rc;
	if (access(path, F_OK) != 0)
		return TIMS_OK;
	if (!(rc = tims_read_file(path, TIMS_ARRIVALS_MAP_MAX + 1, &b, err)))
		rc = tims_arrivals_map_parse(b.buf ? b.buf : "", b.len, path, map, err);
	tims_buf_release(&b);
	return rc;
}

size_t centre_airport_zones(const struct tims_arrivals_map *map, struct tims_api_zone *z)
{
	size_t n = 0;

	for (unsigned i = 0; i < map->n; i++)
		if (map->a[i].zone[0]) {
			snprintf(z[n].airport, sizeof(z[n].airport), "%s", map->a[i].code);
			snprintf(z[n].zone, sizeof(z[n].zone), "%s", map->a[i].zone);
			n++;
		}
	return n;
}

tims_rc tims_centre_arrivals_bundle(struct tims_centre *c, const char *post, int64_t now_ms,
				    uint64_t *version, char airport[4], struct tims_buf *out,
				    struct tims_err *err)
{
	struct tims_arrivals_map *map = calloc(1, sizeof(*map));
	const struct tims_arrivals_airport *ap = NULL;
	struct tims_buf lines = TIMS_BUF_INIT(TIMS_BUNDLE_MAX / 2);
	uint8_t key[TIMS_BUNDLE_ROSTER_KEY_BYTES];
	struct tims_api *api = NULL;
	size_t n, skipped;
	tims_rc rc;

	*version = 0;
	airport[0] = '\0';
	if (!map)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if ((rc = centre_airports_read(c, map, err)))
		goto out;
	for (unsigned i = 0; !ap && i < map->n; i++)
		for (unsigned k = 0; k < map->a[i].nposts; k++)
			if (!strcmp(map->a[i].posts[k], post))
				ap = &map->a[i];
	if (!ap) {
		rc = tims_err_set(err, TIMS_ERR_NOTFOUND, "post %s: at no airport (%s names it "
				  "at none)", post, TIMS_ARRIVALS_MAP_FILE);
		goto out;
	}
	snprintf(airport, 4, "%s", ap->code);
	if ((rc = tims_centre_api_store(c, &api, err)) ||
	    (rc = tims_api_serial(api, version, err)))
		goto out;
	if (!*version) {
		rc = tims_err_set(err, TIMS_ERR_NOTFOUND, "no passenger list held");
		goto out;
	}
	if (!out)
		goto out;
	if ((rc = centre_roster_key_load(c, post, key, err)))
		goto out;
	if (!(rc = tims_prescreen_lines(api, ap->code, ap->zone, now_ms, &lines, &n, &skipped,
					err)))
		rc = tims_bundle_arrivals(lines.buf ? lines.buf : "", lines.len, c->name, post,
					  ap->code, *version, key, &c->bundle_signer, out, err);
	sodium_memzero(key, sizeof(key));
out:
	tims_api_close(api);
	if (lines.buf)
		sodium_memzero(lines.buf, lines.alloc);
	tims_buf_release(&lines);
	free(map);
	return rc;
}

json_t *tims_centre_api_result_json(const char *file, const struct tims_api_import_result *r)
{
	json_t *fl = json_array(), *o;

	for (size_t i = 0; fl && i < r->nflights; i++) {
		const struct tims_api_flight_result *f = &r->f[i];

		json_array_append_new(fl, json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:b, s:b, s:b,"
			" s:s, s:I, s:I}",
			"flight", f->flight, "date", f->date, "departure_airport", f->departure_airport,
			"arrival_airport", f->arrival_airport, "arrival_time", f->arrival_time,
			"version", (int)f->version, "replay", f->replay, "replaced", f->replaced,
			"late", f->late, "prepared", f->prepared,
			"travellers", (json_int_t)f->travellers, "hits", (json_int_t)f->hits));
	}
	o = json_pack("{s:s, s:s, s:o, s:I, s:I, s:I}", "file", file, "sha256", r->sha256,
		      "flights", fl ? fl : json_array(), "travellers", (json_int_t)r->travellers,
		      "hits", (json_int_t)r->hits, "stored", (json_int_t)r->stored);
	return o;
}

/* ---- GET /api/v1/dashboard/arrivals?purpose=TEXT[&date=D][&airport=A] -----
 *
 * The dashboard's pre-arrival list: the flights whose passenger lists the
 * centre holds, expected from 24 hours ago on (date=YYYY-MM-DD: expected
 * that UTC day instead; airport=XXX: arriving there only), with their
 * current version, versions held, travellers and travellers with a hit; no
 * traveller. Audited (dashboard.arrivals, with the purpose and the
 * filters) before it is answered. A parameter it does not know, or a value
 * it cannot read, is refused 400 bad_query naming it (params field, rule). */

#define ARRIVALS_MAX 500

struct arrivals {
	json_t *list;
	const char *airport; /* NULL: any */
	uint64_t total; /* flights in the window, shown or not */
};

static tims_rc arrival_row(void *ctx, const struct tims_api_flight *f)
{
	struct arrivals *a = ctx;
	json_t *list = a->list;

	if (a->airport && strcmp(a->airport, f->arrival_airport))
		return TIMS_OK;
	a->total++;
	if (json_array_size(list) >= ARRIVALS_MAX)
		return TIMS_OK;
	return json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i,"
		" s:I, s:I, s:I}", "flight", f->flight, "date", f->date,
		"departure_airport", f->departure_airport, "departure_time", f->departure_time,
		"arrival_airport", f->arrival_airport, "arrival_time", f->arrival_time,
		"version", (int)f->current, "versions", (int)f->versions,
		"travellers", (json_int_t)f->travellers, "hits", (json_int_t)f->hits,
		"received_ms", (json_int_t)f->received_ms)) ? TIMS_ERR_NOMEM : TIMS_OK;
}

static tims_rc arrivals_refuse(struct tims_http_resp *resp, const char *field, const char *rule,
			       const char *msg)
{
	return tims_http_reply_error_params(resp, 400, "bad_query",
					    json_pack("{s:s, s:s}", "field", field, "rule", rule),
					    "%s: %s", field, msg);
}

tims_rc centre_h_dash_arrivals(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	static const char *const known[] = { "purpose", "date", "airport", NULL };
	struct centre_serve *s = app;
	const char *purpose = tims_http_query(req, "purpose");
	const char *date = tims_http_query(req, "date");
	const char *airport = tims_http_query(req, "airport");
	const char *unknown = tims_http_query_unknown(req, known);
	int64_t from_ms = tims_mlog_now_ms() - 24 * 3600000LL, to_ms = INT64_MAX;
	struct tims_api *api = NULL;
	struct arrivals a = { NULL, NULL, 0 };
	struct tims_err err;
	json_t *list, *out, *q;
	char *qtext, *atext;
	tims_rc rc;

	if (unknown) {
		char f[40];

		tims_http_log_escape(unknown, f, sizeof(f));
		return arrivals_refuse(resp, f, "unknown", "unknown parameter");
	}
	if (!purpose || strlen(purpose) < 3 || strlen(purpose) > 200)
		return tims_http_reply_error(resp, 400, "purpose_required", "purpose: 3 to 200 "
					     "bytes, why the passenger lists are read");
	if (date && *date) {
		int64_t day;

		if (strlen(date) != 10 || tims_date_parse(date, &day, "date", NULL) || day < 0)
			return arrivals_refuse(resp, "date", "invalid", "want a day YYYY-MM-DD");
		from_ms = day * 86400000LL;
		to_ms = from_ms + 86400000LL;
	} else
		date = NULL;
	if (airport && *airport) {
		/* an IATA location code as the TDT's LOC+87 sends it */
		if (strlen(airport) != 3 || !isupper((unsigned char)airport[0]) ||
		    !isupper((unsigned char)airport[1]) || !isupper((unsigned char)airport[2]))
			return arrivals_refuse(resp, "airport", "invalid",
					       "want three capital letters (IATA code)");
		a.airport = airport;
	} else
		airport = NULL;
	if (!(list = json_array()))
		return TIMS_ERR_NOMEM;
	a.list = list;
	tims_err_clear(&err);
	if ((rc = tims_api_open(s->c->dir, s->c->vault, &api, &err)) ||
	    (rc = tims_api_flights(api, from_ms, to_ms, arrival_row, &a, &err))) {
		tims_api_close(api);
		json_decref(list);
		if (rc == TIMS_ERR_NOMEM)
			return rc;
		/* a store that cannot be read is no empty list */
		return tims_http_reply_error(resp, 503, "store_unavailable", "%s", err.msg);
	}
	tims_api_close(api);
	/* at most ARRIVALS_MAX listed; "total" says how many there are, so a
	 * cut list is never taken for the whole */
	if (!(out = json_pack("{s:o, s:I, s:I}", "flights", list, "total", (json_int_t)a.total,
			      "shown", (json_int_t)json_array_size(list))))
		return TIMS_ERR_NOMEM;
	q = date ? json_pack("{s:s}", "date", date) : json_pack("{s:s}", "since", "24 hours ago");
	if (q && airport)
		json_object_set_new(q, "airport", json_string(airport));
	qtext = q ? json_dumps(q, JSON_COMPACT) : NULL;
	atext = json_dumps(out, JSON_COMPACT);
	json_decref(q);
	rc = centre_audit(s->c, req->who.id, tims_role_name(req->who.role), req->addr,
			  "dashboard.arrivals", purpose, qtext ? qtext : "{}", atext, 200, &err);
	free(qtext);
	free(atext);
	if (rc) {
		json_decref(out);
		return centre_no_trace(s->c, resp, rc);
	}
	return tims_http_reply_json(resp, 200, out);
}
