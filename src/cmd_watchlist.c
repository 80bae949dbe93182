/*
 * cmd_watchlist.c — `tims watchlist`: importing and managing the watchlists
 * of a node's store.
 *
 *   tims watchlist import --store DIR --list NAME --kind KIND [--skip-bad]
 *                         [--replace] [--threshold T] [--format csv|jsonl] FILE
 *   tims watchlist list   --store DIR [--list NAME]
 *   tims watchlist remove --store DIR --list NAME (--ref REF | --all)
 *   tims watchlist stats  --store DIR
 *
 * Bad rows are reported on stderr as FILE:LINE: field: reason.
 *
 * A node's store (DIR/watchlists of a post or the centre) is changed by an
 * analyst and read by an analyst or supervisor logged in at that node, each
 * audited before it acts (wl_gate, docs/roles.md); a store outside any node
 * is a scratch store and needs no login.
 */
#include <jansson.h>

#include "cli.h"
#include "tims/bundle.h"
#include "tims/util.h"
#include "tims/watchlist.h"

#define BAD_ROWS_SHOWN 50

struct opts {
	const char *store, *list, *kind, *format, *ref, *file, *threshold;
	bool skip_bad, replace, all, dry_run;
};

/* Options shared by the sub-commands; a table, so each says what it takes. */
struct opt_def {
	const char *name;
	bool has_arg;
	size_t off; /* offset of the const char * or bool in struct opts */
};

#define O_STR(f) offsetof(struct opts, f)
static const struct opt_def opt_defs[] = {
	{ "--store", true, O_STR(store) },
	{ "--list", true, O_STR(list) },
	{ "--kind", true, O_STR(kind) },
	{ "--format", true, O_STR(format) },
	{ "--ref", true, O_STR(ref) },
	{ "--threshold", true, O_STR(threshold) },
	{ "--skip-bad", false, O_STR(skip_bad) },
	{ "--replace", false, O_STR(replace) },
	{ "--all", false, O_STR(all) },
	{ "--dry-run", false, O_STR(dry_run) },
};

/* The store's node: an account of `roles` logged in there and the command
 * audited; nothing for a scratch store (cli_store_node). */
static int wl_gate(const char *cmd, const struct opts *o, unsigned roles, const char *action,
		   struct cli_actor *who)
{
	char node[4096];
	int rc;

	memset(who, 0, sizeof(*who)); /* a scratch store: no actor */
	if ((rc = cli_store_node(cmd, o->store, node, sizeof(node))) || !node[0])
		return rc;
	return cli_gate(cmd, node, roles, action, "",
			json_pack("{s:s*, s:s*, s:s*, s:b}", "list", o->list, "ref", o->ref,
				  "file", o->file, "all", o->all), who);
}

static int parse_opts(const char *cmd, int argc, char **argv, struct opts *o,
		      const char *usage)
{
	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argc; i++) {
		const struct opt_def *d = NULL;

		for (size_t k = 0; k < TIMS_ARRAY_SIZE(opt_defs); k++)
			if (!strcmp(argv[i], opt_defs[k].name))
				d = &opt_defs[k];
		if (d && d->has_arg) {
			if (i + 1 >= argc)
				return cli_error(CLI_USAGE, cmd, _("%s needs a value"), argv[i]);
			*(const char **)((char *)o + d->off) = argv[++i];
		} else if (d) {
			*(bool *)((char *)o + d->off) = true;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fputs(usage, stderr);
			return cli_error(CLI_USAGE, cmd, _("unknown option '%s'"), argv[i]);
		} else if (!o->file) {
			o->file = argv[i];
		} else {
			return cli_error(CLI_USAGE, cmd, _("unexpected argument '%s'"), argv[i]);
		}
	}
	if (!o->store)
		return cli_error(CLI_USAGE, cmd, _("--store DIR is required"));
	return CLI_OK;
}

/* The node directory a store belongs to: the parent of DIR/watchlists. */
static void node_dir_of(const char *store, char *out, size_t cap)
{
	size_t n;
	char *slash;

	snprintf(out, cap, "%s", store);
	for (n = strlen(out); n > 1 && out[n - 1] == '/'; n--)
		out[n - 1] = '\0';
	slash = strrchr(out, '/');
	if (!slash)
		snprintf(out, cap, ".");
	else if (slash == out)
		out[1] = '\0';
	else
		*slash = '\0';
}

