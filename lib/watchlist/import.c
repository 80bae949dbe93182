/*
 * import.c — reading a watchlist file (CSV with a header row, or JSON
 * Lines), checking every row, and storing the good ones under a new list
 * version in one transaction.
 *
 * Every field of every kind is declared in one table (name, required,
 * checker); an unknown column or key is an error, so a misspelt "dob " or
 * "nationalty" is reported instead of silently dropped. A bad row is reported
 * with its line and the field; the operator's choice decides whether the
 * rest goes in (skip_bad) or nothing does (the default).
 */
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <unistd.h>

#include "tims/util.h"
#include "wl_int.h"

#define CSV_MAX_FIELDS 16
#define FIELD_MAX 4096
#define MAX_ALIASES 16

/* --- fields -------------------------------------------------------------- */

typedef tims_rc (*field_fn)(const char *name, json_t *v, struct tims__wl_row *row,
			    struct tims_err *err);

struct field {
	enum tims_wl_kind kind;
	const char *name;
	bool required;
	field_fn check;
};

static const char *str_of(json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Free text: bounded, no control characters. Stored as given. */
static tims_rc text_field(const char *name, json_t *v, struct tims__wl_row *row,
			  size_t max, struct tims_err *err)
{
	const char *s = str_of(v);
	size_t n;

	if (!s)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: not a string", name);
	n = strlen(s);
	if (n > max)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: %zu bytes, at most %zu", name, n, max);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: control character at byte %zu", name, i);
	if (n)
		json_object_set_new(row->data, name, json_string(s));
	return TIMS_OK;
}

static tims_rc f_ref(const char *name, json_t *v, struct tims__wl_row *row,
		     struct tims_err *err)
{
	const char *s = str_of(v);
	tims_rc rc;

	if (!s || !*s)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: empty", name);
	if ((rc = text_field(name, v, row, 64, err)))
		return rc;
	json_object_del(row->data, name); /* a column of its own */
	snprintf(row->ref, sizeof(row->ref), "%s", s);
	return TIMS_OK;
}

static tims_rc f_text128(const char *name, json_t *v, struct tims__wl_row *row,
			 struct tims_err *err)
{
	return text_field(name, v, row, 128, err);
}

static tims_rc f_text512(const char *name, json_t *v, struct tims__wl_row *row,
			 struct tims_err *err)
{
	return text_field(name, v, row, 512, err);
}

static tims_rc f_name(const char *name, json_t *v, struct tims__wl_row *row,
		      struct tims_err *err)
{
	struct tims_name *n;
	const char *s = str_of(v);
	tims_rc rc;

	if (!s)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: not a string", name);
	if (!(n = malloc(sizeof(*n))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	rc = tims_name_parse(s, strlen(s), name, n, err);
	free(n);
	if (!rc)
		json_object_set_new(row->data, name, json_string(s));
	return rc;
}

/* Aliases: a JSON array of names, or in CSV one string split at ';'. */
static tims_rc f_aliases(const char *name, json_t *v, struct tims__wl_row *row,
			 struct tims_err *err)
{
	json_t *arr = json_array(), *one;
	char label[32];
	tims_rc rc = TIMS_OK;
	size_t i;

	if (!arr)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if (json_is_string(v)) {
		const char *p = json_string_value(v);

		while (*p) {
			const char *e = strchr(p, ';');
			size_t len = e ? (size_t)(e - p) : strlen(p);

			if (len)
				json_array_append_new(arr, json_stringn(p, len));
			p += len + (e ? 1 : 0);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, one)
			json_array_append(arr, one);
	} else {
		json_decref(arr);
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: not a list of names", name);
	}
	if (json_array_size(arr) > MAX_ALIASES)
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "%s: %zu aliases, at most %d",
				  name, json_array_size(arr), MAX_ALIASES);
	json_array_foreach(arr, i, one) {
		struct tims_name *n;
		const char *s = str_of(one);

		if (rc)
			break;
		snprintf(label, sizeof(label), "alias %zu", i + 1);
		if (!s) {
			rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: not a string", label);
			break;
		}
		if (!(n = malloc(sizeof(*n)))) {
			rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
			break;
		}
		rc = tims_name_parse(s, strlen(s), label, n, err);
		free(n);
	}
	if (!rc && json_array_size(arr))
		json_object_set(row->data, name, arr);
	json_decref(arr);
	return rc;
}

static tims_rc f_dob(const char *name, json_t *v, struct tims__wl_row *row,
		     struct tims_err *err)
{
	struct tims_pdate d;
	const char *s = str_of(v);
	tims_rc rc;

	if (!s)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: not a string", name);
	if ((rc = tims_pdate_parse(s, &d, name, err)))
		return rc;
	if (*s)
		json_object_set_new(row->data, name, json_string(s));
	return TIMS_OK;
}

static tims_rc f_country(const char *name, json_t *v, struct tims__wl_row *row,
			 struct tims_err *err)
{
	struct tims_subject s;
	tims_rc rc = tims_subject_set_nationality(&s, str_of(v), name, err);

	if (!rc && s.nationality[0])
		json_object_set_new(row->data, name, json_string(s.nationality));
	return rc;
}

static tims_rc f_sex(const char *name, json_t *v, struct tims__wl_row *row,
		     struct tims_err *err)
{
	struct tims_subject s;
	tims_rc rc = tims_subject_set_sex(&s, str_of(v), name, err);
	char b[2] = { s.sex, '\0' };

	if (!rc && s.sex)
		json_object_set_new(row->data, name, json_string(b));
	return rc;
}

static tims_rc one_of(const char *name, json_t *v, struct tims__wl_row *row,
		      const char *const *allowed, struct tims_err *err)
{
	const char *s = str_of(v);

	for (size_t i = 0; s && allowed[i]; i++)
		if (!strcmp(s, allowed[i])) {
			json_object_set_new(row->data, name, json_string(s));
			return TIMS_OK;
		}
	return tims_err_set(err, TIMS_ERR_INVALID, "%s: '%.32s' is not one of %s", name,
			    s ? s : "", !strcmp(allowed[0], "wanted") && allowed[1] &&
			    !strcmp(allowed[1], "entry-ban") ?
			    "wanted, entry-ban, discreet-check, missing" :
			    !strcmp(allowed[0], "lost") ? "lost, stolen, revoked, invalidated" :
			    "stolen, wanted");
}

static tims_rc f_alert(const char *name, json_t *v, struct tims__wl_row *row,
		       struct tims_err *err)
{
	static const char *const a[] = { "wanted", "entry-ban", "discreet-check", "missing", NULL };

	return one_of(name, v, row, a, err);
}

static tims_rc f_doc_status(const char *name, json_t *v, struct tims__wl_row *row,
			    struct tims_err *err)
{
	static const char *const a[] = { "lost", "stolen", "revoked", "invalidated", NULL };

