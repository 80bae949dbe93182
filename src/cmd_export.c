/*
 * cmd_export.c — bulk export of personal data (docs/export.md).
 *
 *   tims export keygen --out FILE            a recipient's key pair
 *   tims export open --key FILE SEALED [--out FILE]
 *   tims centre export request DIR --kind K --purpose TEXT --recipient PUB [params]
 *   tims centre export approve DIR ID
 *   tims centre export fetch DIR ID --out FILE
 *   tims centre export list DIR [--days N]
 *   tims centre export show DIR ID
 *
 * The centre's commands need a session (tims login) of a role that reads
 * personal data — supervisor or analyst — and are audited with it before
 * they act; the library audits the export itself (both people, the
 * hashes). A second person of another role approves; only the requester
 * fetches; only the recipient's key opens.
 *
 * Exit status: 0 done, 1 refused (the rule, the state, a sealed file that
 * does not open), 2 usage or I/O error.
 */
#include <getopt.h>
#include <sodium.h>

#include "cli.h"
#include "tims/centre.h"
#include "tims/export.h"
#include "tims/mlog.h"
#include "tims/record.h"
#include "tims/util.h"

#define ROLES (TIMS_ROLE_SUPERVISOR | TIMS_ROLE_ANALYST)
#define ADDR "local (tims centre export)"

static const char usage_export[] =
	N_("usage: tims export keygen --out FILE\n"
	"   or: tims export open --key FILE SEALED [--out FILE]\n"
	"\n"
	"The recipient's side of a two-person export (docs/export.md):\n"
	"  keygen  a new X25519 key pair: FILE (the secret key, mode 0600) and\n"
	"          FILE.pub (the public key, 64 hex digits) to give to the person\n"
	"          who asks the centre for the export (--recipient FILE.pub)\n"
	"  open    decrypt a sealed export with the secret key; prints the JSON\n"
	"          (or writes it to --out, mode 0600). Exit 1 if it does not open:\n"
	"          another recipient's, or altered.\n");

static const char usage_centre[] =
	N_("usage: tims centre export request DIR --kind KIND --purpose TEXT --recipient PUB\n"
	"                          [--at TIME] [--offset N] [--limit N] [--doc N]\n"
	"                          [--issuer XXX] [--surname S] [--given G] [--dob DATE]\n"
	"                          [--nationality XXX] [--on DATE] [--post NAME]\n"
	"                          [--from N] [--count N]\n"
	"   or: tims centre export approve DIR ID\n"
	"   or: tims centre export fetch DIR ID --out FILE\n"
	"   or: tims centre export list DIR [--days N]\n"
	"   or: tims centre export show DIR ID\n"
	"\n"
	"Personal data beyond the daily limit one person may take alone\n"
	"(DIR/export.conf) leaves the centre only this way: one person asks, a\n"
	"second of another role approves, and the result is sealed to the\n"
	"recipient's key (tims export keygen) with its SHA-256 in the audit log.\n"
	"Needs a session (tims login --post DIR) of a supervisor or an analyst.\n"
	"  request  KIND present [--at --offset --limit], history --doc [--issuer\n"
	"           --on], person --surname --dob [--given --nationality --on],\n"
	"           overstays [--on --limit], post-log --post [--from --count];\n"
	"           PUB the recipient's FILE.pub or its 64 hex digits\n"
	"  approve  the second person: the centre makes, seals and audits it\n"
	"  fetch    the requester takes the sealed file (once, by default)\n"
	"  list     the requests of the last N days (default 7)\n"
	"  show     one request\n");

static void print_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	putchar('\n');
	json_decref(j);
}

static int status_of(tims_rc rc)
{
	return rc == TIMS_ERR_DENIED || rc == TIMS_ERR_STATE || rc == TIMS_ERR_NOTFOUND ||
		rc == TIMS_ERR_INVALID || rc == TIMS_ERR_TAMPER ? CLI_FAIL : CLI_USAGE;
}

/* --- the recipient -------------------------------------------------------- */

static int x_keygen(int argc, char **argv)
{
	uint8_t pk[TIMS_EXPORT_PK_BYTES], sk[TIMS_EXPORT_SK_BYTES];
	char hex[2 * TIMS_EXPORT_PK_BYTES + 1];
	struct tims_err err;
	tims_rc rc;

	if (argc != 3 || strcmp(argv[1], "--out"))
		return cli_error(CLI_USAGE, "export", _("keygen: want --out FILE"));
	if (tims_export_keygen(pk, sk, &err))
		return cli_error(CLI_USAGE, "export", _("keygen: %s"), err.msg);
	rc = tims_export_key_write(argv[2], pk, sk, &err);
	sodium_memzero(sk, sizeof(sk));
	if (rc)
		return cli_error(rc == TIMS_ERR_EXISTS ? CLI_FAIL : CLI_USAGE, "export", _("keygen: %s"),
				 err.msg);
	sodium_bin2hex(hex, sizeof(hex), pk, sizeof(pk));
	printf(_("secret key written to %s (keep it); public key %s in %s.pub\n"), argv[2], hex,
	       argv[2]);
	return CLI_OK;
}

