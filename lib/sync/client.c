/*
 * client.c — one HTTPS/1.1 request with mutual TLS (GnuTLS), for the sync
 * between posts and the centre (tims/sync.h).
 *
 * Our own small client rather than libcurl's, so that the client key can
 * stay in the signer process: libcurl takes a key file and reads it, where
 * GnuTLS takes a gnutls_privkey_t whose signatures the signer makes
 * (tims_tls_ident_load). The process that parses the answers never reads
 * the key file (docs/operations.md, "Process model").
 *
 * Only https; no redirects (a 3xx is an answer like any other); TLS 1.2 or
 * later with TIMS's suites; the server's chain is checked against the
 * given CA and the URL's host during the handshake, then against the
 * caller's policy (role, name, pinned key, revocation: tims/tls.h) after it
 * and before any byte of a request is written: on a new connection and
 * again before each request on a kept one, so an impostor learns nothing
 * and a revocation list updated meanwhile counts at once.
 *
 * Time: the whole request is bounded by peer->timeout_s, name resolution
 * included, and connecting by 5 s besides, with non-blocking sockets and
 * poll deadlines: no signals, threads call it. getaddrinfo cannot be
 * given a deadline (the resolver's own timeouts and retries can add up to
 * tens of seconds), so a name is resolved on a thread of its own that the
 * caller waits for until the deadline and then leaves: the thread ends
 * when getaddrinfo does and frees what it holds; at most RESOLVE_MAX such
 * threads at once (a resolver that never answers cannot pile up threads).
 * An address in the URL is converted at once (AI_NUMERICHOST, no thread).
 *
 * Keep-alive and retries: a tims_sync_conn keeps its connection for the
 * next request to the same peer (URL, CA, certificate and key the same).
 * Before it is reused it is probed without blocking: a server that closed
 * it (idle timeout, restart) is seen then and a new connection made before
 * anything is sent. If a request on a kept connection still fails (the
 * server closed it as the request went out), it is sent again once on a
 * new connection when the server cannot have acted on it: always when
 * writing the request failed (the server did not take it whole), and for
 * GET and HEAD also when the connection ended before the first byte of an
 * answer. A POST whose bytes all went out is never sent twice: the server
 * may have received it and acted (a sync batch, a renewal) and only its
 * answer was lost; the caller gets TIMS_ERR_NET and its own retry logic
 * (which the sync's idempotent batches have) decides. A timeout is never
 * retried.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include "tims/httpresp.h"
#include "tims/signer.h"
#include "tims/sync.h"
#include "tims/tls.h"

#define CONNECT_MS 5000
#define HOST_MAX 256
#define TARGET_MAX 2048
#define IO_CHUNK 16384
#define BODY_INLINE (64 * 1024) /* a body up to this is sent with its header */
#define RESOLVE_MAX 16           /* resolutions running at once, waited for or not */

struct target {
	char host[HOST_MAX];      /* name or address, no brackets */
	char authority[HOST_MAX + 8]; /* for Host: as the URL has it */
	char port[6];
	const char *prefix;       /* a path in the URL, before the request's */
	size_t nprefix;
	int ip;                   /* host is an address: no SNI */
};

struct tims_sync_conn {
	int fd;                   /* -1: no connection */
	gnutls_session_t s;
	gnutls_certificate_credentials_t cred;
	struct tims_tls_ident *ident;
	struct tims_buf who;      /* url, ca, cert, key of the connection */
	unsigned answered;        /* answers read on this connection */
	struct tims_httpresp resp;
};

/* The request this thread is making, for wait_fd and the resolution's
 * wait: its cancel callback, and whether it fired. */
static _Thread_local const struct tims_sync_opts *cur_opts;
static _Thread_local int cur_cancelled;

#define CANCEL_SLICE_MS 100

