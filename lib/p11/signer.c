/*
 * signer.c — the key-holding process and its protocol (see
 * include/tims/signer.h).
 *
 * Message (request and answer alike), integers big-endian:
 *
 *   u32 magic "TSG1" | u16 op | u16 status | u32 id | u32 length
 *   then `length` bytes of fields, each u32 n | n bytes
 *
 * A request has status 0; an answer echoes op and id, status is a tims_rc
 * and on an error its one field is the message. Each operation has a fixed
 * number of fields, each with its own bounds (spec[] below); a message
 * with fewer, more, longer or trailing bytes is refused. Handles (tokens
 * opened, TLS keys loaded) are numbers the signer gave out, looked up in
 * its own bounded tables: the other side can name nothing else.
 *
 * The daemon's side sends one request at a time (a mutex) and waits for
 * its answer at most SIGNER_WAIT_MS; an answer to an earlier request that
 * timed out is recognised by its id and dropped. A signer that closed its
 * end (died, killed) is seen by send or recv and marks the link dead:
 * every later call fails with TIMS_ERR_UNAVAILABLE.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "internal.h"
#include "tims/note.h"
#include "tims/sandbox.h"
#include "tims/signer.h"
#include "tims/tls.h"
#include "tims/util.h"

/* Linux's, which glibc shows under _GNU_SOURCE only (as lib/sandbox does) */
#ifndef O_PATH
#define O_PATH 010000000
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
struct peer_cred {     /* struct ucred, SO_PEERCRED */
	pid_t pid;
	uid_t uid;
	gid_t gid;
};

#define SIGNER_ENV "TIMS_SIGNER_PROCESS"  /* set in the signer's environment */
#define SIGNER_WAIT_MS 30000           /* one answer; a token retries for ~1 s */
#define SIGNER_HANDLES 32              /* tokens opened at once */
#define SIGNER_TLS_KEYS 8              /* TLS keys loaded at once */
#define SIGNER_REF_MAX 4096            /* a TLS key reference: URI or path */
#define SIGNER_SOCKBUF (256 * 1024)

/* ---- encoding ----------------------------------------------------------- */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

struct hdr {
	unsigned op, status;
	uint32_t id, len;
};

/* A message into b (reset first); TIMS_ERR_TOOBIG past the maximum. */
static tims_rc msg_build(struct tims_buf *b, unsigned op, unsigned status,
			 uint32_t id, const struct tims_signer_field *f,
			 size_t n)
{
	size_t total = TIMS_SIGNER_HDR;
	uint8_t *p;

	for (size_t i = 0; i < n; i++) {
		if (f[i].len > TIMS_SIGNER_MSG_MAX)
			return TIMS_ERR_TOOBIG;
		total += 4 + f[i].len;
		if (total > TIMS_SIGNER_MSG_MAX)
			return TIMS_ERR_TOOBIG;
	}
	tims_buf_setlen(b, 0);
	if (tims_buf_grow(b, total))
		return TIMS_ERR_NOMEM;
	p = (uint8_t *)b->buf;
	tims_signer_put32(p, TIMS_SIGNER_MAGIC);
	p[4] = (uint8_t)(op >> 8);
	p[5] = (uint8_t)op;
	p[6] = (uint8_t)(status >> 8);
	p[7] = (uint8_t)status;
	tims_signer_put32(p + 8, id);
	tims_signer_put32(p + 12, (uint32_t)(total - TIMS_SIGNER_HDR));
	p += TIMS_SIGNER_HDR;
	for (size_t i = 0; i < n; i++) {
		tims_signer_put32(p, (uint32_t)f[i].len);
		if (f[i].len)
			memcpy(p + 4, f[i].p, f[i].len);
		p += 4 + f[i].len;
	}
	b->len = total;
	b->buf[total] = '\0';
	return TIMS_OK;
}

/* The header: magic, and a length that is exactly the rest. */
static int hdr_parse(const uint8_t *m, size_t len, struct hdr *h)
{
	if (len < TIMS_SIGNER_HDR || len > TIMS_SIGNER_MSG_MAX ||
	    tims_signer_get32(m) != TIMS_SIGNER_MAGIC)
		return -1;
	h->op = get16(m + 4);
	h->status = get16(m + 6);
	h->id = tims_signer_get32(m + 8);
	h->len = tims_signer_get32(m + 12);
	return h->len == len - TIMS_SIGNER_HDR ? 0 : -1;
}

/* Exactly n fields filling the payload. */
static int fields_parse(const uint8_t *m, size_t len, struct tims_signer_field *f,
			size_t n)
{
	size_t off = TIMS_SIGNER_HDR;

	for (size_t i = 0; i < n; i++) {
		uint32_t fl;

		if (len - off < 4)
			return -1;
		fl = tims_signer_get32(m + off);
		off += 4;
		if (fl > len - off)
			return -1;
		f[i].p = m + off;
		f[i].len = fl;
		off += fl;
	}
	return off == len ? 0 : -1;
}

/* ---- the signer's side -------------------------------------------------- */

/* What each request carries: field count and, per field, the bounds. */
#define F_HANDLE 0xfffffff0u   /* exactly 4 bytes, a handle */
#define F_U32 0xfffffff1u      /* exactly 4 bytes */
#define F_LABEL 0xfffffff2u    /* 1..TIMS_P11_LABEL_MAX, text */
#define F_TEXT(max) (max)      /* 1..max bytes, no NUL */
#define F_BYTES 0u             /* 0..anything the message allows */

static const struct {
	unsigned n;
	uint32_t f[5];
} spec[TIMS_SIGNER_OP_LAST] = {
	[TIMS_SIGNER_OPEN] = { 1, { F_TEXT(TIMS_P11_URI_MAX) } },
	[TIMS_SIGNER_CLOSE] = { 1, { F_HANDLE } },
	[TIMS_SIGNER_AES_GENERATE] = { 2, { F_HANDLE, F_LABEL } },
	[TIMS_SIGNER_AES_ENCRYPT] = { 4, { F_HANDLE, F_LABEL, F_BYTES, F_BYTES } },
	[TIMS_SIGNER_AES_DECRYPT] = { 4, { F_HANDLE, F_LABEL, F_BYTES, F_BYTES } },
	[TIMS_SIGNER_ED_GENERATE] = { 2, { F_HANDLE, F_LABEL } },
	[TIMS_SIGNER_ED_PUBLIC] = { 2, { F_HANDLE, F_LABEL } },
	[TIMS_SIGNER_ED_SIGN] = { 3, { F_HANDLE, F_LABEL, F_BYTES } },
	[TIMS_SIGNER_ECDSA_GENERATE] = { 2, { F_HANDLE, F_LABEL } },
	[TIMS_SIGNER_DESTROY] = { 2, { F_HANDLE, F_LABEL } },
	[TIMS_SIGNER_EXISTS] = { 2, { F_HANDLE, F_LABEL } },
	[TIMS_SIGNER_TLS_LOAD] = { 1, { F_TEXT(SIGNER_REF_MAX) } },
	[TIMS_SIGNER_TLS_SIGN] = { 5, { F_HANDLE, F_U32, F_U32, F_U32, F_BYTES } },
	[TIMS_SIGNER_TLS_FREE] = { 1, { F_HANDLE } },
	[TIMS_SIGNER_NOTE_LOAD] = { 1, { F_TEXT(SIGNER_REF_MAX) } },
	[TIMS_SIGNER_NOTE_SIGN] = { 2, { F_HANDLE, F_BYTES } },
	[TIMS_SIGNER_NOTE_FREE] = { 1, { F_HANDLE } },
	[TIMS_SIGNER_TLS_CSR] = { 2, { F_TEXT(SIGNER_REF_MAX), F_TEXT(64) } },
	[TIMS_SIGNER_TLS_INSTALL] = { 1, { F_TEXT(SIGNER_REF_MAX) } },
	[TIMS_SIGNER_CA_ISSUE] = { 5, { F_TEXT(SIGNER_REF_MAX), F_TEXT(SIGNER_REF_MAX),
					F_TEXT(TIMS_TLS_PEM_MAX), F_TEXT(64), F_U32 } },
	[TIMS_SIGNER_CA_CRL] = { 5, { F_TEXT(SIGNER_REF_MAX), F_TEXT(SIGNER_REF_MAX), F_U32,
				      F_U32, F_BYTES } },
};