	return one_of(name, v, row, a, err);
}

static tims_rc f_veh_status(const char *name, json_t *v, struct tims__wl_row *row,
			    struct tims_err *err)
{
	static const char *const a[] = { "stolen", "wanted", NULL };

	return one_of(name, v, row, a, err);
}

static tims_rc ident(enum tims_ident_kind k, const char *name, json_t *v,
		     struct tims__wl_row *row, char *out, struct tims_err *err)
{
	const char *s = str_of(v);
	tims_rc rc;

	if (!s)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: not a string", name);
	if (!*s)
		return TIMS_OK;
	if ((rc = tims_screen_norm_ident(k, s, out, name, err)))
		return rc;
	json_object_set_new(row->data, name, json_string(s));
	return TIMS_OK;
}

static tims_rc f_docnum(const char *name, json_t *v, struct tims__wl_row *row,
			struct tims_err *err)
{
	return ident(TIMS_IDENT_DOCUMENT, name, v, row, row->ident1, err);
}

static tims_rc f_plate(const char *name, json_t *v, struct tims__wl_row *row,
		       struct tims_err *err)
{
	return ident(TIMS_IDENT_PLATE, name, v, row, row->ident1, err);
}

static tims_rc f_vin(const char *name, json_t *v, struct tims__wl_row *row,
		     struct tims_err *err)
{
	return ident(TIMS_IDENT_VIN, name, v, row, row->ident2, err);
}

static const struct field fields[] = {
	{ TIMS_WL_PERSONS, "ref", true, f_ref },
	{ TIMS_WL_PERSONS, "name", true, f_name },
	{ TIMS_WL_PERSONS, "aliases", false, f_aliases },
	{ TIMS_WL_PERSONS, "dob", false, f_dob },
	{ TIMS_WL_PERSONS, "nationality", false, f_country },
	{ TIMS_WL_PERSONS, "sex", false, f_sex },
	{ TIMS_WL_PERSONS, "alert", true, f_alert },
	{ TIMS_WL_PERSONS, "authority", false, f_text128 },
	{ TIMS_WL_PERSONS, "instruction", false, f_text512 },
	{ TIMS_WL_DOCUMENTS, "ref", true, f_ref },
	{ TIMS_WL_DOCUMENTS, "number", true, f_docnum },
	{ TIMS_WL_DOCUMENTS, "type", false, f_text128 },
	{ TIMS_WL_DOCUMENTS, "issuing_state", false, f_country },
	{ TIMS_WL_DOCUMENTS, "status", true, f_doc_status },
	{ TIMS_WL_DOCUMENTS, "authority", false, f_text128 },
	{ TIMS_WL_VEHICLES, "ref", true, f_ref },
	{ TIMS_WL_VEHICLES, "plate", false, f_plate },
	{ TIMS_WL_VEHICLES, "country", false, f_country },
	{ TIMS_WL_VEHICLES, "vin", false, f_vin },
	{ TIMS_WL_VEHICLES, "status", true, f_veh_status },
	{ TIMS_WL_VEHICLES, "authority", false, f_text128 },
};

static const struct field *find_field(enum tims_wl_kind k, const char *name)
{
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(fields); i++)
		if (fields[i].kind == k && !strcmp(fields[i].name, name))
			return &fields[i];
	return NULL;
}

tims_rc tims__wl_check_row(enum tims_wl_kind kind, json_t *in,
			   struct tims__wl_row *row, struct tims_err *err)
{
	const char *key;
	json_t *v;
	tims_rc rc = TIMS_OK;

	memset(row, 0, sizeof(*row));
	if (!json_is_object(in))
		return tims_err_set(err, TIMS_ERR_INVALID, "not a JSON object");
	if (!(row->data = json_object()))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	json_object_foreach(in, key, v) {
		const struct field *f = find_field(kind, key);

		if (!f) {
			rc = tims_err_set(err, TIMS_ERR_INVALID, "%.40s: not a field of a %s list",
					  key, tims_wl_kind_name(kind));
			break;
		}
		if (json_is_null(v) || (json_is_string(v) && !*json_string_value(v) && !f->required))
			continue;
		if ((rc = f->check(f->name, v, row, err)))
			break;
	}
	for (size_t i = 0; !rc && i < TIMS_ARRAY_SIZE(fields); i++) {
		json_t *x;

		if (fields[i].kind != kind || !fields[i].required)
			continue;
		x = json_object_get(in, fields[i].name);
		if (!x || json_is_null(x) || (json_is_string(x) && !*json_string_value(x)))
			rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: missing", fields[i].name);
	}
	if (!rc && kind == TIMS_WL_VEHICLES && !row->ident1[0] && !row->ident2[0])
		rc = tims_err_set(err, TIMS_ERR_INVALID, "plate, vin: a vehicle needs one of them");
	if (rc) {
		json_decref(row->data);
		row->data = NULL;
	}
	return rc;
}

/* --- CSV (RFC 4180) ------------------------------------------------------ */

struct csv {
	const char *p, *end;
	size_t line;       /* line of the next byte */
};

/*
 * One record into fields[] (NUL-terminated copies in buf). *first_line is
 * the line it started on. Returns 1 for a record, 0 at the end, -1 with err.
 */
static int csv_record(struct csv *c, char fld[][FIELD_MAX + 1], size_t *nf,
		      size_t *first_line, struct tims_err *err)
{
	size_t n = 0, len = 0;
	bool quoted = false, in_q = false, any = false;

	*nf = 0;
	*first_line = c->line;
	if (c->p >= c->end)
		return 0;
	for (;;) {
		char ch;

		if (c->p >= c->end) {
			if (in_q) {
				tims_err_set(err, TIMS_ERR_INVALID, "unterminated quoted field");
				return -1;
			}
			break;
		}
		ch = *c->p++;
		if (in_q) {
			if (ch == '"') {
				if (c->p < c->end && *c->p == '"') {
					c->p++;
				} else {
					in_q = false;
					continue;
				}
			} else if (ch == '\n') {
				c->line++;
			}
		} else if (ch == '"' && len == 0 && !quoted) {
			in_q = quoted = true;
			any = true;
			continue;
		} else if (ch == ',' || ch == '\n' || ch == '\r') {
			if (ch == '\r' && c->p < c->end && *c->p == '\n')
				c->p++;
			if (ch != ',')
				c->line++;
			if (n >= CSV_MAX_FIELDS) {
				tims_err_set(err, TIMS_ERR_INVALID, "more than %d fields", CSV_MAX_FIELDS);
				return -1;
			}
			fld[n][len] = '\0';
			n++;
			len = 0;
			quoted = false;
			if (ch == ',') {
				any = true;
				continue;
			}
			*nf = n;
			if (!any && n == 1 && !fld[0][0]) { /* a blank line */
				n = 0;
				*first_line = c->line;
				if (c->p >= c->end)
					return 0;
				continue;
			}
			return 1;
		} else if (quoted) {
			tims_err_set(err, TIMS_ERR_INVALID,
				     "field %zu: text after the closing quote", n + 1);
			return -1;
		}
		any = true;
		if (n >= CSV_MAX_FIELDS) {
			tims_err_set(err, TIMS_ERR_INVALID, "more than %d fields", CSV_MAX_FIELDS);
			return -1;
		}
		if (len >= FIELD_MAX) {
			tims_err_set(err, TIMS_ERR_TOOBIG, "field %zu: longer than %d bytes",
				     n + 1, FIELD_MAX);
			return -1;
		}
		fld[n][len++] = ch;
	}
	if (!any && len == 0 && n == 0)
		return 0;
	if (n >= CSV_MAX_FIELDS) { /* a trailing comma after the last field */
		tims_err_set(err, TIMS_ERR_INVALID, "more than %d fields", CSV_MAX_FIELDS);
		return -1;
	}
	fld[n][len] = '\0';
	*nf = n + 1;
	return 1;
}