/* Whether the caller abandoned the request (asked at most every 100 ms). */
static int cancelled(void)
{
	if (!cur_cancelled && cur_opts && cur_opts->cancel && cur_opts->cancel(cur_opts->cancel_ctx))
		cur_cancelled = 1;
	return cur_cancelled;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for fd to be ready for events until deadline: 1 ready, 0 timed
 * out, -1 error (ECANCELED: the caller abandoned the request). */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = { fd, events, 0 };
		int64_t left = deadline - now_ms();
		int n;

		if (cancelled()) {
			errno = ECANCELED;
			return -1;
		}
		if (left <= 0)
			return 0;
		if (cur_opts && cur_opts->cancel && left > CANCEL_SLICE_MS)
			left = CANCEL_SLICE_MS;
		n = poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (n > 0)
			return 1;
		if (n == 0) {
			if (deadline - now_ms() > 0)
				continue; /* a slice, not the deadline */
			return 0;
		}
		if (errno != EINTR)
			return -1;
	}
}

/* "https://host[:port][/prefix]"; host a name, an IPv4 or [IPv6]. */
static tims_rc parse_url(const char *url, struct target *t, struct tims_err *err)
{
	const char *a = url + 8, *end, *h, *he, *p = NULL;
	size_t n;

	memset(t, 0, sizeof(*t));
	if (strncmp(url, "https://", 8) != 0)
		return tims_err_set(err, TIMS_ERR_USAGE, "%s: only https is spoken", url);
	for (const char *c = url; *c; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f || *c == '#' ||
		    *c == '?' || *c == '@' || *c == '\\')
			return tims_err_set(err, TIMS_ERR_USAGE, "url: a byte not allowed "
					    "in a peer's URL (0x%02x)", (unsigned char)*c);
	end = a + strcspn(a, "/");
	if (end == a || (size_t)(end - a) >= sizeof(t->authority))
		return tims_err_set(err, TIMS_ERR_USAGE, "%s: no host, or too long", url);
	memcpy(t->authority, a, (size_t)(end - a));
	if (*a == '[') {
		h = a + 1;
		he = memchr(h, ']', (size_t)(end - h));
		if (!he)
			return tims_err_set(err, TIMS_ERR_USAGE, "%s: an IPv6 address "
					    "without its ']'", url);
		if (he + 1 < end) {
			if (he[1] != ':')
				return tims_err_set(err, TIMS_ERR_USAGE, "%s: junk after "
						    "the address", url);
			p = he + 2;
		}
	} else {
		h = a;
		he = memchr(a, ':', (size_t)(end - a));
		if (he)
			p = he + 1;
		else
			he = end;
	}
	n = (size_t)(he - h);
	if (!n || n >= sizeof(t->host))
		return tims_err_set(err, TIMS_ERR_USAGE, "%s: no host", url);
	memcpy(t->host, h, n);
	if (p) {
		unsigned long v = 0;

		if (p == end || end - p > 5)
			return tims_err_set(err, TIMS_ERR_USAGE, "%s: port not 1-65535", url);
		for (const char *c = p; c < end; c++) {
			if (*c < '0' || *c > '9')
				return tims_err_set(err, TIMS_ERR_USAGE, "%s: port not "
						    "1-65535", url);
			v = v * 10 + (unsigned long)(*c - '0');
		}
		if (!v || v > 65535)
			return tims_err_set(err, TIMS_ERR_USAGE, "%s: port not 1-65535", url);
		snprintf(t->port, sizeof(t->port), "%lu", v);
	} else {
		snprintf(t->port, sizeof(t->port), "443");
	}
	{
		unsigned char b[16];

		t->ip = inet_pton(AF_INET, t->host, b) == 1 || inet_pton(AF_INET6, t->host, b) == 1;
	}
	t->prefix = end;
	t->nprefix = strlen(end);
	if (t->nprefix && end[t->nprefix - 1] == '/')
		t->nprefix--; /* "https://h/" and a path "/x": one slash */
	return TIMS_OK;
}

static void conn_close(struct tims_sync_conn *c)
{
	if (c->s) {
		gnutls_deinit(c->s);
		c->s = NULL;
	}
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	if (c->cred) {
		gnutls_certificate_free_credentials(c->cred);
		c->cred = NULL;
	}
	tims_tls_ident_free(c->ident);
	c->ident = NULL;
	tims_buf_reset(&c->who);
	c->answered = 0;
}