static struct {
	uint32_t id;
	struct p11_local *p;
} handles[SIGNER_HANDLES];

static struct {
	uint32_t id;
	void *ctx;
} tls_keys[SIGNER_TLS_KEYS];

#define SIGNER_NOTE_KEYS 16            /* note signing keys loaded at once */

static struct {
	uint32_t id;
	struct tims_signer *s;   /* NULL in a dry run */
} note_keys[SIGNER_NOTE_KEYS];

static uint32_t next_handle = 1;
static int dry;   /* fuzzing: parse and look up, touch no token or file */

void tims_signer_handle_reset(void)
{
	for (size_t i = 0; i < SIGNER_HANDLES; i++) {
		if (handles[i].id)
			p11_local_close(handles[i].p);
		handles[i].id = 0;
		handles[i].p = NULL;
	}
	for (size_t i = 0; i < SIGNER_TLS_KEYS; i++) {
		if (tls_keys[i].id && tls_keys[i].ctx)
			tims_signer_tls_close(tls_keys[i].ctx);
		tls_keys[i].id = 0;
		tls_keys[i].ctx = NULL;
	}
	for (size_t i = 0; i < SIGNER_NOTE_KEYS; i++) {
		if (note_keys[i].s) {
			tims_signer_release(note_keys[i].s);
			free(note_keys[i].s);
		}
		note_keys[i].id = 0;
		note_keys[i].s = NULL;
	}
}

/* For the fuzzer (tests/fuzz/fuzz_signer.c): no module loaded, no file read. */
void signer_dry_run(int on);
void signer_dry_run(int on)
{
	dry = on;
}

/*
 * The modules the signer loads: a pkcs11: URI names its module by path, and
 * the URI comes from the network process, so a path it could write (its
 * state directory) would have the signer run its code. A module must
 * resolve to a file under one of the prefixes (ssh-agent's rule):
 * TIMS_PKCS11_MODULES in the daemon's environment when it started
 * (colon-separated), else /usr/lib/ and /usr/local/lib/.
 */
#define MODULE_PREFIXES_MAX 1024
static char module_prefixes[MODULE_PREFIXES_MAX] = "/usr/lib/:/usr/local/lib/";
static int serving; /* this process is a signer: every module is checked */

static tims_rc module_allowed(const char *uri, struct tims_err *err)
{
	struct p11_uri *u;
	char real[PATH_MAX];
	const char *p;
	tims_rc rc;

	if (dry)
		return TIMS_OK;
	u = sodium_malloc(sizeof(*u));
	if (!u)
		return tims_err_set(err, TIMS_ERR_NOMEM, "signer: out of secure memory");
	if ((rc = p11_uri_parse(uri, u, err)))
		goto out;
	if (!realpath(u->module, real)) {
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE, "pkcs11: module %s: %s",
				  u->module, strerror(errno));
		goto out;
	}
	rc = TIMS_ERR_DENIED;
	for (p = module_prefixes; *p; ) {
		size_t n = strcspn(p, ":");

		if (n && n < sizeof(real) && !strncmp(real, p, n) &&
		    (p[n - 1] == '/' || real[n] == '/')) {
			rc = TIMS_OK;
			break;
		}
		p += n + (p[n] == ':');
	}
	if (rc)
		tims_err_set(err, rc, "pkcs11: module %s is outside %s "
			     "(TIMS_PKCS11_MODULES)", real, module_prefixes);
out:
	sodium_free(u);
	return rc;
}

tims_rc tims_signer_module_check(const char *uri, struct tims_err *err)
{
	return serving ? module_allowed(uri, err) : TIMS_OK;
}

static uint32_t new_id(void)
{
	uint32_t id = next_handle++;

	if (!next_handle)
		next_handle = 1;
	return id;
}

static int field_ok(uint32_t want, const struct tims_signer_field *f)
{
	const uint8_t *p = f->p;

	if (want == F_HANDLE || want == F_U32)
		return f->len == 4;
	if (want == F_BYTES)
		return 1;
	if (want == F_LABEL)
		want = TIMS_P11_LABEL_MAX;
	if (!f->len || f->len > want || memchr(p, '\0', f->len))
		return 0;
	return 1;
}

/* A field as a C string in buf (checked by field_ok to fit). */
static const char *field_str(const struct tims_signer_field *f, char *buf,
			     size_t n)
{
	size_t l = f->len < n - 1 ? f->len : n - 1;

	memcpy(buf, f->p, l);
	buf[l] = '\0';
	return buf;
}

static int handle_find(const struct tims_signer_field *f)
{
	uint32_t id = tims_signer_get32(f->p);

	for (int i = 0; id && i < SIGNER_HANDLES; i++)
		if (handles[i].id == id)
			return i;
	return -1;
}

static int tls_find(const struct tims_signer_field *f)
{
	uint32_t id = tims_signer_get32(f->p);

	for (int i = 0; id && i < SIGNER_TLS_KEYS; i++)
		if (tls_keys[i].id == id)
			return i;
	return -1;
}

static int note_find(const struct tims_signer_field *f)
{
	uint32_t id = tims_signer_get32(f->p);

	for (int i = 0; id && i < SIGNER_NOTE_KEYS; i++)
		if (note_keys[i].id == id)
			return i;
	return -1;
}

