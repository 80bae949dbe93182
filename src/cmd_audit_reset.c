/*
 * cmd_audit_reset.c — `tims audit reset`: the only way to start a new audit
 * log where a node had published one (docs/audit.md, "Reset").
 *
 *   tims audit reset (--post DIR | --centre DIR) --request --reason TEXT [--officer ID]
 *   tims audit reset (--post DIR | --centre DIR) --approve [--officer ID]
 *   tims audit reset (--post DIR | --centre DIR) --show
 *
 * Two people of two roles: one (an admin or an auditor) requests, the other
 * role approves, each authenticated — by the session of `tims login`
 * (cli_authenticate), or, since nobody can log in while the node refuses
 * its audit log (a login is itself audited), with --officer ID and the
 * password and TOTP code on standard input, checked against the node's
 * officer store as a login is. A request lives 30 minutes in
 * DIR/audit.reset-request (0600). The approval keeps the old audit files
 * (renamed, never deleted), starts the new log with an `audit.reset` event
 * naming both people, the reason and the old log's last checkpoint (size
 * and root, as held and as recorded published), records the new log as the
 * published one, and at a post queues TIMS_EVENT_AUDIT_RESET for the
 * centre, which archives its mirror of the old log and raises an alert.
 * The node must be stopped while it runs.
 */
#include <getopt.h>
#include <jansson.h>
#include <sodium.h>
#include <time.h>

#include "cli.h"
#include "cmd_audit_reset.h"
#include "tims/audit.h"
#include "tims/centre.h"
#include "tims/event.h"
#include "tims/mlog.h"
#include "tims/officer.h"
#include "tims/post.h"
#include "tims/util.h"

#define CMD "audit reset"
#define REQUEST_FILE "audit.reset-request"
#define REQUEST_TTL_MS (30 * 60 * 1000)
#define SECRET_MAX 256

static const char usage[] =
	N_("usage: tims audit reset (--post DIR | --centre DIR) --request --reason TEXT [--officer ID]\n"
	"       tims audit reset (--post DIR | --centre DIR) --approve [--officer ID]\n"
	"       tims audit reset (--post DIR | --centre DIR) --show\n"
	"\n"
	"Starts a new audit log where the node had published one (its audit.db\n"
	"lost, cut short or replaced: the node refuses to start until then). Two\n"
	"people of two roles: an admin or an auditor requests (--request, with the\n"
	"reason), the other role approves (--approve) within 30 minutes. Each is\n"
	"the session of `tims login`, or --officer ID with the password on the\n"
	"first line of standard input and the TOTP code on the second (nobody can\n"
	"log in while the audit log is refused). The old audit files are kept\n"
	"(audit.reset-TIME.db); the new log starts with an audit.reset event naming\n"
	"both people and the old log's last checkpoint; a post tells the centre,\n"
	"which keeps its copy of the old log and raises an alert. Stop the node\n"
	"first. --show prints the pending request.\n");

struct ropts {
	const char *dir;
	int centre, request, approve, show;
	const char *reason, *officer;
};

static int parse(int argc, char **argv, struct ropts *o)
{
	static const struct option lo[] = {
		{ "post", required_argument, NULL, 'p' },
		{ "centre", required_argument, NULL, 'C' },
		{ "request", no_argument, NULL, 'r' },
		{ "approve", no_argument, NULL, 'a' },
		{ "show", no_argument, NULL, 's' },
		{ "reason", required_argument, NULL, 'R' },
		{ "officer", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'p': case 'C':
			if (o->dir)
				return cli_error(CLI_USAGE, CMD, _("--post and --centre: one of them"));
			o->dir = optarg;
			o->centre = c == 'C';
			break;
		case 'r': o->request = 1; break;
		case 'a': o->approve = 1; break;
		case 's': o->show = 1; break;
		case 'R': o->reason = optarg; break;
		case 'o': o->officer = optarg; break;
		default:
			fputs(_(usage), stderr);
			return cli_error(CLI_USAGE, CMD, _("unknown or incomplete option '%s'"),
					 argv[optind - 1]);
		}
	}
	if (!o->dir || optind != argc || o->request + o->approve + o->show != 1) {
		fputs(_(usage), stderr);
		return cli_error(CLI_USAGE, CMD, _("want --post DIR or --centre DIR and one of "
				 "--request, --approve, --show"));
	}
	if (o->request && (!o->reason || !*o->reason || strlen(o->reason) > 200))
		return cli_error(CLI_USAGE, CMD, _("--request: want --reason TEXT (1 to 200 bytes)"));
	if (!o->request && o->reason)
		return cli_error(CLI_USAGE, CMD, _("--reason goes with --request"));
	if (cli_node_kind(o->dir) != (o->centre ? CLI_NODE_CENTRE : CLI_NODE_POST))
		return cli_error(CLI_USAGE, CMD, _("%s: not a %s directory"), o->dir,
				 o->centre ? _("centre") : _("post"));
	return CLI_OK;
}

