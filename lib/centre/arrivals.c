/*
 * arrivals.c — the reports after arrival (tims/arrivals.h, docs/paxlst.md
 * "After arrival"): travellers on a flight's list who did not cross at the
 * airport within N hours of its expected arrival (no-show), and entry
 * crossings at an airport whose document is on no list of a flight
 * arriving there (unlisted).
 *
 * Matching is by the document number and issuing state: a list's number
 * is blinded with the query store's index key and compared with the
 * crossings' blind indexes; no document number is compared or kept in
 * clear. The crossings of an airport's posts in the report's period are
 * read once (clear facts and blind indexes only), sorted, and each
 * traveller looked up in them: one indexed scan per post, not a query per
 * traveller.
 *
 * Which posts are an airport's: the centre's airports map (airports.conf,
 * post names resolved to their log origins through the enrolled posts).
 * A crossing elsewhere does not count: a traveller on the list who entered
 * by land the same day did not come off that aircraft, and matching at any
 * post would hide exactly the traveller the report is for. An airport
 * without posts in the map is an error, never an empty report.
 */
#include <ctype.h>
#include <sodium.h>
#include <unistd.h>

#include "tims/api.h"
#include "tims/arrivals.h"
#include "tims/cstore.h"
#include "tims/export.h"
#include "tims/mlog.h"
#include "tims/mrz.h"
#include "tims/record.h"
#include "tims/tz.h"
#include "tims/util.h"
#include "internal.h"

#define HOUR_MS 3600000LL
#define DAY_MS 86400000LL

/* ---- the airports map --------------------------------------------------- */

