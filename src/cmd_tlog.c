/*
 * cmd_tlog.c — `tims tlog`: the auditor's toolkit for Merkle logs and
 * signed notes, usable by a third party that holds only public keys.
 *
 * Entries files hold one entry per line, written in hex (either case). An
 * empty line is the empty entry; the newline that ends the last line does
 * not start another entry, so "" is a log of 0 entries and "\n" a log of one
 * empty entry. Proof hashes are printed one per line, so that
 * `prove-inclusion ... | verify-inclusion ... -` round-trips.
 *
 * Exit status: 0 valid, 1 not valid (the reason on stderr), 2 usage or I/O.
 */
#include <sodium.h>
#include <sys/stat.h>

#include "cli.h"
#include "tims/note.h"
#include "tims/tlog.h"
#include "tims/util.h"

#define ENTRIES_MAX_BYTES (64u << 20)
#define ENTRIES_MAX_LEAVES (UINT64_C(1) << 22)
#define KEYFILE_MAX_BYTES 4096

static const char usage_family[] =
	N_("usage: tims tlog <command> [<args>]\n"
	"\n"
	"Merkle log tools for auditors: roots, proofs, signed notes\n"
	"(RFC 6962/9162 hashing, C2SP signed-note, tlog-checkpoint,\n"
	"tlog-cosignature).\n"
	"\n"
	"Commands:\n"
	"  root                size and root hash of an entries file\n"
	"  leaf-hash           the leaf hash of every entry\n"
	"  prove-inclusion     inclusion proof of one entry\n"
	"  prove-consistency   consistency proof between two tree sizes\n"
	"  verify-inclusion    check an inclusion proof\n"
	"  verify-consistency  check a consistency proof\n"
	"  keygen              make a signed-note key pair\n"
	"  sign-note           sign a note text\n"
	"  verify-note         check the signatures of a signed note\n"
	"\n"
	"Entries files: one entry per line in hex; an empty line is the empty\n"
	"entry. Exit status: 0 valid, 1 not valid (reason on stderr), 2 usage\n"
	"or I/O error. 'tims tlog COMMAND --help' shows a command's options.\n");

/* ---- argument helpers ---------------------------------------------- */

/*
 * If argv[*i] is `name` (then the value is the next argument) or
 * `name=VALUE`, set *val and return 1; -1 if the value is missing.
 */
static int opt_value(int argc, char **argv, int *i, const char *name,
		     const char **val)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return 0;
	if (argv[*i][n] == '=') {
		*val = argv[*i] + n + 1;
		return 1;
	}
	if (argv[*i][n] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*val = argv[++*i];
	return 1;
}

/* Exit status for a library result: input found wanting, or not. */
static int status_of(tims_rc rc)
{
	switch (rc) {
	case TIMS_OK:
		return CLI_OK;
	case TIMS_ERR_INVALID:
	case TIMS_ERR_TOOBIG:
	case TIMS_ERR_SIGNATURE:
	case TIMS_ERR_PROOF:
	case TIMS_ERR_TAMPER:
		return CLI_FAIL;
	default:
		return CLI_USAGE;
	}
}

static int parse_u64_arg(const char *cmd, const char *what, const char *s,
			 uint64_t *out)
{
	struct tims_err err;

	if (tims_parse_u64(s, UINT64_MAX, out, what, &err))
		return cli_error(CLI_USAGE, cmd, "%s", err.msg);
	return CLI_OK;
}

static int parse_hash_arg(const char *cmd, const char *what, const char *s,
			  tims_hash out, int status)
{
	struct tims_err err;

	if (tims_hex_decode(s, out, TIMS_HASH_BYTES, what, &err))
		return cli_error(status, cmd, "%s", err.msg);
	return CLI_OK;
}

static void print_hash(const tims_hash h)
{
	struct tims_buf b = TIMS_BUF_INIT(2 * TIMS_HASH_BYTES);

	if (tims_buf_addhex(&b, h, TIMS_HASH_BYTES) == TIMS_OK)
		puts(b.buf);
	tims_buf_release(&b);
}

/* ---- entries files -------------------------------------------------- */

