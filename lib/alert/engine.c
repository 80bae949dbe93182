/*
 * engine.c — the rules over the audit streams (tims/alert.h).
 *
 * State is per officer (a hash table of at most max_officers entries, the
 * least recently seen of a random sample dropped when full) and per
 * document (the same, max_documents, for repeated-lookup at the centre).
 * An officer holds: the distinct identities of the current hour (a set of
 * keyed hashes, at most many-identities.track_max), the distinct counts of
 * past hours folded per day (a ring of 32 days: sum and active hours), the
 * checks waiting for a crossing (a ring of at most no-crossing.track_max),
 * and per rule the hour it last fired, so that a rule fires once per
 * officer and window. Nothing here reads a clock: events carry their time,
 * now_ms comes from the caller.
 */
#include <jansson.h>
#include <math.h>
#include <sodium.h>

#include "tims/alert.h"
#include "tims/util.h"

#define HOUR_MS INT64_C(3600000)
#define DAY_MS (24 * HOUR_MS)
#define DAYS 32
#define SAMPLE 8
#define SEEN_MAX 8       /* repeated-lookup: (officer, post) pairs per document */
#define NONE INT64_MIN

struct pending {
	uint64_t h;      /* keyed hash of the check id */
	int64_t t;       /* the check's time */
	uint64_t index;  /* its audit event */
	uint8_t used;
};

struct officer {
	int used;
	int32_t next;    /* bucket chain */
	uint64_t idh;
	char id[65];
	char post[TIMS_NOTE_MAX_NAME + 1];
	int64_t last_ms;
	int shift;       /* index in the config's shifts, -1 none, -2 not looked up */
	/* many-identities */
	int64_t hour;
	uint64_t *set;
	uint32_t set_cap, set_n;
	struct { int32_t day; uint32_t sum; uint16_t hours; } days[DAYS];
	int64_t mi_fired;
	/* no-crossing */
	struct pending *pend;
	uint32_t pend_cap, pend_head, pend_n;
	int64_t nc_hour, nc_fired;
	uint64_t nc_count;
	/* off-shift, sensitive-list */
	int64_t os_hour, os_fired, sl_hour, sl_fired;
	uint64_t os_count, sl_count;
};

struct doc {
	int used;
	int32_t next;
	uint64_t h;
	int64_t last_ms, fired_ms;
	uint8_t n;
	struct { uint64_t who, post; int64_t t; } seen[SEEN_MAX];
};

struct table {
	size_t cap, n;           /* slots; in use */
	size_t nb;               /* buckets (a power of two) */
	int32_t *bucket;
	int32_t free_head;       /* a free slot chain through next */
};

struct tims_alert_engine {
	struct tims_alert_config c;
	uint8_t key[TIMS_ALERT_KEY_BYTES];
	uint8_t skey[crypto_shorthash_KEYBYTES];
	unsigned flags;
	int quiet;
	uint64_t rng;
	struct table ot, dt;
	struct officer *off;
	struct doc *docs;
	struct tims_alert_stats st;
};

const char *tims_alert_rule_name(unsigned rule)
{
	static const char *const names[] = {
		[TIMS_ALERT_MANY_IDENTITIES] = "many-identities",
		[TIMS_ALERT_NO_CROSSING] = "no-crossing",
		[TIMS_ALERT_OFF_SHIFT] = "off-shift",
		[TIMS_ALERT_REPEATED_LOOKUP] = "repeated-lookup",
		[TIMS_ALERT_SENSITIVE_LIST] = "sensitive-list",
		[TIMS_ALERT_BULK_QUERY] = "bulk-query",
	};

	return rule >= 1 && rule <= TIMS_ALERT_RULE_MAX ? names[rule] : "?";
}

unsigned tims_alert_rule_parse(const char *s)
{
	for (unsigned r = 1; s && r <= TIMS_ALERT_RULE_MAX; r++)
		if (!strcmp(s, tims_alert_rule_name(r)))
			return r;
	return 0;
}

/* --- tables ------------------------------------------------------------- */

static uint64_t rnd(struct tims_alert_engine *e)
{
	e->rng ^= e->rng << 13;
	e->rng ^= e->rng >> 7;
	e->rng ^= e->rng << 17;
	return e->rng;
}

static tims_rc table_init(struct table *t, size_t cap, size_t slot_size, void **slots,
			  struct tims_err *err)
{
	t->cap = cap;
	t->n = 0;
	for (t->nb = 16; t->nb < 2 * cap; t->nb <<= 1)
		;
	t->bucket = malloc(t->nb * sizeof(*t->bucket));
	*slots = calloc(cap, slot_size);
	if (!t->bucket || !*slots) {
		free(t->bucket);
		free(*slots);
		t->bucket = NULL;
		*slots = NULL;
		return tims_err_set(err, TIMS_ERR_NOMEM, "alert engine: out of memory");
	}
	for (size_t i = 0; i < t->nb; i++)
		t->bucket[i] = -1;
	t->free_head = -1; /* slots never used are taken in order (t->n) first */
	return TIMS_OK;
}

