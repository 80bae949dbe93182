/*
 * cli.h — what every command family of the `tims` program shares.
 *
 * A command is `int cmd_NAME(int argc, char **argv)` where argv[0] is the
 * command's own name. It returns the process exit status:
 *   0  success (every document valid, every proof verifies, ...)
 *   1  the input was examined and found invalid, or a check failed
 *   2  usage error, or an I/O or system error that stopped the work
 * Commands print their results on stdout and their diagnostics on stderr,
 * prefixed "tims NAME: ".
 */
#ifndef TIMS_CLI_H
#define TIMS_CLI_H

#include <libintl.h>
#include <stdint.h>

#include "tims/err.h"
#include "tims/http.h"

/*
 * The program's texts for people go through the "tims" catalogue
 * (src/cli_lang.c, docs/languages.md): _("...") where printed, N_("...")
 * where a table or an array holds one to be translated when printed.
 * Never for machine output (--json, JSON Lines, the routes, the command
 * list for scripts): it stays English and stable.
 */
#define _(s) gettext(s)
#define N_(s) s

/* Chooses the language of the messages; first thing main() does. */
void cli_lang_init(void);

#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2

struct cli_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/* True if argv holds -h or --help before any "--". */
int cli_wants_help(int argc, char **argv);

/* Print "tims CMD: msg" on stderr; returns status for `return cli_error(...)`. */
int cli_error(int status, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Run a sub-command table (`tims tlog root` ...): argv[0] is the family.
 * `tims FAMILY --commands` lists "FAMILY SUB" one a line. */
int cli_dispatch(const char *family, const struct cli_command *table,
		 size_t n, const char *usage, int argc, char **argv);

/*
 * A progress bar on standard error for long work (imports, rebuilds), drawn
 * only when standard error is a terminal and redrawn at most ten times a
 * second; nothing at all in pipes, logs and tests. total 0: a counter
 * without a bar. cli_progress_done ends the line.
 */
struct cli_progress {
	const char *label;
	uint64_t total;
	int64_t last_ms;
	int on;
};
void cli_progress_start(struct cli_progress *p, const char *label, uint64_t total);
void cli_progress_update(struct cli_progress *p, uint64_t done);
void cli_progress_done(struct cli_progress *p, uint64_t done);

/*
 * The web consoles shipped with the program: SUB ("" for the booth console,
 * "dashboard" for the centre's) under the web/ folder beside the program's
 * build directory (build/tims -> web/), or under $TIMS_WEB. NULL if not
 * found; the servers then serve the API only.
 */
const char *cli_web_dir(const char *sub, char *out, size_t cap);

/*
 * A daemon's start: every file under dir must be 0600 and every directory
 * 0700 (docs/security.md, "Files"). Each one readable or writable by the
 * group or others is set right and named on stderr as "tims CMD: PATH was
 * mode 0644, readable by group or others: set to 0600". CLI_OK, or an error
 * status when dir cannot be checked or a mode cannot be changed.
 */
int cli_private_dir(const char *cmd, const char *dir);

/* An HTTP route table as JSON Lines: method, path, roles ("public",
 * "peer" or the people's roles), body_max, mtls, passive. */
struct tims_http_route;
void cli_print_routes(const struct tims_http_route *r, size_t n);


/*
 * Who is typing (src/cli_auth.c, docs/roles.md). Every command that reads
 * personal data or changes the system runs cli_authenticate, then
 * cli_audit before it acts or answers; when either fails it does nothing.
 */
struct cli_actor { struct tims_principal who; char dir[4096]; };
/* One line of standard input (its end of line removed) into locked memory
 * (sodium_malloc; sodium_free it), prompted without echo on a terminal;
 * NULL at end of input, when out of memory, or past max bytes. */
char *cli_read_secret(const char *prompt, size_t max);

/* The session for node directory dir, checked now: the account enabled, the
   session alive, the role in `roles` (enum tims_role bits). On refusal prints
   "tims CMD: ..." naming the reason (not logged in / session ended / role X may
   not ...) and returns CLI_FAIL; CLI_OK and *a filled otherwise. */
int cli_authenticate(const char *cmd, const char *dir, unsigned roles,
		     struct cli_actor *a);
/* Append one audit event to dir's audit log (actor, role, booth "cli", addr
   "local", action e.g. "cli.history", purpose, query JSON) BEFORE acting or
   answering. CLI_OK, or an error status (then the command must not act). */
int cli_audit(const struct cli_actor *a, const char *cmd, const char *action,
	      const char *purpose, const char *query_json);
/* cli_audit with the status to record (403 refused, 409 conflict ...);
 * cli_audit records 200. */
int cli_audit_status(const struct cli_actor *a, const char *cmd, const char *action,
		     const char *purpose, const char *query_json, int status);
/*
 * cli_authenticate, then cli_audit with `query` as its JSON (taken: freed
 * here; NULL for none). The usual gate of a command, in one call.
 */
typedef struct json_t json_t;
int cli_gate(const char *cmd, const char *dir, unsigned roles, const char *action,
	     const char *purpose, json_t *query, struct cli_actor *a);
/*
 * The node a watchlist store belongs to: the directory holding the store
 * (after symbolic links are resolved) when it holds post.db or centre.db,
 * copied to node; "" when the store is outside any node (a scratch store:
 * no login, docs/roles.md). A store with a symbolic link or a hard-linked
 * file in it is refused: it could be a node's store under another name.
 */
int cli_store_node(const char *cmd, const char *store, char *node, size_t cap);
/*
 * The session file of node dir for this user is named after the node's
 * verifier key: after the key is rotated, cli_session_follow_key moves the
 * file named after old_vkey (the key's text) to the name of the key the
 * node has now, so that the one logged in stays logged in. Nothing when
 * there is no such file (TIMS_SESSION users hold their token themselves).
 */
void cli_session_follow_key(const char *dir, const char *old_vkey);
/* What dir is: a post's directory (post.db), the centre's (centre.db), or
 * neither. */
enum { CLI_NODE_NONE = 0, CLI_NODE_POST = 1, CLI_NODE_CENTRE = 2 };
int cli_node_kind(const char *dir);

/* Command families, one source file each (src/cmd_NAME.c). */
int cmd_tlog(int argc, char **argv);
int cmd_mrz(int argc, char **argv);
int cmd_api(int argc, char **argv);
int cmd_epassport(int argc, char **argv);
int cmd_post(int argc, char **argv);
int cmd_cross(int argc, char **argv);
int cmd_officer(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_screen(int argc, char **argv);
int cmd_watchlist(int argc, char **argv);
int cmd_witness(int argc, char **argv);

/* src/cmd_signer.c: the hidden `tims __signer --fd N` (tims/signer.h),
 * the signer process a daemon re-executes; not in the command table. */
int cmd_signer(int argc, char **argv);
int cmd_centre(int argc, char **argv);
int cmd_key(int argc, char **argv);
int cmd_retention(int argc, char **argv);
/* src/cmd_export.c: tims export, and tims centre export (its sub-table). */
int cmd_export(int argc, char **argv);
int cmd_centre_export(int argc, char **argv);
int cmd_login(int argc, char **argv);
int cmd_logout(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);

#endif
