/* test_officer.c — accounts, two-factor login, replay, lock-out, sessions. */
#include <sodium.h>
#include <sys/stat.h>

#include "t.h"
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

	T_OK(tims_officer_login(o, "ivanova", "long enough password", code_at(b32, t), "B3", t, token, &who, &err) == TIMS_OK, "login: password and code (%s)", err.msg);
	T_EQ_STR(who.id, "ivanova", "login: principal is the officer");
	T_EQ_INT(who.role, TIMS_ROLE_OFFICER, "login: with the officer role");
	T_OK(tims_officer_login(o, "ivanova", "long enough password", code_at(b32, t), "B3", t, token2, &who, &err) == TIMS_ERR_REPLAY, "login: the same code again is refused as a replay");
	T_OK(tims_officer_session(o, token, t + 10, &who, &err) == TIMS_OK && !strcmp(who.booth, "B3"), "session: the token maps to the officer and booth");
	T_OK(tims_officer_login(o, "ivanova", "wrong password here", code_at(b32, t + 30), "B3", t + 30, token2, &who, &err) == TIMS_ERR_AUTH, "login: a wrong password is refused");
	T_EQ_STR(err.msg, "login: officer id, password or code wrong", "login: the refusal does not say which part was wrong");
	T_OK(tims_officer_login(o, "nobody", "long enough password", "123456", "B3", t, token2, &who, &err) == TIMS_ERR_AUTH, "login: an unknown officer gets the same answer");
	T_EQ_STR(err.msg, "login: officer id, password or code wrong", "login: same message for an unknown id");
	T_OK(tims_officer_login(o, "ivanova", "long enough password", "000000", "B3", t + 60, token2, &who, &err) == TIMS_ERR_AUTH, "login: a wrong code is refused");
	for (int i = 0; i < 3; i++)
		tims_officer_login(o, "ivanova", "nope nope nope", "000000", "B3", t + 60, token2, &who, &err);
	T_OK(tims_officer_login(o, "ivanova", "long enough password", code_at(b32, t + 75), "B3", t + 75, token2, &who, &err) == TIMS_ERR_AUTH, "lockout: five failures lock the account even for the right password");
	T_OK(strstr(err.msg, "locked for") != NULL, "lockout: the message says for how long (%s)", err.msg);
	T_OK(tims_officer_login(o, "ivanova", "long enough password", code_at(b32, t + 120), "B3", t + 120, token2, &who, &err) == TIMS_OK, "lockout: after the delay a good login works");

	T_OK(tims_officer_session(o, token2, t + 120 + TIMS_SESSION_IDLE + 61, &who, &err) == TIMS_ERR_AUTH, "session: idle too long ends it");
	T_OK(tims_officer_session(o, token2, t + 121, &who, &err) == TIMS_ERR_AUTH, "session: an ended session stays ended");
	T_OK(tims_officer_session(o, token, t + 11, &who, &err) == TIMS_OK, "session: another session is unaffected");
	T_OK(tims_officer_logout(o, token, &err) == TIMS_OK && tims_officer_session(o, token, t + 12, &who, &err) == TIMS_ERR_AUTH, "logout: the token no longer works");
	T_OK(tims_officer_session(o, "not-a-token", t, &who, &err) == TIMS_ERR_AUTH, "session: garbage token refused");

	T_OK(tims_officer_login(o, "petrov", "another long password", code_at(b32_2, t + 150), "B1", t + 150, token, &who, &err) == TIMS_OK, "auditor logs in");
	T_OK(tims_officer_disable(o, "petrov", 1, &err) == TIMS_OK, "disable: an account");
	T_OK(tims_officer_session(o, token, t + 151, &who, &err) == TIMS_ERR_AUTH, "disable: ends the account's sessions");
	T_OK(tims_officer_login(o, "petrov", "another long password", code_at(b32_2, t + 180), "B1", t + 180, token, &who, &err) == TIMS_ERR_DENIED, "disable: login refused");
	T_OK(tims_officer_disable(o, "ghost", 1, &err) == TIMS_ERR_NOTFOUND, "disable: unknown officer named");
	tims_officer_disable(o, "petrov", 0, &err);
	T_OK(tims_officer_reset(o, "petrov", "a brand new password", b32_2, NULL, &err) == TIMS_OK, "reset: new password and secret");
	T_OK(tims_officer_login(o, "petrov", "another long password", code_at(b32_2, t + 210), "B1", t + 210, token, &who, &err) == TIMS_ERR_AUTH, "reset: the old password no longer works");
	T_OK(tims_officer_login(o, "petrov", "a brand new password", code_at(b32_2, t + 240), "B1", t + 240, token, &who, &err) == TIMS_OK, "reset: the new password and secret work");

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
	return t_done();
}
