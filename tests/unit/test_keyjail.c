/*
 * test_keyjail.c — a node's private key files out of the network process's
 * reach (tims/keydir.h, docs/security.md "Key directory").
 *
 * A directory laid out the old way (every key a plain file in it) is
 * migrated by tims_keys_jail: each key moved into DIR.keys (0700) and left
 * as a link, contents unchanged, a second run moving nothing, a key
 * written at the old path since (a rotation, an enrolment) taking the
 * place of the one held, a link whose key directory went missing refused
 * naming both.
 *
 * Then the attacker: a child process starts its signer with the signer's
 * rules (tims_sandbox_signer_paths), enters the network process's sandbox
 * with its rules (tims_sandbox_daemon_paths: the functions
 * src/serve_sandbox.c uses, so these are the daemon's rules) and, playing
 * a compromised network process, opens every key file — through the link,
 * in the key directory, and lists the key directory: EACCES each time,
 * while a file of the data directory still opens. The requests that need
 * the keys still work through the signer: a note signed with post.skey
 * and with witness.skey, the TLS server and client keys loaded against
 * their certificates; the centre's ca.key is refused for raw TLS
 * signatures, while the signer issues a post's client certificate for a
 * CSR and signs a revocation list with it; a post's renewal writes its new
 * client key into the key directory (a link in DIR, EACCES to the child)
 * and the signer installs it there. Without Landlock on this kernel the
 * child cannot show it, and that is a failure that says why.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "t.h"
#include "tims/keydir.h"
#include "tims/note.h"
#include "tims/sandbox.h"
#include "tims/signer.h"
#include "tims/tls.h"
#include "tims/util.h"

static char dir[PATH_MAX], node[PATH_MAX + 16], keys[PATH_MAX + 32];

/* The key files of the old layout, and what each held. */
static const char *const names[] = { "post.skey", "witness.skey", "tls.key",
				     "centre/client.key", "ca.key" };
#define NKEYS 5
static struct tims_buf held[NKEYS];

static void put(const char *rel, const char *text, size_t len)
{
	char p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "%s/%s", node, rel);
	if (tims_write_file(p, text, len, 0600, 1, NULL))
		abort();
}

static void get(const char *path, struct tims_buf *b)
{
	size_t max = b->max;

	tims_buf_release(b);
	tims_buf_init(b, max);
	if (tims_read_file(path, max, b, NULL))
		tims_buf_reset(b);
}

static char warned[1024];

static void keep_warning(void *ctx, const char *msg)
{
	(void)ctx;
	snprintf(warned, sizeof(warned), "%s", msg);
}

/* ---- the attacker: a child with the network process's rules ----------- */

static int out_fd = -1;

__attribute__((format(printf, 2, 3)))
static void say(int ok, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line + 3, sizeof(line) - 4, fmt, ap);
	va_end(ap);
	memcpy(line, ok ? "OK " : "NO ", 3);
	n = n < 0 ? 3 : (n + 3 > (int)sizeof(line) - 2 ? (int)sizeof(line) - 2 : n + 3);
	line[n++] = '\n';
	if (write(out_fd, line, (size_t)n) < 0)
		_exit(3);
}

static void refused(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int e = errno;

	say(fd < 0 && e == EACCES, "network process: open %s: %s", path,
	    fd < 0 ? strerror(e) : "OPENED");
	if (fd >= 0)
		close(fd);
}

