/*
 * paths.c — what a confined process must still read after start, besides
 * its data directory and the paths its serve command adds.
 *
 * The daemon: shared libraries (NSS modules that getaddrinfo loads on its
 * first call, the PKCS#11 module), CA certificates for the HTTPS client
 * (GnuTLS reads the system bundle per connection when no CA file is given; the hashed names in /etc/ssl/certs point into
 * /usr/share/ca-certificates), zoneinfo, the resolver's files, the account
 * files (libpq and initgroups look users up), /dev/urandom, its own /proc
 * entry (thread names, the checks of tims_sandbox_enter) and the CPU list
 * sysconf reads. The signer: the same without certificates and resolver.
 *
 * The signer rereads a token's PIN file and its token directory when the
 * token comes back after an outage: tims_sandbox_add_p11_* finds them in
 * the PKCS#11 URIs the node's files hold (src/serve_sandbox.c gives them
 * to the signer's sandbox only).
 */
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>

#include "tims/buf.h"
#include "tims/keydir.h"
#include "tims/p11.h"
#include "tims/util.h"
#include "internal.h"

static const char *const daemon_ro[] = {
	"/usr/lib", "/lib", "/lib64", "/usr/lib64", "/usr/local/lib",
	"/etc/ssl", "/usr/share/ca-certificates", "/usr/local/share/ca-certificates",
	"/etc/ca-certificates", "/etc/pki", "/etc/gnutls", "/etc/crypto-policies",
	"/usr/share/zoneinfo", "/etc/localtime", "/etc/timezone", "/usr/share/icu",
	"/etc/hosts", "/etc/resolv.conf", "/run/systemd/resolve", "/etc/nsswitch.conf",
	"/etc/gai.conf", "/etc/host.conf", "/etc/services", "/etc/protocols",
	"/etc/passwd", "/etc/group", "/etc/postgresql-common",
	"/dev/urandom", "/dev/random", "/dev/null",
	"/proc/self", "/sys/devices/system/cpu",
	NULL,
};

static const char *const signer_ro[] = {
	"/usr/lib", "/lib", "/lib64", "/usr/lib64", "/usr/local/lib",
	"/usr/lib/ssl", "/etc/ssl/openssl.cnf", /* OpenSSL, under SoftHSM2 */
	"/usr/share/zoneinfo", "/etc/localtime",
	"/etc/passwd", "/etc/group",
	"/dev/urandom", "/dev/random", "/dev/null",
	"/proc/self", "/sys/devices/system/cpu",
	NULL,
};

const char *const *sandbox_system_ro(enum tims_sandbox_profile profile)
{
	return profile == TIMS_SANDBOX_SIGNER ? signer_ro : daemon_ro;
}

/* SQLite's choice (unixTempFileDir): SQLITE_TMPDIR, TMPDIR, /var/tmp,
 * /usr/tmp, /tmp; the first that is a writable directory. Its statement
 * journals spill there past 64 KiB, in the middle of ordinary work. */
void sandbox_sqlite_tmpdir(char *out, size_t cap)
{
	const char *dirs[] = { getenv("SQLITE_TMPDIR"), getenv("TMPDIR"), "/var/tmp",
			       "/usr/tmp", "/tmp" };
	struct stat st;

	*out = '\0';
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (!dirs[i] || !*dirs[i] || stat(dirs[i], &st) != 0 || !S_ISDIR(st.st_mode) ||
		    access(dirs[i], W_OK | X_OK) != 0)
			continue;
		if (strlen(dirs[i]) < cap)
			snprintf(out, cap, "%s", dirs[i]);
		return;
	}
}

/* ---- PKCS#11 ---------------------------------------------------------- */

