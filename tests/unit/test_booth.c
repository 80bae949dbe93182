/*
 * test_booth.c — the booth service (tims/booth.h) over a real post and
 * watchlist store in a temporary directory: a registration is bound to a
 * check of this service (same officer and booth, within its lifetime, used
 * once), takes the person and the hits from the check and never from the
 * caller; a discreet hit never survives the booth's reduction; refusal
 * codes come from the configured list; admitting with a hit needs the hit
 * named; crossed_at stays within the skew; a failed screening is never an
 * admission; companions link to a recent record of the same direction.
 */
#include <jansson.h>
#include <pthread.h>

#include "t.h"
#include "tims/booth.h"
#include "tims/mrz.h"
#include "tims/post.h"
#include "tims/util.h"
#include "tims/watchlist.h"

static struct tims_post *post;
static struct tims_wl *wl;
static struct tims_screen_index *ix;
static struct tims_booth *booth;
static int64_t clock_ms;

static int64_t test_clock(void)
{
	return clock_ms;
}

static const char persons_csv[] =
	"ref,name,aliases,dob,nationality,sex,alert,authority,instruction\n"
	"P-001,\"SHCHERBAKOV, Yuriy\",,1971-04-12,RUS,M,wanted,INTERPOL,Arrest\n"
	"P-003,\"AL KHALIFI, Mohamed\",,1975-09-01,TUN,M,discreet-check,NCB Tunis,"
	"\"Discreet check: do not alert, report\"\n";
static const char docs_jsonl[] =
	"{\"ref\":\"D-9\",\"number\":\"ST0LEN123\",\"issuing_state\":\"BGR\",\"status\":\"stolen\"}\n";

static const struct tims_booth_who ivanova = { "ivanova", "B3", 1 };
static const struct tims_booth_who petrov = { "petrov", "B3", 2 };
static const struct tims_booth_who ivanova_b4 = { "ivanova", "B4", 1 };

static void person(struct tims_person *p, const char *number, const char *surname,
		   const char *given, const char *dob, const char *nat)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->doc_number, sizeof(p->doc_number), "%s", number);
	snprintf(p->surname, sizeof(p->surname), "%s", surname);
	snprintf(p->given_names, sizeof(p->given_names), "%s", given);
	snprintf(p->birth_date, sizeof(p->birth_date), "%s", dob);
	snprintf(p->nationality, sizeof(p->nationality), "%s", nat);
	snprintf(p->issuer, sizeof(p->issuer), "%s", nat);
	snprintf(p->sex, sizeof(p->sex), "M");
}

static tims_rc check(const struct tims_booth_who *who, const struct tims_person *p,
		     struct tims_booth_check *c)
{
	struct tims_booth_env env = { post, wl, ix, NULL, NULL };
	struct tims_booth_check_in in = { NULL, p, NULL, NULL, NULL, NULL, NULL, 0 };
	struct tims_err err;

	return tims_booth_check(booth, &env, who, &in, c, &err);
}

static tims_rc owed(void *ctx, const struct tims_record *rec, struct tims_buf *out)
{
	(void)ctx;
	return tims_buf_addf(out, "{\"document\":\"%s\"}", rec->person.doc_number);
}

static void reg_init(struct tims_booth_reg *r, const char *check_id, uint8_t decision)
{
	memset(r, 0, sizeof(*r));
	r->check_id = check_id;
	r->direction = TIMS_DIR_ENTRY;
	r->decision = decision;
	r->accompanies = TIMS_RECORD_NO_INDEX;
}

/* Register; returns the HTTP status the node would answer: 201 stored,
 * else the refusal's. */
static int reg(const struct tims_booth_who *who, const struct tims_booth_reg *r,
	       struct tims_booth_result *res, struct tims_err *err)
{
	struct tims_booth_env env = { post, wl, ix, NULL, NULL };
	tims_rc rc = tims_booth_register(booth, &env, who, r, owed, NULL, res, err);

	if (rc)
		return 500;
	if (res->refused)
		return res->http_status;
	if (res->ack.rc)
		return 409;
	return res->ack.duplicate ? 200 : 201;
}