/* Read FILE (NULL or "-": stdin) into m, one hex entry a line. */
static int load_entries(const char *cmd, const char *path,
			struct tims_tlog_mem *m)
{
	const char *name = path && strcmp(path, "-") ? path : "standard input";
	struct tims_buf b;
	struct tims_err err;
	uint8_t *entry;
	size_t pos = 0, line = 1;
	int status = CLI_OK;

	tims_tlog_mem_init(m, ENTRIES_MAX_LEAVES);
	if (tims_read_file(path, ENTRIES_MAX_BYTES, &b, &err))
		return cli_error(CLI_USAGE, cmd, "%s", err.msg);
	entry = malloc(b.len / 2 + 1);
	if (!entry) {
		tims_buf_release(&b);
		return cli_error(CLI_USAGE, cmd, _("out of memory"));
	}
	while (pos < b.len) {
		char *l = b.buf + pos, *nl = memchr(l, '\n', b.len - pos);
		size_t n = nl ? (size_t)(nl - l) : b.len - pos;
		tims_hash lh;
		char what[64];

		l[n] = '\0'; /* the newline, or the buffer's terminator */
		snprintf(what, sizeof(what), "%s: line %zu", name, line);
		if (n % 2) {
			status = cli_error(CLI_USAGE, cmd, _("%s: odd number of "
					   "hex digits (%zu)"), what, n);
			break;
		}
		if (n && tims_hex_decode(l, entry, n / 2, what, &err)) {
			status = cli_error(CLI_USAGE, cmd, "%s", err.msg);
			break;
		}
		tims_tlog_leaf_hash(entry, n / 2, lh);
		if (tims_tlog_mem_append(m, lh, &err)) {
			status = cli_error(CLI_USAGE, cmd, "%s: %s", name,
					   err.msg);
			break;
		}
		pos += n + 1;
		line++;
	}
	free(entry);
	tims_buf_release(&b);
	if (status)
		tims_tlog_mem_release(m);
	return status;
}

/* Options shared by the entries-file commands; one optional FILE. */
struct entries_args {
	const char *file;
	const char *opt[2];
	const char *names[2];
};

static int parse_entries_args(const char *cmd, int argc, char **argv,
			      struct entries_args *a)
{
	int i;

	for (i = 1; i < argc; i++) {
		int matched = 0;

		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		for (int k = 0; k < 2 && a->names[k] && !matched; k++) {
			int r = opt_value(argc, argv, &i, a->names[k], &a->opt[k]);

			if (r < 0)
				return cli_error(CLI_USAGE, cmd, _("%s: missing "
						 "value"), a->names[k]);
			matched = r;
		}
		if (matched)
			continue;
		if (argv[i][0] == '-' && argv[i][1])
			return cli_error(CLI_USAGE, cmd, _("unknown option %s"),
					 argv[i]);
		if (a->file)
			return cli_error(CLI_USAGE, cmd, _("one FILE at most, "
					 "got '%s' too"), argv[i]);
		a->file = argv[i];
	}
	if (i < argc && !a->file)
		a->file = argv[i++];
	if (i < argc)
		return cli_error(CLI_USAGE, cmd, _("unexpected argument '%s'"),
				 argv[i]);
	return CLI_OK;
}

static int cmd_root(int argc, char **argv)
{
	struct entries_args a = { NULL, { NULL, NULL }, { NULL, NULL } };
	struct tims_tlog_mem m;
	struct tims_tlog_reader r;
	struct tims_err err;
	tims_hash root;
	int st;

	if (cli_wants_help(argc, argv)) {
		puts(_("usage: tims tlog root [FILE]\n\n"
		     "Reads entries (one a line, in hex; an empty line is the "
		     "empty entry)\nfrom FILE or standard input and prints "
		     "\"size N\" and \"root HEX\"\n(RFC 6962 Merkle tree hash)."));
		return CLI_OK;
	}
	if ((st = parse_entries_args("tlog root", argc, argv, &a)) ||
	    (st = load_entries("tlog root", a.file, &m)))
		return st;
	tims_tlog_mem_reader(&m, &r);
	if (tims_tlog_tree_hash(m.size, &r, root, &err)) {
		tims_tlog_mem_release(&m);
		return cli_error(CLI_USAGE, "tlog root", "%s", err.msg);
	}
	printf("size %" PRIu64 "\nroot ", m.size); /* i18n: machine (the tree head's format) */
	print_hash(root);
	tims_tlog_mem_release(&m);
	return CLI_OK;
}