static int x_open(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct tims_buf sealed = TIMS_BUF_INIT(TIMS_EXPORT_SEALED_MAX);
	struct tims_buf plain = TIMS_BUF_INIT(TIMS_EXPORT_SEALED_MAX);
	uint8_t pk[TIMS_EXPORT_PK_BYTES], sk[TIMS_EXPORT_SK_BYTES];
	const char *key = NULL, *out = NULL;
	struct tims_err err;
	tims_rc rc;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'k')
			key = optarg;
		else if (c == 'o')
			out = optarg;
		else
			return cli_error(CLI_USAGE, "export", _("open: see tims export --help"));
	}
	if (!key || optind + 1 != argc)
		return cli_error(CLI_USAGE, "export", _("open: want --key FILE SEALED"));
	if ((rc = tims_export_key_read(key, pk, sk, &err)))
		return cli_error(rc == TIMS_ERR_INVALID ? CLI_FAIL : CLI_USAGE, "export", _("open: %s"),
				 err.msg);
	if (!(rc = tims_read_file(argv[optind], sealed.max, &sealed, &err)))
		rc = tims_export_open(pk, sk, sealed.buf, sealed.len, &plain, &err);
	sodium_memzero(sk, sizeof(sk));
	tims_buf_release(&sealed);
	if (!rc && out)
		rc = tims_write_file(out, plain.buf, plain.len, 0600, 0, &err);
	else if (!rc && (fwrite(plain.buf, 1, plain.len, stdout) != plain.len ||
			 putchar('\n') == EOF || fflush(stdout)))
		rc = tims_err_set(&err, TIMS_ERR_IO, "standard output: write failed");
	if (plain.buf)
		sodium_memzero(plain.buf, plain.alloc);
	tims_buf_release(&plain);
	if (rc)
		return cli_error(rc == TIMS_ERR_CRYPTO ? CLI_FAIL : CLI_USAGE, "export", _("open: %s"),
				 err.msg);
	if (out)
		fprintf(stderr, _("tims export: opened, written to %s\n"), out);
	return CLI_OK;
}

int cmd_export(int argc, char **argv)
{
	static const struct cli_command table[] = {
		{ "keygen", x_keygen, "a recipient's key pair for sealed exports" },
		{ "open", x_open, "open a sealed export with the recipient's key" },
	};

	if (argc >= 2 && cli_wants_help(argc - 1, argv + 1)) {
		fputs(_(usage_export), stdout);
		return CLI_OK;
	}
	return cli_dispatch("export", table, TIMS_ARRAY_SIZE(table), usage_export, argc, argv);
}

/* --- the centre ----------------------------------------------------------- */

static int open_centre(const char *sub, const char *dir, struct tims_centre **c)
{
	struct tims_err err;

	if (tims_centre_open(dir, c, &err))
		return cli_error(CLI_USAGE, "centre export", "%s: %s", sub, err.msg);
	return CLI_OK;
}

/* The actor's own audit event at the centre, naming what they asked. */
static int audit_cli(const struct cli_actor *a, const char *action, const char *purpose,
		     json_t *q)
{
	char *text = json_dumps(q, JSON_COMPACT | JSON_SORT_KEYS);
	int rc;

	json_decref(q);
	if (!text)
		return cli_error(CLI_USAGE, "centre export", _("out of memory"));
	rc = cli_audit(a, "centre export", action, purpose ? purpose : "", text);
	free(text);
	return rc;
}