tims_rc tims_sandbox_softhsm_tokendir(const char *text, size_t len, char *out,
				      size_t cap, struct tims_err *err)
{
	static const char key[] = "directories.tokendir";
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *q = p, *v, *ve;

		if (!eol)
			eol = end;
		while (q < eol && (*q == ' ' || *q == '\t'))
			q++;
		if ((size_t)(eol - q) > sizeof(key) - 1 && memcmp(q, key, sizeof(key) - 1) == 0) {
			q += sizeof(key) - 1;
			while (q < eol && (*q == ' ' || *q == '\t'))
				q++;
			if (q < eol && *q == '=') {
				v = q + 1;
				while (v < eol && (*v == ' ' || *v == '\t'))
					v++;
				ve = eol;
				while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t' || ve[-1] == '\r'))
					ve--;
				if (ve == v)
					return tims_err_set(err, TIMS_ERR_INVALID,
							    "softhsm2.conf: %s: empty", key);
				if ((size_t)(ve - v) >= cap || memchr(v, '\0', (size_t)(ve - v)))
					return tims_err_set(err, TIMS_ERR_TOOBIG,
							    "softhsm2.conf: %s: longer than %zu bytes",
							    key, cap - 1);
				memcpy(out, v, (size_t)(ve - v));
				out[ve - v] = '\0';
				return TIMS_OK;
			}
		}
		p = eol + 1;
	}
	return tims_err_set(err, TIMS_ERR_NOTFOUND, "softhsm2.conf: no %s", key);
}

/* SoftHSM2's configuration and token directory, once per cfg. */
static tims_rc add_softhsm(struct tims_sandbox_cfg *cfg, struct tims_err *err)
{
	struct tims_buf text = TIMS_BUF_INIT(64 * 1024);
	const char *conf = getenv("SOFTHSM2_CONF");
	char dir[TIMS_SANDBOX_PATH_BYTES];
	tims_rc rc;

	if (!conf || !*conf)
		conf = "/etc/softhsm/softhsm2.conf";
	for (size_t i = 0; i < cfg->nro; i++)
		if (strcmp(cfg->ro[i], conf) == 0)
			return TIMS_OK;
	if ((rc = tims_sandbox_add_ro(cfg, conf, err)))
		return rc;
	if (tims_read_file(conf, text.max, &text, NULL))
		return TIMS_OK; /* not SoftHSM2: its module knows where it keeps tokens */
	rc = tims_sandbox_softhsm_tokendir(text.buf ? (const char *)text.buf : "", text.len,
					   dir, sizeof(dir), NULL);
	tims_buf_release(&text);
	return rc ? TIMS_OK : tims_sandbox_add_rw(cfg, dir, err);
}

tims_rc tims_sandbox_add_p11_text(struct tims_sandbox_cfg *cfg, const char *text,
				  size_t len, struct tims_err *err)
{
	static const char scheme[] = "pkcs11:";
	const char *p = text, *end = text + len;
	char module[TIMS_SANDBOX_PATH_BYTES], pin[TIMS_SANDBOX_PATH_BYTES];
	int found = 0;
	tims_rc rc;

	while (p < end) {
		const char *u = NULL, *ue;

		for (const char *q = p; q + sizeof(scheme) - 1 <= end; q++)
			if (memcmp(q, scheme, sizeof(scheme) - 1) == 0) {
				u = q;
				break;
			}
		if (!u)
			break;
		ue = u;
		while (ue < end && *ue > ' ' && *ue != '"' && *ue != '\'' && *ue != 0x7f)
			ue++;
		found = 1;
		/* parsed as the token code parses it (lib/p11/uri.c); a URI it
		 * refuses opens no token, so it needs no path either */
		if (!tims_p11_uri_paths(u, (size_t)(ue - u), module, sizeof(module), pin,
					sizeof(pin), NULL) &&
		    ((module[0] == '/' && (rc = tims_sandbox_add_ro(cfg, module, err))) ||
		     (pin[0] == '/' && (rc = tims_sandbox_add_ro(cfg, pin, err)))))
			return rc;
		p = ue > u ? ue : u + 1;
	}
	return found ? add_softhsm(cfg, err) : TIMS_OK;
}