static int iata(const char *s, size_t n)
{
	if (n != 3)
		return 0;
	for (size_t i = 0; i < 3; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			return 0;
	return 1;
}

const struct tims_arrivals_airport *tims_arrivals_map_find(const struct tims_arrivals_map *m,
							   const char *code)
{
	for (unsigned i = 0; m && code && i < m->n; i++)
		if (!strcmp(m->a[i].code, code))
			return &m->a[i];
	return NULL;
}

static int blank(char c)
{
	return c == ' ' || c == '\t';
}

tims_rc tims_arrivals_map_parse(const char *text, size_t len, const char *name,
				struct tims_arrivals_map *out, struct tims_err *err)
{
	const char *p = text, *end = text + len;
	unsigned line = 0;

	memset(out, 0, sizeof(*out));
	if (len > TIMS_ARRIVALS_MAP_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: more than %d bytes", name,
				    TIMS_ARRIVALS_MAP_MAX);
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *q, *eq;
		struct tims_arrivals_airport *ap;

		if (!eol)
			eol = end;
		line++;
		q = p;
		p = eol + 1;
		while (q < eol && blank(*q))
			q++;
		if (eol > q && eol[-1] == '\r')
			eol--;
		if (q == eol || *q == '#')
			continue;
		for (const char *c = q; c < eol; c++)
			if ((unsigned char)*c < 0x20 && !blank(*c)) {
				memset(out, 0, sizeof(*out));
				return tims_err_set(err, TIMS_ERR_INVALID, "%s:%u: a control byte",
						    name, line);
			}
		if (!(eq = memchr(q, '=', (size_t)(eol - q)))) {
			memset(out, 0, sizeof(*out));
			return tims_err_set(err, TIMS_ERR_INVALID, "%s:%u: want CODE = POST "
					    "[POST ...]", name, line);
		}
		{
			const char *ce = eq, *kw;
			int zone_line = 0;
			struct tims_arrivals_airport *had;
			char code[4];

			while (ce > q && blank(ce[-1]))
				ce--;
			/* "CODE zone = ZONE" gives the airport's time zone */
			if (ce - q > 3 && blank(q[3])) {
				for (kw = q + 3; kw < ce && blank(*kw); kw++)
					;
				if (ce - kw != 4 || memcmp(kw, "zone", 4)) {
					memset(out, 0, sizeof(*out));
					return tims_err_set(err, TIMS_ERR_INVALID, "%s:%u: want CODE "
							    "= POST [POST ...] or CODE zone = "
							    "ZONE", name, line);
				}
				zone_line = 1;
				ce = q + 3;
			}
			if (!iata(q, (size_t)(ce - q))) {
				memset(out, 0, sizeof(*out));
				return tims_err_set(err, TIMS_ERR_INVALID, "%s:%u: airport: want "
						    "three capital letters (IATA code)", name, line);
			}
			memcpy(code, q, 3);
			code[3] = '\0';
			had = (struct tims_arrivals_airport *)tims_arrivals_map_find(out, code);
			if (had && (zone_line ? had->zone[0] != '\0' : had->nposts != 0)) {
				memset(out, 0, sizeof(*out));
				return tims_err_set(err, TIMS_ERR_INVALID, "%s:%u: airport %s: %s"
						    "named twice", name, line, code,
						    zone_line ? "zone " : "");
			}
			if (!had && out->n == TIMS_ARRIVALS_AIRPORTS_MAX) {
				memset(out, 0, sizeof(*out));
				return tims_err_set(err, TIMS_ERR_TOOBIG, "%s:%u: more than %d "
						    "airports", name, line,
						    TIMS_ARRIVALS_AIRPORTS_MAX);
			}
			if (!had) {
				had = &out->a[out->n++];
				memset(had, 0, sizeof(*had));
				memcpy(had->code, code, 4);
			}
			ap = had;
			if (zone_line) {
				const char *z = eq + 1, *ze = eol;
				tims_rc zrc;

				while (z < ze && blank(*z))
					z++;
				while (ze > z && blank(ze[-1]))
					ze--;
				if (ze - z < 1 || ze - z >= TIMS_TZ_NAME_MAX) {
					memset(out, 0, sizeof(*out));
					return tims_err_set(err, TIMS_ERR_INVALID, "%s:%u: airport %s: "
							    "zone: want an IANA time zone name",
							    name, line, code);
				}
				memcpy(ap->zone, z, (size_t)(ze - z));
				ap->zone[ze - z] = '\0';
				if ((zrc = tims_tz_check(ap->zone, err))) {
					char why[TIMS_ERR_MSG_BYTES];

					snprintf(why, sizeof(why), "%s", err ? err->msg : "");
					memset(out, 0, sizeof(*out));
					return tims_err_set(err, zrc, "%s:%u: airport %s: %s", name,
							    line, code, why);
				}
				continue;
			}
		}
		for (q = eq + 1; q < eol;) {
			const char *w;

			while (q < eol && blank(*q))
				q++;
			if (q == eol)
				break;
			for (w = q; w < eol && !blank(*w); w++)
				if ((unsigned char)*w > 0x7e) {
					memset(out, 0, sizeof(*out));
					return tims_err_set(err, TIMS_ERR_INVALID, "%s:%u: post: "
							    "printable ASCII only", name, line);
				}
			if (ap->nposts == TIMS_ARRIVALS_POSTS_MAX || w - q > TIMS_NOTE_MAX_NAME) {
				memset(out, 0, sizeof(*out));
				return tims_err_set(err, TIMS_ERR_TOOBIG, "%s:%u: at most %d posts "
						    "of at most %d bytes", name, line,
						    TIMS_ARRIVALS_POSTS_MAX, TIMS_NOTE_MAX_NAME);
			}
			memcpy(ap->posts[ap->nposts], q, (size_t)(w - q));
			ap->posts[ap->nposts][w - q] = '\0';
			ap->nposts++;
			q = w;
		}
		if (!ap->nposts) {
			char code[4];

			memcpy(code, ap->code, 4);
			memset(out, 0, sizeof(*out));
			return tims_err_set(err, TIMS_ERR_INVALID, "%s:%u: airport %s: no post "
					    "named", name, line, code);
		}
	}
	for (unsigned i = 0; i < out->n; i++)
		if (!out->a[i].nposts) {
			char code[4];

			memcpy(code, out->a[i].code, 4);
			memset(out, 0, sizeof(*out));
			return tims_err_set(err, TIMS_ERR_INVALID, "%s: airport %s: a zone but no "
					    "post named", name, code);
		}
	return TIMS_OK;
}

/* ---- the query ---------------------------------------------------------- */

int tims_arrivals_kind_parse(const char *s)
{
	if (s && !strcmp(s, "no-show"))
		return TIMS_ARRIVALS_NO_SHOW;
	if (s && !strcmp(s, "unlisted"))
		return TIMS_ARRIVALS_UNLISTED;
	return 0;
}

const char *tims_arrivals_kind_name(int kind)
{
	return kind == TIMS_ARRIVALS_NO_SHOW ? "no-show" :
	       kind == TIMS_ARRIVALS_UNLISTED ? "unlisted" : "?";
}

tims_rc tims_arrivals_query_check(const char *date, const char *hours, const char *airport,
				  struct tims_arrivals_query *q, struct tims_err *err)
{
	int64_t day;