/* Who is typing: the session, or --officer with password and code. */
static int who_is_typing(const struct ropts *o, struct tims_principal *who)
{
	struct tims_officers *os = NULL;
	char token[TIMS_TOKEN_CHARS];
	struct tims_err err;
	char *pw, *code;
	tims_rc r;

	memset(who, 0, sizeof(*who));
	if (!o->officer) {
		struct cli_actor a;
		int rc = cli_authenticate(CMD, o->dir, TIMS_ROLE_ADMIN | TIMS_ROLE_AUDITOR, &a);

		if (!rc)
			*who = a.who;
		return rc;
	}
	pw = cli_read_secret(_("password: "), SECRET_MAX);
	code = pw ? cli_read_secret(_("TOTP code: "), SECRET_MAX) : NULL;
	if (!pw || !code) {
		if (pw)
			sodium_free(pw);
		return cli_error(CLI_USAGE, CMD, _("--officer: want the password and the TOTP code "
				 "on standard input"));
	}
	if (tims_officers_open_dir(o->dir, TIMS_PW_COST_INTERACTIVE, &os, &err)) {
		sodium_free(pw);
		sodium_free(code);
		return cli_error(CLI_USAGE, CMD, "%s", tims_err_msg(&err));
	}
	r = tims_officer_login(os, o->officer, pw, code, "cli", time(NULL), token, who, &err);
	sodium_free(pw);
	sodium_free(code);
	if (!r)
		tims_officer_logout(os, token, NULL); /* this command only */
	sodium_memzero(token, sizeof(token));
	tims_officers_close_dir(os);
	if (r)
		return cli_error(CLI_FAIL, CMD, _("%s: not authenticated (%s)"), o->officer,
				 tims_err_msg(&err));
	if (!(who->role & (TIMS_ROLE_ADMIN | TIMS_ROLE_AUDITOR)))
		return cli_error(CLI_FAIL, CMD, _("role %s may not reset an audit log (admin and "
				 "auditor together)"), tims_role_name(who->role));
	return CLI_OK;
}

static int request_path(const struct ropts *o, char *out, size_t cap)
{
	if (snprintf(out, cap, "%s/%s", o->dir, REQUEST_FILE) >= (int)cap)
		return cli_error(CLI_USAGE, CMD, _("%s: path too long"), o->dir);
	return CLI_OK;
}

/* The pending request (NULL and a message when there is none or it is
 * unusable). */
static json_t *read_request(const struct ropts *o, int quiet)
{
	struct tims_buf b = TIMS_BUF_INIT(4096);
	char path[4200];
	struct tims_err err;
	json_t *j = NULL;

	if (request_path(o, path, sizeof(path)))
		return NULL;
	if (tims_read_file(path, 4096, &b, &err)) {
		if (!quiet)
			cli_error(CLI_FAIL, CMD, _("no pending request at %s (--request first)"), o->dir);
		goto out;
	}
	j = json_loadb(b.buf, b.len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_string(json_object_get(j, "officer")) ||
	    !json_is_string(json_object_get(j, "role")) ||
	    !json_is_string(json_object_get(j, "reason")) ||
	    !json_is_integer(json_object_get(j, "requested_ms"))) {
		json_decref(j);
		j = NULL;
		cli_error(CLI_FAIL, CMD, _("%s: not a reset request"), path);
	}
out:
	tims_buf_release(&b);
	return j;
}