/* Skip to the start of the next line after a CSV error. */
static void csv_resync(struct csv *c)
{
	while (c->p < c->end && *c->p != '\n')
		c->p++;
	if (c->p < c->end) {
		c->p++;
		c->line++;
	}
}

/* --- storing ------------------------------------------------------------- */

/*
 * A large import in parallel (a first load, or a delta at a post). The
 * file is read on the caller's thread into batches of rows (and of a
 * delta's removals, and of the lines already found bad, to be reported in
 * order); each batch is checked and made into entries (data text, blind
 * hash, fingerprints, fields sealed, element into a partial sum per
 * thread) by worker threads while the caller's thread writes the batch
 * before it to SQLite in the file's order, in the one transaction of the
 * import: a row whose ref the list holds is looked up there, its old
 * element taken out of the sum (tims__wl_writer_put_prepared), a removal
 * done in its place. A bad row is reported with its line, in order, as row
 * by row; the store and the sum are those of the row by row path.
 */
#define BATCH_ROWS 4096
#define PAR_MIN_BYTES ((size_t)1 << 20)  /* smaller files: row by row */
#define PAR_MAX_THREADS 8

int tims__wl_import_threads;
unsigned tims__wl_import_workers;

struct item {
	json_t *in;                  /* NULL: found bad while reading (e), or
					a line to parse (raw) */
	const char *raw;             /* a JSON line, parsed by the worker */
	size_t rawlen;
	size_t line;
	bool bad, fatal;             /* e: a bad row; an error of the import */
	bool removal;                /* a delta's removal of in's "ref" (checked) */
	struct tims_err e;
	struct tims__wl_row row;
	struct tims__wl_prepared p;
};

struct batch {
	struct item *it;
	size_t n;
	atomic_size_t next;          /* the next item a worker takes */
	enum tims_wl_kind kind;
	bool removals;               /* a delta: lines may be removals */
	const struct tims__wl_writer *w;
};

struct worker {
	pthread_t th;
	bool running;
	struct batch *b;
	struct tims_lthash sum;      /* this worker's partial sum, every batch */
	/* reading ahead (into a list that holds rows): a read-only
	 * connection of this worker's */
	sqlite3 *ro;
	sqlite3_stmt *by_ref;
};

struct par {
	unsigned nthreads;
	struct worker wk[PAR_MAX_THREADS];
	struct batch b[3];           /* one being read, one being made, one
					being written */
	struct batch *reading, *making;
	tims_rc rc;                  /* the first error of a batch written from
					report(): returned by the next row */
	struct tims_err err;
};

struct importer {
	struct tims_wl *wl;
	const struct tims_wl_import_opts *o;
	int64_t list_id;
	uint64_t version;
	struct tims__wl_writer *w;   /* NULL: validation only */
	tims_wl_bad_fn bad;
	void *ctx;
	struct tims_wl_import_result *res;
	bool removals;               /* a delta: {"ref", "removed": true} lines */
	struct par *par;             /* a large first load: in parallel */
};

static void report_now(struct importer *im, size_t line, const struct tims_err *e)
{
	im->res->bad++;
	if (im->bad)
		im->bad(im->ctx, line, tims_err_msg(e));
}

static tims_rc par_add(struct importer *im, json_t *in, bool removal, size_t line,
		       const struct tims_err *e, struct tims_err *err);
static tims_rc removal(struct importer *im, const char *ref, struct tims_err *err);

/* A bad line: reported now, or in its place among the rows of a batch. */
static void report(struct importer *im, size_t line, const struct tims_err *e)
{
	if (im->par) {
		struct tims_err e2;
		tims_rc rc;

		/* a full batch is written here: an error is kept for the next
		 * row (par_add) or the end (par_finish) to return */
		tims_err_clear(&e2);
		if ((rc = par_add(im, NULL, false, line, e, &e2)) && !im->par->rc) {
			im->par->rc = rc;
			im->par->err = e2;
		}
		return;
	}
	report_now(im, line, e);
}

/*
 * Reading ahead, for an import into a list that holds rows (a delta): the
 * pages the writer is about to change for a row — its entry, found by its
 * ref (its fingerprints go to the small fp_recent, fpindex.c) — read by the
 * worker that made the row, through a read-only connection of its own, a
 * batch before the writer comes to them: the writer then finds them in the
 * system's page cache instead of waiting on the disk for each, one after
 * the other. The entry found, as the last commit left it, also gives the
 * element the writer would take out of the sum for it (opened, its JSON
 * made, its LtHash element): taken out here, on the worker, and checked by
 * the writer (tims__wl_writer_prepare_old). Nothing is written: a failure
 * here only leaves that work to the writer.
 */
static void ahead_close(struct worker *wk)
{
	sqlite3_finalize(wk->by_ref);
	sqlite3_close(wk->ro);
	wk->by_ref = NULL;
	wk->ro = NULL;
}

