/*
 * cmd_cross.c — `tims cross`: register crossings in a post's log.
 *
 *   tims cross --post DIR (--mrz FILE|- | --doc-number N --surname S ...)
 *              --direction entry|exit --officer ID --booth B [...]
 *   tims cross import --post DIR FILE|-
 *
 * The single form turns its options into the same JSON object that an
 * import line is, so both go through one strict parser (record.h) and give
 * the same errors. Output is printed only after the record is durable.
 *
 * Import reads JSON Lines (at most 64 KiB a line), stores them in batches
 * (one fsync per batch: group commit), and prints "ack LINE INDEX LEAFHASH"
 * for each line once its batch has committed ("... duplicate" when the
 * line's "id" was already in the log: a retry after a crash is idempotent).
 * A bad line is reported on stderr with its number and field, and skipped.
 */
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <fcntl.h>

#include "cli.h"
#include "tims/mrz.h"
#include "tims/oversight.h"
#include "tims/post.h"
#include "tims/record.h"
#include "tims/util.h"

#define CMD "cross"

static const char usage[] =
	"usage: tims cross --post DIR (--mrz FILE|- | --doc-number N --surname S ...)\n"
	"                  --direction entry|exit --officer ID --booth B [options]\n"
	"   or: tims cross import --post DIR [--batch N] FILE|-\n"
	"\n"
	"Registers a crossing in the post's log and prints its log index and leaf\n"
	"hash once it is durable. 'import' reads JSON Lines (docs/formats.md) and\n"
	"prints 'ack LINE INDEX LEAFHASH' per line once stored.\n"
	"\n"
	"Traveller: --mrz FILE|- (the MRZ text), or --doc-code --issuer --doc-number\n"
	"  --surname --given-names --nationality --birth-date --sex --expiry\n"
	"Crossing:  --direction entry|exit --officer ID --booth B\n"
	"  --decision admit|refuse:CODE|second-line (default admit)\n"
	"  --vehicle-plate P --vehicle-country C --vehicle-model M --vin V\n"
	"  --role driver|passenger  --companion [companion|minor|guardian:]ISSUER:NUMBER\n"
	"  --remarks TEXT --screening TEXT --crossed-at YYYY-MM-DDTHH:MM:SSZ --id ID\n"
	"Correction: --corrects INDEX --reason TEXT (the same document and person;\n"
	"  an identity change needs a second supervisor: the node's\n"
	"  POST /api/v1/corrections, docs/api.md)\n";

/* Options that set one string of the JSON record: table, not if-chain. */
static const struct { const char *opt; const char *obj; const char *key; } fields[] = {
	{ "doc-code", "person", "doc_code" },
	{ "issuer", "person", "issuer" },
	{ "doc-number", "person", "number" },
	{ "surname", "person", "surname" },
	{ "given-names", "person", "given_names" },
	{ "nationality", "person", "nationality" },
	{ "birth-date", "person", "birth_date" },
	{ "sex", "person", "sex" },
	{ "expiry", "person", "expiry" },
	{ "vehicle-plate", "vehicle", "plate" },
	{ "vehicle-country", "vehicle", "country" },
	{ "vehicle-model", "vehicle", "make_model" },
	{ "vin", "vehicle", "vin" },
	{ "direction", NULL, "direction" },
	{ "officer", NULL, "officer" },
	{ "booth", NULL, "booth" },
	{ "role", NULL, "role" },
	{ "remarks", NULL, "remarks" },
	{ "screening", NULL, "screening" },
	{ "crossed-at", NULL, "crossed_at" },
	{ "id", NULL, "id" },
	{ "reason", NULL, "reason" },
};

enum { O_POST = 1000, O_MRZ, O_DECISION, O_COMPANION, O_CORRECTS, O_JSON };

static int set_path(json_t *rec, const char *obj, const char *key,
		    const char *val)
{
	json_t *o = rec;

	if (obj) {
		o = json_object_get(rec, obj);
		if (!o) {
			o = json_object();
			json_object_set_new(rec, obj, o);
		}
	}
	return json_object_set_new(o, key, json_string(val));
}

