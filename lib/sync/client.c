/*
 * client.c — one HTTPS request with mutual TLS (libcurl, GnuTLS), for the
 * sync between posts and the centre.
 *
 * Only https; no redirects; TLS 1.2 or later; the server certificate is
 * checked against the given CA (the centre's, from the enrolment) and the
 * host name, then against the caller's policy (role, name, pinned key,
 * revocation: tims/tls.h) in libcurl's pre-request callback, which runs
 * after the handshake and before each request is sent (also on a kept
 * connection), so an impostor learns nothing of it. Our certificate and key
 * are presented. The answer is bounded. A tims_sync_conn keeps its
 * connection open between requests, so a post that asks the centre every
 * second does not shake hands every second.
 */
#include <curl/curl.h>
#include <gnutls/gnutls.h>
#include <pthread.h>

#include "tims/sync.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int ready;

static void setup(void)
{
	ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

static size_t on_data(char *p, size_t sz, size_t n, void *ud)
{
	return tims_buf_add(ud, p, sz * n) ? 0 : sz * n;
}

struct identity {
	CURL *c;
	const struct tims_sync_peer *peer;
	int refused;
	struct tims_err err;
};

/* libcurl: the connection is up, the request not yet sent. */
static int on_connected(void *ud, char *ip, char *local_ip, int port, int local_port)
{
	struct identity *id = ud;
	struct curl_tlssessioninfo *ti = NULL;
	const gnutls_datum_t *certs;
	struct tims_tls_peer p;
	unsigned n = 0;

	(void)ip;
	(void)local_ip;
	(void)port;
	(void)local_port;
	if (curl_easy_getinfo(id->c, CURLINFO_TLS_SSL_PTR, &ti) != CURLE_OK || !ti ||
	    ti->backend != CURLSSLBACKEND_GNUTLS || !ti->internals) {
		tims_err_set(&id->err, TIMS_ERR_AUTH, "%s: the TLS session cannot be "
			     "inspected (libcurl without GnuTLS?)", id->peer->url);
		goto refuse;
	}
	certs = gnutls_certificate_get_peers(ti->internals, &n);
	if (!certs || n == 0) {
		tims_err_set(&id->err, TIMS_ERR_AUTH, "%s: no server certificate",
			     id->peer->url);
		goto refuse;
	}
	if (tims_tls_peer_read(certs[0].data, certs[0].size, &p, &id->err) ||
	    tims_tls_check(&p, id->peer->policy, &id->err))
		goto refuse;
	return CURL_PREREQFUNC_OK;
refuse:
	id->refused = 1;
	return CURL_PREREQFUNC_ABORT;
}

struct tims_sync_conn {
	CURL *c;
};

tims_rc tims_sync_conn_new(struct tims_sync_conn **out, struct tims_err *err)
{
	*out = NULL;
	pthread_once(&once, setup);
	if (!ready)
		return tims_err_set(err, TIMS_ERR_NET, "libcurl: init failed");
	if (!(*out = calloc(1, sizeof(**out))) || !((*out)->c = curl_easy_init())) {
		free(*out);
		*out = NULL;
		return tims_err_set(err, TIMS_ERR_NOMEM, "libcurl: out of memory");
	}
	return TIMS_OK;
}

void tims_sync_conn_free(struct tims_sync_conn *conn)
{
	if (!conn)
		return;
	curl_easy_cleanup(conn->c);
	free(conn);
}

/* One request on c (its options reset first; its connections kept). */
static tims_rc perform(CURL *c, const struct tims_sync_peer *peer, const char *method,
		       const char *path, const char *body, size_t len,
		       const char *type, size_t max, struct tims_buf *out,
		       long *status, struct tims_err *err)
{
	char msg[CURL_ERROR_SIZE] = "", url[2048], ctype[128];
	struct curl_slist *h = NULL;
	struct identity id = { .c = c, .peer = peer, .err = { 0, "" } };
	CURLcode cc;

	*status = 0;
	if (strncmp(peer->url, "https://", 8) != 0)
		return tims_err_set(err, TIMS_ERR_USAGE, "%s: only https is spoken",
				    peer->url);
	if (snprintf(url, sizeof(url), "%s%s", peer->url, path) >= (int)sizeof(url))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "url: too long");
	snprintf(ctype, sizeof(ctype), "Content-Type: %s",
		 type ? type : "application/json");
	curl_easy_reset(c);
	if (peer->policy) {
		curl_easy_setopt(c, CURLOPT_PREREQFUNCTION, on_connected);
		curl_easy_setopt(c, CURLOPT_PREREQDATA, &id);
	}
	tims_buf_reset(out);
	out->max = max;
	h = curl_slist_append(h, ctype);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (peer->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, peer->ca_file);
	if (peer->cert_file) {
		curl_easy_setopt(c, CURLOPT_SSLCERT, peer->cert_file);
		curl_easy_setopt(c, CURLOPT_SSLKEY, peer->key_file);
	}
	if (!strcmp(method, "POST")) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? len : 0));
	} else if (strcmp(method, "GET") != 0) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, peer->timeout_s > 0 ? peer->timeout_s : 30L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, msg);
	cc = curl_easy_perform(c);
	if (cc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	/* The handle must not keep pointers to what ends here. */
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(c, CURLOPT_PREREQFUNCTION, NULL);
	curl_easy_setopt(c, CURLOPT_PREREQDATA, NULL);
	curl_slist_free_all(h);
	if (id.refused)
		return tims_err_set(err, TIMS_ERR_AUTH, "%s: not the peer enrolled: %s",
				    peer->url, id.err.msg);
	if (cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_PINNEDPUBKEYNOTMATCH)
		return tims_err_set(err, TIMS_ERR_AUTH, "%s: not the peer enrolled: %s",
				    peer->url, msg[0] ? msg : curl_easy_strerror(cc));
	if (cc == CURLE_WRITE_ERROR)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s%s: answer larger than %zu bytes",
				    peer->url, path, max);
	if (cc != CURLE_OK)
		return tims_err_set(err, TIMS_ERR_NET, "%s: %s", peer->url,
				    msg[0] ? msg : curl_easy_strerror(cc));
	return TIMS_OK;
}

tims_rc tims_sync_conn_http(struct tims_sync_conn *conn, const struct tims_sync_peer *peer,
			    const char *method, const char *path, const char *body,
			    size_t len, const char *type, size_t max, struct tims_buf *out,
			    long *status, struct tims_err *err)
{
	return perform(conn->c, peer, method, path, body, len, type, max, out, status, err);
}

tims_rc tims_sync_http(const struct tims_sync_peer *peer, const char *method,
		       const char *path, const char *body, size_t len,
		       const char *type, size_t max, struct tims_buf *out,
		       long *status, struct tims_err *err)
{
	struct tims_sync_conn *conn;
	tims_rc rc;

	*status = 0;
	if ((rc = tims_sync_conn_new(&conn, err)))
		return rc;
	rc = perform(conn->c, peer, method, path, body, len, type, max, out, status, err);
	tims_sync_conn_free(conn);
	return rc;
}
