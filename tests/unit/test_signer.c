/*
 * test_signer.c — the signer process (lib/p11/signer.c, tims/signer.h):
 * after tims_signer_start() the token is used through it with the results
 * of the token used in-process, this process never maps the PKCS#11 module
 * nor opens the PIN file, a TLS key (the centre's CA in the token, a PEM
 * key file) signs there, a hostile request gets an error and leaves the
 * signer up, and a signer that dies makes the next call fail with
 * TIMS_ERR_UNAVAILABLE instead of hanging or crashing.
 *
 * Needs TIMS_TOKEN (tests/run.sh sets it; by hand:
 *   eval "$(bash scripts/token.sh /tmp/x-token)").
 */
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <signal.h>
#include <sodium.h>
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "t.h"
#include "tims/note.h"
#include "tims/p11.h"
#include "tims/signer.h"
#include "tims/tls.h"
#include "../../lib/tls/internal.h"

/* ---- who opens the PIN file --------------------------------------------- */

static char pin_path[1024], skey_path[64];
static pid_t parent_pid;
static int parent_opened_pin, parent_opened_skey;

/* Every open() of the program (lib/p11's read_pin among them) passes here:
 * an open of the pin-source by this process, not the signer, is counted. */
int open(const char *path, int flags, ...);
int open(const char *path, int flags, ...)
{
	va_list ap;
	unsigned mode;

	va_start(ap, flags);
	mode = va_arg(ap, unsigned);
	va_end(ap);
	if (pin_path[0] && getpid() == parent_pid && !strcmp(path, pin_path))
		parent_opened_pin++;
	if (skey_path[0] && getpid() == parent_pid && !strcmp(path, skey_path))
		parent_opened_skey++;
	return (int)syscall(SYS_openat, -100 /* AT_FDCWD */, path, flags, mode);
}

static void param(const char *uri, const char *key, char *out, size_t n)
{
	const char *p = strstr(uri, key);
	size_t len = 0;

	out[0] = '\0';
	if (!p)
		return;
	p += strlen(key);
	while (p[len] && p[len] != '&' && len + 1 < n)
		len++;
	memcpy(out, p, len);
	out[len] = '\0';
}

static int maps_have(const char *what)
{
	char line[4096];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, what))
			found = 1;
	fclose(f);
	return found;
}

/* The descriptor of the signer's socket in this process. */
static int signer_fd(void)
{
	for (int fd = 3; fd < 1024; fd++) {
		int type = 0;
		socklen_t l = sizeof(type);

		if (!getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) &&
		    type == SOCK_SEQPACKET)
			return fd;
	}
	return -1;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A raw request; the answer's status (-1 if none came). */
static int raw(int fd, const void *m, size_t len, uint32_t id)
{
	static uint8_t a[TIMS_SIGNER_MSG_MAX];

	if (send(fd, m, len, MSG_NOSIGNAL) < 0)
		return -1;
	for (;;) {
		ssize_t n = recv(fd, a, sizeof(a), 0);

		if (n < TIMS_SIGNER_HDR)
			return -1;
		if (((uint32_t)a[8] << 24 | (uint32_t)a[9] << 16 |
		     (uint32_t)a[10] << 8 | a[11]) == id || !id)
			return a[6] << 8 | a[7];
	}
}

/* A request header for op with payload of len bytes, id. */
static void hdr(uint8_t *m, unsigned op, uint32_t id, uint32_t len)
{
	put32(m, TIMS_SIGNER_MAGIC);
	m[4] = (uint8_t)(op >> 8);
	m[5] = (uint8_t)op;
	m[6] = m[7] = 0;
	put32(m + 8, id);
	put32(m + 12, len);
}


/* ---- the signer is a fresh image ---------------------------------------- */

/* How many times needle is in the readable memory of pid (regions of at
 * most 8 MiB: ASan's shadow and allocator reserves are skipped; the same
 * scan finds the marker in this process and a forked child, so a signer
 * that were a copy would be caught by it); -1 when its memory cannot be
 * read. */