/* A note signing key: load (a key file's path), sign, free. */
static tims_rc note_op(unsigned op, const struct tims_signer_field *in,
		       struct tims_buf *out, struct tims_signer_field *of,
		       size_t *nof, uint8_t scratch[64 + 16], struct tims_err *err)
{
	struct tims_signer *s = NULL;
	char path[SIGNER_REF_MAX + 1];
	size_t i;
	int k;
	tims_rc rc;

	if (op == TIMS_SIGNER_NOTE_LOAD) {
		for (i = 0; i < SIGNER_NOTE_KEYS && note_keys[i].id; i++)
			;
		if (i == SIGNER_NOTE_KEYS)
			return tims_err_set(err, TIMS_ERR_FULL, "signer: %d note keys "
					    "open already", SIGNER_NOTE_KEYS);
		field_str(&in[0], path, sizeof(path));
		if (path[0] != '/')
			return tims_err_set(err, TIMS_ERR_INVALID, "signer: a key "
					    "file's absolute path");
		if (!dry) {
			s = calloc(1, sizeof(*s));
			if (!s)
				return tims_err_set(err, TIMS_ERR_NOMEM, "signer: out "
						    "of memory");
			if ((rc = tims_signer_load_local(path, s, err))) {
				free(s);
				return rc;
			}
		}
		note_keys[i].id = new_id();
		note_keys[i].s = s;
		tims_signer_put32(scratch, note_keys[i].id);
		tims_signer_put32(scratch + 4, s ? s->alg : 0);
		tims_signer_put32(scratch + 8, s ? s->keyhash : 0);
		tims_signer_put32(scratch + 12, s ? (uint32_t)tims_signer_in_token(s) : 0);
		tims_buf_setlen(out, 0);
		if (tims_buf_add(out, s ? s->pub : scratch + 16, 32) ||
		    tims_buf_addstr(out, s ? s->name : ""))
			return tims_err_set(err, TIMS_ERR_NOMEM, "signer: out of memory");
		of[0] = (struct tims_signer_field){ scratch, 4 };
		of[1] = (struct tims_signer_field){ scratch + 4, 4 };
		of[2] = (struct tims_signer_field){ scratch + 8, 4 };
		of[3] = (struct tims_signer_field){ scratch + 12, 4 };
		of[4] = (struct tims_signer_field){ out->buf, 32 };
		of[5] = (struct tims_signer_field){ out->buf + 32, out->len - 32 };
		*nof = 6;
		return TIMS_OK;
	}
	if ((k = note_find(&in[0])) < 0)
		return tims_err_set(err, TIMS_ERR_USAGE, "signer: no note key %u",
				    (unsigned)tims_signer_get32(in[0].p));
	s = note_keys[k].s;
	if (op == TIMS_SIGNER_NOTE_FREE) {
		if (s) {
			tims_signer_release(s);
			free(s);
		}
		note_keys[k].id = 0;
		note_keys[k].s = NULL;
		return TIMS_OK;
	}
	if (!s || !s->sign)
		return tims_err_set(err, TIMS_ERR_UNAVAILABLE, "signer: no key "
				    "(dry run)");
	if ((rc = s->sign(s->ctx, in[1].p, in[1].len, scratch))) {
		char why[TIMS_ERR_MSG_BYTES];

		tims_signer_why(s, why, sizeof(why));
		return tims_err_set(err, rc, "%s", why[0] ? why : tims_strerror(rc));
	}
	of[0] = (struct tims_signer_field){ scratch, 64 };
	*nof = 1;
	return TIMS_OK;
}

/*
 * The centre's CA (TIMS_SIGNER_CA_ISSUE, TIMS_SIGNER_CA_CRL): the signer
 * reads the CA's certificate and key files itself and signs with the key
 * only a post-client certificate for a CSR whose signature verifies, or a
 * revocation list. A key file holding a pkcs11: URI names its module: the
 * same prefixes as any token the signer opens.
 */
static tims_rc ca_op(unsigned op, const struct tims_signer_field *in, struct tims_buf *out,
		     struct tims_signer_field *of, size_t *nof, struct tims_err *err)
{
	struct tims_buf ca = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX), key = TIMS_BUF_INIT(TIMS_TLS_PEM_MAX);
	char crt[SIGNER_REF_MAX + 1], kf[SIGNER_REF_MAX + 1];
	struct tims_tls_serial *list = NULL;
	size_t n = 0;
	tims_rc rc;

	field_str(&in[0], crt, sizeof(crt));
	field_str(&in[1], kf, sizeof(kf));
	if (crt[0] != '/' || kf[0] != '/')
		return tims_err_set(err, TIMS_ERR_INVALID, "signer: the CA's certificate and "
				    "key files by absolute paths");
	if (op == TIMS_SIGNER_CA_CRL) {
		const uint8_t *p = in[4].p, *end = p + in[4].len;

		list = calloc(in[4].len / 2 + 1, sizeof(*list));
		if (!list)
			return tims_err_set(err, TIMS_ERR_NOMEM, "signer: out of memory");
		while (p < end) {
			if (!*p || *p > TIMS_TLS_SERIAL_MAX || (size_t)(end - p - 1) < *p) {
				rc = tims_err_set(err, TIMS_ERR_INVALID, "signer: revocation "
						  "list: serial %zu: 1 to %d bytes", n + 1,
						  TIMS_TLS_SERIAL_MAX);
				goto out;
			}
			memcpy(list[n].b, p + 1, *p);
			list[n++].len = *p;
			p += 1 + *p;
		}
	} else if (!tims_signer_get32(in[4].p)) {
		return tims_err_set(err, TIMS_ERR_INVALID, "signer: certificate: a lifetime "
				    "of 0 s");
	}
	if (dry) {
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE, "signer: no CA (dry run)");
		goto out;
	}
	if ((rc = tims_read_file(crt, ca.max, &ca, err)) ||
	    (rc = tims_read_file(kf, key.max, &key, err)))
		goto out;
	while (key.len && (key.buf[key.len - 1] == '\n' || key.buf[key.len - 1] == '\r'))
		key.buf[--key.len] = '\0'; /* a URI's file ends in a newline */
	if ((!strncmp(tims_buf_str(&key), "pkcs11:", 7) &&
	     (rc = module_allowed(tims_buf_str(&key), err))))
		goto out;
	tims_buf_setlen(out, 0);
	if (op == TIMS_SIGNER_CA_ISSUE) {
		char csr[TIMS_TLS_PEM_MAX + 1], cn[65];
		struct tims_cert_req req = { .common_name = cn, .role = TIMS_CERT_POST_CLIENT,
					     .seconds = tims_signer_get32(in[4].p) };

		field_str(&in[2], csr, sizeof(csr));
		field_str(&in[3], cn, sizeof(cn));
		rc = tims_tls_issue_csr(&req, csr, tims_buf_str(&ca), tims_buf_str(&key), out,
					err);
	} else {
		rc = tims_tls_crl_make(tims_buf_str(&ca), tims_buf_str(&key),
				       tims_signer_get32(in[2].p), tims_signer_get32(in[3].p),
				       list, n, out, err);
	}
	if (!rc) {
		of[0] = (struct tims_signer_field){ out->buf ? out->buf : "", out->len };
		*nof = 1;
	}
out:
	free(list);
	tims_buf_release(&ca);
	if (key.buf)
		sodium_memzero(key.buf, key.alloc);
	tims_buf_release(&key);
	return rc;
}

static void answer_error(struct tims_buf *resp, unsigned op, uint32_t id,
			 tims_rc rc, const char *msg)
{
	struct tims_signer_field f = { msg, strnlen(msg, TIMS_ERR_MSG_BYTES - 1) };

	if (!rc)
		rc = TIMS_ERR_STATE;
	(void)msg_build(resp, op, rc, id, &f, 1);
}