	if (!date || strlen(date) != 10 || tims_date_parse(date, &day, "date", NULL) || day < 0)
		return tims_err_set(err, TIMS_ERR_INVALID, "date: want a day YYYY-MM-DD");
	q->day = day;
	q->hours = TIMS_ARRIVALS_HOURS_DEFAULT;
	if (hours && *hours) {
		unsigned long h = 0;
		size_t n = strlen(hours);

		if (n > 3)
			return tims_err_set(err, TIMS_ERR_INVALID, "hours: want 1 to %d",
					    TIMS_ARRIVALS_HOURS_MAX);
		for (size_t i = 0; i < n; i++) {
			if (!isdigit((unsigned char)hours[i]))
				return tims_err_set(err, TIMS_ERR_INVALID, "hours: want 1 to %d",
						    TIMS_ARRIVALS_HOURS_MAX);
			h = h * 10 + (unsigned long)(hours[i] - '0');
		}
		if (h < 1 || h > TIMS_ARRIVALS_HOURS_MAX)
			return tims_err_set(err, TIMS_ERR_INVALID, "hours: want 1 to %d",
					    TIMS_ARRIVALS_HOURS_MAX);
		q->hours = (unsigned)h;
	}
	q->airport[0] = '\0';
	if (airport && *airport) {
		if (!iata(airport, strlen(airport)))
			return tims_err_set(err, TIMS_ERR_INVALID, "airport: want three capital "
					    "letters (IATA code)");
		memcpy(q->airport, airport, 4);
	}
	return TIMS_OK;
}

/* ---- crossings and lists, by blind key ---------------------------------- */

/* An issuing state as both sides write it, through the one table of
 * codes written two ways for the same document (tims_mrz_state_norm: the
 * MRZ's "D<<" and a list's "DEU", RKS and XKX, GBD and GBR ...). */
static void state_norm(const char *in, char *out, size_t cap)
{
	tims_mrz_state_norm(in, TIMS_MRZ_STATE_ISSUER, out, cap);
}

/* a document: its blind index and its issuing state */
struct key {
	char doc[TIMS_VAULT_BLIND_HEX];
	char issuer[16];
};

static int key_cmp(const struct key *a, const struct key *b)
{
	int c = strcmp(a->doc, b->doc);

	return c ? c : strcmp(a->issuer, b->issuer);
}

struct entry {
	struct key k;
	int64_t when_ms;
	struct tims_cstore_entry *e;   /* unlisted: the whole row */
};

static int entry_cmp(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;
	int c = key_cmp(&a->k, &b->k);

	if (c)
		return c;
	return a->when_ms < b->when_ms ? -1 : a->when_ms > b->when_ms;
}

struct entries {
	struct entry *v;
	size_t n, cap;
	int keep;                      /* keep the rows (unlisted) */
};

static void entries_release(struct entries *x)
{
	for (size_t i = 0; x->keep && i < x->n; i++)
		free(x->v[i].e);
	free(x->v);
	memset(x, 0, sizeof(*x));
}

static tims_rc entry_add(void *ctx, const struct tims_cstore_entry *e)
{
	struct entries *x = ctx;
	struct entry *v;

	if (x->n == TIMS_ARRIVALS_ENTRIES_MAX)
		return TIMS_ERR_TOOBIG;
	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 256;

		if (!(v = realloc(x->v, cap * sizeof(*v))))
			return TIMS_ERR_NOMEM;
		x->v = v;
		x->cap = cap;
	}
	v = &x->v[x->n];
	memset(v, 0, sizeof(*v));
	snprintf(v->k.doc, sizeof(v->k.doc), "%s", e->doc_key);
	state_norm(e->issuer, v->k.issuer, sizeof(v->k.issuer));
	v->when_ms = e->when_ms;
	if (x->keep) {
		if (!(v->e = malloc(sizeof(*e))))
			return TIMS_ERR_NOMEM;
		*v->e = *e;
	}
	x->n++;
	return TIMS_OK;
}

/* The entry crossings at an airport's posts in [from, to), sorted by key. */
static tims_rc load_entries(struct tims_cstore *s, const struct tims_arrivals_airport *ap,
			    int64_t from, int64_t to, struct entries *x, struct tims_err *err)
{
	tims_rc rc = TIMS_OK;

	if (!s)
		return tims_err_set(err, TIMS_ERR_UNAVAILABLE, "query store: not open: no "
				    "crossing can be matched");
	for (unsigned i = 0; !rc && i < ap->nposts; i++) {
		rc = tims_cstore_entries(s, ap->posts[i], from, to, entry_add, x, err);
		if (rc == TIMS_ERR_TOOBIG)
			rc = tims_err_set(err, rc, "airport %s: more than %d crossings to compare: "
					  "narrow the report", ap->code, TIMS_ARRIVALS_ENTRIES_MAX);
		else if (rc == TIMS_ERR_NOMEM)
			rc = tims_err_set(err, rc, "out of memory");
	}
	if (!rc && x->n)
		qsort(x->v, x->n, sizeof(*x->v), entry_cmp);
	return rc;
}