static int do_request(const struct ropts *o)
{
	struct tims_principal who;
	struct tims_err err;
	char path[4200], *text;
	json_t *j;
	int rc;

	if ((rc = who_is_typing(o, &who)) || (rc = request_path(o, path, sizeof(path))))
		return rc;
	j = json_pack("{s:s, s:s, s:I, s:s}", "officer", who.id, "role",
		      tims_role_name(who.role), "requested_ms", (json_int_t)tims_mlog_now_ms(),
		      "reason", o->reason);
	text = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	if (!text)
		return cli_error(CLI_USAGE, CMD, _("out of memory"));
	if (tims_write_file(path, text, strlen(text), 0600, 1, &err)) {
		free(text);
		return cli_error(CLI_USAGE, CMD, "%s", tims_err_msg(&err));
	}
	free(text);
	printf(_("audit reset of %s requested by %s (%s): an %s must approve within 30 minutes "
	       "(tims audit reset --%s %s --approve)\n"), o->dir, who.id, tims_role_name(who.role),
	       /* a role's and an option's names, as typed: i18n: machine */
	       who.role == TIMS_ROLE_ADMIN ? "auditor" : "admin", o->centre ? "centre" : "post", /* i18n: machine */
	       o->dir);
	return CLI_OK;
}

static void hex(const uint8_t *h, char out[65])
{
	static const char x[] = "0123456789abcdef"; /* i18n: machine */

	for (int i = 0; i < 32; i++) {
		out[2 * i] = x[h[i] >> 4];
		out[2 * i + 1] = x[h[i] & 15];
	}
	out[64] = '\0';
}

/* The origin and key of the node's audit log: NULL for a post; the
 * centre's from DIR/audit.vkey. */
static int log_origin(const struct ropts *o, char *origin, size_t cap)
{
	struct tims_verifier v;
	struct tims_err err;
	char path[4200];

	if (!o->centre)
		return CLI_OK;
	snprintf(path, sizeof(path), "%s/audit.vkey", o->dir);
	if (tims_mlog_load_keys(o->dir, path, NULL, &v, NULL, &err))
		return cli_error(CLI_USAGE, CMD, "%s", tims_err_msg(&err));
	snprintf(origin, cap, "%s", v.name);
	return CLI_OK;
}

/* The centre hears of it: at a post, TIMS_EVENT_AUDIT_RESET in post.db's
 * queue; at the centre, its own event log (an alert). */
static int report(const struct ropts *o, const struct tims_principal *who, const char *detail)
{
	struct tims_err err;

	if (o->centre) {
		struct tims_centre *c = NULL;

		if (tims_centre_open(o->dir, &c, &err))
			return cli_error(CLI_USAGE, CMD, _("the centre's event log: %s"),
					 tims_err_msg(&err));
		tims_centre_event(c, "audit-reset", NULL, detail);
		tims_centre_free(c);
		return CLI_OK;
	}
	{
		struct tims_post_events *q = NULL;
		struct tims_event ev;
		uint64_t seq;

		tims_event_init(&ev);
		ev.kind = TIMS_EVENT_AUDIT_RESET;
		snprintf(ev.officer, sizeof(ev.officer), "%s", who->id);
		snprintf(ev.booth, sizeof(ev.booth), "cli");
		snprintf(ev.detail, sizeof(ev.detail), "%s", detail);
		if (tims_post_events_open(o->dir, &q, &err) ||
		    tims_post_event_add(q, &ev, &seq, &err)) {
			tims_post_events_close(q);
			return cli_error(CLI_USAGE, CMD, _("the centre's event queue: %s"),
					 tims_err_msg(&err));
		}
		tims_post_events_close(q);
	}
	return CLI_OK;
}