static tims_rc do_op(unsigned op, const struct tims_signer_field *in,
		     struct tims_buf *out, struct tims_signer_field *of,
		     size_t *nof, uint8_t scratch[64 + 16], struct tims_err *err)
{
	char label[TIMS_P11_LABEL_MAX + 1], *text = NULL;
	struct p11_local *p = NULL;
	tims_rc rc = TIMS_OK;
	int h = -1;

	*nof = 0;
	if (op >= TIMS_SIGNER_NOTE_LOAD && op <= TIMS_SIGNER_NOTE_FREE)
		return note_op(op, in, out, of, nof, scratch, err);
	if (op == TIMS_SIGNER_CA_ISSUE || op == TIMS_SIGNER_CA_CRL)
		return ca_op(op, in, out, of, nof, err);
	if (op == TIMS_SIGNER_TLS_INSTALL) {
		char path[SIGNER_REF_MAX + 1];

		field_str(&in[0], path, sizeof(path));
		if (dry)
			return tims_err_set(err, TIMS_ERR_UNAVAILABLE, "signer: nothing "
					    "installed (dry run)");
		return tims_signer_tls_install_local(path, err);
	}
	if (op == TIMS_SIGNER_TLS_CSR) {
		char path[SIGNER_REF_MAX + 1], cn[65];

		field_str(&in[0], path, sizeof(path));
		field_str(&in[1], cn, sizeof(cn));
		tims_buf_setlen(out, 0);
		if (dry)
			return tims_err_set(err, TIMS_ERR_UNAVAILABLE, "signer: no key "
					    "made (dry run)");
		if ((rc = tims_signer_tls_csr_local(path, cn, out, err)))
			return rc;
		of[0] = (struct tims_signer_field){ out->buf, out->len };
		*nof = 1;
		return TIMS_OK;
	}
	if (op == TIMS_SIGNER_OPEN || op == TIMS_SIGNER_TLS_LOAD) {
		size_t i, max = op == TIMS_SIGNER_OPEN ? SIGNER_HANDLES : SIGNER_TLS_KEYS;

		for (i = 0; i < max; i++)
			if (op == TIMS_SIGNER_OPEN ? !handles[i].id : !tls_keys[i].id)
				break;
		if (i == max)
			return tims_err_set(err, TIMS_ERR_FULL, "signer: %zu %s open "
					    "already", max, op == TIMS_SIGNER_OPEN ?
					    "tokens" : "TLS keys");
		text = malloc(in[0].len + 1);
		if (!text)
			return tims_err_set(err, TIMS_ERR_NOMEM, "signer: out of memory");
		field_str(&in[0], text, in[0].len + 1);
		/* the CA's key signs what ca_op checks, never a raw hash */
		if (op == TIMS_SIGNER_TLS_LOAD && tims_signer_ref_is_ca(text)) {
			rc = tims_err_set(err, TIMS_ERR_DENIED, "signer: %s is the centre's CA "
					  "key: it signs certificates and revocation lists "
					  "the signer checks, not TLS handshakes", text);
			goto out;
		}
		if ((op == TIMS_SIGNER_OPEN || !strncmp(text, "pkcs11:", 7)) &&
		    (rc = module_allowed(text, err)))
			goto out;
		if (op == TIMS_SIGNER_OPEN) {
			if (!dry && (rc = p11_local_open(text, &p, err)))
				goto out;
			handles[i].id = new_id();
			handles[i].p = p;
			tims_signer_put32(scratch, handles[i].id);
			of[0] = (struct tims_signer_field){ scratch, 4 };
			of[1].p = p11_local_uri_display(p);
			of[1].len = strlen(of[1].p);
			of[2].p = p11_local_object(p);
			of[2].len = strlen(of[2].p);
			*nof = 3;
		} else {
			void *ctx = NULL;
			unsigned algo = 0, bits = 0;

			tims_buf_setlen(out, 0);
			if (!dry && (rc = tims_signer_tls_open(text, &ctx, &algo, &bits,
							       out, err)))
				goto out;
			tls_keys[i].id = new_id();
			tls_keys[i].ctx = ctx;
			tims_signer_put32(scratch, tls_keys[i].id);
			tims_signer_put32(scratch + 4, algo);
			tims_signer_put32(scratch + 8, bits);
			of[0] = (struct tims_signer_field){ scratch, 4 };
			of[1] = (struct tims_signer_field){ scratch + 4, 4 };
			of[2] = (struct tims_signer_field){ scratch + 8, 4 };
			of[3] = (struct tims_signer_field){ out->buf ? out->buf : "",
							    out->len };
			*nof = 4;
		}
		goto out;
	}
	if (op == TIMS_SIGNER_TLS_SIGN || op == TIMS_SIGNER_TLS_FREE) {
		int k = tls_find(&in[0]);

		if (k < 0)
			return tims_err_set(err, TIMS_ERR_USAGE, "signer: no TLS "
					    "key %u", (unsigned)tims_signer_get32(in[0].p));
		if (op == TIMS_SIGNER_TLS_FREE) {
			if (tls_keys[k].ctx)
				tims_signer_tls_close(tls_keys[k].ctx);
			tls_keys[k].id = 0;
			tls_keys[k].ctx = NULL;
			return TIMS_OK;
		}
		if (!tls_keys[k].ctx)
			return tims_err_set(err, TIMS_ERR_UNAVAILABLE, "signer: "
					    "no key (dry run)");
		if (tims_signer_get32(in[3].p) > 1)
			return tims_err_set(err, TIMS_ERR_INVALID, "signer: sign "
					    "what: 0 (a hash) or 1 (data)");
		tims_buf_setlen(out, 0);
		if ((rc = tims_signer_tls_sign(tls_keys[k].ctx, tims_signer_get32(in[1].p),
					       tims_signer_get32(in[2].p), (int)tims_signer_get32(in[3].p),
					       in[4].p, in[4].len, out, err)))
			return rc;
		of[0] = (struct tims_signer_field){ out->buf ? out->buf : "", out->len };
		*nof = 1;
		return TIMS_OK;
	}
	/* the token operations: a handle first, then a label */
	if ((h = handle_find(&in[0])) < 0)
		return tims_err_set(err, TIMS_ERR_USAGE, "signer: no token handle %u",
				    (unsigned)tims_signer_get32(in[0].p));
	p = handles[h].p;
	if (op == TIMS_SIGNER_CLOSE) {
		p11_local_close(p);
		handles[h].id = 0;
		handles[h].p = NULL;
		return TIMS_OK;
	}
	field_str(&in[1], label, sizeof(label));
	tims_buf_setlen(out, 0);
	switch (op) {
	case TIMS_SIGNER_AES_GENERATE:
		return p11_local_aes_generate(p, label, err);
	case TIMS_SIGNER_ECDSA_GENERATE:
		return p11_local_ecdsa_p256_generate(p, label, err);
	case TIMS_SIGNER_DESTROY:
		return p11_local_destroy(p, label, err);
	case TIMS_SIGNER_EXISTS: {
		int e = p11_local_exists(p, label, err);

		if (e < 0)
			return err && err->rc ? err->rc : TIMS_ERR_STATE;
		tims_signer_put32(scratch, (uint32_t)e);
		of[0] = (struct tims_signer_field){ scratch, 4 };
		*nof = 1;
		return TIMS_OK;
	}
	case TIMS_SIGNER_AES_ENCRYPT:
	case TIMS_SIGNER_AES_DECRYPT:
		rc = op == TIMS_SIGNER_AES_ENCRYPT ?
			p11_local_aes_encrypt(p, label, in[2].p, in[2].len, in[3].p,
					      in[3].len, out, err) :
			p11_local_aes_decrypt(p, label, in[2].p, in[2].len, in[3].p,
					      in[3].len, out, err);
		if (!rc) {
			of[0] = (struct tims_signer_field){ out->buf ? out->buf : "",
							    out->len };
			*nof = 1;
		}
		return rc;
	case TIMS_SIGNER_ED_GENERATE:
	case TIMS_SIGNER_ED_PUBLIC:
		rc = op == TIMS_SIGNER_ED_GENERATE ?
			p11_local_ed25519_generate(p, label, scratch, err) :
			p11_local_ed25519_public(p, label, scratch, err);
		if (!rc) {
			of[0] = (struct tims_signer_field){ scratch, 32 };
			*nof = 1;
		}
		return rc;
	case TIMS_SIGNER_ED_SIGN:
		rc = p11_local_ed25519_sign(p, label, in[2].p, in[2].len, scratch, err);
		if (!rc) {
			of[0] = (struct tims_signer_field){ scratch, 64 };
			*nof = 1;
		}
		return rc;
	default:
		return tims_err_set(err, TIMS_ERR_USAGE, "signer: unknown operation");
	}
out:
	free(text);
	return rc;
}

