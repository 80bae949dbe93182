/* test_officer.c — accounts, two-factor login, replay, lock-out, sessions. */
#include <sodium.h>
#include <sys/stat.h>

#include "t.h"
#include "tims/bundle.h"
#include "tims/officer.h"
#include "tims/util.h"

static const char *code_at(const char *b32, time_t t)
{
	static char code[8];
	uint8_t key[64];
	size_t n;
	uint32_t v;

	tims_base32_decode(b32, key, sizeof(key), &n, NULL);
	tims_hotp(key, n, (uint64_t)t / 30, 6, &v, NULL);
	snprintf(code, sizeof(code), "%06u", (unsigned)v);
	return code;
}

static int count_cb(void *ctx, const struct tims_officer *o)
{
	(void)o;
	(*(int *)ctx)++;
	return 0;
}

static int want_all(void *ctx, const char *id, unsigned role)
{
	(void)ctx;
	(void)role;
	return strcmp(id, "local-only") != 0;
}

static int disabled_of(sqlite3 *db, const char *id)
{
	sqlite3_stmt *st;
	int d = -1;

	sqlite3_prepare_v2(db, "SELECT disabled FROM officers WHERE id = ?", -1, &st, NULL);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		d = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return d;
}

/* Rosters: the centre's accounts, sealed for one post, applied there. */
static void test_roster(void)
{
	sqlite3 *cdb, *pdb;
	struct tims_officers *centre, *post;
	uint8_t ckey[32] = { 9 }, pkey[32] = { 7 }, rkey[32] = { 5 }, wrong[32] = { 6 };
	char b32[TIMS_TOTP_B32_BYTES], b32b[TIMS_TOTP_B32_BYTES], b32l[TIMS_TOTP_B32_BYTES];
	char token[TIMS_TOKEN_CHARS];
	struct tims_buf r = TIMS_BUF_INIT(1 << 20), sealed = TIMS_BUF_INIT(1 << 20);
	struct tims_buf opened = TIMS_BUF_INIT(1 << 20);
	struct tims_roster_result res;
	struct tims_signer key;
	struct tims_verifier vkey;
	struct tims_bundle b;
	struct tims_principal who;
	struct tims_err err;
	char *skey = NULL, *vk = NULL;
	time_t t = 1800000000;

	sqlite3_open(":memory:", &cdb);
	sqlite3_open(":memory:", &pdb);
	tims_officers_open(cdb, ckey, TIMS_PW_COST_TEST, &centre, &err);
	tims_officers_open(pdb, pkey, TIMS_PW_COST_TEST, &post, &err);
	tims_officer_add(centre, "dimitrova", "Elena Dimitrova", TIMS_ROLE_SUPERVISOR, "roster password one", b32, NULL, &err);
	tims_officer_add(centre, "georgiev", "Nikola Georgiev", TIMS_ROLE_OFFICER, "roster password two", b32b, NULL, &err);
	tims_officer_add(centre, "local-only", "Not Sent", TIMS_ROLE_ADMIN, "roster password six", b32l, NULL, &err);
	tims_officer_add(post, "stefanov", "Local Account", TIMS_ROLE_OFFICER, "a local password", b32l, NULL, &err);
	T_OK(tims_officer_roster_export(centre, want_all, NULL, &r, &err) == TIMS_OK, "roster: export (%s)", err.msg);
	T_OK(strstr(r.buf, "\"id\":\"dimitrova\"") && !strstr(r.buf, "local-only"), "roster: export keeps only the accounts asked for");
	T_OK(tims_officer_roster_apply(post, r.buf, r.len, &res, &err) == TIMS_OK, "roster: apply (%s)", err.msg);
	T_EQ_INT(res.added, 2, "roster: two accounts added");
	T_OK(tims_officer_login(post, "dimitrova", "roster password one", code_at(b32, t), "B1", t, token, &who, &err) == TIMS_OK && who.role == TIMS_ROLE_SUPERVISOR,
	     "roster: the centre's account logs in at the post with its own password and code (%s)", err.msg);
	T_OK(tims_officer_roster_apply(post, r.buf, r.len, &res, &err) == TIMS_OK && res.unchanged == 2 && res.changed == 0,
	     "roster: the same roster again changes nothing");
	T_OK(tims_officer_session(post, token, t + 5, &who, &err) == TIMS_OK, "roster: an unchanged account keeps its session");

	/* A reset at the centre reaches the post and ends the session there. */
	tims_officer_reset(centre, "dimitrova", "roster password new", b32, NULL, &err);
	tims_buf_reset(&r);
	tims_officer_roster_export(centre, want_all, NULL, &r, &err);
	T_OK(tims_officer_roster_apply(post, r.buf, r.len, &res, &err) == TIMS_OK && res.changed == 1, "roster: a reset account is changed");
	T_OK(tims_officer_session(post, token, t + 6, &who, &err) == TIMS_ERR_AUTH, "roster: a changed account's session ends");
	T_OK(tims_officer_login(post, "dimitrova", "roster password new", code_at(b32, t + 30), "B1", t + 30, token, &who, &err) == TIMS_OK,
	     "roster: the new password and code work at the post");

	/* An account no longer sent is disabled, never deleted; local ones stay. */
	tims_buf_reset(&r);
	tims_buf_addstr(&r, "");
	T_OK(tims_officer_roster_apply(post, "", 0, &res, &err) == TIMS_OK && res.withdrawn == 2, "roster: an empty roster withdraws both");
	T_EQ_INT(disabled_of(pdb, "georgiev"), 1, "roster: a withdrawn account is disabled");
	T_EQ_INT(disabled_of(pdb, "stefanov"), 0, "roster: an account made at the post is left alone");
	T_OK(tims_officer_session(post, token, t + 31, &who, &err) == TIMS_ERR_AUTH, "roster: a withdrawn account's session ends");

	/* Malformed rosters: refused whole, naming the line and the field. */
	{
		static const struct { const char *text, *want; } bad[] = {
			{ "not json\n", "line 1: not JSON" },
			{ "[]\n", "line 1: not a JSON object" },
			{ "{\"id\":\"x\"}\n", "want exactly the fields" },
			{ "{\"id\":\"bad id\",\"name\":\"N\",\"role\":\"officer\",\"pw_hash\":\"$argon2id$v\",\"totp\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"disabled\":false}\n", "officer id" },
			{ "{\"id\":\"x\",\"name\":\"N\",\"role\":\"peer\",\"pw_hash\":\"$argon2id$v\",\"totp\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"disabled\":false}\n", "role" },
			{ "{\"id\":\"x\",\"name\":\"N\",\"role\":\"officer\",\"pw_hash\":\"plain\",\"totp\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"disabled\":false}\n", "pw_hash" },
			{ "{\"id\":\"x\",\"name\":\"N\",\"role\":\"officer\",\"pw_hash\":\"$argon2id$v\",\"totp\":\"AAAA\",\"disabled\":false}\n", "totp" },
			{ "{\"id\":\"x\",\"name\":\"N\",\"role\":\"officer\",\"pw_hash\":\"$argon2id$v\",\"totp\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"disabled\":0}\n", "disabled" },
			{ "{\"id\":\"x\",\"name\":\"N\",\"role\":\"officer\",\"pw_hash\":\"$argon2id$v\",\"totp\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"disabled\":false}\n"
			  "{\"id\":\"x\",\"name\":\"N\",\"role\":\"officer\",\"pw_hash\":\"$argon2id$v\",\"totp\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"disabled\":false}\n", "line 2: officer x appears twice" },
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			int rc = tims_officer_roster_apply(post, bad[i].text, strlen(bad[i].text), &res, &err);

			T_OK(rc == TIMS_ERR_INVALID && strstr(err.msg, bad[i].want), "roster: malformed %zu refused: %s", i, err.msg);
		}
		T_EQ_INT(disabled_of(pdb, "x"), -1, "roster: nothing of a refused roster is stored");
	}

	/* Sealed for one post, signed by the centre. */
	tims_buf_reset(&r);
	tims_officer_roster_export(centre, want_all, NULL, &r, &err);
	T_OK(tims_note_keygen("tims-centre", TIMS_KEY_ED25519, &skey, &vk, &err) == TIMS_OK &&
	     tims_signer_from_skey(skey, &key, &err) == TIMS_OK, "bundle: a centre key");
	tims_signer_verifier(&key, &vkey);
	tims_note_free_secret(skey);
	free(vk);
	T_OK(tims_bundle_roster(r.buf, r.len, "tims-centre", "varna-port", 3, rkey, &key, &sealed, &err) == TIMS_OK, "bundle: a sealed roster (%s)", err.msg);
	T_OK(!strstr(sealed.buf, "argon2id") && !strstr(sealed.buf, "georgiev"), "bundle: nothing of the roster in clear");
	T_OK(tims_bundle_open(sealed.buf, sealed.len, &vkey, "tims-centre", &b, &err) == TIMS_OK &&
	     !strcmp(b.kind, "officers") && !strcmp(b.list, "varna-port") && b.version == 3, "bundle: opens as the roster of varna-port, version 3");
	T_OK(tims_bundle_apply_roster(post, &b, "burgas-port", rkey, 0, &res, &err) == TIMS_ERR_SIGNATURE, "bundle: refused at another post");
	T_OK(tims_bundle_apply_roster(post, &b, "varna-port", wrong, 0, &res, &err) == TIMS_ERR_SIGNATURE, "bundle: refused with another post's roster key");
	T_OK(tims_bundle_apply_roster(post, &b, "varna-port", rkey, 3, &res, &err) == TIMS_ERR_REPLAY, "bundle: a version already held is a replay");
	T_OK(tims_bundle_apply_roster(post, &b, "varna-port", rkey, 2, &res, &err) == TIMS_OK && res.changed == 2, "bundle: applied at its post (%s)", err.msg);
	T_EQ_INT(disabled_of(pdb, "georgiev"), 0, "bundle: the withdrawn account is back");
	tims_bundle_release(&b);

	tims_signer_release(&key);
	tims_buf_release(&r);
	tims_buf_release(&sealed);
	tims_buf_release(&opened);
	tims_officers_free(centre);
	tims_officers_free(post);
	sqlite3_close(cdb);
	sqlite3_close(pdb);
}