static uint64_t short_hash(const struct tims_alert_engine *e, const char *s)
{
	uint8_t out[crypto_shorthash_BYTES];
	uint64_t h;

	crypto_shorthash(out, (const unsigned char *)s, strlen(s), e->skey);
	memcpy(&h, out, sizeof(h));
	return h;
}

/* The keyed hash of a document reference (the only form it leaves in). */
static uint64_t doc_hash(const struct tims_alert_engine *e, const char *doc)
{
	uint8_t out[8];
	uint64_t h;

	crypto_generichash(out, sizeof(out), (const unsigned char *)doc, strlen(doc), e->key,
			   sizeof(e->key));
	memcpy(&h, out, sizeof(h));
	return h ? h : 1;
}

static void officer_release(struct tims_alert_engine *e, struct officer *o)
{
	if (o->set)
		e->st.bytes -= o->set_cap * sizeof(*o->set);
	if (o->pend)
		e->st.bytes -= o->pend_cap * sizeof(*o->pend);
	free(o->set);
	free(o->pend);
}

static void unlink_slot(struct table *t, int32_t *nexts, size_t stride, uint64_t h, int32_t i)
{
	int32_t *pp = &t->bucket[h & (t->nb - 1)];

	(void)nexts;
	while (*pp >= 0) {
		int32_t *np = (int32_t *)(void *)((char *)nexts + (size_t)*pp * stride);

		if (*pp == i) {
			*pp = *np;
			return;
		}
		pp = np;
	}
}

/* The least recently seen of SAMPLE slots in use. */
static int32_t victim(struct tims_alert_engine *e, size_t n, int is_doc)
{
	int32_t best = -1;
	int64_t best_t = INT64_MAX;

	for (int k = 0; k < SAMPLE; k++) {
		int32_t i = (int32_t)(rnd(e) % n);
		int64_t t = is_doc ? e->docs[i].last_ms : e->off[i].last_ms;

		if (t < best_t) {
			best_t = t;
			best = i;
		}
	}
	return best;
}

static struct officer *officer_get(struct tims_alert_engine *e, const char *id, int create)
{
	uint64_t h = short_hash(e, id);
	int32_t i;
	struct officer *o;

	for (i = e->ot.bucket[h & (e->ot.nb - 1)]; i >= 0; i = e->off[i].next)
		if (e->off[i].idh == h && !strcmp(e->off[i].id, id))
			return &e->off[i];
	if (!create)
		return NULL;
	if (e->ot.n < e->ot.cap) {
		i = (int32_t)e->ot.n++;
	} else {
		/* full: the table is dense, every slot in use */
		i = victim(e, e->ot.cap, 0);
		unlink_slot(&e->ot, &e->off[0].next, sizeof(struct officer), e->off[i].idh, i);
		officer_release(e, &e->off[i]);
		e->st.evicted_officers++;
	}
	o = &e->off[i];
	memset(o, 0, sizeof(*o));
	o->used = 1;
	o->idh = h;
	snprintf(o->id, sizeof(o->id), "%s", id);
	o->shift = -2;
	o->hour = o->mi_fired = o->nc_hour = o->nc_fired = NONE;
	o->os_hour = o->os_fired = o->sl_hour = o->sl_fired = NONE;
	o->next = e->ot.bucket[h & (e->ot.nb - 1)];
	e->ot.bucket[h & (e->ot.nb - 1)] = i;
	return o;
}

static struct doc *doc_get(struct tims_alert_engine *e, uint64_t h)
{
	int32_t i;
	struct doc *d;

	for (i = e->dt.bucket[h & (e->dt.nb - 1)]; i >= 0; i = e->docs[i].next)
		if (e->docs[i].h == h)
			return &e->docs[i];
	if (e->dt.n < e->dt.cap) {
		i = (int32_t)e->dt.n++;
	} else {
		i = victim(e, e->dt.cap, 1);
		unlink_slot(&e->dt, &e->docs[0].next, sizeof(struct doc), e->docs[i].h, i);
		e->st.evicted_documents++;
	}
	d = &e->docs[i];
	memset(d, 0, sizeof(*d));
	d->used = 1;
	d->h = h;
	d->fired_ms = NONE;
	d->next = e->dt.bucket[h & (e->dt.nb - 1)];
	e->dt.bucket[h & (e->dt.nb - 1)] = i;
	return d;
}

