/*
 * booth.c — the booth service (include/tims/booth.h): a check screens a
 * document and is remembered under a random id; a registration is bound to
 * such a check and takes the person and the screening outcome from it.
 *
 * The table of recent checks is a bounded array searched by id. It holds
 * what a registration needs (the person, the record's hits, the status, the
 * vehicle and visa, who made it and when), not the officer's display of
 * the hits. A check is used by one crossing: the table keeps the index it
 * was registered as, and while a registration is in flight the check is
 * reserved, so that two requests with one check id cannot both register.
 */
#include <pthread.h>
#include <sodium.h>

#include "tims/booth.h"
#include "tims/mrz.h"
#include "tims/screen.h"
#include "tims/travel.h"
#include "tims/util.h"

/* One remembered check. */
struct slot {
	bool used;                   /* a live entry */
	char id[TIMS_BOOTH_ID_HEX + 1];
	char officer[TIMS_RECORD_FIELD];
	char booth[TIMS_RECORD_FIELD];
	uint64_t session;
	int64_t time_ms;
	bool manual, valid;
	struct tims_person person;
	uint8_t screen_status;
	size_t nhits;
	struct tims_record_hit hits[TIMS_RECORD_MAX_HITS];
	struct tims_vehicle vehicle;
	struct tims_visa visa;
	uint8_t chip_outcome;        /* enum tims_chip_outcome */
	char chip_reasons[TIMS_RECORD_FIELD];
	char chip_state[4];
	char chip_signer[TIMS_RECORD_FIELD];
	/* its crossing */
	int state;                   /* 0 free, 1 in flight, 2 registered */
	char client_id[TIMS_RECORD_FIELD];
	uint64_t index;
};

/* One active-authentication challenge the post issued. */
struct aa_slot {
	bool used;                   /* a live entry */
	bool spent;                  /* taken by a check */
	uint8_t rnd[TIMS_BOOTH_AA_CHALLENGE];
	uint64_t session;
	int64_t issued_ms;
};

struct tims_booth {
	struct tims_booth_config cfg;
	pthread_mutex_t lock;        /* the tables */
	struct slot *slots;
	size_t nslots;
	struct aa_slot aa[TIMS_BOOTH_AA_MAX];
	int64_t (*now_ms)(void);
};

static int64_t real_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- configuration ---- */

/* Regulation (EU) 2016/399 (Schengen Borders Code), Annex V Part B. */
static const struct tims_booth_refusal annex_v[] = {
	{ "A", "has no valid travel document(s)" },
	{ "B", "has a false, counterfeit or forged travel document" },
	{ "C", "has no valid visa or residence permit" },
	{ "D", "has a false, counterfeit or forged visa or residence permit" },
	{ "E", "has no appropriate documentation justifying the purpose and conditions of stay" },
	{ "F", "has already stayed for 90 days during the previous 180-day period" },
	{ "G", "does not have sufficient means of subsistence" },
	{ "H", "is a person for whom an alert has been issued for the purposes of refusing entry" },
	{ "I", "is considered to be a threat to public policy, internal security, public health or international relations" },
	{ "J", "the conditions of Article 6(1)(c) on the purpose and conditions of stay are not met" },
};

void tims_booth_config_default(struct tims_booth_config *c)
{
	memset(c, 0, sizeof(*c));
	c->skew_ms = TIMS_BOOTH_SKEW_MS;
	c->check_lifetime_ms = TIMS_BOOTH_LIFETIME_MS;
	c->max_checks = TIMS_BOOTH_MAX_CHECKS;
	c->ncodes = TIMS_ARRAY_SIZE(annex_v);
	memcpy(c->codes, annex_v, sizeof(annex_v));
}

const char *tims_booth_refusal_text(const struct tims_booth_config *c, const char *code)
{
	for (size_t i = 0; i < c->ncodes; i++)
		if (!strcmp(c->codes[i].code, code))
			return c->codes[i].text;
	return NULL;
}

/* The value of `key` in "key = value" lines, into out; 0 if absent. */
static int conf_get(const char *text, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *v;
		size_t n;

		if (strncmp(p, key, kl) != 0)
			continue;
		v = p + kl;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v != '=')
			continue;
		v++;
		while (*v == ' ' || *v == '\t')
			v++;
		n = strcspn(v, "\r\n");
		while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
			n--;
		if (n >= cap)
			return -1;
		memcpy(out, v, n);
		out[n] = '\0';
		return 1;
	}
	return 0;
}

/* A refusal codes file: "CODE text" lines, '#' comments, blank lines. */
static tims_rc read_codes(const char *path, struct tims_booth_config *c, struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(64 * 1024);
	const char *p;
	size_t line = 0;
	tims_rc rc;

	if ((rc = tims_read_file(path, 64 * 1024, &b, err)))
		return rc;
	c->ncodes = 0;
	for (p = tims_buf_str(&b); *p; ) {
		size_t n = strcspn(p, "\n"), k;
		const char *t;

		line++;
		if (n && p[0] != '#' && strspn(p, " \t\r") < n) {
			k = strcspn(p, " \t\r\n");
			if (!k || k >= sizeof(c->codes[0].code)) {
				rc = tims_err_set(err, TIMS_ERR_INVALID,
						  "%s:%zu: want CODE TEXT (a code of 1 to 8 A-Z 0-9)",
						  path, line);
				break;
			}
			if (c->ncodes >= TIMS_BOOTH_MAX_CODES) {
				rc = tims_err_set(err, TIMS_ERR_INVALID, "%s:%zu: more than %d codes",
						  path, line, TIMS_BOOTH_MAX_CODES);
				break;
			}
			memcpy(c->codes[c->ncodes].code, p, k);
			c->codes[c->ncodes].code[k] = '\0';
			for (size_t i = 0; i < k; i++)
				if (!isupper((unsigned char)p[i]) && !isdigit((unsigned char)p[i]))
					rc = TIMS_ERR_INVALID;
			if (!rc && tims_booth_refusal_text(c, c->codes[c->ncodes].code))
				rc = TIMS_ERR_EXISTS;
			if (rc) {
				rc = tims_err_set(err, TIMS_ERR_INVALID, "%s:%zu: %s", path, line,
						  rc == TIMS_ERR_EXISTS ? "code given twice"
									: "a code is A-Z 0-9");
				break;
			}
			t = p + k;
			while (*t == ' ' || *t == '\t')
				t++;
			snprintf(c->codes[c->ncodes].text, sizeof(c->codes[0].text), "%.*s",
				 (int)strcspn(t, "\r\n"), t);
			c->ncodes++;
		}
		p += n;
		if (*p)
			p++;
	}
	tims_buf_release(&b);
	if (!rc && !c->ncodes)
		rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: no refusal code", path);
	return rc;
}

