/*
 * auditwitness.c — the centre's own audit log goes to the witnesses too
 * (docs/audit.md): every few seconds the maintenance thread sends the
 * latest checkpoint of CENTRE/audit.db, with the consistency proof from
 * the size each witness cosigned, to the witnesses listed in
 * CENTRE/audit-witnesses.conf (lines "URL CA_FILE VKEY_FILE", written by
 * `tims centre audit-witness`, which copies both files into
 * CENTRE/audit-witnesses/: a running centre, confined to its directory by
 * its sandbox, reads nothing outside it). The witness must trust the centre's audit
 * key (`tims witness add-log W --vkey CENTRE/audit.vkey`). Cosignatures
 * are kept in centre.db (audit_cosigned). A witness that refuses — the
 * centre's audit log deleted, cut short or replaced — opens a severe
 * `audit-witness` alert; it is asked again only for a newer checkpoint.
 *
 * It reads audit.db through a reading handle of its own, so the audited
 * requests never wait for a witness; each request has a time limit and is
 * abandoned when the centre stops.
 */
#include <sodium.h>
#include <sys/stat.h>

#include "tims/util.h"
#include "tims/witness.h"
#include "internal.h"

#define AW_MAX 4
#define AW_EVERY_TICKS 6         /* 3 s at the maintenance period */
#define AW_TIMEOUT_MS 3000
#define AW_BACKOFF_MS 30000

static const char aw_schema[] =
	"CREATE TABLE IF NOT EXISTS audit_cosigned (cosigner TEXT NOT NULL,"
	" size INTEGER NOT NULL, note TEXT NOT NULL, received_ms INTEGER NOT NULL,"
	" PRIMARY KEY (cosigner, size))";

struct aw_one {
	char url[512], ca[1024];
	struct tims_verifier key;
	uint64_t refused;        /* the checkpoint size it refused, +1 */
	int64_t next_ms;
};

struct centre_aw {
	unsigned ticks;
	struct tims_audit *a;    /* a reading handle of audit.db */
	struct aw_one w[AW_MAX];
	size_t n;
};

static int stopping(void *ctx)
{
	struct tims_centre *c = ctx;
	int s;

	pthread_mutex_lock(&c->maint_lock);
	s = c->maint_stop;
	pthread_mutex_unlock(&c->maint_lock);
	return s;
}

/* "A B C": three words separated by spaces, each within its array. */
static int words(const char *line, char *a, size_t na, char *b, size_t nb, char *c, size_t nc)
{
	char *out[3] = { a, b, c };
	size_t cap[3] = { na, nb, nc };
	const char *p = line;

	for (int k = 0; k < 3; k++) {
		size_t len = 0;

		while (*p == ' ')
			p++;
		while (p[len] && p[len] != ' ')
			len++;
		if (!len || len >= cap[k])
			return -1;
		memcpy(out[k], p, len);
		out[k][len] = '\0';
		p += len;
	}
	while (*p == ' ')
		p++;
	return *p ? -1 : 0;
}

/* DIR/audit-witnesses.conf, read at every turn (a witness added while the
 * centre runs is asked at the next). Keeps the state of the ones kept. */
static void load(struct tims_centre *c, struct centre_aw *aw)
{
	struct tims_buf b = TIMS_BUF_INIT(16384);
	struct aw_one fresh[AW_MAX];
	char path[CENTRE_PATH_MAX];
	size_t n = 0;

	if (snprintf(path, sizeof(path), "%s/audit-witnesses.conf", c->dir) >= (int)sizeof(path) ||
	    access(path, F_OK) != 0 || tims_read_file(path, 16384, &b, NULL)) {
		aw->n = 0;
		goto out;
	}
	for (char *line = b.buf, *next; line && *line && n < AW_MAX; line = next) {
		struct tims_buf vk = TIMS_BUF_INIT(4096);
		char vkpath[1024];

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!*line || *line == '#')
			continue;
		memset(&fresh[n], 0, sizeof(fresh[n]));
		if (words(line, fresh[n].url, sizeof(fresh[n].url), fresh[n].ca,
			  sizeof(fresh[n].ca), vkpath, sizeof(vkpath)) ||
		    tims_read_file(vkpath, 4096, &vk, NULL)) {
			tims_buf_release(&vk);
			continue;
		}
		while (vk.len && (vk.buf[vk.len - 1] == '\n' || vk.buf[vk.len - 1] == '\r'))
			vk.buf[--vk.len] = '\0';
		if (!tims_verifier_parse(tims_buf_str(&vk), &fresh[n].key, NULL)) {
			for (size_t i = 0; i < aw->n; i++)
				if (!strcmp(aw->w[i].url, fresh[n].url)) {
					fresh[n].refused = aw->w[i].refused;
					fresh[n].next_ms = aw->w[i].next_ms;
				}
			n++;
		}
		tims_buf_release(&vk);
	}
	memcpy(aw->w, fresh, n * sizeof(fresh[0]));
	aw->n = n;