static void attacker(void)
{
	static struct tims_sandbox_cfg scfg, dcfg;
	char p[PATH_MAX * 2], crt[PATH_MAX * 2];
	struct tims_tls_ident *id = NULL;
	struct tims_signer s;
	struct tims_buf note = TIMS_BUF_INIT(4096);
	struct tims_err err;
	int fd;

	if (tims_sandbox_landlock_abi() <= 0) {
		say(0, "Landlock is not offered by this kernel (or lsm= lacks it): the "
		    "network process's rules cannot be shown to keep the keys out");
		return;
	}
	if (t_signer_program()) {
		say(0, "no tims binary next to this test for the signer");
		return;
	}
	tims_sandbox_cfg_init(&scfg);
	if (tims_sandbox_signer_paths(&scfg, node, NULL, 0, &err)) {
		say(0, "signer paths: %s", err.msg);
		return;
	}
	tims_signer_sandbox(&scfg);
	if (tims_signer_start(&err)) {
		say(0, "signer: %s", err.msg);
		return;
	}
	tims_sandbox_cfg_init(&dcfg);
	if (tims_sandbox_daemon_paths(&dcfg, node, NULL, 0, NULL, 0, &err) ||
	    tims_sandbox_enter(&dcfg, &err)) {
		say(0, "network process's sandbox: %s", err.msg);
		return;
	}
	/* the attack */
	for (size_t i = 0; i < NKEYS; i++) {
		snprintf(p, sizeof(p), "%s/%s", node, names[i]);
		refused(p);
		snprintf(p, sizeof(p), "%s/%s", keys, names[i]);
		refused(p);
	}
	{
		DIR *d = opendir(keys);
		int e = errno;

		say(!d && e == EACCES, "network process: list %s: %s", keys,
		    d ? "LISTED" : strerror(e));
		if (d)
			closedir(d);
	}
	snprintf(p, sizeof(p), "%s/config", node);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	say(fd >= 0, "network process: its data directory still opens (config: %s)",
	    fd >= 0 ? "opened" : strerror(errno));
	if (fd >= 0)
		close(fd);
	/* what the keys are for, through the signer */
	for (size_t i = 0; i < 2; i++) {
		int ok;

		tims_buf_reset(&note);
		memset(&s, 0, sizeof(s));
		snprintf(p, sizeof(p), "%s/%s", node, names[i]);
		ok = !tims_signer_load(p, &s, &err) &&
		     !tims_note_sign("keyjail\n", 8, &s, 1, &note, &err) && note.len > 8;
		say(ok, "signer: a note signed with %s (%s)", names[i], ok ? "signed" : err.msg);
		tims_signer_release(&s);
	}
	for (size_t i = 2; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/%s", node, names[i]);
		snprintf(crt, sizeof(crt), "%s/%.*s.crt", node,
			 (int)(strlen(names[i]) - 4), names[i]);
		int ok = !tims_tls_ident_load(crt, p, &id, &err);

		say(ok, "signer: %s loaded against its certificate (%s)", names[i],
		    ok ? "the key is the certificate's" : err.msg);
		tims_tls_ident_free(id);
		id = NULL;
	}
	/* the centre's CA: no raw signatures with it, only what the signer checks */
	snprintf(p, sizeof(p), "%s/ca.key", node);
	snprintf(crt, sizeof(crt), "%s/ca.crt", node);
	{
		tims_rc rc = tims_tls_ident_load(crt, p, &id, &err);

		say(rc == TIMS_ERR_DENIED, "signer: ca.key refused as a TLS key (a raw signing "
		    "oracle would sign any certificate): %s", rc ? err.msg : "LOADED");
		tims_tls_ident_free(id);
		id = NULL;
	}
	{
		struct tims_buf csr = TIMS_BUF_INIT(16384), key = TIMS_BUF_INIT(16384);
		struct tims_buf cert = TIMS_BUF_INIT(16384), ca = TIMS_BUF_INIT(16384);
		struct tims_buf crl = TIMS_BUF_INIT(1 << 16);
		struct tims_tls_serial ser = { { 0x42, 0x17 }, 2 };
		struct tims_tls_crl *cl = NULL;
		struct tims_tls_peer peer;
		int ok;

		ok = !tims_read_file(crt, ca.max, &ca, &err) &&
		     !tims_tls_csr_make("post.test/p9", &csr, &key, &err) &&
		     !tims_signer_ca_issue(crt, p, tims_buf_str(&csr), "post.test/p9", 3600,
					   &cert, &err) &&
		     !tims_tls_issued_by(tims_buf_str(&cert), tims_buf_str(&ca), &err) &&
		     !tims_tls_peer_read_pem(tims_buf_str(&cert), &peer, &err);
		say(ok && peer.role == TIMS_CERT_POST_CLIENT && !strcmp(peer.cn, "post.test/p9"),
		    "signer: a post's client certificate issued with ca.key for its CSR (%s)",
		    ok ? tims_tls_role_name(peer.role) : err.msg);
		ok = !tims_signer_ca_crl(crt, p, 1, 30, &ser, 1, &crl, &err) &&
		     !tims_tls_crl_load(crl.buf, crl.len, tims_buf_str(&ca), &cl, &err);
		say(ok && tims_tls_crl_count(cl) == 1, "signer: a revocation list signed with "
		    "ca.key (%s)", ok ? "verifies" : err.msg);
		tims_tls_crl_free(cl);
		tims_buf_release(&csr);
		tims_buf_release(&key);
		tims_buf_release(&cert);
		tims_buf_release(&ca);
		tims_buf_release(&crl);
	}
	/* the CA's key in a token, named by a key file the attacker writes, its
	 * label percent-encoded: the same key, refused all the same */
	{
		char ev[PATH_MAX * 2];
		static const char uri[] = "pkcs11:token=centre;object=tims%2Dca-0123456789abcdef"
					  "?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=1\n";
		tims_rc rc;

		snprintf(ev, sizeof(ev), "%s/tls-other.key", node);
		if (tims_write_file(ev, uri, strlen(uri), 0600, 0, NULL))
			say(0, "could not write the attacker's key file");
		snprintf(crt, sizeof(crt), "%s/tls.crt", node);
		rc = tims_tls_ident_load(crt, ev, &id, &err);
		say(rc == TIMS_ERR_DENIED, "signer: a key file holding the CA's token URI (label "
		    "percent-encoded) is refused as a TLS key (%s)", rc ? err.msg : "LOADED");
		tims_tls_ident_free(id);
		id = NULL;
	}
	/* a key file the attacker writes in DIR naming a module it wrote there:
	 * the signer would dlopen it (code in the process that holds the keys) */
	{
		char so[PATH_MAX * 2], ref[PATH_MAX * 6], ev[PATH_MAX * 2];
		struct tims_signer s2;
		tims_rc rc;

		snprintf(so, sizeof(so), "%s/evil.so", node);
		snprintf(ev, sizeof(ev), "%s/evil.key", node);
		snprintf(ref, sizeof(ref), "pkcs11:token=t;object=o?module-path=%s&pin-value=1\n",
			 so);
		if (tims_write_file(so, "", 0, 0600, 0, NULL) ||
		    tims_write_file(ev, ref, strlen(ref), 0600, 0, NULL))
			say(0, "could not write the attacker's files");
		snprintf(crt, sizeof(crt), "%s/tls.crt", node);
		rc = tims_tls_ident_load(crt, ev, &id, &err);
		say(rc == TIMS_ERR_DENIED && strstr(err.msg, "outside"), "signer: a TLS key file "
		    "naming a module outside the allowed prefixes is refused before any load "
		    "(%s)", rc ? err.msg : "LOADED");
		tims_tls_ident_free(id);
		id = NULL;
		snprintf(ref, sizeof(ref), "PKCS11+KEY+p+00000000+01+pkcs11:token=t;object=o"
			 "?module-path=%s&pin-value=1\n", so);
		if (tims_write_file(ev, ref, strlen(ref), 0600, 1, NULL))
			say(0, "could not write the attacker's note key file");
		memset(&s2, 0, sizeof(s2));
		rc = tims_signer_load(ev, &s2, &err);
		say(rc == TIMS_ERR_DENIED && strstr(err.msg, "outside"), "signer: a note key file "
		    "naming such a module is refused too (%s)", rc ? err.msg : "LOADED");
		if (!rc)
			tims_signer_release(&s2);
	}
	/* a post's renewal, as lib/node/trust.c does it: the new key is made
	 * and written by the signer, tried, installed by the signer */
	{
		char kn[PATH_MAX * 2], kf[PATH_MAX * 2], cn[PATH_MAX * 2];
		struct tims_buf csr = TIMS_BUF_INIT(16384), cert = TIMS_BUF_INIT(16384);
		struct stat st;
		int ok;

		snprintf(kn, sizeof(kn), "%s/centre/client.key.new", node);
		snprintf(kf, sizeof(kf), "%s/centre/client.key", node);
		snprintf(cn, sizeof(cn), "%s/centre/client.crt.new", node);
		ok = !tims_signer_tls_csr(kn, "post.test/p1", &csr, &err);
		say(ok, "signer: a renewed client key made, its CSR handed back (%s)",
		    ok ? "made" : err.msg);
		say(!lstat(kn, &st) && S_ISLNK(st.st_mode), "renewal: client.key.new is a link "
		    "into the key directory, not a plain file in DIR");
		refused(kn);
		ok = !tims_signer_ca_issue(crt, p, tims_buf_str(&csr), "post.test/p1", 3600, &cert,
					   &err) &&
		     !tims_write_file(cn, cert.buf, cert.len, 0644, 1, &err) &&
		     !tims_tls_ident_load(cn, kn, &id, &err);
		say(ok, "renewal: the new pair works before it is installed (%s)",
		    ok ? "the key is the certificate's" : err.msg);
		tims_tls_ident_free(id);
		id = NULL;
		snprintf(p, sizeof(p), "%s/centre/client.crt", node);
		ok = !tims_signer_tls_install(kn, &err) && !rename(cn, p) &&
		     !tims_tls_ident_load(p, kf, &id, &err);
		say(ok && !lstat(kf, &st) && S_ISLNK(st.st_mode) && lstat(kn, &st) != 0,
		    "renewal: installed by the signer, client.key still the link, the new key "
		    "in force (%s)", ok ? "loaded" : err.msg);
		tims_tls_ident_free(id);
		id = NULL;
		refused(kf);
		tims_buf_release(&csr);
		tims_buf_release(&cert);
	}
	tims_buf_release(&note);
}