static long mem_count(pid_t pid, const void *needle, size_t nlen)
{
	char path[64], line[512];
	long hits = 0, regions = 0;
	FILE *maps;
	int mem;

	snprintf(path, sizeof(path), "/proc/%ld/maps", (long)pid);
	maps = fopen(path, "r");
	snprintf(path, sizeof(path), "/proc/%ld/mem", (long)pid);
	mem = (int)syscall(SYS_openat, -100, path, O_RDONLY | O_CLOEXEC, 0);
	if (!maps || mem < 0) {
		if (maps)
			fclose(maps);
		if (mem >= 0)
			close(mem);
		return -1;
	}
	while (fgets(line, sizeof(line), maps)) {
		unsigned long lo, hi;
		char *e1 = NULL, *e2 = NULL;
		uint8_t *buf;
		ssize_t n;

		lo = strtoul(line, &e1, 16);
		if (!e1 || *e1 != '-')
			continue;
		hi = strtoul(e1 + 1, &e2, 16);
		if (!e2 || e2[0] != ' ' || e2[1] != 'r' || hi <= lo ||
		    hi - lo > (8ul << 20) || strstr(line, "[vvar") || strstr(line, "[vsyscall]"))
			continue;
		if (!(buf = malloc(hi - lo)))
			continue;
		n = pread(mem, buf, hi - lo, (off_t)lo);
		if (n > 0) {
			regions++;
			const uint8_t *p = buf, *end = buf + n;

			while ((size_t)(end - p) >= nlen &&
			       (p = memchr(p, *(const uint8_t *)needle,
					   (size_t)(end - p) - nlen + 1))) {
				hits += !memcmp(p, needle, nlen);
				p++;
			}
		}
		free(buf);
	}
	fclose(maps);
	close(mem);
	return regions ? hits : -1;
}

/* The 16 bytes AT_RANDOM points to in pid (the seed of its stack canary
 * and pointer guard): 0, or -1. */
static int at_random(pid_t pid, uint8_t out[16])
{
	char path[64];
	unsigned long av[2 * 64], addr = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/auxv", (long)pid);
	if ((fd = (int)syscall(SYS_openat, -100, path, O_RDONLY | O_CLOEXEC, 0)) < 0)
		return -1;
	n = read(fd, av, sizeof(av));
	close(fd);
	for (ssize_t i = 0; n > 0 && i + 1 < n / (ssize_t)sizeof(av[0]); i += 2)
		if (av[i] == AT_RANDOM)
			addr = av[i + 1];
	snprintf(path, sizeof(path), "/proc/%ld/mem", (long)pid);
	if (!addr || (fd = (int)syscall(SYS_openat, -100, path, O_RDONLY | O_CLOEXEC, 0)) < 0)
		return -1;
	n = pread(fd, out, 16, (off_t)addr);
	close(fd);
	return n == 16 ? 0 : -1;
}

/* A setup message (op, id) with fields given as tag+value strings. */
static size_t setup_msg(uint8_t *m, unsigned op, uint32_t id, const char *const *f, size_t n)
{
	size_t off = 16;

	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(f[i]);

		put32(m + off, (uint32_t)l);
		memcpy(m + off + 4, f[i], l);
		off += 4 + l;
	}
	hdr(m, op, id, (uint32_t)(off - 16));
	return off;
}

static char marker_static[48];

