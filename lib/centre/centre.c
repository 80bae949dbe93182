/*
 * centre.c — a centre directory (tims/centre.h): creation, opening, the
 * registry of enrolled posts, enrolment with client certificates from the
 * centre's CA, revocation, isolation and the event log.
 *
 * Every certificate the CA issues carries one role (tims/tls.h) and is
 * recorded in the certs table with its serial; revoking a post revokes its
 * certificates, and revoked.crl, the CA-signed list of them, is rewritten
 * at once. Posts take that list home at enrolment and fetch it with every
 * sync, so they refuse a revoked certificate also while offline.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sodium.h>
#include <sys/stat.h>
#include <time.h>

#include "tims/metrics.h"
#include "tims/p11.h"
#include "tims/revocation.h"
#include "tims/signer.h"
#include "tims/tls.h"
#include "tims/schema.h"
#include "tims/util.h"
#include "tims/vault.h"
#include "internal.h"

#define KEYFILE_MAX 4096
#define CONFIG_MAX 8192

static const char schema[] =
	"PRAGMA journal_mode=WAL;"
	"CREATE TABLE IF NOT EXISTS posts ("
	" name TEXT PRIMARY KEY, origin TEXT NOT NULL UNIQUE, vkey TEXT NOT NULL,"
	" cert_fp BLOB NOT NULL, url TEXT, enrolled_ms INTEGER NOT NULL,"
	" revoked_ms INTEGER);"
	"CREATE TABLE IF NOT EXISTS certs ("
	" serial TEXT PRIMARY KEY, post TEXT NOT NULL, role TEXT NOT NULL,"
	" fp BLOB NOT NULL, issued_ms INTEGER NOT NULL, revoked_ms INTEGER);"
	"CREATE TABLE IF NOT EXISTS events ("
	" id INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, kind TEXT NOT NULL,"
	" origin TEXT, detail TEXT NOT NULL);"
	"CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events BEGIN"
	" SELECT RAISE(ABORT, 'events are append-only'); END;"
	"CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events BEGIN"
	" SELECT RAISE(ABORT, 'events are append-only'); END;"
	/* Events aggregated for the dashboard: identical ones (kind, post,
	 * detail) are one row with a count, first and last time, until a
	 * supervisor acknowledges it; the next such event opens a new row. */
	"CREATE TABLE IF NOT EXISTS alerts ("
	" id INTEGER PRIMARY KEY, kind TEXT NOT NULL, origin TEXT NOT NULL,"
	" detail TEXT NOT NULL, count INTEGER NOT NULL, first_ms INTEGER NOT NULL,"
	" last_ms INTEGER NOT NULL, last_event INTEGER NOT NULL,"
	" acked_ms INTEGER, acked_by TEXT);"
	"CREATE UNIQUE INDEX IF NOT EXISTS alerts_open ON alerts (kind, origin, detail)"
	" WHERE acked_ms IS NULL;"
	"CREATE INDEX IF NOT EXISTS alerts_last ON alerts (last_ms);"
	/* What the posts report as it happens (events.c, tims/event.h): one
	 * row per (post, number), append-only; alert: its alerts row, if any. */
	"CREATE TABLE IF NOT EXISTS post_events ("
	" id INTEGER PRIMARY KEY, origin TEXT NOT NULL, seq INTEGER NOT NULL,"
	" kind TEXT NOT NULL, time_ms INTEGER NOT NULL, received_ms INTEGER NOT NULL,"
	" booth TEXT NOT NULL, officer TEXT NOT NULL, decision TEXT NOT NULL,"
	" event TEXT NOT NULL, alert INTEGER, UNIQUE (origin, seq));"
	"CREATE INDEX IF NOT EXISTS post_events_kind ON post_events (kind, id);"
	"CREATE INDEX IF NOT EXISTS post_events_origin ON post_events (origin, id);"
	"CREATE TRIGGER IF NOT EXISTS post_events_no_delete BEFORE DELETE ON post_events BEGIN"
	" SELECT RAISE(ABORT, 'post events are append-only'); END;"
	"CREATE TRIGGER IF NOT EXISTS post_events_no_update BEFORE UPDATE ON post_events BEGIN"
	" SELECT RAISE(ABORT, 'post events are append-only'); END;"
	/* a centre made before: its events, aggregated once */
	"INSERT INTO alerts (kind, origin, detail, count, first_ms, last_ms, last_event)"
	" SELECT kind, coalesce(origin, ''), detail, COUNT(*), MIN(time_ms), MAX(time_ms),"
	" MAX(id) FROM events WHERE (SELECT COUNT(*) FROM alerts) = 0"
	" GROUP BY kind, coalesce(origin, ''), detail;";