tims_rc tims_booth_config_read(const char *dir, struct tims_booth_config *c,
			       struct tims_err *err)
{
	static const struct {
		const char *key;
		size_t off;
		uint64_t min, max;
	} keys[] = {
		{ "skew_ms", offsetof(struct tims_booth_config, skew_ms), 0, 86400000 },
		{ "check_lifetime_ms", offsetof(struct tims_booth_config, check_lifetime_ms),
		  1000, 86400000 },
		{ "max_checks", offsetof(struct tims_booth_config, max_checks), 16, 1000000 },
	};
	struct tims_buf b = TIMS_BUF_INIT(16 * 1024);
	char path[4200], v[4096], what[4300];
	tims_rc rc = TIMS_OK;
	int got;

	tims_booth_config_default(c);
	snprintf(path, sizeof(path), "%s/booth.conf", dir);
	if (access(path, F_OK) != 0)
		return TIMS_OK;
	if ((rc = tims_read_file(path, 16 * 1024, &b, err)))
		return rc;
	for (size_t i = 0; !rc && i < TIMS_ARRAY_SIZE(keys); i++) {
		uint64_t *dst = (uint64_t *)((char *)c + keys[i].off);

		snprintf(what, sizeof(what), "%s: %s", path, keys[i].key);
		if (!(got = conf_get(tims_buf_str(&b), keys[i].key, v, 32)))
			continue;
		if (got < 0)
			rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: value too long", what);
		else if (!(rc = tims_parse_u64(v, keys[i].max, dst, what, err)) &&
			 *dst < keys[i].min)
			rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: at least %" PRIu64, what,
					  keys[i].min);
	}
	if (!rc && (got = conf_get(tims_buf_str(&b), "refusal_codes", v, sizeof(v)))) {
		char file[8400];

		if (got < 0 || !v[0])
			rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: refusal_codes: want a file name",
					  path);
		else {
			/* relative to DIR */
			snprintf(file, sizeof(file), "%s%s%s", v[0] == '/' ? "" : dir,
				 v[0] == '/' ? "" : "/", v);
			rc = read_codes(file, c, err);
		}
	}
	tims_buf_release(&b);
	return rc;
}

/* ---- the service ---- */

tims_rc tims_booth_new(const struct tims_booth_config *c, struct tims_booth **out,
		       struct tims_err *err)
{
	struct tims_booth *b = calloc(1, sizeof(*b));

	*out = NULL;
	if (!b || !(b->slots = calloc((size_t)c->max_checks, sizeof(*b->slots)))) {
		free(b);
		return tims_err_set(err, TIMS_ERR_NOMEM, "booth: out of memory");
	}
	if (pthread_mutex_init(&b->lock, NULL)) {
		free(b->slots);
		free(b);
		return tims_err_set(err, TIMS_ERR_NOMEM, "booth: no lock");
	}
	b->cfg = *c;
	b->nslots = (size_t)c->max_checks;
	b->now_ms = real_now_ms;
	*out = b;
	return TIMS_OK;
}