/* Our certificate and key, when the server asks for one. */
static int retrieve(gnutls_session_t s, const gnutls_datum_t *req_ca_rdn, int nreqs,
		    const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
		    gnutls_pcert_st **pcert, unsigned int *pcert_length,
		    gnutls_privkey_t *pkey)
{
	struct tims_sync_conn *c = gnutls_session_get_ptr(s);

	(void)req_ca_rdn;
	(void)nreqs;
	(void)pk_algos;
	(void)pk_algos_length;
	if (!c || !c->ident) {
		*pcert = NULL;
		*pcert_length = 0;
		*pkey = NULL;
		return 0;
	}
	tims_tls_ident_get(c->ident, pcert, pcert_length, pkey);
	return 0;
}

/* ---- name resolution with a deadline ------------------------------------ */

/* One resolution, shared by its thread and the caller: whichever lets go
 * last frees it (the caller lets go at its deadline, the thread when
 * getaddrinfo returns). */
struct resolve {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int refs, done, rc, errno_;
	char host[HOST_MAX], port[6];
	struct addrinfo *ai;
};

static atomic_int resolving;   /* resolution threads running */

static void resolve_unref(struct resolve *r)
{
	int last;

	pthread_mutex_lock(&r->mu);
	last = --r->refs == 0;
	pthread_mutex_unlock(&r->mu);
	if (!last)
		return;
	if (r->ai)
		freeaddrinfo(r->ai);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

static void *resolve_thread(void *arg)
{
	struct resolve *r = arg;
	struct addrinfo hints, *ai = NULL;
	int rc, e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(r->host, r->port, &hints, &ai);
	e = errno;
	pthread_mutex_lock(&r->mu);
	r->rc = rc;
	r->errno_ = e;
	r->ai = rc ? NULL : ai;
	r->done = 1;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	resolve_unref(r);
	atomic_fetch_sub(&resolving, 1);
	return NULL;
}

/* t's addresses into *out (freeaddrinfo), resolved by deadline. */
static tims_rc resolve(const char *url, const struct target *t, int64_t deadline,
		       long timeout_s, struct addrinfo **out, struct tims_err *err)
{
	struct addrinfo hints;
	pthread_condattr_t ca;
	pthread_attr_t ta;
	pthread_t th;
	struct resolve *r;
	int rc, e;

	*out = NULL;
	if (t->ip) {
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST;
		if ((rc = getaddrinfo(t->host, t->port, &hints, out)) != 0)
			return tims_err_set(err, TIMS_ERR_NET, "%s: cannot resolve %s: %s", url,
					    t->host, rc == EAI_SYSTEM ? strerror(errno) :
					    gai_strerror(rc));
		return TIMS_OK;
	}
	if (atomic_fetch_add(&resolving, 1) >= RESOLVE_MAX) {
		atomic_fetch_sub(&resolving, 1);
		return tims_err_set(err, TIMS_ERR_NET, "%s: cannot resolve %s: %d resolutions "
				    "still running (the resolver does not answer)", url, t->host,
				    RESOLVE_MAX);
	}
	if (!(r = calloc(1, sizeof(*r)))) {
		atomic_fetch_sub(&resolving, 1);
		return tims_err_set(err, TIMS_ERR_NOMEM, "%s: out of memory", url);
	}
	memcpy(r->host, t->host, sizeof(r->host));
	memcpy(r->port, t->port, sizeof(r->port));
	r->refs = 2;
	pthread_mutex_init(&r->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_attr_init(&ta);
	pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
	e = pthread_create(&th, &ta, resolve_thread, r);
	pthread_attr_destroy(&ta);
	if (e) {
		atomic_fetch_sub(&resolving, 1);
		r->refs = 1;
		resolve_unref(r);
		return tims_err_set(err, TIMS_ERR_NET, "%s: cannot resolve %s: thread: %s", url,
				    t->host, strerror(e));
	}
	pthread_mutex_lock(&r->mu);
	while (!r->done && !cancelled()) {
		int64_t until = deadline;
		struct timespec ts;

		if (cur_opts && cur_opts->cancel && until > now_ms() + CANCEL_SLICE_MS)
			until = now_ms() + CANCEL_SLICE_MS;
		ts.tv_sec = (time_t)(until / 1000);
		ts.tv_nsec = (long)(until % 1000) * 1000000;
		if (pthread_cond_timedwait(&r->cv, &r->mu, &ts) == ETIMEDOUT &&
		    now_ms() >= deadline)
			break;
	}
	rc = r->rc;
	e = r->errno_;
	if (r->done && !rc) {
		*out = r->ai;
		r->ai = NULL;
	}
	if (!r->done) {
		pthread_mutex_unlock(&r->mu);
		resolve_unref(r);
		return tims_err_set(err, TIMS_ERR_NET, "%s: cannot resolve %s: no answer "
				    "within %ld s", url, t->host, timeout_s);
	}
	pthread_mutex_unlock(&r->mu);
	resolve_unref(r);
	if (rc)
		return tims_err_set(err, TIMS_ERR_NET, "%s: cannot resolve %s: %s", url, t->host,
				    rc == EAI_SYSTEM ? strerror(e) : gai_strerror(rc));
	return TIMS_OK;
}

static tims_rc tcp_connect(struct tims_sync_conn *c, const char *url, const struct target *t,
			   int64_t deadline, long timeout_s, struct tims_err *err)
{
	struct addrinfo *ai = NULL;
	char why[128] = "no address";
	int64_t cdl;
	int r, timed_out = 0;
	tims_rc rc;

	if ((rc = resolve(url, t, deadline, timeout_s, &ai, err)))
		return rc;
	cdl = now_ms() + CONNECT_MS;
	if (cdl > deadline)
		cdl = deadline;
	for (struct addrinfo *a = ai; a && c->fd < 0; a = a->ai_next) {
		int fd = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		int e = 0, one = 1;
		socklen_t el = sizeof(e);

		if (fd < 0) {
			snprintf(why, sizeof(why), "socket: %s", strerror(errno));
			continue;
		}
		if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
			if (errno != EINPROGRESS) {
				e = errno;
			} else if ((r = wait_fd(fd, POLLOUT, cdl)) <= 0) {
				e = r ? errno : ETIMEDOUT;
			} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0) {
				e = errno;
			}
		}
		if (e) {
			timed_out = e == ETIMEDOUT;
			snprintf(why, sizeof(why), "%s", timed_out ? "" : strerror(e));
			close(fd);
			continue;
		}
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->fd = fd;
	}
	freeaddrinfo(ai);
	if (c->fd >= 0)
		return TIMS_OK;
	if (timed_out)
		return tims_err_set(err, TIMS_ERR_NET, "%s: connect: no answer within %ld s",
				    url, cdl == deadline ? timeout_s : (long)(CONNECT_MS / 1000));
	return tims_err_set(err, TIMS_ERR_NET, "%s: connect: %s", url, why);
}