tims_rc centre_path(const struct tims_centre *c, const char *name, char *out,
		    struct tims_err *err)
{
	if (snprintf(out, CENTRE_PATH_MAX, "%s/%s", c->dir, name) >= CENTRE_PATH_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", c->dir);
	return TIMS_OK;
}

/*
 * An I/O error or damage on centre.db (a failed write or fsync, a malformed
 * page) leaves what reached the disk unknown, and a later fsync that
 * succeeds would prove nothing (the kernel may have dropped the failed
 * pages: PostgreSQL's "fsyncgate"). The connection is made read only
 * (query_only: every later write fails before any I/O, prepared
 * statements too) and does not checkpoint its WAL into the file when it
 * closes; the audit log's publication record (its own connection to
 * centre.db) stops too (centre_marker_stopped). Until the centre is
 * restarted, what would be stored there is refused: the posts' events are
 * answered 503 and sent again. Called with db_lock held, right after the
 * failed call (SQLite's last error of the connection).
 */
static void db_check(struct tims_centre *c)
{
	int x = c->db ? sqlite3_extended_errcode(c->db) : SQLITE_OK;

	if (c->db_stopped)
		return;
	switch (x & 0xff) {
	case SQLITE_IOERR:
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		break;
	default:
		return;
	}
	snprintf(c->db_stopped_why, sizeof(c->db_stopped_why),
		 "centre.db: %.150s (SQLite error %d): written no more until the centre is "
		 "restarted", sqlite3_errmsg(c->db), x);
	sqlite3_db_config(c->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
	sqlite3_exec(c->db, "PRAGMA query_only = 1", NULL, NULL, NULL);
	c->db_stopped = 1;
}

int centre_db_stopped(struct tims_centre *c)
{
	return c->db_stopped != 0;
}

tims_rc centre_db_err(struct tims_centre *c, const char *what,
		      struct tims_err *err)
{
	char msg[200];

	snprintf(msg, sizeof(msg), "%s", c->db ? sqlite3_errmsg(c->db) : "not open");
	db_check(c);
	if (c->db_stopped)
		return tims_err_set(err, TIMS_ERR_IO, "%s/centre.db: %s: %s; %s", c->dir, what,
				    msg, c->db_stopped_why);
	return tims_err_set(err, TIMS_ERR_DB, "%s/centre.db: %s: %s", c->dir, what, msg);
}

static tims_rc dpath(const char *dir, const char *name, char *out,
		     struct tims_err *err)
{
	if (snprintf(out, CENTRE_PATH_MAX, "%s/%s", dir, name) >= CENTRE_PATH_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", dir);
	return TIMS_OK;
}

static tims_rc write_in(const char *dir, const char *name, const void *data,
			size_t len, unsigned mode, struct tims_err *err)
{
	char path[CENTRE_PATH_MAX];
	tims_rc rc = dpath(dir, name, path, err);

	return rc ? rc : tims_write_file(path, data, len, mode, 1, err);
}

static tims_rc read_in(const char *dir, const char *name, size_t max,
		       struct tims_buf *out, struct tims_err *err)
{
	char path[CENTRE_PATH_MAX];
	tims_rc rc = dpath(dir, name, path, err);

	return rc ? rc : tims_read_file(path, max, out, err);
}

static void wipe_release(struct tims_buf *b)
{
	if (b->buf)
		sodium_memzero(b->buf, b->alloc);
	tims_buf_release(b);
}

/* Issue a certificate from the CA in dir and write NAME.crt / NAME.key;
 * what identifies it to *peer if not NULL. */
static tims_rc issue(const char *ca_dir, const struct tims_cert_req *req,
		     const char *out_dir, const char *crt_name,
		     const char *key_name, struct tims_tls_peer *peer,
		     struct tims_err *err)
{
	struct tims_buf ca = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_buf cakey = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_buf cert = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_buf key = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	tims_rc rc;

	if (!(rc = read_in(ca_dir, "ca.crt", TIMS_TLS_PEM_MAX, &ca, err)) &&
	    !(rc = read_in(ca_dir, "ca.key", TIMS_TLS_PEM_MAX, &cakey, err)) &&
	    !(rc = tims_tls_issue(req, tims_buf_str(&ca), tims_buf_str(&cakey),
				  &cert, &key, err)) &&
	    !(rc = write_in(out_dir, key_name, key.buf, key.len, 0600, err)) &&
	    !(rc = write_in(out_dir, crt_name, cert.buf, cert.len, 0644, err)) && peer)
		rc = tims_tls_peer_read_pem(tims_buf_str(&cert), peer, err);
	tims_buf_release(&ca);
	wipe_release(&cakey);
	tims_buf_release(&cert);
	wipe_release(&key);
	return rc;
}

/*
 * The subjectAltNames of a server certificate: the host names and addresses
 * given (each a DNS name or an IP address), or this machine's loopback
 * names when none is given (a demo on one machine).
 */
static tims_rc set_hosts(struct tims_cert_req *req, const char *const *hosts,
			 struct tims_err *err)
{
	static const char *const loopback[] = { "localhost", "127.0.0.1", "::1", NULL };
	size_t nd = 0, ni = 0;

	if (!hosts || !hosts[0])
		hosts = loopback;
	for (size_t i = 0; hosts[i]; i++) {
		const char *h = hosts[i];
		unsigned char ip[16];
		size_t n = strlen(h);

		if (inet_pton(AF_INET, h, ip) == 1 || inet_pton(AF_INET6, h, ip) == 1) {
			if (ni == TIMS_TLS_MAX_NAMES)
				return tims_err_set(err, TIMS_ERR_TOOBIG,
						    "host: at most %d addresses", TIMS_TLS_MAX_NAMES);
			req->ips[ni++] = h;
			continue;
		}
		if (n == 0 || n > 253 || h[0] == '.' || h[0] == '-' || h[n - 1] == '.')
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "host \"%.64s\": not a host name or IP address", h);
		for (size_t k = 0; k < n; k++)
			if (!isalnum((unsigned char)h[k]) && h[k] != '-' && h[k] != '.')
				return tims_err_set(err, TIMS_ERR_INVALID,
						    "host \"%.64s\": not a host name or IP address", h);
		if (nd == TIMS_TLS_MAX_NAMES)
			return tims_err_set(err, TIMS_ERR_TOOBIG, "host: at most %d names",
					    TIMS_TLS_MAX_NAMES);
		req->dns[nd++] = h;
	}
	return TIMS_OK;
}

/* Record an issued certificate (db locked by the caller, or not shared). */
static tims_rc record_cert(sqlite3 *db, const char *post,
			   const struct tims_tls_peer *p, struct tims_err *err)
{
	char hex[2 * TIMS_TLS_SERIAL_MAX + 1];
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;

	sodium_bin2hex(hex, sizeof(hex), p->serial, p->serial_len);
	if (sqlite3_prepare_v2(db, "INSERT INTO certs (serial, post, role, fp, issued_ms)"
			       " VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st, NULL) != SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "centre.db: certs: %s", sqlite3_errmsg(db));
		goto out;
	}
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, post, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, tims_tls_role_name(p->role), -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, p->fp, sizeof(p->fp), SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, tims_mlog_now_ms());
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = tims_err_set(err, TIMS_ERR_DB, "centre.db: certs: %s", sqlite3_errmsg(db));
out:
	sqlite3_finalize(st);
	return rc;
}

/*
 * Rewrite DIR/revoked.crl from the certs table (db locked by the caller):
 * every revoked serial, signed by the CA. Its number is the count of
 * revoked certificates, which only grows: a post keeps the largest.
 */
static tims_rc write_crl(const char *dir, sqlite3 *db, struct tims_err *err)
{
	char crt[CENTRE_PATH_MAX], key[CENTRE_PATH_MAX];
	struct tims_buf crl = TIMS_BUF_INIT(TIMS_TLS_CRL_MAX);
	struct tims_tls_serial *list = NULL;
	sqlite3_stmt *st = NULL;
	size_t n = 0, cap = 0;
	tims_rc rc = TIMS_OK;

	if (sqlite3_prepare_v2(db, "SELECT serial FROM certs WHERE revoked_ms IS NOT NULL"
			       " ORDER BY serial", -1, &st, NULL) != SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "centre.db: certs: %s", sqlite3_errmsg(db));
		goto out;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *hex = (const char *)sqlite3_column_text(st, 0);
		size_t bl = 0;

		if (n == cap) {
			struct tims_tls_serial *m = realloc(list, (cap = cap ? 2 * cap : 16) *
							    sizeof(*list));

			if (!m) {
				rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
				goto out;
			}
			list = m;
		}
		if (!hex || sodium_hex2bin(list[n].b, sizeof(list[n].b), hex, strlen(hex), NULL,
					   &bl, NULL) != 0) {
			rc = tims_err_set(err, TIMS_ERR_DB, "centre.db: certs: a bad serial");
			goto out;
		}
		list[n++].len = bl;
	}
	/* signed where ca.key is read: the signer, in the daemon */
	if (!(rc = dpath(dir, "ca.crt", crt, err)) && !(rc = dpath(dir, "ca.key", key, err)) &&
	    !(rc = tims_signer_ca_crl(crt, key, n, 3650, list, n, &crl, err)))
		rc = write_in(dir, "revoked.crl", crl.buf, crl.len, 0644, err);
out:
	sqlite3_finalize(st);
	free(list);
	tims_buf_release(&crl);
	return rc;
}

tims_rc centre_crl_write(struct tims_centre *c, struct tims_err *err)
{
	tims_rc rc;

	pthread_mutex_lock(&c->db_lock);
	rc = write_crl(c->dir, c->db, err);
	pthread_mutex_unlock(&c->db_lock);
	return rc;
}

static tims_rc make_ca(const char *dir, const char *name, const char *key_token,
		       struct tims_err *err)
{
	struct tims_cert_req req = {
		.common_name = name, .days = 3650, .uses = TIMS_CERT_CA,
	};
	struct tims_buf cert = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_buf key = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	char label[TIMS_P11_LABEL_MAX + 1];
	tims_rc rc;