void tims_booth_free(struct tims_booth *b)
{
	if (!b)
		return;
	sodium_memzero(b->slots, b->nslots * sizeof(*b->slots));
	sodium_memzero(b->aa, sizeof(b->aa));
	free(b->slots);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

const struct tims_booth_config *tims_booth_config(const struct tims_booth *b)
{
	return &b->cfg;
}

void tims_booth_set_clock(struct tims_booth *b, int64_t (*now_ms)(void))
{
	b->now_ms = now_ms ? now_ms : real_now_ms;
}

const char *tims_booth_doc_status_name(unsigned s)
{
	static const char *const names[] = { "ok", "lost", "stolen", "revoked",
					     "invalidated", "unknown" };

	return s < TIMS_ARRAY_SIZE(names) ? names[s] : "?";
}

/* The slot of id (b->lock held), or NULL. Ids are compared in constant time. */
static struct slot *find(struct tims_booth *b, const char *id)
{
	size_t n = strlen(id);

	if (n != TIMS_BOOTH_ID_HEX)
		return NULL;
	for (size_t i = 0; i < b->nslots; i++)
		if (b->slots[i].used && !sodium_memcmp(b->slots[i].id, id, TIMS_BOOTH_ID_HEX))
			return &b->slots[i];
	return NULL;
}

/* A slot for a new check (b->lock held): a free one, else the oldest that
 * is not in flight. */
static struct slot *take(struct tims_booth *b)
{
	struct slot *best = NULL;

	for (size_t i = 0; i < b->nslots; i++) {
		struct slot *s = &b->slots[i];

		if (!s->used)
			return s;
		if (s->state != 1 && (!best || s->time_ms < best->time_ms))
			best = s;
	}
	return best;
}

/* ---- active authentication's challenges ---- */

tims_rc tims_booth_aa_challenge(struct tims_booth *b, const struct tims_booth_who *who,
				uint8_t out[TIMS_BOOTH_AA_CHALLENGE], int64_t *expires_ms,
				struct tims_err *err)
{
	struct aa_slot *free_s = NULL, *old_any = NULL, *old_dead = NULL, *old_mine = NULL, *a;
	unsigned mine = 0;
	int64_t now;

	if (!who->session)
		return tims_err_set(err, TIMS_ERR_USAGE, "aa: a challenge is for a session");
	pthread_mutex_lock(&b->lock);
	now = b->now_ms();
	for (size_t i = 0; i < TIMS_BOOTH_AA_MAX; i++) {
		a = &b->aa[i];
		if (!a->used) {
			if (!free_s)
				free_s = a;
			continue;
		}
		if (!old_any || a->issued_ms < old_any->issued_ms)
			old_any = a;
		if ((a->spent || now - a->issued_ms > (int64_t)TIMS_BOOTH_AA_LIFETIME_MS) &&
		    (!old_dead || a->issued_ms < old_dead->issued_ms))
			old_dead = a;
		if (a->session == who->session && !a->spent) {
			mine++;
			if (!old_mine || a->issued_ms < old_mine->issued_ms)
				old_mine = a;
		}
	}
	/* a session's own oldest first, then a free slot, then the oldest
	 * spent or expired, then the oldest of all */
	a = mine >= TIMS_BOOTH_AA_PER_SESSION ? old_mine
			    : free_s ? free_s : old_dead ? old_dead : old_any;

	randombytes_buf(a->rnd, sizeof(a->rnd));
	a->used = true;
	a->spent = false;
	a->session = who->session;
	a->issued_ms = now;
	memcpy(out, a->rnd, TIMS_BOOTH_AA_CHALLENGE);
	*expires_ms = now + (int64_t)TIMS_BOOTH_AA_LIFETIME_MS;
	pthread_mutex_unlock(&b->lock);
	return TIMS_OK;
}

unsigned tims_booth_aa_take(struct tims_booth *b, const struct tims_booth_who *who,
			    const uint8_t challenge[TIMS_BOOTH_AA_CHALLENGE])
{
	unsigned status = TIMS_AA_UNKNOWN;
	struct aa_slot *hit = NULL;

	if (!challenge)
		return TIMS_AA_NONE;
	pthread_mutex_lock(&b->lock);
	/* every slot compared, in constant time: no early exit on a match */
	for (size_t i = 0; i < TIMS_BOOTH_AA_MAX; i++) {
		struct aa_slot *a = &b->aa[i];

		if (a->used && !sodium_memcmp(a->rnd, challenge, TIMS_BOOTH_AA_CHALLENGE) &&
		    a->session == who->session)
			hit = a;
	}
	if (hit) {
		if (hit->spent)
			status = TIMS_AA_SPENT;
		else if (b->now_ms() - hit->issued_ms > (int64_t)TIMS_BOOTH_AA_LIFETIME_MS)
			status = TIMS_AA_EXPIRED;
		else
			status = TIMS_AA_FRESH;
		hit->spent = true; /* an expired one is spent too: never good again */
	}
	pthread_mutex_unlock(&b->lock);
	return status;
}

size_t tims_booth_record_hits(const struct tims_booth_check *c,
			      struct tims_record_hit hits[TIMS_RECORD_MAX_HITS])
{
	size_t n = 0;

	/* document and vehicle hits first (exact), then persons by score */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < c->screening.nhits && n < TIMS_RECORD_MAX_HITS; i++) {
			const struct tims_wl_hit *h = &c->screening.hits[i];
			struct tims_record_hit *r;

			if ((h->part == TIMS_WL_PART_PERSON) != (pass == 1))
				continue;
			r = &hits[n++];
			memset(r, 0, sizeof(*r));
			r->part = h->part;
			r->discreet = h->discreet;
			snprintf(r->list, sizeof(r->list), "%s", h->list);
			snprintf(r->ref, sizeof(r->ref), "%s", h->ref);
			snprintf(r->alert, sizeof(r->alert), "%s", h->alert);
			r->version = h->version;
			r->score_pm = (uint16_t)(h->score <= 0 ? 0 : h->score >= 1 ? 1000
					       : (unsigned)(h->score * 1000 + 0.5));
		}
	return n;
}

void tims_booth_reduce(const struct tims_booth_check *in, struct tims_booth_check *out)
{
	size_t k = 0;

	if (out != in)
		*out = *in;
	for (size_t i = 0; i < in->screening.nhits; i++) {
		if (in->screening.hits[i].discreet)
			continue;
		if (k != i)
			out->screening.hits[k] = in->screening.hits[i];
		k++;
	}
	/* wipe what was moved out: nothing of a discreet hit remains */
	for (size_t i = k; i < in->screening.nhits; i++)
		sodium_memzero(&out->screening.hits[i], sizeof(out->screening.hits[i]));
	out->screening.nhits = k;
	/* the document's own status names its source; a discreet hit never
	 * sets it (documents carry a status, persons an alert) */
}

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

/* The person as the record will carry it, from the MRZ. */
static void person_from_mrz(const struct tims_mrz *m, struct tims_person *p)
{
	memset(p, 0, sizeof(*p));
	copy(p->doc_code, sizeof(p->doc_code), m->document_code);
	copy(p->issuer, sizeof(p->issuer), m->issuing_state);
	copy(p->doc_number, sizeof(p->doc_number), m->document_number);
	copy(p->surname, sizeof(p->surname), m->surname);
	copy(p->given_names, sizeof(p->given_names), m->given_names);
	copy(p->nationality, sizeof(p->nationality), m->nationality);
	copy(p->birth_date, sizeof(p->birth_date), m->birth_date.iso);
	if (m->sex == 'M' || m->sex == 'F' || m->sex == 'X')
		p->sex[0] = m->sex;
	copy(p->expiry, sizeof(p->expiry), m->expiry_date.iso);
}