static void test_binding(void)
{
	struct tims_booth_check *c = malloc(sizeof(*c));
	struct tims_booth_result *res = malloc(sizeof(*res));
	struct tims_booth_reg r;
	struct tims_person p;
	struct tims_err err;
	uint64_t first;

	person(&p, "AB1234567", "IVANOV", "PETAR", "1980-01-02", "BGR");
	T_OK(check(&ivanova, &p, c) == TIMS_OK && strlen(c->id) == TIMS_BOOTH_ID_HEX,
	     "check: a manual entry is checked and gets a 32-hex id");
	T_EQ_INT(c->screen_status, TIMS_SCREEN_DONE, "check: screened (done)");
	T_EQ_INT(c->screening.nhits, 0, "check: an unlisted traveller has no hit");
	T_OK(c->manual && !c->valid, "check: a manual entry is marked manual, not 'valid'");

	reg_init(&r, c->id, TIMS_DECISION_ADMIT);
	T_EQ_INT(reg(&petrov, &r, res, &err), 403, "register: another officer's check is refused");
	T_OK(strstr(err.msg, "another officer"), "... saying why: %s", err.msg);
	T_EQ_INT(reg(&ivanova_b4, &r, res, &err), 403, "register: a check made at another booth is refused");
	r.check_id = "0123456789abcdef0123456789abcdef";
	T_EQ_INT(reg(&ivanova, &r, res, &err), 404, "register: an unknown check id is refused");
	r.check_id = "";
	T_EQ_INT(reg(&ivanova, &r, res, &err), 400, "register: no check id is refused");
	r.check_id = c->id;
	r.client_id = "b3-1";
	T_OK(reg(&ivanova, &r, res, &err) == 201, "register: bound to its own check: stored (%s)",
	     err.msg);
	first = res->ack.index;
	T_OK(!strcmp(res->rec.person.doc_number, "AB1234567") &&
	     !strcmp(res->rec.check_id, c->id) && res->rec.entry_mode == TIMS_ENTRY_MANUAL &&
	     res->rec.screen_status == TIMS_SCREEN_DONE && !strcmp(res->rec.officer, "ivanova"),
	     "register: the record carries the check's person, id, status and mode");
	T_EQ_INT(reg(&ivanova, &r, res, &err), 200, "register: a retry with the same id is a duplicate");
	T_EQ_INT(res->ack.index, first, "... of the same record");
	r.client_id = "b3-2";
	T_EQ_INT(reg(&ivanova, &r, res, &err), 409, "register: a check is used once (another crossing refused)");
	r.client_id = NULL;
	T_EQ_INT(reg(&ivanova, &r, res, &err), 409, "register: ... also without an id");

	/* lifetime */
	T_OK(check(&ivanova, &p, c) == TIMS_OK, "check again");
	clock_ms += TIMS_BOOTH_LIFETIME_MS + 1;
	reg_init(&r, c->id, TIMS_DECISION_ADMIT);
	T_EQ_INT(reg(&ivanova, &r, res, &err), 410, "register: an expired check is refused");
	T_OK(strstr(err.msg, "older than 15 minutes"), "... saying so: %s", err.msg);
	clock_ms -= TIMS_BOOTH_LIFETIME_MS + 1;
	free(c);
	free(res);
}

static int contains(const void *buf, size_t len, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i + n <= len; i++)
		if (!memcmp((const char *)buf + i, s, n))
			return 1;
	return 0;
}

