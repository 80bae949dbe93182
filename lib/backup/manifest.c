/*
 * manifest.c — the MANIFEST of a backup: written by tims_backup_take, read
 * back (untrusted: a backup may come from anywhere) by tims_backup_restore.
 *
 *   tims-backup 1
 *   kind post|centre|witness
 *   name NAME                       (the rest of the line)
 *   version VERSION                 (the TIMS that took it)
 *   created SECONDS
 *   file SHA256HEX BYTES db|plain SCHEMA PATH
 *   log PATH SIZE ROOT               (a log's latest signed checkpoint)
 *   end
 *
 * Every line ends in "\n"; fields are separated by one space; a path is
 * relative, made of [A-Za-z0-9._%+=-] components (a centre's mirror files
 * are named by the post's origin, %-escaped), never "." or "..".
 */
#include "tims/backup.h"

#include <stdlib.h>
#include <string.h>

#include "tims/buf.h"
#include "tims/util.h"

static const char *const kind_names[] = { "none", "post", "centre", "witness" };

const char *tims_backup_kind_name(enum tims_backup_kind k)
{
	return (unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : "none";
}

void tims_backup_manifest_release(struct tims_backup_manifest *m)
{
	if (!m)
		return;
	free(m->files);
	free(m->logs);
	memset(m, 0, sizeof(*m));
}

/* A path inside a backup: relative, no "." or ".." component, no empty one,
 * only [A-Za-z0-9._%+=-] and "/". */
static int path_ok(const char *p, size_t n)
{
	size_t comp = 0;

	if (!n || n > TIMS_BACKUP_PATH_MAX)
		return 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || p[i] == '/') {
			if (comp == 0 || (comp == 1 && p[i - 1] == '.') ||
			    (comp == 2 && p[i - 1] == '.' && p[i - 2] == '.'))
				return 0;
			comp = 0;
			continue;
		}
		char c = p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-' || c == '%' || c == '+' || c == '='))
			return 0;
		comp++;
	}
	return 1;
}

static int text_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

tims_rc tims_backup_manifest_format(const struct tims_backup_manifest *m, char **out,
				    size_t *len, struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(TIMS_BACKUP_MANIFEST_MAX);
	tims_rc rc;

	if (!text_ok(m->name, strlen(m->name)) || !text_ok(m->version, strlen(m->version)) ||
	    strchr(m->version, ' '))
		return tims_err_set(err, TIMS_ERR_INVALID, "manifest: name or version not printable");
	rc = tims_buf_addf(&b, "tims-backup %d\nkind %s\nname %s\nversion %s\ncreated %lld\n",
			   TIMS_BACKUP_FORMAT, tims_backup_kind_name(m->kind), m->name, m->version,
			   (long long)m->created);
	for (size_t i = 0; !rc && i < m->nfiles; i++) {
		const struct tims_backup_file *f = &m->files[i];
		if (!path_ok(f->path, strlen(f->path)))
			return tims_buf_release(&b), tims_err_set(err, TIMS_ERR_INVALID,
								  "manifest: path '%s' not allowed", f->path);
		if (!(rc = tims_buf_addstr(&b, "file ")) && !(rc = tims_buf_addhex(&b, f->sha256, 32)))
			rc = tims_buf_addf(&b, " %llu %s %d %s\n", (unsigned long long)f->bytes,
					   f->is_db ? "db" : "plain", f->is_db ? f->schema : 0, f->path);
	}
	for (size_t i = 0; !rc && i < m->nlogs; i++)
		rc = tims_buf_addf(&b, "log %s %llu %s\n", m->logs[i].path,
				   (unsigned long long)m->logs[i].size,
				   m->logs[i].root[0] ? m->logs[i].root : "-");
	if (!rc)
		rc = tims_buf_addstr(&b, "end\n");
	if (rc) {
		tims_buf_release(&b);
		return tims_err_set(err, rc, "manifest: too large");
	}
	*out = tims_buf_detach(&b, len);
	return TIMS_OK;
}