	/* with a token: the CA key made and kept there, ca.key its URI */
	if (key_token) {
		if (!(rc = tims_note_key_label("ca", label, sizeof(label), err)))
			rc = tims_tls_ca_in_token(name, req.days, key_token, label,
						  &cert, &key, err);
	} else
		rc = tims_tls_issue(&req, NULL, NULL, &cert, &key, err);
	if (!rc)
		rc = write_in(dir, "ca.key", key.buf, key.len, 0600, err);
	if (!rc)
		rc = write_in(dir, "ca.crt", cert.buf, cert.len, 0644, err);
	tims_buf_release(&cert);
	wipe_release(&key);
	return rc;
}

static tims_rc make_key(const char *dir, const char *key_token,
			const char *name, enum tims_key_alg alg,
			const char *sk_file, const char *vk_file, struct tims_err *err)
{
	char *skey = NULL, *vkey = NULL, label[TIMS_P11_LABEL_MAX + 1];
	struct tims_buf b = TIMS_BUF_INIT(KEYFILE_MAX);
	char role[16];
	tims_rc rc;

	/* the label names the key's role: tims-cosign-..., tims-bundle-... */
	snprintf(role, sizeof(role), "%.*s", (int)strcspn(sk_file, "."), sk_file);
	if ((rc = tims_note_key_label(role, label, sizeof(label), err)) ||
	    (rc = tims_note_keygen_in(key_token, label, name, alg, &skey, &vkey,
				      err)))
		return rc;
	rc = write_in(dir, sk_file, skey, strlen(skey), 0600, err);
	if (!rc && (tims_buf_addstr(&b, vkey) || tims_buf_addch(&b, '\n')))
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if (!rc)
		rc = write_in(dir, vk_file, b.buf, b.len, 0644, err);
	tims_buf_release(&b);
	tims_note_free_secret(skey);
	free(vkey);
	return rc;
}

/* The cosigner key (named as the centre) and the bundle key (NAME/bundles). */
static tims_rc make_keys(const char *dir, const char *name,
			 const char *key_token, struct tims_err *err)
{
	char bname[TIMS_CENTRE_NAME_MAX + 16];

	char aname[TIMS_CENTRE_NAME_MAX + 16];

	snprintf(bname, sizeof(bname), "%s/bundles", name);
	snprintf(aname, sizeof(aname), "%s/audit", name);
	return make_key(dir, key_token, name, TIMS_KEY_COSIGNATURE_V1, "cosign.skey", "cosign.vkey", err) ||
	       make_key(dir, key_token, bname, TIMS_KEY_ED25519, "bundle.skey", "bundle.vkey", err) ||
	       make_key(dir, key_token, aname, TIMS_KEY_ED25519, "audit.skey", "audit.vkey", err)
		       ? (err ? err->rc : TIMS_ERR_CRYPTO) : TIMS_OK;
}

tims_rc tims_centre_init(const char *dir, const char *name, const char *store,
			 const char *const *hosts, struct tims_err *err)
{
	return tims_centre_init_token(dir, name, store, hosts, NULL, NULL, err);
}

tims_rc tims_centre_init_token(const char *dir, const char *name, const char *store,
			       const char *const *hosts, const char *token,
			       const char *key_token, struct tims_err *err)
{
	static const char *const ours[] = { "config", "centre.db", "ca.key", "cosign.skey",
					    "bundle.skey", "audit.skey", "audit.db",
					    "vault.conf", "keys.db" };
	struct tims_cert_req server = {
		.common_name = "tims centre", .days = 825, .role = TIMS_CERT_CENTRE_SERVER,
	};
	struct tims_cert_req client = {
		.common_name = "centre", .days = 825, .role = TIMS_CERT_CENTRE_CLIENT,
	};
	struct tims_tls_peer srv_peer, cli_peer;
	struct tims_buf cfg = TIMS_BUF_INIT(CONFIG_MAX);
	char path[CENTRE_PATH_MAX];
	sqlite3 *db = NULL;
	tims_rc rc;

	if (sodium_init() < 0)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "libsodium: init failed");
	if (!name || !*name || strlen(name) > TIMS_CENTRE_NAME_MAX ||
	    strpbrk(name, " +\n\t\r"))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "name: want 1-%d characters without spaces or '+'",
				    TIMS_CENTRE_NAME_MAX);
	if (store && (strchr(store, '\n') || strlen(store) > 1024))
		return tims_err_set(err, TIMS_ERR_INVALID, "store: not a one-line URI");
	if ((rc = set_hosts(&server, hosts, err)))
		return rc;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", dir, strerror(errno));
	for (size_t i = 0; i < TIMS_ARRAY_SIZE(ours); i++) {
		if ((rc = dpath(dir, ours[i], path, err)))
			return rc;
		if (access(path, F_OK) == 0)
			return tims_err_set(err, TIMS_ERR_EXISTS,
					    "%s: already holds a centre (%s)", dir, ours[i]);
	}
	/* the vault first: no centre without its key token */
	if ((rc = tims_vault_create(dir, token, err)))
		return rc;
	if ((rc = dpath(dir, "mirror", path, err)))
		return rc;
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", path, strerror(errno));
	if ((rc = make_keys(dir, name, key_token, err)) || (rc = make_ca(dir, name, key_token, err)) ||
	    (rc = issue(dir, &server, dir, "tls.crt", "tls.key", &srv_peer, err)) ||
	    (rc = issue(dir, &client, dir, "client.crt", "client.key", &cli_peer, err)))
		return rc;
	if (tims_buf_addf(&cfg, "name = %s\nstore = %s\n", name, store ? store : "sqlite"))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "config: too large");
	rc = write_in(dir, "config", cfg.buf, cfg.len, 0644, err);
	tims_buf_release(&cfg);
	if (rc || (rc = dpath(dir, "centre.db", path, err)) ||
	    (rc = tims_file_private(path, err))) /* 0600, and its WAL */
		return rc;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK ||
	    sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK)
		rc = tims_err_set(err, TIMS_ERR_DB, "%s: %s", path,
				  db ? sqlite3_errmsg(db) : "cannot open");
	if (!rc && !(rc = record_cert(db, "centre", &srv_peer, err)) &&
	    !(rc = record_cert(db, "centre", &cli_peer, err)))
		rc = write_crl(dir, db, err);
	sqlite3_close(db);
	if (!rc)
		chmod(path, 0600);
	return rc;
}

static tims_rc parse_config(struct tims_centre *c, const char *text,
			    struct tims_err *err)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n'), *eq;
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char key[32], val[CENTRE_PATH_MAX];
		size_t kl, vl;

		eq = memchr(p, '=', len);
		if (len == 0 || p[0] == '#') {
			p += len + (nl != NULL);
			continue;
		}
		if (!eq)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s/config: a line without '='", c->dir);
		kl = (size_t)(eq - p);
		while (kl && p[kl - 1] == ' ')
			kl--;
		eq++;
		while (*eq == ' ')
			eq++;
		vl = len - (size_t)(eq - p);
		if (kl >= sizeof(key) || vl >= sizeof(val))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s/config: a line too long", c->dir);
		memcpy(key, p, kl);
		key[kl] = '\0';
		memcpy(val, eq, vl);
		val[vl] = '\0';
		if (!strcmp(key, "name")) {
			if (vl >= sizeof(c->name))
				return tims_err_set(err, TIMS_ERR_INVALID,
						    "%s/config: name: too long", c->dir);
			memcpy(c->name, val, vl + 1);
		}
		else if (!strcmp(key, "store"))
			snprintf(c->store_uri, sizeof(c->store_uri), "%s", val);
		else if (!strcmp(key, "report_min_cell")) {
			/* the statistics' small-cell floor (reports.c) */
			uint64_t n;

			if (tims_parse_u64(val, TIMS_REPORT_MIN_CELL_MAX, &n, "report_min_cell", err))
				return tims_err_set(err, TIMS_ERR_INVALID, "%s/config: report_min_cell: "
						    "want 0 to %d", c->dir, TIMS_REPORT_MIN_CELL_MAX);
			c->report_min_cell = (unsigned)n;
		} else
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s/config: unknown key \"%s\"", c->dir, key);
		p += len + (nl != NULL);
	}
	if (!c->name[0])
		return tims_err_set(err, TIMS_ERR_INVALID, "%s/config: no name", c->dir);
	return TIMS_OK;
}