/* The attacks on the setup message, parsed as the signer parses it. */
static void test_setup_parse(void)
{
	static uint8_t m[TIMS_SIGNER_MSG_MAX];
	static struct tims_signer_setup st;
	static const char *const good[] = { "M/usr/lib/:/opt/hsm/", "Senforce", "Psigner",
		"Unobody", "D/var/lib/tims", "R/var/lib/softhsm", "O/etc/tims/post.conf", "W" };
	static const char *fr[40];
	static char paths[40][16];
	struct tims_err e;
	size_t n;

	n = setup_msg(m, TIMS_SIGNER_SETUP, 0, good, 8);
	T_OK(!tims_signer_setup_parse(m, n, &st, &e) && st.sandbox && st.warn &&
	     !strcmp(st.modules, "/usr/lib/:/opt/hsm/") && !strcmp(st.cfg.user, "nobody") &&
	     !strcmp(st.cfg.data_dir, "/var/lib/tims") && st.cfg.nrw == 1 && st.cfg.nro == 1 &&
	     st.cfg.profile == TIMS_SANDBOX_SIGNER && st.cfg.mode == TIMS_SANDBOX_ENFORCE,
	     "setup: every field read back as sent (%s)", e.msg);
	n = setup_msg(m, TIMS_SIGNER_SETUP, 0, NULL, 0);
	T_OK(!tims_signer_setup_parse(m, n, &st, &e) && !st.sandbox && !st.modules[0],
	     "setup: an empty one is no sandbox, the default module prefixes");
#define REFUSED(rc_, what_, f_, nf_, op_, id_) do { \
	size_t l_ = setup_msg(m, op_, id_, f_, nf_); \
	tims_err_clear(&e); \
	T_OK(tims_signer_setup_parse(m, l_, &st, &e) == (rc_) && strstr(e.msg, what_), \
	     "setup refused: %s", e.msg); \
} while (0)
	REFUSED(TIMS_ERR_INVALID, "must be the setup", good, 1, TIMS_SIGNER_ED_SIGN, 0);
	REFUSED(TIMS_ERR_INVALID, "must be the setup", good, 1, TIMS_SIGNER_SETUP, 7);
	REFUSED(TIMS_ERR_INVALID, "unknown tag 0x5a", ((const char *[]){ "Zx" }), 1,
		TIMS_SIGNER_SETUP, 0);
	REFUSED(TIMS_ERR_INVALID, "'S' given twice", ((const char *[]){ "Slog", "Senforce" }), 2,
		TIMS_SIGNER_SETUP, 0);
	REFUSED(TIMS_ERR_INVALID, "without a sandbox mode", ((const char *[]){ "Unobody" }), 1,
		TIMS_SIGNER_SETUP, 0);
	REFUSED(TIMS_ERR_INVALID, "not enforce|log", ((const char *[]){ "Spermissive" }), 1,
		TIMS_SIGNER_SETUP, 0);
	REFUSED(TIMS_ERR_INVALID, "not an account name",
		((const char *[]){ "Slog", "U-rf" }), 2, TIMS_SIGNER_SETUP, 0);
	REFUSED(TIMS_ERR_INVALID, "field 1 ('D'): empty", ((const char *[]){ "D", "Slog" }), 2,
		TIMS_SIGNER_SETUP, 0);
	{
		static char longp[1100];

		longp[0] = 'D';
		memset(longp + 1, 'a', sizeof(longp) - 2);
		REFUSED(TIMS_ERR_TOOBIG, "past 1023", ((const char *[]){ "Slog", longp }), 2,
			TIMS_SIGNER_SETUP, 0);
	}
	fr[0] = "Slog";
	for (int i = 0; i < 33; i++) {
		snprintf(paths[i], sizeof(paths[i]), "R/p%d", i);
		fr[i + 1] = paths[i];
	}
	REFUSED(TIMS_ERR_TOOBIG, "more than 32 read-write", fr, 34, TIMS_SIGNER_SETUP, 0);
	/* a NUL in a value; a length past the message; a field of no bytes */
	n = setup_msg(m, TIMS_SIGNER_SETUP, 0, ((const char *[]){ "Slog", "O/etc/x" }), 2);
	m[n - 3] = '\0';
	T_OK(tims_signer_setup_parse(m, n, &st, &e) == TIMS_ERR_INVALID &&
	     strstr(e.msg, "holds a NUL"), "setup refused: %s", e.msg);
	n = setup_msg(m, TIMS_SIGNER_SETUP, 0, ((const char *[]){ "Slog" }), 1);
	put32(m + 16, 400);
	T_OK(tims_signer_setup_parse(m, n, &st, &e) == TIMS_ERR_INVALID &&
	     strstr(e.msg, "past the message"), "setup refused: %s", e.msg);
	put32(m + 16, 0);
	put32(m + 12, 4);
	T_OK(tims_signer_setup_parse(m, 20, &st, &e) == TIMS_ERR_INVALID &&
	     strstr(e.msg, "(no tag)"), "setup refused: %s", e.msg);
#undef REFUSED
}

/* In a child without the signer (tims_signer_active() is 0 there): sign
 * msg with the token itself, decrypt blob; results written to a pipe. */
static int local_results(const char *token, const char *label,
			 const char *kek, const uint8_t *msg, size_t len,
			 const struct tims_buf *blob, uint8_t sig[64],
			 uint8_t pt[16])
{
	int pfd[2], st = 0;
	pid_t pid;
	uint8_t out[80];

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (!pid) {
		struct tims_p11 *p = NULL;
		struct tims_buf b = TIMS_BUF_INIT(4096);

		close(pfd[0]);
		memset(out, 0, sizeof(out));
		if (tims_signer_active() || tims_p11_open(token, &p, NULL) ||
		    tims_p11_ed25519_sign(p, label, msg, len, out, NULL) ||
		    tims_p11_aes_decrypt(p, kek, "ad", 2, blob->buf, blob->len, &b,
					 NULL) || b.len != 16)
			_exit(1);
		memcpy(out + 64, b.buf, 16);
		if (write(pfd[1], out, sizeof(out)) != (ssize_t)sizeof(out))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], out, sizeof(out)) != (ssize_t)sizeof(out))
		st = -1;
	close(pfd[0]);
	waitpid(pid, NULL, 0);
	memcpy(sig, out, 64);
	memcpy(pt, out + 64, 16);
	return st;
}