/* --- life cycle ------------------------------------------------------------ */

tims_rc tims_alert_engine_new(const struct tims_alert_config *c,
			      const uint8_t key[TIMS_ALERT_KEY_BYTES], unsigned flags,
			      struct tims_alert_engine **out, struct tims_err *err)
{
	struct tims_alert_engine *e;
	void *slots;
	tims_rc rc;

	*out = NULL;
	if (sodium_init() < 0)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "libsodium: initialisation failed");
	if (!(e = calloc(1, sizeof(*e))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "alert engine: out of memory");
	e->c = *c;
	memcpy(e->key, key, sizeof(e->key));
	/* the tables' hash key comes from the engine's key: no input can aim
	 * at a bucket without it */
	crypto_generichash(e->skey, sizeof(e->skey), (const unsigned char *)"tims alert tables",
			   17, key, TIMS_ALERT_KEY_BYTES);
	randombytes_buf(&e->rng, sizeof(e->rng));
	e->rng |= 1;
	e->flags = flags;
	if ((rc = table_init(&e->ot, (size_t)c->max_officers, sizeof(struct officer), &slots, err))) {
		free(e);
		return rc;
	}
	e->off = slots;
	if ((rc = table_init(&e->dt, (flags & TIMS_ALERT_AT_CENTRE) ? (size_t)c->max_documents : 16,
			     sizeof(struct doc), &slots, err))) {
		free(e->ot.bucket);
		free(e->off);
		free(e);
		return rc;
	}
	e->docs = slots;
	e->st.bytes = sizeof(*e) + e->ot.nb * sizeof(int32_t) + e->ot.cap * sizeof(struct officer) +
		      e->dt.nb * sizeof(int32_t) + e->dt.cap * sizeof(struct doc);
	*out = e;
	return TIMS_OK;
}

void tims_alert_engine_free(struct tims_alert_engine *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->ot.n; i++)
		officer_release(e, &e->off[i]);
	free(e->off);
	free(e->docs);
	free(e->ot.bucket);
	free(e->dt.bucket);
	sodium_memzero(e->key, sizeof(e->key));
	sodium_memzero(e->skey, sizeof(e->skey));
	free(e);
}

void tims_alert_engine_quiet(struct tims_alert_engine *e, int quiet)
{
	e->quiet = quiet;
}

void tims_alert_engine_stats(const struct tims_alert_engine *e, struct tims_alert_stats *st)
{
	*st = e->st;
	st->officers = e->ot.n;
	st->documents = e->dt.n;
}

/* --- firing ---------------------------------------------------------------- */

static void utc_text(int64_t ms, char *out, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms < 0 || !gmtime_r(&t, &tm) || !strftime(out, cap, "%Y-%m-%d %H:%M UTC", &tm))
		snprintf(out, cap, "%lld ms", (long long)ms);
}

void tims_alert_describe(const struct tims_alert *a, char *out, size_t cap)
{
	char when[40];

	utc_text(a->window_ms, when, sizeof(when));
	snprintf(out, cap, "%s (%s): officer %s%s%s, %s +%lld min: %s",
		 tims_alert_rule_name(a->rule), a->severity == TIMS_ALERT_SEVERE ? "severe" : "notice",
		 a->officer, a->post[0] ? " at post " : " at the centre", a->post, when,
		 (long long)(a->window_len_ms / 60000), a->detail);
}

static tims_rc fire(struct tims_alert_engine *e, unsigned rule, const struct officer *o,
		    const char *officer, const char *post, int64_t from, int64_t len,
		    uint64_t count, uint64_t threshold, double usual, uint64_t index,
		    int64_t time_ms, const char *keypart, const char *detail,
		    tims_alert_fn fn, void *ctx)
{
	struct tims_alert a;

	e->st.fired++;
	if (e->quiet || !fn)
		return TIMS_OK;
	memset(&a, 0, sizeof(a));
	a.rule = (uint8_t)rule;
	a.severity = e->c.rule[rule].severity;
	snprintf(a.officer, sizeof(a.officer), "%s", o ? o->id : officer);
	snprintf(a.post, sizeof(a.post), "%s", post);
	a.window_ms = from;
	a.window_len_ms = len;
	a.count = count;
	a.threshold = threshold;
	a.usual = usual;
	a.index = index;
	a.time_ms = time_ms;
	snprintf(a.key, sizeof(a.key), "%s|%.64s|%lld|%.60s", tims_alert_rule_name(rule),
		 a.officer, (long long)from, keypart ? keypart : "");
	snprintf(a.detail, sizeof(a.detail), "%s", detail);
	return fn(ctx, &a);
}

/* --- the rules ------------------------------------------------------------- */