tims_rc tims_centre_open(const char *dir, struct tims_centre **out,
			 struct tims_err *err)
{
	struct tims_centre *c;
	struct tims_buf cfg = TIMS_BUF_INIT(CONFIG_MAX);
	char path[CENTRE_PATH_MAX], sk[CENTRE_PATH_MAX], uri[CENTRE_PATH_MAX + 16];
	tims_rc rc;

	*out = NULL;
	if (sodium_init() < 0)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "libsodium: init failed");
	if (!(c = calloc(1, sizeof(*c))))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	pthread_mutex_init(&c->db_lock, NULL);
	pthread_mutex_init(&c->store_lock, NULL);
	pthread_mutex_init(&c->mirrors_lock, NULL);
	pthread_mutex_init(&c->audit_lock, NULL);
	pthread_mutex_init(&c->audit_ro_lock, NULL);
	pthread_mutex_init(&c->maint_lock, NULL);
	pthread_cond_init(&c->maint_cond, NULL);
	if (snprintf(c->dir, sizeof(c->dir), "%s", dir) >= (int)sizeof(c->dir)) {
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "centre directory: path too long");
		goto fail;
	}
	if ((rc = centre_path(c, "config", path, err)))
		goto fail;
	if (access(path, F_OK) != 0) {
		rc = tims_err_set(err, TIMS_ERR_NOTFOUND,
				  "%s: not a centre directory (no config; tims centre init)", dir);
		goto fail;
	}
	if ((rc = tims_read_file(path, CONFIG_MAX, &cfg, err)) ||
	    (rc = parse_config(c, tims_buf_str(&cfg), err)))
		goto fail;
	if ((rc = centre_path(c, "cosign.vkey", path, err)) ||
	    (rc = centre_path(c, "cosign.skey", sk, err)) ||
	    (rc = tims_mlog_load_keys(dir, path, sk, &c->cosign_vkey, &c->cosigner, err)) ||
	    (rc = centre_path(c, "bundle.vkey", path, err)) ||
	    (rc = centre_path(c, "bundle.skey", sk, err)) ||
	    (rc = tims_mlog_load_keys(dir, path, sk, &c->bundle_vkey, &c->bundle_signer, err)))
		goto fail;
	/* The audit key came later: a centre made before it gets one now. */
	if ((rc = centre_path(c, "audit.vkey", path, err)))
		goto fail;
	if (access(path, F_OK) != 0) {
		char aname[TIMS_CENTRE_NAME_MAX + 16];

		snprintf(aname, sizeof(aname), "%s/audit", c->name);
		if ((rc = make_key(dir, NULL, aname, TIMS_KEY_ED25519, "audit.skey", "audit.vkey", err)))
			goto fail;
	}
	/* The vault: personal data at rest (docs/keys.md). A centre made
	 * before it gets one now; its token unavailable, the vault opens to
	 * seal only and what must read says so (centre_vault_ready). */
	rc = tims_vault_open(dir, &c->vault, err);
	if (rc == TIMS_ERR_NOTFOUND && !(rc = tims_vault_create(dir, NULL, err)))
		rc = tims_vault_open(dir, &c->vault, err);
	if (rc)
		goto fail;
	if ((rc = centre_path(c, "centre.db", path, err)))
		goto fail;
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX,
			    NULL) != SQLITE_OK ||
	    /* the wait first: a command run beside a serving centre (tims
	     * centre posts) must wait for its write, not fail "locked" */
	    sqlite3_busy_timeout(c->db, 5000) != SQLITE_OK ||
	    sqlite3_exec(c->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK) {
		rc = centre_db_err(c, "open", err);
		goto fail;
	}
	/* Schema version (tims/schema.h): 0 before versions were recorded;
	 * the tables and the alert queue's columns (alerts.c) added since, in
	 * one transaction; a centre.db of a newer TIMS refused untouched. */
	if ((rc = tims_schema_begin(c->db, path, TIMS_SCHEMA_CENTRE, NULL, err)))
		goto fail;
	if (sqlite3_exec(c->db, schema, NULL, NULL, NULL) != SQLITE_OK)
		rc = centre_db_err(c, "open", err);
	if (rc || (rc = centre_alerts_schema(c, err)) ||
	    (rc = tims_schema_commit(c->db, path, TIMS_SCHEMA_CENTRE, err))) {
		tims_schema_abort(c->db);
		goto fail;
	}
	/* personal data rewritten or deleted leaves no bytes behind; values
	 * stored in clear before the vault are sealed now (seal.c) */
	if (sqlite3_exec(c->db, "PRAGMA secure_delete = ON", NULL, NULL, NULL) != SQLITE_OK) {
		rc = centre_db_err(c, "open", err);
		goto fail;
	}
	if ((rc = centre_seal_legacy(c, err)))
		goto fail;
	/* The mirrors are data, not identity: an operator who moved mirror/
	 * aside for a rebuild (docs/operations.md, the outage drill) gets an
	 * empty one back, to be filled from the posts. */
	if ((rc = centre_path(c, "mirror", path, err)))
		goto fail;
	if (mkdir(path, 0700) != 0 && errno != EEXIST) {
		rc = tims_err_set(err, TIMS_ERR_IO, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!c->store_uri[0] || !strcmp(c->store_uri, "sqlite"))
		snprintf(uri, sizeof(uri), "sqlite:%s/query.db", dir);
	else
		snprintf(uri, sizeof(uri), "%s", c->store_uri);
	if ((rc = tims_cstore_open(uri, &c->store, err)))
		goto fail;
	tims_cstore_set_vault(c->store, c->vault);
	/* a store of schema 1 (in clear) was emptied: refilled from the
	 * mirrors, sealed (tims_centre_reindex, the maintenance thread) */
	if (tims_cstore_was_reset(c->store))
		c->store_dirty = 1;
	tims_buf_release(&cfg);
	*out = c;
	return TIMS_OK;
fail:
	tims_buf_release(&cfg);
	tims_centre_free(c);
	return rc;
}

void tims_centre_free(struct tims_centre *c)
{
	if (!c)
		return;
	centre_inbox_stop(c); /* before what its imports use */
	centre_alerts_stop(c);
	if (c->maint_on) {
		pthread_mutex_lock(&c->maint_lock);
		c->maint_stop = 1;
		pthread_cond_signal(&c->maint_cond);
		pthread_mutex_unlock(&c->maint_lock);
		pthread_join(c->maint, NULL);
	}
	pthread_mutex_destroy(&c->maint_lock);
	pthread_cond_destroy(&c->maint_cond);
	free(c->retention);
	for (size_t i = 0; i < c->nmirrors; i++) {
		tims_sync_mirror_free(c->mirrors[i]->m);
		tims_sync_mirror_free(c->mirrors[i]->am);
		pthread_mutex_destroy(&c->mirrors[i]->lock);
		free(c->mirrors[i]);
	}
	if (c->store)
		tims_cstore_close(c->store);
	if (c->vault)
		tims_vault_close(c->vault);
	tims_audit_free(c->audit);
	pthread_mutex_destroy(&c->audit_lock);
	tims_audit_free(c->audit_ro);
	pthread_mutex_destroy(&c->audit_ro_lock);
	centre_audit_witness_free(c);
	sqlite3_close(c->db);
	if (c->cosigner.ctx)
		tims_signer_release(&c->cosigner);
	if (c->bundle_signer.ctx)
		tims_signer_release(&c->bundle_signer);
	pthread_mutex_destroy(&c->db_lock);
	pthread_mutex_destroy(&c->store_lock);
	free(c);
}

