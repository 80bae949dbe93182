/*
 * test_syncclient.c — the sync client (lib/sync/client.c) against servers
 * that play the attacker, over real TLS on loopback: a hand-written
 * GnuTLS server in a thread that counts every byte of request it gets and
 * answers what the test tells it to.
 *
 *   - impostors (a certificate from another CA; the right CA but the wrong
 *     role; the right role but the wrong host name) get TIMS_ERR_AUTH and
 *     no byte of the request;
 *   - hostile answers (a body past the limit, announced or not, a broken
 *     chunked coding, no answer, half an answer, no TLS at all) get
 *     TIMS_ERR_TOOBIG or TIMS_ERR_NET within the request's timeout;
 *   - keep-alive: two requests on one connection; a server that closed the
 *     kept connection is reconnected to transparently; a GET the server
 *     dropped as it came is sent again once, a POST never twice;
 *   - the client key: with a signer, the process making the request does
 *     not read the key file. A child process starts its signer, then hides
 *     the key file from itself (a private mount namespace with /dev/null
 *     bound over it); the signer, outside, still reads the real one. The
 *     server sees the post's certificate, so the signature came from the
 *     signer; the same child without a signer fails, so the hiding works.
 */
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <linux/sched.h> /* CLONE_NEWNS */
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sodium.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "t.h"
#include "tims/httpresp.h"
#include "tims/signer.h"
#include "tims/sync.h"
#include "tims/tls.h"
#include "tims/util.h"

#define PEM TIMS_BUF_INIT(TIMS_TLS_PEM_MAX)

enum mode {
	ANSWER,       /* every request gets `answer` */
	DROP_SECOND,  /* the second request on a connection: closed unanswered */
	SILENT,       /* requests are read, never answered */
	NO_TLS,       /* TCP accepted, nothing said */
};

struct srv {
	/* set by the test */
	enum mode mode;
	const char *answer;
	unsigned close_after;    /* close after this many answers (0: never) */
	int want_client;         /* ask for a client certificate */
	int deferred;            /* srv_start does not start the thread: srv_run */
	gnutls_certificate_credentials_t cred;
	/* seen by the server */
	size_t got;              /* request bytes received, all connections */
	unsigned conns, requests;
	char client_cn[65];
	/* running */
	int lfd, stop, cur;      /* cur: the connection being served, or -1 */
	uint16_t port;
	pthread_t th;
};

static char dir[] = "/tmp/tims-syncclient-XXXXXX";
static struct tims_buf ca = PEM, cakey = PEM;

struct cert {
	struct tims_buf crt, key;
};

static void make(struct cert *c, const char *cn, unsigned role, const char *dns,
		 const char *ip, const char *ca_pem, const char *cakey_pem)
{
	struct tims_cert_req req = { .common_name = cn, .days = 2, .role = role,
				     .dns = { dns }, .ips = { ip } };
	struct tims_err err;

	c->crt = (struct tims_buf)PEM;
	c->key = (struct tims_buf)PEM;
	if (tims_tls_issue(&req, ca_pem, cakey_pem, &c->crt, &c->key, &err))
		printf("# make %s: %s\n", cn, err.msg);
}

static const char *file(const char *name, const struct tims_buf *b)
{
	return t_write_file(dir, name, b->buf, b->len);
}

/* One request's bytes read: the header and a Content-Length body. 1 when
 * a request is whole, 0 when the connection ended. */
static int read_request(struct srv *s, gnutls_session_t t)
{
	char buf[8192];
	size_t n = 0;

	for (;;) {
		ssize_t r = gnutls_record_recv(t, buf + n, sizeof(buf) - 1 - n);
		char *end, *cl;
		size_t want;

		if (r <= 0)
			return 0;
		s->got += (size_t)r;
		n += (size_t)r;
		buf[n] = '\0';
		if (!(end = strstr(buf, "\r\n\r\n")))
			continue;
		want = (size_t)(end + 4 - buf);
		if ((cl = strstr(buf, "Content-Length: ")) && cl < end)
			want += strtoul(cl + 16, NULL, 10);
		if (n >= want)
			return 1;
	}
}