static int action_in(const struct tims_alert_engine *e, unsigned rule, const char *action)
{
	if (!e->c.rule[rule].enabled)
		return 0;
	if (!e->c.rule[rule].nactions)
		return 1; /* no list: every action */
	for (size_t i = 0; i < e->c.rule[rule].nactions; i++) {
		const char *a = e->c.rule[rule].actions[i];
		size_t n = strlen(a);

		if (n && a[n - 1] == '*' ? !strncmp(action, a, n - 1) : !strcmp(action, a))
			return 1;
	}
	return 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* The usual distinct identities an active hour, over the past learn_days
 * (the current hour not yet folded in), or -1 with too few hours learnt. */
static double usual_rate(const struct tims_alert_engine *e, const struct officer *o, int64_t day)
{
	uint64_t sum = 0, hours = 0;

	for (int i = 0; i < DAYS; i++)
		if (o->days[i].hours && o->days[i].day > day - (int64_t)e->c.mi_learn_days &&
		    o->days[i].day <= day) {
			sum += o->days[i].sum;
			hours += o->days[i].hours;
		}
	return hours >= e->c.mi_min_hours && hours ? (double)sum / (double)hours : -1;
}

static uint64_t mi_threshold(const struct tims_alert_engine *e, double usual)
{
	uint64_t t = e->c.mi_floor;

	if (usual >= 0) {
		double x = ceil(e->c.mi_factor * usual);

		t = x > 1e9 ? 1000000000 : (uint64_t)x;
		if (t < e->c.mi_minimum)
			t = e->c.mi_minimum;
	}
	if (t > e->c.mi_track_max)
		t = e->c.mi_track_max; /* the set counts no further */
	return t ? t : 1;
}

/* A new hour for the officer's distinct set: the past one folded per day. */
static void mi_roll(struct tims_alert_engine *e, struct officer *o, int64_t hour)
{
	if (o->hour != NONE && o->set_n) {
		int64_t day = floor_div(o->hour, 24);
		int slot = (int)(((day % DAYS) + DAYS) % DAYS);

		if (o->days[slot].day != (int32_t)day || !o->days[slot].hours) {
			o->days[slot].day = (int32_t)day;
			o->days[slot].sum = 0;
			o->days[slot].hours = 0;
		}
		o->days[slot].sum += o->set_n;
		if (o->days[slot].hours < UINT16_MAX)
			o->days[slot].hours++;
	}
	o->hour = hour;
	o->set_n = 0;
	if (o->set && o->set_cap > 64) {
		e->st.bytes -= o->set_cap * sizeof(*o->set);
		free(o->set);
		o->set = NULL;
		o->set_cap = 0;
	} else if (o->set) {
		memset(o->set, 0, o->set_cap * sizeof(*o->set));
	}
}

/* Add h to the hour's set: 1 if new, 0 if seen or the set is at its ceiling,
 * -1 out of memory. */
static int set_add(struct tims_alert_engine *e, struct officer *o, uint64_t h)
{
	if (o->set_n >= e->c.mi_track_max)
		return 0;
	if (!o->set || (o->set_n + 1) * 2 > o->set_cap) {
		uint32_t ncap = o->set_cap ? o->set_cap * 2 : 16;
		uint64_t *ns = calloc(ncap, sizeof(*ns));

		if (!ns)
			return -1;
		for (uint32_t i = 0; i < o->set_cap; i++)
			if (o->set[i])
				for (uint32_t j = (uint32_t)o->set[i] & (ncap - 1);; j = (j + 1) & (ncap - 1))
					if (!ns[j]) {
						ns[j] = o->set[i];
						break;
					}
		if (o->set)
			e->st.bytes -= o->set_cap * sizeof(*o->set);
		free(o->set);
		o->set = ns;
		o->set_cap = ncap;
		e->st.bytes += ncap * sizeof(*ns);
	}
	for (uint32_t j = (uint32_t)h & (o->set_cap - 1);; j = (j + 1) & (o->set_cap - 1)) {
		if (o->set[j] == h)
			return 0;
		if (!o->set[j]) {
			o->set[j] = h;
			o->set_n++;
			return 1;
		}
	}
}

static tims_rc many_identities(struct tims_alert_engine *e, struct officer *o, const char *post,
			       uint64_t dh, uint64_t index, int64_t t, tims_alert_fn fn, void *ctx)
{
	int64_t hour = floor_div(t, HOUR_MS);
	double usual;
	uint64_t thr;
	int added;
	char detail[TIMS_ALERT_DETAIL_MAX];

	if (hour < o->hour)
		return TIMS_OK; /* an older hour (another log's event): already folded */
	if (hour > o->hour)
		mi_roll(e, o, hour);
	if ((added = set_add(e, o, dh)) < 0)
		return TIMS_ERR_NOMEM;
	if (!added || o->mi_fired == hour)
		return TIMS_OK;
	usual = usual_rate(e, o, floor_div(hour, 24));
	thr = mi_threshold(e, usual);
	if (o->set_n < thr)
		return TIMS_OK;
	o->mi_fired = hour;
	if (usual >= 0)
		snprintf(detail, sizeof(detail), "%u distinct identities checked or looked up in "
			 "one hour; usual %.1f an hour over %llu days, threshold %llu",
			 o->set_n, usual, (unsigned long long)e->c.mi_learn_days,
			 (unsigned long long)thr);
	else
		snprintf(detail, sizeof(detail), "%u distinct identities checked or looked up in "
			 "one hour; no usual rate learnt yet (a new officer): threshold %llu",
			 o->set_n, (unsigned long long)thr);
	return fire(e, TIMS_ALERT_MANY_IDENTITIES, o, NULL, post, hour * HOUR_MS, HOUR_MS,
		    o->set_n, thr, usual, index, t, NULL, detail, fn, ctx);
}

/* A check's window ended (or its ring overflowed) */
static tims_rc nc_expired(struct tims_alert_engine *e, struct officer *o,
			  const struct pending *p, tims_alert_fn fn, void *ctx)
{
	int64_t hour = floor_div(p->t, HOUR_MS);
	char detail[TIMS_ALERT_DETAIL_MAX];

	if (p->used)
		return TIMS_OK;
	if (hour != o->nc_hour) {
		o->nc_hour = hour;
		o->nc_count = 0;
	}
	o->nc_count++;
	if (o->nc_count < e->c.nc_threshold || o->nc_fired == hour)
		return TIMS_OK;
	o->nc_fired = hour;
	snprintf(detail, sizeof(detail), "%llu checks in one hour with no crossing registered "
		 "from them within %llu s; threshold %llu", (unsigned long long)o->nc_count,
		 (unsigned long long)e->c.nc_window_s, (unsigned long long)e->c.nc_threshold);
	return fire(e, TIMS_ALERT_NO_CROSSING, o, NULL, o->post, hour * HOUR_MS, HOUR_MS,
		    o->nc_count, e->c.nc_threshold, -1, p->index, p->t + (int64_t)e->c.nc_window_s * 1000,
		    NULL, detail, fn, ctx);
}

static tims_rc nc_expire(struct tims_alert_engine *e, struct officer *o, int64_t cutoff,
			 tims_alert_fn fn, void *ctx)
{
	tims_rc rc = TIMS_OK;

	while (o->pend_n && o->pend[o->pend_head].t <= cutoff && !rc) {
		struct pending p = o->pend[o->pend_head];

		o->pend_head = (o->pend_head + 1) % o->pend_cap;
		o->pend_n--;
		rc = nc_expired(e, o, &p, fn, ctx);
	}
	return rc;
}

static tims_rc nc_push(struct tims_alert_engine *e, struct officer *o, uint64_t h,
		       uint64_t index, int64_t t, tims_alert_fn fn, void *ctx)
{
	tims_rc rc;

	if (!o->pend) {
		o->pend_cap = (uint32_t)e->c.nc_track_max;
		if (!(o->pend = calloc(o->pend_cap, sizeof(*o->pend))))
			return TIMS_ERR_NOMEM;
		e->st.bytes += o->pend_cap * sizeof(*o->pend);
	}
	if (o->pend_n == o->pend_cap) {
		/* more checks waiting than any booth makes: the oldest is judged now */
		struct pending p = o->pend[o->pend_head];

		o->pend_head = (o->pend_head + 1) % o->pend_cap;
		o->pend_n--;
		if ((rc = nc_expired(e, o, &p, fn, ctx)))
			return rc;
	}
	o->pend[(o->pend_head + o->pend_n) % o->pend_cap] = (struct pending){ h, t, index, 0 };
	o->pend_n++;
	return TIMS_OK;
}

static void nc_used(struct officer *o, uint64_t h)
{
	for (uint32_t k = 0; k < o->pend_n; k++) {
		struct pending *p = &o->pend[(o->pend_head + k) % o->pend_cap];

		if (p->h == h)
			p->used = 1;
	}
}

static int local_minute(const struct tims_alert_engine *e, int64_t t)
{
	time_t s;
	struct tm tm;

	if (e->c.utc_offset_set) {
		int64_t m = floor_div(t, 60000) + e->c.utc_offset_min;

		return (int)(((m % 1440) + 1440) % 1440);
	}
	s = (time_t)floor_div(t, 1000);
	if (!localtime_r(&s, &tm))
		return -1;
	return tm.tm_hour * 60 + tm.tm_min;
}

static int in_shift(const struct tims_alert_shift *s, int m)
{
	if (s->from_min == s->to_min)
		return 1; /* round the clock */
	if (s->from_min < s->to_min)
		return m >= s->from_min && m < s->to_min;
	return m >= s->from_min || m < s->to_min;
}

static tims_rc off_shift(struct tims_alert_engine *e, struct officer *o, const char *post,
			 uint64_t index, int64_t t, tims_alert_fn fn, void *ctx)
{
	const struct tims_alert_shift *s;
	int64_t hour = floor_div(t, HOUR_MS);
	char detail[TIMS_ALERT_DETAIL_MAX];
	int m;

	if (o->shift == -2) {
		o->shift = e->c.default_shift ? 0 : -1;
		for (size_t i = 1; i < e->c.nshifts; i++)
			if (!strcmp(e->c.shifts[i].officer, o->id))
				o->shift = (int)i;
	}
	if (o->shift < 0)
		return TIMS_OK; /* no shift known for this officer */
	s = &e->c.shifts[o->shift];
	if ((m = local_minute(e, t)) < 0 || in_shift(s, m))
		return TIMS_OK;
	if (hour != o->os_hour) {
		o->os_hour = hour;
		o->os_count = 0;
	}
	o->os_count++;
	if (o->os_count < e->c.os_threshold || o->os_fired == hour)
		return TIMS_OK;
	o->os_fired = hour;
	snprintf(detail, sizeof(detail), "%llu reads outside the officer's shift %02u:%02u-%02u:%02u "
		 "(local time %02d:%02d); threshold %llu", (unsigned long long)o->os_count,
		 s->from_min / 60, s->from_min % 60, s->to_min / 60, s->to_min % 60, m / 60, m % 60,
		 (unsigned long long)e->c.os_threshold);
	return fire(e, TIMS_ALERT_OFF_SHIFT, o, NULL, post, hour * HOUR_MS, HOUR_MS, o->os_count,
		    e->c.os_threshold, -1, index, t, NULL, detail, fn, ctx);
}

static tims_rc repeated_lookup(struct tims_alert_engine *e, struct officer *o, const char *post,
			       uint64_t dh, uint64_t index, int64_t t, tims_alert_fn fn, void *ctx)
{
	struct doc *d = doc_get(e, dh);
	int64_t win = (int64_t)e->c.rl_window_s * 1000;
	uint64_t who = o->idh, ph = short_hash(e, post);
	unsigned officers = 0, posts = 0, n = 0, count;
	int64_t first = t;
	char detail[TIMS_ALERT_DETAIL_MAX], part[40];

	d->last_ms = t > d->last_ms ? t : d->last_ms;
	/* keep the pairs still in the window, this one refreshed or added */
	for (unsigned i = 0; i < d->n; i++)
		if (d->seen[i].t > t - win && !(d->seen[i].who == who && d->seen[i].post == ph))
			d->seen[n++] = d->seen[i];
	if (n == SEEN_MAX) /* full: the oldest makes room */
		memmove(&d->seen[0], &d->seen[1], (--n) * sizeof(d->seen[0]));
	d->seen[n].who = who;
	d->seen[n].post = ph;
	d->seen[n].t = t;
	d->n = (uint8_t)++n;
	for (unsigned i = 0; i < n; i++) {
		int new_o = 1, new_p = 1;

		for (unsigned j = 0; j < i; j++) {
			new_o &= d->seen[j].who != d->seen[i].who;
			new_p &= d->seen[j].post != d->seen[i].post;
		}
		officers += (unsigned)new_o;
		posts += (unsigned)new_p;
		if (d->seen[i].t < first)
			first = d->seen[i].t;
	}
	count = officers > posts ? officers : posts;
	if (count < e->c.rl_threshold || (d->fired_ms != NONE && d->fired_ms > t - win))
		return TIMS_OK;
	d->fired_ms = t;
	snprintf(detail, sizeof(detail), "document #%016llx looked up by %u officers at %u posts "
		 "within %llu s; threshold %llu", (unsigned long long)dh, officers, posts,
		 (unsigned long long)e->c.rl_window_s, (unsigned long long)e->c.rl_threshold);
	snprintf(part, sizeof(part), "%016llx", (unsigned long long)dh);
	return fire(e, TIMS_ALERT_REPEATED_LOOKUP, o, NULL, post, first, t - first, count,
		    e->c.rl_threshold, -1, index, t, part, detail, fn, ctx);
}

static const char *sensitive(const struct tims_alert_engine *e, json_t *q)
{
	json_t *l = json_object_get(q, "list"), *ls = json_object_get(q, "lists"), *v;
	size_t i;

	for (size_t k = 0; k < e->c.nlists; k++) {
		if (json_is_string(l) && !strcmp(json_string_value(l), e->c.lists[k]))
			return e->c.lists[k];
		if (json_is_array(ls) && json_array_size(ls) <= 1024)
			json_array_foreach(ls, i, v)
				if (json_is_string(v) && !strcmp(json_string_value(v), e->c.lists[k]))
					return e->c.lists[k];
	}
	return NULL;
}

static tims_rc sensitive_list(struct tims_alert_engine *e, struct officer *o, const char *post,
			      const char *list, uint64_t index, int64_t t, tims_alert_fn fn,
			      void *ctx)
{
	int64_t hour = floor_div(t, HOUR_MS);
	char detail[TIMS_ALERT_DETAIL_MAX];

	if (hour != o->sl_hour) {
		o->sl_hour = hour;
		o->sl_count = 0;
	}
	o->sl_count++;
	if (o->sl_count < e->c.sl_threshold || o->sl_fired == hour)
		return TIMS_OK;
	o->sl_fired = hour;
	snprintf(detail, sizeof(detail), "%llu reads of sensitive lists in one hour (the last: "
		 "%s); threshold %llu", (unsigned long long)o->sl_count, list,
		 (unsigned long long)e->c.sl_threshold);
	return fire(e, TIMS_ALERT_SENSITIVE_LIST, o, NULL, post, hour * HOUR_MS, HOUR_MS,
		    o->sl_count, e->c.sl_threshold, -1, index, t, NULL, detail, fn, ctx);
}

/* How many people an answer names: its "total" or "count", else its
 * longest array (top level, or one level down). */
static uint64_t people(json_t *r)
{
	const char *k;
	json_t *v, *w;
	uint64_t best = 0;

	if (json_is_array(r))
		return json_array_size(r);
	if (!json_is_object(r))
		return 0;
	if (json_object_get(r, "sha256") && json_integer_value(json_object_get(r, "bytes")) > 0)
		return UINT64_MAX; /* too large for the audit event: kept by its hash */
	if (json_integer_value(json_object_get(r, "total")) > 0)
		return (uint64_t)json_integer_value(json_object_get(r, "total"));
	if (json_integer_value(json_object_get(r, "count")) > 0)
		return (uint64_t)json_integer_value(json_object_get(r, "count"));
	json_object_foreach(r, k, v) {
		const char *k2;

		if (json_is_array(v) && json_array_size(v) > best)
			best = json_array_size(v);
		if (json_is_object(v))
			json_object_foreach(v, k2, w)
				if (json_is_array(w) && json_array_size(w) > best)
					best = json_array_size(w);
	}
	return best;
}

static tims_rc bulk_query(struct tims_alert_engine *e, struct officer *o, const char *post,
			  const char *action, uint64_t n, uint64_t index, int64_t t,
			  tims_alert_fn fn, void *ctx)
{
	char detail[TIMS_ALERT_DETAIL_MAX], part[32];

	if (n <= e->c.bq_threshold)
		return TIMS_OK;
	if (n == UINT64_MAX) {
		n = e->c.bq_threshold + 1;
		snprintf(detail, sizeof(detail), "%s answered more than the audit event holds "
			 "(kept by its hash); threshold %llu people", action,
			 (unsigned long long)e->c.bq_threshold);
	} else {
		snprintf(detail, sizeof(detail), "%s answered %llu people; threshold %llu", action,
			 (unsigned long long)n, (unsigned long long)e->c.bq_threshold);
	}
	snprintf(part, sizeof(part), "%llu", (unsigned long long)index);
	return fire(e, TIMS_ALERT_BULK_QUERY, o, NULL, post, t, 0, n, e->c.bq_threshold, -1,
		    index, t, part, detail, fn, ctx);
}

/* --- feeding ------------------------------------------------------------- */

static int text_ok(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

/* A document reference from a query: 1..64 printable ASCII bytes. */
static const char *document_of(json_t *q)
{
	static const char *const keys[] = { "document", "doc" };

	for (size_t i = 0; i < TIMS_ARRAY_SIZE(keys); i++) {
		const char *s = json_string_value(json_object_get(q, keys[i]));
		size_t n = s ? strlen(s) : 0;

		if (!n || n > 64)
			continue;
		for (size_t k = 0; k < n; k++)
			if ((unsigned char)s[k] <= ' ' || (unsigned char)s[k] >= 0x7f)
				return NULL;
		return s;
	}
	return NULL;
}

static const char *check_id_of(json_t *o)
{
	const char *s = json_string_value(json_object_get(o, "check_id"));

	return s && *s && strlen(s) <= 128 ? s : NULL;
}

static json_t *parse(const char *text, size_t len)
{
	if (!text || !len || len > TIMS_AUDIT_TEXT_MAX)
		return NULL;
	return json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
}

tims_rc tims_alert_feed(struct tims_alert_engine *e, const char *post, uint64_t index,
			const struct tims_audit_event *ev, int64_t now_ms,
			tims_alert_fn fn, void *ctx)
{
	int at_centre = (e->flags & TIMS_ALERT_AT_CENTRE) != 0;
	int mi, nc, os, rl, sl, bq, crossing;
	json_t *q = NULL, *r = NULL;
	const char *doc, *cid, *list;
	struct officer *o;
	int64_t t;
	tims_rc rc = TIMS_OK;

	(void)now_ms;
	e->st.events++;
	if (!ev || !post || strlen(post) > TIMS_NOTE_MAX_NAME || !text_ok(ev->actor, sizeof(ev->actor)) ||
	    !text_ok(ev->action, sizeof(ev->action)) || !text_ok(ev->role, sizeof(ev->role)) ||
	    !ev->actor[0] || !strcmp(ev->actor, "-") || !strcmp(ev->role, "peer") ||
	    !ev->action[0] || ev->status < 200 || ev->status > 299 || ev->time_ms < 0 ||
	    ev->query_len > TIMS_AUDIT_TEXT_MAX || ev->result_len > TIMS_AUDIT_TEXT_MAX) {
		e->st.ignored++;
		return TIMS_OK;
	}
	t = ev->time_ms;
	crossing = !strcmp(ev->action, "crossing");
	mi = action_in(e, TIMS_ALERT_MANY_IDENTITIES, ev->action);
	nc = action_in(e, TIMS_ALERT_NO_CROSSING, ev->action);
	os = action_in(e, TIMS_ALERT_OFF_SHIFT, ev->action);
	rl = at_centre && action_in(e, TIMS_ALERT_REPEATED_LOOKUP, ev->action);
	sl = e->c.nlists && action_in(e, TIMS_ALERT_SENSITIVE_LIST, ev->action);
	bq = action_in(e, TIMS_ALERT_BULK_QUERY, ev->action);
	if (!crossing && !mi && !nc && !os && !rl && !sl && !bq) {
		/* nothing to learn from it, but a known officer's pending checks age */
		if ((o = officer_get(e, ev->actor, 0)) && o->pend_n)
			rc = nc_expire(e, o, t - (int64_t)e->c.nc_window_s * 1000, fn, ctx);
		e->st.ignored++;
		return rc;
	}
	if (!(o = officer_get(e, ev->actor, 1)))
		return TIMS_ERR_NOMEM;
	if (t > o->last_ms)
		o->last_ms = t;
	snprintf(o->post, sizeof(o->post), "%s", post);
	if (o->pend_n && (rc = nc_expire(e, o, t - (int64_t)e->c.nc_window_s * 1000, fn, ctx)))
		return rc;
	if (crossing || mi || nc || rl || sl || bq)
		q = parse(ev->query, ev->query_len);
	if (nc || bq)
		r = parse(ev->result, ev->result_len);
	doc = json_is_object(q) ? document_of(q) : NULL;
	if (crossing && e->c.rule[TIMS_ALERT_NO_CROSSING].enabled && (cid = check_id_of(q)))
		nc_used(o, short_hash(e, cid));
	if (!rc && mi && doc)
		rc = many_identities(e, o, post, doc_hash(e, doc), index, t, fn, ctx);
	if (!rc && nc && !crossing && json_is_object(r) && (cid = check_id_of(r)))
		rc = nc_push(e, o, short_hash(e, cid), index, t, fn, ctx);
	if (!rc && os)
		rc = off_shift(e, o, post, index, t, fn, ctx);
	if (!rc && rl && doc)
		rc = repeated_lookup(e, o, post, doc_hash(e, doc), index, t, fn, ctx);
	if (!rc && sl && json_is_object(q) && (list = sensitive(e, q)))
		rc = sensitive_list(e, o, post, list, index, t, fn, ctx);
	if (!rc && bq && r)
		rc = bulk_query(e, o, post, ev->action, people(r), index, t, fn, ctx);
	json_decref(q);
	json_decref(r);
	return rc;
}

tims_rc tims_alert_tick(struct tims_alert_engine *e, int64_t now_ms, tims_alert_fn fn, void *ctx)
{
	tims_rc rc = TIMS_OK;

	for (size_t i = 0; i < e->ot.n && !rc; i++)
		if (e->off[i].used && e->off[i].pend_n)
			rc = nc_expire(e, &e->off[i], now_ms - (int64_t)e->c.nc_window_s * 1000, fn, ctx);
	return rc;
}