const char *tims_centre_dir(const struct tims_centre *c)
{
	return c->dir;
}

const struct tims_verifier *tims_centre_cosigner(const struct tims_centre *c)
{
	return &c->cosign_vkey;
}

tims_rc centre_vault_ready(struct tims_centre *c, struct tims_err *err)
{
	struct tims_err e;

	if (!c->vault)
		return tims_err_set(err, TIMS_ERR_STATE, "centre: no vault");
	if (tims_vault_state(c->vault) == TIMS_VAULT_OPEN || !tims_vault_retry(c->vault, &e))
		return TIMS_OK;
	return tims_err_set(err, TIMS_ERR_UNAVAILABLE, "the centre's key token is unavailable "
			    "(%s): nothing personal can be indexed or read until it is back",
			    tims_vault_why(c->vault));
}

struct tims_cstore *tims_centre_store(struct tims_centre *c)
{
	return c->store;
}

void tims_centre_store_state(struct tims_centre *c, struct tims_cstore_state *st,
			     int *dirty)
{
	tims_cstore_state(c->store, st);
	if (dirty)
		*dirty = c->store_dirty;
}

json_t *centre_store_json(struct tims_centre *c)
{
	struct tims_cstore_state st;
	json_t *o;

	tims_cstore_state(c->store, &st);
	o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:b}", "backend", tims_cstore_backend(c->store),
		      "state", st.up ? "connected" : "down", "since_ms", (json_int_t)st.since_ms,
		      "failures", (json_int_t)st.failures, "reconnects", (json_int_t)st.reconnects,
		      "repair_pending", c->store_dirty != 0);
	if (o && st.last_error_ms) {
		json_object_set_new(o, "last_error", json_string(st.last_error));
		json_object_set_new(o, "last_error_ms", json_integer((json_int_t)st.last_error_ms));
	}
	if (o && !st.up)
		json_object_set_new(o, "next_try_ms", json_integer((json_int_t)st.next_try_ms));
	return o ? o : json_object();
}

struct metric_sums {
	uint64_t posts, revoked, records, signed_size;
	int64_t oldest_sync_ms;
};

static tims_rc sum_post(void *ctx, const struct tims_centre_post *p)
{
	struct metric_sums *m = ctx;

	m->posts++;
	m->revoked += p->revoked != 0;
	m->records += p->size;
	m->signed_size += p->signed_size;
	return TIMS_OK;
}

tims_rc tims_centre_metrics(struct tims_centre *c, struct tims_buf *out,
			    struct tims_err *err)
{
	struct tims_metrics *r = malloc(sizeof(*r));
	struct metric_sums sums;
	struct tims_cstore_state st;
	const char *lab = tims_cstore_backend(c->store)[0] == 'p' ? "backend=\"postgresql\"" :
			  "backend=\"sqlite\"";
	tims_rc rc;

	if (!r)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	memset(&sums, 0, sizeof(sums));
	if ((rc = tims_centre_posts(c, sum_post, &sums, err))) {
		free(r);
		return rc;
	}
	tims_cstore_state(c->store, &st);
	tims_metrics_init(r);
	tims_metric_set(tims_metric(r, TIMS_GAUGE, "tims_centre_store_up",
		"1 when the query store is reachable, 0 while its connection is lost", lab), st.up);
	tims_metric_set(tims_metric(r, TIMS_GAUGE, "tims_centre_store_state_since_seconds",
		"when the query store entered its state (opened, lost or regained), Unix time", lab),
		st.since_ms / 1000);
	tims_metric_set(tims_metric(r, TIMS_GAUGE, "tims_centre_store_last_error_seconds",
		"when a query store statement last failed, Unix time (0: never)", lab),
		st.last_error_ms / 1000);
	tims_metric_set(tims_metric(r, TIMS_COUNTER, "tims_centre_store_failures_total",
		"query store statements that failed", lab), (int64_t)st.failures);
	tims_metric_set(tims_metric(r, TIMS_COUNTER, "tims_centre_store_reconnects_total",
		"query store connections regained", lab), (int64_t)st.reconnects);
	tims_metric_set(tims_metric(r, TIMS_GAUGE, "tims_centre_store_repair_pending",
		"1 while the query store may lack records the mirrors hold", lab), c->store_dirty);
	tims_metric_set(tims_metric(r, TIMS_GAUGE, "tims_centre_db_stopped",
		"1 once centre.db stopped writing after an I/O error, until a restart", ""),
		centre_db_stopped(c));
	tims_metric_set(tims_metric(r, TIMS_GAUGE, "tims_centre_audit_stopped",
		"1 once the centre's audit log stopped writing after an I/O error, until a "
		"restart (requests it cannot record are answered 503)", ""),
		centre_audit_stopped(c, NULL, 0));
	tims_metric_set(tims_metric(r, TIMS_GAUGE, "tims_centre_posts",
		"enrolled posts (revoked ones included)", ""), (int64_t)sums.posts);
	tims_metric_set(tims_metric(r, TIMS_GAUGE, "tims_centre_posts_revoked",
		"revoked posts", ""), (int64_t)sums.revoked);
	tims_metric_set(tims_metric(r, TIMS_GAUGE, "tims_centre_mirrored_records",
		"records held in the mirrors of every post", ""), (int64_t)sums.records);
	rc = tims_metrics_render(r, out);
	free(r);
	if (rc)
		return tims_err_set(err, rc, "metrics: too large");
	err->msg[0] = '\0';
	rc = centre_metrics_more(c, out, err); /* metrics.c */
	return rc && !err->msg[0] ? tims_err_set(err, rc, "metrics: too large") : rc;
}

/* ---- maintenance: the query store's connection and repairs -------------- */

#define MAINT_PERIOD_MS 500
#define MAINT_PING_TICKS 4   /* a lost connection shows within ~2 s, pushes or not */

static void maint_tick(struct tims_centre *c, int *was_down, unsigned *ticks)
{
	struct tims_cstore_state st;
	struct tims_err e;
	uint64_t added = 0;
	char d[300];

	tims_cstore_state(c->store, &st);
	/* never queue behind a long batch or repair: they find it out anyway */
	if (st.up && ++*ticks % MAINT_PING_TICKS == 0 && !pthread_mutex_trylock(&c->store_lock)) {
		tims_cstore_ping(c->store, NULL);
		pthread_mutex_unlock(&c->store_lock);
		tims_cstore_state(c->store, &st);
	}
	if (!st.up) {
		if (!*was_down) {
			*was_down = 1;
			snprintf(d, sizeof(d), "query store unreachable: %s; pushes are answered "
				 "503 until it is back", st.last_error);
			tims_centre_event(c, "store", NULL, d);
		}
		pthread_mutex_lock(&c->store_lock);
		e.msg[0] = '\0';
		if (!tims_cstore_reconnect(c->store, 0, &e)) {
			c->store_dirty = 1; /* a batch may have been cut off: check */
			c->store_fail_gen++;
		}
		pthread_mutex_unlock(&c->store_lock);
		tims_cstore_state(c->store, &st);
		if (!st.up)
			return;
	}
	if (*was_down) {
		*was_down = 0;
		tims_centre_event(c, "store-up", NULL, "query store reachable again");
	}
	if (!c->store_dirty)
		return;
	if (tims_centre_reindex(c, &added, &e))
		return; /* still dirty: next tick */
	if (added) {
		snprintf(d, sizeof(d), "%" PRIu64 " records the query store lacked were indexed "
			 "from the mirrors", added);
		tims_centre_event(c, "store-repaired", NULL, d);
	}
}