/* The throttle (docs/security.md, "Logins"): nobody elsewhere can lock an
 * officer out of the booth, an unknown id is throttled like a real one, and
 * a guessing attack spread over many addresses is slowed. */
struct open_seen {
	int n, ivanova_b3;
};

static tims_rc open_one(void *ctx, const char *officer, unsigned role, const char *booth,
			int64_t created)
{
	struct open_seen *os = ctx;

	(void)created;
	os->n++;
	if (!strcmp(officer, "ivanova") && !strcmp(booth, "B3") && role == TIMS_ROLE_OFFICER)
		os->ivanova_b3++;
	return TIMS_OK;
}

static void test_throttle(void)
{
	sqlite3 *db;
	struct tims_officers *o;
	uint8_t key[32] = { 4, 5, 6 };
	struct tims_err err;
	time_t t = 1800000000;
	unsigned wait = 0, wait1 = 0, wait2 = 0;
	char addr[32];
	int admitted = 0;

	sqlite3_open(":memory:", &db);
	if (tims_officers_open(db, key, TIMS_PW_COST_TEST, &o, &err)) {
		T_OK(0, "throttle: store opens (%s)", err.msg);
		return;
	}
	/* the booth logged in from 10.0.0.1 once */
	T_OK(tims_officer_login_admit(o, "ivanova", "10.0.0.1", t, &wait) == TIMS_OK, "throttle: a first attempt is let through");
	tims_officer_login_result(o, "ivanova", "10.0.0.1", 1, t);
	/* an attacker at 10.0.0.66 types wrong passwords for her */
	for (int i = 0; i < TIMS_AUTH_FREE_TRIES; i++) {
		admitted += tims_officer_login_admit(o, "ivanova", "10.0.0.66", t + 1, &wait) == TIMS_OK;
		tims_officer_login_result(o, "ivanova", "10.0.0.66", 0, t + 1);
	}
	T_EQ_INT(admitted, TIMS_AUTH_FREE_TRIES, "throttle: five free tries from one source");
	T_OK(tims_officer_login_admit(o, "ivanova", "10.0.0.66", t + 2, &wait1) == TIMS_ERR_DENIED && wait1 >= 29 && wait1 <= 30,
	     "throttle: then that source waits 30 s for that account");
	T_OK(tims_officer_login_admit(o, "ivanova", "10.0.0.1", t + 2, &wait) == TIMS_OK, "throttle: the booth's own source is not held back");
	tims_officer_login_result(o, "ivanova", "10.0.0.1", 1, t + 2);
	/* the same for an id that names nobody: no oracle */
	for (int i = 0; i < TIMS_AUTH_FREE_TRIES; i++) {
		tims_officer_login_admit(o, "nobody", "10.0.0.67", t + 1, &wait2);
		tims_officer_login_result(o, "nobody", "10.0.0.67", 0, t + 1);
	}
	T_OK(tims_officer_login_admit(o, "nobody", "10.0.0.67", t + 2, &wait2) == TIMS_ERR_DENIED && wait2 == wait1,
	     "throttle: an unknown id is throttled exactly like a real one");
	/* a spread attack: many sources, each under its own limit */
	admitted = 0;
	for (int i = 0; i < 40; i++) {
		snprintf(addr, sizeof(addr), "10.1.0.%d", i);
		if (tims_officer_login_admit(o, "ivanova", addr, t + 3, &wait) == TIMS_OK) {
			admitted++;
			tims_officer_login_result(o, "ivanova", addr, 0, t + 3);
		}
	}
	T_OK(admitted < TIMS_THROTTLE_ACC_BURST, "throttle: from untrusted sources together, at most the account's ceiling (%d admitted)", admitted);
	T_OK(tims_officer_login_admit(o, "ivanova", "10.2.0.1", t + 3, &wait) == TIMS_ERR_DENIED && wait <= TIMS_THROTTLE_ACC_PERIOD,
	     "throttle: a new source is slowed, not locked out (retry in %u s)", wait);
	T_OK(tims_officer_login_admit(o, "ivanova", "10.2.0.1", t + 3 + TIMS_THROTTLE_ACC_PERIOD, &wait) == TIMS_OK,
	     "throttle: and let through once the ceiling has refilled");
	T_OK(tims_officer_login_admit(o, "ivanova", "10.0.0.1", t + 4, &wait) == TIMS_OK, "throttle: the booth's source still logs in during the spread attack");
	/* one source, many accounts */
	admitted = 0;
	for (int i = 0; i < 40; i++) {
		snprintf(addr, sizeof(addr), "user%d", i);
		admitted += tims_officer_login_admit(o, addr, "10.3.0.1", t + 5, &wait) == TIMS_OK;
	}
	T_EQ_INT(admitted, TIMS_THROTTLE_SRC_BURST, "throttle: one source gets its burst, whatever the accounts");
	tims_officers_free(o);
	sqlite3_close(db);
}