/* Lists distributed by the centre are changed at the centre only
 * (docs/watchlists.md, "Centre and local lists"): refused here, naming the
 * list and why, the attempt audited as refused (403) with the officer
 * logged in. Otherwise the gate of a change (wl_gate). */
static int wl_gate_change(const char *cmd, const struct opts *o, const char *action,
			  struct cli_actor *who)
{
	char dir[4096], node[4096];
	struct tims_bundle_held h;
	int rc;

	node_dir_of(o->store, dir, sizeof(dir));
	if (!tims_bundle_is_centre_list(dir, o->list))
		return wl_gate(cmd, o, TIMS_ROLE_ANALYST, action, who);
	memset(who, 0, sizeof(*who));
	if ((rc = cli_store_node(cmd, o->store, node, sizeof(node))))
		return rc;
	if (node[0]) {
		json_t *j = json_pack("{s:s, s:s*, s:s}", "list", o->list, "ref", o->ref,
				      "refused", "a list of the centre");
		char *q = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

		json_decref(j);
		rc = !q ? cli_error(CLI_USAGE, cmd, _("out of memory")) :
		     cli_authenticate(cmd, node, TIMS_ROLE_ANALYST, who);
		if (!rc)
			rc = cli_audit_status(who, cmd, action, "", q, 403);
		free(q);
		if (rc)
			return rc;
	}
	if (tims_bundle_held_get(dir, "watchlist", o->list, &h, NULL))
		h.version = 0;
	return cli_error(CLI_FAIL, cmd, _("list %s is distributed by the centre (version %" PRIu64
			 " held at this post): it is changed at the centre only, never at a "
			 "post; a copy changed here is detected and repaired from the centre"),
			 o->list, h.version);
}

struct bad_ctx {
	const char *file;
	size_t shown, total;
};

static void on_bad(void *ctx, size_t line, const char *msg)
{
	struct bad_ctx *b = ctx;

	b->total++;
	if (b->shown++ < BAD_ROWS_SHOWN)
		fprintf(stderr, _("tims watchlist import: %s:%zu: %s\n"), b->file, line, msg);
}

static const char import_usage[] =
	N_("usage: tims watchlist import --store DIR --list NAME --kind KIND [options] FILE\n\n"
	"Imports a CSV file (header row) or JSON Lines into a list. KIND is persons,\n"
	"documents or vehicles (docs/watchlists.md lists the fields). Each bad row\n"
	"is reported as FILE:LINE: field: reason. A list distributed by the centre\n"
	"is refused at a post: it is changed at the centre only.\n\n"
	"  --skip-bad       store the good rows (default: one bad row, nothing stored)\n"
	"  --replace        entries absent from FILE are removed from the list\n"
	"  --threshold T    score (0-1) from which a person is a hit on this list\n"
	"  --format F       csv or jsonl (default: from the file name, else csv)\n"
	"  --dry-run        check every row, store nothing\n");

static void import_progress(void *ctx, size_t rows)
{
	cli_progress_update(ctx, rows);
}