static tims_rc tls_fail(struct tims_sync_conn *c, const char *url, const char *what, int r,
			struct tims_err *err)
{
	if (r == GNUTLS_E_FATAL_ALERT_RECEIVED)
		return tims_err_set(err, TIMS_ERR_NET, "%s: %s: the server sent alert '%s'",
				    url, what, gnutls_alert_get_name(gnutls_alert_get(c->s)));
	return tims_err_set(err, TIMS_ERR_NET, "%s: %s: %s", url, what, gnutls_strerror(r));
}

static tims_rc tls_connect(struct tims_sync_conn *c, const struct tims_sync_peer *peer,
			   const struct target *t, int64_t deadline, long timeout_s,
			   struct tims_err *err)
{
	int r;
	tims_rc rc;

	if ((r = gnutls_certificate_allocate_credentials(&c->cred)) < 0)
		return tims_err_set(err, TIMS_ERR_NOMEM, "TLS: %s", gnutls_strerror(r));
	r = peer->ca_file ? gnutls_certificate_set_x509_trust_file(c->cred, peer->ca_file,
								   GNUTLS_X509_FMT_PEM)
			  : gnutls_certificate_set_x509_system_trust(c->cred);
	if (r <= 0)
		return tims_err_set(err, TIMS_ERR_NET, "%s: CA %s: %s", peer->url,
				    peer->ca_file ? peer->ca_file : "(the system's)",
				    r < 0 ? gnutls_strerror(r) : "no certificate in it");
	if (peer->cert_file) {
		if ((rc = tims_tls_ident_load(peer->cert_file, peer->key_file, &c->ident, err)))
			return rc;
		gnutls_certificate_set_retrieve_function2(c->cred, retrieve);
	}
	if ((rc = tcp_connect(c, peer->url, t, deadline, timeout_s, err)))
		return rc;
	if ((r = gnutls_init(&c->s, GNUTLS_CLIENT | GNUTLS_NO_SIGNAL | GNUTLS_NO_TICKETS)) < 0 ||
	    (r = gnutls_priority_set_direct(c->s, tims_tls_priorities, NULL)) < 0 ||
	    (r = gnutls_credentials_set(c->s, GNUTLS_CRD_CERTIFICATE, c->cred)) < 0 ||
	    (!t->ip && (r = gnutls_server_name_set(c->s, GNUTLS_NAME_DNS, t->host,
						   strlen(t->host))) < 0)) {
		if (c->s) {
			gnutls_deinit(c->s);
			c->s = NULL;
		}
		return tims_err_set(err, TIMS_ERR_CRYPTO, "TLS: %s", gnutls_strerror(r));
	}
	/* chain to the CA and the URL's host name, during the handshake */
	gnutls_session_set_verify_cert(c->s, t->host, 0);
	gnutls_session_set_ptr(c->s, c);
	gnutls_transport_set_int(c->s, c->fd);
	gnutls_handshake_set_timeout(c->s, 0);
	for (;;) {
		r = gnutls_handshake(c->s);
		if (r >= 0)
			return TIMS_OK;
		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
			int w = wait_fd(c->fd, gnutls_record_get_direction(c->s) ? POLLOUT : POLLIN,
					deadline);

			if (w == 0)
				return tims_err_set(err, TIMS_ERR_NET, "%s: TLS handshake: no "
						    "answer within %ld s", peer->url, timeout_s);
			if (w < 0)
				return tims_err_set(err, TIMS_ERR_NET, "%s: TLS handshake: "
						    "poll: %s", peer->url, strerror(errno));
			continue;
		}
		if (r == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
			unsigned st = gnutls_session_get_verify_cert_status(c->s);
			gnutls_datum_t out = { NULL, 0 };

			if (gnutls_certificate_verification_status_print(st, GNUTLS_CRT_X509,
									 &out, 0) < 0)
				out.data = NULL;
			rc = tims_err_set(err, TIMS_ERR_AUTH, "%s: not the peer enrolled: %s",
					  peer->url, out.data ? (char *)out.data :
					  "its certificate does not verify");
			gnutls_free(out.data);
			return rc;
		}
		if (gnutls_error_is_fatal(r))
			return tls_fail(c, peer->url, "TLS handshake", r, err);
	}
}