static int cmd_leaf_hash(int argc, char **argv)
{
	struct entries_args a = { NULL, { NULL, NULL }, { NULL, NULL } };
	struct tims_tlog_mem m;
	int st;

	if (cli_wants_help(argc, argv)) {
		puts(_("usage: tims tlog leaf-hash [FILE]\n\n"
		     "Prints the leaf hash SHA-256(0x00 || entry) of every entry "
		     "of FILE,\none a line, in hex."));
		return CLI_OK;
	}
	if ((st = parse_entries_args("tlog leaf-hash", argc, argv, &a)) ||
	    (st = load_entries("tlog leaf-hash", a.file, &m)))
		return st;
	for (uint64_t i = 0; i < m.size; i++)
		print_hash(m.hashes[tims_tlog_stored_index(0, i)]);
	tims_tlog_mem_release(&m);
	return CLI_OK;
}

static int cmd_prove_inclusion(int argc, char **argv)
{
	static const char cmd[] = "tlog prove-inclusion"; /* i18n: machine (a command name) */
	struct entries_args a = { NULL, { NULL, NULL }, { "--index", "--size" } };
	struct tims_tlog_mem m;
	struct tims_tlog_reader r;
	struct tims_err err;
	tims_hash proof[TIMS_TLOG_MAX_PROOF];
	uint64_t index, size;
	size_t len;
	int st;

	if (cli_wants_help(argc, argv)) {
		puts(_("usage: tims tlog prove-inclusion --index I [--size N] [FILE]\n\n"
		     "Prints the inclusion proof of entry I (0-based) in the tree "
		     "of the\nfirst N entries of FILE (default: all), one hash a "
		     "line."));
		return CLI_OK;
	}
	if ((st = parse_entries_args(cmd, argc, argv, &a)))
		return st;
	if (!a.opt[0])
		return cli_error(CLI_USAGE, cmd, _("missing --index"));
	if ((st = parse_u64_arg(cmd, "--index", a.opt[0], &index)) ||
	    (a.opt[1] && (st = parse_u64_arg(cmd, "--size", a.opt[1], &size))) ||
	    (st = load_entries(cmd, a.file, &m)))
		return st;
	if (!a.opt[1])
		size = m.size;
	if (size > m.size)
		st = cli_error(CLI_USAGE, cmd, _("--size: %" PRIu64 " is more "
			       "than the %" PRIu64 " entries"), size, m.size);
	else if (index >= size)
		st = cli_error(CLI_USAGE, cmd, _("--index: %" PRIu64 " is not "
			       "below the tree size %" PRIu64), index, size);
	if (!st) {
		tims_tlog_mem_reader(&m, &r);
		if (tims_tlog_prove_inclusion(index, size, &r, proof, &len, &err))
			st = cli_error(CLI_USAGE, cmd, "%s", err.msg);
		for (size_t i = 0; !st && i < len; i++)
			print_hash(proof[i]);
	}
	tims_tlog_mem_release(&m);
	return st;
}

static int cmd_prove_consistency(int argc, char **argv)
{
	static const char cmd[] = "tlog prove-consistency"; /* i18n: machine (a command name) */
	struct entries_args a = { NULL, { NULL, NULL }, { "--size1", "--size2" } };
	struct tims_tlog_mem m;
	struct tims_tlog_reader r;
	struct tims_err err;
	tims_hash proof[TIMS_TLOG_MAX_PROOF];
	uint64_t size1, size2;
	size_t len;
	int st;

	if (cli_wants_help(argc, argv)) {
		puts(_("usage: tims tlog prove-consistency --size1 M [--size2 N] [FILE]\n\n"
		     "Prints the consistency proof from the tree of the first M "
		     "entries of\nFILE to the tree of the first N (default: all), "
		     "one hash a line."));
		return CLI_OK;
	}
	if ((st = parse_entries_args(cmd, argc, argv, &a)))
		return st;
	if (!a.opt[0])
		return cli_error(CLI_USAGE, cmd, _("missing --size1"));
	if ((st = parse_u64_arg(cmd, "--size1", a.opt[0], &size1)) ||
	    (a.opt[1] && (st = parse_u64_arg(cmd, "--size2", a.opt[1], &size2))) ||
	    (st = load_entries(cmd, a.file, &m)))
		return st;
	if (!a.opt[1])
		size2 = m.size;
	if (size2 > m.size)
		st = cli_error(CLI_USAGE, cmd, _("--size2: %" PRIu64 " is more "
			       "than the %" PRIu64 " entries"), size2, m.size);
	else if (size1 > size2)
		st = cli_error(CLI_USAGE, cmd, _("--size1: %" PRIu64 " is larger "
			       "than size2 %" PRIu64), size1, size2);
	if (!st) {
		tims_tlog_mem_reader(&m, &r);
		if (tims_tlog_prove_consistency(size1, size2, &r, proof, &len, &err))
			st = cli_error(CLI_USAGE, cmd, "%s", err.msg);
		for (size_t i = 0; !st && i < len; i++)
			print_hash(proof[i]);
	}
	tims_tlog_mem_release(&m);
	return st;
}