int tims_signer_handle(const uint8_t *req, size_t len, struct tims_buf *resp)
{
	struct tims_signer_field in[5], of[TIMS_SIGNER_FIELDS];
	struct tims_buf out = TIMS_BUF_INIT(TIMS_SIGNER_MSG_MAX);
	uint8_t scratch[64 + 16];
	struct tims_err e;
	struct hdr h;
	size_t nof = 0;
	tims_rc rc;

	tims_err_clear(&e);
	if (hdr_parse(req, len, &h) != 0) {
		answer_error(resp, 0, len >= 12 ? tims_signer_get32(req + 8) : 0,
			     TIMS_ERR_INVALID, "signer: malformed request header");
		return -1;
	}
	if (h.status || !h.op || h.op >= TIMS_SIGNER_OP_LAST || !spec[h.op].n) {
		answer_error(resp, h.op, h.id, TIMS_ERR_INVALID,
			     "signer: unknown operation");
		return 0;
	}
	if (fields_parse(req, len, in, spec[h.op].n) != 0) {
		answer_error(resp, h.op, h.id, TIMS_ERR_INVALID,
			     "signer: malformed request (fields)");
		return 0;
	}
	for (unsigned i = 0; i < spec[h.op].n; i++)
		if (!field_ok(spec[h.op].f[i], &in[i])) {
			char m[64];

			snprintf(m, sizeof(m), "signer: field %u out of bounds", i + 1);
			answer_error(resp, h.op, h.id, TIMS_ERR_INVALID, m);
			return 0;
		}
	rc = do_op(h.op, in, &out, of, &nof, scratch, &e);
	if (rc)
		answer_error(resp, h.op, h.id, rc, e.msg[0] ? e.msg : tims_strerror(rc));
	else if (msg_build(resp, h.op, 0, h.id, of, nof))
		answer_error(resp, h.op, h.id, TIMS_ERR_TOOBIG,
			     "signer: the answer is past the message size");
	if (out.buf)
		sodium_memzero(out.buf, out.alloc);
	tims_buf_release(&out);
	sodium_memzero(scratch, sizeof(scratch));
	return 0;
}

/* ---- the setup message ---------------------------------------------------- */

#define SETUP_FIELDS (2 * TIMS_SANDBOX_PATHS_MAX + 8)

static const char *const setup_profiles[] = { "daemon", "signer" };

/* One field: a tag byte and a value of 1..max bytes without a NUL (0..max
 * when may_empty); the value into out (NUL-terminated, out holds max + 1). */
static tims_rc setup_value(const struct tims_signer_field *f, size_t i, size_t max,
			   int may_empty, char *out, struct tims_err *err)
{
	const char *v = (const char *)f->p + 1;
	size_t n = f->len - 1;

	if (!may_empty && !n)
		return tims_err_set(err, TIMS_ERR_INVALID, "signer setup: field %zu "
				    "('%c'): empty", i + 1, ((const char *)f->p)[0]);
	if (n > max)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "signer setup: field %zu "
				    "('%c'): %zu bytes, past %zu", i + 1,
				    ((const char *)f->p)[0], n, max);
	if (memchr(v, '\0', n))
		return tims_err_set(err, TIMS_ERR_INVALID, "signer setup: field %zu "
				    "('%c'): holds a NUL", i + 1, ((const char *)f->p)[0]);
	memcpy(out, v, n);
	out[n] = '\0';
	return TIMS_OK;
}

tims_rc tims_signer_setup_parse(const uint8_t *m, size_t len,
				struct tims_signer_setup *o, struct tims_err *err)
{
	struct tims_signer_field f;
	char val[TIMS_SANDBOX_PATH_BYTES + 1];
	unsigned seen = 0;   /* bit per single tag: M S P U D W */
	size_t off = TIMS_SIGNER_HDR, i;
	int sandbox_fields = 0;
	struct hdr h;
	tims_rc rc;

	memset(o, 0, sizeof(*o));
	tims_sandbox_cfg_init(&o->cfg);
	o->cfg.profile = TIMS_SANDBOX_SIGNER;
	if (hdr_parse(m, len, &h))
		return tims_err_set(err, TIMS_ERR_INVALID, "signer setup: malformed "
				    "header");
	if (h.op != TIMS_SIGNER_SETUP || h.status || h.id)
		return tims_err_set(err, TIMS_ERR_INVALID, "signer setup: the first "
				    "message must be the setup (op %u, id 0), not op %u "
				    "id %u", TIMS_SIGNER_SETUP, h.op, (unsigned)h.id);
	for (i = 0; off < len; i++) {
		const char *bit = "MSPUDW", *t;
		uint32_t fl;

		if (i >= SETUP_FIELDS)
			return tims_err_set(err, TIMS_ERR_TOOBIG, "signer setup: more "
					    "than %d fields", SETUP_FIELDS);
		if (len - off < 4)
			return tims_err_set(err, TIMS_ERR_INVALID, "signer setup: field "
					    "%zu: truncated length", i + 1);
		fl = tims_signer_get32(m + off);
		off += 4;
		if (fl > len - off || !fl)
			return tims_err_set(err, TIMS_ERR_INVALID, "signer setup: field "
					    "%zu: length %u %s", i + 1, (unsigned)fl,
					    fl ? "past the message" : "(no tag)");
		f.p = m + off;
		f.len = fl;
		off += fl;
		if (m[off - fl] && (t = strchr(bit, m[off - fl]))) {
			unsigned b = 1u << (t - bit);

			if (seen & b)
				return tims_err_set(err, TIMS_ERR_INVALID, "signer setup: "
						    "field %zu: '%c' given twice", i + 1, *t);
			seen |= b;
		}
		switch (m[off - fl]) {
		case 'M':
			if ((rc = setup_value(&f, i, sizeof(o->modules) - 1, 0, o->modules,
					      err)))
				return rc;
			break;
		case 'S':
			if ((rc = setup_value(&f, i, 16, 0, val, err)))
				return rc;
			if (strcmp(val, "enforce") && strcmp(val, "log"))
				return tims_err_set(err, TIMS_ERR_INVALID, "signer setup: "
						    "field %zu ('S'): '%s' is not "
						    "enforce|log", i + 1, val);
			o->sandbox = 1;
			o->cfg.mode = strcmp(val, "log") ? TIMS_SANDBOX_ENFORCE :
				TIMS_SANDBOX_LOG;
			break;
		case 'P':
			if ((rc = setup_value(&f, i, 16, 0, val, err)))
				return rc;
			if (!strcmp(val, setup_profiles[TIMS_SANDBOX_DAEMON]))
				o->cfg.profile = TIMS_SANDBOX_DAEMON;
			else if (!strcmp(val, setup_profiles[TIMS_SANDBOX_SIGNER]))
				o->cfg.profile = TIMS_SANDBOX_SIGNER;
			else
				return tims_err_set(err, TIMS_ERR_INVALID, "signer setup: "
						    "field %zu ('P'): '%s' is not "
						    "signer|daemon", i + 1, val);
			sandbox_fields = 1;
			break;
		case 'U':
			if ((rc = setup_value(&f, i, sizeof(o->user) - 1, 0, o->user, err)))
				return rc;
			if ((rc = tims_sandbox_user_check(o->user, err)))
				return rc;
			o->cfg.user = o->user;
			sandbox_fields = 1;
			break;
		case 'D':
			if ((rc = setup_value(&f, i, sizeof(o->dir) - 1, 0, o->dir, err)))
				return rc;
			o->cfg.data_dir = o->dir;
			sandbox_fields = 1;
			break;
		case 'R':
		case 'O':
			if ((rc = setup_value(&f, i, TIMS_SANDBOX_PATH_BYTES - 1, 0, val,
					      err)))
				return rc;
			if ((rc = m[off - fl] == 'R' ? tims_sandbox_add_rw(&o->cfg, val, err)
			     : tims_sandbox_add_ro(&o->cfg, val, err)))
				return rc;
			sandbox_fields = 1;
			break;
		case 'W':
			if ((rc = setup_value(&f, i, 0, 1, val, err)))
				return rc;
			o->warn = 1;
			sandbox_fields = 1;
			break;
		default:
			return tims_err_set(err, TIMS_ERR_INVALID, "signer setup: field "
					    "%zu: unknown tag 0x%02x", i + 1, m[off - fl]);
		}
	}
	if (sandbox_fields && !o->sandbox)
		return tims_err_set(err, TIMS_ERR_INVALID, "signer setup: sandbox "
				    "fields without a sandbox mode ('S')");
	return TIMS_OK;
}