static void test_hits(void)
{
	struct tims_booth_check *c = malloc(sizeof(*c)), *shown = malloc(sizeof(*shown));
	struct tims_booth_result *res = malloc(sizeof(*res));
	struct tims_booth_reg r;
	struct tims_person p;
	struct tims_err err;
	json_t *j;
	char *text;

	/* a wanted person: admit needs the hit named */
	person(&p, "7200000175", "SHCHERBAKOV", "YURIY", "1971-04-12", "RUS");
	T_OK(check(&ivanova, &p, c) == TIMS_OK && c->screening.nhits == 1 &&
	     !strcmp(c->screening.hits[0].ref, "P-001"), "hits: the wanted person is found");
	reg_init(&r, c->id, TIMS_DECISION_ADMIT);
	T_EQ_INT(reg(&ivanova, &r, res, &err), 409, "hits: admitting with a hit, unconfirmed, is refused");
	r.confirm_hit = "wanted/P-002";
	T_EQ_INT(reg(&ivanova, &r, res, &err), 400, "hits: confirming another hit is refused");
	r.confirm_hit = "wanted/P-001";
	r.decision = TIMS_DECISION_SECOND_LINE;
	T_EQ_INT(reg(&ivanova, &r, res, &err), 400, "hits: a confirmation only goes with an admission");
	r.decision = TIMS_DECISION_ADMIT;
	T_EQ_INT(reg(&ivanova, &r, res, &err), 201, "hits: admitting with the hit confirmed is stored");
	T_OK(!strcmp(res->rec.confirmed_hit, "wanted/P-001") && res->rec.nhits == 1 &&
	     !strcmp(res->rec.hits[0].ref, "P-001") && res->rec.hits[0].part == TIMS_HIT_PERSON &&
	     res->rec.hits[0].version == 1 && res->rec.hits[0].score_pm > 800,
	     "hits: the record carries the hit (structured) and the confirmation");

	/* a discreet check: never in the booth's view, always in the record */
	person(&p, "TN1234567", "AL KHALIFI", "MOHAMED", "1975-09-01", "TUN");
	T_OK(check(&ivanova, &p, c) == TIMS_OK && c->screening.nhits == 1 &&
	     c->screening.hits[0].discreet, "discreet: the check finds the discreet-check person");
	tims_booth_reduce(c, shown);
	T_EQ_INT(shown->screening.nhits, 0, "discreet: the booth's reduction holds no hit");
	j = tims_booth_check_json(shown, NULL);
	text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	T_OK(text && !strstr(text, "P-003") && !strstr(text, "discreet-check") &&
	     !strstr(text, "NCB Tunis") && !strstr(text, "do not alert") &&
	     strstr(text, "\"hits\":[]"),
	     "discreet: nothing of it in what the booth is sent (ref, alert, authority, instruction)");
	free(text);
	json_decref(j);
	/* the whole struct: no byte of the hit's reference or instruction */
	T_OK(!contains(shown, sizeof(*shown), "P-003") &&
	     !contains(shown, sizeof(*shown), "do not alert"),
	     "discreet: the reduced result holds none of its bytes");
	reg_init(&r, c->id, TIMS_DECISION_ADMIT);
	r.confirm_hit = "wanted/P-003";
	T_EQ_INT(reg(&ivanova, &r, res, &err), 400,
		 "discreet: 'confirming' a discreet hit is refused as no hit (no oracle)");
	T_OK(strstr(err.msg, "names no hit"), "... with the answer for an unknown hit: %s", err.msg);
	r.confirm_hit = NULL;
	T_EQ_INT(reg(&ivanova, &r, res, &err), 201, "discreet: admission needs no confirmation");
	T_OK(res->rec.nhits == 1 && res->rec.hits[0].discreet &&
	     !strcmp(res->rec.hits[0].ref, "P-003"), "discreet: ... and the record carries the hit");

	/* the document's own status */
	person(&p, "ST0LEN123", "DOE", "JOHN", "1990-01-01", "BGR");
	T_OK(check(&ivanova, &p, c) == TIMS_OK && c->doc_status == TIMS_DOC_STOLEN &&
	     !strcmp(c->doc_status_source, "docs/D-9"),
	     "document status: a stolen document says stolen, and from which list");
	free(c);
	free(shown);
	free(res);
}