static void serve_one(struct srv *s, int fd)
{
	gnutls_session_t t;
	unsigned answered = 0, seen = 0;

	if (s->mode == NO_TLS) {
		char b[64];

		while (recv(fd, b, sizeof(b), 0) > 0)
			;
		return;
	}
	gnutls_init(&t, GNUTLS_SERVER);
	gnutls_priority_set_direct(t, tims_tls_priorities, NULL);
	gnutls_credentials_set(t, GNUTLS_CRD_CERTIFICATE, s->cred);
	if (s->want_client)
		gnutls_certificate_server_set_request(t, GNUTLS_CERT_REQUIRE);
	gnutls_transport_set_int(t, fd);
	if (gnutls_handshake(t) < 0)
		goto out;
	if (s->want_client) {
		unsigned n = 0, st = 1;
		const gnutls_datum_t *c = gnutls_certificate_get_peers(t, &n);
		struct tims_tls_peer p;

		if (gnutls_certificate_verify_peers2(t, &st) == 0 && st == 0 && c && n &&
		    !tims_tls_peer_read(c[0].data, c[0].size, &p, NULL))
			snprintf(s->client_cn, sizeof(s->client_cn), "%s", p.cn);
	}
	while (read_request(s, t)) {
		s->requests++;
		seen++;
		if (s->mode == SILENT)
			continue;
		if (s->mode == DROP_SECOND && seen == 2)
			break;
		gnutls_record_send(t, s->answer, strlen(s->answer));
		if (s->close_after && ++answered == s->close_after)
			break;
	}
out:
	gnutls_deinit(t);
}

static void *srv_main(void *ud)
{
	struct srv *s = ud;

	while (!s->stop) {
		struct pollfd p = { s->lfd, POLLIN, 0 };
		struct timeval tv = { 5, 0 };
		int fd;

		if (poll(&p, 1, 50) <= 0)
			continue;
		if ((fd = accept(s->lfd, NULL, NULL)) < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		s->conns++;
		s->cur = fd;
		serve_one(s, fd);
		s->cur = -1;
		close(fd);
	}
	return NULL;
}

static void srv_start(struct srv *s, const struct cert *c, enum mode mode, const char *answer)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	gnutls_datum_t cd = { (unsigned char *)c->crt.buf, (unsigned)c->crt.len };
	gnutls_datum_t kd = { (unsigned char *)c->key.buf, (unsigned)c->key.len };
	gnutls_datum_t cad = { (unsigned char *)ca.buf, (unsigned)ca.len };
	int want_client = s->want_client, deferred = s->deferred;
	unsigned close_after = s->close_after;

	memset(s, 0, sizeof(*s));
	s->deferred = deferred;
	s->mode = mode;
	s->answer = answer;
	s->want_client = want_client;
	s->close_after = close_after;
	gnutls_certificate_allocate_credentials(&s->cred);
	gnutls_certificate_set_x509_key_mem(s->cred, &cd, &kd, GNUTLS_X509_FMT_PEM);
	gnutls_certificate_set_x509_trust_mem(s->cred, &cad, GNUTLS_X509_FMT_PEM);
	s->cur = -1;
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bind(s->lfd, (struct sockaddr *)&a, sizeof(a));
	listen(s->lfd, 8);
	getsockname(s->lfd, (struct sockaddr *)&a, &al);
	s->port = ntohs(a.sin_port);
	if (!s->deferred)
		pthread_create(&s->th, NULL, srv_main, s);
}

/* The thread of a server started deferred (so that a child can be forked
 * while this process has no other thread: locks held at fork time by a
 * thread that does not exist in the child are held there for ever). */
static void srv_run(struct srv *s)
{
	pthread_create(&s->th, NULL, srv_main, s);
}

static void srv_stop(struct srv *s)
{
	int fd = s->cur;

	s->stop = 1;
	if (fd >= 0)
		shutdown(fd, SHUT_RDWR); /* a client that keeps it open */
	pthread_join(s->th, NULL);
	close(s->lfd);
	gnutls_certificate_free_credentials(s->cred);
}