/* The person fields of a record, checked with the record's own rules. */
static tims_rc check_person(const struct tims_person *p, struct tims_err *err)
{
	struct tims_record r;

	tims_record_init(&r);
	r.direction = TIMS_DIR_ENTRY;
	r.decision = TIMS_DECISION_ADMIT;
	copy(r.officer, sizeof(r.officer), "x");
	copy(r.booth, sizeof(r.booth), "x");
	r.person = *p;
	return tims_record_check(&r, err);
}

/* The person read from an MRZ, less the fields the record's rules refuse. */
static tims_rc mrz_fields(struct tims_person *p, struct tims_err *err)
{
	char *const optional[] = { p->doc_code, p->issuer, p->given_names, p->nationality,
				   p->birth_date, p->sex, p->expiry };
	struct tims_person one;
	struct tims_err e;

	for (size_t i = 0; i < TIMS_ARRAY_SIZE(optional); i++) {
		size_t off = (size_t)(optional[i] - (char *)p);

		memset(&one, 0, sizeof(one));
		copy(one.doc_number, sizeof(one.doc_number), "X");
		copy(one.surname, sizeof(one.surname), "X");
		memcpy((char *)&one + off, optional[i], TIMS_RECORD_FIELD);
		if (check_person(&one, &e))
			optional[i][0] = '\0';
	}
	if (check_person(p, &e))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "mrz: %s; enter the document by hand (\"manual\")", e.msg);
	return TIMS_OK;
}

/* The stay summary of the check: one call, so that the stay rule can grow
 * (national history, visas) behind it. */
static void stay_for(const struct tims_booth_env *env, int64_t now_ms,
		     struct tims_booth_check *c)
{
	struct tims_travel t;
	struct tims_stay_visa sv;
	const struct tims_stay_visa *vp = NULL;
	struct tims_err e;

	c->has_stay = false;
	if (!env->post || !c->person.doc_number[0])
		return;
	/* the visa read or typed in this check is the one the stay is judged
	 * against (a visa national without one has no lawful day) */
	if (c->visa.kind && !tims_stay_visa_from(&c->visa, &sv, NULL))
		vp = &sv;
	if (tims_travel_get(env->post, c->person.doc_number,
			    c->person.nationality[0] ? c->person.nationality : NULL,
			    tims_day_of_ms(now_ms), vp, &t, &e))
		return;
	c->stay = t.stay;
	c->history_records = t.n;
	c->national = t.national;
	c->nlast = t.nlast < TIMS_TRAVEL_LAST ? t.nlast : TIMS_TRAVEL_LAST;
	memcpy(c->last, t.last, c->nlast * sizeof(c->last[0]));
	c->has_stay = true;
	tims_travel_release(&t);
}

static unsigned doc_status_of(const char *status)
{
	static const char *const names[] = { "", "lost", "stolen", "revoked", "invalidated" };

	for (unsigned i = 1; i < TIMS_ARRAY_SIZE(names); i++)
		if (!strcmp(status, names[i]))
			return i;
	return TIMS_DOC_OK;
}

/* The reason codes, joined by commas (they fit: 8 codes of < 16). */
static void chip_reasons(const struct tims_booth_chip *c, char *out, size_t size)
{
	size_t k = 0, l;

	out[0] = '\0';
	for (unsigned i = 0; i < c->nreasons; i++) {
		l = strlen(c->reasons[i]) + (i ? 1 : 0);
		if (k + l >= size)
			break; /* whole codes only; the first ones say the most */
		snprintf(out + k, size - k, "%s%s", i ? "," : "", c->reasons[i]);
		k += l;
	}
}