/* ---- verifying proofs ----------------------------------------------- */

struct opt {
	const char *name;
	const char *val;
};

/*
 * Parse --name VALUE options from opts and proof hashes (positional, or "-"
 * for standard input, one a line) into proof.
 */
static int parse_verify_args(const char *cmd, int argc, char **argv,
			     struct opt *opts, size_t nopts, tims_hash *proof,
			     size_t *len)
{
	int dashdash = 0;

	*len = 0;
	for (int i = 1; i < argc; i++) {
		const char *p = argv[i];
		size_t k;

		if (!dashdash && !strcmp(p, "--")) {
			dashdash = 1;
			continue;
		}
		if (!dashdash && p[0] == '-' && p[1]) {
			for (k = 0; k < nopts; k++) {
				int r = opt_value(argc, argv, &i, opts[k].name,
						  &opts[k].val);

				if (r < 0)
					return cli_error(CLI_USAGE, cmd,
							 _("%s: missing value"),
							 opts[k].name);
				if (r)
					break;
			}
			if (k == nopts)
				return cli_error(CLI_USAGE, cmd,
						 _("unknown option %s"), p);
			continue;
		}
		if (!strcmp(p, "-")) {
			struct tims_buf b;
			struct tims_err err;
			size_t pos = 0, line = 1;

			if (tims_read_file(NULL, 1 << 16, &b, &err))
				return cli_error(CLI_USAGE, cmd, "%s", err.msg);
			while (pos < b.len) {
				char *l = b.buf + pos, *nl = memchr(l, '\n', b.len - pos);
				size_t n = nl ? (size_t)(nl - l) : b.len - pos;
				char what[64];

				l[n] = '\0';
				snprintf(what, sizeof(what), "standard input: "
					 "line %zu", line++);
				pos += n + 1;
				if (*len == TIMS_TLOG_MAX_PROOF) {
					tims_buf_release(&b);
					return cli_error(CLI_FAIL, cmd, _("not valid: "
							 "more than %d proof hashes"),
							 TIMS_TLOG_MAX_PROOF);
				}
				if (tims_hex_decode(l, proof[*len], TIMS_HASH_BYTES,
						    what, &err)) {
					tims_buf_release(&b);
					return cli_error(CLI_USAGE, cmd, "%s",
							 err.msg);
				}
				++*len;
			}
			tims_buf_release(&b);
			continue;
		}
		if (*len == TIMS_TLOG_MAX_PROOF)
			return cli_error(CLI_FAIL, cmd, _("not valid: more than "
					 "%d proof hashes"), TIMS_TLOG_MAX_PROOF);
		{
			char what[32];
			int st;

			snprintf(what, sizeof(what), "proof hash %zu", *len + 1);
			if ((st = parse_hash_arg(cmd, what, p, proof[*len],
						 CLI_USAGE)))
				return st;
			++*len;
		}
	}
	for (size_t k = 0; k < nopts; k++)
		if (!opts[k].val)
			return cli_error(CLI_USAGE, cmd, _("missing %s"),
					 opts[k].name);
	return CLI_OK;
}