static void *maint_main(void *arg)
{
	struct tims_centre *c = arg;
	unsigned ticks = 0;
	int was_down = 0;

	pthread_mutex_lock(&c->maint_lock);
	while (!c->maint_stop) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += MAINT_PERIOD_MS * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&c->maint_cond, &c->maint_lock, &ts);
		if (c->maint_stop)
			break;
		pthread_mutex_unlock(&c->maint_lock);
		maint_tick(c, &was_down, &ticks);
		centre_audit_witness_tick(c); /* auditwitness.c */
		centre_retention_tick(c);     /* retention.c */
		pthread_mutex_lock(&c->maint_lock);
	}
	pthread_mutex_unlock(&c->maint_lock);
	return NULL;
}

tims_rc centre_maintain_start(struct tims_centre *c, struct tims_err *err)
{
	tims_rc rc;

	if (c->maint_on)
		return TIMS_OK;
	if ((rc = centre_retention_load(c, err)))
		return rc;
	if (pthread_create(&c->maint, NULL, maint_main, c) != 0)
		return tims_err_set(err, TIMS_ERR_NOMEM, "centre: cannot start the maintenance thread");
	c->maint_on = 1;
	return TIMS_OK;
}

/* ---- enrolment ---------------------------------------------------------- */

static int valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > TIMS_CENTRE_NAME_MAX || !strcmp(s, "centre"))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' ||
		      s[i] == '.'))
			return 0;
	return 1;
}

/* The SHA-256 of the centre's own keys (server, client), as posts pin them. */
static tims_rc centre_pins(const char *dir, char srv[65], char cli[65],
			   struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	struct tims_tls_peer p;
	tims_rc rc;

	if (!(rc = read_in(dir, "tls.crt", TIMS_TLS_PEM_MAX, &b, err)) &&
	    !(rc = tims_tls_peer_read_pem(tims_buf_str(&b), &p, err))) {
		if (p.role != TIMS_CERT_CENTRE_SERVER)
			rc = tims_err_set(err, TIMS_ERR_STATE, "%s/tls.crt: role %s, not "
					  "centre-server (a centre made before certificate "
					  "roles: see docs/operations.md)", dir,
					  tims_tls_role_name(p.role));
		tims_tls_hex32(p.spki, srv);
	}
	tims_buf_release(&b); /* tims_read_file starts afresh */
	if (!rc && !(rc = read_in(dir, "client.crt", TIMS_TLS_PEM_MAX, &b, err)) &&
	    !(rc = tims_tls_peer_read_pem(tims_buf_str(&b), &p, err))) {
		if (p.role != TIMS_CERT_CENTRE_CLIENT)
			rc = tims_err_set(err, TIMS_ERR_STATE, "%s/client.crt: role %s, not "
					  "centre-client (a centre made before certificate "
					  "roles: see docs/operations.md)", dir,
					  tims_tls_role_name(p.role));
		tims_tls_hex32(p.spki, cli);
	}
	tims_buf_release(&b);
	return rc;
}

/* Issue a post's client and server certificates into out_dir and record
 * them (c->db_lock held). */
static tims_rc issue_post(struct tims_centre *c, const char *name,
			  const char *const *hosts, const char *out_dir,
			  uint8_t client_fp[32], struct tims_err *err)
{
	struct tims_cert_req req = {
		.common_name = name, .days = 825, .role = TIMS_CERT_POST_CLIENT,
	};
	/* The post's node serves HTTPS with a certificate from the same CA,
	 * so that the centre can pull from it when rebuilding. */
	struct tims_cert_req server = {
		.common_name = name, .days = 825, .role = TIMS_CERT_POST_SERVER,
	};
	struct tims_tls_peer cp, sp;
	tims_rc rc;

	if ((rc = centre_cert_lifetime(c->dir, "post_client", &req.seconds, err)) ||
	    (rc = set_hosts(&server, hosts, err)) ||
	    (rc = issue(c->dir, &req, out_dir, "client.crt", "client.key", &cp, err)) ||
	    (rc = issue(c->dir, &server, out_dir, "server.crt", "server.key", &sp, err)) ||
	    (rc = record_cert(c->db, name, &cp, err)) ||
	    (rc = record_cert(c->db, name, &sp, err)))
		return rc;
	memcpy(client_fp, cp.fp, 32);
	return TIMS_OK;
}

/* What the post takes home besides its certificates. */
static tims_rc write_bundle(struct tims_centre *c, const char *name, const char *origin,
			    const char *url, const char *out_dir, int new_roster_key,
			    struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(KEYFILE_MAX);
	char srv[65], cli[65], path[CENTRE_PATH_MAX];
	tims_rc rc;

	b.max = 4 * TIMS_TLS_PEM_MAX; /* both CAs during a rollover (trust.c) */
	if ((rc = centre_pins(c->dir, srv, cli, err)) ||
	    (rc = centre_trusted_cas(c, &b, err)) ||
	    (rc = write_in(out_dir, "ca.crt", b.buf, b.len, 0644, err)))
		goto out;
	tims_buf_release(&b);
	b.max = TIMS_REVOCATION_MAX; /* the signed revocation list (trust.c) */
	if ((rc = centre_revocations_ensure(c, err)) ||
	    (rc = read_in(c->dir, "revocations.json", b.max, &b, err)) ||
	    (rc = write_in(out_dir, "revocations.json", b.buf, b.len, 0644, err)))
		goto out;
	tims_buf_release(&b);
	b.max = TIMS_TLS_CRL_MAX;
	if ((rc = read_in(c->dir, "revoked.crl", b.max, &b, err)) ||
	    (rc = write_in(out_dir, "revoked.crl", b.buf, b.len, 0644, err)))
		goto out;
	tims_buf_release(&b);
	b.max = KEYFILE_MAX;
	if ((rc = read_in(c->dir, "cosign.vkey", KEYFILE_MAX, &b, err)) ||
	    (rc = write_in(out_dir, "cosign.vkey", b.buf, b.len, 0644, err)))
		goto out;
	tims_buf_release(&b);
	if ((rc = read_in(c->dir, "bundle.vkey", KEYFILE_MAX, &b, err)) ||
	    (rc = write_in(out_dir, "bundle.vkey", b.buf, b.len, 0644, err)))
		goto out;
	tims_buf_release(&b);
	if (new_roster_key) {
		rc = centre_roster_key_issue(c, name, out_dir, err);
	} else if (snprintf(path, sizeof(path), "roster/%s.key", name) >= (int)sizeof(path)) {
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "roster key: path too long");
	} else if (!(rc = read_in(c->dir, path, KEYFILE_MAX, &b, err))) {
		rc = write_in(out_dir, "roster.key", b.buf, b.len, 0600, err);
		sodium_memzero(b.buf, b.alloc);
	}
	if (rc)
		goto out;
	tims_buf_release(&b);
	if (tims_buf_addf(&b, "name = %s\norigin = %s\ncentre = %s\nurl = %s\n"
			  "centre_server_pin = %s\ncentre_client_pin = %s\n", name, origin,
			  c->name, url ? url : "", srv, cli)) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		goto out;
	}
	rc = write_in(out_dir, "enrolment.conf", b.buf, b.len, 0644, err);
out:
	tims_buf_release(&b);
	return rc;
}

static tims_rc check_url(const char *url, struct tims_err *err)
{
	if (url && (strncmp(url, "https://", 8) || strlen(url) > 512 || strpbrk(url, " \n")))
		return tims_err_set(err, TIMS_ERR_INVALID, "url: want https://HOST:PORT");
	return TIMS_OK;
}

