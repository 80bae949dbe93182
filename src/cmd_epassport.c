/*
 * cmd_epassport.c — `tims epassport verify`: passive authentication of an
 * e-passport chip's files (ICAO Doc 9303 Parts 10-12) against CSCA
 * certificates or master lists, and CRLs, offline.
 *
 * The checks are the library's (lib/epass); this file reads the files with
 * their ceilings, prints the result for a person or as one JSON object, and
 * maps it to the exit status: 0 every check passed, 1 a check failed,
 * 2 usage or input/output error (a file that cannot be read, a CRL or
 * master list that cannot be parsed: never "no revocation").
 */
#include <sys/stat.h>

#include <jansson.h>
#include <sodium.h>

#include "cli.h"
#include "tims/buf.h"
#include "tims/epass.h"
#include "tims/epass_chip.h"
#include "tims/util.h"

static const char usage[] =
	N_("usage: tims epassport verify [--json] [--at YYYY-MM-DD] [--mrz FILE]\n"
	"           --csca FILE [--csca FILE ...] [--crl FILE ...] EF.SOD [EF.DGn ...]\n"
	"\n"
	"Passive authentication of an e-passport chip's files (ICAO Doc 9303):\n"
	"the EF.SOD's CMS signature, the Document Signer's certificate (issued\n"
	"by a CSCA, valid at the date, not revoked by the CRLs), the hash of each\n"
	"data group given against the security object, DG1's MRZ against the\n"
	"printed one (--mrz) and DG1's issuing state against the signer's country.\n"
	"\n"
	"EF.SOD is the file as read from the chip (tag 0x77); each EF.DGn is a raw\n"
	"data-group file, its number read from its tag. DG1 is required.\n"
	"\n"
	"Options:\n"
	"  --csca FILE  trust anchors: CSCA certificates (DER or PEM), or a CSCA\n"
	"               master list (CMS); a master list is accepted only when its\n"
	"               signature verifies and its list signer is, or is issued by,\n"
	"               a CSCA given as a certificate; repeatable\n"
	"  --crl FILE   a CRL (DER or PEM) of a CSCA; repeatable; a CRL that\n"
	"               cannot be read is an error\n"
	"  --at DATE    judge the certificates' validity at DATE (YYYY-MM-DD,\n"
	"               00:00 UTC) instead of now\n"
	"  --mrz FILE   the printed MRZ (2 or 3 lines) to compare with DG1\n"
	"  --json       one JSON object: valid, issuing_state, signer, checks,\n"
	"               data_groups, errors\n"
	"  -h, --help   this help\n"
	"\n"
	"Exit status: 0 every check passed, 1 a check failed, 2 usage or\n"
	"input/output error. See docs/epassport.md.\n");

#define MAX_FILES 64

struct files {
	struct tims_buf b[MAX_FILES];
	const char *name[MAX_FILES];
	size_t n;
};

static int load(struct files *f, const char *path, size_t max, struct tims_err *err)
{
	if (f->n == MAX_FILES) {
		tims_err_set(err, TIMS_ERR_TOOBIG, "more than %d files", MAX_FILES);
		return -1;
	}
	tims_buf_init(&f->b[f->n], max);
	if (tims_read_file(path, max, &f->b[f->n], err) != TIMS_OK) {
		tims_buf_release(&f->b[f->n]);
		return -1;
	}
	f->name[f->n++] = path;
	return (int)f->n - 1;
}

static void files_release(struct files *f)
{
	for (size_t i = 0; i < f->n; i++)
		tims_buf_release(&f->b[i]);
}

