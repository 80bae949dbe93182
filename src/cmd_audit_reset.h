/*
 * cmd_audit_reset.h — `tims audit reset` (src/cmd_audit_reset.c), a
 * subcommand of `tims audit` (src/cmd_audit.c).
 */
#ifndef TIMS_CMD_AUDIT_RESET_H
#define TIMS_CMD_AUDIT_RESET_H

int cmd_audit_reset(int argc, char **argv);

#endif