static void test_rules(void)
{
	struct tims_booth_check *c = malloc(sizeof(*c));
	struct tims_booth_result *res = malloc(sizeof(*res));
	struct tims_booth_reg r;
	struct tims_person p;
	struct tims_err err;
	uint64_t main_index;

	person(&p, "CD7654321", "GEORGIEV", "NIKOLA", "1975-05-05", "BGR");
	T_OK(check(&ivanova, &p, c) == TIMS_OK, "rules: a check");
	reg_init(&r, c->id, TIMS_DECISION_REFUSE);
	T_EQ_INT(reg(&ivanova, &r, res, &err), 400, "refusal: without a code is refused");
	r.refusal_codes = "Z";
	T_EQ_INT(reg(&ivanova, &r, res, &err), 400, "refusal: a code not in the list is refused");
	T_OK(strstr(err.msg, "Z is not a refusal code here"), "... naming it: %s", err.msg);
	r.refusal_codes = "B,,E";
	T_EQ_INT(reg(&ivanova, &r, res, &err), 400, "refusal: a malformed list is refused");
	r.refusal_codes = "C,E";
	r.decision = TIMS_DECISION_ADMIT;
	T_EQ_INT(reg(&ivanova, &r, res, &err), 400, "refusal: codes only with a refusal");
	/* skew */
	r.decision = TIMS_DECISION_REFUSE;
	r.crossed_set = true;
	r.crossed_ms = 0; /* 1970-01-01 */
	T_EQ_INT(reg(&ivanova, &r, res, &err), 400, "skew: crossed_at 1970 is refused");
	T_OK(strstr(err.msg, "crossed_at") && strstr(err.msg, "paper import"),
	     "... pointing at the paper import: %s", err.msg);
	r.crossed_ms = clock_ms - TIMS_BOOTH_SKEW_MS - 1000;
	T_EQ_INT(reg(&ivanova, &r, res, &err), 400, "skew: 5 minutes and a second ago is refused");
	r.crossed_ms = clock_ms + TIMS_BOOTH_SKEW_MS + 1000;
	T_EQ_INT(reg(&ivanova, &r, res, &err), 400, "skew: in the future past the skew is refused");
	r.crossed_ms = clock_ms - 60000;
	T_OK(reg(&ivanova, &r, res, &err) == 201, "skew: a minute ago, several codes: stored (%s)",
	     err.msg);
	T_OK(!strcmp(res->rec.refusal_code, "C,E") && res->rec.crossed_ms == clock_ms - 60000,
	     "refusal: the record holds both codes and the time");
	main_index = res->ack.index;

	/* companions: own check, own crossing, linked */
	person(&p, "CD7654322", "GEORGIEVA", "ANA", "2015-05-05", "BGR");
	T_OK(check(&ivanova, &p, c) == TIMS_OK, "companion: a check of her own");
	reg_init(&r, c->id, TIMS_DECISION_REFUSE);
	r.refusal_codes = "A";
	r.accompanies = 999999;
	T_EQ_INT(reg(&ivanova, &r, res, &err), 400, "companion: a record that does not exist is refused");
	r.accompanies = main_index;
	r.direction = TIMS_DIR_EXIT;
	T_EQ_INT(reg(&ivanova, &r, res, &err), 400, "companion: another direction is refused");
	r.direction = TIMS_DIR_ENTRY;
	T_EQ_INT(reg(&ivanova, &r, res, &err), 201, "companion: linked to the traveller's record");
	T_EQ_INT(res->rec.accompanies, main_index, "companion: the record names it");

	/* a failed screening: never an admission */
	{
		struct tims_booth_env env = { post, wl, ix, NULL, NULL };
		struct tims_booth_check_in in = { NULL, &p, NULL, NULL, NULL, NULL, NULL, 0 };
		struct tims_vehicle v;

		memset(&v, 0, sizeof(v));
		snprintf(v.plate, sizeof(v.plate), "#");
		in.vehicle = &v;
		T_OK(tims_booth_check(booth, &env, &ivanova, &in, c, &err) == TIMS_OK &&
		     c->screen_status == TIMS_SCREEN_FAILED,
		     "fail closed: a vehicle that cannot be searched fails the screening");
		reg_init(&r, c->id, TIMS_DECISION_ADMIT);
		r.vehicle = &v;
		T_EQ_INT(reg(&ivanova, &r, res, &err), 409,
			 "fail closed: admitting on a failed screening is refused");
		r.decision = TIMS_DECISION_SECOND_LINE;
		T_EQ_INT(reg(&ivanova, &r, res, &err), 201, "fail closed: second line is recorded");
		T_EQ_INT(res->rec.screen_status, TIMS_SCREEN_FAILED,
			 "fail closed: ... marked failed, never 'no hit'");
	}
	/* the chip: a booth's files that the post cannot authenticate (here:
	 * it holds no CSCA) are a failed chip — the first line cannot admit,
	 * second line is recorded with the outcome; no files: not read */
	{
		static const uint8_t sod[] = { 0x77, 0x03, 0x30, 0x01, 0x00 };
		static const uint8_t dg1[] = { 0x61, 0x00 };
		struct tims_epass_input files = { .ndgs = 1 };
		struct tims_booth_env env = { post, wl, ix, NULL, NULL };
		struct tims_booth_check_in in = { NULL, &p, NULL, NULL, &files, NULL, NULL, 0 };

		files.sod = (struct tims_epass_file){ sod, sizeof(sod) };
		files.dgs[0] = (struct tims_epass_file){ dg1, sizeof(dg1) };
		T_OK(tims_booth_check(booth, &env, &ivanova, &in, c, &err) == TIMS_OK &&
		     c->chip.outcome == TIMS_CHIP_FAILED && c->chip.nreasons == 1 &&
		     !strcmp(c->chip.reasons[0], "no_trust"),
		     "chip: files the post cannot verify (no CSCA here) are failed, no_trust");
		reg_init(&r, c->id, TIMS_DECISION_ADMIT);
		T_EQ_INT(reg(&ivanova, &r, res, &err), 409, "chip: a failed chip is not admitted");
		T_OK(strstr(err.msg, "possibly altered") != NULL, "chip: ... and the refusal says why");
		r.decision = TIMS_DECISION_SECOND_LINE;
		T_EQ_INT(reg(&ivanova, &r, res, &err), 201, "chip: second line is recorded");
		T_OK(res->rec.chip_outcome == TIMS_CHIP_FAILED && !strcmp(res->rec.chip_reasons, "no_trust"),
		     "chip: the record keeps the outcome and its reasons");
		in.chip = NULL;
		T_OK(tims_booth_check(booth, &env, &ivanova, &in, c, &err) == TIMS_OK &&
		     c->chip.outcome == TIMS_CHIP_NOT_READ, "chip: no files sent is not read");
	}
	/* no watchlists: unavailable, said so */
	{
		struct tims_booth_env env = { post, NULL, NULL, NULL, NULL };
		struct tims_booth_check_in in = { NULL, &p, NULL, NULL, NULL, NULL, NULL, 0 };

		T_OK(tims_booth_check(booth, &env, &ivanova, &in, c, &err) == TIMS_OK &&
		     c->screen_status == TIMS_SCREEN_UNAVAILABLE,
		     "no watchlists: the check says unavailable");
	}
	free(c);
	free(res);
}