tims_rc tims_centre_enrol(struct tims_centre *c, const char *name,
			  const char *post_vkey, const char *url,
			  const char *const *hosts, const char *out_dir,
			  struct tims_err *err)
{
	struct tims_buf vk = TIMS_BUF_INIT(KEYFILE_MAX);
	struct tims_cert_req probe = { .common_name = "x" };
	struct tims_verifier v;
	sqlite3_stmt *st = NULL;
	char srv[65], cli[65];
	uint8_t fp[32];
	tims_rc rc;

	if (!valid_name(name))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "name: want 1-%d letters, digits, '-', '_' or '.' (not \"centre\")",
				    TIMS_CENTRE_NAME_MAX);
	if ((rc = check_url(url, err)) || (rc = set_hosts(&probe, hosts, err)) ||
	    (rc = centre_pins(c->dir, srv, cli, err)))
		return rc;
	if ((rc = tims_read_file(post_vkey, KEYFILE_MAX, &vk, err)))
		return rc;
	while (vk.len && (vk.buf[vk.len - 1] == '\n' || vk.buf[vk.len - 1] == '\r'))
		vk.buf[--vk.len] = '\0';
	if ((rc = tims_verifier_parse(tims_buf_str(&vk), &v, err)))
		goto out;
	if (v.alg != TIMS_KEY_ED25519) {
		rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: not a post's Ed25519 key", post_vkey);
		goto out;
	}
	if (mkdir(out_dir, 0700) != 0 && errno != EEXIST) {
		rc = tims_err_set(err, TIMS_ERR_IO, "%s: %s", out_dir, strerror(errno));
		goto out;
	}
	/* Refuse before issuing anything. */
	pthread_mutex_lock(&c->db_lock);
	if (sqlite3_prepare_v2(c->db, "SELECT name FROM posts WHERE name = ?1 OR origin = ?2",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = centre_db_err(c, "enrolment", err);
		goto unlock;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, v.name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		rc = tims_err_set(err, TIMS_ERR_EXISTS,
				  "post %s or origin %s is already enrolled (names are never reused)",
				  name, v.name);
		goto unlock;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = issue_post(c, name, hosts, out_dir, fp, err)))
		goto unlock;
	if (sqlite3_prepare_v2(c->db, "INSERT INTO posts (name, origin, vkey, cert_fp, url,"
			       " enrolled_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1, &st,
			       NULL) != SQLITE_OK) {
		rc = centre_db_err(c, "enrolment", err);
		goto unlock;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, v.name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, tims_buf_str(&vk), -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, fp, sizeof(fp), SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, tims_mlog_now_ms());
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = centre_db_err(c, "enrolment", err);
unlock:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db_lock);
	if (rc)
		goto out;
	if (!(rc = write_bundle(c, name, v.name, url, out_dir, 1, err)))
		tims_centre_event(c, "enrolled", v.name, name);
out:
	tims_buf_release(&vk);
	return rc;
}

tims_rc tims_centre_renew(struct tims_centre *c, const char *name, const char *url,
			  const char *const *hosts, const char *out_dir,
			  struct tims_err *err)
{
	struct tims_cert_req probe = { .common_name = "x" };
	char origin[TIMS_NOTE_MAX_NAME + 1] = "", srv[65], cli[65];
	sqlite3_stmt *st = NULL;
	uint8_t fp[32];
	tims_rc rc;

	if ((rc = check_url(url, err)) || (rc = set_hosts(&probe, hosts, err)) ||
	    (rc = centre_pins(c->dir, srv, cli, err)))
		return rc;
	if (mkdir(out_dir, 0700) != 0 && errno != EEXIST)
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", out_dir, strerror(errno));
	pthread_mutex_lock(&c->db_lock);
	if (sqlite3_prepare_v2(c->db, "SELECT origin FROM posts WHERE name = ?1"
			       " AND revoked_ms IS NULL", -1, &st, NULL) != SQLITE_OK) {
		rc = centre_db_err(c, "renewal", err);
		goto unlock;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = tims_err_set(err, TIMS_ERR_NOTFOUND,
				  "post %s: not enrolled, or revoked (a revoked post is never "
				  "renewed)", name);
		goto unlock;
	}
	snprintf(origin, sizeof(origin), "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	st = NULL;
	/* The post's earlier certificates are superseded: revoked. */
	if (sqlite3_prepare_v2(c->db, "UPDATE certs SET revoked_ms = ?2 WHERE post = ?1"
			       " AND revoked_ms IS NULL", -1, &st, NULL) != SQLITE_OK) {
		rc = centre_db_err(c, "renewal", err);
		goto unlock;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, tims_mlog_now_ms());
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = centre_db_err(c, "renewal", err);
		goto unlock;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = issue_post(c, name, hosts, out_dir, fp, err)))
		goto unlock;
	if (sqlite3_prepare_v2(c->db, "UPDATE posts SET cert_fp = ?2 WHERE name = ?1", -1,
			       &st, NULL) != SQLITE_OK) {
		rc = centre_db_err(c, "renewal", err);
		goto unlock;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, fp, sizeof(fp), SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = centre_db_err(c, "renewal", err);
	if (!rc)
		rc = write_crl(c->dir, c->db, err);
unlock:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db_lock);
	if (!rc && !(rc = write_bundle(c, name, origin, url, out_dir, 0, err)))
		tims_centre_event(c, "renewed", origin, name);
	return rc;
}

tims_rc tims_centre_revoke(struct tims_centre *c, const char *name,
			   struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;

	pthread_mutex_lock(&c->db_lock);
	if (sqlite3_prepare_v2(c->db, "UPDATE posts SET revoked_ms = ?2 WHERE name = ?1"
			       " AND revoked_ms IS NULL", -1, &st, NULL) != SQLITE_OK) {
		rc = centre_db_err(c, "revocation", err);
		goto out;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, tims_mlog_now_ms());
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = centre_db_err(c, "revocation", err);
		goto out;
	}
	if (sqlite3_changes(c->db) == 0) {
		rc = tims_err_set(err, TIMS_ERR_NOTFOUND,
				  "post %s: not enrolled, or already revoked", name);
		goto out;
	}
	/* Its certificates too, and the signed list posts check offline. */
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(c->db, "UPDATE certs SET revoked_ms = ?2 WHERE post = ?1"
			       " AND revoked_ms IS NULL", -1, &st, NULL) != SQLITE_OK) {
		rc = centre_db_err(c, "revocation", err);
		goto out;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, tims_mlog_now_ms());
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = centre_db_err(c, "revocation", err);
	else
		rc = write_crl(c->dir, c->db, err);
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db_lock);
	if (!rc)
		tims_centre_event(c, "revoked", NULL, name);
	return rc;
}

tims_rc centre_post_key(struct tims_centre *c, const char *origin,
			struct tims_verifier *key, int *revoked,
			struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc;

	pthread_mutex_lock(&c->db_lock);
	if (sqlite3_prepare_v2(c->db, "SELECT vkey, revoked_ms FROM posts WHERE origin = ?1",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = centre_db_err(c, "reading posts", err);
		goto out;
	}
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = tims_err_set(err, TIMS_ERR_NOTFOUND, "origin %s: not enrolled", origin);
		goto out;
	}
	*revoked = sqlite3_column_type(st, 1) != SQLITE_NULL;
	rc = tims_verifier_parse((const char *)sqlite3_column_text(st, 0), key, err);
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db_lock);
	return rc;
}

tims_rc tims_centre_isolate(const char *dir, int on, struct tims_err *err)
{
	char path[CENTRE_PATH_MAX], cfg[CENTRE_PATH_MAX];
	tims_rc rc;

	if ((rc = dpath(dir, "isolated", path, err)) || (rc = dpath(dir, "config", cfg, err)))
		return rc;
	if (access(cfg, F_OK) != 0)
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "%s: not a centre directory", dir);
	if (on)
		return tims_write_file(path, "isolated\n", 9, 0644, 1, err);
	if (unlink(path) != 0 && errno != ENOENT)
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", path, strerror(errno));
	return TIMS_OK;
}