/* The printed MRZ: its lines, spaces and line ends dropped. */
static int read_mrz(const char *path, char *out, size_t cap, struct tims_err *err)
{
	struct tims_buf b;
	size_t n = 0;

	tims_buf_init(&b, 4096);
	if (tims_read_file(path, 4096, &b, err) != TIMS_OK) {
		tims_buf_release(&b);
		return -1;
	}
	for (size_t i = 0; i < b.len; i++) {
		char c = b.buf[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (n + 1 >= cap) {
			tims_buf_release(&b);
			tims_err_set(err, TIMS_ERR_INVALID, "%s: more than %zu MRZ characters", path, cap - 1);
			return -1;
		}
		out[n++] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
	}
	out[n] = '\0';
	tims_buf_release(&b);
	if (n != 88 && n != 72 && n != 90) {
		tims_err_set(err, TIMS_ERR_INVALID,
			     "%s: %zu MRZ characters, expected 88 (TD3), 72 (TD2) or 90 (TD1)", path, n);
		return -1;
	}
	return 0;
}

static int parse_date(const char *s, time_t *out)
{
	struct tm tm = { 0 };
	char *end;
	long y, m, d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	y = strtol(s, &end, 10);
	if (end != s + 4)
		return -1;
	m = strtol(s + 5, &end, 10);
	if (end != s + 7)
		return -1;
	d = strtol(s + 8, &end, 10);
	if (end != s + 10 || y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	tm.tm_year = (int)y - 1900;
	tm.tm_mon = (int)m - 1;
	tm.tm_mday = (int)d;
	*out = timegm(&tm);
	return tm.tm_mday == d ? 0 : -1; /* 2026-02-31 normalised away */
}

static int print_json(const struct tims_epass_result *r, json_t *chip)
{
	json_t *o = json_object(), *checks = json_array(), *dgs = json_array(),
	       *errs = json_array(), *quirks = json_array();
	char *s;

	if (!o || !checks || !dgs || !errs || !quirks)
		goto fail;
	json_object_set_new(o, "valid", json_boolean(r->valid));
	if (chip)
		json_object_set(o, "chip", chip);
	json_object_set_new(o, "issuing_state", r->issuing_state[0] ?
			    json_string(r->issuing_state) : json_null());
	json_object_set_new(o, "signer", r->signer[0] ? json_string(r->signer) : json_null());
	json_object_set_new(o, "csca", r->csca[0] ? json_string(r->csca) : json_null());
	for (unsigned i = 0; i < r->nchecks; i++)
		json_array_append_new(checks, json_pack("{s:s, s:b, s:s}",
			"name", r->checks[i].name, "ok", r->checks[i].ok,
			"detail", r->checks[i].detail));
	for (unsigned i = 0; i < r->ndgs; i++)
		json_array_append_new(dgs, json_pack("{s:i, s:b}",
			"number", (int)r->dgs[i].number, "hash_ok", r->dgs[i].hash_ok));
	for (unsigned i = 0; i < r->nerrors; i++)
		json_array_append_new(errs, json_pack("{s:s, s:s}",
			"field", r->errors[i].field, "message", r->errors[i].message));
	if (r->errors_truncated)
		json_array_append_new(errs, json_pack("{s:s, s:s}", "field", "errors",
			"message", "more errors not shown"));
	for (unsigned i = 0; i < r->nquirks; i++)
		json_array_append_new(quirks, json_string(r->quirks[i]));
	json_object_set_new(o, "checks", checks);
	json_object_set_new(o, "data_groups", dgs);
	json_object_set_new(o, "errors", errs);
	json_object_set_new(o, "quirks_accepted", quirks);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s)
		return -1;
	puts(s);
	free(s);
	return 0;
fail:
	json_decref(o);
	json_decref(checks);
	json_decref(dgs);
	json_decref(errs);
	json_decref(quirks);
	return -1;
}

static void print_text(const struct tims_epass_result *r)
{
	printf(_("Passive authentication: %s\n"), r->valid ? _("VALID") : _("FAILED"));
	if (r->issuing_state[0])
		printf(_("  Issuing state  %s\n"), r->issuing_state);
	if (r->signer[0])
		printf(_("  Signer         %s\n"), r->signer);
	if (r->csca[0])
		printf(_("  CSCA           %s\n"), r->csca);
	for (unsigned i = 0; i < r->nchecks; i++)
		printf("  %s %-18s %s\n", r->checks[i].ok ? _("ok  ") : _("FAIL"),
		       r->checks[i].name, r->checks[i].detail);
	for (unsigned i = 0; i < r->ndgs; i++)
		printf(_("  dg%-2u hash %s\n"), r->dgs[i].number,
		       r->dgs[i].hash_ok ? _("matches") : _("DOES NOT MATCH"));
	for (unsigned i = 0; i < r->nquirks; i++)
		printf(_("  accepted quirk: %s\n"), r->quirks[i]);
	for (unsigned i = 0; i < r->nerrors; i++)
		printf(_("  error: %s: %s\n"), r->errors[i].field, r->errors[i].message);
	if (r->errors_truncated)
		printf(_("  error: (more errors not shown)\n"));
}

/*
 * The trust anchors: --csca files, --crl files, sealed at `at`. CLI_OK with
 * *t set; CLI_FAIL with r filled when a master list is refused (a failed
 * check, not a usage error); CLI_USAGE after printing why otherwise.
 */
static int load_trust(struct files *f, const char **csca, size_t ncsca, const char **crl,
		      size_t ncrl, time_t at, struct tims_epass_trust **tp,
		      struct tims_epass_result *r)
{
	struct tims_epass_trust *t = NULL;
	struct tims_err err;
	size_t nanchors = 0;
	int idx;
	tims_rc rc;

	*tp = NULL;
	if (tims_epass_trust_new(&t, &err) != TIMS_OK)
		return cli_error(CLI_USAGE, "epassport", "%s", err.msg);
	*tp = t;
	for (size_t i = 0; i < ncsca; i++) {
		if ((idx = load(f, csca[i], TIMS_EPASS_LIST_MAX, &err)) < 0)
			return cli_error(CLI_USAGE, "epassport", _("--csca: %s"), err.msg);
		if (tims_epass_trust_add_csca(t, (const uint8_t *)f->b[idx].buf, f->b[idx].len,
					      csca[i], &err) != TIMS_OK)
			return cli_error(CLI_USAGE, "epassport", "%s", err.msg);
	}
	for (size_t i = 0; i < ncrl; i++) {
		if ((idx = load(f, crl[i], TIMS_EPASS_LIST_MAX, &err)) < 0)
			return cli_error(CLI_USAGE, "epassport", _("--crl: %s"), err.msg);
		if (tims_epass_trust_add_crl(t, (const uint8_t *)f->b[idx].buf, f->b[idx].len,
					     crl[i], &err) != TIMS_OK)
			return cli_error(CLI_USAGE, "epassport", "%s", err.msg);
	}
	rc = tims_epass_trust_seal(t, at, &nanchors, &err);
	if (rc == TIMS_ERR_SIGNATURE) {
		/* A refused master list is a failed check, not a usage error. */
		memset(r, 0, sizeof(*r));
		r->nchecks = 1;
		r->checks[0].name = "csca_list";
		snprintf(r->checks[0].detail, sizeof(r->checks[0].detail), "%.199s", err.msg);
		r->nerrors = 1;
		snprintf(r->errors[0].field, sizeof(r->errors[0].field), "csca");
		snprintf(r->errors[0].message, sizeof(r->errors[0].message), "%.199s",
			 !strncmp(err.msg, "csca ", 5) ? err.msg + 5 : err.msg);
		return CLI_FAIL;
	}
	if (rc != TIMS_OK)
		return cli_error(CLI_USAGE, "epassport", "%s", err.msg);
	return CLI_OK;
}

static int verify(int argc, char **argv)
{
	static struct files f;        /* a few hundred bytes of handles */
	static struct tims_epass_result r;
	static char printed[TIMS_EPASS_MRZ_MAX + 2];
	struct tims_epass_input in = { 0 };
	struct tims_epass_trust *t = NULL;
	struct tims_err err;
	const char *csca[MAX_FILES], *crl[MAX_FILES], *mrz = NULL, *at = NULL;
	const char *docs[1 + TIMS_EPASS_MAX_DG];
	size_t ncsca = 0, ncrl = 0, ndocs = 0;
	bool json = false, opts_done = false;
	int status = CLI_USAGE, idx;
	tims_rc rc;

	if (cli_wants_help(argc, argv)) {
		fputs(_(usage), stdout);
		return CLI_OK;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_val = i + 1 < argc;

		if (!opts_done && !strcmp(a, "--")) {
			opts_done = true;
		} else if (!opts_done && !strcmp(a, "--json")) {
			json = true;
		} else if (!opts_done && !strcmp(a, "--csca") && has_val) {
			if (ncsca == MAX_FILES)
				return cli_error(CLI_USAGE, "epassport", _("too many --csca"));
			csca[ncsca++] = argv[++i];
		} else if (!opts_done && !strcmp(a, "--crl") && has_val) {
			if (ncrl == MAX_FILES)
				return cli_error(CLI_USAGE, "epassport", _("too many --crl"));
			crl[ncrl++] = argv[++i];
		} else if (!opts_done && !strcmp(a, "--at") && has_val) {
			at = argv[++i];
		} else if (!opts_done && !strcmp(a, "--mrz") && has_val) {
			mrz = argv[++i];
		} else if (!opts_done && a[0] == '-' && a[1]) {
			fputs(_(usage), stderr);
			return cli_error(CLI_USAGE, "epassport", _("unknown option or missing value: '%s'"), a);
		} else {
			if (ndocs == 1 + TIMS_EPASS_MAX_DG)
				return cli_error(CLI_USAGE, "epassport",
						 _("at most %d data-group files"), TIMS_EPASS_MAX_DG);
			docs[ndocs++] = a;
		}
	}
	if (ncsca == 0 || ndocs == 0) {
		fputs(_(usage), stderr);
		return cli_error(CLI_USAGE, "epassport", "%s",
				 ncsca == 0 ? _("--csca is required") : _("EF.SOD is required"));
	}
	in.at = time(NULL);
	if (at && parse_date(at, &in.at))
		return cli_error(CLI_USAGE, "epassport", _("--at: '%s' is not a date YYYY-MM-DD"), at);
	if (mrz) {
		if (read_mrz(mrz, printed, sizeof(printed), &err))
			return cli_error(CLI_USAGE, "epassport", _("--mrz: %s"), err.msg);
		in.printed_mrz = printed;
	}
	status = load_trust(&f, csca, ncsca, crl, ncrl, in.at, &t, &r);
	if (status == CLI_FAIL)
		goto print;
	if (status != CLI_OK)
		goto out;
	status = CLI_USAGE;
	for (size_t i = 0; i < ndocs; i++) {
		size_t max = i == 0 ? TIMS_EPASS_SOD_MAX : TIMS_EPASS_DG_MAX;

		if ((idx = load(&f, docs[i], max, &err)) < 0) {
			cli_error(CLI_USAGE, "epassport", "%s", err.msg);
			goto out;
		}
		if (i == 0) {
			in.sod.p = (const uint8_t *)f.b[idx].buf;
			in.sod.n = f.b[idx].len;
		} else {
			in.dgs[in.ndgs].p = (const uint8_t *)f.b[idx].buf;
			in.dgs[in.ndgs++].n = f.b[idx].len;
		}
	}
	rc = tims_epass_verify(t, &in, &r);
	if (rc == TIMS_ERR_NOMEM || rc == TIMS_ERR_CRYPTO || rc == TIMS_ERR_USAGE) {
		cli_error(CLI_USAGE, "epassport", "%s", r.nerrors ? r.errors[0].message
								     : tims_strerror(rc));
		goto out;
	}
	status = r.valid ? CLI_OK : CLI_FAIL;
print:
	if (json ? print_json(&r, NULL) : (print_text(&r), 0)) {
		cli_error(CLI_USAGE, "epassport", _("out of memory writing JSON"));
		status = CLI_USAGE;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error(CLI_USAGE, "epassport", _("writing the output: %s"), strerror(errno));
		status = CLI_USAGE;
	}
out:
	tims_epass_trust_free(t);
	files_release(&f);
	f.n = 0;
	return status;
}

/* --- tims epassport read ----------------------------------------------------- */

static const char read_usage[] =
	N_("usage: tims epassport read (--reader NAME | --first)\n"
	"           (--mrz FILE | --mrz-line LINE --mrz-line LINE [--mrz-line LINE])\n"
	"           --csca FILE [--csca FILE ...] [--crl FILE ...] [--at YYYY-MM-DD]\n"
	"           [--challenge HEX] [--out DIR] [--json]\n"
	"\n"
	"Read an e-passport chip over a PC/SC reader and authenticate its data:\n"
	"select the eMRTD application, Basic Access Control with keys from the\n"
	"printed MRZ (ICAO Doc 9303 Part 11), then EF.COM, EF.SOD, DG1, DG2 and,\n"
	"when EF.COM or the SOD lists them, DG14 and DG15 through secure\n"
	"messaging (every response's MAC checked); active authentication when\n"
	"DG15 holds an RSA key (the chip signs a challenge: not a copy); then\n"
	"passive authentication of what was read, as `tims epassport verify`\n"
	"does, with DG1's MRZ against the printed one.\n"
	"\n"
	"Options:\n"
	"  --reader NAME  the PC/SC reader, as pcsc-lite names it\n"
	"  --first        the first reader with a card in it\n"
	"  --mrz FILE     the printed MRZ (2 or 3 lines)\n"
	"  --mrz-line L   one line of the printed MRZ; give each line in order\n"
	"  --csca, --crl, --at   trust anchors, CRLs and date, as for verify\n"
	"  --challenge HEX  active authentication's challenge, 16 hex digits,\n"
	"                 as the post issued it (POST /api/v1/chip/challenge);\n"
	"                 default: random. The chip's answer goes to --out\n"
	"                 (aa-response.bin) and --json (chip.aa_response, base64)\n"
	"                 for the booth to send with the files\n"
	"  --out DIR      write the files read (ef.com.bin, ef.sod.bin,\n"
	"                 dg1.bin ...; mode 0600, never over an existing file)\n"
	"  --json         one JSON object: verify's, with a \"chip\" object\n"
	"                 (reader, read, step, error, files, active_authentication)\n"
	"\n"
	"Exit status: 0 read and every check passed; 1 the chip refused BAC\n"
	"(wrong MRZ), a response failed its MAC, a file is missing or truncated,\n"
	"active authentication failed (a cloned chip), or a check failed;\n"
	"2 usage or input/output error, no PC/SC service, no reader, no card.\n"
	"See docs/epassport.md.\n");

struct chip_file {
	const char *name;   /* "dg2" */
	uint16_t fid;
	unsigned dg;        /* 0 for EF.COM / EF.SOD */
	uint8_t *p;
	size_t n;
};

/* The printed MRZ from --mrz-line arguments: spaces dropped, upper case. */
static int join_lines(const char **lines, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++)
		for (const char *c = lines[i]; *c; c++) {
			if (*c == ' ' || *c == '\t' || *c == '\r' || *c == '\n')
				continue;
			if (o + 1 >= cap)
				return -1;
			out[o++] = *c >= 'a' && *c <= 'z' ? (char)(*c - 'a' + 'A') : *c;
		}
	out[o] = '\0';
	return 0;
}

