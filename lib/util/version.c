/* version.c — the version string, with the git commit baked in by make. */
#include "tims/version.h"

#ifndef TIMS_GIT_DESCRIBE
#define TIMS_GIT_DESCRIBE ""
#endif

const char *tims_version(void)
{
	return TIMS_GIT_DESCRIBE[0] ? TIMS_VERSION " (" TIMS_GIT_DESCRIBE ")"
				    : TIMS_VERSION;
}