/* Whether a file name can hold a key reference: *.skey, *.key, *.conf.
 * Never a database: opening and closing a file SQLite has open in this
 * process drops SQLite's POSIX locks on it (fcntl locks are per process
 * and file, released by any close), and the daemon's stores are open. */
static int may_hold_uri(const char *name)
{
	static const char *const ends[] = { ".skey", ".key", ".conf" };
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		size_t e = strlen(ends[i]);

		if (n > e && strcmp(name + n - e, ends[i]) == 0)
			return 1;
	}
	return 0;
}

static tims_rc scan_dir(struct tims_sandbox_cfg *cfg, const char *dir, int depth,
			struct tims_err *err)
{
	struct dirent *d;
	tims_rc rc = TIMS_OK;
	DIR *dh = opendir(dir);

	if (!dh)
		return TIMS_OK;
	while (!rc && (d = readdir(dh))) {
		char path[TIMS_SANDBOX_PATH_BYTES];
		struct stat st;

		if (d->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, d->d_name) >= sizeof(path) ||
		    lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (depth < 1)
				rc = scan_dir(cfg, path, depth + 1, err);
		} else if (S_ISREG(st.st_mode) && st.st_size > 0 && st.st_size <= 16 * 1024 &&
			   may_hold_uri(d->d_name)) {
			struct tims_buf b = TIMS_BUF_INIT(16 * 1024);

			if (!tims_read_file(path, b.max, &b, NULL) && b.len)
				rc = tims_sandbox_add_p11_text(cfg, (const char *)b.buf, b.len, err);
			tims_buf_release(&b);
		}
	}
	closedir(dh);
	return rc;
}

tims_rc tims_sandbox_add_p11_dir(struct tims_sandbox_cfg *cfg, const char *dir,
				 struct tims_err *err)
{
	const char *env = getenv("TIMS_TOKEN");
	tims_rc rc;

	if (env && (rc = tims_sandbox_add_p11_text(cfg, env, strlen(env), err)))
		return rc;
	return dir ? scan_dir(cfg, dir, 0, err) : TIMS_OK;
}

/* ---- files named in a node's lists ------------------------------------ */

tims_rc tims_sandbox_add_listed(struct tims_sandbox_cfg *cfg, const char *text, size_t len,
				struct tims_err *err)
{
	const char *p = text, *end = text + len;
	char word[TIMS_SANDBOX_PATH_BYTES];
	tims_rc rc;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (!eol)
			eol = end;
		while (p < eol && (*p == ' ' || *p == '\t'))
			p++;
		if (p < eol && *p == '#')
			p = eol;
		while (p < eol) {
			const char *w = p;

			while (p < eol && *p != ' ' && *p != '\t' && *p != '\r')
				p++;
			if (*w == '/' && (size_t)(p - w) < sizeof(word) &&
			    !memchr(w, '\0', (size_t)(p - w))) {
				memcpy(word, w, (size_t)(p - w));
				word[p - w] = '\0';
				if ((rc = tims_sandbox_add_ro(cfg, word, err)))
					return rc;
			}
			while (p < eol && (*p == ' ' || *p == '\t' || *p == '\r'))
				p++;
		}
		p = eol + 1;
	}
	return TIMS_OK;
}

tims_rc tims_sandbox_add_listed_file(struct tims_sandbox_cfg *cfg, const char *path,
				     struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(64 * 1024);
	tims_rc rc;

	if (access(path, F_OK) != 0)
		return TIMS_OK;
	if ((rc = tims_read_file(path, b.max, &b, err)))
		return rc;
	rc = b.len ? tims_sandbox_add_listed(cfg, b.buf, b.len, err) : TIMS_OK;
	tims_buf_release(&b);
	return rc;
}

/* ---- a daemon's two processes ----------------------------------------- */

/* Whether real path `in` is `top` or beneath it. */
static int beneath(const char *in, const char *top)
{
	size_t n = strlen(top);

	return !strncmp(in, top, n) && (in[n] == '/' || in[n] == '\0' || (n == 1 && *top == '/'));
}

