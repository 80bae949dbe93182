/*
 * fuzz_signersetup.c — the signer's setup message parser
 * (tims_signer_setup_parse in lib/p11/signer.c), on arbitrary bytes: the
 * first message a re-executed signer reads, which names its sandbox (user,
 * data directory, paths) and its PKCS#11 module prefixes.
 *
 * Beyond "no crash, no leak, no undefined behaviour" it checks what the
 * signer relies on before it enters the sandbox: an accepted setup has
 * NUL-terminated strings within their arrays, at most
 * TIMS_SANDBOX_PATHS_MAX paths of each kind, a user that
 * tims_sandbox_user_check accepts, and sandbox fields only with a sandbox;
 * a refused one says why.
 */
#include "tims/signer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tims_signer_setup st;
	struct tims_err err;
	tims_rc rc;

	if (size > TIMS_SIGNER_MSG_MAX)
		return 0;
	tims_err_clear(&err);
	rc = tims_signer_setup_parse(data, size, &st, &err);
	if (rc) {
		if (!err.msg[0])
			abort(); /* a refusal names its reason */
		return 0;
	}
	if (!memchr(st.modules, '\0', sizeof(st.modules)) ||
	    !memchr(st.user, '\0', sizeof(st.user)) || !memchr(st.dir, '\0', sizeof(st.dir)))
		abort();
	if (st.cfg.nrw > TIMS_SANDBOX_PATHS_MAX || st.cfg.nro > TIMS_SANDBOX_PATHS_MAX)
		abort();
	for (size_t i = 0; i < st.cfg.nrw; i++)
		if (!st.cfg.rw[i][0] || !memchr(st.cfg.rw[i], '\0', TIMS_SANDBOX_PATH_BYTES))
			abort();
	for (size_t i = 0; i < st.cfg.nro; i++)
		if (!st.cfg.ro[i][0] || !memchr(st.cfg.ro[i], '\0', TIMS_SANDBOX_PATH_BYTES))
			abort();
	if (st.cfg.user && tims_sandbox_user_check(st.cfg.user, &err))
		abort();
	if (!st.sandbox && (st.cfg.user || st.cfg.data_dir || st.cfg.nrw || st.cfg.nro ||
			    st.warn))
		abort(); /* sandbox fields only with a sandbox */
	return 0;
}