static void run_attacker(void)
{
	char buf[8192];
	size_t got = 0;
	ssize_t n;
	int pfd[2], st = 0, lines = 0;
	pid_t pid;

	if (pipe(pfd))
		abort();
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		out_fd = pfd[1];
		attacker();
		_exit(0);
	}
	close(pfd[1]);
	while (got < sizeof(buf) - 1 && (n = read(pfd[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(pfd[0]);
	waitpid(pid, &st, 0);
	for (char *l = buf, *e; *l; l = e + 1) {
		if (!(e = strchr(l, '\n')))
			break;
		*e = '\0';
		T_OK(!strncmp(l, "OK ", 3), "%s", l + 3);
		lines++;
	}
	T_OK(lines == 28 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	     "the attacker child ran every check (%d lines, status %d)", lines, st);
}

int main(void)
{
	struct tims_cert_req req = { .common_name = "localhost", .days = 2,
				     .uses = TIMS_CERT_SERVER | TIMS_CERT_CLIENT };
	struct tims_cert_req careq = { .common_name = "centre.test CA", .days = 2,
				       .uses = TIMS_CERT_CA };
	struct tims_buf b = TIMS_BUF_INIT(1 << 16);
	char p[PATH_MAX * 2], link_text[PATH_MAX];
	struct tims_err err;
	unsigned moved = 0;
	struct stat st;
	tims_rc rc;
	int links = 0, same = 0;
	ssize_t n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sodium_init() < 0)
		return 2;
	snprintf(dir, sizeof(dir), "/tmp/tims-keyjail-XXXXXX");
	if (!mkdtemp(dir))
		return 2;
	snprintf(node, sizeof(node), "%s/post", dir);
	snprintf(keys, sizeof(keys), "%s/post.keys", dir);
	mkdir(node, 0700);
	snprintf(p, sizeof(p), "%s/centre", node);
	mkdir(p, 0700);
	/* SQLite's temporary directory is a rule of the network process: one
	 * that holds neither the node nor its keys (as /var/tmp in service) */
	snprintf(p, sizeof(p), "%s/post/sqltmp", dir);
	mkdir(p, 0700);
	setenv("SQLITE_TMPDIR", p, 1);

	/* ---- a directory laid out the old way ---- */
	for (size_t i = 0; i < NKEYS; i++) {
		tims_buf_init(&held[i], 1 << 16);
		if (i < 2) {
			char *sk = NULL, *vk = NULL;

			if (tims_note_keygen(i ? "witness.test/w1" : "post.test/p1",
					     TIMS_KEY_ED25519, &sk, &vk, NULL))
				return 2;
			tims_buf_addstr(&held[i], sk);
			tims_note_free_secret(sk);
			free(vk);
		} else {
			struct tims_buf c = TIMS_BUF_INIT(1 << 16);

			if (tims_tls_issue(i == 4 ? &careq : &req, NULL, NULL, &c, &held[i], NULL))
				return 2;
			snprintf(p, sizeof(p), "%.*s.crt", (int)(strlen(names[i]) - 4), names[i]);
			put(p, c.buf, c.len);
			tims_buf_release(&c);
		}
		put(names[i], held[i].buf, held[i].len);
	}
	put("config", "# a node\n", 9);

	rc = tims_keys_jail(node, &moved, &err);
	T_OK(!rc && moved == NKEYS, "old layout: the five key files (the centre's ca.key "
	     "among them) are moved at the first run (%u; %s)", moved, rc ? err.msg : "-");
	for (size_t i = 0; i < NKEYS; i++) {
		char want[PATH_MAX];

		snprintf(p, sizeof(p), "%s/%s", node, names[i]);
		n = readlink(p, link_text, sizeof(link_text) - 1);
		link_text[n > 0 ? n : 0] = '\0';
		snprintf(want, sizeof(want), "%spost.keys/%s",
			 strchr(names[i], '/') ? "../../" : "../", names[i]);
		links += !strcmp(link_text, want);
		get(p, &b);
		same += b.len == held[i].len && !memcmp(b.buf, held[i].buf, b.len);
		snprintf(p, sizeof(p), "%s/%s", keys, names[i]);
		same += !lstat(p, &st) && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600;
	}
	T_EQ_INT(links, NKEYS, "each key's old name is a relative link into DIR.keys");
	T_EQ_INT(same, 2 * NKEYS, "each key reads the same through its link, a 0600 file in DIR.keys");
	memset(&st, 0, sizeof(st));
	stat(keys, &st);
	T_OK((st.st_mode & 0777) == 0700, "the key directory is mode 0700 (%o)",
	     (unsigned)(st.st_mode & 0777));
	snprintf(p, sizeof(p), "%s/config", node);
	T_OK(!lstat(p, &st) && S_ISREG(st.st_mode), "a file that is not a key stays where it is");
	rc = tims_keys_jail(node, &moved, &err);
	T_OK(!rc && moved == 0, "a second run moves nothing (%u)", moved);

	/* a key written at the old path since (a rotation): it is the one in force */
	put("witness.skey", "PRIVATE+KEY+rotated\n", 20);
	rc = tims_keys_jail(node, &moved, &err);
	T_OK(!rc && moved == 1, "a key written at the old name since is moved too (%u)", moved);
	snprintf(p, sizeof(p), "%s/witness.skey", keys);
	get(p, &b);
	T_OK(b.len == 20 && !memcmp(b.buf, "PRIVATE+KEY+rotated\n", 20),
	     "... and replaces the one the key directory held");
	put("witness.skey", held[1].buf, held[1].len);
	T_OK(!tims_keys_jail(node, NULL, &err), "(the key put back)");

	/* a CA rollover in the key directory: ca.key becomes ca-prev.key (the
	 * key renamed inside DIR.keys), a new ca.key is written in DIR and
	 * jailed; the old CA's key must survive under its new name */
	{
		char q[PATH_MAX * 2];

		rc = tims_keys_rename(node, "ca.key", "ca-prev.key", &err);
		put("ca.key", "NEW CA KEY\n", 11);
		if (!rc)
			rc = tims_keys_jail(node, &moved, &err);
		snprintf(q, sizeof(q), "%s/ca-prev.key", node);
		get(q, &b);
		n = readlink(q, link_text, sizeof(link_text) - 1);
		link_text[n > 0 ? n : 0] = '\0';
		T_OK(!rc && b.len == held[4].len && !memcmp(b.buf, held[4].buf, b.len) &&
		     !strcmp(link_text, "../post.keys/ca-prev.key"), "CA rollover: the old CA's "
		     "key renamed inside the key directory, still whole under ca-prev.key (%s)",
		     rc ? err.msg : link_text);
		snprintf(q, sizeof(q), "%s/ca.key", node);
		get(q, &b);
		T_OK(b.len == 11 && !memcmp(b.buf, "NEW CA KEY\n", 11) && !lstat(q, &st) &&
		     S_ISLNK(st.st_mode), "CA rollover: the new ca.key jailed beside it");
		/* back as it was, for the attacker below */
		snprintf(q, sizeof(q), "%s/ca.key", keys);
		unlink(q);
		snprintf(q, sizeof(q), "%s/ca.key", node);
		unlink(q);
		rc = tims_keys_rename(node, "ca-prev.key", "ca.key", &err);
		T_OK(!rc, "(the old CA put back: %s)", rc ? err.msg : "-");
	}

	/* the data directory moved without its keys */
	snprintf(p, sizeof(p), "%s/elsewhere.keys", dir);
	rename(keys, p);
	rc = tims_keys_jail(node, NULL, &err);
	T_OK(rc == TIMS_ERR_NOTFOUND && strstr(err.msg, "post.keys") &&
	     strstr(err.msg, "missing"), "a link whose key directory is gone is refused, naming it "
	     "(%s)", err.msg);
	rename(p, keys);

	/* a directory copied with its links (cp -a): it gets keys of its own */
	{
		char copy[PATH_MAX + 16], q[PATH_MAX * 2];

		snprintf(copy, sizeof(copy), "%s/copy", dir);
		mkdir(copy, 0700);
		snprintf(q, sizeof(q), "%s/post.skey", copy);
		if (symlink("../post.keys/post.skey", q))
			abort();
		rc = tims_keys_jail(copy, &moved, &err);
		n = readlink(q, link_text, sizeof(link_text) - 1);
		link_text[n > 0 ? n : 0] = '\0';
		get(q, &b);
		T_OK(!rc && moved == 1 && !strcmp(link_text, "../copy.keys/post.skey") &&
		     b.len == held[0].len && !memcmp(b.buf, held[0].buf, b.len),
		     "a copy whose links reach another node's keys gets its own copy of each "
		     "(%s)", rc ? err.msg : link_text);
	}

	/* a rule of the network process that reaches the key directory is said */
	{
		static struct tims_sandbox_cfg cfg;
		char sql[PATH_MAX * 2];

		snprintf(sql, sizeof(sql), "%s", getenv("SQLITE_TMPDIR"));
		setenv("SQLITE_TMPDIR", dir, 1); /* /tmp/...: holds post.keys */
		tims_sandbox_cfg_init(&cfg);
		cfg.warn = keep_warning;
		warned[0] = '\0';
		rc = tims_sandbox_daemon_paths(&cfg, node, NULL, 0, NULL, 0, &err);
		T_OK(!rc && strstr(warned, "key directory") && strstr(warned, "post.keys") &&
		     strstr(warned, "SQLITE_TMPDIR"), "SQLite's temporary directory holding the "
		     "key directory: a warning names both (%s)", warned);
		setenv("SQLITE_TMPDIR", sql, 1);
		warned[0] = '\0';
		tims_sandbox_cfg_init(&cfg);
		cfg.warn = keep_warning;
		rc = tims_sandbox_daemon_paths(&cfg, node, NULL, 0, NULL, 0, &err);
		T_OK(!rc && !warned[0], "... and none when nothing reaches it (%s)", warned);
	}

	run_attacker();
	/* what the renewal left, seen from outside the sandbox */
	snprintf(p, sizeof(p), "%s/centre/client.key", keys);
	get(p, &b);
	T_OK(b.len > 0 && !(b.len == held[3].len && !memcmp(b.buf, held[3].buf, b.len)) &&
	     !lstat(p, &st) && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600,
	     "renewal: the new key replaced the old one in the key directory (0600)");
	snprintf(p, sizeof(p), "%s/centre/client.key.new", keys);
	T_OK(lstat(p, &st) != 0, "renewal: nothing left beside it");

	tims_buf_release(&b);
	for (size_t i = 0; i < NKEYS; i++)
		tims_buf_release(&held[i]);
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	if (system(p) != 0)
		printf("# could not remove %s\n", dir);
	return t_done();
}