static int cmd_verify_inclusion(int argc, char **argv)
{
	static const char cmd[] = "tlog verify-inclusion"; /* i18n: machine (a command name) */
	struct opt o[] = { { "--index", NULL }, { "--size", NULL },
			   { "--leaf-hash", NULL }, { "--root", NULL } };
	tims_hash proof[TIMS_TLOG_MAX_PROOF], leaf, root;
	uint64_t index, size;
	struct tims_err err;
	size_t len;
	int st;

	if (cli_wants_help(argc, argv)) {
		puts(_("usage: tims tlog verify-inclusion --index I --size N "
		     "--leaf-hash HEX --root HEX\n"
		     "                                [PROOF-HASH ... | -]\n\n"
		     "Checks that the leaf hash is entry I of the tree of size N "
		     "with that\nroot (RFC 9162 2.1.3.2). Hashes are 64 hex "
		     "digits; '-' reads the proof\nfrom standard input, one hash "
		     "a line. Exit 0 valid, 1 not valid."));
		return CLI_OK;
	}
	if ((st = parse_verify_args(cmd, argc, argv, o, 4, proof, &len)) ||
	    (st = parse_u64_arg(cmd, "--index", o[0].val, &index)) ||
	    (st = parse_u64_arg(cmd, "--size", o[1].val, &size)) ||
	    (st = parse_hash_arg(cmd, "--leaf-hash", o[2].val, leaf, CLI_USAGE)) ||
	    (st = parse_hash_arg(cmd, "--root", o[3].val, root, CLI_USAGE)))
		return st;
	if (tims_tlog_verify_inclusion(index, size, leaf, proof, len, root, &err))
		return cli_error(CLI_FAIL, cmd, _("not valid: %s"), err.msg);
	printf(_("valid: leaf %" PRIu64 " is in the tree of size %" PRIu64 "\n"),
	       index, size);
	return CLI_OK;
}

static int cmd_verify_consistency(int argc, char **argv)
{
	static const char cmd[] = "tlog verify-consistency"; /* i18n: machine (a command name) */
	struct opt o[] = { { "--size1", NULL }, { "--size2", NULL },
			   { "--root1", NULL }, { "--root2", NULL } };
	tims_hash proof[TIMS_TLOG_MAX_PROOF], root1, root2;
	uint64_t size1, size2;
	struct tims_err err;
	size_t len;
	int st;

	if (cli_wants_help(argc, argv)) {
		puts(_("usage: tims tlog verify-consistency --size1 M --size2 N "
		     "--root1 HEX --root2 HEX\n"
		     "                                  [PROOF-HASH ... | -]\n\n"
		     "Checks that the tree of size M with root1 is a prefix of "
		     "the tree of\nsize N with root2 (RFC 9162 2.1.4.2). '-' "
		     "reads the proof from standard\ninput. Exit 0 valid, 1 not "
		     "valid."));
		return CLI_OK;
	}
	if ((st = parse_verify_args(cmd, argc, argv, o, 4, proof, &len)) ||
	    (st = parse_u64_arg(cmd, "--size1", o[0].val, &size1)) ||
	    (st = parse_u64_arg(cmd, "--size2", o[1].val, &size2)) ||
	    (st = parse_hash_arg(cmd, "--root1", o[2].val, root1, CLI_USAGE)) ||
	    (st = parse_hash_arg(cmd, "--root2", o[3].val, root2, CLI_USAGE)))
		return st;
	if (tims_tlog_verify_consistency(size1, size2, root1, root2, proof,
					 len, &err))
		return cli_error(CLI_FAIL, cmd, _("not valid: %s"), err.msg);
	printf(_("valid: the tree of size %" PRIu64 " is a prefix of the tree "
	       "of size %" PRIu64 "\n"), size1, size2);
	return CLI_OK;
}

/* ---- keys and notes ------------------------------------------------- */

#define MAX_KEYS TIMS_NOTE_MAX_SIGS

/* Read a one-line key file; strips one final newline. */
static int read_key_file(const char *cmd, const char *path, struct tims_buf *b)
{
	struct tims_err err;

	if (tims_read_file(path, KEYFILE_MAX_BYTES, b, &err))
		return cli_error(CLI_USAGE, cmd, "%s", err.msg);
	if (b->len && b->buf[b->len - 1] == '\n')
		tims_buf_setlen(b, b->len - 1);
	if (memchr(b->buf, '\n', b->len) || memchr(b->buf, '\0', b->len)) {
		sodium_memzero(b->buf, b->alloc);
		tims_buf_release(b);
		return cli_error(CLI_USAGE, cmd, _("%s: expected one line with "
				 "one key"), path);
	}
	return CLI_OK;
}

