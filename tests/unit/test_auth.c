/* test_auth.c — passwords, RFC 4226/6238 vectors, replay refusal, base32, lock-out. */
#include "t.h"
#include "tims/auth.h"

/* RFC 6238 Appendix B, SHA-1 rows: the 8-digit values; 6 digits are their tail. */
static const struct { time_t t; const char *code8; } rfc6238[] = {
	{ 59, "94287082" }, { 1111111109, "07081804" }, { 1111111111, "14050471" },
	{ 1234567890, "89005924" }, { 2000000000, "69279037" }, { 20000000000, "65353130" },
};
/* RFC 4226 Appendix D: HOTP values for counters 0..9. */
static const char *rfc4226[] = {
	"755224", "287082", "359152", "969429", "338314",
	"254676", "287922", "162583", "399871", "520489",
};
static const uint8_t rfc_key[] = "12345678901234567890";

static void test_hotp_vectors(void)
{
	char got[16];
	uint32_t v;

	for (unsigned i = 0; i < 10; i++) {
		T_OK(tims_hotp(rfc_key, 20, i, 6, &v, NULL) == TIMS_OK, "hotp: counter %u computes", i);
		snprintf(got, sizeof(got), "%06u", (unsigned)v);
		T_EQ_STR(got, rfc4226[i], "hotp: RFC 4226 vector");
	}
	for (size_t i = 0; i < sizeof(rfc6238) / sizeof(rfc6238[0]); i++) {
		T_OK(tims_hotp(rfc_key, 20, (uint64_t)rfc6238[i].t / 30, 8, &v, NULL) == TIMS_OK, "totp: computes");
		snprintf(got, sizeof(got), "%08u", (unsigned)v);
		T_EQ_STR(got, rfc6238[i].code8, "totp: RFC 6238 SHA-1 vector");
	}
	T_OK(tims_hotp(rfc_key, 20, 0, 5, &v, NULL) == TIMS_ERR_USAGE, "hotp: 5 digits refused");
}

static void test_totp_window_and_replay(void)
{
	uint64_t last = 0;
	struct tims_err err;
	time_t t = 1111111111; /* step 37037037: code 050471 (RFC 6238) */

	T_OK(tims_totp_check(rfc_key, 20, "050471", t, &last, &err) == TIMS_OK, "totp: current code accepted");
	T_EQ_INT(last, 1111111111 / 30, "totp: the matched step is returned for storing");
	T_OK(tims_totp_check(rfc_key, 20, "050471", t, &last, &err) == TIMS_ERR_REPLAY, "totp: the same code twice is refused as a replay");
	T_EQ_STR(err.msg, "totp: this code was already used", "totp: replay message");
	last = 0;
	T_OK(tims_totp_check(rfc_key, 20, "050471", t + 30, &last, &err) == TIMS_OK, "totp: one step of drift (late) accepted");
	last = 0;
	T_OK(tims_totp_check(rfc_key, 20, "050471", t - 30, &last, &err) == TIMS_OK, "totp: one step of drift (early) accepted");
	last = 0;
	T_OK(tims_totp_check(rfc_key, 20, "050471", t + 90, &last, &err) == TIMS_ERR_AUTH, "totp: three steps late refused");
	T_OK(tims_totp_check(rfc_key, 20, "05047", t, &last, &err) == TIMS_ERR_AUTH, "totp: 5 digits refused");
	T_OK(tims_totp_check(rfc_key, 20, "05047a", t, &last, &err) == TIMS_ERR_AUTH, "totp: a letter refused");
	T_OK(tims_totp_check(rfc_key, 20, "000000", t, &last, &err) == TIMS_ERR_AUTH, "totp: a wrong code refused");
}

static void test_base32(void)
{
	char enc[64];
	uint8_t dec[32];
	size_t n;
	struct tims_err err;

	/* RFC 4648 section 10 */
	T_OK(tims_base32_encode((const uint8_t *)"foobar", 6, enc, sizeof(enc)) == TIMS_OK, "base32: encodes");
	T_EQ_STR(enc, "MZXW6YTBOI", "base32: RFC 4648 vector (foobar, unpadded)");
	T_OK(tims_base32_decode("mzxw6ytboi======", dec, sizeof(dec), &n, &err) == TIMS_OK && n == 6 && !memcmp(dec, "foobar", 6), "base32: decodes lower case with padding");
	T_OK(tims_base32_decode("MZXW1", dec, sizeof(dec), &n, &err) == TIMS_ERR_INVALID, "base32: '1' refused");
	T_EQ_STR(err.msg, "base32: '1' at position 5 is not base32", "base32: error names the position");
	T_OK(tims_base32_encode(rfc_key, 20, enc, sizeof(enc)) == TIMS_OK && strlen(enc) == 32, "base32: a 20-byte key is 32 characters");
	T_OK(tims_base32_decode(enc, dec, 19, &n, &err) == TIMS_ERR_TOOBIG, "base32: output ceiling enforced");
}