/* s cut to fit size at a UTF-8 character boundary. */
static void utf8_cut(char *out, size_t size, const char *s)
{
	size_t n = strlen(s);

	if (n >= size) {
		n = size - 1;
		while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(out, s, n);
	out[n] = '\0';
}

tims_rc tims_booth_check(struct tims_booth *b, const struct tims_booth_env *env,
			 const struct tims_booth_who *who,
			 const struct tims_booth_check_in *in,
			 struct tims_booth_check *c, struct tims_err *err)
{
	struct tims_wl_query q;
	struct tims_err serr;
	uint8_t raw[TIMS_BOOTH_ID_HEX / 2];
	struct slot *s;
	char sex[2] = { 0, 0 };
	tims_rc rc;

	memset(c, 0, sizeof(*c));
	c->time_ms = b->now_ms();
	if (!who->officer || !who->officer[0] || !who->booth || !who->booth[0])
		return tims_err_set(err, TIMS_ERR_USAGE, "check: no officer or booth");
	if (in->mrz) {
		const struct tims_mrz *m = in->mrz;

		if (m->format == TIMS_MRZ_UNKNOWN || !m->document_number[0])
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "mrz: the document could not be read (%s); enter it by hand: "
					    "POST /api/v1/check with \"manual\" (surname, given_names, "
					    "birth_date, nationality, sex, doc_number), screened by name "
					    "and birth date",
					    m->nerrors ? m->errors[0].msg : "not a machine-readable zone");
		person_from_mrz(m, &c->person);
		c->valid = m->valid;
		c->readable = true;
		/* A damaged or forged MRZ is still checked: a field it gives that
		 * the record cannot hold is left out (the MRZ's errors say why),
		 * the number and the surname are needed. */
		if ((rc = mrz_fields(&c->person, err)))
			return rc;
	} else if (in->manual) {
		c->person = *in->manual;
		c->manual = true;
		if (!c->person.doc_number[0])
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "manual.doc_number: missing (the number as printed)");
		if ((rc = check_person(&c->person, &serr))) {
			/* name the field as the request did */
			const char *m = !strncmp(serr.msg, "person.", 7) ? serr.msg + 7 : serr.msg;

			if (!strncmp(m, "number", 6))
				return tims_err_set(err, rc, "manual.doc_number%.200s", m + 6);
			return tims_err_set(err, rc, "manual.%.200s", m);
		}
	} else {
		return tims_err_set(err, TIMS_ERR_INVALID, "mrz: give the MRZ, or \"manual\"");
	}
	if (in->vehicle)
		c->vehicle = *in->vehicle;
	if (in->visa) {
		struct tims_record r;

		tims_record_init(&r);
		r.direction = TIMS_DIR_ENTRY;
		r.decision = TIMS_DECISION_ADMIT;
		copy(r.officer, sizeof(r.officer), "x");
		copy(r.booth, sizeof(r.booth), "x");
		copy(r.person.doc_number, sizeof(r.person.doc_number), "X");
		copy(r.person.surname, sizeof(r.person.surname), "X");
		r.visa = *in->visa;
		if ((rc = tims_record_check(&r, err)))
			return rc;
		c->visa = *in->visa;
	}
	/* the chip: the server's passive authentication of the files sent */
	if (in->chip) {
		char printed[TIMS_MRZ_MAX_LINES * (TIMS_MRZ_MAX_LINE_LEN + 1)] = "";
		size_t k = 0;

		for (unsigned i = 0; in->mrz && i < in->mrz->nlines; i++) {
			size_t l = strlen(in->mrz->line[i]);

			memcpy(printed + k, in->mrz->line[i], l);
			k += l;
		}
		printed[k] = '\0';
		struct tims_booth_aa aa = {
			tims_booth_aa_take(b, who, in->aa_challenge), in->aa_challenge,
			in->aa_response, in->aa_response_len
		};

		tims_booth_chip_verify(env->chip_trust, in->chip, in->mrz ? printed : NULL,
				       in->mrz ? NULL : &c->person, (time_t)(c->time_ms / 1000),
				       &aa, &c->chip);
	}
	/* screening: fail closed */
	c->doc_status = TIMS_DOC_UNKNOWN;
	if (!env->ix || !env->wl) {
		c->screen_status = TIMS_SCREEN_UNAVAILABLE;
		copy(c->screen_error, sizeof(c->screen_error), "no watchlists are loaded at this post");
	} else {
		memset(&q, 0, sizeof(q));
		q.doc_number = c->person.doc_number;
		q.doc_issuer = c->person.issuer;
		q.surname = c->person.surname;
		q.given_names = c->person.given_names;
		q.birth_date = c->person.birth_date;
		q.nationality = c->person.nationality;
		sex[0] = c->person.sex[0];
		q.sex = sex[0];
		q.plate = c->vehicle.plate;
		q.vin = c->vehicle.vin;
		if (env->screen_lock)
			pthread_mutex_lock(env->screen_lock);
		rc = tims_wl_screen(env->wl, env->ix, &q, &c->screening, &serr);
		if (env->screen_lock)
			pthread_mutex_unlock(env->screen_lock);
		if (rc) {
			c->screen_status = TIMS_SCREEN_FAILED;
			c->screening.nhits = 0;
			copy(c->screen_error, sizeof(c->screen_error), serr.msg);
		} else {
			c->screen_status = TIMS_SCREEN_DONE;
			c->doc_status = TIMS_DOC_OK;
			for (size_t i = 0; i < c->screening.nhits; i++) {
				const struct tims_wl_hit *h = &c->screening.hits[i];
				unsigned st;

				if (h->part != TIMS_WL_PART_DOCUMENT || h->discreet ||
				    (st = doc_status_of(h->alert)) == TIMS_DOC_OK)
					continue;
				if (c->doc_status == TIMS_DOC_OK) {
					c->doc_status = st;
					snprintf(c->doc_status_source, sizeof(c->doc_status_source),
						 "%.60s/%.60s", h->list, h->ref);
				}
			}
		}
	}
	stay_for(env, c->time_ms, c);
	/* the id, and the table */
	randombytes_buf(raw, sizeof(raw));
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(c->id + 2 * i, 3, "%02x", raw[i]);
	pthread_mutex_lock(&b->lock);
	s = take(b);
	if (!s) {
		pthread_mutex_unlock(&b->lock);
		return tims_err_set(err, TIMS_ERR_FULL,
				    "check: every remembered check is being registered; try again");
	}
	memset(s, 0, sizeof(*s));
	s->used = true;
	memcpy(s->id, c->id, sizeof(s->id));
	copy(s->officer, sizeof(s->officer), who->officer);
	copy(s->booth, sizeof(s->booth), who->booth);
	s->session = who->session;
	s->time_ms = c->time_ms;
	s->manual = c->manual;
	s->valid = c->valid;
	s->person = c->person;
	s->screen_status = c->screen_status;
	s->nhits = tims_booth_record_hits(c, s->hits);
	s->vehicle = c->vehicle;
	s->visa = c->visa;
	s->chip_outcome = c->chip.outcome;
	chip_reasons(&c->chip, s->chip_reasons, sizeof(s->chip_reasons));
	copy(s->chip_state, sizeof(s->chip_state), c->chip.issuing_state);
	utf8_cut(s->chip_signer, sizeof(s->chip_signer), c->chip.signer);
	s->index = TIMS_RECORD_NO_INDEX;
	pthread_mutex_unlock(&b->lock);
	return TIMS_OK;
}

