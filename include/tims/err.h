/*
 * err.h — project-wide result codes and the optional detail message.
 *
 * Every library call returns a tims_rc. The numbers are part of the ABI and
 * never change once released (append only, like curl's CURLcode). A caller that
 * wants to know *why* passes a struct tims_err; the library writes a message
 * that names the field and the reason ("birth date: check digit is 4,
 * expected 7"). The struct may be NULL when the caller only wants the code.
 *
 * The library never prints and never exits: only main() decides that.
 */
#ifndef TIMS_ERR_H
#define TIMS_ERR_H

#include <stddef.h>

typedef enum tims_rc {
	TIMS_OK = 0,
	TIMS_ERR_NOMEM = 1,     /* allocation failed */
	TIMS_ERR_INVALID = 2,   /* malformed input: a field is wrong */
	TIMS_ERR_TOOBIG = 3,    /* input or buffer past its ceiling */
	TIMS_ERR_IO = 4,        /* read, write, fsync, open failed */
	TIMS_ERR_NOTFOUND = 5,  /* no such record, key, file */
	TIMS_ERR_SIGNATURE = 6, /* a signature does not verify */
	TIMS_ERR_PROOF = 7,     /* an inclusion or consistency proof fails */
	TIMS_ERR_DB = 8,        /* the storage engine reported an error */
	TIMS_ERR_CRYPTO = 9,    /* the crypto library failed (not bad input) */
	TIMS_ERR_EXISTS = 10,   /* refusing to overwrite */
	TIMS_ERR_DENIED = 11,   /* authenticated but not permitted */
	TIMS_ERR_STATE = 12,    /* call out of order, or stored state inconsistent */
	TIMS_ERR_USAGE = 13,    /* wrong arguments to an API call */
	TIMS_ERR_AUTH = 14,     /* authentication failed */
	TIMS_ERR_REPLAY = 15,   /* a replayed token, code or bundle */
	TIMS_ERR_TAMPER = 16,   /* stored data does not match its commitment */
	TIMS_ERR_NET = 17,      /* network or TLS failure */
	TIMS_ERR_FULL = 18,     /* no space left on the device: nothing stored */
	TIMS_ERR_UNAVAILABLE = 19, /* a key token is absent, locked or refuses: retry later */
	TIMS_RC_LAST            /* not a code: one past the last */
} tims_rc;

#define TIMS_ERR_MSG_BYTES 256

/* On a function whose result decides something (a verification, a check, an
 * append, a screening): a caller that drops the result does not compile
 * (-Werror), so a failed check can never pass for a passed one. */
#define TIMS_MUST_USE __attribute__((warn_unused_result))

struct tims_err {
	tims_rc rc;
	char msg[TIMS_ERR_MSG_BYTES];
};

/* A short, static description of the code ("malformed input"). */
const char *tims_strerror(tims_rc rc);

/*
 * Record rc and a printf-style detail in err (if err is not NULL) and return
 * rc, so that callers can write `return tims_err_set(err, TIMS_ERR_INVALID,
 * "document number: %s", why);`. The message is truncated to fit; it is a
 * human-readable detail, never data.
 */
tims_rc tims_err_set(struct tims_err *err, tims_rc rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Empty the struct (rc = TIMS_OK, msg = ""). */
void tims_err_clear(struct tims_err *err);

/* The detail if there is one, else tims_strerror(err->rc). */
const char *tims_err_msg(const struct tims_err *err);

#endif