/* "[relation:]ISSUER:NUMBER" */
static int add_companion(json_t *rec, const char *arg)
{
	json_t *list = json_object_get(rec, "companions"), *c = json_object();
	char buf[256];
	char *parts[3];
	int n = 0;

	if (snprintf(buf, sizeof(buf), "%s", arg) >= (int)sizeof(buf))
		return -1;
	parts[n++] = buf;
	for (char *p = buf; *p && n < 3; p++)
		if (*p == ':') {
			*p = '\0';
			parts[n++] = p + 1;
		}
	if (n < 2)
		return -1;
	if (!list) {
		list = json_array();
		json_object_set_new(rec, "companions", list);
	}
	if (n == 3)
		json_object_set_new(c, "relation", json_string(parts[0]));
	json_object_set_new(c, "issuer", json_string(parts[n - 2]));
	json_object_set_new(c, "number", json_string(parts[n - 1]));
	return json_array_append_new(list, c);
}

/* The traveller's fields from MRZ text. */
static int add_mrz(json_t *rec, const char *path)
{
	struct tims_buf text = TIMS_BUF_INIT(4096);
	struct tims_mrz_options opt;
	struct tims_mrz *m = malloc(sizeof(*m));
	struct tims_err err;
	char sex[2] = { 0, 0 };
	int rc = CLI_OK;

	if (!m)
		return cli_error(CLI_USAGE, CMD, "out of memory");
	if (tims_read_file(path, 4096, &text, &err)) {
		free(m);
		return cli_error(CLI_USAGE, CMD, "--mrz: %s", tims_err_msg(&err));
	}
	tims_mrz_options_init(&opt, time(NULL));
	if (tims_mrz_parse(&opt, text.buf, text.len, m) != TIMS_OK) {
		for (unsigned i = 0; i < m->nerrors && i < TIMS_MRZ_MAX_ERRORS; i++)
			fprintf(stderr, "tims %s: mrz: %s\n", CMD, m->errors[i].msg);
		rc = cli_error(CLI_FAIL, CMD, "--mrz: the MRZ is not valid; nothing recorded");
		goto out;
	}
	sex[0] = m->sex;
	set_path(rec, "person", "doc_code", m->document_code);
	set_path(rec, "person", "issuer", m->issuing_state);
	set_path(rec, "person", "number", m->document_number);
	set_path(rec, "person", "surname", m->surname);
	if (m->given_names[0])
		set_path(rec, "person", "given_names", m->given_names);
	set_path(rec, "person", "nationality", m->nationality);
	if (m->birth_date.iso[0])
		set_path(rec, "person", "birth_date", m->birth_date.iso);
	if (sex[0])
		set_path(rec, "person", "sex", sex);
	if (m->expiry_date.iso[0])
		set_path(rec, "person", "expiry", m->expiry_date.iso);
out:
	tims_buf_release(&text);
	free(m);
	return rc;
}

/* "index I leaf HASH" for one crossing, "ack LINE I HASH" for an import line. */
static void print_ack(size_t line, const struct tims_post_ack *a)
{
	struct tims_buf hex = TIMS_BUF_INIT(128);

	tims_buf_addhex(&hex, a->leaf, TIMS_HASH_BYTES);
	if (line)
		printf("ack %zu %" PRIu64 " %s%s\n", line, a->index,
		       tims_buf_str(&hex), a->duplicate ? " duplicate" : "");
	else
		printf("index %" PRIu64 " leaf %s%s\n", a->index, tims_buf_str(&hex),
		       a->duplicate ? " duplicate" : "");
	tims_buf_release(&hex);
}

/*
 * A correction keeps the document and the person of the record it
 * corrects: an identity change needs a second person, which only the
 * node's POST /api/v1/corrections and approvals provide (docs/api.md).
 */
static tims_rc same_person(struct tims_post *p, const struct tims_record *rec,
			  struct tims_err *err)
{
	struct tims_record *orig;
	const char *field = NULL;
	int erased = 0, differs;
	tims_rc rc;