/* ---- registration ---- */

static tims_rc refuse(struct tims_booth_result *res, int status, struct tims_err *err,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static tims_rc refuse(struct tims_booth_result *res, int status, struct tims_err *err,
		      const char *fmt, ...)
{
	va_list ap;

	res->refused = true;
	res->http_status = status;
	if (err) {
		err->rc = status == 409 ? TIMS_ERR_EXISTS : status == 403 ? TIMS_ERR_DENIED
			: status == 404 ? TIMS_ERR_NOTFOUND : TIMS_ERR_INVALID;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return TIMS_OK;
}

struct code_ctx {
	const struct tims_booth_config *cfg;
	char bad[16];
};

static int code_known(const char *code, void *arg)
{
	struct code_ctx *c = arg;

	if (tims_booth_refusal_text(c->cfg, code))
		return 0;
	snprintf(c->bad, sizeof(c->bad), "%.15s", code);
	return 1;
}

/* The codes the configuration knows, as a short list for messages. */
static void codes_list(const struct tims_booth_config *cfg, char *out, size_t size)
{
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < cfg->ncodes && n + 12 < size; i++)
		n += (size_t)snprintf(out + n, size - n, "%s%s", i ? ", " : "", cfg->codes[i].code);
}

/* Every rule of the registration that needs no post (b->lock held for s). */
static tims_rc bind(struct tims_booth *b, const struct slot *s,
		    const struct tims_booth_reg *reg, int64_t now,
		    struct tims_record *rec, struct tims_booth_result *res,
		    struct tims_err *err)
{
	const struct tims_booth_config *cfg = &b->cfg;
	const struct tims_record_hit *h;
	bool open_hit = false;

	for (size_t i = 0; i < s->nhits; i++)
		open_hit |= !s->hits[i].discreet;
	if (!strcmp(tims_direction_name(reg->direction), "?"))
		return refuse(res, 400, err, "direction: must be entry or exit");
	if (!strcmp(tims_decision_name(reg->decision), "?"))
		return refuse(res, 400, err, "decision: must be admit, refuse or second-line");
	if (reg->decision == TIMS_DECISION_ADMIT) {
		if (s->screen_status == TIMS_SCREEN_FAILED)
			return refuse(res, 409, err,
				      "decision: the screening of this check failed: the traveller "
				      "cannot be admitted (refuse, or send to second line)");
		if (s->chip_outcome == TIMS_CHIP_FAILED)
			return refuse(res, 409, err,
				      "decision: the chip failed %s authentication (%s): "
				      "document possibly %s; refuse, or send to second line",
				      strncmp(s->chip_reasons, "aa_", 3) ? "passive" : "active",
				      s->chip_reasons,
				      strncmp(s->chip_reasons, "aa_", 3) ? "altered" : "cloned");
		if (!s->manual && !s->valid)
			return refuse(res, 409, err,
				      "decision: the document failed its MRZ checks: refuse, send to "
				      "second line, or enter the document by hand");
	}
	/* refusal codes, from the configured list */
	if (reg->decision == TIMS_DECISION_REFUSE) {
		struct code_ctx cc = { cfg, "" };
		char known[200];

		if (!reg->refusal_codes || !reg->refusal_codes[0])
			return refuse(res, 400, err, "refusal_codes: a refusal needs one or more codes");
		if (strlen(reg->refusal_codes) >= sizeof(rec->refusal_code))
			return refuse(res, 400, err, "refusal_codes: too many");
		if (tims_refusal_codes_each(reg->refusal_codes, "refusal_codes", code_known,
					    &cc, err))
			return refuse(res, 400, NULL, "%s", "");
		if (cc.bad[0]) {
			codes_list(cfg, known, sizeof(known));
			return refuse(res, 400, err, "refusal_codes: %s is not a refusal code here (%s)",
				      cc.bad, known);
		}
	} else if (reg->refusal_codes && reg->refusal_codes[0]) {
		return refuse(res, 400, err, "refusal_codes: only a refusal has them");
	}
	/* admitting with a hit: the officer names the hit */
	if (reg->confirm_hit && reg->confirm_hit[0]) {
		if (reg->decision != TIMS_DECISION_ADMIT)
			return refuse(res, 400, err, "confirm_hit: only an admission confirms a hit");
		tims_record_init(rec);
		rec->nhits = s->nhits;
		memcpy(rec->hits, s->hits, sizeof(rec->hits));
		/* A discreet hit is answered as no hit: the booth must not learn
		 * of it by guessing its name. */
		h = tims_record_find_hit(rec, reg->confirm_hit);
		if (!h || h->discreet)
			return refuse(res, 400, err, "confirm_hit: names no hit of this check "
				      "(want list/ref as the check showed it)");
	} else if (reg->decision == TIMS_DECISION_ADMIT && open_hit) {
		return refuse(res, 409, err, "confirm_hit: this check has a hit: to admit, confirm "
			      "it by name (list/ref)");
	}
	/* the post's clock decides when; the booth may differ by the skew */
	if (reg->crossed_set) {
		int64_t d = reg->crossed_ms - now;

		if (d < 0)
			d = -d;
		if ((uint64_t)d > cfg->skew_ms)
			return refuse(res, 400, err,
				      "crossed_at: %" PRId64 " s from the post's clock, at most %" PRIu64
				      " s allowed; earlier crossings are entered by a supervisor's "
				      "paper import", d / 1000, cfg->skew_ms / 1000);
	}
	/* the vehicle: the one the check screened */
	if (reg->vehicle) {
		if (strcmp(reg->vehicle->plate, s->vehicle.plate) ||
		    strcmp(reg->vehicle->vin, s->vehicle.vin))
			return refuse(res, 409, err, "vehicle: not the vehicle this check screened; "
				      "check again with it");
	}
	tims_record_init(rec);
	rec->direction = reg->direction;
	rec->decision = reg->decision;
	copy(rec->officer, sizeof(rec->officer), s->officer);
	copy(rec->booth, sizeof(rec->booth), s->booth);
	rec->person = s->person;
	rec->vehicle = s->vehicle;
	if (reg->vehicle) {
		if (reg->vehicle->country[0])
			copy(rec->vehicle.country, sizeof(rec->vehicle.country), reg->vehicle->country);
		if (reg->vehicle->make_model[0])
			copy(rec->vehicle.make_model, sizeof(rec->vehicle.make_model),
			     reg->vehicle->make_model);
	}
	rec->role = reg->role;
	if (reg->decision == TIMS_DECISION_REFUSE)
		copy(rec->refusal_code, sizeof(rec->refusal_code), reg->refusal_codes);
	rec->screen_status = s->screen_status;
	rec->nhits = s->nhits;
	memcpy(rec->hits, s->hits, sizeof(rec->hits));
	copy(rec->check_id, sizeof(rec->check_id), s->id);
	if (reg->confirm_hit)
		copy(rec->confirmed_hit, sizeof(rec->confirmed_hit), reg->confirm_hit);
	rec->entry_mode = s->manual ? TIMS_ENTRY_MANUAL : TIMS_ENTRY_READ;
	rec->accompanies = reg->accompanies;
	rec->visa = s->visa;
	rec->chip_outcome = s->chip_outcome;
	copy(rec->chip_reasons, sizeof(rec->chip_reasons), s->chip_reasons);
	copy(rec->chip_state, sizeof(rec->chip_state), s->chip_state);
	copy(rec->chip_signer, sizeof(rec->chip_signer), s->chip_signer);
	rec->crossed_ms = reg->crossed_set ? reg->crossed_ms : 0;
	if (reg->remarks && strlen(reg->remarks) >= sizeof(rec->remarks))
		return refuse(res, 400, err, "remarks: longer than %zu bytes",
			      sizeof(rec->remarks) - 1);
	copy(rec->remarks, sizeof(rec->remarks), reg->remarks);
	if (reg->client_id && strlen(reg->client_id) >= sizeof(rec->ref))
		return refuse(res, 400, err, "id: longer than %zu bytes", sizeof(rec->ref) - 1);
	copy(rec->ref, sizeof(rec->ref), reg->client_id);
	if (tims_record_check(rec, err))
		return refuse(res, 400, NULL, "%s", "");
	return TIMS_OK;
}

/* The traveller this one came with: a record of this post, recent, the same
 * direction, not itself a companion's link to someone else's check. */
/* Age in whole years on day `on` of someone born on `birth` (YYYY-MM-DD);
 * -1 if the date is not known. */
static int age_on(const char *birth, int64_t on)
{
	int64_t days, y, by;
	unsigned m, d, bm, bd;

	if (!birth[0] || tims_date_parse(birth, &days, "birth_date", NULL))
		return -1;
	tims_civil_from_days(days, &by, &bm, &bd);
	tims_civil_from_days(on, &y, &m, &d);
	return (int)(y - by - (m < bm || (m == bm && d < bd)));
}

static tims_rc check_accompanies(struct tims_booth *b, const struct tims_booth_env *env,
				 struct tims_record *rec, uint8_t relation, int64_t now,
				 struct tims_booth_result *res, struct tims_err *err)
{
	struct tims_record *other;
	struct tims_err e;
	int erased = 0;
	uint8_t entry[TIMS_RECORD_ENTRY_BYTES];
	tims_rc rc;

	if (rec->accompanies == TIMS_RECORD_NO_INDEX)
		return relation ? refuse(res, 400, err, "relation: only with \"accompanies\"")
				: TIMS_OK;
	if (!(other = malloc(sizeof(*other))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "accompanies: out of memory");
	rc = tims_post_get(env->post, rec->accompanies, other, &erased, entry, &e);
	if (rc == TIMS_ERR_NOTFOUND || (!rc && erased))
		refuse(res, 400, err, "accompanies: no record %" PRIu64 " in this post's log",
		       rec->accompanies);
	else if (rc)
		rc = tims_err_set(err, rc, "accompanies: %s", e.msg);
	else if (other->direction != rec->direction)
		refuse(res, 400, err, "accompanies: record %" PRIu64 " is an %s, this is an %s",
		       rec->accompanies, tims_direction_name(other->direction),
		       tims_direction_name(rec->direction));
	else if (now - other->time_ms > (int64_t)b->cfg.check_lifetime_ms ||
		 other->time_ms > now + (int64_t)b->cfg.skew_ms)
		refuse(res, 400, err, "accompanies: record %" PRIu64 " is not a crossing of the "
		       "last %" PRIu64 " minutes", rec->accompanies,
		       b->cfg.check_lifetime_ms / 60000);
	else if (!strcmp(other->person.doc_number, rec->person.doc_number) &&
		 tims_mrz_state_same(other->person.issuer, rec->person.issuer,
				     TIMS_MRZ_STATE_ISSUER))
		refuse(res, 400, err, "accompanies: record %" PRIu64 " is this traveller's own",
		       rec->accompanies);
	else if (relation == TIMS_REL_GUARDIAN &&
		 age_on(rec->person.birth_date, tims_day_of_ms(now)) >= 18)
		refuse(res, 400, err, "relation: minor, but the traveller's birth date (%s) "
		       "makes them an adult", rec->person.birth_date);
	else if (relation == TIMS_REL_MINOR &&
		 age_on(other->person.birth_date, tims_day_of_ms(now)) >= 18)
		refuse(res, 400, err, "relation: guardian, but record %" PRIu64 " is of an "
		       "adult (born %s)", rec->accompanies, other->person.birth_date);
	else if (!rc) {
		/* who they came with, by document, and how they are related:
		 * the record names the other traveller in companions[0] */
		struct tims_companion *c = &rec->companions[0];

		memset(c, 0, sizeof(*c));
		c->relation = relation ? relation : TIMS_REL_COMPANION;
		copy(c->issuer, sizeof(c->issuer), other->person.issuer);
		copy(c->doc_number, sizeof(c->doc_number), other->person.doc_number);
		rec->ncompanions = 1;
	}
	free(other);
	return res->refused ? TIMS_OK : rc;
}

/* TIMS_OK (res: a duplicate's ack) if the client id is a stored record bound
 * to this check id by this officer at this booth; else not found. */
static tims_rc retry_of_stored(const struct tims_booth_env *env, const struct tims_booth_who *who,
			       const struct tims_booth_reg *reg, struct tims_booth_result *res)
{
	struct tims_err e;
	uint64_t index;
	int erased = 0;

	if (!env->post ||
	    tims_post_get_ref(env->post, reg->client_id, &index, &res->rec, &erased,
			      res->ack.leaf, &e) ||
	    erased || strcmp(res->rec.check_id, reg->check_id) ||
	    strcmp(res->rec.officer, who->officer ? who->officer : "") ||
	    strcmp(res->rec.booth, who->booth ? who->booth : ""))
		return TIMS_ERR_NOTFOUND;
	res->ack.rc = TIMS_OK;
	res->ack.index = index;
	res->ack.duplicate = 1;
	return TIMS_OK;
}

tims_rc tims_booth_register(struct tims_booth *b, const struct tims_booth_env *env,
			    const struct tims_booth_who *who,
			    const struct tims_booth_reg *reg,
			    tims_booth_owed_fn owed, void *owed_ctx,
			    struct tims_booth_result *res, struct tims_err *err)
{
	struct tims_buf ob = TIMS_BUF_INIT(TIMS_POST_OWED_MAX);
	struct slot *s;
	int64_t now = b->now_ms();
	char id[TIMS_BOOTH_ID_HEX + 1];
	tims_rc rc = TIMS_OK;

	memset(res, 0, sizeof(*res));
	res->ack.index = TIMS_RECORD_NO_INDEX;
	tims_err_clear(err);
	if (!reg->check_id || !reg->check_id[0])
		return refuse(res, 400, err, "check_id: missing: check the traveller first "
			      "(POST /api/v1/check) and register with its check_id");
	pthread_mutex_lock(&b->lock);
	s = find(b, reg->check_id);
	if (!s || now - s->time_ms > (int64_t)b->cfg.check_lifetime_ms) {
		pthread_mutex_unlock(&b->lock);
		/* A retry (same id) of a crossing stored before this service
		 * forgot its check (a restart): the record says which check it
		 * was bound to, and who registered it. */
		if (reg->client_id && reg->client_id[0] &&
		    retry_of_stored(env, who, reg, res) == TIMS_OK)
			return TIMS_OK;
		if (s)
			return refuse(res, 410, err, "check_id: the check is older than %" PRIu64
				      " minutes: check the traveller again",
				      b->cfg.check_lifetime_ms / 60000);
		return refuse(res, 404, err, "check_id: no such check at this post (unknown, "
			      "forgotten or made elsewhere): check the traveller again");
	}
	if (strcmp(s->officer, who->officer ? who->officer : "") ||
	    strcmp(s->booth, who->booth ? who->booth : "")) {
		pthread_mutex_unlock(&b->lock);
		return refuse(res, 403, err, "check_id: made by another officer or at another "
			      "booth: check the traveller again");
	}
	if (s->state == 1 || (s->state == 2 && (!reg->client_id || !reg->client_id[0] ||
						 strcmp(reg->client_id, s->client_id)))) {
		char msg[96];

		if (s->state == 2)
			snprintf(msg, sizeof(msg), "record %" PRIu64, s->index);
		else
			snprintf(msg, sizeof(msg), "a crossing being registered");
		pthread_mutex_unlock(&b->lock);
		return refuse(res, 409, err, "check_id: this check is already used by %s: "
			      "check the traveller again", msg);
	}
	if ((rc = bind(b, s, reg, now, &res->rec, res, err)) || res->refused) {
		pthread_mutex_unlock(&b->lock);
		return rc;
	}
	/* reserved: no second request may register this check meanwhile */
	s->state = s->state == 2 ? 2 : 1;
	copy(s->client_id, sizeof(s->client_id), reg->client_id);
	memcpy(id, s->id, sizeof(id));
	pthread_mutex_unlock(&b->lock);

	res->rec.time_ms = 0;
	if (!(rc = check_accompanies(b, env, &res->rec, reg->relation, now, res, err)) &&
	    !res->refused) {
		if (owed && (rc = owed(owed_ctx, &res->rec, &ob)))
			tims_err_set(err, rc, "audit event: %s", tims_strerror(rc));
		else if (owed)
			rc = tims_post_register(env->post, &res->rec, ob.buf, ob.len, &res->ack, err);
		else
			rc = tims_post_append(env->post, &res->rec, 1, &res->ack, err);
	}
	tims_buf_release(&ob);
	pthread_mutex_lock(&b->lock);
	s = find(b, id);
	if (s && s->state == 1) {
		if (!res->refused && res->ack.rc == TIMS_OK && res->ack.index != TIMS_RECORD_NO_INDEX) {
			s->state = 2;
			s->index = res->ack.index;
		} else {
			s->state = 0; /* nothing stored: the check may be used again */
		}
	}
	pthread_mutex_unlock(&b->lock);
	return rc;
}