/* The first entry of key k, or NULL. */
static const struct entry *entries_find(const struct entries *x, const struct key *k)
{
	size_t lo = 0, hi = x->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (key_cmp(&x->v[mid].k, k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < x->n && !key_cmp(&x->v[lo].k, k) ? &x->v[lo] : NULL;
}

/* A list's document number as posts record one (the MRZ's): upper case,
 * without spaces, hyphens or filler '<'. "" when nothing is left. */
static void doc_norm(const char *in, char *out, size_t cap)
{
	size_t o = 0;

	for (; *in && o + 1 < cap; in++) {
		unsigned char c = (unsigned char)*in;

		if (c == ' ' || c == '-' || c == '<')
			continue;
		out[o++] = (char)(c < 0x80 ? toupper(c) : c);
	}
	out[o] = '\0';
}

/* ---- the report ---------------------------------------------------------- */

void tims_arrivals_report_release(struct tims_arrivals_report *r)
{
	if (r->noshow)
		sodium_memzero(r->noshow, TIMS_ARRIVALS_ROWS_MAX * sizeof(*r->noshow));
	if (r->unlisted)
		sodium_memzero(r->unlisted, TIMS_ARRIVALS_ROWS_MAX * sizeof(*r->unlisted));
	if (r->transit)
		sodium_memzero(r->transit, TIMS_ARRIVALS_ROWS_MAX * sizeof(*r->transit));
	free(r->noshow);
	free(r->unlisted);
	free(r->transit);
	memset(r, 0, sizeof(*r));
}

/* Offsets of local time from UTC lie within -12 h and +14 h: a wall-clock
 * time is within this of the instant it names. */
#define ZONE_SPAN_MS (15 * HOUR_MS)

struct flights {
	struct tims_api_flight *v;     /* arrival_ms: the expected arrival in UTC */
	size_t n, cap;
	const char *airport;           /* NULL: any */
	const struct tims_arrivals_map *map; /* the airports' zones */
	int64_t closed_before;         /* no-show: arrival + N h <= now */
	int64_t lo, hi;                /* unlisted: arrivals (UTC) in [lo, hi) */
	size_t open;
	int noshow;
	struct tims_err *err;
};

/* "YYYY-MM-DDTHH:MM...": a time the carrier sent complete (lib/api/store.c
 * then keeps it, wall clock read as UTC, in arrival_ms) */
static int complete_time(const char *s)
{
	return strlen(s) >= 16 && s[4] == '-' && s[10] == 'T' && s[13] == ':';
}

/* A flight's expected arrival in UTC. Carriers send the arrival airport's
 * local time: through that airport's zone when the airports map gives one
 * and the time is complete; otherwise as stored (read as UTC). */
static tims_rc arrival_utc(const struct tims_arrivals_map *map, const struct tims_api_flight *f,
			   int64_t *out, struct tims_err *err)
{
	const struct tims_arrivals_airport *ap = tims_arrivals_map_find(map, f->arrival_airport);

	*out = f->arrival_ms;
	if (!ap || !ap->zone[0] || !complete_time(f->arrival_time))
		return TIMS_OK;
	return tims_tz_wall_to_utc(ap->zone, f->arrival_ms, out, err);
}

static tims_rc flight_add(void *ctx, const struct tims_api_flight *f)
{
	struct flights *x = ctx;
	int64_t utc;
	tims_rc rc;

	if (x->airport && strcmp(x->airport, f->arrival_airport))
		return TIMS_OK;
	if (!f->current)
		return TIMS_OK; /* no current list (cannot be, but nothing to compare) */
	if ((rc = arrival_utc(x->map, f, &utc, x->err)))
		return rc;
	if (!x->noshow && (utc < x->lo || utc >= x->hi))
		return TIMS_OK;
	if (x->noshow && utc > x->closed_before) {
		x->open++;
		return TIMS_OK;
	}
	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 64;
		struct tims_api_flight *v = realloc(x->v, cap * sizeof(*v));

		if (!v)
			return TIMS_ERR_NOMEM;
		x->v = v;
		x->cap = cap;
	}
	x->v[x->n] = *f;
	x->v[x->n++].arrival_ms = utc;
	return TIMS_OK;
}

/* the airports the report covers, with their origins, into r->airports */
static tims_rc cover(struct tims_arrivals_report *r, const struct tims_arrivals_map *map,
		     const char *code, struct tims_err *err)
{
	const struct tims_arrivals_airport *ap;

	if (tims_arrivals_map_find(&r->airports, code))
		return TIMS_OK;
	if (!(ap = tims_arrivals_map_find(map, code)) || !ap->nposts)
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "airport: no airport post known for "
				    "%s (%s): nothing can be matched there", code,
				    TIMS_ARRIVALS_MAP_FILE);
	if (r->airports.n == TIMS_ARRIVALS_AIRPORTS_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "more than %d airports",
				    TIMS_ARRIVALS_AIRPORTS_MAX);
	r->airports.a[r->airports.n++] = *ap;
	return TIMS_OK;
}

