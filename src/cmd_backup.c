/*
 * cmd_backup.c — `tims backup` and `tims restore`: a node's whole directory
 * copied while it serves, and put back into an empty directory and verified.
 *
 *   tims backup DIR --out PATH
 *   tims restore PATH --to DIR [--kind post|centre|witness] [--expect SHA256]
 *                [--offline]
 *
 * (Not `tims post restore DIR --from-centre`, which rebuilds a post's log
 * from the centre's mirror when no backup of the post is left.)
 *
 * restore verifies what it restored with the node's own checks: the logs
 * recomputed leaf by leaf against their signed checkpoints, the cosignatures
 * the node keeps against those checkpoints, the officer store opened, every
 * watchlist's content digest recomputed from its rows. Exit 0 when all of it
 * holds, 1 when a check failed or the backup was refused (altered, of another
 * kind), 2 for usage and I/O errors.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "serve_sandbox.h"
#include "tims/audit.h"
#include "tims/backup.h"
#include "tims/centre.h"
#include "tims/cstore.h"
#include "tims/officer.h"
#include "tims/post.h"
#include "tims/sync.h"
#include "tims/util.h"
#include "tims/watchlist.h"
#include "tims/witness.h"

static const char backup_usage[] =
	N_("usage: tims backup DIR --out PATH\n"
	"\n"
	"Copy the node in DIR (a post, the centre or a witness: found from what it\n"
	"holds) into the new directory PATH (mode 0700, files 0600), while the node\n"
	"serves. Each SQLite database is copied through SQLite's online backup API\n"
	"(a consistent snapshot of it); every other file of DIR byte for byte. PATH\n"
	"gets a MANIFEST: the node's kind and name, the TIMS version, each\n"
	"database's schema version, each log's latest signed size and root, each\n"
	"file's SHA-256. The last line printed is the MANIFEST's own SHA-256: write\n"
	"it down apart from the backup and give it to tims restore --expect.\n"
	"\n"
	"What the backup holds: every record's personal data sealed under the\n"
	"vault (the key-encryption key stays in the token, which is not copied);\n"
	"in clear: the logs' leaf hashes, times, directions and decisions, the\n"
	"configuration, certificates and any private key DIR keeps as a file\n"
	"(TLS keys, ca.key when not in a token). Keep it as the key backup is kept.\n"
	"A centre whose query store is PostgreSQL: that store is not in the backup\n"
	"(pg_dump it, or rebuild it from the mirrors with tims centre reindex).\n");

static const char restore_usage[] =
	N_("usage: tims restore PATH --to DIR [--kind post|centre|witness] [--expect SHA256]\n"
	"                    [--offline]\n"
	"\n"
	"Check the backup PATH made by tims backup (every file against its MANIFEST;\n"
	"--expect: the MANIFEST against the SHA-256 the backup printed; --kind: the\n"
	"kind of node wanted), copy it into DIR (made if missing; it must be empty),\n"
	"then verify the node restored: its logs recomputed and equal to their\n"
	"signed checkpoints, the cosignatures it keeps (centre, witnesses) over\n"
	"those checkpoints, its officer store opened, every watchlist's content\n"
	"digest recomputed from its rows; at the centre each post's mirror verified\n"
	"and the query store brought level with the mirrors. Needs the node's token\n"
	"(TIMS_TOKEN, as for serving). Prints each check; exit 1 if any failed.\n"
	"\n"
	"A post is then compared with its peers: the centre it is enrolled with and\n"
	"each witness of witnesses.conf are asked how much of its crossings and\n"
	"audit logs they have seen (nothing is changed at them). A peer that has\n"
	"seen more than the backup holds means an old backup, which would fork the\n"
	"log at the first crossing: it fails, and the post must be rebuilt from the\n"
	"centre instead (tims post restore DIR --from-centre). A peer that cannot\n"
	"be asked fails too, unless --offline: restore then says that the backup was\n"
	"not compared, and the first sync is the first check.\n"
	"\n"
	"This is not `tims post restore DIR --from-centre`, which rebuilds a post's\n"
	"log from the centre's mirror when no backup of it is left.\n");

static void print_line(void *ctx, const char *line)
{
	(void)ctx;
	printf("%s\n", line);
}

static int bk_main(int argc, char **argv)
{
	struct tims_backup_manifest m;
	uint8_t sha[32];
	char hex[65];
	struct tims_err err;
	tims_rc rc;

	if (cli_wants_help(argc, argv)) {
		fputs(_(backup_usage), stdout);
		return CLI_OK;
	}
	if (argc != 4 || strcmp(argv[2], "--out"))
		return cli_error(CLI_USAGE, "backup", _("want DIR --out PATH"));
	rc = tims_backup_take(argv[1], argv[3], print_line, NULL, &m, sha, &err);
	if (rc)
		return cli_error(CLI_USAGE, "backup", "%s", err.msg);
	if (m.kind == TIMS_BACKUP_CENTRE) {
		char store[600] = "";
		FILE *f;
		char p[4200], line[600];

		snprintf(p, sizeof(p), "%s/config", argv[1]);
		if ((f = fopen(p, "r"))) {
			while (fgets(line, sizeof(line), f))
				if (!strncmp(line, "store = ", 8))
					snprintf(store, sizeof(store), "%s", line + 8);
			fclose(f);
		}
		store[strcspn(store, "\n")] = '\0';
		if (store[0] && strcmp(store, "sqlite"))
			printf(_("the query store is PostgreSQL: NOT in this backup; pg_dump it, or "
			       "rebuild it from the mirrors after a restore (tims centre reindex)\n"));
	}
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", sha[i]);
	printf(_("backup of %s %s: %zu files, %zu logs, in %s\n"), tims_backup_kind_name(m.kind),
	       m.name, m.nfiles, m.nlogs, argv[3]);
	printf("manifest sha256 %s\n", hex); /* i18n: machine (restore --expect reads it) */
	tims_backup_manifest_release(&m);
	return CLI_OK;
}