/* The server's certificate against the caller's policy: before every
 * request, so nothing is written to an impostor. */
static tims_rc check_peer(struct tims_sync_conn *c, const struct tims_sync_peer *peer,
			  struct tims_err *err)
{
	const gnutls_datum_t *certs;
	struct tims_tls_peer p;
	struct tims_err e;
	unsigned n = 0;

	certs = gnutls_certificate_get_peers(c->s, &n);
	if (!certs || !n)
		return tims_err_set(err, TIMS_ERR_AUTH, "%s: not the peer enrolled: no "
				    "server certificate", peer->url);
	if (!peer->policy)
		return TIMS_OK;
	tims_err_clear(&e);
	if (tims_tls_peer_read(certs[0].data, certs[0].size, &p, &e) ||
	    tims_tls_check(&p, peer->policy, &e))
		return tims_err_set(err, TIMS_ERR_AUTH, "%s: not the peer enrolled: %s",
				    peer->url, tims_err_msg(&e));
	return TIMS_OK;
}

/* A kept connection the server has not closed: nothing to read on it (a
 * TLS handshake message, such as a key update, is taken in passing). */
static int still_open(struct tims_sync_conn *c)
{
	struct pollfd p = { c->fd, POLLIN, 0 };
	char b[1];
	int n;

	if (gnutls_record_check_pending(c->s))
		return 0; /* bytes no request asked for */
	n = poll(&p, 1, 0);
	if (n == 0)
		return 1;
	if (n < 0)
		return 0;
	return gnutls_record_recv(c->s, b, 1) == GNUTLS_E_AGAIN;
}