static int do_approve(const struct ropts *o)
{
	struct tims_audit_event ev;
	struct tims_audit_old old;
	struct tims_principal who;
	struct tims_err err;
	char origin[TIMS_NOTE_MAX_NAME + 1] = "", path[4200], archived[64] = "";
	char detail[TIMS_RECORD_TEXT], hr[65], pr[65], *text = NULL;
	const char *rid, *rrole;
	json_t *req, *q;
	uint64_t index;
	int64_t at;
	int rc;

	if (!(req = read_request(o, 0)))
		return CLI_FAIL;
	rid = json_string_value(json_object_get(req, "officer"));
	rrole = json_string_value(json_object_get(req, "role"));
	at = json_integer_value(json_object_get(req, "requested_ms"));
	if ((rc = who_is_typing(o, &who)))
		goto out;
	if (tims_mlog_now_ms() - at > REQUEST_TTL_MS || at > tims_mlog_now_ms() + 60000) {
		rc = cli_error(CLI_FAIL, CMD, _("the request of %s is older than 30 minutes: "
			       "request again"), rid);
		goto out;
	}
	if (!strcmp(rid, who.id)) {
		rc = cli_error(CLI_FAIL, CMD, _("%s requested this reset: a second person must "
			       "approve it"), who.id);
		goto out;
	}
	if (!strcmp(rrole, tims_role_name(who.role)) ||
	    (strcmp(rrole, "admin") && strcmp(rrole, "auditor"))) {
		rc = cli_error(CLI_FAIL, CMD, _("requested by an %s: it takes an %s to approve"), rrole,
			       !strcmp(rrole, "admin") ? "auditor" : "admin"); /* i18n: machine (role names) */
		goto out;
	}
	if ((rc = log_origin(o, origin, sizeof(origin))))
		goto out;
	if (tims_audit_reset_old(o->dir, o->centre ? origin : NULL, "audit", &old, &err)) {
		rc = cli_error(CLI_USAGE, CMD, "%s", tims_err_msg(&err));
		goto out;
	}
	hex(old.held_root, hr);
	hex(old.published_root, pr);
	q = json_pack("{s:{s:s, s:s, s:I}, s:{s:s, s:s}, s:s}",
		      "requested_by", "officer", rid, "role", rrole, "at_ms", (json_int_t)at,
		      "approved_by", "officer", who.id, "role", tims_role_name(who.role),
		      "reason", json_string_value(json_object_get(req, "reason")));
	if (q)
		json_object_set_new(q, "old", json_pack("{s:o, s:o}",
			"held", old.held ? json_pack("{s:I, s:s}", "size", (json_int_t)old.held_size,
						   "root", hr) : json_pack("{s:s}", "why", old.why),
			"published", old.published ? json_pack("{s:I, s:s}", "size",
				(json_int_t)old.published_size, "root", pr) : json_null()));
	text = q ? json_dumps(q, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(q);
	if (!text) {
		rc = cli_error(CLI_USAGE, CMD, _("out of memory"));
		goto out;
	}
	memset(&ev, 0, sizeof(ev));
	snprintf(ev.actor, sizeof(ev.actor), "%s", who.id);
	snprintf(ev.role, sizeof(ev.role), "%s", tims_role_name(who.role));
	snprintf(ev.booth, sizeof(ev.booth), "cli");
	snprintf(ev.addr, sizeof(ev.addr), "local");
	snprintf(ev.action, sizeof(ev.action), "audit.reset");
	snprintf(ev.purpose, sizeof(ev.purpose), "%s",
		 json_string_value(json_object_get(req, "reason")));
	ev.crossing = -1;
	ev.status = 200;
	ev.query = text;
	ev.query_len = strlen(text);
	if (tims_audit_reset(o->dir, o->centre ? origin : NULL, "audit", &ev, &index, archived,
			     sizeof(archived), &err)) {
		rc = cli_error(CLI_USAGE, CMD, "%s", tims_err_msg(&err));
		goto out;
	}
	if (!request_path(o, path, sizeof(path)))
		unlink(path);
	snprintf(detail, sizeof(detail), "audit log reset: requested by %s (%s), approved by "
		 "%s (%s); the old log held %" PRIu64 " events (root %.16s), published %" PRIu64
		 " (root %.16s); kept as %s", rid, rrole, who.id, tims_role_name(who.role),
		 old.held ? old.held_size : 0, old.held ? hr : "-",
		 old.published ? old.published_size : 0, old.published ? pr : "-", archived);
	rc = report(o, &who, detail);
	printf("%s\n", detail);
out:
	free(text);
	json_decref(req);
	return rc;
}

static int do_show(const struct ropts *o)
{
	json_t *req = read_request(o, 1);
	char *s;

	if (!req) {
		printf(_("no pending audit reset at %s\n"), o->dir);
		return CLI_OK;
	}
	s = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS);
	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(req);
	return CLI_OK;
}

int cmd_audit_reset(int argc, char **argv)
{
	struct ropts o;
	int rc;

	if (cli_wants_help(argc, argv)) {
		fputs(_(usage), stdout);
		return CLI_OK;
	}
	if ((rc = parse(argc, argv, &o)))
		return rc;
	if (sodium_init() < 0)
		return cli_error(CLI_USAGE, CMD, _("libsodium: init failed"));
	if (o.show)
		return do_show(&o);
	return o.request ? do_request(&o) : do_approve(&o);
}