out:
	tims_buf_release(&b);
}

/* The size this witness last cosigned for the centre (0: never). */
static uint64_t cosigned(struct tims_centre *c, const char *who)
{
	sqlite3_stmt *st = NULL;
	uint64_t size = 0;

	pthread_mutex_lock(&c->db_lock);
	if (sqlite3_exec(c->db, aw_schema, NULL, NULL, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(c->db, "SELECT max(size) FROM audit_cosigned WHERE cosigner = ?1",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, who, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			size = (uint64_t)sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db_lock);
	return size;
}

static void keep(struct tims_centre *c, const char *who, uint64_t size, const struct tims_buf *n)
{
	sqlite3_stmt *st = NULL;

	pthread_mutex_lock(&c->db_lock);
	if (sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO audit_cosigned (cosigner, size,"
			       " note, received_ms) VALUES (?1, ?2, ?3, ?4)", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(st, 1, who, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)size);
		sqlite3_bind_text(st, 3, n->buf, (int)n->len, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, tims_mlog_now_ms());
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db_lock);
}

struct ask {
	struct tims_centre *c;
	struct aw_one *w;
	const struct tims_buf *note;
	uint64_t have, wsize;
	struct tims_buf *cos;
};

static tims_rc ask_tree(void *ctx, const struct tims_tlog_reader *r, struct tims_err *err)
{
	struct ask *x = ctx;
	struct tims_witness_call call = { AW_TIMEOUT_MS, stopping, x->c };

	return tims_witness_ask(&call, x->w->url, x->w->ca, r, x->note->buf, x->note->len,
				x->have, &x->w->key, x->cos, &x->wsize, err);
}

void centre_audit_witness_tick(struct tims_centre *c)
{
	struct centre_aw *aw;
	char origin[TIMS_CENTRE_NAME_MAX + 16];
	struct tims_checkpoint cp;
	struct tims_err err;

	if (!c->aw && !(c->aw = calloc(1, sizeof(*c->aw))))
		return;
	aw = c->aw;
	if (aw->ticks++ % AW_EVERY_TICKS)
		return;
	load(c, aw);
	if (!aw->n)
		return;
	snprintf(origin, sizeof(origin), "%s/audit", c->name);
	if (!aw->a && tims_audit_open_keyed(c->dir, origin, "audit", TIMS_AUDIT_READ, &aw->a, &err))
		return; /* no audit log yet */
	for (size_t i = 0; i < aw->n && !stopping(c); i++) {
		struct aw_one *w = &aw->w[i];
		struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
		struct tims_buf cos = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
		struct tims_buf full = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);
		struct ask x = { c, w, &note, 0, 0, &cos };
		int64_t now = tims_mlog_now_ms();
		tims_rc rc;

		if (now < w->next_ms || tims_audit_latest_checkpoint(aw->a, &note, &cp, &err))
			goto next;
		x.have = cosigned(c, w->key.name);
		if (x.have == cp.size || w->refused == cp.size + 1)
			goto next; /* it holds this one, or refused it */
		if (x.have > cp.size)
			x.have = 0; /* the witness says what it holds, and refuses */
		rc = tims_audit_with_tree(aw->a, ask_tree, &x, &err);
		if (!rc && !tims_buf_add(&full, note.buf, note.len) &&
		    !tims_buf_add(&full, cos.buf, cos.len)) {
			keep(c, w->key.name, cp.size, &full);
			w->refused = 0;
		} else if (rc == TIMS_ERR_TAMPER || rc == TIMS_ERR_PROOF) {
			char d[TIMS_ERR_MSG_BYTES + 64];

			w->refused = cp.size + 1;
			snprintf(d, sizeof(d), "witness %s refuses the centre's audit log: %s",
				 w->key.name, err.msg);
			tims_centre_event(c, "audit-witness", NULL, d);
		} else if (rc) {
			w->next_ms = now + AW_BACKOFF_MS; /* down: asked again later */
		}
next:
		tims_buf_release(&note);
		tims_buf_release(&cos);
		tims_buf_release(&full);
	}
}

void centre_audit_witness_free(struct tims_centre *c)
{
	if (!c->aw)
		return;
	tims_audit_free(c->aw->a);
	free(c->aw);
	c->aw = NULL;
}

/* Copy the file `from` to CENTRE/audit-witnesses/<tag><ext>, its path in out. */
static tims_rc copy_in(struct tims_centre *c, const char *from, const char *tag,
		       const char *ext, char *out, struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(65536);
	char name[96];
	tims_rc rc;

	snprintf(name, sizeof(name), "audit-witnesses/%s%s", tag, ext);
	if ((rc = centre_path(c, "audit-witnesses", out, err)))
		return rc;
	if (mkdir(out, 0700) != 0 && errno != EEXIST)
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", out, strerror(errno));
	if ((rc = centre_path(c, name, out, err)) ||
	    (rc = tims_read_file(from, b.max, &b, err)) ||
	    (rc = tims_write_file(out, b.buf ? b.buf : "", b.len, 0600, 1, err)))
		goto out;
out:
	tims_buf_release(&b);
	return rc;
}

tims_rc tims_centre_audit_witness_add(struct tims_centre *c, const char *url,
				      const char *ca_file, const char *vkey_file,
				      struct tims_err *err)
{
	struct tims_buf vk = TIMS_BUF_INIT(4096), conf = TIMS_BUF_INIT(16384);
	struct tims_verifier v;
	char path[CENTRE_PATH_MAX], line[512 + 2 * CENTRE_PATH_MAX + 4];
	char ca_in[CENTRE_PATH_MAX], vk_in[CENTRE_PATH_MAX];
	char tag[17];
	uint8_t h[crypto_hash_sha256_BYTES];
	tims_rc rc;

	if (strncmp(url, "https://", 8) || strlen(url) >= 512 || strchr(url, ' ') ||
	    strlen(ca_file) >= 1024 || strchr(ca_file, ' ') || strlen(vkey_file) >= 1024 ||
	    strchr(vkey_file, ' ') || ca_file[0] != '/' || vkey_file[0] != '/')
		return tims_err_set(err, TIMS_ERR_INVALID, "want an https:// URL and absolute "
				    "paths without spaces");
	if (access(ca_file, R_OK) != 0)
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "%s: %s", ca_file, strerror(errno));
	if ((rc = tims_read_file(vkey_file, 4096, &vk, err)))
		goto out;
	while (vk.len && (vk.buf[vk.len - 1] == '\n' || vk.buf[vk.len - 1] == '\r'))
		vk.buf[--vk.len] = '\0';
	if ((rc = tims_verifier_parse(tims_buf_str(&vk), &v, err)))
		goto out;
	if (v.alg != TIMS_KEY_COSIGNATURE_V1) {
		rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: not a witness (cosignature/v1) key",
				  vkey_file);
		goto out;
	}
	/* the witness's files copied in, named by its URL */
	crypto_hash_sha256(h, (const uint8_t *)url, strlen(url));
	sodium_bin2hex(tag, sizeof(tag), h, 8);
	if ((rc = copy_in(c, ca_file, tag, ".crt", ca_in, err)) ||
	    (rc = copy_in(c, vkey_file, tag, ".vkey", vk_in, err)))
		goto out;
	if (strlen(ca_in) >= 1024 || strlen(vk_in) >= 1024 || strchr(ca_in, ' ')) {
		rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: the centre's directory path is too "
				  "long, or has a space", ca_in);
		goto out;
	}
	if ((rc = centre_path(c, "audit-witnesses.conf", path, err)))
		goto out;
	if (access(path, F_OK) == 0 && (rc = tims_read_file(path, 16384, &conf, err)))
		goto out;
	snprintf(line, sizeof(line), "%s %s %s\n", url, ca_in, vk_in);
	if (conf.buf && strstr(conf.buf, line)) {
		rc = tims_err_set(err, TIMS_ERR_EXISTS, "%s: already there", url);
		goto out;
	}
	if ((rc = tims_buf_addstr(&conf, line)) ||
	    (rc = tims_write_file(path, conf.buf, conf.len, 0600, 1, err)))
		goto out;
	tims_centre_event(c, "audit-witness-added", NULL, url);
out:
	tims_buf_release(&vk);
	tims_buf_release(&conf);
	return rc;
}