static int load_signer(const char *cmd, const char *path,
		       struct tims_signer *s)
{
	struct stat stt;
	struct tims_err err;

	if (stat(path, &stt) < 0)
		return cli_error(CLI_USAGE, cmd, "%s: %s", path, strerror(errno));
	if (!S_ISREG(stt.st_mode))
		return cli_error(CLI_USAGE, cmd, _("%s: not a regular file"), path);
	if (stt.st_mode & (S_IRWXG | S_IRWXO))
		return cli_error(CLI_USAGE, cmd, _("%s: a secret key must be "
				 "readable by its owner only (mode %04o); run "
				 "chmod 600 on it"), path,
				 (unsigned)(stt.st_mode & 07777));
	/* the key itself, or a reference to a key in a token (tims key
	 * generate) */
	if (tims_signer_load(path, s, &err))
		return cli_error(err.rc == TIMS_ERR_UNAVAILABLE ? CLI_FAIL
				 : CLI_USAGE, cmd, "%s", err.msg);
	return CLI_OK;
}

static int load_verifier(const char *cmd, const char *path,
			 struct tims_verifier *v)
{
	struct tims_buf b;
	struct tims_err err;
	int st;

	if ((st = read_key_file(cmd, path, &b)))
		return st;
	if (tims_verifier_parse(b.buf, v, &err))
		st = cli_error(CLI_USAGE, cmd, "%s: %s", path, err.msg);
	tims_buf_release(&b);
	return st;
}

/* --key FILE (repeatable) and one optional FILE. */
static int parse_key_args(const char *cmd, int argc, char **argv,
			  const char **keys, size_t *nkeys, const char **file)
{
	int i;

	*nkeys = 0;
	*file = NULL;
	for (i = 1; i < argc; i++) {
		const char *val;
		int r;

		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		r = opt_value(argc, argv, &i, "--key", &val);
		if (r < 0)
			return cli_error(CLI_USAGE, cmd, _("--key: missing value"));
		if (r) {
			if (*nkeys == MAX_KEYS)
				return cli_error(CLI_USAGE, cmd, _("--key: at most "
						 "%d keys"), MAX_KEYS);
			keys[(*nkeys)++] = val;
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1])
			return cli_error(CLI_USAGE, cmd, _("unknown option %s"),
					 argv[i]);
		if (*file)
			return cli_error(CLI_USAGE, cmd, _("one FILE at most, "
					 "got '%s' too"), argv[i]);
		*file = argv[i];
	}
	if (i < argc && !*file)
		*file = argv[i++];
	if (i < argc)
		return cli_error(CLI_USAGE, cmd, _("unexpected argument '%s'"),
				 argv[i]);
	if (!*nkeys)
		return cli_error(CLI_USAGE, cmd, _("missing --key"));
	return CLI_OK;
}