static void test_config(const char *dir)
{
	struct tims_booth_config cfg;
	struct tims_err err;
	char path[4400];
	FILE *f;

	tims_booth_config_default(&cfg);
	T_EQ_INT(cfg.ncodes, 10, "config: the default list is Annex V Part B A to J");
	T_OK(tims_booth_refusal_text(&cfg, "H") && !tims_booth_refusal_text(&cfg, "K"),
	     "config: H is a code, K is not");
	snprintf(path, sizeof(path), "%s/booth.conf", dir);
	f = fopen(path, "w");
	fputs("skew_ms = 1000\ncheck_lifetime_ms = 60000\nrefusal_codes = codes.txt\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/codes.txt", dir);
	f = fopen(path, "w");
	fputs("# local list\nA no valid document\nX1 a local code\n", f);
	fclose(f);
	T_OK(tims_booth_config_read(dir, &cfg, &err) == TIMS_OK && cfg.skew_ms == 1000 &&
	     cfg.check_lifetime_ms == 60000 && cfg.ncodes == 2 &&
	     tims_booth_refusal_text(&cfg, "X1") && !tims_booth_refusal_text(&cfg, "B"),
	     "config: booth.conf sets the skew, the lifetime and the code list (%s)", err.msg);
	f = fopen(path, "w");
	fputs("a lower-case code\n", f);
	fclose(f);
	T_OK(tims_booth_config_read(dir, &cfg, &err) == TIMS_ERR_INVALID &&
	     strstr(err.msg, "codes.txt:1"), "config: a bad code file is named with its line: %s",
	     err.msg);
	snprintf(path, sizeof(path), "%s/booth.conf", dir);
	f = fopen(path, "w");
	fputs("skew_ms = soon\n", f);
	fclose(f);
	T_OK(tims_booth_config_read(dir, &cfg, &err) == TIMS_ERR_INVALID &&
	     strstr(err.msg, "skew_ms"), "config: a bad value is named: %s", err.msg);
	remove(path);
}

