/*
 * cmd_signer.c — `tims __signer --fd N`: the hidden entry point of the
 * key-holding signer process (tims/signer.h). A daemon's
 * tims_signer_start forks and re-executes its own binary with this
 * command, so the signer is a fresh image (none of the daemon's memory,
 * its own canary and address layout). Not listed in help or the manual:
 * it is not a command for people, and it refuses to run unless descriptor
 * N is a SOCK_SEQPACKET socket whose peer is its parent (exit status 2,
 * saying why). It ends with _exit, as the forked signer did: no atexit
 * handler or sanitizer leak pass runs over a PKCS#11 module's state.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "serve_conf.h"
#include "tims/signer.h"

static void warn_line(void *ctx, const char *msg)
{
	(void)ctx;
	serve_log_event(TIMS_LOG_WARNING, "sandbox", "msg", msg);
}

int cmd_signer(int argc, char **argv)
{
	struct tims_err err;
	char *end = NULL;
	long fd = -1;
	tims_rc rc;

	if (argc == 3 && !strcmp(argv[1], "--fd")) {
		errno = 0;
		fd = strtol(argv[2], &end, 10);
		if (errno || !end || *end || end == argv[2] || fd < 3 || fd > 1023)
			fd = -1;
	}
	if (fd < 0)
		return cli_error(CLI_USAGE, "__signer", _("the key-holding process of the "
				 "daemons, started by them only: want --fd N (3..1023)"));
	tims_err_clear(&err);
	rc = tims_signer_serve((int)fd, warn_line, NULL, &err);
	if (rc == TIMS_ERR_USAGE) {
		fflush(NULL);
		_exit(cli_error(CLI_USAGE, "__signer", _("refused: %s (the key-holding "
				"process of the daemons, started by them only)"),
				tims_err_msg(&err)));
	}
	if (rc)
		serve_log_event(TIMS_LOG_ERR, "signer", "msg", tims_err_msg(&err));
	fflush(NULL);
	_exit(rc ? CLI_FAIL : CLI_OK);
}