static tims_rc send_all(struct tims_sync_conn *c, const char *url, const char *p, size_t len,
			int64_t deadline, long timeout_s, struct tims_err *err)
{
	while (len) {
		ssize_t r = gnutls_record_send(c->s, p, len);

		if (r > 0) {
			p += r;
			len -= (size_t)r;
			continue;
		}
		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
			int w = wait_fd(c->fd, POLLOUT, deadline);

			if (w == 0)
				return tims_err_set(err, TIMS_ERR_NET, "%s: the request was "
						    "not taken within %ld s", url, timeout_s);
			if (w < 0)
				return tims_err_set(err, TIMS_ERR_NET, "%s: poll: %s", url,
						    strerror(errno));
			continue;
		}
		return tls_fail(c, url, "sending the request", (int)r, err);
	}
	return TIMS_OK;
}

enum phase { SENDING, WAITING, ANSWERING, TIMED_OUT };

/* Write the request, read its answer into out. *phase says how far it
 * went when it failed. */
static tims_rc exchange(struct tims_sync_conn *c, const struct tims_sync_peer *peer,
			const struct target *t, const char *method, const char *path,
			const char *body, size_t len, const char *type, size_t max,
			struct tims_buf *out, int64_t deadline, long timeout_s,
			enum phase *phase, struct tims_err *err)
{
	struct tims_buf req = TIMS_BUF_INIT(TARGET_MAX + HOST_MAX + 512 + BODY_INLINE);
	int with_body = strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
	char buf[IO_CHUNK];
	struct tims_err pe; /* the parser's word, put in err with the URL */
	tims_rc rc;