/* A rule of the network process that reaches the key directory (one of its
 * extra paths, or SQLite's temporary directory holding it: TMPDIR=/tmp
 * with the node under /tmp) undoes the key directory: said, not refused
 * (the node still serves; docs/security.md, "Key directory"). */
static void keydir_reach_warn(const struct tims_sandbox_cfg *cfg, const char *dir)
{
	char kd[TIMS_SANDBOX_PATH_BYTES], rkd[PATH_MAX], tmp[TIMS_SANDBOX_PATH_BYTES];

	if (!cfg->warn || tims_keydir_of(dir, kd, sizeof(kd), NULL) || !realpath(kd, rkd))
		return;
	sandbox_sqlite_tmpdir(tmp, sizeof(tmp));
	for (size_t i = 0; i < cfg->nrw + cfg->nro + 1; i++) {
		const char *p = i < cfg->nrw ? cfg->rw[i] : i < cfg->nrw + cfg->nro ?
				cfg->ro[i - cfg->nrw] : tmp;
		char rp[PATH_MAX];

		if (*p && realpath(p, rp) && beneath(rkd, rp))
			sandbox_warn(cfg, "key directory %s lies beneath %s, which the network "
				     "process may read: its keys are within that process's reach "
				     "(move the node, or set SQLITE_TMPDIR elsewhere)", rkd, rp);
	}
}

tims_rc tims_sandbox_daemon_paths(struct tims_sandbox_cfg *cfg, const char *dir,
				  const char *const *ro, size_t nro, const char *const *rw,
				  size_t nrw, struct tims_err *err)
{
	static const char *const listed[] = { "witnesses.conf", "audit-witnesses.conf" };
	tims_rc rc;

	cfg->profile = TIMS_SANDBOX_DAEMON;
	cfg->data_dir = dir;
	for (size_t i = 0; i < nro; i++)
		if (ro[i] && (rc = tims_sandbox_add_ro(cfg, ro[i], err)))
			return rc;
	for (size_t i = 0; i < nrw; i++)
		if (rw[i] && (rc = tims_sandbox_add_rw(cfg, rw[i], err)))
			return rc;
	/* no token paths: keys are used by the signer process only; CA and
	 * key files of witnesses, named in lists read as it runs */
	for (size_t i = 0; i < sizeof(listed) / sizeof(listed[0]); i++) {
		char path[TIMS_SANDBOX_PATH_BYTES];

		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, listed[i]) <
		    sizeof(path) && (rc = tims_sandbox_add_listed_file(cfg, path, err)))
			return rc;
	}
	keydir_reach_warn(cfg, dir);
	return TIMS_OK;
}

tims_rc tims_sandbox_signer_paths(struct tims_sandbox_cfg *cfg, const char *dir,
				  const char *const *ro, size_t nro, struct tims_err *err)
{
	static char kd[TIMS_SANDBOX_PATH_BYTES]; /* cfg keeps copies; one signer a process */
	tims_rc rc;

	cfg->profile = TIMS_SANDBOX_SIGNER;
	cfg->data_dir = dir;    /* the key links, the vault's token reference */
	/* read-write: a post's renewed client key is written and installed
	 * there (tims_keys_write_new, tims_keys_install_new) */
	if ((rc = tims_keydir_of(dir, kd, sizeof(kd), err)) ||
	    (rc = tims_sandbox_add_rw(cfg, kd, err)))
		return rc;
	for (size_t i = 0; i < nro; i++)
		if (ro[i] && (rc = tims_sandbox_add_ro(cfg, ro[i], err)))
			return rc;
	/* the token: module, PIN file, SoftHSM2's configuration and tokens */
	if ((rc = tims_sandbox_add_p11_dir(cfg, dir, err)))
		return rc;
	return tims_sandbox_add_p11_dir(cfg, kd, err);
}