struct noshow_ctx {
	struct tims_arrivals_report *r;
	struct tims_cstore *s;
	const struct tims_api_flight *f;
	const struct entries *x;
	int64_t from, to;              /* the crossing window of this flight */
	int names;
	struct tims_err *err;
};

int tims_arrivals_role_transit(const char *role)
{
	return role && (!strcmp(role, "DDT") || !strcmp(role, "DDU"));
}

static void noshow_row(const struct noshow_ctx *c, const struct tims_api_traveller *t,
		       struct tims_arrivals_noshow *row)
{
	snprintf(row->airport, sizeof(row->airport), "%.3s", c->f->arrival_airport);
	snprintf(row->flight, sizeof(row->flight), "%s", c->f->flight);
	snprintf(row->date, sizeof(row->date), "%s", c->f->date);
	snprintf(row->arrival_time, sizeof(row->arrival_time), "%s", c->f->arrival_time);
	row->version = t->version;
	row->position = t->position;
	snprintf(row->role, sizeof(row->role), "%s", t->role);
	snprintf(row->nationality, sizeof(row->nationality), "%s", t->nationality);
	row->no_document = !t->document_number[0];
	row->hits = t->screening.nhits;
	if (c->names) {
		snprintf(row->surname, sizeof(row->surname), "%s", t->surname);
		snprintf(row->given_names, sizeof(row->given_names), "%s", t->given_names);
	}
}

static tims_rc noshow_traveller(void *ctx, const struct tims_api_traveller *t)
{
	struct noshow_ctx *c = ctx;
	struct tims_arrivals_noshow *row;
	char doc[TIMS_PAXLST_VALUE];
	struct key k;
	int crossed = 0;
	tims_rc rc;

	c->r->travellers++;
	if (c->r->travellers > TIMS_ARRIVALS_TRAVELLERS_MAX)
		return tims_err_set(c->err, TIMS_ERR_TOOBIG, "more than %d travellers to compare: "
				    "narrow the report", TIMS_ARRIVALS_TRAVELLERS_MAX);
	doc_norm(t->document_number, doc, sizeof(doc));
	if (doc[0]) {
		const struct entry *e;

		memset(&k, 0, sizeof(k));
		if ((rc = tims_cstore_doc_key(c->s, doc, k.doc, c->err)))
			return rc;
		state_norm(t->document_issuing_state, k.issuer, sizeof(k.issuer));
		for (e = entries_find(c->x, &k); e && e < c->x->v + c->x->n && !key_cmp(&e->k, &k);
		     e++)
			if (e->when_ms >= c->from && e->when_ms < c->to) {
				crossed = 1;
				break;
			}
		sodium_memzero(doc, sizeof(doc));
	}
	if (tims_arrivals_role_transit(t->role)) {
		/* not expected at the entry posts: apart, crossed or not */
		c->r->transit_crossed += crossed;
		if (c->r->transit_total++ >= TIMS_ARRIVALS_ROWS_MAX)
			return TIMS_OK;
		row = &c->r->transit[c->r->ntransit++];
		noshow_row(c, t, row);
		row->crossed = crossed;
		return TIMS_OK;
	}
	if (crossed)
		return TIMS_OK;
	if (c->r->total++ >= TIMS_ARRIVALS_ROWS_MAX)
		return TIMS_OK;
	row = &c->r->noshow[c->r->n++];
	noshow_row(c, t, row);
	return TIMS_OK;
}

static tims_rc run_noshow(struct tims_api *a, struct tims_cstore *s,
			  const struct tims_arrivals_map *map, const struct tims_arrivals_query *q,
			  struct tims_arrivals_report *r, struct tims_err *err)
{
	struct flights fl;
	int64_t from = q->day * DAY_MS, n_ms = (int64_t)q->hours * HOUR_MS;
	tims_rc rc = TIMS_OK;