	*phase = SENDING;
	tims_err_clear(&pe);
	if (tims_buf_addf(&req, "%s %.*s%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: tims\r\n"
			  "Accept: */*\r\n", method, (int)t->nprefix, t->prefix, path,
			  t->authority) ||
	    (with_body && tims_buf_addf(&req, "Content-Type: %s\r\nContent-Length: %zu\r\n",
					type ? type : "application/json", body ? len : 0)) ||
	    tims_buf_addstr(&req, "\r\n") ||
	    (with_body && body && len <= BODY_INLINE && tims_buf_add(&req, body, len))) {
		tims_buf_release(&req);
		return tims_err_set(err, TIMS_ERR_NOMEM, "%s: request: out of memory", peer->url);
	}
	rc = send_all(c, peer->url, req.buf, req.len, deadline, timeout_s, err);
	if (!rc && with_body && body && len > BODY_INLINE)
		rc = send_all(c, peer->url, body, len, deadline, timeout_s, err);
	tims_buf_release(&req);
	if (rc) {
		if (now_ms() >= deadline)
			*phase = TIMED_OUT;
		return rc;
	}
	*phase = WAITING;
	tims_buf_reset(out);
	out->max = max;
	tims_httpresp_init(&c->resp, !strcmp(method, "HEAD"), max);
	for (;;) {
		ssize_t r = gnutls_record_recv(c->s, buf, sizeof(buf));
		size_t used = 0;

		if (r > 0) {
			*phase = ANSWERING;
			rc = tims_httpresp_feed(&c->resp, buf, (size_t)r, &used, out, &pe);
			if (rc == TIMS_ERR_TOOBIG)
				return tims_err_set(err, rc, "%s%s: answer larger than %zu bytes "
						    "(%s)", peer->url, path, max, pe.msg);
			if (rc)
				return tims_err_set(err, TIMS_ERR_NET, "%s%s: %s", peer->url, path,
						    pe.msg);
			if (c->resp.done) {
				/* bytes past the answer: nothing to keep the connection for */
				if (used < (size_t)r || gnutls_record_check_pending(c->s))
					c->resp.close = 1;
				return TIMS_OK;
			}
			continue;
		}
		if (r == 0) {
			if ((rc = tims_httpresp_eof(&c->resp, &pe)))
				return tims_err_set(err, TIMS_ERR_NET, "%s%s: %s", peer->url,
						    path, pe.msg);
			c->resp.close = 1;
			return TIMS_OK;
		}
		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
			int w = wait_fd(c->fd, POLLIN, deadline);

			if (w == 0) {
				*phase = TIMED_OUT;
				return tims_err_set(err, TIMS_ERR_NET, c->resp.started ?
						    "%s%s: the answer was not complete within %ld s" :
						    "%s%s: no answer within %ld s", peer->url, path,
						    timeout_s);
			}
			if (w < 0)
				return tims_err_set(err, TIMS_ERR_NET, "%s: poll: %s", peer->url,
						    strerror(errno));
			continue;
		}
		if (r == GNUTLS_E_PREMATURE_TERMINATION)
			return tims_err_set(err, TIMS_ERR_NET, "%s%s: %s", peer->url, path,
					    c->resp.started ? "the connection ended inside the "
					    "answer (no TLS close_notify)" :
					    "the connection closed with no answer");
		if (r == GNUTLS_E_REHANDSHAKE)
			return tims_err_set(err, TIMS_ERR_NET, "%s: the server asked for a "
					    "renegotiation: refused", peer->url);
		return tls_fail(c, peer->url, "reading the answer", (int)r, err);
	}
}

