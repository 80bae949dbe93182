/*
 * trustdir.c — a post's chip trust anchors from a directory: DIR/csca/
 * (CSCA certificates, DER or PEM, and CSCA master lists) and DIR/crl/ (the
 * CSCAs' CRLs), sealed at a given time. The node loads DIR/epassport of its
 * data directory at start (docs/epassport.md, "At the booth").
 *
 * Fail closed: a file that cannot be read or parsed, or a master list that
 * does not verify, is an error naming the file; the post does not start
 * with half of its anchors. Files are taken in name order; names starting
 * with '.' are skipped (editors' and rsync's temporaries).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tims/buf.h"
#include "tims/epass.h"
#include "tims/util.h"

#define TRUSTDIR_MAX_FILES 4096

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Each regular file of dir/sub, in name order, to add (csca or crl). */
static tims_rc add_dir(struct tims_epass_trust *t, const char *dir, const char *sub, int crl,
		       size_t *nfiles, struct tims_err *err)
{
	char path[4096];
	char *names[TRUSTDIR_MAX_FILES];
	size_t n = 0;
	struct dirent *e;
	DIR *d;
	tims_rc rc = TIMS_OK;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if (!(d = opendir(path)))
		return TIMS_OK; /* no such part: none of that kind */
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == TRUSTDIR_MAX_FILES) {
			rc = tims_err_set(err, TIMS_ERR_TOOBIG, "%s: more than %d files", path,
					  TRUSTDIR_MAX_FILES);
			break;
		}
		if (!(names[n] = strdup(e->d_name))) {
			rc = tims_err_set(err, TIMS_ERR_NOMEM, "%s: out of memory", path);
			break;
		}
		n++;
	}
	closedir(d);
	if (!rc)
		qsort(names, n, sizeof(names[0]), by_name);
	for (size_t i = 0; !rc && i < n; i++) {
		struct tims_buf b = TIMS_BUF_INIT(TIMS_EPASS_LIST_MAX + 1);
		char f[4096 + 256];

		snprintf(f, sizeof(f), "%s/%s", path, names[i]);
		if (!(rc = tims_read_file(f, TIMS_EPASS_LIST_MAX, &b, err)))
			rc = crl ? tims_epass_trust_add_crl(t, (const uint8_t *)b.buf, b.len, f, err)
				 : tims_epass_trust_add_csca(t, (const uint8_t *)b.buf, b.len, f, err);
		tims_buf_release(&b);
		(*nfiles)++;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	return rc;
}

tims_rc tims_epass_trust_load_dir(const char *dir, time_t at, struct tims_epass_trust **out,
				  size_t *nanchors, size_t *nfiles, struct tims_err *err)
{
	struct tims_epass_trust *t = NULL;
	tims_rc rc;

	*out = NULL;
	*nanchors = *nfiles = 0;
	if ((rc = tims_epass_trust_new(&t, err)) ||
	    (rc = add_dir(t, dir, "csca", 0, nfiles, err)) ||
	    (rc = add_dir(t, dir, "crl", 1, nfiles, err)))
		goto fail;
	if (!*nfiles) {
		tims_epass_trust_free(t);
		return TIMS_OK; /* nothing configured: no trust, *out NULL */
	}
	if ((rc = tims_epass_trust_seal(t, at, nanchors, err)))
		goto fail;
	*out = t;
	return TIMS_OK;
fail:
	tims_epass_trust_free(t);
	return rc;
}