static void ahead_open(struct worker *wk, struct tims_wl *wl)
{
	const char *path = sqlite3_db_filename(wl->db, "main");

	if (!path || !*path ||
	    sqlite3_open_v2(path, &wk->ro, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(wk->ro, "SELECT fp1, fp2, id, data_hash, data, deleted_version"
			       " FROM entries WHERE list_id = ?1 AND ref = ?2", -1, &wk->by_ref,
			       NULL) != SQLITE_OK)
		ahead_close(wk);
}

static void ahead(struct worker *wk, const struct tims__wl_writer *w,
		  const struct tims__wl_row *row, struct tims__wl_prepared *p)
{
	sqlite3_bind_int64(wk->by_ref, 1, w->list_id);
	sqlite3_bind_text(wk->by_ref, 2, row->ref, -1, SQLITE_STATIC);
	/* and the element of the entry it changes, out of the sum here */
	if (sqlite3_step(wk->by_ref) == SQLITE_ROW)
		tims__wl_writer_prepare_old(w, row, p, wk->by_ref, 2, &wk->sum);
	sqlite3_reset(wk->by_ref);
}

/*
 * A JSON line read by the reading thread, parsed here on a worker (as
 * import_jsonl does row by row): a bad one, or a removal checked, or a row
 * in it->in. True: nothing more to make of it.
 */
static bool par_parse(const struct batch *b, struct item *it)
{
	json_error_t je;
	json_t *o = json_loadb(it->raw, it->rawlen, JSON_REJECT_DUPLICATES, &je);
	const char *ref;

	it->raw = NULL;
	tims_err_clear(&it->e);
	if (!o) {
		tims_err_set(&it->e, TIMS_ERR_INVALID, "JSON: %s at column %d", je.text, je.column);
		it->bad = true;
		return true;
	}
	it->in = o;
	if (!b->removals || !json_is_object(o) || !json_is_true(json_object_get(o, "removed")))
		return false;
	ref = json_string_value(json_object_get(o, "ref"));
	if (!ref || !*ref || strlen(ref) > 64 || json_object_size(o) != 2) {
		tims_err_set(&it->e, TIMS_ERR_INVALID, "a removal: want {\"ref\", \"removed\": true}");
		it->bad = true;
	} else {
		it->removal = true;
	}
	return true;
}

static void *par_main(void *arg)
{
	struct worker *wk = arg;
	struct batch *b = wk->b;
	size_t i;

	while ((i = atomic_fetch_add(&b->next, 1)) < b->n) {
		struct item *it = &b->it[i];

		/* what the slot held before (made by a worker) freed by a
		 * worker: memory goes back to the arena it came from, the
		 * file's objects (it->in) to the reading thread's */
		json_decref(it->row.data);
		it->row.data = NULL;
		if (it->raw && par_parse(b, it))
			continue;
		if (!it->in || it->removal)
			continue;
		tims_err_clear(&it->e);
		if (tims__wl_check_row(b->kind, it->in, &it->row, &it->e))
			it->bad = true;
		else if (tims__wl_writer_prepare(b->w, &it->row, &it->p, &wk->sum, &it->e))
			it->fatal = true;
		else if (wk->ro)
			ahead(wk, b->w, &it->row, &it->p);
	}
	return NULL;
}

/* Start the workers on the batch read (it becomes the one being made; the
 * one read next is a free one). */
static tims_rc par_start(struct importer *im, struct tims_err *err)
{
	struct par *par = im->par;
	struct batch *b = par->reading;

	for (int i = 0; i < 3; i++)
		if (&par->b[i] != b && &par->b[i] != par->making && par->b[i].n == 0)
			par->reading = &par->b[i];
	par->making = b;
	atomic_store(&b->next, 0);
	for (unsigned t = 0; t < par->nthreads; t++) {
		par->wk[t].b = b;
		if (pthread_create(&par->wk[t].th, NULL, par_main, &par->wk[t]))
			return tims_err_set(err, TIMS_ERR_NOMEM, "import: no thread");
		par->wk[t].running = true;
	}
	return TIMS_OK;
}

static void par_join(struct par *par)
{
	for (unsigned t = 0; t < par->nthreads; t++)
		if (par->wk[t].running) {
			pthread_join(par->wk[t].th, NULL);
			par->wk[t].running = false;
		}
}

/* A batch written: its rows from the file let go; what the workers made
 * stays in the slots for them to free or reuse (batch_free: all). */
static void batch_clear(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct item *it = &b->it[i];

		json_decref(it->in);
		it->in = NULL;
		it->raw = NULL;
		it->bad = it->fatal = it->removal = false;
	}
	b->n = 0;
}

static void batch_free(struct batch *b)
{
	batch_clear(b);
	for (size_t i = 0; b->it && i < BATCH_ROWS; i++) {
		json_decref(b->it[i].row.data);
		tims__wl_prepared_release(&b->it[i].p);
	}
	free(b->it);
	b->it = NULL;
}

/* A batch made (its workers joined): written in order, bad rows reported
 * in order; then free. */
static tims_rc par_write(struct importer *im, struct batch *b, struct tims_err *err)
{
	tims_rc rc = TIMS_OK;

	if (!b)
		return TIMS_OK;
	for (size_t i = 0; !rc && i < b->n; i++) {
		struct item *it = &b->it[i];
		bool changed;

		if (it->removal) {
			rc = removal(im, json_string_value(json_object_get(it->in, "ref")), err);
			continue;
		}
		if (it->bad || !it->row.data) {
			report_now(im, it->line, &it->e);
			continue;
		}
		if (it->fatal) {
			rc = tims_err_set(err, it->e.rc, "%s", tims_err_msg(&it->e));
			break;
		}
		if ((rc = tims__wl_writer_put_prepared(im->w, &it->row, &it->p, im->version,
						       &changed, err)))
			break;
		if (changed)
			im->res->stored++;
		else
			im->res->unchanged++;
	}
	batch_clear(b);
	return rc;
}

/* The batch being made, once made (NULL: none). */
static struct batch *par_made(struct par *par)
{
	struct batch *b = par->making;

	par_join(par);
	par->making = NULL;
	return b;
}

/* A row (or a removal checked, or a bad line: in == NULL) into the batch
 * being read; a full batch: the one before written, this one started. */
static tims_rc par_put(struct importer *im, json_t *in, const char *raw, size_t rawlen,
		       bool removal, size_t line, const struct tims_err *e, struct tims_err *err)
{
	struct par *par = im->par;
	struct batch *b = par->reading;
	struct item *it;
	tims_rc rc;

	if (par->rc) /* stop at the first error */
		return tims_err_set(err, par->rc, "%s", tims_err_msg(&par->err));
	it = &b->it[b->n++];
	it->in = in ? json_incref(in) : NULL;
	it->raw = raw;
	it->rawlen = rawlen;
	it->line = line;
	it->removal = removal;
	if (!in && e) {
		it->bad = true;
		it->e = *e;
	}
	if (b->n < BATCH_ROWS)
		return TIMS_OK;
	/* the workers on this batch while this thread writes the one before */
	b = par_made(par);
	if ((rc = par_start(im, err))) {
		if (b)
			batch_clear(b);
		return rc;
	}
	return par_write(im, b, err);
}

static tims_rc par_add(struct importer *im, json_t *in, bool removal, size_t line,
		       const struct tims_err *e, struct tims_err *err)
{
	return par_put(im, in, NULL, 0, removal, line, e, err);
}