/* A failure of the chip read, as a result the printers show. */
static void chip_failure(struct tims_epass_result *r, const char *step, const char *msg)
{
	size_t sl = strlen(step);

	memset(r, 0, sizeof(*r));
	r->nchecks = 1;
	r->checks[0].name = "chip_read";
	snprintf(r->checks[0].detail, sizeof(r->checks[0].detail), "%.199s", msg);
	r->nerrors = 1;
	snprintf(r->errors[0].field, sizeof(r->errors[0].field), "%s", step);
	if (!strncmp(msg, step, sl) && msg[sl] == ':' && msg[sl + 1] == ' ')
		msg += sl + 2;
	snprintf(r->errors[0].message, sizeof(r->errors[0].message), "%.199s", msg);
}

/* Active authentication's outcome as a check of the result: a chip that
 * does not hold DG15's key fails the document; a key kind not checked is
 * said, not passed off as checked. */
static void add_aa(struct tims_epass_result *r, tims_rc rc, const struct tims_err *e)
{
	struct tims_epass_check *c;

	if (r->nchecks == TIMS_EPASS_MAX_CHECKS)
		return;
	c = &r->checks[r->nchecks++];
	c->name = "active_authentication";
	c->ok = rc == TIMS_OK || rc == TIMS_ERR_DENIED;
	snprintf(c->detail, sizeof(c->detail), "%.199s",
		 rc == TIMS_OK ? "the chip signed our challenge with DG15's RSA key (ISO 9796-2)" :
		 rc == TIMS_ERR_DENIED ? e->msg : e->msg);
	if (rc == TIMS_OK || rc == TIMS_ERR_DENIED)
		return;
	r->valid = false;
	if (r->nerrors < TIMS_EPASS_MAX_ERRORS) {
		snprintf(r->errors[r->nerrors].field, sizeof(r->errors[0].field), "aa");
		snprintf(r->errors[r->nerrors++].message, sizeof(r->errors[0].message), "%.199s",
			 !strncmp(e->msg, "aa: ", 4) ? e->msg + 4 : e->msg);
	}
}