/* One setup field, tag and value, appended to b; its place in f[*n]
 * (offsets first: b may move; fixed up by setup_build). */
static tims_rc setup_add(struct tims_buf *b, size_t *offs, size_t *lens, size_t *n,
			 char tag, const char *v)
{
	if (*n >= SETUP_FIELDS)
		return TIMS_ERR_TOOBIG;
	offs[*n] = b->len;
	if (tims_buf_add(b, &tag, 1) || (v && tims_buf_addstr(b, v)))
		return TIMS_ERR_NOMEM;
	lens[*n] = b->len - offs[*n];
	(*n)++;
	return TIMS_OK;
}

static const struct tims_sandbox_cfg *signer_sb;
static char signer_program[PATH_MAX + 1];
static int signer_program_long;

void tims_signer_sandbox(const struct tims_sandbox_cfg *cfg)
{
	signer_sb = cfg;
}

void tims_signer_set_program(const char *path)
{
	size_t n = path ? strlen(path) : 0;

	signer_program_long = n >= sizeof(signer_program);
	if (signer_program_long)
		n = 0;
	memcpy(signer_program, path ? path : "", n);
	signer_program[n] = '\0';
}

/* The setup's fields for this process's sandbox and module prefixes, in b;
 * f[] points into it. */
static tims_rc setup_build(struct tims_buf *b, struct tims_signer_field *f, size_t *n,
			   struct tims_err *err)
{
	const char *mods = getenv("TIMS_PKCS11_MODULES");
	const struct tims_sandbox_cfg *c = signer_sb;
	size_t offs[SETUP_FIELDS], lens[SETUP_FIELDS];
	tims_rc rc = TIMS_OK;

	*n = 0;
	if (mods && *mods) {
		if (strlen(mods) >= MODULE_PREFIXES_MAX)
			return tims_err_set(err, TIMS_ERR_TOOBIG, "TIMS_PKCS11_MODULES: "
					    "longer than %d bytes", MODULE_PREFIXES_MAX - 1);
		rc = setup_add(b, offs, lens, n, 'M', mods);
	}
	if (!rc && c) {
		rc = setup_add(b, offs, lens, n, 'S', c->mode == TIMS_SANDBOX_LOG ? "log" :
			       "enforce");
		if (!rc)
			rc = setup_add(b, offs, lens, n, 'P', setup_profiles[c->profile ==
					       TIMS_SANDBOX_DAEMON ? 0 : 1]);
		if (!rc && c->user && *c->user)
			rc = setup_add(b, offs, lens, n, 'U', c->user);
		if (!rc && c->data_dir && *c->data_dir)
			rc = setup_add(b, offs, lens, n, 'D', c->data_dir);
		for (size_t i = 0; !rc && i < c->nrw; i++)
			rc = setup_add(b, offs, lens, n, 'R', c->rw[i]);
		for (size_t i = 0; !rc && i < c->nro; i++)
			rc = setup_add(b, offs, lens, n, 'O', c->ro[i]);
		if (!rc && c->warn)
			rc = setup_add(b, offs, lens, n, 'W', NULL);
	}
	if (rc)
		return tims_err_set(err, rc, "signer: setup message: %s", tims_strerror(rc));
	for (size_t i = 0; i < *n; i++)
		f[i] = (struct tims_signer_field){ b->buf + offs[i], lens[i] };
	return TIMS_OK;
}

/* ---- the signer process (after the re-exec) ------------------------------ */

/* fd: an AF_UNIX SOCK_SEQPACKET socket whose peer is our parent. */
static tims_rc serve_check(int fd, struct tims_err *err)
{
	struct peer_cred cr;
	int type = 0, dom = 0;
	socklen_t l = sizeof(type);
	struct stat st;

	if (isatty(0))
		return tims_err_set(err, TIMS_ERR_USAGE, "standard input is a terminal: "
				    "the signer is started by a daemon, not by hand");
	if (fd < 3 || fstat(fd, &st) != 0)
		return tims_err_set(err, TIMS_ERR_USAGE, "--fd %d: %s", fd, fd < 3 ?
				    "not a descriptor above stderr" : "not open");
	if (!S_ISSOCK(st.st_mode))
		return tims_err_set(err, TIMS_ERR_USAGE, "--fd %d: not a socket", fd);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &l) || dom != AF_UNIX)
		return tims_err_set(err, TIMS_ERR_USAGE, "--fd %d: not an AF_UNIX socket", fd);
	l = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) || type != SOCK_SEQPACKET)
		return tims_err_set(err, TIMS_ERR_USAGE, "--fd %d: not a SOCK_SEQPACKET "
				    "socket", fd);
	l = sizeof(cr);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &l) || cr.pid != getppid())
		return tims_err_set(err, TIMS_ERR_USAGE, "--fd %d: its peer (pid %ld) is "
				    "not this process's parent (pid %ld)", fd,
				    (long)cr.pid, (long)getppid());
	return TIMS_OK;
}

/* The first message, within SIGNER_WAIT_MS. */
static ssize_t serve_first(int fd, uint8_t *req)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	int r;

	do
		r = poll(&pfd, 1, SIGNER_WAIT_MS);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return -1;
	return recv(fd, req, TIMS_SIGNER_MSG_MAX, MSG_TRUNC | MSG_DONTWAIT);
}