static int64_t ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char ok_json[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			      "Content-Length: 11\r\n\r\n{\"size\":42}";

/* One request to s with the given trust and policy. */
static tims_rc ask(struct srv *s, struct tims_sync_conn *conn, const char *host,
		   const char *ca_file, const struct tims_tls_policy *pol, const char *method,
		   const char *path, long timeout_s, size_t max, struct tims_buf *out,
		   long *status, struct tims_err *err)
{
	char url[80];
	struct tims_sync_peer peer = { url, ca_file, NULL, NULL, timeout_s, pol };

	snprintf(url, sizeof(url), "https://%s:%u", host, s->port);
	tims_err_clear(err);
	if (conn)
		return tims_sync_conn_http(conn, &peer, method, path, "{}", 2, NULL, max, out,
					   status, err);
	return tims_sync_http(&peer, method, path, NULL, 0, NULL, max, out, status, err);
}

/* A cancel callback: abandon 200 ms after *(int64_t *)ctx. */
static int abandon_after(void *ctx)
{
	return ms() - *(const int64_t *)ctx >= 200;
}

/* One request to a server that stalls, in a thread of its own. */
struct stalled {
	struct srv s;
	const char *ca_file;
	const struct tims_tls_policy *want;
	tims_rc rc;
	struct tims_err err;
	int64_t ms;
};

static void *ask_stalled(void *ud)
{
	struct stalled *t = ud;
	struct tims_buf out = TIMS_BUF_INIT(1000);
	int64_t t0 = ms();
	long status;

	t->rc = ask(&t->s, NULL, "127.0.0.1", t->ca_file, t->want, "GET", "/x", 1, 1000, &out,
		    &status, &t->err);
	t->ms = ms() - t0;
	tims_buf_release(&out);
	return NULL;
}

/* The child: a request with the post's client certificate, the key file
 * hidden from this process (/dev/null bound over it in a mount namespace
 * of its own) after its signer (if with_signer) started. Writes one line
 * to fd: "ok CN", "skip why" or "fail why". */
static void key_child(int fd, int with_signer, uint16_t port, const char *ca_file,
		      const char *crt, const char *key)
{
	char line[400], url[64], probe[8];
	struct tims_buf out = TIMS_BUF_INIT(4096);
	struct tims_sync_peer peer = { url, ca_file, crt, key, 5, NULL };
	struct tims_err err;
	long status = 0;
	ssize_t n;
	int kf;

	if (with_signer && t_signer_program()) {
		snprintf(line, sizeof(line), "fail signer: no tims binary next to this test\n");
		goto say;
	}
	if (with_signer && tims_signer_start(&err)) {
		snprintf(line, sizeof(line), "fail signer: %s\n", err.msg);
		goto say;
	}
	/* as root a mount namespace; as a user, inside a user namespace of
	 * its own (this process is single-threaded) */
	if ((syscall(SYS_unshare, CLONE_NEWNS) &&
	     syscall(SYS_unshare, CLONE_NEWUSER | CLONE_NEWNS)) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("/dev/null", key, NULL, MS_BIND, NULL)) {
		snprintf(line, sizeof(line), "skip no private mount namespace here: %s\n",
			 strerror(errno));
		goto say;
	}
	/* the hiding holds: this process reads nothing there */
	kf = open(key, O_RDONLY);
	n = kf >= 0 ? read(kf, probe, sizeof(probe)) : -1;
	if (kf >= 0)
		close(kf);
	if (n != 0) {
		snprintf(line, sizeof(line), "fail the key file is still readable here\n");
		goto say;
	}
	snprintf(url, sizeof(url), "https://127.0.0.1:%u", port);
	if (tims_sync_http(&peer, "GET", "/api/v1/peer", NULL, 0, NULL, out.max, &out, &status,
			   &err)) {
		snprintf(line, sizeof(line), "fail %s\n", err.msg);
		goto say;
	}
	snprintf(line, sizeof(line), "ok %ld", status);
	if (with_signer) {
		/* a renewal's new key: made and written by the signer, the CSR
		 * alone comes here; and a compromised caller cannot have the
		 * signer write over an installed key */
		char kn[600], *slash = strrchr(key, '/');
		struct tims_buf csr = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
		size_t l = strlen(line);
		tims_rc rc;

		snprintf(kn, sizeof(kn), "%.*s/client.key.new", (int)(slash - key), key);
		rc = tims_signer_tls_csr(kn, "varna-port", &csr, &err);
		snprintf(line + l, sizeof(line) - l, "|csr %s", rc ? err.msg :
			 strncmp(csr.buf, "-----BEGIN NEW CERTIFICATE REQUEST", 34) ? "not a CSR" : "ok");
		l = strlen(line);
		tims_buf_reset(&csr);
		rc = tims_signer_tls_csr(key, "varna-port", &csr, &err);
		snprintf(line + l, sizeof(line) - l, "|over %s", rc == TIMS_ERR_USAGE ? "refused" :
			 "written");
		tims_buf_release(&csr);
	}
	snprintf(line + strlen(line), sizeof(line) - strlen(line), "\n");
say:
	if (write(fd, line, strlen(line)) < 0)
		_exit(2);
	_exit(0);
}

/* ---- a resolver that never answers ---------------------------------------

 * The child: in a network namespace of its own (loopback up, a UDP socket
 * on 127.0.0.1:53 that reads and never answers) and a mount namespace
 * where /etc/resolv.conf names it (timeout 20 s) and /etc/nsswitch.conf
 * asks DNS only, a request to a name with a 300 ms deadline. getaddrinfo
 * alone waits 20 s; the request must end at its deadline. Writes "ok MS MSG",
 * "skip why" or "fail why" to fd. */
static void resolve_child(int fd)
{
	char line[600], rc_path[700], ns_path[700];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(53) };
	struct tims_sync_peer peer = { "https://centre.tims-test.example:4433", NULL, NULL, NULL,
				       1, NULL };
	struct tims_sync_opts opts = { 300, NULL, NULL, NULL }; /* the request's deadline */
	struct tims_buf out = TIMS_BUF_INIT(4096);
	struct tims_err err;
	struct ifreq ifr;
	long status = 0;
	int64_t t0;
	tims_rc rc;
	int u, so;

	snprintf(rc_path, sizeof(rc_path), "%s/resolv.conf", dir);
	snprintf(ns_path, sizeof(ns_path), "%s/nsswitch.conf", dir);
	if ((syscall(SYS_unshare, CLONE_NEWNS | CLONE_NEWNET) &&
	     syscall(SYS_unshare, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET)) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount(rc_path, "/etc/resolv.conf", NULL, MS_BIND, NULL) ||
	    mount(ns_path, "/etc/nsswitch.conf", NULL, MS_BIND, NULL)) {
		snprintf(line, sizeof(line), "skip no private mount and network namespace: %s\n",
			 strerror(errno));
		goto say;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((so = socket(AF_INET, SOCK_DGRAM, 0)) < 0 || ioctl(so, SIOCGIFFLAGS, &ifr) ||
	    (ifr.ifr_flags |= IFF_UP, ioctl(so, SIOCSIFFLAGS, &ifr)) ||
	    (u = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
	    bind(u, (struct sockaddr *)&a, sizeof(a))) {
		snprintf(line, sizeof(line), "skip a silent resolver on 127.0.0.1:53: %s\n",
			 strerror(errno));
		goto say;
	}
	t0 = ms();
	rc = tims_sync_http_opts(&peer, &opts, "GET", "/", NULL, 0, NULL, out.max, &out, &status,
				 &err);
	snprintf(line, sizeof(line), "%s %lld %s\n", rc == TIMS_ERR_NET ? "ok" : "fail",
		 (long long)(ms() - t0), rc ? err.msg : "answered");
	close(u);
	close(so);
say:
	tims_buf_release(&out);
	if (write(fd, line, strlen(line)) < 0)
		_exit(2);
	_exit(0);
}

static void run_resolve_child(char *line, size_t cap)
{
	ssize_t n = 0;
	int pfd[2];
	pid_t pid;

	line[0] = '\0';
	if (pipe(pfd))
		return;
	fflush(stdout);
	pid = fork();
	if (!pid) {
		close(pfd[0]);
		resolve_child(pfd[1]);
	}
	close(pfd[1]);
	if (pid > 0) {
		n = read(pfd[0], line, cap - 1);
		waitpid(pid, NULL, 0);
	}
	close(pfd[0]);
	line[n > 0 ? n : 0] = '\0';
	line[strcspn(line, "\n")] = '\0';
}

static void run_key_child(int with_signer, struct srv *s, const char *ca_file, const char *crt,
			  const char *key, char *line, size_t cap)
{
	uint16_t port = s->port;

	int pfd[2];
	ssize_t n = 0;
	pid_t pid;

	line[0] = '\0';
	if (pipe(pfd))
		return;
	fflush(stdout);
	pid = fork();
	if (!pid) {
		close(pfd[0]);
		key_child(pfd[1], with_signer, port, ca_file, crt, key);
	}
	close(pfd[1]);
	srv_run(s); /* after the fork: see srv_run */
	if (pid > 0) {
		n = read(pfd[0], line, cap - 1);
		waitpid(pid, NULL, 0);
	}
	close(pfd[0]);
	line[n > 0 ? n : 0] = '\0';
	line[strcspn(line, "\n")] = '\0';
}

int main(void)
{
	struct tims_cert_req rca = { .common_name = "TIMS test centre CA", .days = 2,
				     .uses = TIMS_CERT_CA };
	struct tims_buf other_ca = PEM, other_cakey = PEM, out = TIMS_BUF_INIT(1 << 16);
	struct cert centre, post_srv, wrong_name, foreign, post_cli, other_cli;
	struct tims_tls_policy want = { .role = TIMS_CERT_CENTRE_SERVER };
	struct tims_sync_conn *conn = NULL;
	struct tims_err err;
	struct srv s = { 0 };
	const char *ca_file;
	long status = 0;
	int64_t t0;
	tims_rc rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(dir) || sodium_init() < 0)
		return 2;
	tims_tls_issue(&rca, NULL, NULL, &ca, &cakey, NULL);
	tims_tls_issue(&rca, NULL, NULL, &other_ca, &other_cakey, NULL);
	ca_file = file("ca.pem", &ca);
	make(&centre, "tims centre", TIMS_CERT_CENTRE_SERVER, "localhost", "127.0.0.1",
	     ca.buf, cakey.buf);
	make(&post_srv, "varna-port", TIMS_CERT_POST_SERVER, "localhost", "127.0.0.1",
	     ca.buf, cakey.buf);
	make(&wrong_name, "tims centre", TIMS_CERT_CENTRE_SERVER, "centre.example", NULL,
	     ca.buf, cakey.buf);
	make(&foreign, "tims centre", TIMS_CERT_CENTRE_SERVER, "localhost", "127.0.0.1",
	     other_ca.buf, other_cakey.buf);
	make(&post_cli, "varna-port", TIMS_CERT_POST_CLIENT, NULL, NULL, ca.buf, cakey.buf);
	make(&other_cli, "sofia-airport", TIMS_CERT_POST_CLIENT, NULL, NULL, ca.buf, cakey.buf);

	/* ---- the client key: used through the signer, never read here ---- */
	{
		char keydir[700], line[400];
		const char *crt = file("post-client.crt", &post_cli.crt), *key;

		snprintf(keydir, sizeof(keydir), "%s/keys", dir);
		mkdir(keydir, 0700);
		key = file("keys/post-client.key", &post_cli.key);
		chmod(key, 0600);
		s.want_client = 1;
		s.deferred = 1;
		srv_start(&s, &centre, ANSWER, ok_json);
		run_key_child(1, &s, ca_file, crt, key, line, sizeof(line));
		if (!strncmp(line, "skip", 4)) {
			/* not run is not passed: a machine without mount or user
			 * namespaces cannot show this, and says so as a failure */
			T_OK(0, "signer: the client key hidden from the requesting process: could "
			     "not be set up here (%s)", line + 5);
		} else {
			T_OK(!strncmp(line, "ok 200|", 7), "signer: a request with the client key "
			     "hidden from the requesting process succeeds (%s)", line);
			T_OK(strstr(line, "|csr ok|") != NULL, "signer: a renewal's new key is made "
			     "by the signer, its CSR handed back");
			{
				char kn[600];
				struct tims_buf k = PEM;
				struct stat st;

				snprintf(kn, sizeof(kn), "%s/keys/client.key.new", dir);
				T_OK(!stat(kn, &st) && (st.st_mode & 0777) == 0600 &&
				     !tims_read_file(kn, k.max, &k, NULL) &&
				     strstr(k.buf, "PRIVATE KEY"), "signer: and written to "
				     "client.key.new, mode 0600");
				sodium_memzero(k.buf, k.alloc);
				tims_buf_release(&k);
			}
			T_OK(strstr(line, "|over refused") != NULL, "signer: asked to write a new "
			     "key over the installed one, it refuses");
			T_EQ_STR(s.client_cn, "varna-port", "signer: the server saw the post's "
				 "certificate, signed for by the signer");
			srv_stop(&s);
			srv_start(&s, &centre, ANSWER, ok_json);
			run_key_child(0, &s, ca_file, crt, key, line, sizeof(line));
			T_OK(!strncmp(line, "fail", 4) && strstr(line, "client key"),
			     "without a signer the same hidden key fails: the hiding is real (%s)",
			     line);
			T_EQ_STR(s.client_cn, "", "and the server saw no client certificate");
		}
		srv_stop(&s);
		s.deferred = 0;
		/* without a signer, in this process: loaded here, and checked */
		s.want_client = 1;
		srv_start(&s, &centre, ANSWER, ok_json);
		{
			char url[64];
			struct tims_sync_peer peer = { url, ca_file, crt, key, 5, &want };

			snprintf(url, sizeof(url), "https://127.0.0.1:%u", s.port);
			tims_err_clear(&err);
			rc = tims_sync_http(&peer, "GET", "/x", NULL, 0, NULL, out.max, &out,
					    &status, &err);
			T_OK(rc == TIMS_OK && status == 200 && !strcmp(s.client_cn, "varna-port"),
			     "no signer: the key file is loaded here and presented (%s)", err.msg);
			peer.key_file = file("other.key", &other_cli.key);
			s.got = 0;
			rc = tims_sync_http(&peer, "GET", "/x", NULL, 0, NULL, out.max, &out,
					    &status, &err);
			T_OK(rc == TIMS_ERR_INVALID && strstr(err.msg, "is not the key of") &&
			     s.got == 0, "a key that is not the certificate's is refused before "
			     "connecting (%s)", err.msg);
		}
		srv_stop(&s);
		s.want_client = 0;
	}

	/* ---- impostors: no byte of the request ---- */
	srv_start(&s, &foreign, ANSWER, ok_json);
	rc = ask(&s, NULL, "127.0.0.1", ca_file, &want, "GET", "/api/v1/sync/state", 5,
		 out.max, &out, &status, &err);
	T_EQ_INT(rc, TIMS_ERR_AUTH, "impostor: a certificate from another CA is refused");
	T_OK(s.got == 0 && s.conns == 1, "impostor: it connected and got no byte of the request (%zu)", s.got);
	srv_stop(&s);
	srv_start(&s, &post_srv, ANSWER, ok_json);
	rc = ask(&s, NULL, "127.0.0.1", ca_file, &want, "POST", "/api/v1/sync/push", 5,
		 out.max, &out, &status, &err);
	T_OK(rc == TIMS_ERR_AUTH && strstr(err.msg, "role post-server, not centre-server"),
	     "impostor: the right CA but a post's role on the centre's address is refused (%s)",
	     err.msg);
	T_OK(s.got == 0 && s.conns == 1, "impostor: and got no byte of the request (%zu)", s.got);
	srv_stop(&s);
	srv_start(&s, &wrong_name, ANSWER, ok_json);
	rc = ask(&s, NULL, "127.0.0.1", ca_file, &want, "GET", "/api/v1/sync/state", 5,
		 out.max, &out, &status, &err);
	T_OK(rc == TIMS_ERR_AUTH && s.got == 0, "impostor: the centre's role but another "
	     "host name is refused, no byte sent (%s)", err.msg);
	srv_stop(&s);

	/* ---- keep-alive ---- */
	tims_sync_conn_new(&conn, &err);
	srv_start(&s, &centre, ANSWER, ok_json);
	rc = ask(&s, conn, "localhost", ca_file, &want, "GET", "/a", 5, out.max, &out, &status, &err);
	T_OK(rc == TIMS_OK && status == 200 && out.len == 11 && !memcmp(out.buf, "{\"size\":42}", 11),
	     "a request by host name: 200 and its body (%s)", err.msg);
	rc = ask(&s, conn, "localhost", ca_file, &want, "POST", "/b", 5, out.max, &out, &status, &err);
	T_OK(rc == TIMS_OK && s.conns == 1 && s.requests == 2, "a second request goes on the kept "
	     "connection (%u connections)", s.conns);
	{
		/* the centre's certificate revoked while the connection is kept */
		struct tims_buf crl = TIMS_BUF_INIT(TIMS_TLS_CRL_MAX);
		struct tims_tls_crl *list = NULL;
		struct tims_tls_serial ser;
		struct tims_tls_peer cp;
		struct tims_tls_policy revoked = { .role = TIMS_CERT_CENTRE_SERVER };
		size_t got = s.got;

		tims_tls_peer_read_pem(centre.crt.buf, &cp, NULL);
		memcpy(ser.b, cp.serial, cp.serial_len);
		ser.len = cp.serial_len;
		if (!tims_tls_crl_make(ca.buf, cakey.buf, 1, 1, &ser, 1, &crl, &err))
			(void)tims_tls_crl_load(crl.buf, crl.len, ca.buf, &list, &err);
		revoked.crl = list;
		rc = ask(&s, conn, "localhost", ca_file, &revoked, "POST", "/b", 5, out.max, &out,
			 &status, &err);
		T_OK(rc == TIMS_ERR_AUTH && strstr(err.msg, "revoked") && s.got == got &&
		     s.requests == 2, "a kept connection to a server revoked meanwhile: refused, "
		     "no byte of the request (%s)", err.msg);
		tims_tls_crl_free(list);
		tims_buf_release(&crl);
	}
	srv_stop(&s);
	s.close_after = 1;
	srv_start(&s, &centre, ANSWER, ok_json);
	rc = ask(&s, conn, "localhost", ca_file, &want, "GET", "/a", 5, out.max, &out, &status, &err);
	usleep(50 * 1000);
	rc |= ask(&s, conn, "localhost", ca_file, &want, "POST", "/a", 5, out.max, &out, &status, &err);
	T_OK(rc == TIMS_OK && s.conns == 2 && s.requests == 2, "a kept connection the server closed "
	     "is replaced before the next request, POST included (%s)", err.msg);
	srv_stop(&s);
	s.close_after = 0;
	srv_start(&s, &centre, DROP_SECOND, ok_json);
	rc = ask(&s, conn, "localhost", ca_file, &want, "GET", "/a", 5, out.max, &out, &status, &err);
	rc |= ask(&s, conn, "localhost", ca_file, &want, "GET", "/a", 5, out.max, &out, &status, &err);
	T_OK(rc == TIMS_OK && s.conns == 2 && s.requests == 3, "a GET the server dropped as it came "
	     "is sent again once, on a new connection (%s)", err.msg);
	rc = ask(&s, conn, "localhost", ca_file, &want, "POST", "/push", 5, out.max, &out, &status, &err);
	T_OK(rc == TIMS_ERR_NET && s.requests == 4, "a POST the server dropped after taking it "
	     "is not sent twice: TIMS_ERR_NET (%s)", err.msg);
	srv_stop(&s);
	tims_sync_conn_free(conn);

	/* ---- hostile answers ---- */
	{
		static const struct {
			const char *answer, *what, *says;
			tims_rc rc;
		} hostile[] = {
			{ "HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n", "a Content-Length past max",
			  "answer larger than 1000 bytes", TIMS_ERR_TOOBIG },
			{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n",
			  "a chunk past max", "answer larger than 1000 bytes", TIMS_ERR_TOOBIG },
			{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
			  "a chunk size that is not hex", "chunk size", TIMS_ERR_NET },
			{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
			  "a chunk longer than its size", "CRLF", TIMS_ERR_NET },
			{ "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
			  "Content-Length and chunked together", "both", TIMS_ERR_NET },
		};

		for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
			srv_start(&s, &centre, ANSWER, hostile[i].answer);
			t0 = ms();
			rc = ask(&s, NULL, "127.0.0.1", ca_file, &want, "GET", "/x", 1, 1000, &out,
				 &status, &err);
			T_OK(rc == hostile[i].rc && strstr(err.msg, hostile[i].says) &&
			     ms() - t0 < 5000, "hostile: %s: %s (%s)", hostile[i].what,
			     tims_strerror(hostile[i].rc), err.msg);
			srv_stop(&s);
		}
		{
			/* a body to the end of the connection, past max */
			static char flood[4096];

			snprintf(flood, sizeof(flood), "HTTP/1.1 200 OK\r\n\r\n%03000d", 0);
			s.close_after = 1;
			srv_start(&s, &centre, ANSWER, flood);
			rc = ask(&s, NULL, "127.0.0.1", ca_file, &want, "GET", "/x", 1, 1000, &out,
				 &status, &err);
			T_OK(rc == TIMS_ERR_TOOBIG && out.len <= 1000, "hostile: an unannounced body "
			     "past max: too big, and no more than max kept (%s)", err.msg);
			srv_stop(&s);
			s.close_after = 0;
		}
	}
	{
		/* the servers that stall, side by side (each waits out its 1 s) */
		static const struct {
			enum mode mode;
			const char *answer, *what, *says;
		} stall[] = {
			{ SILENT, NULL, "a server that never answers", "/x: no answer within 1 s" },
			{ ANSWER, "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nhalf",
			  "half a body, then nothing", "not complete within 1 s" },
			{ NO_TLS, NULL, "a port that never speaks TLS", "handshake: no answer within 1 s" },
		};
		struct stalled st[3];
		pthread_t th[3];

		for (int i = 0; i < 3; i++) {
			memset(&st[i], 0, sizeof(st[i]));
			srv_start(&st[i].s, &centre, stall[i].mode, stall[i].answer);
			st[i].ca_file = ca_file;
			st[i].want = &want;
			pthread_create(&th[i], NULL, ask_stalled, &st[i]);
		}
		for (int i = 0; i < 3; i++) {
			pthread_join(th[i], NULL);
			T_OK(st[i].rc == TIMS_ERR_NET && strstr(st[i].err.msg, stall[i].says) &&
			     st[i].ms < 5000, "hostile: %s: TIMS_ERR_NET at the timeout, in %lld ms (%s)",
			     stall[i].what, (long long)st[i].ms, st[i].err.msg);
			srv_stop(&st[i].s);
		}
		s.port = st[2].s.port;
	}
	{
		/* options (a witness's add-checkpoint): a timeout in ms, a
		 * caller that abandons the request, the answer's Content-Type */
		struct tims_sync_opts o = { 300, NULL, NULL, NULL };
		struct tims_sync_peer peer = { NULL, ca_file, NULL, NULL, 20, &want };
		char url[80], ctype[TIMS_HTTPRESP_CTYPE_MAX] = "x";
		struct srv q = { 0 };
		int64_t t1;

		srv_start(&q, &centre, SILENT, NULL);
		snprintf(url, sizeof(url), "https://127.0.0.1:%u", q.port);
		peer.url = url;
		t1 = ms();
		rc = tims_sync_http_opts(&peer, &o, "GET", "/x", NULL, 0, NULL, 1000, &out, &status,
					 &err);
		T_OK(rc == TIMS_ERR_NET && strstr(err.msg, "no answer within 1 s") &&
		     ms() - t1 < 5000, "options: timeout_ms 300 bounds the request, not the "
		     "peer's 20 s (%lld ms: %s)", (long long)(ms() - t1), err.msg);
		o.timeout_ms = 0;
		o.cancel = abandon_after;
		o.cancel_ctx = &t1;
		t1 = ms();
		rc = tims_sync_http_opts(&peer, &o, "GET", "/x", NULL, 0, NULL, 1000, &out, &status,
					 &err);
		T_OK(rc == TIMS_ERR_NET && strstr(err.msg, "request abandoned") &&
		     ms() - t1 < 5000, "options: a caller that abandons the request 200 ms in "
		     "ends it then, not at the peer's 20 s (%lld ms: %s)", (long long)(ms() - t1),
		     err.msg);
		srv_stop(&q);
		srv_start(&q, &centre, ANSWER, ok_json);
		snprintf(url, sizeof(url), "https://127.0.0.1:%u", q.port);
		o.cancel = NULL;
		o.content_type = ctype;
		rc = tims_sync_http_opts(&peer, &o, "GET", "/x", NULL, 0, NULL, 1000, &out, &status,
					 &err);
		T_OK(rc == TIMS_OK && status == 200 && !strcmp(ctype, "application/json"),
		     "options: the answer's Content-Type is given (%s)", ctype);
		srv_stop(&q);
	}
	{
		uint16_t closed = s.port; /* its listener is gone */
		struct srv dead = { .port = closed };

		rc = ask(&dead, NULL, "127.0.0.1", ca_file, &want, "GET", "/x", 1, 1000, &out,
			 &status, &err);
		T_OK(rc == TIMS_ERR_NET && strstr(err.msg, "connect"), "a closed port: "
		     "TIMS_ERR_NET naming the connect (%s)", err.msg);
	}

	/* ---- what the caller gives ---- */
	srv_start(&s, &centre, ANSWER, ok_json);
	rc = ask(&s, NULL, "127.0.0.1", ca_file, &want, "GET", "/x\r\nX-Evil: 1", 1, 1000, &out,
		 &status, &err);
	T_OK(rc == TIMS_ERR_USAGE && s.conns == 0, "a path with CRLF is refused before "
	     "connecting (%s)", err.msg);
	{
		struct tims_sync_peer peer = { "http://127.0.0.1:1", ca_file, NULL, NULL, 1, NULL };

		rc = tims_sync_http(&peer, "GET", "/", NULL, 0, NULL, 100, &out, &status, &err);
		T_OK(rc == TIMS_ERR_USAGE && strstr(err.msg, "only https"), "http:// is refused (%s)",
		     err.msg);
	}
	srv_stop(&s);

	/* resolution is bounded by the request's deadline */
	{
		static const char rc_text[] = "nameserver 127.0.0.1\noptions timeout:20 attempts:1\n";
		static const char ns_text[] = "hosts: dns\n";
		struct tims_buf b = TIMS_BUF_INIT(256);
		char line[600];
		long long took = -1;

		tims_buf_addstr(&b, rc_text);
		file("resolv.conf", &b);
		tims_buf_reset(&b);
		tims_buf_addstr(&b, ns_text);
		file("nsswitch.conf", &b);
		tims_buf_release(&b);
		run_resolve_child(line, sizeof(line));
		if (!strncmp(line, "skip", 4)) {
			/* not run is not passed */
			T_OK(0, "a resolver that never answers: could not be set up here (%s)",
			     line + 5);
		} else {
			if (!strncmp(line, "ok ", 3))
				took = strtoll(line + 3, NULL, 10);
			/* 20 s is what getaddrinfo alone would wait */
			T_OK(took >= 0 && took < 15000 && strstr(line, "cannot resolve "
			     "centre.tims-test.example: no answer within 1 s"),
			     "a name the resolver never answers: the request ends at its "
			     "deadline, 300 ms, not the resolver's 20 s (%s)", line);
		}
	}

	tims_buf_release(&out);
	{
		struct cert *all[] = { &centre, &post_srv, &wrong_name, &foreign, &post_cli, &other_cli };

		for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
			sodium_memzero(all[i]->key.buf, all[i]->key.len);
			tims_buf_release(&all[i]->crt);
			tims_buf_release(&all[i]->key);
		}
	}
	tims_buf_release(&ca);
	tims_buf_release(&cakey);
	tims_buf_release(&other_ca);
	tims_buf_release(&other_cakey);
	{
		char cmd[700];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return t_done();
}