static int write_out(const char *dir, const struct chip_file *cf, size_t n)
{
	char path[4096];
	struct tims_err err;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return cli_error(CLI_USAGE, "epassport", _("--out %s: %s"), dir, strerror(errno));
	for (size_t i = 0; i < n; i++) {
		if (!cf[i].p)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s.bin", dir, cf[i].name) >= sizeof(path))
			return cli_error(CLI_USAGE, "epassport", _("--out: path too long"));
		if (tims_write_file(path, cf[i].p, cf[i].n, 0600, 0, &err) != TIMS_OK)
			return cli_error(CLI_USAGE, "epassport", _("--out: %s"), err.msg);
	}
	return CLI_OK;
}

static int read_chip(int argc, char **argv)
{
	static struct files f;
	static struct tims_epass_result r;
	static char printed[TIMS_EPASS_MRZ_MAX + 2];
	struct chip_file cf[7] = {
		{ "ef.com", 0x011E, 0, NULL, 0 }, { "ef.sod", 0x011D, 0, NULL, 0 },
		{ "dg1", 0x0101, 1, NULL, 0 },    { "dg2", 0x0102, 2, NULL, 0 },
		{ "dg14", 0x010E, 14, NULL, 0 },  { "dg15", 0x010F, 15, NULL, 0 },
		{ "aa-response", 0, 0, NULL, 0 }, /* the chip's answer, not a file */
	};
	struct tims_epass_input in = { 0 };
	uint8_t challenge[8];
	bool has_challenge = false;
	struct tims_epass_trust *t = NULL;
	struct tims_epass_pcsc *pc = NULL;
	struct tims_epass_card card;
	struct tims_epass_sm sm = { 0 };
	struct tims_err err;
	const char *csca[MAX_FILES], *crl[MAX_FILES], *lines[3], *mrz = NULL, *at = NULL;
	const char *reader = NULL, *out = NULL, *step = NULL;
	char info[TIMS_EPASS_MRZ_INFO_MAX + 1];
	size_t ncsca = 0, ncrl = 0, nlines = 0;
	bool json = false, first = false, listed[17] = { false };
	json_t *chip = NULL, *files = NULL;
	int status = CLI_USAGE;
	tims_rc rc = TIMS_OK, aa_rc = TIMS_OK;
	struct tims_err aa_err = { 0 };

	if (cli_wants_help(argc, argv)) {
		fputs(_(read_usage), stdout);
		return CLI_OK;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_val = i + 1 < argc;

		if (!strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "--first")) {
			first = true;
		} else if (!strcmp(a, "--reader") && has_val) {
			reader = argv[++i];
		} else if (!strcmp(a, "--mrz") && has_val) {
			mrz = argv[++i];
		} else if (!strcmp(a, "--mrz-line") && has_val) {
			if (nlines == 3)
				return cli_error(CLI_USAGE, "epassport", _("--mrz-line: at most 3 lines"));
			lines[nlines++] = argv[++i];
		} else if (!strcmp(a, "--csca") && has_val) {
			if (ncsca == MAX_FILES)
				return cli_error(CLI_USAGE, "epassport", _("too many --csca"));
			csca[ncsca++] = argv[++i];
		} else if (!strcmp(a, "--crl") && has_val) {
			if (ncrl == MAX_FILES)
				return cli_error(CLI_USAGE, "epassport", _("too many --crl"));
			crl[ncrl++] = argv[++i];
		} else if (!strcmp(a, "--at") && has_val) {
			at = argv[++i];
		} else if (!strcmp(a, "--out") && has_val) {
			out = argv[++i];
		} else if (!strcmp(a, "--challenge") && has_val) {
			size_t bl;
			const char *end;

			a = argv[++i];
			if (strlen(a) != 16 || sodium_hex2bin(challenge, sizeof(challenge), a, 16, NULL,
							      &bl, &end) || bl != 8 || *end)
				return cli_error(CLI_USAGE, "epassport",
						 _("--challenge: '%s' is not 16 hex digits"), a);
			has_challenge = true;
		} else {
			fputs(_(read_usage), stderr);
			return cli_error(CLI_USAGE, "epassport", _("unknown option or missing value: '%s'"), a);
		}
	}
	if (!!reader == first || !!mrz == (nlines > 0) || ncsca == 0) {
		fputs(_(read_usage), stderr);
		return cli_error(CLI_USAGE, "epassport", "%s",
				 !!reader == first ? _("give one of --reader NAME and --first") :
				 ncsca == 0 ? _("--csca is required") :
				 _("give the printed MRZ: --mrz FILE or its --mrz-line lines"));
	}
	in.at = time(NULL);
	if (at && parse_date(at, &in.at))
		return cli_error(CLI_USAGE, "epassport", _("--at: '%s' is not a date YYYY-MM-DD"), at);
	if (mrz) {
		if (read_mrz(mrz, printed, sizeof(printed), &err))
			return cli_error(CLI_USAGE, "epassport", _("--mrz: %s"), err.msg);
	} else if (join_lines(lines, nlines, printed, sizeof(printed))) {
		return cli_error(CLI_USAGE, "epassport", _("--mrz-line: more than %d MRZ characters"),
				 TIMS_EPASS_MRZ_MAX);
	}
	/* The printed MRZ's check digits before the chip sees its keys: a
	 * misread MRZ is named here, not as a refused BAC. */
	if (tims_epass_bac_mrz_info(printed, strlen(printed), info, &err) != TIMS_OK)
		return cli_error(CLI_USAGE, "epassport", "%s", err.msg);
	in.printed_mrz = printed;
	status = load_trust(&f, csca, ncsca, crl, ncrl, in.at, &t, &r);
	if (status == CLI_FAIL)
		goto print;
	if (status != CLI_OK)
		goto out;
	status = CLI_USAGE;

	if (!(chip = json_object()) || !(files = json_array())) {
		cli_error(CLI_USAGE, "epassport", _("out of memory"));
		goto out;
	}
	json_object_set_new(chip, "files", files);
	if (tims_epass_pcsc_open(&pc, reader, &err) != TIMS_OK) {
		cli_error(CLI_USAGE, "epassport", "%s", err.msg);
		goto out;
	}
	json_object_set_new(chip, "reader", json_string(tims_epass_pcsc_reader(pc)));
	tims_epass_pcsc_card(pc, &card);
	if ((rc = tims_epass_chip_select_app(&card, &err)) != TIMS_OK) {
		step = "select";
	} else if ((rc = tims_epass_bac(&card, info, &sm, &err)) != TIMS_OK) {
		step = "bac";
	} else {
		for (size_t i = 0; i < 6 && rc == TIMS_OK; i++) {
			size_t max = cf[i].dg == 0 && i == 1 ? TIMS_EPASS_SOD_MAX : TIMS_EPASS_DG_MAX;

			/* DG1 and DG2 always (Doc 9303: mandatory); DG14/15
			 * when EF.COM lists them. */
			if (cf[i].dg > 2 && !listed[cf[i].dg])
				continue;
			rc = tims_epass_chip_read_file(&card, &sm, cf[i].fid, cf[i].name, max,
						       &cf[i].p, &cf[i].n, &err);
			if (rc != TIMS_OK) {
				step = cf[i].name;
				break;
			}
			json_array_append_new(files, json_pack("{s:s, s:I}", "name", cf[i].name,
							       "bytes", (json_int_t)cf[i].n));
			if (i == 0) {
				unsigned g[16], ng = 0;

				if ((rc = tims_epass_com_groups(cf[0].p, cf[0].n, g, &ng, &err)) != TIMS_OK) {
					step = "ef.com";
					break;
				}
				for (unsigned k = 0; k < ng; k++)
					listed[g[k]] = true;
			}
			if (i == 1) {
				/* the groups the SOD signs, whatever the unsigned
				 * EF.COM says: a chip that hides DG15 from EF.COM
				 * does not escape active authentication. A SOD
				 * that cannot be read is passive authentication's
				 * to report. */
				static struct tims_epass_lds lds;
				struct tims_err e2;

				if (tims_epass_sod_lds(cf[1].p, cf[1].n, &lds, &e2) == TIMS_OK)
					for (unsigned k = 0; k < lds.ngroups; k++)
						listed[lds.groups[k].number] = true;
			}
		}
	}
	if (rc == TIMS_OK && cf[5].p) {
		if (!(cf[6].p = malloc(512))) {
			cli_error(CLI_USAGE, "epassport", _("out of memory"));
			goto out;
		}
		aa_rc = tims_epass_chip_aa_with(&card, &sm, cf[5].p, cf[5].n, cf[4].p, cf[4].n,
						has_challenge ? challenge : NULL, cf[6].p, 512,
						&cf[6].n, &aa_err);
		if (!cf[6].n) {
			free(cf[6].p);
			cf[6].p = NULL;
		}
		if (aa_rc == TIMS_ERR_UNAVAILABLE || aa_rc == TIMS_ERR_IO || aa_rc == TIMS_ERR_NOMEM) {
			rc = aa_rc;
			step = "aa";
			err = aa_err;
		}
	}
	tims_epass_sm_clear(&sm);
	if (rc == TIMS_ERR_UNAVAILABLE || rc == TIMS_ERR_IO || rc == TIMS_ERR_NOMEM) {
		/* the reader or the card went away: not a verdict on the document */
		cli_error(CLI_USAGE, "epassport", "%s: %s", step, err.msg);
		goto out;
	}
	json_object_set_new(chip, "read", json_boolean(rc == TIMS_OK));
	json_object_set_new(chip, "active_authentication", json_string(
		!cf[5].p ? "not offered (no DG15)" : aa_rc == TIMS_OK ? "verified" :
		aa_rc == TIMS_ERR_DENIED ? "not done" : "failed"));
	if (cf[6].p) {
		size_t bl = sodium_base64_ENCODED_LEN(cf[6].n, sodium_base64_VARIANT_ORIGINAL);
		char *b64 = malloc(bl);

		if (b64) {
			sodium_bin2base64(b64, bl, cf[6].p, cf[6].n, sodium_base64_VARIANT_ORIGINAL);
			json_object_set_new(chip, "aa_response", json_string(b64));
			free(b64);
		}
	}
	json_object_set_new(chip, "step", step ? json_string(step) : json_null());
	json_object_set_new(chip, "error", step ? json_string(err.msg) : json_null());
	if (out && write_out(out, cf, 7) != CLI_OK)
		goto out;
	if (rc != TIMS_OK) {
		chip_failure(&r, step, err.msg);
		status = CLI_FAIL;
		goto print;
	}
	in.sod.p = cf[1].p;
	in.sod.n = cf[1].n;
	for (size_t i = 2; i < 6; i++)
		if (cf[i].p) {
			in.dgs[in.ndgs].p = cf[i].p;
			in.dgs[in.ndgs++].n = cf[i].n;
		}
	rc = tims_epass_verify(t, &in, &r);
	if (rc == TIMS_ERR_NOMEM || rc == TIMS_ERR_CRYPTO || rc == TIMS_ERR_USAGE) {
		cli_error(CLI_USAGE, "epassport", "%s", r.nerrors ? r.errors[0].message
								     : tims_strerror(rc));
		goto out;
	}
	if (cf[5].p)
		add_aa(&r, aa_rc, &aa_err);
	status = r.valid ? CLI_OK : CLI_FAIL;