static int e_request(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kind", required_argument, NULL, 'K' },
		{ "purpose", required_argument, NULL, 'P' },
		{ "recipient", required_argument, NULL, 'R' },
		{ "at", required_argument, NULL, 'a' },
		{ "offset", required_argument, NULL, 'O' },
		{ "limit", required_argument, NULL, 'L' },
		{ "doc", required_argument, NULL, 'd' },
		{ "issuer", required_argument, NULL, 'i' },
		{ "surname", required_argument, NULL, 's' },
		{ "given", required_argument, NULL, 'g' },
		{ "dob", required_argument, NULL, 'b' },
		{ "nationality", required_argument, NULL, 'n' },
		{ "on", required_argument, NULL, 'o' },
		{ "post", required_argument, NULL, 'p' },
		{ "from", required_argument, NULL, 'f' },
		{ "count", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *kind = NULL, *purpose = NULL, *recipient = NULL;
	struct tims_buf pubtext = TIMS_BUF_INIT(1024);
	uint8_t pk[TIMS_EXPORT_PK_BYTES];
	struct tims_export_request r;
	struct tims_centre *cen;
	struct cli_actor a;
	struct tims_err err;
	json_t *params = json_object();
	int64_t t;
	uint64_t u;
	tims_rc rc;
	int c;

	if (!params)
		return cli_error(CLI_USAGE, "centre export", _("out of memory"));
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		const char *key = NULL;

		rc = TIMS_OK;
		switch (c) {
		case 'K': kind = optarg; break;
		case 'P': purpose = optarg; break;
		case 'R': recipient = optarg; break;
		case 'd': key = "doc"; break;
		case 'i': key = "issuer"; break;
		case 's': key = "surname"; break;
		case 'g': key = "given_names"; break;
		case 'b': key = "birth_date"; break;
		case 'n': key = "nationality"; break;
		case 'o': key = "on"; break;
		case 'p': key = "post"; break;
		case 'a':
			if (!(rc = tims_time_parse(optarg, &t, "--at", &err)))
				json_object_set_new(params, "at_ms", json_integer((json_int_t)t));
			break;
		case 'O': case 'L': case 'f': case 'c': {
			const char *name = c == 'O' ? "offset" : c == 'L' ? "limit" :
				c == 'f' ? "from" : "count";

			if (!(rc = tims_parse_u64(optarg, INT64_MAX, &u, name, &err)))
				json_object_set_new(params, name, json_integer((json_int_t)u));
			break;
		}
		default:
			json_decref(params);
			return cli_error(CLI_USAGE, "centre export", _("request: see tims centre export "
					 "--help"));
		}
		if (key && json_object_set_new(params, key, json_string(optarg)))
			rc = tims_err_set(&err, TIMS_ERR_INVALID, "--%s: not valid UTF-8", key);
		if (rc) {
			json_decref(params);
			return cli_error(CLI_USAGE, "centre export", _("request: %s"), err.msg);
		}
	}
	if (optind + 1 != argc || !kind || !purpose || !recipient) {
		json_decref(params);
		return cli_error(CLI_USAGE, "centre export", _("request: want DIR --kind KIND "
				 "--purpose TEXT --recipient FILE.pub"));
	}
	/* the recipient: a FILE.pub, or the key's hex itself */
	if (strlen(recipient) == 2 * TIMS_EXPORT_PK_BYTES &&
	    !tims_export_pub_parse(recipient, strlen(recipient), pk, NULL))
		rc = TIMS_OK;
	else if (!(rc = tims_read_file(recipient, pubtext.max, &pubtext, &err)))
		rc = tims_export_pub_parse(pubtext.buf, pubtext.len, pk, &err);
	tims_buf_release(&pubtext);
	if (rc) {
		json_decref(params);
		return cli_error(CLI_USAGE, "centre export", _("request: --recipient: %s"), err.msg);
	}
	if ((c = cli_authenticate("centre export", argv[optind], ROLES, &a)) ||
	    (c = audit_cli(&a, "cli.centre.export.request", purpose,
			   json_pack("{s:s, s:O}", "kind", kind, "params", params))) ||
	    (c = open_centre("request", argv[optind], &cen))) {
		json_decref(params);
		return c;
	}
	rc = tims_centre_export_request(cen, &a.who, ADDR, kind, params, purpose, pk,
					tims_mlog_now_ms(), &r, &err);
	tims_centre_free(cen);
	json_decref(params);
	if (rc)
		return cli_error(status_of(rc), "centre export", _("request: %s"), err.msg);
	print_json(tims_export_request_json(&r));
	fprintf(stderr, _("tims centre export: %s pending; a person of another role approves it "
		"with: tims centre export approve %s %s\n"), r.id, argv[optind], r.id);
	return CLI_OK;
}

/* approve DIR ID and show DIR ID */
static int e_one(int argc, char **argv)
{
	int approve = !strcmp(argv[0], "approve");
	struct tims_export_request r;
	struct tims_centre *cen;
	struct cli_actor a;
	struct tims_err err;
	char action[48];
	tims_rc rc;
	int c;

	if (argc != 3)
		return cli_error(CLI_USAGE, "centre export", _("%s: want DIR ID"), argv[0]);
	snprintf(action, sizeof(action), "cli.centre.export.%s", argv[0]);
	if ((c = cli_authenticate("centre export", argv[1], ROLES, &a)) ||
	    (c = audit_cli(&a, action, "", json_pack("{s:s}", "id", argv[2]))) ||
	    (c = open_centre(argv[0], argv[1], &cen)))
		return c;
	if (approve)
		rc = tims_centre_export_approve(cen, &a.who, ADDR, argv[2], tims_mlog_now_ms(), &r,
						&err);
	else
		rc = tims_centre_export_get(cen, argv[2], tims_mlog_now_ms(), &r, &err);
	tims_centre_free(cen);
	if (rc)
		return cli_error(status_of(rc), "centre export", "%s: %s", argv[0], err.msg);
	print_json(tims_export_request_json(&r));
	return CLI_OK;
}

