/*
 * fuzz_sandbox.c — the sandbox's parsers of what a node's files say
 * (tims/sandbox.h): SoftHSM2's directories.tokendir, PKCS#11 URIs' paths
 * (module-path, pin-source, percent-decoded), and the absolute paths of a
 * witnesses.conf. What they find is an absolute path that fits, or nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tims/sandbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void paths_sane(const struct tims_sandbox_cfg *cfg)
{
	if (cfg->nro > TIMS_SANDBOX_PATHS_MAX || cfg->nrw > TIMS_SANDBOX_PATHS_MAX)
		abort();
	for (size_t i = 0; i < cfg->nro; i++)
		if (strnlen(cfg->ro[i], TIMS_SANDBOX_PATH_BYTES) >= TIMS_SANDBOX_PATH_BYTES ||
		    cfg->ro[i][0] != '/')
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tims_sandbox_cfg cfg;
	const char *text = (const char *)data;
	struct tims_err err;
	char dir[64];

	if (tims_sandbox_softhsm_tokendir(text, size, dir, sizeof(dir), &err) == TIMS_OK &&
	    (strnlen(dir, sizeof(dir)) >= sizeof(dir) || !dir[0] || dir[0] == ' '))
		abort();
	tims_sandbox_cfg_init(&cfg);
	(void)tims_sandbox_add_listed(&cfg, text, size, &err);
	paths_sane(&cfg);
	tims_sandbox_cfg_init(&cfg);
	(void)tims_sandbox_add_p11_text(&cfg, text, size, &err);
	paths_sane(&cfg);
	return 0;
}