static int cmd_keygen(int argc, char **argv)
{
	static const char cmd[] = "tlog keygen"; /* i18n: machine (a command name) */
	const char *name = NULL, *dir = ".";
	int cosigner = 0, st = CLI_OK;
	char *skey = NULL, *vkey = NULL, *line = NULL;
	char spath[4096], vpath[4096], base[TIMS_NOTE_MAX_NAME + 1];
	struct tims_err err;
	size_t n;

	if (cli_wants_help(argc, argv)) {
		puts(_("usage: tims tlog keygen NAME [--cosigner] [--out DIR]\n\n"
		     "Makes an Ed25519 signed-note key pair named NAME (a "
		     "schema-less URL\nsuch as post.example/p1: no spaces, no "
		     "'+'). Writes DIR/BASE.skey\n(mode 0600) and DIR/BASE.vkey, "
		     "where BASE is NAME with each '/' made\n'_', refusing to "
		     "overwrite either, and prints the verifier key.\n"
		     "--cosigner makes a witness key (tlog-cosignature/v1, "
		     "algorithm 0x04)."));
		return CLI_OK;
	}
	for (int i = 1; i < argc; i++) {
		const char *val;
		int r = opt_value(argc, argv, &i, "--out", &val);

		if (r < 0)
			return cli_error(CLI_USAGE, cmd, _("--out: missing value"));
		if (r)
			dir = val;
		else if (!strcmp(argv[i], "--cosigner"))
			cosigner = 1;
		else if (argv[i][0] == '-')
			return cli_error(CLI_USAGE, cmd, _("unknown option %s"),
					 argv[i]);
		else if (name)
			return cli_error(CLI_USAGE, cmd, _("one NAME only, got "
					 "'%s' too"), argv[i]);
		else
			name = argv[i];
	}
	if (!name)
		return cli_error(CLI_USAGE, cmd, _("missing NAME"));
	if (tims_note_check_name(name, strlen(name), "NAME", &err))
		return cli_error(CLI_USAGE, cmd, "%s", err.msg);
	snprintf(base, sizeof(base), "%s", name);
	for (char *c = base; *c; c++)
		if (*c == '/')
			*c = '_';
	if (snprintf(spath, sizeof(spath), "%s/%s.skey", dir, base) >=
	    (int)sizeof(spath) ||
	    snprintf(vpath, sizeof(vpath), "%s/%s.vkey", dir, base) >=
	    (int)sizeof(vpath))
		return cli_error(CLI_USAGE, cmd, _("--out: path too long"));
	if (access(spath, F_OK) == 0 || access(vpath, F_OK) == 0)
		return cli_error(CLI_USAGE, cmd, _("%s: exists, refusing to "
				 "overwrite"), access(spath, F_OK) == 0 ? spath
				 : vpath);
	if (tims_note_keygen(name, cosigner ? TIMS_KEY_COSIGNATURE_V1
					    : TIMS_KEY_ED25519,
			     &skey, &vkey, &err))
		return cli_error(CLI_USAGE, cmd, "%s", err.msg);
	n = strlen(skey);
	line = sodium_malloc(n + 1);
	if (!line) {
		st = cli_error(CLI_USAGE, cmd, _("out of secure memory"));
		goto out;
	}
	memcpy(line, skey, n);
	line[n] = '\n';
	if (tims_write_file(spath, line, n + 1, 0600, 0, &err)) {
		st = cli_error(CLI_USAGE, cmd, "%s", err.msg);
		goto out;
	}
	{
		struct tims_buf vb = TIMS_BUF_INIT(1024);

		if (tims_buf_addstr(&vb, vkey) || tims_buf_addch(&vb, '\n') ||
		    tims_write_file(vpath, vb.buf, vb.len, 0644, 0, &err))
			st = cli_error(CLI_USAGE, cmd, "%s", err.msg);
		tims_buf_release(&vb);
	}
	if (!st) {
		puts(vkey);
		fprintf(stderr, _("tims %s: wrote %s (secret, mode 0600) and %s\n"),
			cmd, spath, vpath);
	}
out:
	sodium_free(line);
	tims_note_free_secret(skey);
	free(vkey);
	return st;
}

static int cmd_sign_note(int argc, char **argv)
{
	static const char cmd[] = "tlog sign-note"; /* i18n: machine (a command name) */
	const char *keys[MAX_KEYS], *file;
	struct tims_signer signers[MAX_KEYS];
	struct tims_buf text, out = TIMS_BUF_INIT(2 * TIMS_NOTE_MAX_BYTES);
	struct tims_err err;
	size_t nkeys, loaded = 0;
	int st;

	if (cli_wants_help(argc, argv)) {
		puts(_("usage: tims tlog sign-note --key SKEY-FILE [--key ...] [FILE]\n\n"
		     "Signs the note text in FILE or standard input (UTF-8, "
		     "ending in a newline)\nwith each signer key and prints the "
		     "signed note (C2SP signed-note). A\ncosigner key cosigns "
		     "at the current time and only signs checkpoints.\nKey files "
		     "must be readable by their owner only."));
		return CLI_OK;
	}
	if ((st = parse_key_args(cmd, argc, argv, keys, &nkeys, &file)))
		return st;
	for (; loaded < nkeys; loaded++)
		if ((st = load_signer(cmd, keys[loaded], &signers[loaded])))
			goto out;
	if (tims_read_file(file, TIMS_NOTE_MAX_BYTES, &text, &err)) {
		st = cli_error(status_of(err.rc), cmd, "%s", err.msg);
		goto out;
	}
	if (tims_note_sign(text.buf, text.len, signers, nkeys, &out, &err))
		st = cli_error(status_of(err.rc), cmd, "%s", err.msg);
	else
		fwrite(out.buf, 1, out.len, stdout);
	tims_buf_release(&text);
	tims_buf_release(&out);
out:
	while (loaded)
		tims_signer_release(&signers[--loaded]);
	return st;
}