	if (rec->corrects == TIMS_RECORD_NO_INDEX)
		return TIMS_OK;
	if (!(orig = malloc(sizeof(*orig))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if ((rc = tims_post_get(p, rec->corrects, orig, &erased, NULL, err))) {
		free(orig);
		return rc;
	}
	differs = !erased && tims_oversight_person_differs(&orig->person, &rec->person, &field);
	free(orig);
	if (differs)
		return tims_err_set(err, TIMS_ERR_DENIED, "%s: differs from record %" PRIu64 "; an "
				    "identity change needs a second supervisor (POST "
				    "/api/v1/corrections with identity_change)", field, rec->corrects);
	return TIMS_OK;
}

static int open_post(const char *dir, struct tims_post **p)
{
	struct tims_err err;

	if (!dir)
		return cli_error(CLI_USAGE, CMD, "--post DIR is required");
	if (tims_post_open(dir, TIMS_POST_WRITE, p, &err))
		return cli_error(err.rc == TIMS_ERR_TAMPER ? CLI_FAIL : CLI_USAGE,
				 CMD, "%s", tims_err_msg(&err));
	return CLI_OK;
}

static int cross_one(int argc, char **argv)
{
	struct option opts[TIMS_ARRAY_SIZE(fields) + 8];
	json_t *obj = json_object();
	const char *dir = NULL;
	struct tims_record rec;
	struct tims_post_ack ack;
	struct tims_post *p = NULL;
	struct tims_err err;
	char *line = NULL;
	int c, idx, rc = CLI_USAGE, as_json = 0, issued;
	size_t n = 0;

	for (size_t i = 0; i < TIMS_ARRAY_SIZE(fields); i++)
		opts[n++] = (struct option){ fields[i].opt, required_argument,
					     NULL, (int)i };
	opts[n++] = (struct option){ "post", required_argument, NULL, O_POST };
	opts[n++] = (struct option){ "mrz", required_argument, NULL, O_MRZ };
	opts[n++] = (struct option){ "decision", required_argument, NULL, O_DECISION };
	opts[n++] = (struct option){ "companion", required_argument, NULL, O_COMPANION };
	opts[n++] = (struct option){ "corrects", required_argument, NULL, O_CORRECTS };
	opts[n++] = (struct option){ "json", no_argument, NULL, O_JSON };
	opts[n++] = (struct option){ NULL, 0, NULL, 0 };
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		if (c >= 0 && c < (int)TIMS_ARRAY_SIZE(fields)) {
			set_path(obj, fields[c].obj, fields[c].key, optarg);
			continue;
		}
		switch (c) {
		case O_POST: dir = optarg; break;
		case O_JSON: as_json = 1; break;
		case O_MRZ:
			if ((rc = add_mrz(obj, optarg)))
				goto out;
			rc = CLI_USAGE;
			break;
		case O_DECISION: {
			const char *colon = strchr(optarg, ':');

			if (colon) {
				char d[32];

				snprintf(d, sizeof(d), "%.*s", (int)(colon - optarg), optarg);
				set_path(obj, NULL, "decision", d);
				set_path(obj, NULL, "refusal_code", colon + 1);
			} else {
				set_path(obj, NULL, "decision", optarg);
			}
			break;
		}
		case O_COMPANION:
			if (add_companion(obj, optarg)) {
				cli_error(CLI_USAGE, CMD, "--companion: want [RELATION:]ISSUER:NUMBER");
				goto out;
			}
			break;
		case O_CORRECTS: {
			uint64_t v;

			if (tims_parse_u64(optarg, INT64_MAX, &v, "--corrects", &err)) {
				cli_error(CLI_USAGE, CMD, "%s", err.msg);
				goto out;
			}
			json_object_set_new(obj, "corrects", json_integer((json_int_t)v));
			break;
		}
		default:
			fputs(usage, stderr);
			cli_error(CLI_USAGE, CMD, "unknown or incomplete option '%s'",
				  argv[optind - 1]);
			goto out;
		}
	}
	if (optind < argc) {
		cli_error(CLI_USAGE, CMD, "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	line = json_dumps(obj, JSON_COMPACT);
	if (!line || tims_record_from_json(line, strlen(line), &rec, &err)) {
		rc = cli_error(CLI_FAIL, CMD, "%s; nothing recorded",
			       line ? tims_err_msg(&err) : "out of memory");
		goto out;
	}
	if ((rc = open_post(dir, &p)))
		goto out;
	if (same_person(p, &rec, &err)) {
		rc = cli_error(CLI_FAIL, CMD, "%s; nothing recorded", tims_err_msg(&err));
		goto out;
	}
	if (tims_post_append(p, &rec, 1, &ack, &err) && ack.rc) {
		rc = cli_error(CLI_USAGE, CMD, "%s; nothing recorded", tims_err_msg(&err));
		goto out;
	}
	if (ack.rc) {
		rc = cli_error(CLI_FAIL, CMD, "%s; nothing recorded", ack.msg);
		goto out;
	}
	if (as_json) {
		struct tims_buf hex = TIMS_BUF_INIT(128);

		tims_buf_addhex(&hex, ack.leaf, TIMS_HASH_BYTES);
		printf("{\"index\":%" PRIu64 ",\"leaf_hash\":\"%s\",\"duplicate\":%s}\n",
		       ack.index, tims_buf_str(&hex), ack.duplicate ? "true" : "false");
		tims_buf_release(&hex);
	} else {
		print_ack(0, &ack);
	}
	fflush(stdout);
	/* Sign the tree now so that this crossing is covered at once. */
	rc = CLI_OK;
	if (tims_post_checkpoint(p, &issued, &err))
		rc = cli_error(CLI_USAGE, CMD, "recorded, but no checkpoint: %s",
			       tims_err_msg(&err));
out:
	free(line);
	json_decref(obj);
	tims_post_free(p);
	return rc;
}

/* ---- import ---- */

#define LR_BUF (2 * TIMS_RECORD_MAX_LINE + 2)

struct line_reader {
	int fd;
	char buf[LR_BUF];
	size_t start, end;
	int eof;
	size_t lineno;
};

enum { LR_LINE, LR_EOF, LR_WAIT, LR_TOOLONG, LR_ERROR };

/*
 * The next line (without its "\n"); LR_WAIT instead of blocking when
 * !may_block and no complete line is buffered or readable at once.
 */
static int next_line(struct line_reader *lr, char **line, size_t *len,
		     int may_block)
{
	int toolong = 0;

	for (;;) {
		char *nl = memchr(lr->buf + lr->start, '\n', lr->end - lr->start);
		ssize_t n;

		if (nl) {
			*line = lr->buf + lr->start;
			*len = (size_t)(nl - *line);
			lr->start = (size_t)(nl - lr->buf) + 1;
			lr->lineno++;
			if (toolong)
				return LR_TOOLONG;
			if (*len && (*line)[*len - 1] == '\r')
				(*len)--;
			(*line)[*len] = '\0';
			return LR_LINE;
		}
		if (lr->eof) {
			if (lr->start == lr->end && !toolong)
				return LR_EOF;
			*line = lr->buf + lr->start;
			*len = lr->end - lr->start;
			lr->start = lr->end;
			lr->lineno++;
			if (toolong)
				return LR_TOOLONG;
			(*line)[*len] = '\0';
			return LR_LINE;
		}
		if (lr->end - lr->start > TIMS_RECORD_MAX_LINE) {
			/* Past the ceiling: drop what we have, skip to "\n". */
			toolong = 1;
			lr->start = lr->end = 0;
		}
		if (lr->start) {
			memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
			lr->end -= lr->start;
			lr->start = 0;
		}
		if (!may_block && !toolong) {
			struct pollfd pfd = { lr->fd, POLLIN, 0 };

			if (poll(&pfd, 1, 0) == 0)
				return LR_WAIT;
		}
		n = read(lr->fd, lr->buf + lr->end, LR_BUF - 1 - lr->end);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return LR_ERROR;
		if (n == 0)
			lr->eof = 1;
		lr->end += (size_t)n;
	}
}

struct batch {
	struct tims_record recs[TIMS_POST_MAX_BATCH];
	struct tims_post_ack acks[TIMS_POST_MAX_BATCH];
	size_t lines[TIMS_POST_MAX_BATCH];
	size_t n;
};

struct import_stats {
	uint64_t stored, duplicates, refused;
};

static int commit_batch(struct tims_post *p, struct batch *b,
			struct import_stats *s)
{
	struct tims_err err;
	tims_rc rc;
	int status = CLI_OK;

	if (!b->n)
		return CLI_OK;
	rc = tims_post_append(p, b->recs, b->n, b->acks, &err);
	for (size_t i = 0; i < b->n; i++) {
		struct tims_post_ack *a = &b->acks[i];
		if (a->rc) {
			if (!rc || a->rc != rc) {
				fprintf(stderr, "tims %s: line %zu: %s\n", CMD,
					b->lines[i], a->msg);
				s->refused++;
			}
			continue;
		}
		print_ack(b->lines[i], a);
		if (a->duplicate)
			s->duplicates++;
		else
			s->stored++;
	}
	/* Every ack above follows a durable commit; make it visible now. */
	fflush(stdout);
	if (rc)
		status = cli_error(CLI_USAGE, CMD, "%s", tims_err_msg(&err));
	b->n = 0;
	return status;
}

static int cross_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "post", required_argument, NULL, 'p' },
		{ "batch", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	struct line_reader *lr = NULL;
	struct batch *b = NULL;
	struct import_stats st = { 0, 0, 0 };
	struct cli_progress bar = { NULL, 0, 0, 0 };
	struct tims_post *p = NULL;
	struct tims_err err;
	const char *dir = NULL;
	uint64_t max_batch = 64;
	int c, rc = CLI_USAGE, issued;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': dir = optarg; break;
		case 'b':
			if (tims_parse_u64(optarg, TIMS_POST_MAX_BATCH, &max_batch,
					   "--batch", &err) || !max_batch)
				return cli_error(CLI_USAGE, CMD,
						 "--batch: want 1-%d", TIMS_POST_MAX_BATCH);
			break;
		default:
			fputs(usage, stderr);
			return cli_error(CLI_USAGE, CMD, "unknown or incomplete option '%s'",
					 argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_error(CLI_USAGE, CMD, "import: want one FILE (or - for standard input)");
	lr = calloc(1, sizeof(*lr));
	b = calloc(1, sizeof(*b));
	if (!lr || !b) {
		rc = cli_error(CLI_USAGE, CMD, "out of memory");
		goto out;
	}
	lr->fd = strcmp(argv[optind], "-") ? open(argv[optind], O_RDONLY | O_CLOEXEC)
					   : STDIN_FILENO;
	if (lr->fd < 0) {
		rc = cli_error(CLI_USAGE, CMD, "%s: %s", argv[optind], strerror(errno));
		goto out;
	}
	if ((rc = open_post(dir, &p)))
		goto out;
	cli_progress_start(&bar, "crossings imported", 0);
	for (;;) {
		char *line = NULL;
		size_t len = 0;
		int r = next_line(lr, &line, &len, b->n == 0);

		cli_progress_update(&bar, st.stored + st.duplicates + st.refused);

		if (r == LR_WAIT || r == LR_EOF || b->n == max_batch) {
			if ((rc = commit_batch(p, b, &st)))
				goto out;
			if (r == LR_EOF)
				break;
			if (r == LR_WAIT)
				continue;
		}
		if (r == LR_ERROR) {
			rc = cli_error(CLI_USAGE, CMD, "%s: %s", argv[optind], strerror(errno));
			goto out;
		}
		if (r == LR_TOOLONG) {
			fprintf(stderr, "tims %s: line %zu: longer than %d bytes\n", CMD,
				lr->lineno, TIMS_RECORD_MAX_LINE);
			st.refused++;
			continue;
		}
		if (r != LR_LINE)
			continue;
		if (!len || strspn(line, " \t") == len)
			continue; /* blank line */
		if (tims_record_from_json(line, len, &b->recs[b->n], &err) ||
		    tims_record_check_import(&b->recs[b->n], &err) ||
		    same_person(p, &b->recs[b->n], &err)) {
			fprintf(stderr, "tims %s: line %zu: %s\n", CMD, lr->lineno,
				tims_err_msg(&err));
			st.refused++;
			continue;
		}
		b->lines[b->n++] = lr->lineno;
		if (b->n == max_batch && (rc = commit_batch(p, b, &st)))
			goto out;
	}
	cli_progress_done(&bar, st.stored + st.duplicates + st.refused);
	if (tims_post_checkpoint(p, &issued, &err))
		rc = cli_error(CLI_USAGE, CMD, "no checkpoint: %s", tims_err_msg(&err));
	fprintf(stderr, "tims %s: %" PRIu64 " stored, %" PRIu64 " already stored, %"
		PRIu64 " refused\n", CMD, st.stored, st.duplicates, st.refused);
	if (!rc && st.refused)
		rc = CLI_FAIL;
out:
	if (lr && lr->fd > STDIN_FILENO)
		close(lr->fd);
	free(lr);
	free(b);
	tims_post_free(p);
	return rc;
}

int cmd_cross(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return CLI_OK;
	}
	if (argc > 1 && !strcmp(argv[1], "import"))
		return cross_import(argc - 1, argv + 1);
	return cross_one(argc, argv);
}