static int wl_import(int argc, char **argv)
{
	struct cli_progress bar;
	struct cli_actor who;
	struct tims_wl_import_opts io;
	struct tims_wl_import_result res;
	struct bad_ctx bc = { NULL, 0, 0 };
	struct tims_buf data;
	struct tims_wl *wl;
	struct tims_err err;
	struct opts o;
	const char *dot;
	int st;
	tims_rc rc;

	if (cli_wants_help(argc, argv)) {
		fputs(_(import_usage), stdout);
		return CLI_OK;
	}
	if ((st = parse_opts("watchlist import", argc, argv, &o, import_usage)))
		return st;
	if (!o.list || !o.kind || !o.file)
		return cli_error(CLI_USAGE, "watchlist import", _("--list, --kind and FILE are required"));
	memset(&io, 0, sizeof(io));
	io.list = o.list;
	io.kind = tims_wl_kind_parse(o.kind);
	if (!io.kind)
		return cli_error(CLI_USAGE, "watchlist import",
				 _("--kind: '%s' is not persons, documents or vehicles"), o.kind);
	dot = strrchr(o.file, '.');
	io.format = o.format ? (!strcmp(o.format, "jsonl") ? TIMS_WL_JSONL :
				!strcmp(o.format, "csv") ? TIMS_WL_CSV : 0)
			     : (dot && (!strcmp(dot, ".jsonl") || !strcmp(dot, ".json")) ?
				TIMS_WL_JSONL : TIMS_WL_CSV);
	if (!io.format)
		return cli_error(CLI_USAGE, "watchlist import", _("--format: csv or jsonl"));
	io.skip_bad = o.skip_bad;
	io.replace = o.replace;
	io.threshold = -1;
	if (o.threshold && tims_screen_parse_threshold(o.threshold, &io.threshold,
						       "--threshold", &err))
		return cli_error(CLI_USAGE, "watchlist import", "%s", err.msg);
	if (tims_read_file(o.file, TIMS_WL_IMPORT_MAX, &data, &err))
		return cli_error(CLI_USAGE, "watchlist import", "%s", tims_err_msg(&err));
	bc.file = o.file;
	if (o.dry_run) {
		tims_err_clear(&err);
		rc = tims_wl_validate(io.kind, io.format, data.buf, data.len, on_bad, &bc,
				      &res, &err);
		tims_buf_release(&data);
		if (rc)
			return cli_error(rc == TIMS_ERR_INVALID ? CLI_FAIL : CLI_USAGE,
					 "watchlist import", "%s", tims_err_msg(&err));
		printf(_("%s: %zu rows, all good (dry run: nothing stored)\n"), o.file, res.rows);
		return CLI_OK;
	}
	if ((st = wl_gate_change("watchlist import", &o, "cli.watchlist.import", &who))) {
		tims_buf_release(&data);
		return st;
	}
	if (tims_wl_open(o.store, true, &wl, &err)) {
		tims_buf_release(&data);
		return cli_error(CLI_USAGE, "watchlist import", "%s", tims_err_msg(&err));
	}
	bc.file = o.file;
	tims_wl_set_actor(wl, who.who.id, false); /* recorded with the new version */
	tims_err_clear(&err);
	cli_progress_start(&bar, _("rows imported"), 0);
	io.progress = import_progress;
	io.progress_ctx = &bar;
	rc = tims_wl_import(wl, &io, data.buf, data.len, on_bad, &bc, &res, &err);
	cli_progress_done(&bar, res.rows);
	tims_buf_release(&data);
	tims_wl_close(wl);
	if (bc.total > BAD_ROWS_SHOWN)
		fprintf(stderr, _("tims watchlist import: ... and %zu more bad rows\n"),
			bc.total - BAD_ROWS_SHOWN);
	if (rc)
		return cli_error(rc == TIMS_ERR_INVALID ? CLI_FAIL : CLI_USAGE,
				 "watchlist import", "%s", tims_err_msg(&err));
	printf(_("list %s (%s) version %" PRIu64 ": %zu rows, %zu stored, %zu unchanged, "
	       "%zu removed, %zu bad skipped\n"), o.list, tims_wl_kind_name(io.kind),
	       res.version, res.rows, res.stored, res.unchanged, res.removed, res.bad);
	return CLI_OK;
}

static const char list_usage[] =
	N_("usage: tims watchlist list --store DIR [--list NAME]\n\n"
	"Without --list: every list with its kind, version, entry counts, the\n"
	"version's digest (its first 12 hex digits; docs/bundles.md, \"Lineage\")\n"
	"and its origin: centre (distributed by the centre: changed there only) or\n"
	"local (this store's own).\n"
	"With --list: the list's active entries as JSON Lines.\n");