/* ---- verification of a restored node ---------------------------------- */

struct vstate {
	const char *dir;
	unsigned failed;
};

static void check(struct vstate *v, int ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void check(struct vstate *v, int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s ", ok ? _("ok  ") : _("FAIL"));
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!ok)
		v->failed++;
}

static int has(const char *dir, const char *name)
{
	char p[4200];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

/* The logs the manifest recorded are the logs restored. */
static void verify_manifest_logs(struct vstate *v, const struct tims_backup_manifest *m,
				 const char *db, uint64_t size)
{
	for (size_t i = 0; i < m->nlogs; i++)
		if (!strcmp(m->logs[i].path, db))
			check(v, m->logs[i].size == size,
			      "%s: the log holds %" PRIu64 " signed records, the MANIFEST says %" PRIu64,
			      db, size, m->logs[i].size);
}

/* The node starts only with an audit log at least as long as the one its
 * own database records as published (lib/audit/published.c). */
static void verify_published(struct vstate *v, const char *db_file, uint64_t events)
{
	struct tims_err err;
	uint64_t size;

	if (tims_backup_audit_published(v->dir, db_file, &size, &err))
		check(v, 0, "%s: the audit checkpoint published: %s", db_file, err.msg);
	else
		check(v, events >= size, "audit.db holds %" PRIu64 " events, %s records %" PRIu64
		      " published", events, db_file, size);
}

static void verify_post(struct vstate *v, const struct tims_backup_manifest *m)
{
	struct tims_post_verify_stats st;
	struct tims_post *p = NULL;
	struct tims_err err;
	uint64_t n, bad;
	tims_rc rc;

	if ((rc = tims_post_open(v->dir, TIMS_POST_READ, &p, &err))) {
		check(v, 0, "post.db opens: %s", err.msg);
		return;
	}
	rc = tims_post_verify(p, print_line, NULL, &st, &err);
	check(v, !rc && !st.findings,
	      "post.db: %" PRIu64 " records recomputed, %" PRIu64 " checkpoints checked, "
	      "largest signed %" PRIu64 "%s%s", st.records, st.checkpoints, st.signed_size,
	      rc ? ": " : "", rc ? err.msg : "");
	tims_post_free(p);
	verify_manifest_logs(v, m, "post.db", st.signed_size);
	if ((rc = tims_backup_check_cosigned(v->dir, print_line, NULL, &n, &bad, &err)))
		check(v, 0, "cosignatures kept: %s", err.msg);
	else
		check(v, !bad, "cosignatures kept (centre, witnesses): %" PRIu64 " over the log's "
		      "own checkpoints, %" PRIu64 " not", n - bad, bad);
	if (has(v->dir, "audit.db")) {
		struct tims_audit_verify_stats as;
		struct tims_audit *a = NULL;

		if ((rc = tims_audit_open(v->dir, TIMS_AUDIT_READ, &a, &err))) {
			check(v, 0, "audit.db opens: %s", err.msg);
		} else {
			rc = tims_audit_verify(a, print_line, NULL, &as, &err);
			check(v, !rc && !as.findings,
			      "audit.db: %" PRIu64 " events recomputed, %" PRIu64 " checkpoints checked%s%s",
			      as.events, as.checkpoints, rc ? ": " : "", rc ? err.msg : "");
			tims_audit_free(a);
			verify_published(v, "post.db", rc ? 0 : as.events);
		}
	}
}

/* An old backup is consistent in itself: only the centre and the witnesses
 * can tell that they have seen more of the post's logs than it holds. */
static void verify_peers(struct vstate *v, int offline)
{
	struct tims_backup_online res = { 0 };
	struct tims_err err;

	if (offline) {
		printf(_("--   --offline: not compared with the centre or the witnesses; an old "
		       "backup is found at the first sync (the post then stops)\n"));
		return;
	}
	if (tims_backup_check_online(v->dir, print_line, NULL, &res, &err)) {
		check(v, 0, "compared with the centre and the witnesses: %s", err.msg);
		return;
	}
	v->failed += (unsigned)(res.findings + res.unreachable);
	if (res.unreachable)
		printf(_("--   %" PRIu64 " of %" PRIu64 " comparisons could not be made: run restore "
		       "again when the peers answer, or with --offline to restore without them\n"),
		       res.unreachable, res.checked);
}

static int count_officer(void *ctx, const struct tims_officer *o)
{
	(void)o;
	(*(uint64_t *)ctx)++;
	return 0;
}

static void verify_officers(struct vstate *v)
{
	struct tims_officers *o = NULL;
	struct tims_err err;
	uint64_t n = 0;

	if (!has(v->dir, "node.db")) {
		printf(_("--   no officer store (node.db) in this directory\n"));
		return;
	}
	if (tims_officers_open_dir(v->dir, TIMS_PW_COST_TEST, &o, &err)) {
		check(v, 0, "officer store opens: %s", err.msg);
		return;
	}
	if (tims_officer_list(o, count_officer, &n, &err))
		check(v, 0, "officer store: %s", err.msg);
	else
		check(v, 1, "officer store opens: %" PRIu64 " accounts", n);
	tims_officers_close_dir(o);
}

static void verify_watchlists(struct vstate *v)
{
	struct tims_wl_list_info *lists = NULL;
	struct tims_wl *wl = NULL;
	struct tims_err err;
	char dir[4200];
	size_t n = 0;

	if (!has(v->dir, "watchlists/watchlists.db")) {
		printf(_("--   no watchlist store in this directory\n"));
		return;
	}
	snprintf(dir, sizeof(dir), "%s/watchlists", v->dir);
	if (tims_wl_open(dir, false, &wl, &err) || tims_wl_lists_brief(wl, &lists, &n, &err)) {
		check(v, 0, "watchlists.db opens: %s", err.msg);
		tims_wl_close(wl);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t kept[32], again[32];
		tims_rc rc = tims_wl_content_hash(wl, lists[i].name, kept, &err);

		if (!rc)
			rc = tims_wl_content_recompute(wl, lists[i].name, again, &err);
		check(v, !rc && !memcmp(kept, again, 32),
		      "watchlist %s version %" PRIu64 ": content digest recomputed from its rows%s%s",
		      lists[i].name, lists[i].version, rc ? ": " : " equals the one recorded",
		      rc ? err.msg : "");
	}
	if (!n)
		printf(_("--   the watchlist store holds no list\n"));
	free(lists);
	tims_wl_close(wl);
}

struct centre_v {
	struct vstate *v;
	struct tims_centre *c;
	const struct tims_backup_manifest *m;
};

static tims_rc verify_mirror(void *ctx, const struct tims_centre_post *p)
{
	struct centre_v *cv = ctx;
	struct tims_sync_mirror *mi;
	struct tims_cstore_extent ext;
	struct tims_err err;
	uint64_t findings = 0;
	tims_rc rc;

	if ((rc = tims_centre_mirror(cv->c, p->origin, &mi, &err)) ||
	    (rc = tims_sync_mirror_verify(mi, print_line, NULL, &findings, &err))) {
		check(cv->v, 0, "mirror of %s: %s", p->origin, err.msg);
		return TIMS_OK;
	}
	check(cv->v, !findings, "mirror of %s: %" PRIu64 " records recomputed against its "
	      "signed checkpoints%s", p->origin, p->size, findings ? ": FINDINGS above" : "");
	if (tims_cstore_missing(tims_centre_store(cv->c), p->origin, p->size, NULL, NULL, &ext, &err))
		check(cv->v, 0, "query store for %s: %s", p->origin, err.msg);
	else
		check(cv->v, !ext.missing && !ext.beyond,
		      "query store for %s: %" PRIu64 " records, %" PRIu64 " missing, %" PRIu64
		      " beyond the mirror", p->origin, ext.held, ext.missing, ext.beyond);
	return TIMS_OK;
}

static void verify_centre(struct vstate *v, const struct tims_backup_manifest *m)
{
	struct centre_v cv = { v, NULL, m };
	struct tims_err err;
	uint64_t added = 0, events = 0;
	tims_rc rc;

	if (tims_centre_open(v->dir, &cv.c, &err)) {
		check(v, 0, "the centre opens: %s", err.msg);
		return;
	}
	/* The query store is derived from the mirrors and was copied before
	 * them: what the mirrors got since is added now. */
	rc = tims_centre_reindex(cv.c, &added, &err);
	check(v, !rc, "query store brought level with the mirrors: %" PRIu64 " records added%s%s",
	      added, rc ? ": " : "", rc ? err.msg : "");
	if ((rc = tims_centre_posts(cv.c, verify_mirror, &cv, &err)))
		check(v, 0, "the centre's posts: %s", err.msg);
	rc = tims_centre_audit_verify(cv.c, print_line, NULL, &events, &err);
	check(v, !rc, "the centre's audit log: %" PRIu64 " events recomputed%s%s", events,
	      rc ? ": " : "", rc ? err.msg : "");
	tims_centre_free(cv.c);
	verify_published(v, "centre.db", rc ? 0 : events);
}

static void verify_witness(struct vstate *v)
{
	struct tims_witness *w = NULL;
	struct tims_err err;
	uint64_t n, bad;

	if (tims_witness_open(v->dir, &w, &err)) {
		check(v, 0, "the witness opens: %s", err.msg);
		return;
	}
	tims_witness_free(w);
	if (tims_backup_check_witness(v->dir, print_line, NULL, &n, &bad, &err))
		check(v, 0, "witness.db: %s", err.msg);
	else
		check(v, !bad, "witness.db: %" PRIu64 " logs, each at the size and root of the "
		      "checkpoint it cosigned (%" PRIu64 " not)", n, bad);
}

static int rs_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "kind", required_argument, NULL, 'k' },
		{ "expect", required_argument, NULL, 'e' },
		{ "offline", no_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	enum tims_backup_kind want = TIMS_BACKUP_NONE;
	const char *to = NULL, *expect = NULL;
	struct tims_backup_manifest m;
	struct vstate v = { NULL, 0 };
	uint8_t sha[32];
	struct tims_err err;
	tims_rc rc;
	int c, offline = 0;

	if (cli_wants_help(argc, argv)) {
		fputs(_(restore_usage), stdout);
		return CLI_OK;
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 't') {
			to = optarg;
		} else if (c == 'e') {
			expect = optarg;
		} else if (c == 'o') {
			offline = 1;
		} else if (c == 'k') {
			for (int k = TIMS_BACKUP_POST; k <= TIMS_BACKUP_WITNESS; k++)
				if (!strcmp(optarg, tims_backup_kind_name((enum tims_backup_kind)k)))
					want = (enum tims_backup_kind)k;
			if (!want)
				return cli_error(CLI_USAGE, "restore", _("--kind: post, centre or witness"));
		} else {
			return cli_error(CLI_USAGE, "restore", _("unknown or incomplete option '%s'"),
					 argv[optind - 1]);
		}
	}
	if (!to || optind != argc - 1)
		return cli_error(CLI_USAGE, "restore", _("want PATH --to DIR"));
	if (expect && tims_hex_decode(expect, sha, 32, "--expect", &err))
		return cli_error(CLI_USAGE, "restore", "%s", err.msg);
	rc = tims_backup_restore(argv[optind], to, want, expect ? sha : NULL, &m, print_line, NULL,
				 &err);
	if (rc)
		return cli_error(rc == TIMS_ERR_TAMPER || rc == TIMS_ERR_STATE || rc == TIMS_ERR_INVALID
				 ? CLI_FAIL : CLI_USAGE, "restore", _("refused: %s"), err.msg);
	printf(_("restored into %s; verifying\n"), to);
	v.dir = to;
	switch (m.kind) {
	case TIMS_BACKUP_POST:
		verify_post(&v, &m);
		verify_officers(&v);
		verify_watchlists(&v);
		verify_peers(&v, offline);
		break;
	case TIMS_BACKUP_CENTRE:
		verify_centre(&v, &m);
		verify_officers(&v);
		verify_watchlists(&v);
		break;
	case TIMS_BACKUP_WITNESS:
		verify_witness(&v);
		break;
	default:
		break;
	}
	tims_backup_manifest_release(&m);
	/* the keys came back as files: into the key directory (the restored
	 * node's start would move them too) */
	if (serve_keys_jail("restore", to, 0))
		v.failed++;
	if (v.failed) {
		printf(_("restore: %u checks FAILED: do not serve from %s\n"), v.failed, to);
		return CLI_FAIL;
	}
	printf(_("restore: verified\n"));
	return CLI_OK;
}

int cmd_backup(int argc, char **argv)
{
	return bk_main(argc, argv);
}

int cmd_restore(int argc, char **argv)
{
	return rs_main(argc, argv);
}