tims_rc tims_signer_serve(int fd, void (*warn)(void *ctx, const char *msg),
			  void *warn_ctx, struct tims_err *err)
{
	struct tims_buf resp = TIMS_BUF_INIT(TIMS_SIGNER_MSG_MAX);
	struct tims_signer_setup *set = NULL;
	uint8_t *req = NULL;
	sigset_t none;
	ssize_t n;
	tims_rc rc;

	(void)prctl(PR_SET_DUMPABLE, 0);       /* no ptrace by the daemon's user */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if ((rc = serve_check(fd, err)))
		return rc;
	(void)prctl(PR_SET_NAME, "tims-signer");
	/* a terminal's ^C or a unit's SIGTERM is for the daemon: the signer
	 * lives until the daemon's end of the socket closes */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (sodium_init() < 0)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "libsodium init failed");
	req = malloc(TIMS_SIGNER_MSG_MAX);
	set = malloc(sizeof(*set));
	if (!req || !set) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "signer: out of memory");
		goto out;
	}
	n = serve_first(fd, req);
	if (n <= 0) {
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE, "signer: no setup message "
				  "from the daemon in %d ms", SIGNER_WAIT_MS);
		goto out;
	}
	if ((size_t)n > TIMS_SIGNER_MSG_MAX)
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "signer setup: past %u bytes",
				  TIMS_SIGNER_MSG_MAX);
	else
		rc = tims_signer_setup_parse(req, (size_t)n, set, err);
	if (!rc && set->modules[0])
		snprintf(module_prefixes, sizeof(module_prefixes), "%s", set->modules);
	serving = 1;
	/* its own sandbox, before it reads its first request */
	if (!rc && set->sandbox) {
		set->cfg.warn = set->warn ? warn : NULL;
		set->cfg.warn_ctx = warn_ctx;
		if ((rc = tims_sandbox_enter(&set->cfg, err))) {
			char why[TIMS_ERR_MSG_BYTES];

			snprintf(why, sizeof(why), "%s", tims_err_msg(err));
			rc = tims_err_set(err, rc, "signer: sandbox: %s", why);
		}
	}
	if (rc)
		answer_error(&resp, TIMS_SIGNER_SETUP, 0, rc, tims_err_msg(err));
	else
		(void)msg_build(&resp, TIMS_SIGNER_SETUP, 0, 0, NULL, 0);
	if (resp.len && send(fd, resp.buf, resp.len, MSG_NOSIGNAL) < 0 && !rc)
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE, "signer: the daemon's end "
				  "closed during the setup");
	if (rc)
		goto out;
	for (;;) {
		n = recv(fd, req, TIMS_SIGNER_MSG_MAX, MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;  /* the daemon's end closed (or the socket failed) */
		if ((size_t)n > TIMS_SIGNER_MSG_MAX)
			answer_error(&resp, 0, tims_signer_get32(req + 8), TIMS_ERR_TOOBIG,
				     "signer: request past the message size");
		else
			(void)tims_signer_handle(req, (size_t)n, &resp);
		if (resp.len &&
		    send(fd, resp.buf, resp.len, MSG_NOSIGNAL) < 0 && errno != EINTR)
			break;
		sodium_memzero(req, (size_t)n < TIMS_SIGNER_MSG_MAX ? (size_t)n
			       : TIMS_SIGNER_MSG_MAX);
		if (resp.buf)
			sodium_memzero(resp.buf, resp.alloc);
	}
	tims_signer_handle_reset();
out:
	free(set);
	free(req);
	tims_buf_release(&resp);
	return rc;
}

/* ---- the daemon's side -------------------------------------------------- */

static pthread_mutex_t link_mu = PTHREAD_MUTEX_INITIALIZER;
static int link_fd = -1;
static pid_t link_owner, link_child;
static int link_dead;
static uint32_t link_next = 1;
static int link_reaped;

static tims_rc link_call(unsigned op, uint32_t id, const struct tims_signer_field *in,
			 size_t nin, struct tims_buf *resp,
			 struct tims_signer_field *out, size_t nout,
			 struct tims_err *err);

/* In the child between fork and exec: only async-signal-safe calls. Close
 * every descriptor but 0, 1, 2, 3 (the socket) and exe. */
static void child_close(int exe)
{
	if (syscall(SYS_close_range, 4u, (unsigned)exe - 1, 0u) != 0)
		for (int fd = 4; fd < exe; fd++)
			(void)close(fd);
	if (syscall(SYS_close_range, (unsigned)exe + 1, ~0u, 0u) != 0)
		for (int fd = exe + 1; fd < 65536; fd++)
			(void)close(fd);
}

/* The child: descriptor 3 the socket, stdin and stdout /dev/null, exec.
 * On a failed exec, the prepared error answer (errno's digits filled in)
 * goes to the parent. */
static void child_exec(int sock, int exe, int nul, pid_t parent, char **argv,
		       char **envp, char *fail, size_t fail_len, size_t digits_at)
	__attribute__((noreturn));
static void child_exec(int sock, int exe, int nul, pid_t parent, char **argv,
		       char **envp, char *fail, size_t fail_len, size_t digits_at)
{
	int e;

	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	if (sock == 3) {
		if (fcntl(3, F_SETFD, 0) != 0)
			_exit(127);
	} else if (dup2(sock, 3) != 3) {
		_exit(127);
	}
	if (dup2(nul, 0) != 0 || dup2(nul, 1) != 1)
		_exit(127);
	child_close(exe);
	syscall(SYS_execveat, exe, "", argv, envp, AT_EMPTY_PATH);
	e = errno;
	for (int i = 2; i >= 0; i--, e /= 10)
		fail[digits_at + (size_t)i] = (char)('0' + e % 10);
	(void)send(3, fail, fail_len, MSG_NOSIGNAL);
	_exit(127);
}

tims_rc tims_signer_start(struct tims_err *err)
{
	static char arg0[] = "tims", arg1[] = "__signer", arg2[] = "--fd", arg3[] = "3";
	char *argv[] = { arg0, arg1, arg2, arg3, NULL };
	struct tims_signer_field f[SETUP_FIELDS];
	struct tims_buf setup = TIMS_BUF_INIT(TIMS_SIGNER_MSG_MAX),
			fail = TIMS_BUF_INIT(TIMS_SIGNER_HDR + 4 + PATH_MAX + 64),
			resp = TIMS_BUF_INIT(TIMS_SIGNER_MSG_MAX);
	const char *prog = signer_program[0] ? signer_program : "/proc/self/exe";
	int sv[2] = { -1, -1 }, sz = SIGNER_SOCKBUF, exe = -1, nul = -1, fd;
	pid_t parent = getpid(), pid;
	char why[PATH_MAX + 64];
	static char env_mark[] = SIGNER_ENV "=1";
	extern char **environ;
	char **envp = NULL;
	size_t nf = 0, digits, ne;
	struct stat st;
	tims_rc rc;

	if (link_fd >= 0)
		return tims_err_set(err, TIMS_ERR_STATE, "signer: already started");
	if (getenv(SIGNER_ENV))
		return tims_err_set(err, TIMS_ERR_STATE, "signer: this process was "
				    "started as a signer (%s in its environment): it "
				    "starts none of its own", SIGNER_ENV);
	if (signer_program_long)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "signer: program path longer "
				    "than %d bytes", PATH_MAX);
	if (sodium_init() < 0)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "libsodium init failed");
	if ((rc = setup_build(&setup, f, &nf, err)))
		goto out;
	/* the environment as it is, and SIGNER_ENV: a program re-executed by
	 * mistake (not a tims binary) that would start a signer again is
	 * refused, not a chain of processes */
	for (ne = 0; environ[ne]; ne++)
		;
	envp = calloc(ne + 2, sizeof(*envp));
	if (!envp) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "signer: out of memory");
		goto out;
	}
	for (size_t i = 0, j = 0; i < ne; i++)
		if (strncmp(environ[i], SIGNER_ENV "=", sizeof(SIGNER_ENV)))
			envp[j++] = environ[i];
	for (ne = 0; envp[ne]; ne++)
		;
	envp[ne] = env_mark;
	/* the error answer a failed exec sends, "errno 000" filled in then */
	snprintf(why, sizeof(why), "signer: cannot execute %s: errno 000", prog);
	digits = TIMS_SIGNER_HDR + 4 + strlen(why) - 3;
	if (msg_build(&fail, TIMS_SIGNER_SETUP, TIMS_ERR_UNAVAILABLE, 0,
		      &(struct tims_signer_field){ why, strlen(why) }, 1)) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "signer: out of memory");
		goto out;
	}
	/* the image, opened now: what the child executes is what was checked */
	fd = open(prog, O_PATH | O_CLOEXEC);
	if (fd >= 0) {
		exe = fcntl(fd, F_DUPFD_CLOEXEC, 4);   /* never 0..3 */
		close(fd);
	}
	if (exe < 0 || fstat(exe, &st) != 0) {
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE, "signer: program %s: %s",
				  prog, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111)) {
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE, "signer: program %s: not "
				  "an executable file", prog);
		goto out;
	}
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		nul = fcntl(fd, F_DUPFD_CLOEXEC, 4);   /* never 0..3 either */
		close(fd);
	}
	if (nul < 0) {
		rc = tims_err_set(err, TIMS_ERR_IO, "signer: /dev/null: %s", strerror(errno));
		goto out;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		rc = tims_err_set(err, TIMS_ERR_IO, "signer: socketpair: %s",
				  strerror(errno));
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		(void)setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		(void)setsockopt(sv[i], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		rc = tims_err_set(err, TIMS_ERR_IO, "signer: fork: %s", strerror(errno));
		goto out;
	}
	if (!pid)
		child_exec(sv[1], exe, nul, parent, argv, envp, fail.buf, fail.len, digits);
	close(sv[1]);
	sv[1] = -1;
	link_fd = sv[0];
	sv[0] = -1;
	link_owner = parent;
	link_child = pid;
	link_dead = 0;
	link_reaped = 0;
	/* the setup: answered once the signer is in its sandbox */
	pthread_mutex_lock(&link_mu);
	rc = link_call(TIMS_SIGNER_SETUP, 0, f, nf, &resp, NULL, 0, err);
	pthread_mutex_unlock(&link_mu);
	if (rc) {
		close(link_fd);
		link_fd = -1;
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
		link_child = 0;
	}
out:
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (exe >= 0)
		close(exe);
	if (nul >= 0)
		close(nul);
	free(envp);
	tims_buf_release(&setup);
	tims_buf_release(&fail);
	tims_buf_release(&resp);
	return rc;
}