static void test_passwords(void)
{
	char h[TIMS_PW_HASH_BYTES];
	struct tims_err err;
	char longpw[TIMS_PW_MAX + 2];

	T_OK(tims_pw_hash("correct horse battery", TIMS_PW_COST_TEST, h, &err) == TIMS_OK, "password: hashes");
	T_OK(!strncmp(h, "$argon2id$", 10), "password: stored as Argon2id");
	T_OK(tims_pw_verify(h, "correct horse battery", &err) == TIMS_OK, "password: the right one verifies");
	T_OK(tims_pw_verify(h, "correct horse batterY", &err) == TIMS_ERR_AUTH, "password: a wrong one does not");
	T_OK(tims_pw_needs_rehash(h, TIMS_PW_COST_INTERACTIVE), "password: a cheap hash asks to be upgraded");
	T_OK(tims_pw_hash("short", TIMS_PW_COST_TEST, h, &err) == TIMS_ERR_INVALID, "password: too short refused");
	T_EQ_STR(err.msg, "password: 5 characters, at least 12 needed", "password: policy names the reason");
	T_OK(tims_pw_check_policy("ÄÖÜäöüßÄÖÜäö", &err) == TIMS_OK, "password: counts UTF-8 characters, not bytes");
	T_OK(tims_pw_check_policy("abcdefghijk\tl", &err) == TIMS_ERR_INVALID, "password: control characters refused");
	memset(longpw, 'a', sizeof(longpw) - 1);
	longpw[sizeof(longpw) - 1] = '\0';
	T_OK(tims_pw_check_policy(longpw, &err) == TIMS_ERR_INVALID, "password: longer than the ceiling refused, not truncated");
	T_OK(tims_pw_verify("$2y$10$notargon", "whatever-password", &err) == TIMS_ERR_STATE, "password: a non-Argon2id stored string is refused");
	/* the hash an unknown id is checked against costs what a real one of
	 * that cost does (else the time of a login tells whether an id exists) */
	T_OK(!tims_pw_needs_rehash(tims_pw_dummy(TIMS_PW_COST_INTERACTIVE), TIMS_PW_COST_INTERACTIVE) &&
	     !tims_pw_needs_rehash(tims_pw_dummy(TIMS_PW_COST_MODERATE), TIMS_PW_COST_MODERATE) &&
	     !tims_pw_needs_rehash(tims_pw_dummy(TIMS_PW_COST_TEST), TIMS_PW_COST_TEST),
	     "password: the unknown-id hash of each cost has that cost's parameters");
	T_OK(tims_pw_needs_rehash(tims_pw_dummy(TIMS_PW_COST_TEST), TIMS_PW_COST_INTERACTIVE),
	     "password: ... and they differ between costs");
	T_OK(tims_pw_verify(tims_pw_dummy(TIMS_PW_COST_INTERACTIVE), "correct horse battery", &err) == TIMS_ERR_AUTH,
	     "password: the unknown-id hash is a well-formed hash that a guess does not match");
}

static void test_lockout_and_tokens(void)
{
	char a[TIMS_TOKEN_CHARS], b[TIMS_TOKEN_CHARS];
	uint8_t d[32];
	struct tims_err err;
	struct tims_buf uri = TIMS_BUF_INIT(512);

	T_EQ_INT(tims_auth_lockout_seconds(4), 0, "lockout: four failures cost nothing");
	T_EQ_INT(tims_auth_lockout_seconds(5), 30, "lockout: the fifth costs 30 s");
	T_EQ_INT(tims_auth_lockout_seconds(6), 60, "lockout: then doubles");
	T_EQ_INT(tims_auth_lockout_seconds(100), 3600, "lockout: capped at an hour");
	T_OK(tims_token_new(a) == TIMS_OK && tims_token_new(b) == TIMS_OK, "token: made");
	T_OK(strlen(a) == 43 && strcmp(a, b), "token: 43 characters, fresh each time");
	T_OK(tims_token_digest(a, d, &err) == TIMS_OK, "token: digest of a good token");
	a[5] = '/';
	T_OK(tims_token_digest(a, d, &err) == TIMS_ERR_AUTH, "token: a non-base64url token refused");
	T_OK(tims_token_digest("short", d, &err) == TIMS_ERR_AUTH, "token: a short token refused");
	T_OK(tims_totp_uri("TIMS Border Police", "officer 7", rfc_key, 20, &uri) == TIMS_OK, "totp: enrolment URI");
	T_EQ_STR(tims_buf_str(&uri), "otpauth://totp/TIMS%20Border%20Police:officer%207?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=TIMS%20Border%20Police&algorithm=SHA1&digits=6&period=30", "totp: URI escapes issuer and account");
	tims_buf_release(&uri);
}

int main(void)
{
	test_hotp_vectors();
	test_totp_window_and_replay();
	test_base32();
	test_passwords();
	test_lockout_and_tokens();
	return t_done();
}