print:
	if (json) {
		if (print_json(&r, chip)) {
			cli_error(CLI_USAGE, "epassport", _("out of memory writing JSON"));
			status = CLI_USAGE;
		}
	} else {
		if (pc)
			printf(_("Chip: reader '%s': %s\n"), tims_epass_pcsc_reader(pc),
			       step ? _("NOT READ") : _("read with BAC and secure messaging"));
		for (size_t i = 0; i < 6; i++)
			if (cf[i].p)
				printf(_("  %-6s %zu bytes\n"), cf[i].name, cf[i].n);
		print_text(&r);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error(CLI_USAGE, "epassport", _("writing the output: %s"), strerror(errno));
		status = CLI_USAGE;
	}
out:
	for (size_t i = 0; i < 7; i++)
		free(cf[i].p);
	json_decref(chip);
	tims_epass_pcsc_close(pc);
	tims_epass_trust_free(t);
	files_release(&f);
	f.n = 0;
	return status;
}

static const char family_usage[] =
	N_("usage: tims epassport verify [options] EF.SOD [EF.DGn ...]\n"
	"       tims epassport read (--reader NAME | --first) --mrz FILE --csca FILE ...\n"
	"\n"
	"E-passport chips (ICAO Doc 9303).\n"
	"\n"
	"Commands:\n"
	"  verify   passive authentication of the chip's files against CSCAs\n"
	"  read     read the chip over PC/SC (BAC, secure messaging), then verify\n");

int cmd_epassport(int argc, char **argv)
{
	static const struct cli_command table[] = {
		{ "verify", verify, "passive authentication of the chip's files against CSCAs" },
		{ "read", read_chip, "read the chip over PC/SC (BAC, secure messaging), then verify" },
	};

	return cli_dispatch("epassport", table, sizeof(table) / sizeof(table[0]),
			    family_usage, argc, argv);
}