/* A JSON line for a worker to parse (import_jsonl, in parallel). */
static tims_rc par_add_raw(struct importer *im, const char *raw, size_t n, size_t line,
			   struct tims_err *err)
{
	return par_put(im, NULL, raw, n, false, line, NULL, err);
}

/* The rest: the batch being made written, then the last one read. */
static tims_rc par_finish(struct importer *im, struct tims_err *err)
{
	struct par *par = im->par;
	tims_rc rc;

	if (par->rc)
		return tims_err_set(err, par->rc, "%s", tims_err_msg(&par->err));
	if ((rc = par_write(im, par_made(par), err)))
		return rc;
	if (par->reading->n &&
	    ((rc = par_start(im, err)) || (rc = par_write(im, par_made(par), err))))
		return rc;
	for (unsigned t = 0; t < par->nthreads; t++)
		tims__wl_writer_add_sum(im->w, &par->wk[t].sum);
	return TIMS_OK;
}

static void par_free(struct par *par)
{
	if (!par)
		return;
	par_join(par);
	for (int i = 0; i < 3; i++)
		batch_free(&par->b[i]);
	for (unsigned t = 0; t < par->nthreads; t++)
		ahead_close(&par->wk[t]);
	sodium_memzero(par->wk, sizeof(par->wk));
	free(par);
}

/* Workers for an import (a first load, a delta, a list over the old) of a
 * file large enough, when there is more than one core (or the test's
 * count); NULL: row by row. */
static struct par *par_new(struct importer *im, size_t len)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned n = tims__wl_import_threads < 0 ? 0 : (unsigned)tims__wl_import_threads;
	struct par *par;

	/* workers: one per core but the one of this thread (which reads the
	 * file and writes the rows) */
	if (tims__wl_import_threads == 0)
		n = ncpu > 1 && len >= PAR_MIN_BYTES ?
		    (unsigned)(ncpu > PAR_MAX_THREADS ? PAR_MAX_THREADS : ncpu - 1) : 0;
	if (n > PAR_MAX_THREADS)
		n = PAR_MAX_THREADS;
	if (n < 1 || !im->w || tims__wl_writer_parallel(im->w, NULL))
		return NULL;
	if (!(par = calloc(1, sizeof(*par))))
		return NULL;
	par->nthreads = n;
	for (int i = 0; i < 3; i++) {
		par->b[i].kind = im->o->kind;
		par->b[i].removals = im->removals;
		par->b[i].w = im->w;
		if (!(par->b[i].it = calloc(BATCH_ROWS, sizeof(struct item)))) {
			par_free(par);
			return NULL;
		}
	}
	for (unsigned t = 0; t < n; t++) {
		tims_lthash_init(&par->wk[t].sum);
		if (!im->w->fresh)
			ahead_open(&par->wk[t], im->wl);
	}
	par->reading = &par->b[0];
	return par;
}

/* Check and store one row; a bad row is reported, not an error. */
static tims_rc take_row(struct importer *im, json_t *in, size_t line,
			struct tims_err *err)
{
	struct tims__wl_row row;
	struct tims_err e;

	if (im->o->progress && im->res->rows % 1024 == 0)
		im->o->progress(im->o->progress_ctx, im->res->rows);

	im->res->rows++;
	if (im->par)
		return par_add(im, in, false, line, NULL, err);
	tims_err_clear(&e);
	if (tims__wl_check_row(im->o->kind, in, &row, &e)) {
		report(im, line, &e);
		return TIMS_OK;
	}
	if (!im->w) { /* validation only */
		json_decref(row.data);
		im->res->stored++;
		return TIMS_OK;
	}
	{
		bool changed;
		tims_rc rc = tims__wl_writer_put(im->w, &row, im->version, &changed, err);

		json_decref(row.data);
		if (rc)
			return rc;
		if (changed)
			im->res->stored++;
		else
			im->res->unchanged++;
	}
	return TIMS_OK;
}

/* A removal checked, written: the live entry `ref` tombstoned (none held
 * here: nothing to remove). */
static tims_rc removal(struct importer *im, const char *ref, struct tims_err *err)
{
	struct tims_err e;
	tims_rc rc;

	tims_err_clear(&e);
	rc = tims__wl_writer_del(im->w, ref, im->version, &e);
	if (rc == TIMS_OK)
		im->res->removed++;
	else if (rc != TIMS_ERR_NOTFOUND) /* not held here: nothing to remove */
		return tims_err_set(err, rc, "%s", tims_err_msg(&e));
	return TIMS_OK;
}

/* A removal line of a delta: exactly {"ref": REF, "removed": true}. */
static tims_rc take_removal(struct importer *im, json_t *in, size_t line,
			    struct tims_err *err)
{
	const char *ref = json_string_value(json_object_get(in, "ref"));
	struct tims_err e;

	im->res->rows++;
	tims_err_clear(&e);
	if (!ref || !*ref || strlen(ref) > 64 || json_object_size(in) != 2) {
		tims_err_set(&e, TIMS_ERR_INVALID, "a removal: want {\"ref\", \"removed\": true}");
		report(im, line, &e);
		return TIMS_OK;
	}
	if (!im->w) { /* validation only */
		im->res->removed++;
		return TIMS_OK;
	}
	if (im->par) /* in its place among the rows */
		return par_add(im, in, true, line, NULL, err);
	return removal(im, ref, err);
}

static tims_rc import_csv(struct importer *im, const char *data, size_t len,
			  struct tims_err *err)
{
	static char hdr[CSV_MAX_FIELDS][FIELD_MAX + 1], f[CSV_MAX_FIELDS][FIELD_MAX + 1];
	struct csv c = { data, data + len, 1 };
	size_t nh, nf, line;
	const struct field *cols[CSV_MAX_FIELDS];
	tims_rc rc = TIMS_OK;
	int r;

	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		c.p += 3; /* a UTF-8 byte order mark from a spreadsheet */
	r = csv_record(&c, hdr, &nh, &line, err);
	if (r <= 0)
		return r == 0 ? tims_err_set(err, TIMS_ERR_INVALID, "line 1: no header row")
			      : tims_err_set(err, TIMS_ERR_INVALID, "line %zu: header: %s", line,
					     tims_err_msg(err));
	for (size_t i = 0; i < nh; i++) {
		cols[i] = find_field(im->o->kind, hdr[i]);
		if (!cols[i])
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "line %zu: header: column '%.40s' is not a field of a %s list",
					    line, hdr[i], tims_wl_kind_name(im->o->kind));
		for (size_t j = 0; j < i; j++)
			if (cols[j] == cols[i])
				return tims_err_set(err, TIMS_ERR_INVALID,
						    "line %zu: header: column '%s' twice", line, hdr[i]);
	}
	while (!rc) {
		struct tims_err e;
		json_t *o;

		tims_err_clear(&e);
		r = csv_record(&c, f, &nf, &line, &e);
		if (r == 0)
			break;
		if (r < 0) {
			im->res->rows++;
			report(im, line, &e);
			csv_resync(&c);
			continue;
		}
		if (nf != nh) {
			im->res->rows++;
			tims_err_set(&e, TIMS_ERR_INVALID, "%zu fields, the header has %zu", nf, nh);
			report(im, line, &e);
			continue;
		}
		if (!(o = json_object()))
			return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		for (size_t i = 0; i < nf; i++) {
			json_t *s = json_string(f[i]);

			if (!s) { /* jansson refuses invalid UTF-8 */
				tims_err_set(&e, TIMS_ERR_INVALID, "%s: invalid UTF-8", hdr[i]);
				break;
			}
			json_object_set_new(o, hdr[i], s);
		}
		if (e.rc) {
			im->res->rows++;
			report(im, line, &e);
		} else {
			rc = take_row(im, o, line, err);
		}
		json_decref(o);
	}
	return rc;
}