int tims_centre_isolated(const struct tims_centre *c)
{
	char path[CENTRE_PATH_MAX];

	return !centre_path(c, "isolated", path, NULL) && access(path, F_OK) == 0;
}

void tims_centre_event(struct tims_centre *c, const char *kind,
		       const char *origin, const char *detail)
{
	/* best effort, as before: the callers report events they cannot stop for */
	if (tims_centre_alert_raise(c, kind, origin, detail, NULL))
		return;
}

tims_rc tims_centre_alert_raise(struct tims_centre *c, const char *kind, const char *origin,
				const char *detail, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	int64_t now = tims_mlog_now_ms(), id = 0;
	tims_rc rc = TIMS_OK;
	int tx, done = 0;

	if (!detail)
		detail = "";
	pthread_mutex_lock(&c->db_lock);
	/* the event and its alert row together */
	tx = sqlite3_get_autocommit(c->db) &&
	     sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
	if (sqlite3_prepare_v2(c->db, "INSERT INTO events (time_ms, kind, origin, detail)"
			       " VALUES (?1, ?2, ?3, ?4)", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
		if (origin)
			sqlite3_bind_text(st, 3, origin, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, detail, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_DONE)
			id = sqlite3_last_insert_rowid(c->db);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (id && sqlite3_prepare_v2(c->db, "INSERT INTO alerts (kind, origin, detail, count,"
				     " first_ms, last_ms, last_event) VALUES (?1, ?2, ?3, 1, ?4, ?4, ?5)"
				     " ON CONFLICT (kind, origin, detail) WHERE acked_ms IS NULL"
				     " DO UPDATE SET count = count + 1, last_ms = excluded.last_ms,"
				     " last_event = excluded.last_event", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, origin ? origin : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, detail, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, now);
		sqlite3_bind_int64(st, 5, id);
		done = sqlite3_step(st) == SQLITE_DONE;
	}
	sqlite3_finalize(st);
	if (!done)
		rc = centre_db_err(c, "raising an alert", err);
	if (tx && !rc && sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = centre_db_err(c, "raising an alert", err);
	if (tx && rc)
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_unlock(&c->db_lock);
	return rc;
}

tims_rc centre_audit_start(struct tims_centre *c, struct tims_err *err)
{
	char origin[TIMS_CENTRE_NAME_MAX + 16];
	tims_rc rc = TIMS_OK;

	pthread_mutex_lock(&c->audit_lock);
	if (!c->audit) {
		snprintf(origin, sizeof(origin), "%s/audit", c->name);
		rc = tims_audit_open_keyed(c->dir, origin, "audit", TIMS_AUDIT_WRITE, &c->audit,
					   err);
		if (!rc)
			tims_audit_set_marker_guard(c->audit, centre_marker_stopped, c);
	}
	pthread_mutex_unlock(&c->audit_lock);
	return rc;
}

int centre_marker_stopped(void *ctx)
{
	return centre_db_stopped(ctx);
}

int tims_centre_severe(const char *kind)
{
	static const char *const kinds[] = { "fork", "rollback", "peer-refused", "revoked",
		"impostor", "tamper", "bad-signature", "bad-proof",
		/* a post's audit log deleted, reset or rolled back (ingest.c) */
		"audit-fork", "audit-rollback", "audit-reset", "audit-witness",
		/* events from the posts (events.c) */
		"admit-with-hit", "discreet-hit", "identity-change", "limit-exceeded",
		"watchlist-mismatch",
		/* one TOTP code, two logins (totpclaim.c) */
		"totp-reuse",
		/* a traveller of a carrier's passenger list on a watchlist (api.c);
		 * a passenger list that could not be screened (inbox.c) */
		"api-hit", "api-inbox-held" };

	for (size_t i = 0; kind && i < TIMS_ARRAY_SIZE(kinds); i++)
		if (!strcmp(kind, kinds[i]))
			return 1;
	return 0;
}

tims_rc tims_centre_alert_ack(struct tims_centre *c, int64_t id, const char *by,
			      struct tims_centre_alert *out, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&c->db_lock);
	if (sqlite3_prepare_v2(c->db, "UPDATE alerts SET acked_ms = ?2, acked_by = ?3"
			       " WHERE id = ?1 AND acked_ms IS NULL AND closed_ms IS NULL"
			       " RETURNING kind, origin, detail, count", -1, &st, NULL) != SQLITE_OK) {
		rc = centre_db_err(c, "acknowledging an alert", err);
		goto out;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, tims_mlog_now_ms());
	sqlite3_bind_text(st, 3, by, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		out->id = id;
		snprintf(out->kind, sizeof(out->kind), "%s", sqlite3_column_text(st, 0));
		snprintf(out->origin, sizeof(out->origin), "%s", sqlite3_column_text(st, 1));
		snprintf(out->detail, sizeof(out->detail), "%s", sqlite3_column_text(st, 2));
		out->count = (uint64_t)sqlite3_column_int64(st, 3);
		break;
	case SQLITE_DONE:
		rc = tims_err_set(err, TIMS_ERR_NOTFOUND, "id: no open alert %lld (unknown, or "
				  "already acknowledged)", (long long)id);
		break;
	default:
		rc = centre_db_err(c, "acknowledging an alert", err);
	}
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db_lock);
	return rc;
}

tims_rc tims_centre_posts(struct tims_centre *c, tims_centre_post_fn fn,
			  void *ctx, struct tims_err *err)
{
	struct tims_centre_post list[CENTRE_MAX_POSTS];
	sqlite3_stmt *st = NULL;
	size_t n = 0;
	tims_rc rc = TIMS_OK;

	pthread_mutex_lock(&c->db_lock);
	if (sqlite3_prepare_v2(c->db, "SELECT name, origin, revoked_ms, enrolled_ms FROM posts"
			       " ORDER BY name", -1, &st, NULL) != SQLITE_OK) {
		pthread_mutex_unlock(&c->db_lock);
		return centre_db_err(c, "reading posts", err);
	}
	while (n < CENTRE_MAX_POSTS && sqlite3_step(st) == SQLITE_ROW) {
		struct tims_centre_post *p = &list[n++];

		memset(p, 0, sizeof(*p));
		snprintf(p->name, sizeof(p->name), "%s", sqlite3_column_text(st, 0));
		snprintf(p->origin, sizeof(p->origin), "%s", sqlite3_column_text(st, 1));
		p->revoked = sqlite3_column_type(st, 2) != SQLITE_NULL;
		p->enrolled_ms = sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db_lock);
	for (size_t i = 0; i < n && !rc; i++) {
		struct centre_mirror *cm;
		struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
		struct tims_checkpoint cp;

		if ((rc = centre_mirror_get(c, list[i].origin, &cm, err)))
			break;
		pthread_mutex_lock(&cm->lock);
		rc = tims_sync_mirror_size(cm->m, &list[i].size, err);
		if (!rc && !tims_sync_mirror_checkpoint(cm->m, &note, &cp, NULL))
			list[i].signed_size = cp.size;
		if (!rc)
			rc = tims_sync_mirror_last_sync(cm->m, &list[i].last_sync_ms, err);
		list[i].last_seen_ms = cm->last_seen_ms > list[i].last_sync_ms ?
				       cm->last_seen_ms : list[i].last_sync_ms;
		pthread_mutex_unlock(&cm->lock);
		tims_buf_release(&note);
		if (!rc)
			rc = fn(ctx, &list[i]);
	}
	return rc;
}
