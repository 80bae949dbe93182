/*
 * internal.h — the sandbox module's parts: Landlock (landlock.c), the
 * seccomp allowlist (seccomp.c), and the paths a profile needs (paths.c).
 */
#ifndef TIMS_SANDBOX_INTERNAL_H
#define TIMS_SANDBOX_INTERNAL_H

#include "tims/sandbox.h"

/* Warn through cfg->warn (printf-style, one line). */
void sandbox_warn(const struct tims_sandbox_cfg *cfg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Build the Landlock ruleset for cfg (its paths and the profile's system
 * paths) and apply it to every thread of the process, each thread setting
 * PR_SET_NO_NEW_PRIVS first. *applied 0 with a warning when the kernel
 * has no Landlock. */
tims_rc sandbox_landlock(const struct tims_sandbox_cfg *cfg, int *applied,
			 struct tims_err *err);

/* Load the profile's seccomp filter on every thread (TSYNC). */
tims_rc sandbox_seccomp(const struct tims_sandbox_cfg *cfg, struct tims_err *err);

/* The profile's system paths (read-only), one after another, NULL at the
 * end; and the directory SQLite makes its temporary files in (read-write;
 * out "" when none found). */
const char *const *sandbox_system_ro(enum tims_sandbox_profile profile);
void sandbox_sqlite_tmpdir(char *out, size_t cap);

#endif