	memset(&fl, 0, sizeof(fl));
	fl.airport = q->airport[0] ? q->airport : NULL;
	fl.map = map;
	fl.err = err;
	fl.noshow = 1;
	fl.closed_before = q->now_ms - n_ms;
	if ((rc = tims_api_flights(a, from, from + DAY_MS, flight_add, &fl, err))) {
		if (rc == TIMS_ERR_NOMEM)
			rc = tims_err_set(err, rc, "out of memory");
		goto out;
	}
	r->flights_open = fl.open;
	r->flights = fl.n;
	if (q->airport[0] && (rc = cover(r, map, q->airport, err)))
		goto out;
	for (size_t i = 0; i < fl.n; i++)
		if ((rc = cover(r, map, fl.v[i].arrival_airport, err)))
			goto out;
	/* airport by airport: its crossings once, then its flights */
	for (unsigned ai = 0; ai < r->airports.n; ai++) {
		const struct tims_arrivals_airport *ap = &r->airports.a[ai];
		int64_t lo = INT64_MAX, hi = INT64_MIN;
		struct entries x;

		memset(&x, 0, sizeof(x));
		/* the crossings of every window of this airport's flights */
		for (size_t i = 0; i < fl.n; i++)
			if (!strcmp(fl.v[i].arrival_airport, ap->code)) {
				if (fl.v[i].arrival_ms - TIMS_ARRIVALS_EARLY_MS < lo)
					lo = fl.v[i].arrival_ms - TIMS_ARRIVALS_EARLY_MS;
				if (fl.v[i].arrival_ms + n_ms > hi)
					hi = fl.v[i].arrival_ms + n_ms;
			}
		if (lo >= hi)
			continue; /* no flight of this airport closed: nothing to compare */
		rc = load_entries(s, ap, lo, hi, &x, err);
		r->crossings += x.n;
		for (size_t i = 0; !rc && i < fl.n; i++) {
			struct noshow_ctx c = { r, s, &fl.v[i], &x,
						fl.v[i].arrival_ms - TIMS_ARRIVALS_EARLY_MS,
						fl.v[i].arrival_ms + n_ms, q->names, err };

			if (strcmp(fl.v[i].arrival_airport, ap->code))
				continue;
			rc = tims_api_travellers(a, fl.v[i].id, 0, noshow_traveller, &c, err);
		}
		entries_release(&x);
		if (rc)
			goto out;
	}
out:
	free(fl.v);
	return rc;
}

/* unlisted: the keys of every traveller on a list arriving at the airport */
struct keys {
	struct key *v;
	size_t n, cap;
	struct tims_cstore *s;
	struct tims_err *err;
	size_t *travellers;
};

static tims_rc key_add(void *ctx, const struct tims_api_traveller *t)
{
	struct keys *x = ctx;
	char doc[TIMS_PAXLST_VALUE];
	tims_rc rc;

	if (++*x->travellers > TIMS_ARRIVALS_TRAVELLERS_MAX)
		return tims_err_set(x->err, TIMS_ERR_TOOBIG, "more than %d travellers to "
				    "compare: narrow the report", TIMS_ARRIVALS_TRAVELLERS_MAX);
	doc_norm(t->document_number, doc, sizeof(doc));
	if (!doc[0])
		return TIMS_OK;
	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 256;
		struct key *v = realloc(x->v, cap * sizeof(*v));

		if (!v)
			return tims_err_set(x->err, TIMS_ERR_NOMEM, "out of memory");
		x->v = v;
		x->cap = cap;
	}
	memset(&x->v[x->n], 0, sizeof(x->v[x->n]));
	rc = tims_cstore_doc_key(x->s, doc, x->v[x->n].doc, x->err);
	sodium_memzero(doc, sizeof(doc));
	if (rc)
		return rc;
	state_norm(t->document_issuing_state, x->v[x->n].issuer, sizeof(x->v[x->n].issuer));
	x->n++;
	return TIMS_OK;
}

static int key_qcmp(const void *a, const void *b)
{
	return key_cmp(a, b);
}

static int unlisted_cmp(const void *x, const void *y)
{
	const struct tims_arrivals_unlisted *a = x, *b = y;
	int c = a->when_ms < b->when_ms ? -1 : a->when_ms > b->when_ms;

	if (c)
		return c;
	c = strcmp(a->post, b->post);
	return c ? c : (a->idx < b->idx ? -1 : a->idx > b->idx);
}

static tims_rc run_unlisted(struct tims_api *a, struct tims_cstore *s,
			    const struct tims_arrivals_map *map,
			    const struct tims_arrivals_query *q, struct tims_arrivals_report *r,
			    struct tims_err *err)
{
	int64_t from = q->day * DAY_MS, n_ms = (int64_t)q->hours * HOUR_MS;
	tims_rc rc = TIMS_OK;

