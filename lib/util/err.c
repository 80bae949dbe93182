/*
 * err.c — result codes and detail messages (see include/tims/err.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tims/err.h"

static const char *const descriptions[TIMS_RC_LAST] = {
	[TIMS_OK] = "success",
	[TIMS_ERR_NOMEM] = "out of memory",
	[TIMS_ERR_INVALID] = "malformed input",
	[TIMS_ERR_TOOBIG] = "input too large",
	[TIMS_ERR_IO] = "input/output error",
	[TIMS_ERR_NOTFOUND] = "not found",
	[TIMS_ERR_SIGNATURE] = "signature does not verify",
	[TIMS_ERR_PROOF] = "proof does not verify",
	[TIMS_ERR_DB] = "database error",
	[TIMS_ERR_CRYPTO] = "cryptographic library error",
	[TIMS_ERR_EXISTS] = "already exists",
	[TIMS_ERR_DENIED] = "permission denied",
	[TIMS_ERR_STATE] = "inconsistent state",
	[TIMS_ERR_USAGE] = "invalid arguments",
	[TIMS_ERR_AUTH] = "authentication failed",
	[TIMS_ERR_REPLAY] = "replayed",
	[TIMS_ERR_TAMPER] = "tampering detected",
	[TIMS_ERR_NET] = "network error",
	[TIMS_ERR_FULL] = "no space left on the device",
	[TIMS_ERR_UNAVAILABLE] = "key token unavailable",
};

const char *tims_strerror(tims_rc rc)
{
	if ((unsigned)rc >= TIMS_RC_LAST || !descriptions[rc])
		return "unknown error";
	return descriptions[rc];
}

tims_rc tims_err_set(struct tims_err *err, tims_rc rc, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return rc;
	err->rc = rc;
	va_start(ap, fmt);
	/* vsnprintf truncates safely; the detail is for people, not parsing. */
	if (vsnprintf(err->msg, sizeof(err->msg), fmt, ap) < 0)
		err->msg[0] = '\0';
	va_end(ap);
	return rc;
}

void tims_err_clear(struct tims_err *err)
{
	if (!err)
		return;
	err->rc = TIMS_OK;
	err->msg[0] = '\0';
}

const char *tims_err_msg(const struct tims_err *err)
{
	if (!err)
		return "";
	if (err->msg[0])
		return err->msg;
	return tims_strerror(err->rc);
}