/* Checks from 8 threads at once with the node's discipline: the search of
 * the watchlists under env.screen_lock, the rest concurrent. Every check
 * is screened, and the wanted traveller's hit is found every time. */
#define TH_N 8
#define TH_EACH 10
static pthread_mutex_t th_screen = PTHREAD_MUTEX_INITIALIZER;
static struct {
	int ok, wrong;
} th_res[TH_N];

static void *th_run(void *arg)
{
	int t = (int)(intptr_t)arg;
	struct tims_booth_env env = { post, wl, ix, &th_screen, NULL };
	struct tims_booth_check *c = malloc(sizeof(*c));
	struct tims_person p;
	struct tims_err err;

	for (int i = 0; c && i < TH_EACH; i++) {
		struct tims_booth_check_in in = { NULL, &p, NULL, NULL, NULL, NULL, NULL, 0 };
		int wanted = (i + t) % 2;

		if (wanted)
			person(&p, "7200000175", "SHCHERBAKOV", "YURIY", "1971-04-12", "RUS");
		else
			person(&p, "AB1234567", "IVANOV", "PETAR", "1980-01-02", "BGR");
		if (tims_booth_check(booth, &env, &ivanova, &in, c, &err) == TIMS_OK &&
		    c->screen_status == TIMS_SCREEN_DONE && c->screening.nhits == (size_t)wanted)
			th_res[t].ok++;
		else
			th_res[t].wrong++;
	}
	free(c);
	return NULL;
}

static void test_threads(void)
{
	pthread_t th[TH_N];
	int ok = 0, wrong = 0;

	for (int t = 0; t < TH_N; t++)
		pthread_create(&th[t], NULL, th_run, (void *)(intptr_t)t);
	for (int t = 0; t < TH_N; t++) {
		pthread_join(th[t], NULL);
		ok += th_res[t].ok;
		wrong += th_res[t].wrong;
	}
	T_OK(ok == TH_N * TH_EACH && !wrong,
	     "threads: %d checks from %d threads at once, each screened with its hits (%d wrong)",
	     ok, TH_N, wrong);
	T_OK(pthread_mutex_trylock(&th_screen) == 0, "threads: the screening lock is released");
	pthread_mutex_unlock(&th_screen);
}

/*
 * Active authentication's challenges (issue 21): the post issues them,
 * bound to a session, for one check, for a minute. The attackers: a
 * challenge used twice (a replayed check), one of another session, one
 * past its lifetime, one the booth made up; a session that asks for many
 * (its oldest forgotten, others' untouched); no session.
 */