int main(void)
{
	const char *token = getenv("TIMS_TOKEN");
	char module[1024], ed[64], kek[64], ca[64], tokuri[1200];
	const uint8_t msg[] = "checkpoint\n42\nabc=\n";
	uint8_t pub[32], sig[64], lsig[64], lpt[16], pt[16];
	struct tims_buf blob = TIMS_BUF_INIT(4096), dec = TIMS_BUF_INIT(4096);
	struct tims_p11 *p = NULL;
	struct tims_err err;
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!T_OK(token && *token, "TIMS_TOKEN is set (tests/run.sh; by hand: "
		  "eval \"$(bash scripts/token.sh /tmp/x-token)\")"))
		return t_done();
	if (sodium_init() < 0)
		return 1;
	param(token, "module-path=", module, sizeof(module));
	/* maps name the file a symlink points to: match on the base name */
	if (strrchr(module, '/'))
		memmove(module, strrchr(module, '/') + 1, strlen(strrchr(module, '/')));
	param(token, "pin-source=", pin_path, sizeof(pin_path));
	parent_pid = getpid();
	snprintf(ed, sizeof(ed), "t%ld-sg-ed", (long)getpid());
	snprintf(kek, sizeof(kek), "t%ld-sg-kek", (long)getpid());
	snprintf(ca, sizeof(ca), "t%ld-sg-ca", (long)getpid());
	randombytes_buf(pt, sizeof(pt));

	test_setup_parse();

	/* a signer that cannot start: start fails saying why, none is left */
	tims_signer_set_program("/nonexistent/tims");
	T_OK(tims_signer_start(&err) == TIMS_ERR_UNAVAILABLE &&
	     strstr(err.msg, "/nonexistent/tims"), "no such program: refused (%s)", err.msg);
	{
		char nx[64];
		FILE *f;

		snprintf(nx, sizeof(nx), "/tmp/test-signer-%ld.notexec", (long)getpid());
		if ((f = fopen(nx, "w")))
			fclose(f);
		chmod(nx, 0600);
		tims_signer_set_program(nx);
		T_OK(tims_signer_start(&err) == TIMS_ERR_UNAVAILABLE &&
		     strstr(err.msg, "not an executable"), "not an executable: refused (%s)",
		     err.msg);
		/* executable, but no program: the exec itself fails in the child,
		 * which says so over the socket */
		if ((f = fopen(nx, "w"))) {
			fputs("not a program\n", f);
			fclose(f);
		}
		chmod(nx, 0700);
		T_OK(tims_signer_start(&err) == TIMS_ERR_UNAVAILABLE &&
		     strstr(err.msg, "cannot execute") && strstr(err.msg, "errno 008") &&
		     !tims_signer_active(), "an exec that fails in the child: the start "
		     "fails with its errno (ENOEXEC: %s)", err.msg);
		unlink(nx);
	}
	tims_signer_set_program("/bin/true");
	T_OK(tims_signer_start(&err) == TIMS_ERR_UNAVAILABLE && !tims_signer_active() &&
	     !tims_signer_pid(), "a program that is no signer (/bin/true): start fails, "
	     "no signer (%s)", err.msg);
	T_OK(!t_signer_program(), "the tims binary next to this test, for the signer");
	{
		static struct tims_sandbox_cfg sb;

		tims_sandbox_cfg_init(&sb);
		sb.profile = TIMS_SANDBOX_SIGNER;
		sb.user = "tims-no-such-user";
		tims_signer_sandbox(&sb);
		T_OK(tims_signer_start(&err) == TIMS_ERR_NOTFOUND &&
		     strstr(err.msg, "signer: sandbox: user: no account 'tims-no-such-user'") &&
		     !tims_signer_active(), "a signer that cannot enter its sandbox: start "
		     "fails with its reason, no signer left (%s)", err.msg);
		tims_signer_sandbox(NULL);
	}

	/* a marker in this process's memory before the start: heap and data */
	{
		uint8_t r[16];

		randombytes_buf(r, sizeof(r));
		snprintf(marker_static, sizeof(marker_static), "mk");
		for (int i = 0; i < 16; i++)
			snprintf(marker_static + 2 + 2 * i, 3, "%02x", r[i]);
	}
	char *marker_heap = strdup(marker_static);

	T_OK(!tims_signer_active(), "no signer before tims_signer_start");
	T_OK(!tims_signer_start(&err), "tims_signer_start (%s)", err.msg);
	T_OK(tims_signer_active() && tims_signer_pid() > 0, "the signer runs (pid %ld)",
	     (long)tims_signer_pid());
	T_EQ_INT(tims_signer_start(&err), TIMS_ERR_STATE, "a second start is refused");

	/* the token through the signer */
	if (!T_OK(!tims_p11_open(token, &p, &err), "open the token through the "
		  "signer (%s)", err.msg))
		return t_done();
	T_OK(!strstr(tims_p11_uri_display(p), "pin-value"), "the displayed URI "
	     "carries no PIN");
	T_OK(!tims_p11_ed25519_generate(p, ed, pub, &err), "Ed25519 pair made in "
	     "the token through the signer (%s)", err.msg);
	T_OK(!tims_p11_ed25519_sign(p, ed, msg, sizeof(msg) - 1, sig, &err),
	     "signed through the signer (%s)", err.msg);
	T_OK(!crypto_sign_verify_detached(sig, msg, sizeof(msg) - 1, pub),
	     "the signature verifies with the public key");
	{
		uint8_t pub2[32];

		T_OK(!tims_p11_ed25519_public(p, ed, pub2, &err) &&
		     !memcmp(pub, pub2, 32), "the public key read back is the same");
	}
	T_OK(!tims_p11_aes_generate(p, kek, &err), "AES key made through the signer (%s)",
	     err.msg);
	T_OK(!tims_p11_aes_encrypt(p, kek, "ad", 2, pt, sizeof(pt), &blob, &err) &&
	     blob.len == 12 + 16 + 16, "AES-GCM encrypt through the signer (%s)", err.msg);
	T_OK(!tims_p11_aes_decrypt(p, kek, "ad", 2, blob.buf, blob.len, &dec, &err) &&
	     dec.len == 16 && !memcmp(dec.buf, pt, 16), "and decrypt, the same bytes");
	blob.buf[20] ^= 1;
	tims_buf_setlen(&dec, 0);
	T_EQ_INT(tims_p11_aes_decrypt(p, kek, "ad", 2, blob.buf, blob.len, &dec, &err),
		 TIMS_ERR_TAMPER, "a changed ciphertext: TIMS_ERR_TAMPER, as in-process");
	blob.buf[20] ^= 1;
	T_EQ_INT(tims_p11_exists(p, ed, &err), 1, "exists: yes");
	T_EQ_INT(tims_p11_exists(p, "no-such-label", &err), 0, "exists: no");
	T_EQ_INT(tims_p11_ed25519_sign(p, "no-such-label", msg, 3, sig, &err),
		 TIMS_ERR_NOTFOUND, "an unknown label: TIMS_ERR_NOTFOUND, as in-process");

	/* the same results in-process (a child without the signer) */
	T_OK(!tims_p11_ed25519_sign(p, ed, msg, sizeof(msg) - 1, sig, &err),
	     "signed again through the signer (%s)", err.msg);
	T_OK(!local_results(token, ed, kek, msg, sizeof(msg) - 1, &blob, lsig, lpt),
	     "the token used in-process (a child without the signer)");
	T_OK(!memcmp(sig, lsig, 64), "Ed25519 through the signer == in-process");
	T_OK(!memcmp(pt, lpt, 16), "AES-GCM through the signer decrypts in-process");

	/* TLS: a CA in the token, and a PEM key file, sign in the signer */
	{
		struct tims_buf cert = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX),
				ref = TIMS_BUF_INIT(2048),
				crl = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX),
				kp = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
		struct tims_tls_serial s = { { 1, 2, 3 }, 3 };
		struct tims_tls_crl *c = NULL;
		struct tims_cert_req req = { .common_name = "signer-test", .days = 1,
					     .role = TIMS_CERT_POST_SERVER };
		gnutls_privkey_t pk = NULL;
		gnutls_pubkey_t pb = NULL;
		char path[64];
		FILE *f;

		snprintf(tokuri, sizeof(tokuri), "%s", token);
		T_OK(!tims_tls_ca_in_token("signer CA", 1, tokuri, ca, &cert, &ref, &err),
		     "a CA in the token, its certificate signed through the signer (%s)",
		     err.msg);
		T_OK(cert.buf && ref.buf && !tims_tls_crl_make(cert.buf, ref.buf, 1, 1, &s, 1, &crl, &err),
		     "a revocation list signed by it through the signer (%s)", err.msg);
		T_OK(crl.buf && !tims_tls_crl_load(crl.buf, crl.len, cert.buf, &c, &err) &&
		     tims_tls_crl_revoked(c, s.b, s.len), "it verifies with the CA (%s)",
		     err.msg);
		tims_tls_crl_free(c);
		tims_buf_setlen(&cert, 0);
		T_OK(!tims_tls_issue(&req, NULL, NULL, &cert, &kp, &err), "a key file");
		snprintf(path, sizeof(path), "/tmp/test-signer-%ld.key", (long)getpid());
		f = fopen(path, "w");
		if (f) {
			fputs(kp.buf, f);
			fclose(f);
		}
		T_OK(!tls_remote_key(path, &pk, &pb, &err), "a PEM key file loaded "
		     "by the signer (%s)", err.msg);
		if (pk && pb) {
			gnutls_datum_t d = { (unsigned char *)"hello", 5 }, sg = { NULL, 0 };

			T_OK(gnutls_privkey_sign_data2(pk, GNUTLS_SIGN_ECDSA_SHA256, 0, &d,
						       &sg) >= 0 &&
			     gnutls_pubkey_verify_data2(pb, GNUTLS_SIGN_ECDSA_SHA256, 0,
							&d, &sg) >= 0,
			     "it signs through the signer, the signature verifies");
			gnutls_free(sg.data);
		}
		if (pk)
			gnutls_privkey_deinit(pk);
		if (pb)
			gnutls_pubkey_deinit(pb);
		T_OK(tls_remote_key("/nonexistent/key.pem", &pk, NULL, &err) &&
		     strstr(err.msg, "/nonexistent/key.pem"),
		     "a missing key file: the signer's error (%s)", err.msg);
		unlink(path);
		sodium_memzero(kp.buf, kp.alloc);
		tims_buf_release(&kp);
		tims_buf_release(&cert);
		tims_buf_release(&ref);
		tims_buf_release(&crl);
	}

	/* a note key file: the signer reads it and signs; the same note */
	{
		char *skey = NULL, *vkey = NULL;
		struct tims_signer rs, ls;
		struct tims_buf n1 = TIMS_BUF_INIT(4096), n2 = TIMS_BUF_INIT(4096);
		const char *text = "example.org/post\n3\nAAAA\n";
		FILE *f;

		snprintf(skey_path, sizeof(skey_path), "/tmp/test-signer-%ld.skey",
			 (long)getpid());
		if (!tims_note_keygen("example.org/post", TIMS_KEY_ED25519, &skey, &vkey,
				      NULL) && (f = fopen(skey_path, "w"))) {
			fputs(skey, f);
			fclose(f);
		}
		T_OK(!tims_signer_load(skey_path, &rs, &err) && rs.sign,
		     "a note key file loaded by the signer (%s)", err.msg);
		T_OK(!tims_signer_load_local(skey_path, &ls, &err),
		     "and here, for comparison");
		T_OK(!tims_note_sign(text, strlen(text), &rs, 1, &n1, &err) &&
		     !tims_note_sign(text, strlen(text), &ls, 1, &n2, &err) &&
		     n1.len == n2.len && !memcmp(n1.buf, n2.buf, n1.len),
		     "the note signed through the signer == signed in-process");
		T_OK(!strcmp(rs.name, ls.name) && rs.keyhash == ls.keyhash &&
		     !memcmp(rs.pub, ls.pub, 32), "same name, key hash and public key");
		T_EQ_INT(parent_opened_skey, 1, "this process read the key file only "
			 "for the comparison");
		tims_signer_release(&rs);
		tims_signer_release(&ls);
		tims_buf_release(&n1);
		tims_buf_release(&n2);
		if (skey)
			tims_note_free_secret(skey);
		free(vkey);
		unlink(skey_path);
	}

	/* a module the network process could have written is never loaded */
	{
		char evil[64], uri[256];
		struct tims_p11 *q = NULL;
		FILE *f;

		snprintf(evil, sizeof(evil), "/tmp/test-signer-%ld.so", (long)getpid());
		f = fopen(evil, "w");
		if (f)
			fclose(f);
		snprintf(uri, sizeof(uri), "pkcs11:token=tims?module-path=%s&pin-value=1", evil);
		T_OK(tims_p11_open(uri, &q, &err) == TIMS_ERR_DENIED,
		     "a module outside /usr/lib: refused by the signer (%s)", err.msg);
		snprintf(uri, sizeof(uri), "pkcs11:token=tims;object=x?module-path=%s&pin-value=1",
			 evil);
		T_OK(tls_remote_key(uri, &(gnutls_privkey_t){ NULL }, NULL, &err) ==
		     TIMS_ERR_DENIED, "and for a TLS key too (%s)", err.msg);
		unlink(evil);
	}

	/* this process holds neither module nor PIN */
	T_EQ_INT(maps_have(module), 0, "this process has no PKCS#11 module mapped");
	{
		char path[64], line[4096];
		FILE *f;
		int found = 0;

		snprintf(path, sizeof(path), "/proc/%ld/maps", (long)tims_signer_pid());
		f = fopen(path, "r");
		T_OK(f != NULL, "the signer's maps can be read (%s)", strerror(errno));
		while (f && fgets(line, sizeof(line), f))
			found |= !!strstr(line, module);
		if (f)
			fclose(f);
		T_OK(found, "the signer has it");
	}
	T_EQ_INT(parent_opened_pin, 0, "this process never opened the PIN file");

	/* the signer is a fresh image: the tims program re-executed, not a copy
	 * of this process */
	{
		char path[64], exe[4096] = "", cmd[128] = "";
		uint8_t mine[16], theirs[16], forked[16];
		ssize_t n;
		long in_self, in_signer, in_fork;
		pid_t child;
		int cf;

		snprintf(path, sizeof(path), "/proc/%ld/exe", (long)tims_signer_pid());
		n = readlink(path, exe, sizeof(exe) - 1);
		exe[n > 0 ? n : 0] = '\0';
		T_OK(n > 5 && !strcmp(exe + n - 5, "/tims"), "the signer's image is the tims "
		     "program (%s), not this test", exe);
		snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)tims_signer_pid());
		cf = (int)syscall(SYS_openat, -100, path, O_RDONLY | O_CLOEXEC, 0);
		n = cf >= 0 ? read(cf, cmd, sizeof(cmd) - 1) : -1;
		if (cf >= 0)
			close(cf);
		for (ssize_t i = 0; i < n; i++)
			if (!cmd[i])
				cmd[i] = ' ';
		T_EQ_STR(cmd, "tims __signer --fd 3 ", "its command line is the hidden entry point");
		child = fork();
		if (!child) {
			for (;;)
				pause();
		}
		in_self = mem_count(getpid(), marker_heap, strlen(marker_heap));
		in_fork = mem_count(child, marker_heap, strlen(marker_heap));
		in_signer = mem_count(tims_signer_pid(), marker_heap, strlen(marker_heap));
		T_OK(in_self >= 2, "the marker is in this process's memory (%ld copies; "
		     "the scan works)", in_self);
		T_OK(in_fork >= 2, "and in a plain forked child's (%ld: what a forked "
		     "signer carried)", in_fork);
		T_OK(in_signer == 0, "but not in the signer's (%ld; -1: its memory "
		     "could not be read, which needs CAP_SYS_PTRACE)", in_signer);
		T_OK(!at_random(getpid(), mine) && !at_random(child, forked) &&
		     !memcmp(mine, forked, 16), "a forked child has this process's "
		     "AT_RANDOM bytes (the seed of its stack canary)");
		T_OK(!at_random(tims_signer_pid(), theirs) && memcmp(mine, theirs, 16),
		     "the signer has its own (a fresh canary and pointer guard)");
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		free(marker_heap);
	}
	{
		static uint8_t m[64];
		size_t l = setup_msg(m, TIMS_SIGNER_SETUP, 0, NULL, 0);

		T_EQ_INT(raw(signer_fd(), m, l, 0), TIMS_ERR_INVALID, "a second setup to a "
			 "running signer: refused (an unknown operation after the first)");
	}

	/* a hostile request gets an error; the signer stays up */
	fd = signer_fd();
	T_OK(fd >= 0, "the signer's socket");
	{
		static uint8_t m[TIMS_SIGNER_MSG_MAX + 4096];
		uint8_t s2[64];

		T_EQ_INT(raw(fd, "abc", 3, 0), TIMS_ERR_INVALID, "a short header: refused");
		hdr(m, 77, 9001, 0);
		T_EQ_INT(raw(fd, m, 16, 9001), TIMS_ERR_INVALID, "an unknown operation: refused");
		hdr(m, TIMS_SIGNER_ED_SIGN, 9002, 5);
		T_EQ_INT(raw(fd, m, 16, 9002), TIMS_ERR_INVALID, "a length past the message: refused");
		hdr(m, TIMS_SIGNER_ED_SIGN, 9003, 4 + 4);
		put32(m + 16, 4);
		put32(m + 20, 1);
		T_EQ_INT(raw(fd, m, 24, 9003), TIMS_ERR_INVALID, "too few fields: refused");
		hdr(m, TIMS_SIGNER_CLOSE, 9004, 8 + 1);
		put32(m + 16, 4);
		put32(m + 20, 1);
		m[24] = 0;
		T_EQ_INT(raw(fd, m, 25, 9004), TIMS_ERR_INVALID, "trailing bytes: refused");
		hdr(m, TIMS_SIGNER_ED_SIGN, 9005, 8 + 4 + 70 + 4);
		put32(m + 16, 4);
		put32(m + 20, 1);
		put32(m + 24, 70);
		memset(m + 28, 'a', 70);
		put32(m + 98, 0);
		T_EQ_INT(raw(fd, m, 102, 9005), TIMS_ERR_INVALID, "a label past 64 bytes: refused");
		hdr(m, TIMS_SIGNER_ED_SIGN, 9006, 8 + 5 + 4);
		put32(m + 16, 4);
		put32(m + 20, 0x7fffffff);
		put32(m + 24, 1);
		m[28] = 'x';
		put32(m + 29, 0);
		T_EQ_INT(raw(fd, m, 33, 9006), TIMS_ERR_USAGE, "a handle never given out: refused");
		memset(m, 0, sizeof(m));
		hdr(m, TIMS_SIGNER_ED_SIGN, 9007, sizeof(m) - 16);
		T_EQ_INT(raw(fd, m, sizeof(m), 9007), TIMS_ERR_TOOBIG, "an oversized message: refused");
		T_OK(kill(tims_signer_pid(), 0) == 0, "the signer is still up");
		T_OK(!tims_p11_ed25519_sign(p, ed, msg, sizeof(msg) - 1, s2, &err) &&
		     !memcmp(s2, sig, 64), "and still signs (%s)", err.msg);
		struct tims_buf r = TIMS_BUF_INIT(TIMS_SIGNER_MSG_MAX);

		T_EQ_INT(tims_signer_call(99, NULL, 0, &r, NULL, 0, &err), TIMS_ERR_INVALID,
			 "an unknown operation through the API: refused");
		tims_buf_release(&r);
	}

	/* a dead signer: the next call fails, UNAVAILABLE, at once */
	kill(tims_signer_pid(), SIGKILL);
	waitpid(tims_signer_pid(), NULL, 0);
	T_EQ_INT(tims_p11_ed25519_sign(p, ed, msg, sizeof(msg) - 1, sig, &err),
		 TIMS_ERR_UNAVAILABLE, "signer killed: the next sign is TIMS_ERR_UNAVAILABLE");
	T_OK(strstr(err.msg, "gone") != NULL, "seen as gone, not waited out (%s)", err.msg);
	T_OK(sig[0] == 0 && !memcmp(sig, sig + 1, 63), "and no signature bytes");
	T_EQ_INT(tims_p11_exists(p, ed, &err), -1, "every call after it fails too");
	tims_p11_close(p);

	/* clean the token up, in-process (a child: the signer is gone) */
	if (!fork()) {
		struct tims_p11 *q = NULL;

		if (!tims_p11_open(token, &q, NULL)) {
			(void)tims_p11_destroy(q, ed, NULL);
			(void)tims_p11_destroy(q, kek, NULL);
			(void)tims_p11_destroy(q, ca, NULL);
			tims_p11_close(q);
		}
		_exit(0);
	}
	wait(NULL);
	sodium_memzero(pt, sizeof(pt));
	tims_buf_release(&blob);
	tims_buf_release(&dec);
	return t_done();
}