/* The next space-separated field of [*p, end): at most cap-1 bytes. */
static int field(const char **p, const char *end, char *out, size_t cap, int rest)
{
	const char *s = *p, *e = s;

	while (e < end && (rest || *e != ' '))
		e++;
	if (e == s || (size_t)(e - s) >= cap)
		return 0;
	memcpy(out, s, (size_t)(e - s));
	out[e - s] = '\0';
	*p = e < end ? e + 1 : e;
	return 1;
}

static int number(const char **p, const char *end, uint64_t max, uint64_t *v)
{
	char buf[24];
	struct tims_err e;

	return field(p, end, buf, sizeof(buf), 0) && tims_parse_u64(buf, max, v, "n", &e) == TIMS_OK;
}

/* Room for one more element in an array of n, grown by doubling from 16
 * (a MANIFEST names a few dozen files: no megabyte for each one read). */
static int room(void **arr, size_t n, size_t size)
{
	void *p;

	if (n < 16 || (n & (n - 1)))
		return 1;
	if (!(p = realloc(*arr, 2 * n * size)))
		return 0;
	*arr = p;
	return 1;
}

static tims_rc parse_line(struct tims_backup_manifest *m, size_t lineno, const char *s,
			  const char *end, int *seen_end, struct tims_err *err)
{
	char key[16], buf[TIMS_BACKUP_PATH_MAX + 1];
	uint64_t v;

	if (!field(&s, end, key, sizeof(key), 0))
		goto bad;
	if (lineno == 1) {
		if (strcmp(key, "tims-backup") || !number(&s, end, 1000, &v) || s != end)
			goto bad;
		if (v != TIMS_BACKUP_FORMAT)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "MANIFEST: backup format %llu, this TIMS reads %d",
					    (unsigned long long)v, TIMS_BACKUP_FORMAT);
		m->format = (int)v;
		return TIMS_OK;
	}
	if (!strcmp(key, "kind")) {
		if (m->kind || !field(&s, end, buf, sizeof(buf), 0) || s != end)
			goto bad;
		for (int k = TIMS_BACKUP_POST; k <= TIMS_BACKUP_WITNESS; k++)
			if (!strcmp(buf, kind_names[k]))
				m->kind = (enum tims_backup_kind)k;
		if (!m->kind)
			goto bad;
	} else if (!strcmp(key, "name")) {
		if (m->name[0] || !field(&s, end, m->name, sizeof(m->name), 1) ||
		    !text_ok(m->name, strlen(m->name)))
			goto bad;
	} else if (!strcmp(key, "version")) {
		if (m->version[0] || !field(&s, end, m->version, sizeof(m->version), 0) || s != end ||
		    !text_ok(m->version, strlen(m->version)))
			goto bad;
	} else if (!strcmp(key, "created")) {
		if (!number(&s, end, INT64_MAX, &v) || s != end)
			goto bad;
		m->created = (int64_t)v;
	} else if (!strcmp(key, "file")) {
		struct tims_backup_file *f;
		char hex[65], what[8];
		struct tims_err e;

		if (m->nfiles >= TIMS_BACKUP_MAX_FILES)
			return tims_err_set(err, TIMS_ERR_TOOBIG, "MANIFEST: more than %d files",
					    TIMS_BACKUP_MAX_FILES);
		if (!room((void **)&m->files, m->nfiles, sizeof(*m->files)))
			return tims_err_set(err, TIMS_ERR_NOMEM, "MANIFEST: out of memory");
		f = &m->files[m->nfiles];
		memset(f, 0, sizeof(*f));
		if (!field(&s, end, hex, sizeof(hex), 0) || tims_hex_decode(hex, f->sha256, 32, "sha256", &e) ||
		    !number(&s, end, INT64_MAX, &f->bytes) || !field(&s, end, what, sizeof(what), 0) ||
		    (strcmp(what, "db") && strcmp(what, "plain")) || !number(&s, end, INT32_MAX, &v) ||
		    !field(&s, end, f->path, sizeof(f->path), 0) || s != end ||
		    !path_ok(f->path, strlen(f->path)) || !strcmp(f->path, TIMS_BACKUP_MANIFEST))
			goto bad;
		f->is_db = what[0] == 'd';
		if (!f->is_db && v)
			goto bad; /* a plain file has no schema */
		f->schema = (int)v;
		for (size_t i = 0; i < m->nfiles; i++)
			if (!strcmp(m->files[i].path, f->path))
				return tims_err_set(err, TIMS_ERR_INVALID, "MANIFEST:%zu: %s named twice",
						    lineno, f->path);
		m->nfiles++;
	} else if (!strcmp(key, "log")) {
		struct tims_backup_log *l;

		if (m->nlogs >= TIMS_BACKUP_MAX_LOGS)
			return tims_err_set(err, TIMS_ERR_TOOBIG, "MANIFEST: more than %d logs",
					    TIMS_BACKUP_MAX_LOGS);
		if (!room((void **)&m->logs, m->nlogs, sizeof(*m->logs)))
			return tims_err_set(err, TIMS_ERR_NOMEM, "MANIFEST: out of memory");
		l = &m->logs[m->nlogs];
		memset(l, 0, sizeof(*l));
		if (!field(&s, end, l->path, sizeof(l->path), 0) || !path_ok(l->path, strlen(l->path)) ||
		    !number(&s, end, INT64_MAX, &l->size) || !field(&s, end, l->root, sizeof(l->root), 0) ||
		    s != end || !text_ok(l->root, strlen(l->root)))
			goto bad;
		if (!strcmp(l->root, "-"))
			l->root[0] = '\0';
		m->nlogs++;
	} else if (!strcmp(key, "end")) {
		if (s != end)
			goto bad;
		*seen_end = 1;
	} else {
		goto bad;
	}
	return TIMS_OK;