static void test_aa_challenges(void)
{
	uint8_t a[TIMS_BOOTH_AA_CHALLENGE], b2[TIMS_BOOTH_AA_CHALLENGE], mine[5][TIMS_BOOTH_AA_CHALLENGE];
	static const uint8_t made_up[TIMS_BOOTH_AA_CHALLENGE] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const struct tims_booth_who nobody = { "ivanova", "B3", 0 };
	int64_t exp, t0 = clock_ms;
	struct tims_err err;

	T_OK(tims_booth_aa_challenge(booth, &ivanova, a, &exp, &err) == TIMS_OK &&
	     exp == clock_ms + TIMS_BOOTH_AA_LIFETIME_MS, "aa: a challenge, good for two minutes");
	T_OK(tims_booth_aa_challenge(booth, &ivanova, b2, &exp, &err) == TIMS_OK && memcmp(a, b2, 8),
	     "aa: each challenge is new");
	T_EQ_INT(tims_booth_aa_take(booth, &petrov, a), TIMS_AA_UNKNOWN,
		 "aa: another session's challenge is unknown to it");
	T_EQ_INT(tims_booth_aa_take(booth, &ivanova, a), TIMS_AA_FRESH,
		 "aa: ... and still good for its own session (not burnt by the other)");
	T_EQ_INT(tims_booth_aa_take(booth, &ivanova, a), TIMS_AA_SPENT,
		 "aa: used a second time: spent (a replay)");
	T_EQ_INT(tims_booth_aa_take(booth, &ivanova, made_up), TIMS_AA_UNKNOWN,
		 "aa: a challenge the booth made up: unknown");
	T_EQ_INT(tims_booth_aa_take(booth, &ivanova, NULL), TIMS_AA_NONE, "aa: none sent: none");
	clock_ms += TIMS_BOOTH_AA_LIFETIME_MS + 1;
	T_EQ_INT(tims_booth_aa_take(booth, &ivanova, b2), TIMS_AA_EXPIRED,
		 "aa: past its lifetime: expired");
	T_EQ_INT(tims_booth_aa_take(booth, &ivanova, b2), TIMS_AA_SPENT,
		 "aa: ... and never good again");
	T_OK(tims_booth_aa_challenge(booth, &petrov, a, &exp, &err) == TIMS_OK, "aa: petrov's challenge");
	for (int i = 0; i < 5; i++)
		T_OK(tims_booth_aa_challenge(booth, &ivanova, mine[i], &exp, &err) == TIMS_OK, "aa: challenge %d", i);
	T_EQ_INT(tims_booth_aa_take(booth, &ivanova, mine[0]), TIMS_AA_UNKNOWN,
		 "aa: past 4 outstanding, the session's oldest is forgotten");
	T_EQ_INT(tims_booth_aa_take(booth, &ivanova, mine[4]), TIMS_AA_FRESH, "aa: ... its newest is good");
	T_EQ_INT(tims_booth_aa_take(booth, &petrov, a), TIMS_AA_FRESH,
		 "aa: another session's asking does not forget petrov's");
	T_OK(tims_booth_aa_challenge(booth, &nobody, a, &exp, &err) == TIMS_ERR_USAGE,
	     "aa: no session, no challenge");
	clock_ms = t0;
}

int main(void)
{
	char dir[] = "/tmp/tims-booth-XXXXXX", sub[4200];
	struct tims_booth_config cfg;
	struct tims_wl_import_result wres;
	struct tims_err err;

	if (!mkdtemp(dir))
		return 2;
	snprintf(sub, sizeof(sub), "%s/post", dir);
	if (tims_post_init(sub, "example.org/post/booth", "booth", "land", &err) ||
	    tims_post_open(sub, TIMS_POST_WRITE, &post, &err)) {
		fprintf(stderr, "post: %s\n", err.msg);
		return 2;
	}
	snprintf(sub, sizeof(sub), "%s/wl", dir);
	{
		struct tims_wl_import_opts o = { "wanted", TIMS_WL_PERSONS, TIMS_WL_CSV, false,
						 false, -1, NULL, NULL };
		struct tims_wl_import_opts d = { "docs", TIMS_WL_DOCUMENTS, TIMS_WL_JSONL, false,
						 false, -1, NULL, NULL };

		if (tims_wl_open(sub, true, &wl, &err) ||
		    tims_wl_import(wl, &o, persons_csv, strlen(persons_csv), NULL, NULL, &wres, &err) ||
		    tims_wl_import(wl, &d, docs_jsonl, strlen(docs_jsonl), NULL, NULL, &wres, &err) ||
		    tims_wl_load_index(wl, &ix, &err)) {
			fprintf(stderr, "watchlists: %s\n", err.msg);
			return 2;
		}
	}
	tims_booth_config_default(&cfg);
	if (tims_booth_new(&cfg, &booth, &err))
		return 2;
	clock_ms = (int64_t)time(NULL) * 1000;
	tims_booth_set_clock(booth, test_clock);
	test_binding();
	test_hits();
	test_rules();
	test_threads();
	test_aa_challenges();
	snprintf(sub, sizeof(sub), "%s/post", dir);
	test_config(sub);
	tims_booth_free(booth);
	tims_screen_index_free(ix);
	tims_wl_close(wl);
	tims_post_free(post);
	return t_done();
}