	if (q->airport[0]) {
		if ((rc = cover(r, map, q->airport, err)))
			return rc;
	} else {
		for (unsigned i = 0; i < map->n; i++)
			if ((rc = cover(r, map, map->a[i].code, err)))
				return rc;
		if (!r->airports.n)
			return tims_err_set(err, TIMS_ERR_NOTFOUND, "airport: no airport post "
					    "known (%s names none)", TIMS_ARRIVALS_MAP_FILE);
	}
	for (unsigned ai = 0; !rc && ai < r->airports.n; ai++) {
		const struct tims_arrivals_airport *ap = &r->airports.a[ai];
		struct flights fl;
		struct entries x;
		struct keys k;

		memset(&fl, 0, sizeof(fl));
		memset(&x, 0, sizeof(x));
		memset(&k, 0, sizeof(k));
		k.s = s;
		k.err = err;
		k.travellers = &r->travellers;
		x.keep = 1;
		fl.airport = ap->code;
		fl.map = map;
		fl.err = err;
		/* the lists of flights that could have brought a traveller who
		 * crossed that day: arriving (UTC) up to N hours before it, or
		 * early; their stored times are local, within a zone's span */
		fl.lo = from - n_ms;
		fl.hi = from + DAY_MS + TIMS_ARRIVALS_EARLY_MS;
		rc = tims_api_flights(a, fl.lo - ZONE_SPAN_MS, fl.hi + ZONE_SPAN_MS, flight_add,
				      &fl, err);
		if (rc == TIMS_ERR_NOMEM)
			rc = tims_err_set(err, rc, "out of memory");
		for (size_t i = 0; !rc && i < fl.n; i++)
			rc = tims_api_travellers(a, fl.v[i].id, 0, key_add, &k, err);
		r->flights += fl.n;
		if (!rc && k.n)
			qsort(k.v, k.n, sizeof(*k.v), key_qcmp);
		if (!rc)
			rc = load_entries(s, ap, from, from + DAY_MS, &x, err);
		r->crossings += x.n;
		for (size_t i = 0; !rc && i < x.n; i++) {
			const struct tims_cstore_entry *e = x.v[i].e;
			struct tims_arrivals_unlisted *row;

			if (bsearch(&x.v[i].k, k.v, k.n, sizeof(*k.v), key_qcmp))
				continue;
			if (r->total++ >= TIMS_ARRIVALS_ROWS_MAX)
				continue;
			row = &r->unlisted[r->n++];
			memcpy(row->airport, ap->code, 4);
			snprintf(row->post, sizeof(row->post), "%s", e->origin);
			row->idx = e->idx;
			row->when_ms = e->when_ms;
			row->decision = e->decision;
			snprintf(row->nationality, sizeof(row->nationality), "%s", e->nationality);
			snprintf(row->issuer, sizeof(row->issuer), "%s", e->issuer);
			if (q->names) {
				struct tims_cstore_names nm;

				if ((rc = tims_cstore_entry_names(s, e->origin, e->idx, &nm, err)))
					break;
				snprintf(row->surname, sizeof(row->surname), "%s", nm.surname);
				snprintf(row->given_names, sizeof(row->given_names), "%s",
					 nm.given_names);
				sodium_memzero(&nm, sizeof(nm));
			}
		}
		entries_release(&x);
		free(k.v);
		free(fl.v);
	}
	/* rows in crossing order, whichever airport they came from */
	if (!rc && r->n)
		qsort(r->unlisted, r->n, sizeof(*r->unlisted), unlisted_cmp);
	return rc;
}

tims_rc tims_arrivals_report(struct tims_api *a, struct tims_cstore *s,
			     const struct tims_arrivals_map *map,
			     const struct tims_arrivals_query *q, struct tims_arrivals_report *r,
			     struct tims_err *err)
{
	tims_rc rc;

	memset(r, 0, sizeof(*r));
	if (!q || (q->kind != TIMS_ARRIVALS_NO_SHOW && q->kind != TIMS_ARRIVALS_UNLISTED))
		return tims_err_set(err, TIMS_ERR_INVALID, "kind: want no-show or unlisted");
	if (q->hours < 1 || q->hours > TIMS_ARRIVALS_HOURS_MAX)
		return tims_err_set(err, TIMS_ERR_INVALID, "hours: want 1 to %d",
				    TIMS_ARRIVALS_HOURS_MAX);
	if (q->day < 0)
		return tims_err_set(err, TIMS_ERR_INVALID, "date: before 1970");
	if (q->airport[0] && !iata(q->airport, strlen(q->airport)))
		return tims_err_set(err, TIMS_ERR_INVALID, "airport: want three capital letters "
				    "(IATA code)");
	if (!a || !s)
		return tims_err_set(err, TIMS_ERR_UNAVAILABLE, "%s: not open: nothing can be "
				    "matched", !a ? "passenger lists" : "query store");
	r->kind = q->kind;
	r->names = q->names;
	r->day = q->day;
	r->hours = q->hours;
	if (q->kind == TIMS_ARRIVALS_NO_SHOW) {
		r->noshow = calloc(TIMS_ARRIVALS_ROWS_MAX, sizeof(*r->noshow));
		r->transit = calloc(TIMS_ARRIVALS_ROWS_MAX, sizeof(*r->transit));
	} else
		r->unlisted = calloc(TIMS_ARRIVALS_ROWS_MAX, sizeof(*r->unlisted));
	if ((!r->noshow || !r->transit) && !r->unlisted) {
		tims_arrivals_report_release(r);
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	}
	rc = q->kind == TIMS_ARRIVALS_NO_SHOW ? run_noshow(a, s, map, q, r, err) :
						run_unlisted(a, s, map, q, r, err);
	if (rc) {
		if (err && !err->msg[0])
			tims_err_set(err, rc, "%s", tims_strerror(rc));
		tims_arrivals_report_release(r);
	}
	return rc;
}

