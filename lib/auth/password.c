/*
 * password.c — Argon2id password hashing and the password policy.
 *
 * libsodium's crypto_pwhash_str embeds algorithm, cost and salt in the string
 * it returns, so verification needs nothing else and cost can be raised later
 * (tims_pw_needs_rehash). The password buffer handed in is not copied.
 */
#include <sodium.h>

#include "tims/auth.h"

static void cost_of(enum tims_pw_cost cost, unsigned long long *ops, size_t *mem)
{
	switch (cost) {
	case TIMS_PW_COST_MODERATE:
		*ops = crypto_pwhash_OPSLIMIT_MODERATE;
		*mem = crypto_pwhash_MEMLIMIT_MODERATE;
		break;
	case TIMS_PW_COST_TEST:
		/* the minimum the algorithm allows: for test suites only */
		*ops = crypto_pwhash_OPSLIMIT_MIN;
		*mem = crypto_pwhash_MEMLIMIT_MIN;
		break;
	case TIMS_PW_COST_INTERACTIVE:
	default:
		*ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
		*mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
		break;
	}
}

const char *tims_pw_dummy(enum tims_pw_cost cost)
{
	/* Made once, each from 32 random bytes that were not kept, with the
	 * parameters of cost_of() (libsodium 1.0.18's levels). Equal work per
	 * login is what they are for; a constant spares every process that
	 * opens an officer store one hash at start (64 MiB, two passes). */
	switch (cost) {
	case TIMS_PW_COST_MODERATE:
		return "$argon2id$v=19$m=262144,t=3,p=1$tFa2l2AydkdRktqDJ6CqsQ$"
		       "30Uop0W3DDiX5JpbeDWO1P0gmeFbo3aEDboI2YbDoUE";
	case TIMS_PW_COST_TEST:
		return "$argon2id$v=19$m=8,t=1,p=1$XNDDQ6mhBRmSCm2ZDTnwaQ$"
		       "yTa9uaI/cTQ0nknT3gaTsU1e1XF9gJDxBvzvV7asB1Q";
	case TIMS_PW_COST_INTERACTIVE:
	default:
		return "$argon2id$v=19$m=65536,t=2,p=1$ugTJ3vQci6wzsn3Vf6pciw$"
		       "Quw4DjJBTlN9RD/L1KCwbiTF2zbHejqnf6FIeoPrkRs";
	}
}

tims_rc tims_pw_check_policy(const char *password, struct tims_err *err)
{
	size_t len, chars = 0;

	if (!password)
		return tims_err_set(err, TIMS_ERR_INVALID, "password: missing");
	len = strnlen(password, TIMS_PW_MAX + 1);
	if (len > TIMS_PW_MAX)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "password: longer than %d bytes", TIMS_PW_MAX);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)password[i];

		if (c < 0x20 || c == 0x7f)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "password: control character at byte %zu",
					    i + 1);
		if ((c & 0xc0) != 0x80) /* count UTF-8 characters, not bytes */
			chars++;
	}
	if (chars < TIMS_PW_MIN)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "password: %zu characters, at least %d needed",
				    chars, TIMS_PW_MIN);
	return TIMS_OK;
}

tims_rc tims_pw_hash(const char *password, enum tims_pw_cost cost,
		     char out[TIMS_PW_HASH_BYTES], struct tims_err *err)
{
	unsigned long long ops;
	size_t mem;
	char tmp[crypto_pwhash_STRBYTES];
	tims_rc rc;

	_Static_assert(crypto_pwhash_STRBYTES <= TIMS_PW_HASH_BYTES,
		       "TIMS_PW_HASH_BYTES too small");
	if ((rc = tims_pw_check_policy(password, err)))
		return rc;
	if (sodium_init() < 0)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "libsodium: init failed");
	cost_of(cost, &ops, &mem);
	if (crypto_pwhash_str_alg(tmp, password, strlen(password), ops, mem,
				  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return tims_err_set(err, TIMS_ERR_NOMEM,
				    "password: Argon2id could not get its memory");
	memcpy(out, tmp, sizeof(tmp));
	out[TIMS_PW_HASH_BYTES - 1] = '\0';
	return TIMS_OK;
}

tims_rc tims_pw_verify(const char *stored, const char *password,
		       struct tims_err *err)
{
	char buf[crypto_pwhash_STRBYTES];
	size_t n;

	if (!stored || !password)
		return tims_err_set(err, TIMS_ERR_AUTH, "password: missing");
	n = strnlen(stored, sizeof(buf));
	if (n == sizeof(buf) || strncmp(stored, "$argon2id$", 10) != 0)
		return tims_err_set(err, TIMS_ERR_STATE,
				    "stored password: not an Argon2id string");
	if (strnlen(password, TIMS_PW_MAX + 1) > TIMS_PW_MAX)
		return tims_err_set(err, TIMS_ERR_AUTH, "password: does not match");
	if (sodium_init() < 0)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "libsodium: init failed");
	memset(buf, 0, sizeof(buf));
	memcpy(buf, stored, n);
	if (crypto_pwhash_str_verify(buf, password, strlen(password)) != 0)
		return tims_err_set(err, TIMS_ERR_AUTH, "password: does not match");
	return TIMS_OK;
}

int tims_pw_needs_rehash(const char *stored, enum tims_pw_cost cost)
{
	unsigned long long ops;
	size_t mem;
	char buf[crypto_pwhash_STRBYTES];
	size_t n = strnlen(stored, sizeof(buf));

	if (n == sizeof(buf))
		return 1;
	memset(buf, 0, sizeof(buf));
	memcpy(buf, stored, n);
	cost_of(cost, &ops, &mem);
	return crypto_pwhash_str_needs_rehash(buf, ops, mem) != 0;
}