int tims_signer_active(void)
{
	return link_fd >= 0 && link_owner == getpid();
}

pid_t tims_signer_pid(void)
{
	return tims_signer_active() ? link_child : 0;
}

int tims_signer_exited(void)
{
	int r;

	if (!tims_signer_active())
		return 0;
	pthread_mutex_lock(&link_mu);
	if (!link_reaped && waitpid(link_child, NULL, WNOHANG) == link_child)
		link_reaped = 1;
	r = link_reaped;
	pthread_mutex_unlock(&link_mu);
	return r;
}

int tims_signer_sigwait(int (*wait)(const sigset_t *), const sigset_t *set)
{
	int sig;

	while ((sig = wait(set)) == SIGCHLD && !tims_signer_exited())
		;
	return sig;
}

/* Called with link_mu held. */
static tims_rc link_down(struct tims_err *err, const char *why)
{
	if (!link_dead) {
		link_dead = 1;
		if (waitpid(link_child, NULL, WNOHANG) == link_child)
			link_reaped = 1;
	}
	return tims_err_set(err, TIMS_ERR_UNAVAILABLE, "signer (pid %ld): %s",
			    (long)link_child, why);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The answer to request id into resp (stale answers dropped). */
static tims_rc link_wait(uint32_t id, struct tims_buf *resp, struct hdr *h,
			 struct tims_err *err)
{
	int64_t deadline = now_ms() + SIGNER_WAIT_MS;
	int reset = 0;

	tims_buf_setlen(resp, 0);
	if (tims_buf_grow(resp, TIMS_SIGNER_MSG_MAX))
		return tims_err_set(err, TIMS_ERR_NOMEM, "signer: out of memory");
	for (;;) {
		struct pollfd pfd = { link_fd, POLLIN, 0 };
		int64_t left = deadline - now_ms();
		ssize_t n;
		int r;

		if (left <= 0)
			return tims_err_set(err, TIMS_ERR_UNAVAILABLE, "signer (pid "
					    "%ld): no answer in %d ms",
					    (long)link_child, SIGNER_WAIT_MS);
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return link_down(err, strerror(errno));
		if (!r)
			continue;
		n = recv(link_fd, resp->buf, TIMS_SIGNER_MSG_MAX, MSG_TRUNC | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		/* a signer that closed with our request unread: the kernel says
		 * ECONNRESET once, before what it sent is read (then 0) */
		if (n < 0 && errno == ECONNRESET && !reset++)
			continue;
		if (n < 0 && errno != ECONNRESET)
			return link_down(err, strerror(errno));
		if (n <= 0)
			return link_down(err, "gone (its end of the socket closed)");
		if ((size_t)n > TIMS_SIGNER_MSG_MAX || hdr_parse((uint8_t *)resp->buf,
								 (size_t)n, h))
			return link_down(err, "malformed answer");
		if (h->id != id)
			continue;       /* an answer to a request that timed out */
		resp->len = (size_t)n;
		return TIMS_OK;
	}
}

/* One request with id and its answer; called with link_mu held. */
static tims_rc link_call(unsigned op, uint32_t id, const struct tims_signer_field *in,
			 size_t nin, struct tims_buf *resp,
			 struct tims_signer_field *out, size_t nout,
			 struct tims_err *err)
{
	struct tims_buf req = TIMS_BUF_INIT(TIMS_SIGNER_MSG_MAX);
	struct hdr h;
	tims_rc rc;

	if (link_dead) {
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE, "signer (pid %ld): "
				  "gone", (long)link_child);
		goto out;
	}
	if ((rc = msg_build(&req, op, 0, id, in, nin))) {
		rc = tims_err_set(err, rc, "signer: request past %u bytes",
				  TIMS_SIGNER_MSG_MAX);
		goto out;
	}
	for (;;) {
		if (send(link_fd, req.buf, req.len, MSG_NOSIGNAL) >= 0)
			break;
		if (errno == EINTR)
			continue;
		/* a signer that closed its end may have said why first (a
		 * failed exec answers the setup before it exits): what it
		 * sent is still queued, and link_wait reads it or sees the end */
		if (errno == EPIPE || errno == ECONNRESET)
			break;
		rc = link_down(err, strerror(errno));
		goto out;
	}
	if ((rc = link_wait(id, resp, &h, err)))
		goto out;
	if (h.op != op) {
		rc = link_down(err, "answer to another operation");
		goto out;
	}
	if (h.status) {
		struct tims_signer_field f;
		char msg[TIMS_ERR_MSG_BYTES];

		if (h.status >= TIMS_RC_LAST ||
		    fields_parse((uint8_t *)resp->buf, resp->len, &f, 1)) {
			rc = link_down(err, "malformed error answer");
			goto out;
		}
		field_str(&f, msg, sizeof(msg));
		for (char *c = msg; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
		rc = tims_err_set(err, (tims_rc)h.status, "%s", msg);
		goto out;
	}
	if (fields_parse((uint8_t *)resp->buf, resp->len, out, nout))
		rc = link_down(err, "malformed answer (fields)");
out:
	if (req.buf)
		sodium_memzero(req.buf, req.alloc);
	tims_buf_release(&req);
	return rc;
}

tims_rc tims_signer_call(unsigned op, const struct tims_signer_field *in,
			 size_t nin, struct tims_buf *resp,
			 struct tims_signer_field *out, size_t nout,
			 struct tims_err *err)
{
	uint32_t id;
	tims_rc rc;

	if (!tims_signer_active())
		return tims_err_set(err, TIMS_ERR_UNAVAILABLE, "signer: none in "
				    "this process");
	if (nout > TIMS_SIGNER_FIELDS || resp->max < TIMS_SIGNER_MSG_MAX)
		return tims_err_set(err, TIMS_ERR_USAGE, "signer: too many fields, "
				    "or an answer buffer under %u bytes",
				    TIMS_SIGNER_MSG_MAX);
	pthread_mutex_lock(&link_mu);
	id = link_next++;
	if (!link_next)
		link_next = 1;
	rc = link_call(op, id, in, nin, resp, out, nout, err);
	pthread_mutex_unlock(&link_mu);
	return rc;
}