bad:
	return tims_err_set(err, TIMS_ERR_INVALID, "MANIFEST:%zu: malformed line (%s)", lineno,
			    lineno == 1 ? "want 'tims-backup 1'" : key[0] ? key : "empty");
}

tims_rc tims_backup_manifest_parse(const char *text, size_t len, struct tims_backup_manifest *m,
				   struct tims_err *err)
{
	const char *p = text, *end = text + len;
	size_t lineno = 0;
	int seen_end = 0;
	tims_rc rc = TIMS_OK;

	memset(m, 0, sizeof(*m));
	if (len > TIMS_BACKUP_MANIFEST_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "MANIFEST: larger than %zu bytes",
				    TIMS_BACKUP_MANIFEST_MAX);
	m->files = calloc(16, sizeof(*m->files));
	m->logs = calloc(16, sizeof(*m->logs));
	if (!m->files || !m->logs) {
		tims_backup_manifest_release(m);
		return tims_err_set(err, TIMS_ERR_NOMEM, "MANIFEST: out of memory");
	}
	while (!rc && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		lineno++;
		if (!nl || seen_end) {
			rc = tims_err_set(err, TIMS_ERR_INVALID, "MANIFEST:%zu: %s", lineno,
					  seen_end ? "text after 'end'" : "last line not ended");
			break;
		}
		if (memchr(p, '\0', (size_t)(nl - p)))
			rc = tims_err_set(err, TIMS_ERR_INVALID, "MANIFEST:%zu: NUL byte", lineno);
		else
			rc = parse_line(m, lineno, p, nl, &seen_end, err);
		p = nl + 1;
	}
	if (!rc && (!seen_end || !m->format || !m->kind || !m->name[0] || !m->version[0]))
		rc = tims_err_set(err, TIMS_ERR_INVALID, "MANIFEST: incomplete (%s missing)",
				  !m->format ? "format line" : !m->kind ? "kind" : !m->name[0] ? "name" :
				  !m->version[0] ? "version" : "'end'");
	if (rc)
		tims_backup_manifest_release(m);
	return rc;
}