static int wl_list(int argc, char **argv)
{
	struct cli_actor who;
	struct tims_wl *wl;
	struct tims_err err;
	struct opts o;
	int st;

	if (cli_wants_help(argc, argv)) {
		fputs(_(list_usage), stdout);
		return CLI_OK;
	}
	if ((st = parse_opts("watchlist list", argc, argv, &o, list_usage)) ||
	    (st = wl_gate("watchlist list", &o, TIMS_ROLE_ANALYST | TIMS_ROLE_SUPERVISOR,
			  "cli.watchlist.list", &who)))
		return st;
	if (tims_wl_open(o.store, false, &wl, &err))
		return cli_error(CLI_USAGE, "watchlist list", "%s", tims_err_msg(&err));
	if (o.list) {
		struct tims_buf out = TIMS_BUF_INIT(TIMS_WL_IMPORT_MAX);

		tims_err_clear(&err);
		if (tims_wl_dump(wl, o.list, &out, &err)) {
			tims_wl_close(wl);
			tims_buf_release(&out);
			return cli_error(err.rc == TIMS_ERR_NOTFOUND ? CLI_FAIL : CLI_USAGE,
					 "watchlist list", "%s", tims_err_msg(&err));
		}
		fwrite(tims_buf_str(&out), 1, out.len, stdout);
		tims_buf_release(&out);
	} else {
		struct tims_wl_list_info *v;
		size_t n;

		if (tims_wl_lists(wl, &v, &n, &err)) {
			tims_wl_close(wl);
			return cli_error(CLI_USAGE, "watchlist list", "%s", tims_err_msg(&err));
		}
		char dir[4096];

		node_dir_of(o.store, dir, sizeof(dir));
		printf("%-24s %-10s %8s %9s %8s %9s  %-12s  %s\n", _("list"), _("kind"), _("version"),
		       _("active"), _("removed"), _("threshold"), _("digest"), _("origin"));
		for (size_t i = 0; i < n; i++) {
			/* the version's digest (docs/bundles.md, "Lineage"), its first
			 * 12 hex digits as a post's status shows them */
			struct tims_wl_digest d;
			char hex[13] = "?";

			if (!tims_wl_digest(wl, v[i].name, &d, NULL))
				for (int k = 0; k < 6; k++)
					snprintf(hex + 2 * k, 3, "%02x", d.digest[k]);
			/* origin: the centre's (changed there only) or this store's own */
			printf("%-24s %-10s %8" PRIu64 " %9zu %8zu %9.2f  %-12s  %s\n", v[i].name,
			       tims_wl_kind_name(v[i].kind), v[i].version, v[i].active,
			       v[i].removed, v[i].threshold, hex,
			       tims_bundle_is_centre_list(dir, v[i].name) ? _("centre") : _("local"));
		}
		free(v);
	}
	tims_wl_close(wl);
	return CLI_OK;
}

static const char remove_usage[] =
	N_("usage: tims watchlist remove --store DIR --list NAME (--ref REF | --all)\n\n"
	"Removes one entry or every entry of a list. The list's version goes up and\n"
	"the removal is kept (a tombstone) so that posts receive it as a change.\n"
	"A list distributed by the centre is refused at a post: it is changed at\n"
	"the centre only.\n");

static int wl_remove(int argc, char **argv)
{
	struct cli_actor who;
	struct tims_wl *wl;
	struct tims_err err;
	struct opts o;
	size_t removed;
	uint64_t version;
	int st;

	if (cli_wants_help(argc, argv)) {
		fputs(_(remove_usage), stdout);
		return CLI_OK;
	}
	if ((st = parse_opts("watchlist remove", argc, argv, &o, remove_usage)))
		return st;
	if (!o.list || (!o.ref == !o.all))
		return cli_error(CLI_USAGE, "watchlist remove",
				 _("--list and one of --ref REF or --all are required"));
	if ((st = wl_gate_change("watchlist remove", &o, "cli.watchlist.remove", &who)))
		return st;
	if (tims_wl_open(o.store, false, &wl, &err))
		return cli_error(CLI_USAGE, "watchlist remove", "%s", tims_err_msg(&err));
	tims_wl_set_actor(wl, who.who.id, false); /* recorded with the new version */
	tims_err_clear(&err);
	if (tims_wl_remove(wl, o.list, o.all ? NULL : o.ref, &removed, &version, &err)) {
		tims_wl_close(wl);
		return cli_error(err.rc == TIMS_ERR_NOTFOUND ? CLI_FAIL : CLI_USAGE,
				 "watchlist remove", "%s", tims_err_msg(&err));
	}
	tims_wl_close(wl);
	printf(_("list %s version %" PRIu64 ": %zu removed\n"), o.list, version, removed);
	return CLI_OK;
}