static int cmd_verify_note(int argc, char **argv)
{
	static const char cmd[] = "tlog verify-note"; /* i18n: machine (a command name) */
	const char *keys[MAX_KEYS], *file;
	struct tims_verifier v[MAX_KEYS];
	struct tims_note *n = NULL;
	struct tims_buf note;
	struct tims_err err;
	size_t nkeys;
	int st;

	if (cli_wants_help(argc, argv)) {
		puts(_("usage: tims tlog verify-note --key VKEY-FILE [--key ...] [FILE]\n\n"
		     "Checks the signed note in FILE or standard input against "
		     "the verifier\nkeys. Prints the note text on standard "
		     "output and, on standard error,\nwhich keys signed (and "
		     "when, for cosignatures). Signatures by other\nkeys are "
		     "ignored. Exit 0 if at least one key signed and every\n"
		     "signature by a given key verifies, 1 otherwise."));
		return CLI_OK;
	}
	if ((st = parse_key_args(cmd, argc, argv, keys, &nkeys, &file)))
		return st;
	for (size_t i = 0; i < nkeys; i++)
		if ((st = load_verifier(cmd, keys[i], &v[i])))
			return st;
	if (tims_read_file(file, TIMS_NOTE_MAX_BYTES + 1, &note, &err))
		return cli_error(CLI_USAGE, cmd, "%s", err.msg);
	n = malloc(sizeof(*n));
	if (!n) {
		tims_buf_release(&note);
		return cli_error(CLI_USAGE, cmd, _("out of memory"));
	}
	if (tims_note_verify(note.buf, note.len, v, nkeys, n, &err)) {
		st = cli_error(status_of(err.rc), cmd, _("not valid: %s"), err.msg);
	} else {
		fwrite(n->text, 1, n->textlen, stdout);
		for (size_t i = 0; i < nkeys; i++) {
			if (!(n->verified_mask & (UINT64_C(1) << i)))
				continue;
			if (v[i].alg == TIMS_KEY_COSIGNATURE_V1) {
				char when[32] = "?";
				time_t t = (time_t)n->cosigned_time[i];
				struct tm tm;

				if (gmtime_r(&t, &tm))
					strftime(when, sizeof(when),
						 "%Y-%m-%dT%H:%M:%SZ", &tm);
				fprintf(stderr, _("tims %s: cosigned by %s+%08"
					PRIx32 " at %s (%" PRIu64 ")\n"), cmd,
					v[i].name, v[i].keyhash, when,
					n->cosigned_time[i]);
			} else {
				fprintf(stderr, _("tims %s: signed by %s+%08"
					PRIx32 "\n"), cmd, v[i].name,
					v[i].keyhash);
			}
		}
	}
	free(n);
	tims_buf_release(&note);
	return st;
}

static const struct cli_command tlog_commands[] = {
	{ "root", cmd_root, "size and root hash of an entries file" },
	{ "leaf-hash", cmd_leaf_hash, "the leaf hash of every entry" },
	{ "prove-inclusion", cmd_prove_inclusion, "inclusion proof" },
	{ "prove-consistency", cmd_prove_consistency, "consistency proof" },
	{ "verify-inclusion", cmd_verify_inclusion, "check an inclusion proof" },
	{ "verify-consistency", cmd_verify_consistency,
	  "check a consistency proof" },
	{ "keygen", cmd_keygen, "make a signed-note key pair" },
	{ "sign-note", cmd_sign_note, "sign a note text" },
	{ "verify-note", cmd_verify_note, "check a signed note" },
};

int cmd_tlog(int argc, char **argv)
{
	if (sodium_init() < 0)
		return cli_error(CLI_USAGE, "tlog", _("libsodium failed to start"));
	return cli_dispatch("tlog", tlog_commands, TIMS_ARRAY_SIZE(tlog_commands),
			    usage_family, argc, argv);
}