static tims_rc import_jsonl(struct importer *im, const char *data, size_t len,
			    struct tims_err *err)
{
	const char *p = data, *end = data + len;
	size_t line = 0;
	tims_rc rc = TIMS_OK;

	while (!rc && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		json_error_t je;
		json_t *o;

		line++;
		if (n && p[n - 1] == '\r')
			n--;
		if (n == 0 || (n == 1 && p[0] == ' ')) {
			/* a blank line; a last line of just "\r" must end the loop too */
			p = nl ? nl + 1 : end;
			continue;
		}
		if (im->par) {
			/* parsed on a worker, in its place among the rows */
			if (im->o->progress && im->res->rows % 1024 == 0)
				im->o->progress(im->o->progress_ctx, im->res->rows);
			im->res->rows++;
			rc = par_add_raw(im, p, n, line, err);
			p = nl ? nl + 1 : end;
			continue;
		}
		o = json_loadb(p, n, JSON_REJECT_DUPLICATES, &je);
		if (!o) {
			struct tims_err e;

			im->res->rows++;
			tims_err_set(&e, TIMS_ERR_INVALID, "JSON: %s at column %d", je.text, je.column);
			report(im, line, &e);
		} else {
			if (im->removals && json_is_object(o) &&
			    json_is_true(json_object_get(o, "removed")))
				rc = take_removal(im, o, line, err);
			else
				rc = take_row(im, o, line, err);
			json_decref(o);
		}
		p = nl ? nl + 1 : end;
	}
	return rc;
}

static bool valid_list_name(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > TIMS_WL_LIST_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

static tims_rc ensure_list(struct importer *im, struct tims_err *err)
{
	enum tims_wl_kind k;
	tims_rc rc = tims__wl_find_list(im->wl, im->o->list, &im->list_id, &k,
					&im->version, err);
	sqlite3_stmt *st;

	if (rc == TIMS_ERR_NOTFOUND) {
		tims_err_clear(err);
		if (sqlite3_prepare_v2(im->wl->db, "INSERT INTO lists (name, kind) VALUES (?, ?)",
				       -1, &st, NULL) != SQLITE_OK)
			return tims__wl_dberr(im->wl, err, "lists");
		sqlite3_bind_text(st, 1, im->o->list, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, tims_wl_kind_name(im->o->kind), -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			rc = tims__wl_dberr(im->wl, err, "lists");
			sqlite3_finalize(st);
			return rc;
		}
		sqlite3_finalize(st);
		im->list_id = sqlite3_last_insert_rowid(im->wl->db);
		im->version = 0;
		return TIMS_OK;
	}
	if (rc)
		return rc;
	if (k != im->o->kind)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "list '%s' holds %s, not %s", im->o->list,
				    tims_wl_kind_name(k), tims_wl_kind_name(im->o->kind));
	return TIMS_OK;
}

/*
 * A large import writes rows whose index entries (ref, fingerprints) fall
 * all over the indexes: with SQLite's default page cache (2 MiB) most
 * inserts spill and read back pages. For the import only, a page cache in
 * proportion to the file (4 times its size, at most IMPORT_CACHE_MAX);
 * into a list that holds rows (a delta), in proportion to its lines: each
 * changes a page of the fingerprint index that is anywhere in it (two for
 * a number changed) and one of the table, so a delta of 100 000 lines
 * into 10 M documents touches most of that index (about 250 MiB) and with
 * less spills and reads back pages many times. A large one (a list of
 * 100 M made by imports of 8 M) needs the whole fingerprint index in the
 * cache: past IMPORT_CACHE_MAX, an insert at a random place of an index
 * the cache does not hold spills a page and reads one back, and the
 * import crawls (10 M documents took over 1 000 s, 100 M many hours). So
 * the cache grows with the store, to what its fingerprint index takes
 * (FP_INDEX_BYTES an entry, with this import's lines, plus room for the
 * pages the rows are appended to), bounded by a quarter of the memory and
 * IMPORT_CACHE_BIG. SQLite takes the memory as pages are used (a small
 * delta into a large store uses what it touches). The previous size
 * (returned, in SQLite's units) is set back after, and the memory with it.
 */
#define IMPORT_CACHE_MIN ((size_t)16 << 20)
#define IMPORT_CACHE_MAX ((size_t)512 << 20)
#define IMPORT_CACHE_BIG ((size_t)4 << 30)
#define CACHE_ROOM ((size_t)128 << 20)
#define CACHE_PAGES_PER_LINE 3
#define FP_INDEX_BYTES 32 /* an entry of a fingerprint index, its pages part full */

/* The most the cache of an import into a store of `rows` rows takes. */
static size_t cache_big(size_t rows, size_t lines)
{
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	size_t cap = IMPORT_CACHE_BIG, est = (rows + lines) * FP_INDEX_BYTES + CACHE_ROOM;

	if (pages > 0 && psz > 0 && (size_t)pages / 4 < cap / (size_t)psz)
		cap = (size_t)pages / 4 * (size_t)psz;
	if (cap < IMPORT_CACHE_MAX)
		cap = IMPORT_CACHE_MAX;
	return est < IMPORT_CACHE_MAX ? IMPORT_CACHE_MAX : est > cap ? cap : est;
}