static const char stats_usage[] =
	N_("usage: tims watchlist stats --store DIR\n\n"
	"Loads every list into the screening index and prints, as JSON, the lists,\n"
	"the index's size (persons, names, tokens, keys, postings, identifiers,\n"
	"bytes) and how long loading took.\n");

static int wl_stats(int argc, char **argv)
{
	struct tims_screen_index_stats ixs;
	struct tims_screen_index *ix;
	struct tims_wl_list_info *v;
	struct timespec t0, t1;
	struct tims_wl *wl;
	struct tims_err err;
	struct opts o;
	json_t *out, *lists;
	char dir[4096];
	size_t n;
	char *s;
	int st;

	if (cli_wants_help(argc, argv)) {
		fputs(_(stats_usage), stdout);
		return CLI_OK;
	}
	if ((st = parse_opts("watchlist stats", argc, argv, &o, stats_usage)))
		return st;
	if (tims_wl_open(o.store, false, &wl, &err))
		return cli_error(CLI_USAGE, "watchlist stats", "%s", tims_err_msg(&err));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (tims_wl_lists(wl, &v, &n, &err) || tims_wl_load_index(wl, &ix, &err)) {
		tims_wl_close(wl);
		return cli_error(CLI_USAGE, "watchlist stats", "%s", tims_err_msg(&err));
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	tims_screen_index_stats(ix, &ixs);
	out = json_object();
	lists = json_array();
	node_dir_of(o.store, dir, sizeof(dir));
	for (size_t i = 0; i < n; i++)
		json_array_append_new(lists, json_pack("{s:s, s:s, s:I, s:I, s:I, s:f, s:s}",
			"list", v[i].name, "kind", tims_wl_kind_name(v[i].kind),
			"version", (json_int_t)v[i].version, "active", (json_int_t)v[i].active,
			"removed", (json_int_t)v[i].removed, "threshold", v[i].threshold,
			"origin", tims_bundle_is_centre_list(dir, v[i].name) ? "centre" : "local"));
	json_object_set_new(out, "lists", lists);
	json_object_set_new(out, "index", json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f}",
		"persons", (json_int_t)ixs.persons, "names", (json_int_t)ixs.names,
		"tokens", (json_int_t)ixs.tokens, "keys", (json_int_t)ixs.keys,
		"postings", (json_int_t)ixs.postings, "identifiers", (json_int_t)ixs.idents,
		"bytes", (json_int_t)ixs.bytes,
		"load_ms", (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
			   (double)(t1.tv_nsec - t0.tv_nsec) / 1e6));
	s = json_dumps(out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (s)
		puts(s);
	free(s);
	json_decref(out);
	free(v);
	tims_screen_index_free(ix);
	tims_wl_close(wl);
	return s ? CLI_OK : CLI_USAGE;
}

static const struct cli_command wl_commands[] = {
	{ "import", wl_import, "import a CSV or JSON Lines file into a list" },
	{ "list", wl_list, "the lists, or one list's entries" },
	{ "remove", wl_remove, "remove an entry or a whole list's entries" },
	{ "stats", wl_stats, "load the screening index and print its size" },
};

static const char wl_usage[] =
	N_("usage: tims watchlist <command> --store DIR [<args>]\n\n"
	"Commands:\n"
	"  import   import a CSV or JSON Lines file into a list\n"
	"  list     the lists, or one list's entries (--list NAME)\n"
	"  remove   remove an entry (--ref) or all entries (--all) of a list\n"
	"  stats    load the screening index and print its size\n\n"
	"Formats: docs/watchlists.md. 'tims watchlist <command> --help' for options.\n"
	"On a node's store (DIR/watchlists of a post or the centre), import and\n"
	"remove need an analyst logged in at the node (tims login), list an analyst\n"
	"or a supervisor; each is audited. A store outside any node needs no login.\n");

int cmd_watchlist(int argc, char **argv)
{
	return cli_dispatch("watchlist", wl_commands, TIMS_ARRAY_SIZE(wl_commands),
			    wl_usage, argc, argv);
}