/* The consoles' language of an officer: kept, checked, the caller's. */
static void test_lang(struct tims_officers *o)
{
	char lang[TIMS_LANG_MAX + 1] = "xx";
	struct tims_err err;

	T_OK(tims_officer_get_lang(o, "ivanova", lang, &err) == TIMS_OK && !lang[0],
	     "lang: none of her own at first (the installation's)");
	T_OK(tims_officer_set_lang(o, "ivanova", "sq", &err) == TIMS_OK, "lang: sq set");
	T_OK(tims_officer_get_lang(o, "ivanova", lang, &err) == TIMS_OK && !strcmp(lang, "sq"),
	     "lang: sq read back");
	T_OK(tims_officer_get_lang(o, "petrov", lang, &err) == TIMS_OK && !lang[0],
	     "lang: another officer's is untouched");
	T_OK(tims_officer_set_lang(o, "ivanova", "fr", &err) == TIMS_ERR_INVALID &&
	     strstr(err.msg, "lang:"), "lang: a language the consoles do not have is refused, named");
	T_OK(tims_officer_set_lang(o, "ivanova", "sq'; --", &err) == TIMS_ERR_INVALID,
	     "lang: no odd text gets in");
	T_OK(tims_officer_get_lang(o, "ivanova", lang, &err) == TIMS_OK && !strcmp(lang, "sq"),
	     "lang: a refused change leaves it as it was");
	T_OK(tims_officer_set_lang(o, "nobody", "en", &err) == TIMS_ERR_NOTFOUND,
	     "lang: no such officer");
	T_OK(tims_officer_get_lang(o, "nobody", lang, &err) == TIMS_ERR_NOTFOUND,
	     "lang: no such officer to read (not the default)");
	T_OK(tims_officer_set_lang(o, "ivanova", "", &err) == TIMS_OK &&
	     tims_officer_get_lang(o, "ivanova", lang, &err) == TIMS_OK && !lang[0],
	     "lang: back to the installation's");
	T_OK(tims_lang_valid("en") && tims_lang_valid("sq") && !tims_lang_valid("") &&
	     !tims_lang_valid(NULL) && !tims_lang_valid("EN"), "lang: the languages known");
}