static int64_t cache_grow(struct tims_wl *wl, const char *data, size_t len, bool fresh)
{
	sqlite3_stmt *st;
	int64_t was = 0, page = 4096;
	size_t want = len > IMPORT_CACHE_MAX / 4 ? IMPORT_CACHE_MAX : len * 4;
	char sql[64];

	if (sqlite3_prepare_v2(wl->db, "PRAGMA page_size", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0)
		page = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (!fresh) {
		size_t lines = 1, rows = 0, big;

		for (const char *p = data, *end = data + len;
		     p < end && (p = memchr(p, '\n', (size_t)(end - p))); p++)
			lines++;
		if (sqlite3_prepare_v2(wl->db, "SELECT coalesce(max(id), 0) FROM entries", -1, &st,
				       NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_int64(st, 0) > 0)
			rows = (size_t)sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		big = cache_big(rows, lines);
		if (lines > big / CACHE_PAGES_PER_LINE / (size_t)page)
			want = big;
		else if (lines * CACHE_PAGES_PER_LINE * (size_t)page > want)
			want = lines * CACHE_PAGES_PER_LINE * (size_t)page;
	}
	if (want < IMPORT_CACHE_MIN)
		return 0;
	if (sqlite3_prepare_v2(wl->db, "PRAGMA cache_size", -1, &st, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		was = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (!was)
		return 0;
	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%zu", want >> 10);
	return sqlite3_exec(wl->db, sql, NULL, NULL, NULL) == SQLITE_OK ? was : 0;
}

/*
 * The checkpoint of a large import (its pages copied from the WAL into the
 * store, each read back and written, then synced: about a third of the
 * commit of a delta of 100 000 into 10 M documents) is not part of making
 * the change durable: the commit synced the WAL (synchronous=FULL), and
 * readers find the pages there. So it runs after the commit on a thread
 * of its own, through a connection of its own (SQLite's passive
 * checkpoint: it waits for no one, and a writer does not wait for it), and
 * the writer's own automatic checkpoint is held off until it is joined —
 * by the next import, or at close. A thread that cannot be started: the
 * checkpoint is made here, as before.
 */
#define WAL_AUTOCHECKPOINT 1000 /* SQLite's default, in pages */

double tims__wl_ckpt_last_s;

static double mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *ckpt_main(void *arg)
{
	sqlite3 *db = arg;
	double t0 = mono_s();

	/* a read first: a connection knows the store is in WAL mode once it
	 * has read it (else the checkpoint does nothing) */
	sqlite3_exec(db, "PRAGMA schema_version", NULL, NULL, NULL);
	sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return (void *)(intptr_t)(int64_t)((mono_s() - t0) * 1e6);
}

static void ckpt_start(struct tims_wl *wl)
{
	const char *path = sqlite3_db_filename(wl->db, "main");
	sqlite3 *db = NULL;

	if (path && *path &&
	    sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) ==
	    SQLITE_OK && !pthread_create(&wl->ckpt, NULL, ckpt_main, db)) {
		wl->ckpt_db = db;
		wl->ckpt_pid = getpid();
		return;
	}
	sqlite3_close(db);
	sqlite3_wal_autocheckpoint(wl->db, WAL_AUTOCHECKPOINT);
	sqlite3_wal_checkpoint_v2(wl->db, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
}

void tims__wl_ckpt_join(struct tims_wl *wl, double *secs)
{
	void *us = NULL;

	if (secs)
		*secs = 0;
	if (!wl->ckpt_pid)
		return;
	/* a child of fork() has not the thread, only its memory */
	if (wl->ckpt_pid == getpid()) {
		pthread_join(wl->ckpt, &us);
		sqlite3_close(wl->ckpt_db);
		tims__wl_ckpt_last_s = (double)(intptr_t)us / 1e6;
		if (secs)
			*secs = tims__wl_ckpt_last_s;
	}
	wl->ckpt_db = NULL;
	wl->ckpt_pid = 0;
	sqlite3_wal_autocheckpoint(wl->db, WAL_AUTOCHECKPOINT);
}

static void cache_restore(struct tims_wl *wl, int64_t was)
{
	char sql[64];

	if (!was)
		return;
	snprintf(sql, sizeof(sql), "PRAGMA cache_size = %" PRId64, was);
	sqlite3_exec(wl->db, sql, NULL, NULL, NULL);
}

static tims_rc import(struct tims_wl *wl, const struct tims_wl_import_opts *o, bool removals,
		      const char *data, size_t len, tims_wl_bad_fn bad, void *ctx,
		      struct tims_wl_import_result *res, struct tims_err *err)
{
	struct tims__wl_writer w;
	struct importer im = { wl, o, 0, 0, NULL, bad, ctx, res, removals, NULL };
	int64_t cache = 0;
	bool deferred = false; /* the fingerprint indexes dropped for this load */
	tims_rc rc;

	memset(res, 0, sizeof(*res));
	if (!valid_list_name(o->list))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "list: '%.60s' is not 1-%d of a-z, 0-9, '.', '_', '-'",
				    o->list ? o->list : "", TIMS_WL_LIST_NAME_MAX);
	if (!tims_wl_kind_parse(tims_wl_kind_name(o->kind)))
		return tims_err_set(err, TIMS_ERR_USAGE, "kind: persons, documents or vehicles");
	if (len > TIMS_WL_IMPORT_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "import: larger than %zu bytes",
				    TIMS_WL_IMPORT_MAX);
	tims__wl_ckpt_join(wl, NULL);
	if (sqlite3_exec(wl->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "begin");
	if ((rc = ensure_list(&im, err)))
		goto fail;
	im.version++;
	if ((rc = tims__wl_writer_begin(wl, im.list_id, &w, err)))
		goto fail;
	im.w = &w;
	cache = cache_grow(wl, data, len, w.fresh);
	{
		size_t lines = 1;

		for (const char *p = data, *end = data + len;
		     p < end && (p = memchr(p, '\n', (size_t)(end - p))); p++)
			lines++;
		deferred = tims__wl_defer_fp_indexes(wl, lines);
	}
	if (deferred && (rc = tims__wl_fp_indexes(wl, false, err)))
		goto fail;
	im.par = par_new(&im, len);
	tims__wl_import_workers = im.par ? im.par->nthreads : 0;
	rc = o->format == TIMS_WL_CSV ? import_csv(&im, data, len, err)
				      : import_jsonl(&im, data, len, err);
	if (!rc && im.par)
		rc = par_finish(&im, err);
	par_free(im.par);
	im.par = NULL;
	if (rc)
		goto fail;
	if (res->bad && !o->skip_bad) {
		rc = tims_err_set(err, TIMS_ERR_INVALID,
				  "%zu of %zu rows are bad; nothing was imported "
				  "(--skip-bad stores the good rows)", res->bad, res->rows);
		res->stored = res->unchanged = res->removed = 0;
		goto fail;
	}
	if (o->replace) {
		size_t n;

		/* a whole list: its sum from its rows, not carried over */
		if ((rc = tims__wl_writer_del_unseen(&w, im.version, &n, err)) ||
		    (rc = tims__wl_writer_resum(&w, err)))
			goto fail;

		res->removed += n;
	}
	if (res->stored == 0 && res->removed == 0 && o->threshold < 0) {
		/* Nothing changed: the list keeps its version, and the `seen`
		 * marks of this import are dropped with the transaction; but a
		 * whole list whose rows are not what the sum kept said (a sum
		 * changed behind the store, repaired): the sum of the rows. */
		res->version = im.version - 1;
		if (o->replace && !tims__wl_writer_same(&w)) {
			im.w = NULL;
			if ((deferred && (rc = tims__wl_fp_indexes(wl, true, err))) ||
			    (rc = tims__wl_writer_end(&w, true, err)))
				goto fail;
			if (sqlite3_exec(wl->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
				rc = tims__wl_dberr(wl, err, "commit");
				goto fail;
			}
			cache_restore(wl, cache);
			return TIMS_OK;
		}
		tims__wl_writer_end(&w, false, NULL);
		sqlite3_exec(wl->db, "ROLLBACK", NULL, NULL, NULL);
		wl->fp_bulk = false;
		cache_restore(wl, cache);
		return TIMS_OK;
	} else {
		sqlite3_stmt *st;

		if (sqlite3_prepare_v2(wl->db,
				       "UPDATE lists SET version = ?1, threshold = coalesce(?2, threshold),"
				       " updated = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?3",
				       -1, &st, NULL) != SQLITE_OK) {
			rc = tims__wl_dberr(wl, err, "lists");
			goto fail;
		}
		sqlite3_bind_int64(st, 1, (sqlite3_int64)im.version);
		if (o->threshold >= 0)
			sqlite3_bind_double(st, 2, o->threshold);
		else
			sqlite3_bind_null(st, 2);
		sqlite3_bind_int64(st, 3, im.list_id);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			rc = tims__wl_dberr(wl, err, "lists");
			goto fail;
		}
		sqlite3_finalize(st);
	}
	if ((rc = tims__wl_record_change(wl, im.list_id, im.version, "import",
					 (uint64_t)(res->stored + res->removed), NULL, err)))
		goto fail;
	im.w = NULL;
	if (deferred && (rc = tims__wl_fp_indexes(wl, true, err)))
		goto fail;
	if ((rc = tims__wl_writer_end(&w, true, err)))
		goto fail;
	/* a large import: its checkpoint after the commit, off this thread */
	if (cache)
		sqlite3_wal_autocheckpoint(wl->db, 0);
	if (sqlite3_exec(wl->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		rc = tims__wl_dberr(wl, err, "commit");
		if (cache)
			sqlite3_wal_autocheckpoint(wl->db, WAL_AUTOCHECKPOINT);
		goto fail;
	}
	res->version = im.version;
	wl->fp_bulk = false;
	/* a change too large for fp_recent to stay small: folded now (a
	 * failure leaves it to the next merge; the view is whole either way) */
	tims__wl_fp_fold(wl, TIMS_WL_FP_RECENT_FOLD, NULL);
	cache_restore(wl, cache);
	if (cache)
		ckpt_start(wl);
	{
		struct tims_wl_digest d;

		/* the new version's digest now, while the store holds it (a
		 * failure here is made good by the next tims_wl_digest) */
		tims_wl_digest(wl, o->list, &d, NULL);
	}
	return TIMS_OK;
fail:
	par_free(im.par);
	if (im.w)
		tims__wl_writer_end(im.w, false, NULL);
	sqlite3_exec(wl->db, "ROLLBACK", NULL, NULL, NULL);
	wl->fp_bulk = false;
	cache_restore(wl, cache);
	res->version = im.version ? im.version - 1 : 0;
	return rc;
}

tims_rc tims_wl_import(struct tims_wl *wl, const struct tims_wl_import_opts *o,
		       const char *data, size_t len, tims_wl_bad_fn bad, void *ctx,
		       struct tims_wl_import_result *res, struct tims_err *err)
{
	tims_rc rc = import(wl, o, false, data, len, bad, ctx, res, err);

	/* a whole list (a repair from the centre among them): its
	 * fingerprint index made again from its rows, in a transaction of its
	 * own whether the rows changed or not (an index changed behind the
	 * store is mended with them, fpindex.c) */
	if (rc == TIMS_OK && o->replace && o->kind != TIMS_WL_PERSONS)
		rc = tims__wl_fp_list_rebuild(wl, o->list, err);
	return rc;
}

tims_rc tims_wl_import_delta(struct tims_wl *wl, const char *list, enum tims_wl_kind kind,
			     const char *data, size_t len, struct tims_wl_import_result *res,
			     struct tims_err *err)
{
	struct tims_wl_import_opts o = {
		.list = list, .kind = kind, .format = TIMS_WL_JSONL,
		.skip_bad = false, .replace = false, .threshold = -1,
	};

	return import(wl, &o, true, data, len, NULL, NULL, res, err);
}

static tims_rc validate(enum tims_wl_kind kind, enum tims_wl_format format, bool removals,
		       const char *data, size_t len, tims_wl_bad_fn bad, void *ctx,
		       struct tims_wl_import_result *res, struct tims_err *err)
{
	struct tims_wl_import_opts o = { "validate", kind, format, false, false, -1, NULL, NULL };
	struct importer im = { NULL, &o, 0, 0, NULL, bad, ctx, res, removals, NULL };
	tims_rc rc;

	memset(res, 0, sizeof(*res));
	if (!tims_wl_kind_parse(tims_wl_kind_name(kind)))
		return tims_err_set(err, TIMS_ERR_USAGE, "kind: persons, documents or vehicles");
	if (len > TIMS_WL_IMPORT_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "import: larger than %zu bytes",
				    TIMS_WL_IMPORT_MAX);
	rc = format == TIMS_WL_CSV ? import_csv(&im, data, len, err)
				   : import_jsonl(&im, data, len, err);
	if (!rc && res->bad)
		rc = tims_err_set(err, TIMS_ERR_INVALID, "%zu of %zu rows are bad",
				  res->bad, res->rows);
	return rc;
}

tims_rc tims_wl_validate(enum tims_wl_kind kind, enum tims_wl_format format,
			 const char *data, size_t len, tims_wl_bad_fn bad, void *ctx,
			 struct tims_wl_import_result *res, struct tims_err *err)
{
	return validate(kind, format, false, data, len, bad, ctx, res, err);
}

tims_rc tims_wl_validate_delta(enum tims_wl_kind kind, const char *data, size_t len,
			       tims_wl_bad_fn bad, void *ctx, struct tims_wl_import_result *res,
			       struct tims_err *err)
{
	return validate(kind, TIMS_WL_JSONL, true, data, len, bad, ctx, res, err);
}