static tims_rc check_request(const struct tims_sync_peer *peer, const char *method,
			     const char *path, const char *type, struct tims_err *err)
{
	size_t n = strlen(method);

	if (!n || n > 16 || strspn(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != n)
		return tims_err_set(err, TIMS_ERR_USAGE, "method: not 1-16 capital letters");
	if (path[0] != '/' || strlen(path) >= TARGET_MAX)
		return tims_err_set(err, TIMS_ERR_USAGE, "%s: path: not '/...' under %d bytes",
				    peer->url, TARGET_MAX);
	for (const char *c = path; *c; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
			return tims_err_set(err, TIMS_ERR_USAGE, "path: a byte not allowed "
					    "in a request target (0x%02x)", (unsigned char)*c);
	if (type) {
		if (strlen(type) > 128)
			return tims_err_set(err, TIMS_ERR_USAGE, "type: longer than 128 bytes");
		for (const char *c = type; *c; c++)
			if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
				return tims_err_set(err, TIMS_ERR_USAGE, "type: a control byte");
	}
	return TIMS_OK;
}

tims_rc tims_sync_conn_new(struct tims_sync_conn **out, struct tims_err *err)
{
	if (!(*out = calloc(1, sizeof(**out))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "sync connection: out of memory");
	(*out)->fd = -1;
	tims_buf_init(&(*out)->who, 4 * PATH_MAX + 8);
	return TIMS_OK;
}

void tims_sync_conn_free(struct tims_sync_conn *conn)
{
	if (!conn)
		return;
	conn_close(conn);
	tims_buf_release(&conn->who);
	free(conn);
}

static tims_rc conn_http(struct tims_sync_conn *conn, const struct tims_sync_peer *peer,
			 const struct tims_sync_opts *opts, const char *method, const char *path,
			 const char *body, size_t len, const char *type, size_t max,
			 struct tims_buf *out, long *status, struct tims_err *err)
{
	static const struct tims_sync_opts none;
	struct tims_buf who = TIMS_BUF_INIT(4 * PATH_MAX + 8);
	int64_t tmo_ms = (opts = opts ? opts : &none)->timeout_ms > 0 ? opts->timeout_ms :
			 (int64_t)(peer->timeout_s > 0 ? peer->timeout_s : 30) * 1000;
	long timeout_s = (long)((tmo_ms + 999) / 1000); /* for messages */
	int64_t deadline = now_ms() + tmo_ms;
	struct target t;
	tims_rc rc;

	*status = 0;
	if (opts->content_type)
		opts->content_type[0] = '\0';
	tims_buf_reset(out);
	out->max = max;
	if ((rc = parse_url(peer->url, &t, err)) ||
	    (rc = check_request(peer, method, path, type, err)))
		return rc;
	if (tims_buf_addf(&who, "%s\n%s\n%s\n%s", peer->url, peer->ca_file ? peer->ca_file : "",
			  peer->cert_file ? peer->cert_file : "",
			  peer->key_file ? peer->key_file : "")) {
		tims_buf_release(&who);
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: paths too long", peer->url);
	}
	cur_opts = opts;
	cur_cancelled = 0;
	for (int attempt = 0;; attempt++) {
		enum phase ph;
		int kept = 0;

		if (conn->fd >= 0 && (strcmp(tims_buf_str(&conn->who), who.buf) ||
				      !still_open(conn)))
			conn_close(conn);
		if (conn->fd >= 0) {
			kept = 1;
		} else {
			rc = tls_connect(conn, peer, &t, deadline, timeout_s, err);
			if (!rc && tims_buf_addstr(&conn->who, who.buf))
				rc = tims_err_set(err, TIMS_ERR_TOOBIG, "%s: paths too long",
						  peer->url);
			if (rc) {
				conn_close(conn);
				break;
			}
		}
		if ((rc = check_peer(conn, peer, err))) {
			conn_close(conn);
			break;
		}
		rc = exchange(conn, peer, &t, method, path, body, len, type, max, out, deadline,
			      timeout_s, &ph, err);
		if (!rc) {
			*status = conn->resp.status;
			if (opts->content_type)
				memcpy(opts->content_type, conn->resp.content_type,
				       sizeof(conn->resp.content_type));
			conn->answered++;
			if (conn->resp.close)
				conn_close(conn);
			break;
		}
		conn_close(conn);
		/* once, on a kept connection the server closed as we wrote */
		if (cur_cancelled || !kept || attempt || !(ph == SENDING ||
		    (ph == WAITING && (!strcmp(method, "GET") || !strcmp(method, "HEAD")))))
			break;
	}
	if (rc && cur_cancelled)
		rc = tims_err_set(err, TIMS_ERR_NET, "%s: request abandoned", peer->url);
	cur_opts = NULL;
	cur_cancelled = 0;
	tims_buf_release(&who);
	return rc;
}

tims_rc tims_sync_conn_http(struct tims_sync_conn *conn, const struct tims_sync_peer *peer,
			    const char *method, const char *path, const char *body,
			    size_t len, const char *type, size_t max, struct tims_buf *out,
			    long *status, struct tims_err *err)
{
	return conn_http(conn, peer, NULL, method, path, body, len, type, max, out, status, err);
}

tims_rc tims_sync_http_opts(const struct tims_sync_peer *peer,
			    const struct tims_sync_opts *opts, const char *method,
			    const char *path, const char *body, size_t len,
			    const char *type, size_t max, struct tims_buf *out,
			    long *status, struct tims_err *err)
{
	struct tims_sync_conn *conn;
	tims_rc rc;

	*status = 0;
	if ((rc = tims_sync_conn_new(&conn, err)))
		return rc;
	rc = conn_http(conn, peer, opts, method, path, body, len, type, max, out, status, err);
	tims_sync_conn_free(conn);
	return rc;
}

tims_rc tims_sync_http(const struct tims_sync_peer *peer, const char *method,
		       const char *path, const char *body, size_t len,
		       const char *type, size_t max, struct tims_buf *out,
		       long *status, struct tims_err *err)
{
	return tims_sync_http_opts(peer, NULL, method, path, body, len, type, max, out, status,
				   err);
}