int main(void)
{
	sqlite3 *db;
	struct tims_officers *o;
	uint8_t key[32] = { 1, 2, 3 };
	char b32[TIMS_TOTP_B32_BYTES], b32_2[TIMS_TOTP_B32_BYTES], token[TIMS_TOKEN_CHARS], token2[TIMS_TOKEN_CHARS];
	struct tims_buf uri = TIMS_BUF_INIT(512);
	struct tims_principal who;
	struct tims_err err;
	time_t t = 1800000000;
	int n = 0;
	char dir[] = "/tmp/tims-officer-XXXXXX", path[256];

	sqlite3_open(":memory:", &db);
	T_OK(tims_officers_open(db, key, TIMS_PW_COST_TEST, &o, &err) == TIMS_OK, "officers: store opens");
	T_OK(tims_officer_add(o, "ivanova", "Maria Ivanova", TIMS_ROLE_OFFICER, "long enough password", b32, &uri, &err) == TIMS_OK, "add: an officer");
	T_OK(strncmp(uri.buf, "otpauth://totp/TIMS:ivanova?secret=", 35) == 0, "add: enrolment URI for the authenticator");
	T_OK(tims_officer_add(o, "ivanova", "Other", TIMS_ROLE_OFFICER, "long enough password", b32_2, NULL, &err) == TIMS_ERR_EXISTS, "add: a duplicate id is refused");
	T_OK(tims_officer_add(o, "bad id!", "X", TIMS_ROLE_OFFICER, "long enough password", b32_2, NULL, &err) == TIMS_ERR_INVALID, "add: a bad id is refused");
	T_OK(tims_officer_add(o, "weak", "X", TIMS_ROLE_OFFICER, "short", b32_2, NULL, &err) == TIMS_ERR_INVALID, "add: a weak password is refused");
	T_OK(tims_officer_add(o, "peer", "X", TIMS_ROLE_PEER, "long enough password", b32_2, NULL, &err) == TIMS_ERR_INVALID, "add: the peer role is not for people");
	T_OK(tims_officer_add(o, "petrov", "Ivan Petrov", TIMS_ROLE_AUDITOR, "another long password", b32_2, NULL, &err) == TIMS_OK, "add: an auditor");
	tims_officer_list(o, count_cb, &n, &err);
	T_EQ_INT(n, 2, "list: two accounts");
	test_lang(o);

	T_OK(tims_officer_login(o, "ivanova", "long enough password", code_at(b32, t), "B3", t, token, &who, &err) == TIMS_OK, "login: password and code (%s)", err.msg);
	T_EQ_STR(who.id, "ivanova", "login: principal is the officer");
	T_EQ_INT(who.role, TIMS_ROLE_OFFICER, "login: with the officer role");
	T_OK(tims_officer_login(o, "ivanova", "long enough password", code_at(b32, t), "B3", t, token2, &who, &err) == TIMS_ERR_REPLAY, "login: the same code again is refused as a replay");
	T_OK(tims_officer_session(o, token, t + 10, &who, &err) == TIMS_OK && !strcmp(who.booth, "B3"), "session: the token maps to the officer and booth");
	T_OK(tims_officer_login(o, "ivanova", "wrong password here", code_at(b32, t + 30), "B3", t + 30, token2, &who, &err) == TIMS_ERR_AUTH, "login: a wrong password is refused");
	T_EQ_STR(err.msg, "login: wrong password", "login: the reason, for the audit trail (clients are told TIMS_LOGIN_VAGUE)");
	T_OK(tims_officer_login(o, "nobody", "long enough password", "123456", "B3", t, token2, &who, &err) == TIMS_ERR_AUTH, "login: an unknown officer gets the same answer");
	T_EQ_STR(err.msg, "login: no such officer", "login: the reason for an unknown id, for the audit trail");
	T_OK(tims_officer_login(o, "ivanova", "long enough password", "000000", "B3", t + 60, token2, &who, &err) == TIMS_ERR_AUTH, "login: a wrong code is refused");
	for (int i = 0; i < 3; i++)
		tims_officer_login(o, "ivanova", "nope nope nope", "000000", "B3", t + 60, token2, &who, &err);
	/* Failures lock nothing in the store: throttling is by source
	 * (tims_officer_login_admit), so nobody elsewhere can lock her out. */
	T_OK(tims_officer_login(o, "ivanova", "long enough password", code_at(b32, t + 120), "B3", t + 120, token2, &who, &err) == TIMS_OK, "no lock in the store: after five failures the right password and code work");

	T_OK(tims_officer_session(o, token2, t + 120 + TIMS_SESSION_IDLE + 61, &who, &err) == TIMS_ERR_AUTH, "session: idle too long ends it");
	T_OK(tims_officer_session(o, token2, t + 121, &who, &err) == TIMS_ERR_AUTH, "session: an ended session stays ended");
	T_OK(tims_officer_session(o, token, t + 11, &who, &err) == TIMS_OK, "session: another session is unaffected");
	T_OK(tims_officer_logout(o, token, &err) == TIMS_OK && tims_officer_session(o, token, t + 12, &who, &err) == TIMS_ERR_AUTH, "logout: the token no longer works");
	T_OK(tims_officer_session(o, "not-a-token", t, &who, &err) == TIMS_ERR_AUTH, "session: garbage token refused");
	/* Polling (peek) does not keep a session alive; work does. */
	T_OK(tims_officer_login(o, "ivanova", "long enough password", code_at(b32, t + 150), "B3", t + 150, token, &who, &err) == TIMS_OK, "peek: a fresh session");
	T_OK(tims_officer_session_peek(o, token, t + 150 + TIMS_SESSION_IDLE - 60, &who, &err) == TIMS_OK, "peek: the session is seen by a poll");
	T_OK(tims_officer_session(o, token, t + 150 + TIMS_SESSION_IDLE + 30, &who, &err) == TIMS_ERR_AUTH, "peek: polls alone do not keep it alive: idle ends it");
	T_OK(tims_officer_login(o, "ivanova", "long enough password", code_at(b32, t + 180), "B3", t + 180, token, &who, &err) == TIMS_OK &&
	     tims_officer_session(o, token, t + 180 + TIMS_SESSION_IDLE - 60, &who, &err) == TIMS_OK &&
	     tims_officer_session(o, token, t + 180 + TIMS_SESSION_IDLE + 30, &who, &err) == TIMS_OK, "peek: real work does keep it alive");
	{
		/* the supervisor page: the sessions open now, with officer and booth */
		struct open_seen os = { 0, 0 };

		T_OK(tims_officer_sessions_open(o, t + 180 + TIMS_SESSION_IDLE + 30, open_one, &os, &err) ==
		     TIMS_OK && os.ivanova_b3 == 1, "sessions open: the live one is listed, once "
		     "(%d of %d), not those ended by idling", os.ivanova_b3, os.n);
		os.n = os.ivanova_b3 = 0;
		T_OK(tims_officer_sessions_open(o, t + 180 + TIMS_SESSION_MAX + 1, open_one, &os, &err) ==
		     TIMS_OK && os.ivanova_b3 == 0, "sessions open: none past the session's longest life");
	}

	T_OK(tims_officer_login(o, "petrov", "another long password", code_at(b32_2, t + 150), "B1", t + 150, token, &who, &err) == TIMS_OK, "auditor logs in");
	T_OK(tims_officer_disable(o, "petrov", 1, &err) == TIMS_OK, "disable: an account");
	T_OK(tims_officer_session(o, token, t + 151, &who, &err) == TIMS_ERR_AUTH, "disable: ends the account's sessions");
	T_OK(tims_officer_login(o, "petrov", "another long password", code_at(b32_2, t + 180), "B1", t + 180, token, &who, &err) == TIMS_ERR_AUTH, "disable: login refused, as for a wrong password");
	T_EQ_STR(err.msg, "login: account petrov is disabled", "disable: the audit trail gets the reason");
	T_OK(tims_officer_disable(o, "ghost", 1, &err) == TIMS_ERR_NOTFOUND, "disable: unknown officer named");
	tims_officer_disable(o, "petrov", 0, &err);
	T_OK(tims_officer_reset(o, "petrov", "a brand new password", b32_2, NULL, &err) == TIMS_OK, "reset: new password and secret");
	T_OK(tims_officer_login(o, "petrov", "another long password", code_at(b32_2, t + 210), "B1", t + 210, token, &who, &err) == TIMS_ERR_AUTH, "reset: the old password no longer works");
	T_OK(tims_officer_login(o, "petrov", "a brand new password", code_at(b32_2, t + 240), "B1", t + 240, token, &who, &err) == TIMS_OK, "reset: the new password and secret work");

	/* totp-rotate: a new secret, the same password; the old secret and the
	 * sessions end; the step a login matched is handed back (for the
	 * centre's claim, tims/totpclaim.h). */
	{
		char b32_3[TIMS_TOTP_B32_BYTES], scratch[TIMS_TOTP_B32_BYTES];
		struct tims_login_check lc;

		T_OK(tims_officer_login(o, "petrov", "a brand new password", code_at(b32_2, t + 270), "B1", t + 270, token, &who, &err) == TIMS_OK, "rotate: a session before");
		T_OK(tims_officer_totp_rotate(o, "petrov", b32_3, NULL, &err) == TIMS_OK && strcmp(b32_3, b32_2) != 0, "rotate: a new secret");
		T_OK(tims_officer_session(o, token, t + 271, &who, &err) == TIMS_ERR_AUTH, "rotate: the officer's sessions end");
		T_OK(tims_officer_login(o, "petrov", "a brand new password", code_at(b32_2, t + 300), "B1", t + 300, token, &who, &err) == TIMS_ERR_AUTH, "rotate: the old secret is refused");
		T_OK(tims_officer_login(o, "petrov", "a brand new password", code_at(b32_3, t + 300), "B1", t + 300, token, &who, &err) == TIMS_OK, "rotate: the new secret and the same password work");
		T_OK(tims_officer_totp_rotate(o, "ghost", scratch, NULL, &err) == TIMS_ERR_NOTFOUND, "rotate: an unknown officer is named");
		T_OK(tims_officer_totp_rotate(o, "bad id", scratch, NULL, &err) == TIMS_ERR_INVALID, "rotate: a malformed id is refused");
		T_OK(tims_officer_from_roster(o, "petrov") == 0, "rotate: a local account is not the roster's");
		tims_officer_login_begin(o, "petrov", &lc);
		tims_officer_login_hash(&lc, "a brand new password");
		T_OK(tims_officer_login_end(o, &lc, code_at(b32_3, t + 330), "B1", t + 330, token, &who, &err) == TIMS_OK &&
		     lc.step == (uint64_t)(t + 330) / 30, "login: the step the code matched is handed back (%s)", err.msg);
		tims_officer_login_wipe(&lc);
		memcpy(b32_2, b32_3, sizeof(b32_3));
	}

	/* A sealed TOTP secret copied onto another account does not open. */
	sqlite3_exec(db, "UPDATE officers SET totp_sealed = (SELECT totp_sealed FROM officers WHERE id = 'ivanova') WHERE id = 'petrov'", NULL, NULL, NULL);
	T_OK(tims_officer_login(o, "petrov", "a brand new password", "123456", "B1", t + 300, token, &who, &err) == TIMS_ERR_TAMPER, "seal: a secret moved between accounts is detected");
	tims_officers_free(o);
	sqlite3_close(db);

	if (mkdtemp(dir)) {
		uint8_t k[32];

		snprintf(path, sizeof(path), "%s/store.key", dir);
		T_OK(tims_store_key_create(path, &err) == TIMS_OK, "store key: created");
		T_OK(tims_store_key_create(path, &err) == TIMS_ERR_EXISTS, "store key: never overwritten");
		T_OK(tims_store_key_load(path, k, &err) == TIMS_OK, "store key: loads");
		chmod(path, 0644);
		T_OK(tims_store_key_load(path, k, &err) == TIMS_ERR_DENIED, "store key: refused when others can read it");
		unlink(path);
		rmdir(dir);
	}
	tims_buf_release(&uri);
	test_roster();
	test_throttle();
	return t_done();
}