static int e_fetch(int argc, char **argv)
{
	struct tims_buf sealed = TIMS_BUF_INIT(TIMS_EXPORT_SEALED_MAX);
	struct tims_export_request r;
	struct tims_centre *cen;
	struct cli_actor a;
	struct tims_err err;
	tims_rc rc;
	int c;

	if (argc != 5 || strcmp(argv[3], "--out"))
		return cli_error(CLI_USAGE, "centre export", _("fetch: want DIR ID --out FILE"));
	if (access(argv[4], F_OK) == 0)
		return cli_error(CLI_USAGE, "centre export", _("fetch: %s exists; give a new file"),
				 argv[4]);
	if ((c = cli_authenticate("centre export", argv[1], ROLES, &a)) ||
	    (c = audit_cli(&a, "cli.centre.export.fetch", "", json_pack("{s:s}", "id", argv[2]))) ||
	    (c = open_centre("fetch", argv[1], &cen)))
		return c;
	rc = tims_centre_export_fetch(cen, &a.who, ADDR, argv[2], tims_mlog_now_ms(), &sealed, &r,
				      &err);
	tims_centre_free(cen);
	if (!rc)
		rc = tims_write_file(argv[4], sealed.buf, sealed.len, 0600, 0, &err);
	tims_buf_release(&sealed);
	if (rc)
		return cli_error(status_of(rc), "centre export", _("fetch: %s"), err.msg);
	printf(_("sealed export %s written to %s: %" PRIu64 " rows, %" PRIu64 " bytes, sha256 %s "
	       "(fetch %u of %u)\n"), r.id, argv[4], r.rows, r.sealed_bytes, r.sealed_sha256,
	       r.fetches, r.fetch_max);
	return CLI_OK;
}

static tims_rc list_one(void *ctx, const struct tims_export_request *r)
{
	json_array_append_new(ctx, tims_export_request_json(r));
	return TIMS_OK;
}

static int e_list(int argc, char **argv)
{
	struct tims_centre *cen;
	struct cli_actor a;
	struct tims_err err;
	int64_t now = tims_mlog_now_ms();
	uint64_t days = 7;
	json_t *list;
	tims_rc rc;
	int c;

	if (argc == 4 && !strcmp(argv[2], "--days")) {
		if (tims_parse_u64(argv[3], 366, &days, "--days", &err))
			return cli_error(CLI_USAGE, "centre export", _("list: %s"), err.msg);
	} else if (argc != 2) {
		return cli_error(CLI_USAGE, "centre export", _("list: want DIR [--days N]"));
	}
	if ((c = cli_authenticate("centre export", argv[1], ROLES, &a)) ||
	    (c = audit_cli(&a, "cli.centre.export.list", "",
			   json_pack("{s:I}", "days", (json_int_t)days))) ||
	    (c = open_centre("list", argv[1], &cen)))
		return c;
	if (!(list = json_array())) {
		tims_centre_free(cen);
		return cli_error(CLI_USAGE, "centre export", _("out of memory"));
	}
	rc = tims_centre_export_list(cen, now - (int64_t)days * 86400000, now, 1000, list_one,
				     list, &err);
	tims_centre_free(cen);
	if (rc) {
		json_decref(list);
		return cli_error(CLI_USAGE, "centre export", _("list: %s"), err.msg);
	}
	print_json(list);
	return CLI_OK;
}

int cmd_centre_export(int argc, char **argv)
{
	static const struct cli_command table[] = {
		{ "request", e_request, "ask for an export (the first person)" },
		{ "approve", e_one, "approve another's request (a second person, another role)" },
		{ "fetch", e_fetch, "the requester takes the sealed result" },
		{ "list", e_list, "requests of the last days" },
		{ "show", e_one, "one request" },
	};

	if (argc >= 2 && cli_wants_help(argc - 1, argv + 1)) {
		fputs(_(usage_centre), stdout);
		return CLI_OK;
	}
	if (argc < 2) {
		fputs(_(usage_centre), stderr);
		return CLI_USAGE;
	}
	return cli_dispatch("centre export", table, TIMS_ARRAY_SIZE(table), usage_centre, argc,
			    argv);
}