/* ---- at the centre -------------------------------------------------------- */

struct origin_of {
	struct tims_arrivals_airport *ap;
	unsigned i;
	int found;
};

static tims_rc post_origin(void *ctx, const struct tims_centre_post *p)
{
	struct origin_of *o = ctx;

	if (!o->found && !strcmp(p->name, o->ap->posts[o->i])) {
		snprintf(o->ap->posts[o->i], sizeof(o->ap->posts[o->i]), "%s", p->origin);
		o->found = 1;
	}
	return TIMS_OK;
}

tims_rc tims_centre_airports(struct tims_centre *c, struct tims_arrivals_map *map,
			     struct tims_err *err)
{
	char path[CENTRE_PATH_MAX];
	tims_rc rc;

	/* the file read and parsed as everywhere (api.c); none: an empty map,
	 * no airport known, and every report says so */
	if ((rc = centre_airports_read(c, map, err)) ||
	    (rc = centre_path(c, TIMS_ARRIVALS_MAP_FILE, path, err)))
		goto out;
	/* enrolled post names to their log origins; an unknown name fails */
	for (unsigned a = 0; !rc && a < map->n; a++)
		for (unsigned i = 0; !rc && i < map->a[a].nposts; i++) {
			struct origin_of o = { &map->a[a], i, 0 };
			char name[TIMS_NOTE_MAX_NAME + 1];

			snprintf(name, sizeof(name), "%s", map->a[a].posts[i]);
			if ((rc = tims_centre_posts(c, post_origin, &o, err)))
				break;
			if (!o.found)
				rc = tims_err_set(err, TIMS_ERR_NOTFOUND, "%s: airport %s: post "
						  "'%s' is not enrolled here", path, map->a[a].code,
						  name);
		}
out:
	if (rc)
		memset(map, 0, sizeof(*map));
	return rc;
}

tims_rc tims_centre_arrivals_report(struct tims_centre *c, const struct tims_arrivals_query *q,
				    struct tims_arrivals_report *r, struct tims_err *err)
{
	struct tims_arrivals_map *map = calloc(1, sizeof(*map));
	struct tims_api *api = NULL;
	tims_rc rc;

	memset(r, 0, sizeof(*r));
	if (!map)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if (!(rc = tims_centre_airports(c, map, err)) &&
	    !(rc = tims_centre_api_store(c, &api, err))) {
		pthread_mutex_lock(&c->store_lock);
		rc = tims_arrivals_report(api, c->store, map, q, r, err);
		pthread_mutex_unlock(&c->store_lock);
	}
	tims_api_close(api);
	free(map);
	return rc;
}

tims_rc tims_centre_arrivals_charge(struct tims_centre *c, const char *actor,
				    struct tims_arrivals_report *r, struct tims_err *err)
{
	struct tims_export_usage u;
	tims_rc rc;

	if (!r->names || !(r->n + r->ntransit))
		return TIMS_OK;
	rc = tims_centre_export_charge(c, actor ? actor : "-", r->n + r->ntransit,
				       tims_mlog_now_ms(), &u, err);
	if (rc != TIMS_ERR_DENIED)
		return rc;
	for (size_t i = 0; r->transit && i < r->ntransit; i++) {
		sodium_memzero(r->transit[i].surname, sizeof(r->transit[i].surname));
		sodium_memzero(r->transit[i].given_names, sizeof(r->transit[i].given_names));
	}
	for (size_t i = 0; i < r->n; i++) {
		if (r->noshow) {
			sodium_memzero(r->noshow[i].surname, sizeof(r->noshow[i].surname));
			sodium_memzero(r->noshow[i].given_names, sizeof(r->noshow[i].given_names));
		} else {
			sodium_memzero(r->unlisted[i].surname, sizeof(r->unlisted[i].surname));
			sodium_memzero(r->unlisted[i].given_names,
				       sizeof(r->unlisted[i].given_names));
		}
	}
	r->names = 0;
	r->names_withheld = 1;
	tims_err_clear(err);
	return TIMS_OK;
}
