/*
 * p11.c — keys in a PKCS#11 token through Cryptoki, module dlopen'ed by the
 * URI's module-path (see include/tims/p11.h).
 *
 * Modules: one entry per module path for the life of the process, under one
 * lock. C_Initialize (CKF_OS_LOCKING_OK) when the first handle opens; the
 * handles are counted, but the module stays initialised when the last one
 * closes: another user of the same module instance in the process (GnuTLS
 * through p11-kit, for the centre's CA key: lib/tls/p11key.c) would have it
 * finalised from under its sessions. One that someone else finalised
 * (CKR_CRYPTOKI_NOT_INITIALIZED) is initialised again on the next call. A
 * module is never dlclose'd: SoftHSM2 and OpenSSL leave exit handlers
 * behind.
 *
 * Handles: one session each, under the handle's mutex. Before every operation
 * the session is checked (C_GetSessionInfo: still there, still logged in as
 * user) and the pin-source re-stat'ed; a session that fails, a token that went
 * away, or a pin-source that changed (an operator fixing or revoking the PIN)
 * makes the handle log in again. A PIN the token refused is remembered (as a
 * hash) and not offered again until the PIN changes: a real token (a TPM's
 * dictionary-attack lockout, an HSM's retry counter) locks itself after a few
 * wrong PINs, and a daemon retrying every tick would get there in seconds.
 *
 * Note that PKCS#11 login state belongs to the application, not the session:
 * two handles on one token share it, and a re-login by one (C_Logout first, so
 * a changed PIN is really checked) makes the others log in again too.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>
#include <sodium.h>

#include "internal.h"
#include "tims/signer.h"

#define P11_MAX_SLOTS 256
#define P11_MAX_FOUND 8
#define P11_IV_BYTES 12
#define P11_TAG_BYTES 16
#define P11_AES_MAX ((size_t)64 << 20)   /* one AES-GCM operation */

struct p11_module {
	struct p11_module *next;
	char path[PATH_MAX];
	void *dl;
	CK_FUNCTION_LIST_PTR fl;
	unsigned refs;
	int owned;      /* we called C_Initialize and it succeeded */
	pid_t pid;      /* the process that initialised it */
	/* the PIN (a keyed hash) each slot was logged in with by this process:
	 * login state is per application, so a second handle's C_Login gets
	 * CKR_USER_ALREADY_LOGGED_IN whatever PIN it offers; we compare */
	struct {
		CK_SLOT_ID slot;
		uint8_t h[crypto_generichash_BYTES];
		int set;
	} logins[8];
};

static pthread_mutex_t modules_lock = PTHREAD_MUTEX_INITIALIZER;
static struct p11_module *modules;

struct p11_local {
	pthread_mutex_t mu;
	struct p11_module *mod;
	struct p11_uri uri;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE sess;
	int have_sess;
	pid_t pid;
	struct stat pin_st;          /* the pin-source at the last login */
	int have_pin_st;
	uint8_t bad_pin[crypto_generichash_BYTES];
	int have_bad_pin;
};

/* ---- return values ------------------------------------------------------ */

static const char *rv_name(CK_RV rv)
{
	switch (rv) {
#define N(x) case x: return #x
	N(CKR_OK); N(CKR_CANCEL); N(CKR_HOST_MEMORY); N(CKR_SLOT_ID_INVALID);
	N(CKR_GENERAL_ERROR); N(CKR_FUNCTION_FAILED); N(CKR_ARGUMENTS_BAD);
	N(CKR_ATTRIBUTE_READ_ONLY); N(CKR_ATTRIBUTE_SENSITIVE);
	N(CKR_ATTRIBUTE_TYPE_INVALID); N(CKR_ATTRIBUTE_VALUE_INVALID);
	N(CKR_DATA_INVALID); N(CKR_DATA_LEN_RANGE); N(CKR_DEVICE_ERROR);
	N(CKR_DEVICE_MEMORY); N(CKR_DEVICE_REMOVED);
	N(CKR_ENCRYPTED_DATA_INVALID); N(CKR_ENCRYPTED_DATA_LEN_RANGE);
	N(CKR_FUNCTION_CANCELED); N(CKR_FUNCTION_NOT_SUPPORTED);
	N(CKR_KEY_HANDLE_INVALID); N(CKR_KEY_SIZE_RANGE);
	N(CKR_KEY_TYPE_INCONSISTENT); N(CKR_KEY_FUNCTION_NOT_PERMITTED);
	N(CKR_MECHANISM_INVALID); N(CKR_MECHANISM_PARAM_INVALID);
	N(CKR_OBJECT_HANDLE_INVALID); N(CKR_OPERATION_ACTIVE);
	N(CKR_OPERATION_NOT_INITIALIZED); N(CKR_PIN_INCORRECT);
	N(CKR_PIN_INVALID); N(CKR_PIN_LEN_RANGE); N(CKR_PIN_EXPIRED);
	N(CKR_PIN_LOCKED); N(CKR_SESSION_CLOSED); N(CKR_SESSION_COUNT);
	N(CKR_SESSION_HANDLE_INVALID); N(CKR_SESSION_READ_ONLY);
	N(CKR_SIGNATURE_INVALID); N(CKR_SIGNATURE_LEN_RANGE);
	N(CKR_TEMPLATE_INCOMPLETE); N(CKR_TEMPLATE_INCONSISTENT);
	N(CKR_TOKEN_NOT_PRESENT); N(CKR_TOKEN_NOT_RECOGNIZED);
	N(CKR_TOKEN_WRITE_PROTECTED); N(CKR_USER_ALREADY_LOGGED_IN);
	N(CKR_USER_NOT_LOGGED_IN); N(CKR_USER_PIN_NOT_INITIALIZED);
	N(CKR_USER_TYPE_INVALID); N(CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
	N(CKR_DOMAIN_PARAMS_INVALID); N(CKR_CURVE_NOT_SUPPORTED);
	N(CKR_BUFFER_TOO_SMALL); N(CKR_RANDOM_NO_RNG);
	N(CKR_CRYPTOKI_NOT_INITIALIZED); N(CKR_CRYPTOKI_ALREADY_INITIALIZED);
	N(CKR_MUTEX_BAD); N(CKR_MUTEX_NOT_LOCKED);
#undef N
	default: return NULL;
	}
}

/* "CKR_NAME" or "CKR_0x..." into buf. */
static const char *rv_str(CK_RV rv, char buf[32])
{
	const char *n = rv_name(rv);

	if (n)
		return n;
	snprintf(buf, 32, "CKR_0x%lx", (unsigned long)rv);
	return buf;
}

/* Codes that say our request was wrong, not that the token is away. */
static int rv_is_request_error(CK_RV rv)
{
	switch (rv) {
	case CKR_ARGUMENTS_BAD: case CKR_ATTRIBUTE_READ_ONLY:
	case CKR_ATTRIBUTE_SENSITIVE: case CKR_ATTRIBUTE_TYPE_INVALID:
	case CKR_ATTRIBUTE_VALUE_INVALID: case CKR_DATA_INVALID:
	case CKR_DATA_LEN_RANGE: case CKR_FUNCTION_NOT_SUPPORTED:
	case CKR_KEY_SIZE_RANGE: case CKR_KEY_TYPE_INCONSISTENT:
	case CKR_KEY_FUNCTION_NOT_PERMITTED: case CKR_MECHANISM_INVALID:
	case CKR_MECHANISM_PARAM_INVALID: case CKR_TEMPLATE_INCOMPLETE:
	case CKR_TEMPLATE_INCONSISTENT: case CKR_DOMAIN_PARAMS_INVALID:
	case CKR_CURVE_NOT_SUPPORTED: case CKR_BUFFER_TOO_SMALL:
	case CKR_SIGNATURE_INVALID: case CKR_SIGNATURE_LEN_RANGE:
	case CKR_TOKEN_WRITE_PROTECTED:
		return 1;
	default:
		return 0;
	}
}

static void drop_session(struct p11_local *p)
{
	if (p->have_sess && p->pid == getpid())
		(void)p->mod->fl->C_CloseSession(p->sess);
	p->have_sess = 0;
	p->have_pin_st = 0;
}

/*
 * Map a failed Cryptoki call to a tims_rc with the CKR name in the message.
 * Anything that is not plainly a bad request (or a failed tag in a decrypt,
 * which the caller handles) means the token is away, locked or refusing:
 * TIMS_ERR_UNAVAILABLE, and the session is dropped so the next call opens a
 * fresh one.
 */
static tims_rc rv_fail(struct p11_local *p, CK_RV rv, const char *what,
		       struct tims_err *err)
{
	char buf[32];
	const char *n = rv_str(rv, buf);

	if (rv == CKR_HOST_MEMORY)
		return tims_err_set(err, TIMS_ERR_NOMEM, "pkcs11: %s: %s", what, n);
	if (rv_is_request_error(rv))
		return tims_err_set(err, TIMS_ERR_CRYPTO, "pkcs11: %s: %s "
				    "(token %s)", what, n, p->uri.token);
	drop_session(p);
	return tims_err_set(err, TIMS_ERR_UNAVAILABLE, "pkcs11: %s: %s "
			    "(token %s)", what, n, p->uri.token);
}

/* ---- modules ------------------------------------------------------------ */

static tims_rc module_init_locked(struct p11_module *m, struct tims_err *err)
{
	CK_C_INITIALIZE_ARGS args;
	CK_RV rv;
	char buf[32];

	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	rv = m->fl->C_Initialize(&args);
	if (rv == CKR_OK)
		m->owned = 1;
	else if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED)
		m->owned = 0;
	else
		return tims_err_set(err, TIMS_ERR_UNAVAILABLE,
				    "pkcs11: module %s: C_Initialize: %s",
				    m->path, rv_str(rv, buf));
	m->pid = getpid();
	memset(m->logins, 0, sizeof(m->logins));
	return TIMS_OK;
}

static tims_rc module_get(const char *path, struct p11_module **out,
			  struct tims_err *err)
{
	struct p11_module *m;
	CK_C_GetFunctionList getfl;
	tims_rc rc = TIMS_OK;
	CK_RV rv;
	char buf[32];

	pthread_mutex_lock(&modules_lock);
	for (m = modules; m; m = m->next)
		if (!strcmp(m->path, path))
			break;
	if (!m) {
		void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);

		if (!dl) {
			const char *why = dlerror();

			rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE,
					  "pkcs11: module %s cannot be loaded: %s",
					  path, why ? why : "dlopen failed");
			goto out;
		}
		*(void **)&getfl = dlsym(dl, "C_GetFunctionList");
		if (!getfl) {
			dlclose(dl); /* never initialised: safe to unload */
			rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE,
					  "pkcs11: module %s has no "
					  "C_GetFunctionList", path);
			goto out;
		}
		m = calloc(1, sizeof(*m));
		if (!m) {
			dlclose(dl);
			rc = tims_err_set(err, TIMS_ERR_NOMEM, "pkcs11: out of memory");
			goto out;
		}
		snprintf(m->path, sizeof(m->path), "%s", path);
		m->dl = dl;
		rv = getfl(&m->fl);
		if (rv != CKR_OK || !m->fl) {
			dlclose(dl);
			free(m);
			rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE,
					  "pkcs11: module %s: C_GetFunctionList: %s",
					  path, rv_str(rv, buf));
			goto out;
		}
		m->next = modules;
		modules = m;
	}
	if (m->pid != getpid() && (rc = module_init_locked(m, err)))
		goto out;
	m->refs++;
	*out = m;
out:
	pthread_mutex_unlock(&modules_lock);
	return rc;
}

static void module_put(struct p11_module *m)
{
	pthread_mutex_lock(&modules_lock);
	if (m->refs)
		m->refs--; /* no C_Finalize: see the top of this file */
	pthread_mutex_unlock(&modules_lock);
}

/* After fork() a child must C_Initialize again before using the module
 * (PKCS#11 v2.40 §6.7.7); its inherited sessions are not its own. */
static tims_rc module_after_fork(struct p11_local *p, struct tims_err *err)
{
	tims_rc rc = TIMS_OK;

	pthread_mutex_lock(&modules_lock);
	if (p->mod->pid != getpid())
		rc = module_init_locked(p->mod, err);
	pthread_mutex_unlock(&modules_lock);
	p->have_sess = 0;
	p->have_pin_st = 0;
	if (!rc)
		p->pid = getpid();
	return rc;
}

/* ---- PIN and session ---------------------------------------------------- */

/* The PIN: pin-value, or the first line of pin-source (bounded; a regular
 * file of at most P11_PIN_FILE_MAX bytes). pin gets P11_PIN_MAX + 1 bytes of
 * secure memory the caller wipes. */
static tims_rc read_pin(const struct p11_uri *u, char *pin, struct stat *st,
			struct tims_err *err)
{
	const char *src = u->pin_source;
	char *raw = NULL;
	size_t n = 0, len;
	tims_rc rc = TIMS_OK;
	int fd;

	memset(st, 0, sizeof(*st));
	if (u->pin_value[0]) {
		snprintf(pin, P11_PIN_MAX + 1, "%s", u->pin_value);
		return TIMS_OK;
	}
	if (!src[0])
		return tims_err_set(err, TIMS_ERR_UNAVAILABLE,
				    "pkcs11: token %s: no PIN (the URI has "
				    "neither pin-source nor pin-value)",
				    u->token);
	fd = open(src, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return tims_err_set(err, TIMS_ERR_UNAVAILABLE,
				    "pkcs11: pin-source %s: %s", src,
				    strerror(errno));
	if (fstat(fd, st) != 0) {
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE,
				  "pkcs11: pin-source %s: %s", src,
				  strerror(errno));
		goto out;
	}
	if (!S_ISREG(st->st_mode)) {
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE,
				  "pkcs11: pin-source %s is not a regular file",
				  src);
		goto out;
	}
	if (st->st_size > P11_PIN_FILE_MAX) {
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE,
				  "pkcs11: pin-source %s is %lld bytes (at most "
				  "%d)", src, (long long)st->st_size,
				  P11_PIN_FILE_MAX);
		goto out;
	}
	raw = sodium_malloc(P11_PIN_FILE_MAX + 1);
	if (!raw) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "pkcs11: out of secure "
				  "memory");
		goto out;
	}
	while (n < P11_PIN_FILE_MAX + 1) {
		ssize_t r = read(fd, raw + n, P11_PIN_FILE_MAX + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE,
					  "pkcs11: pin-source %s: %s", src,
					  strerror(errno));
			goto out;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	if (n > P11_PIN_FILE_MAX) {
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE,
				  "pkcs11: pin-source %s grew past %d bytes",
				  src, P11_PIN_FILE_MAX);
		goto out;
	}
	for (len = 0; len < n && raw[len] != '\n'; len++)
		;
	if (len && raw[len - 1] == '\r')
		len--;
	if (!len || len > P11_PIN_MAX || memchr(raw, '\0', len)) {
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE,
				  "pkcs11: pin-source %s: the first line is %s",
				  src, !len ? "empty" : len > P11_PIN_MAX ?
				  "too long for a PIN" : "not text");
		goto out;
	}
	memcpy(pin, raw, len);
	pin[len] = '\0';
out:
	if (raw)
		sodium_free(raw);
	close(fd);
	return rc;
}

/* Whether the pin-source is still the file we logged in with (an operator
 * who rewrites, replaces, removes or chmods it makes us log in again). */
static int pin_source_same(const struct p11_local *p)
{
	struct stat st;

	if (!p->uri.pin_source[0])
		return 1;
	if (!p->have_pin_st || stat(p->uri.pin_source, &st) != 0)
		return 0;
	return st.st_dev == p->pin_st.st_dev && st.st_ino == p->pin_st.st_ino &&
	       st.st_size == p->pin_st.st_size &&
	       st.st_mode == p->pin_st.st_mode &&
	       st.st_mtim.tv_sec == p->pin_st.st_mtim.tv_sec &&
	       st.st_mtim.tv_nsec == p->pin_st.st_mtim.tv_nsec &&
	       st.st_ctim.tv_sec == p->pin_st.st_ctim.tv_sec &&
	       st.st_ctim.tv_nsec == p->pin_st.st_ctim.tv_nsec;
}

static tims_rc find_slot_once(struct p11_local *p, struct tims_err *err)
{
	CK_FUNCTION_LIST_PTR fl = p->mod->fl;
	CK_SLOT_ID slots[P11_MAX_SLOTS];
	CK_ULONG n = P11_MAX_SLOTS;
	char want[32];
	size_t tlen = strlen(p->uri.token);
	int found = 0;
	CK_RV rv;

	rv = fl->C_GetSlotList(CK_TRUE, slots, &n);
	if (rv == CKR_CRYPTOKI_NOT_INITIALIZED) {
		/* finalised by another user of the module: initialise it again */
		tims_rc rc;

		pthread_mutex_lock(&modules_lock);
		rc = module_init_locked(p->mod, err);
		pthread_mutex_unlock(&modules_lock);
		if (rc)
			return rc;
		n = P11_MAX_SLOTS;
		rv = fl->C_GetSlotList(CK_TRUE, slots, &n);
	}
	if (rv != CKR_OK)
		return rv_fail(p, rv, "C_GetSlotList", err);
	memset(want, ' ', sizeof(want));
	memcpy(want, p->uri.token, tlen);
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;

		if (fl->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		if (memcmp(ti.label, want, sizeof(want)) != 0)
			continue;
		if (found++)
			return tims_err_set(err, TIMS_ERR_STATE,
					    "pkcs11: two tokens are labelled %s",
					    p->uri.token);
		p->slot = slots[i];
	}
	if (!found)
		return tims_err_set(err, TIMS_ERR_UNAVAILABLE,
				    "pkcs11: token %s: not present "
				    "(CKR_TOKEN_NOT_PRESENT)", p->uri.token);
	return TIMS_OK;
}

/*
 * The token's slot. A token that another process is writing (SoftHSM2
 * rewrites token.object at each login, under its lock) can answer
 * C_GetTokenInfo with an error for a moment: a token not found is looked
 * for again for up to a second before it is called not present.
 */
static tims_rc find_slot(struct p11_local *p, struct tims_err *err)
{
	struct tims_err e = { TIMS_OK, "" };
	tims_rc rc = TIMS_OK;

	for (int i = 0; i < 50; i++) {
		const struct timespec pause = { 0, 20 * 1000 * 1000 };

		rc = find_slot_once(p, &e);
		if (rc != TIMS_ERR_UNAVAILABLE || !strstr(e.msg, "CKR_TOKEN_NOT_PRESENT"))
			break;
		nanosleep(&pause, NULL);
	}
	if (rc && err)
		*err = e;
	return rc;
}

/* After C_Login: fresh (rv CKR_OK) records the PIN's hash for the slot;
 * otherwise (CKR_USER_ALREADY_LOGGED_IN) the PIN must be the recorded one.
 * A slot logged in by someone else in the process (no record) is taken as
 * it is. 0 when the PIN differs. */
static int login_record(struct p11_local *p, const uint8_t *h, int fresh)
{
	struct p11_module *m = p->mod;
	int ok = 1, i, free_i = -1;

	pthread_mutex_lock(&modules_lock);
	for (i = 0; i < 8; i++) {
		if (!m->logins[i].set) {
			if (free_i < 0)
				free_i = i;
			continue;
		}
		if (m->logins[i].slot != p->slot)
			continue;
		if (fresh)
			memcpy(m->logins[i].h, h, crypto_generichash_BYTES);
		else
			ok = !sodium_memcmp(m->logins[i].h, h,
					    crypto_generichash_BYTES);
		break;
	}
	if (i == 8 && fresh && free_i >= 0) {
		m->logins[free_i].slot = p->slot;
		memcpy(m->logins[free_i].h, h, crypto_generichash_BYTES);
		m->logins[free_i].set = 1;
	}
	pthread_mutex_unlock(&modules_lock);
	return ok;
}

static void login_forget(struct p11_local *p)
{
	pthread_mutex_lock(&modules_lock);
	for (int i = 0; i < 8; i++)
		if (p->mod->logins[i].set && p->mod->logins[i].slot == p->slot)
			p->mod->logins[i].set = 0;
	pthread_mutex_unlock(&modules_lock);
}

static tims_rc login(struct p11_local *p, struct tims_err *err)
{
	uint8_t h[crypto_generichash_BYTES];
	struct stat st;
	char *pin;
	tims_rc rc;
	CK_RV rv;
	char buf[32];

	pin = sodium_malloc(P11_PIN_MAX + 1);
	if (!pin)
		return tims_err_set(err, TIMS_ERR_NOMEM, "pkcs11: out of secure "
				    "memory");
	if ((rc = read_pin(&p->uri, pin, &st, err)))
		goto out;
	crypto_generichash(h, sizeof(h), (const unsigned char *)pin, strlen(pin),
			   (const unsigned char *)p->uri.token,
			   strlen(p->uri.token));
	if (p->have_bad_pin && !sodium_memcmp(h, p->bad_pin, sizeof(h))) {
		drop_session(p);
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE,
				  "pkcs11: token %s: CKR_PIN_INCORRECT (this PIN "
				  "was refused; not offered again until it "
				  "changes)", p->uri.token);
		goto out;
	}
	rv = p->mod->fl->C_Login(p->sess, CKU_USER, (CK_UTF8CHAR_PTR)pin,
				 (CK_ULONG)strlen(pin));
	if (rv == CKR_PIN_INCORRECT) {
		memcpy(p->bad_pin, h, sizeof(h));
		p->have_bad_pin = 1;
	}
	if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
		drop_session(p);
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE,
				  "pkcs11: token %s: C_Login: %s", p->uri.token,
				  rv_str(rv, buf));
		goto out;
	}
	if (!login_record(p, h, rv == CKR_OK)) {
		drop_session(p);
		rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE,
				  "pkcs11: token %s: CKR_PIN_INCORRECT (not the "
				  "PIN this process logged in with)",
				  p->uri.token);
		goto out;
	}
	p->have_bad_pin = 0;
	p->pin_st = st;
	p->have_pin_st = 1;
out:
	sodium_free(pin);
	sodium_memzero(h, sizeof(h));
	return rc;
}

/* A live session logged in as user, or TIMS_ERR_UNAVAILABLE. Called with
 * the handle's mutex held. */
static tims_rc ensure_session(struct p11_local *p, struct tims_err *err)
{
	CK_FUNCTION_LIST_PTR fl = p->mod->fl;
	CK_SESSION_INFO si;
	tims_rc rc;
	CK_RV rv;

	if (p->pid != getpid() && (rc = module_after_fork(p, err)))
		return rc;
	if (p->have_sess && !pin_source_same(p)) {
		/* log the whole application out so the new PIN is checked */
		(void)fl->C_Logout(p->sess);
		login_forget(p);
		drop_session(p);
	}
	if (p->have_sess) {
		rv = fl->C_GetSessionInfo(p->sess, &si);
		if (rv != CKR_OK)
			drop_session(p);
		else if (si.state == CKS_RW_USER_FUNCTIONS ||
			 si.state == CKS_RO_USER_FUNCTIONS)
			return TIMS_OK;
		else
			return login(p, err);
	}
	if ((rc = find_slot(p, err)))
		return rc;
	rv = fl->C_OpenSession(p->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION,
			       NULL, NULL, &p->sess);
	if (rv != CKR_OK)
		return rv_fail(p, rv, "C_OpenSession", err);
	p->have_sess = 1;
	return login(p, err);
}

/* ---- open, close -------------------------------------------------------- */

tims_rc p11_local_open(const char *uri, struct p11_local **out,
		      struct tims_err *err)
{
	struct p11_local *p;
	tims_rc rc;

	*out = NULL;
	if (sodium_init() < 0)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "libsodium init failed");
	/* in the signer, a module named by a file the network process can
	 * write (a note key's reference) is held to the prefixes too */
	if ((rc = tims_signer_module_check(uri, err)))
		return rc;
	p = sodium_malloc(sizeof(*p)); /* holds pin-value */
	if (!p)
		return tims_err_set(err, TIMS_ERR_NOMEM, "pkcs11: out of secure "
				    "memory");
	memset(p, 0, sizeof(*p));
	if ((rc = p11_uri_parse(uri, &p->uri, err))) {
		sodium_free(p);
		return rc;
	}
	if ((rc = module_get(p->uri.module, &p->mod, err))) {
		sodium_free(p);
		return rc;
	}
	pthread_mutex_init(&p->mu, NULL);
	p->pid = getpid();
	if ((rc = ensure_session(p, err))) {
		p11_local_close(p);
		return rc;
	}
	*out = p;
	return TIMS_OK;
}

void p11_local_close(struct p11_local *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	drop_session(p);
	pthread_mutex_unlock(&p->mu);
	pthread_mutex_destroy(&p->mu);
	module_put(p->mod);
	sodium_free(p); /* wipes pin-value */
}

const char *p11_local_uri_display(const struct p11_local *p)
{
	return p ? p->uri.display : "";
}

const char *p11_local_object(const struct p11_local *p)
{
	return p ? p->uri.object : "";
}

/* ---- objects ------------------------------------------------------------ */

static tims_rc check_label(const char *label, struct tims_err *err)
{
	size_t n = label ? strnlen(label, TIMS_P11_LABEL_MAX + 1) : 0;

	if (!n || n > TIMS_P11_LABEL_MAX)
		return tims_err_set(err, TIMS_ERR_USAGE,
				    "pkcs11: key label must be 1..%d bytes",
				    TIMS_P11_LABEL_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)label[i] < 0x20 || label[i] == 0x7f)
			return tims_err_set(err, TIMS_ERR_USAGE,
					    "pkcs11: key label has a control "
					    "character");
	return TIMS_OK;
}

/* Objects with this label (and class, unless cls is (CK_ULONG)-1): their
 * handles in found[] (at most P11_MAX_FOUND), their number in *n. */
static tims_rc find(struct p11_local *p, const char *label, CK_ULONG cls,
		    CK_OBJECT_HANDLE found[P11_MAX_FOUND], CK_ULONG *n,
		    struct tims_err *err)
{
	CK_FUNCTION_LIST_PTR fl = p->mod->fl;
	CK_ATTRIBUTE t[2] = {
		{ CKA_LABEL, (void *)label, strlen(label) },
		{ CKA_CLASS, &cls, sizeof(cls) },
	};
	CK_RV rv, rv2;

	*n = 0;
	rv = fl->C_FindObjectsInit(p->sess, t, cls == (CK_ULONG)-1 ? 1 : 2);
	if (rv != CKR_OK)
		return rv_fail(p, rv, "C_FindObjectsInit", err);
	rv = fl->C_FindObjects(p->sess, found, P11_MAX_FOUND, n);
	rv2 = fl->C_FindObjectsFinal(p->sess);
	if (rv != CKR_OK)
		return rv_fail(p, rv, "C_FindObjects", err);
	if (rv2 != CKR_OK)
		return rv_fail(p, rv2, "C_FindObjectsFinal", err);
	return TIMS_OK;
}

/* Exactly one object of this class and label. */
static tims_rc find_one(struct p11_local *p, const char *label, CK_ULONG cls,
			CK_OBJECT_HANDLE *h, struct tims_err *err)
{
	CK_OBJECT_HANDLE found[P11_MAX_FOUND];
	CK_ULONG n;
	tims_rc rc;

	if ((rc = find(p, label, cls, found, &n, err)))
		return rc;
	if (!n)
		return tims_err_set(err, TIMS_ERR_NOTFOUND,
				    "pkcs11: token %s has no %s key labelled %s",
				    p->uri.token,
				    cls == CKO_SECRET_KEY ? "secret" :
				    cls == CKO_PRIVATE_KEY ? "private" : "public",
				    label);
	if (n > 1)
		return tims_err_set(err, TIMS_ERR_STATE,
				    "pkcs11: token %s has %lu keys labelled %s",
				    p->uri.token, (unsigned long)n, label);
	*h = found[0];
	return TIMS_OK;
}

/* Lock, check the label, make sure of the session. */
static tims_rc begin(struct p11_local *p, const char *label,
		     struct tims_err *err)
{
	tims_rc rc;

	if (!p)
		return tims_err_set(err, TIMS_ERR_USAGE, "pkcs11: no token handle");
	if (label && (rc = check_label(label, err)))
		return rc;
	pthread_mutex_lock(&p->mu);
	if ((rc = ensure_session(p, err)))
		pthread_mutex_unlock(&p->mu);
	return rc;
}

static void end(struct p11_local *p)
{
	pthread_mutex_unlock(&p->mu);
}

int p11_local_exists(struct p11_local *p, const char *label,
		    struct tims_err *err)
{
	CK_OBJECT_HANDLE found[P11_MAX_FOUND];
	CK_ULONG n;
	tims_rc rc;

	if (begin(p, label, err))
		return -1;
	rc = find(p, label, (CK_ULONG)-1, found, &n, err);
	end(p);
	return rc ? -1 : n > 0;
}

tims_rc p11_local_destroy(struct p11_local *p, const char *label,
			 struct tims_err *err)
{
	CK_OBJECT_HANDLE found[P11_MAX_FOUND];
	CK_ULONG n, total = 0;
	tims_rc rc;
	CK_RV rv;

	if ((rc = begin(p, label, err)))
		return rc;
	do {
		if ((rc = find(p, label, (CK_ULONG)-1, found, &n, err)))
			goto out;
		for (CK_ULONG i = 0; i < n; i++) {
			rv = p->mod->fl->C_DestroyObject(p->sess, found[i]);
			if (rv != CKR_OK) {
				rc = rv_fail(p, rv, "C_DestroyObject", err);
				goto out;
			}
		}
		total += n;
	} while (n == P11_MAX_FOUND);
	if (!total)
		rc = tims_err_set(err, TIMS_ERR_NOTFOUND,
				  "pkcs11: token %s has no object labelled %s",
				  p->uri.token, label);
out:
	end(p);
	return rc;
}

/* ---- AES-256-GCM -------------------------------------------------------- */

tims_rc p11_local_aes_generate(struct p11_local *p, const char *label,
			      struct tims_err *err)
{
	CK_OBJECT_HANDLE found[P11_MAX_FOUND], key;
	CK_MECHANISM mech = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_ULONG vlen = 32, n;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &kt, sizeof(kt) },
		{ CKA_VALUE_LEN, &vlen, sizeof(vlen) },
		{ CKA_LABEL, (void *)label, label ? strlen(label) : 0 },
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_SENSITIVE, &yes, sizeof(yes) },
		{ CKA_EXTRACTABLE, &no, sizeof(no) },
		{ CKA_ENCRYPT, &yes, sizeof(yes) },
		{ CKA_DECRYPT, &yes, sizeof(yes) },
		{ CKA_WRAP, &no, sizeof(no) },
		{ CKA_UNWRAP, &no, sizeof(no) },
	};
	tims_rc rc;
	CK_RV rv;

	if ((rc = begin(p, label, err)))
		return rc;
	if ((rc = find(p, label, (CK_ULONG)-1, found, &n, err)))
		goto out;
	if (n) {
		rc = tims_err_set(err, TIMS_ERR_EXISTS, "pkcs11: token %s "
				  "already has an object labelled %s",
				  p->uri.token, label);
		goto out;
	}
	rv = p->mod->fl->C_GenerateKey(p->sess, &mech, t,
				       sizeof(t) / sizeof(t[0]), &key);
	if (rv != CKR_OK)
		rc = rv_fail(p, rv, "C_GenerateKey (AES-256)", err);
out:
	end(p);
	return rc;
}

tims_rc p11_local_aes_encrypt(struct p11_local *p, const char *label,
			     const void *ad, size_t adlen, const void *pt,
			     size_t len, struct tims_buf *out,
			     struct tims_err *err)
{
	CK_GCM_PARAMS gp;
	CK_MECHANISM mech = { CKM_AES_GCM, &gp, sizeof(gp) };
	CK_OBJECT_HANDLE key;
	CK_FUNCTION_LIST_PTR fl;
	uint8_t iv[P11_IV_BYTES];
	size_t start = out->len;
	CK_ULONG clen;
	tims_rc rc;
	CK_RV rv;

	if (len > P11_AES_MAX || adlen > P11_AES_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "pkcs11: AES-GCM input "
				    "past %zu bytes", P11_AES_MAX);
	if ((rc = begin(p, label, err)))
		return rc;
	fl = p->mod->fl;
	if ((rc = find_one(p, label, CKO_SECRET_KEY, &key, err)))
		goto out;
	rv = fl->C_GenerateRandom(p->sess, iv, sizeof(iv));
	if (rv != CKR_OK) {
		rc = rv_fail(p, rv, "C_GenerateRandom", err);
		goto out;
	}
	memset(&gp, 0, sizeof(gp));
	gp.pIv = iv;
	gp.ulIvLen = sizeof(iv);
	gp.ulIvBits = sizeof(iv) * 8;
	gp.pAAD = (CK_BYTE_PTR)ad;
	gp.ulAADLen = adlen;
	gp.ulTagBits = P11_TAG_BYTES * 8;
	if ((rc = tims_buf_grow(out, sizeof(iv) + len + P11_TAG_BYTES))) {
		rc = tims_err_set(err, rc, "pkcs11: AES-GCM output past its "
				  "buffer's ceiling");
		goto out;
	}
	rv = fl->C_EncryptInit(p->sess, &mech, key);
	if (rv != CKR_OK) {
		rc = rv_fail(p, rv, "C_EncryptInit (AES-GCM)", err);
		goto out;
	}
	memcpy(out->buf + start, iv, sizeof(iv));
	clen = len + P11_TAG_BYTES;
	rv = fl->C_Encrypt(p->sess, (CK_BYTE_PTR)pt, len,
			   (CK_BYTE_PTR)out->buf + start + sizeof(iv), &clen);
	if (rv != CKR_OK) {
		rc = rv_fail(p, rv, "C_Encrypt (AES-GCM)", err);
		goto out;
	}
	if (clen != len + P11_TAG_BYTES) {
		rc = tims_err_set(err, TIMS_ERR_CRYPTO, "pkcs11: AES-GCM gave "
				  "%lu bytes for %zu", (unsigned long)clen, len);
		goto out;
	}
	out->len = start + sizeof(iv) + clen;
	out->buf[out->len] = '\0';
out:
	if (rc && out->buf) {
		sodium_memzero(out->buf + start, out->alloc - start);
		tims_buf_setlen(out, start);
	}
	end(p);
	return rc;
}

/*
 * Whether the key still works: a one-byte AES-GCM round trip. SoftHSM2 2.6
 * reports a tag that does not verify as CKR_GENERAL_ERROR, the same code as
 * a token in trouble; a decrypt that failed so while this probe succeeds
 * failed on the data (TIMS_ERR_TAMPER), not on the token.
 */
static int gcm_probe(struct p11_local *p, CK_OBJECT_HANDLE key)
{
	CK_FUNCTION_LIST_PTR fl = p->mod->fl;
	uint8_t iv[P11_IV_BYTES] = { 0 }, ct[1 + P11_TAG_BYTES], pt[1 + P11_TAG_BYTES];
	CK_GCM_PARAMS gp;
	CK_MECHANISM mech = { CKM_AES_GCM, &gp, sizeof(gp) };
	CK_ULONG clen = sizeof(ct), plen = sizeof(pt);

	if (fl->C_GenerateRandom(p->sess, iv, sizeof(iv)) != CKR_OK)
		return 0;
	memset(&gp, 0, sizeof(gp));
	gp.pIv = iv;
	gp.ulIvLen = sizeof(iv);
	gp.ulIvBits = sizeof(iv) * 8;
	gp.ulTagBits = P11_TAG_BYTES * 8;
	if (fl->C_EncryptInit(p->sess, &mech, key) != CKR_OK ||
	    fl->C_Encrypt(p->sess, (CK_BYTE_PTR)"p", 1, ct, &clen) != CKR_OK ||
	    fl->C_DecryptInit(p->sess, &mech, key) != CKR_OK ||
	    fl->C_Decrypt(p->sess, ct, clen, pt, &plen) != CKR_OK)
		return 0;
	return plen == 1 && pt[0] == 'p';
}

tims_rc p11_local_aes_decrypt(struct p11_local *p, const char *label,
			     const void *ad, size_t adlen, const void *blob,
			     size_t len, struct tims_buf *out,
			     struct tims_err *err)
{
	CK_GCM_PARAMS gp;
	CK_MECHANISM mech = { CKM_AES_GCM, &gp, sizeof(gp) };
	CK_OBJECT_HANDLE key;
	CK_FUNCTION_LIST_PTR fl;
	const uint8_t *b = blob;
	uint8_t *tmp = NULL;
	CK_ULONG plen;
	tims_rc rc;
	CK_RV rv;

	if (len < P11_IV_BYTES + P11_TAG_BYTES)
		return tims_err_set(err, TIMS_ERR_TAMPER, "pkcs11: AES-GCM blob "
				    "of %zu bytes is shorter than IV and tag",
				    len);
	if (len > P11_AES_MAX + P11_IV_BYTES + P11_TAG_BYTES ||
	    adlen > P11_AES_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "pkcs11: AES-GCM input "
				    "past %zu bytes", P11_AES_MAX);
	if ((rc = begin(p, label, err)))
		return rc;
	fl = p->mod->fl;
	if ((rc = find_one(p, label, CKO_SECRET_KEY, &key, err)))
		goto out;
	memset(&gp, 0, sizeof(gp));
	gp.pIv = (CK_BYTE_PTR)b;
	gp.ulIvLen = P11_IV_BYTES;
	gp.ulIvBits = P11_IV_BYTES * 8;
	gp.pAAD = (CK_BYTE_PTR)ad;
	gp.ulAADLen = adlen;
	gp.ulTagBits = P11_TAG_BYTES * 8;
	/* into secure memory the size of the whole ciphertext (some modules
	 * want room for the tag), then into out */
	tmp = sodium_malloc(len);
	if (!tmp) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "pkcs11: out of secure "
				  "memory");
		goto out;
	}
	rv = fl->C_DecryptInit(p->sess, &mech, key);
	if (rv != CKR_OK) {
		rc = rv_fail(p, rv, "C_DecryptInit (AES-GCM)", err);
		goto out;
	}
	plen = len - P11_IV_BYTES;
	rv = fl->C_Decrypt(p->sess, (CK_BYTE_PTR)b + P11_IV_BYTES,
			   len - P11_IV_BYTES, tmp, &plen);
	if (rv == CKR_ENCRYPTED_DATA_INVALID ||
	    rv == CKR_ENCRYPTED_DATA_LEN_RANGE ||
	    ((rv == CKR_GENERAL_ERROR || rv == CKR_FUNCTION_FAILED) &&
	     gcm_probe(p, key))) {
		char buf[32];

		rc = tims_err_set(err, TIMS_ERR_TAMPER, "pkcs11: AES-GCM tag does "
				  "not verify (%s): wrong key, data or "
				  "associated data", rv_str(rv, buf));
		goto out;
	}
	if (rv != CKR_OK) {
		rc = rv_fail(p, rv, "C_Decrypt (AES-GCM)", err);
		goto out;
	}
	if (plen != len - P11_IV_BYTES - P11_TAG_BYTES) {
		rc = tims_err_set(err, TIMS_ERR_CRYPTO, "pkcs11: AES-GCM gave "
				  "%lu bytes for %zu", (unsigned long)plen, len);
		goto out;
	}
	if ((rc = tims_buf_add(out, tmp, plen)))
		rc = tims_err_set(err, rc, "pkcs11: AES-GCM output past its "
				  "buffer's ceiling");
out:
	if (tmp)
		sodium_free(tmp);
	end(p);
	return rc;
}

/* ---- Ed25519 ------------------------------------------------------------ */

/* CKA_EC_PARAMS for Ed25519: the DER of OID 1.3.101.112 (id-Ed25519, RFC
 * 8410). PKCS#11 3.0 also allows the PrintableString "edwards25519", but
 * SoftHSM2 2.6.1 only accepts the OID (it parses the parameters with
 * d2i_ASN1_OBJECT). */
static const uint8_t ed25519_params[] = { 0x06, 0x03, 0x2b, 0x65, 0x70 };

/* CKA_EC_POINT: a DER OCTET STRING around the 32 bytes (PKCS#11 3.0), or
 * the 32 bytes bare (some modules). */
static tims_rc ec_point_to_pub(const uint8_t *v, CK_ULONG n,
			       uint8_t pub[32], struct tims_err *err)
{
	if (n == 34 && v[0] == 0x04 && v[1] == 0x20) {
		memcpy(pub, v + 2, 32);
		return TIMS_OK;
	}
	if (n == 32) {
		memcpy(pub, v, 32);
		return TIMS_OK;
	}
	return tims_err_set(err, TIMS_ERR_CRYPTO, "pkcs11: CKA_EC_POINT of %lu "
			    "bytes is not an Ed25519 public key",
			    (unsigned long)n);
}

static tims_rc read_pub(struct p11_local *p, CK_OBJECT_HANDLE h,
			uint8_t pub[32], struct tims_err *err)
{
	uint8_t v[64];
	CK_KEY_TYPE kt = 0;
	CK_ATTRIBUTE t[2] = {
		{ CKA_EC_POINT, v, sizeof(v) },
		{ CKA_KEY_TYPE, &kt, sizeof(kt) },
	};
	CK_RV rv;

	rv = p->mod->fl->C_GetAttributeValue(p->sess, h, t, 2);
	if (rv != CKR_OK)
		return rv_fail(p, rv, "C_GetAttributeValue (CKA_EC_POINT)", err);
	if (kt != CKK_EC_EDWARDS)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "pkcs11: key is not an "
				    "Edwards-curve key (CKK 0x%lx)",
				    (unsigned long)kt);
	return ec_point_to_pub(v, t[0].ulValueLen, pub, err);
}

tims_rc p11_local_ed25519_generate(struct p11_local *p, const char *label,
				  uint8_t pub[32], struct tims_err *err)
{
	CK_OBJECT_HANDLE found[P11_MAX_FOUND], pubh, privh;
	CK_MECHANISM mech = { CKM_EC_EDWARDS_KEY_PAIR_GEN, NULL, 0 };
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_KEY_TYPE kt = CKK_EC_EDWARDS;
	CK_ULONG n;
	CK_ATTRIBUTE pt[] = {
		{ CKA_KEY_TYPE, &kt, sizeof(kt) },
		{ CKA_EC_PARAMS, (void *)ed25519_params, sizeof(ed25519_params) },
		{ CKA_LABEL, (void *)label, label ? strlen(label) : 0 },
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &no, sizeof(no) },
		{ CKA_VERIFY, &yes, sizeof(yes) },
	};
	CK_ATTRIBUTE st[] = {
		{ CKA_KEY_TYPE, &kt, sizeof(kt) },
		{ CKA_LABEL, (void *)label, label ? strlen(label) : 0 },
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_SENSITIVE, &yes, sizeof(yes) },
		{ CKA_EXTRACTABLE, &no, sizeof(no) },
		{ CKA_SIGN, &yes, sizeof(yes) },
	};
	tims_rc rc;
	CK_RV rv;

	if ((rc = begin(p, label, err)))
		return rc;
	if ((rc = find(p, label, (CK_ULONG)-1, found, &n, err)))
		goto out;
	if (n) {
		rc = tims_err_set(err, TIMS_ERR_EXISTS, "pkcs11: token %s "
				  "already has an object labelled %s",
				  p->uri.token, label);
		goto out;
	}
	rv = p->mod->fl->C_GenerateKeyPair(p->sess, &mech, pt,
					   sizeof(pt) / sizeof(pt[0]), st,
					   sizeof(st) / sizeof(st[0]), &pubh,
					   &privh);
	if (rv != CKR_OK) {
		rc = rv_fail(p, rv, "C_GenerateKeyPair (Ed25519)", err);
		goto out;
	}
	if ((rc = read_pub(p, pubh, pub, err))) {
		(void)p->mod->fl->C_DestroyObject(p->sess, pubh);
		(void)p->mod->fl->C_DestroyObject(p->sess, privh);
	}
out:
	end(p);
	return rc;
}

tims_rc p11_local_ed25519_public(struct p11_local *p, const char *label,
				uint8_t pub[32], struct tims_err *err)
{
	CK_OBJECT_HANDLE h;
	tims_rc rc;

	if ((rc = begin(p, label, err)))
		return rc;
	if (!(rc = find_one(p, label, CKO_PUBLIC_KEY, &h, err)))
		rc = read_pub(p, h, pub, err);
	end(p);
	return rc;
}

tims_rc p11_local_ed25519_sign(struct p11_local *p, const char *label,
			      const void *msg, size_t len, uint8_t sig[64],
			      struct tims_err *err)
{
	CK_MECHANISM mech = { CKM_EDDSA, NULL, 0 };
	CK_OBJECT_HANDLE h;
	CK_ULONG slen = 64;
	tims_rc rc;
	CK_RV rv;

	if ((rc = begin(p, label, err)))
		return rc;
	if ((rc = find_one(p, label, CKO_PRIVATE_KEY, &h, err)))
		goto out;
	rv = p->mod->fl->C_SignInit(p->sess, &mech, h);
	if (rv != CKR_OK) {
		rc = rv_fail(p, rv, "C_SignInit (EdDSA)", err);
		goto out;
	}
	rv = p->mod->fl->C_Sign(p->sess, (CK_BYTE_PTR)msg, len, sig, &slen);
	if (rv != CKR_OK) {
		rc = rv_fail(p, rv, "C_Sign (EdDSA)", err);
		goto out;
	}
	if (slen != 64)
		rc = tims_err_set(err, TIMS_ERR_CRYPTO, "pkcs11: EdDSA signature "
				  "of %lu bytes", (unsigned long)slen);
out:
	if (rc)
		memset(sig, 0, 64);
	end(p);
	return rc;
}

/* ---- ECDSA P-256 (for GnuTLS) ----------------------------------------- */

tims_rc p11_local_ecdsa_p256_generate(struct p11_local *p, const char *label,
				     struct tims_err *err)
{
	/* DER of OID 1.2.840.10045.3.1.7 (prime256v1) */
	static const uint8_t p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
					0x3d, 0x03, 0x01, 0x07 };
	CK_OBJECT_HANDLE found[P11_MAX_FOUND], pubh, privh;
	CK_MECHANISM mech = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_KEY_TYPE kt = CKK_EC;
	uint8_t id[16];
	CK_ULONG n;
	CK_ATTRIBUTE pt[] = {
		{ CKA_KEY_TYPE, &kt, sizeof(kt) },
		{ CKA_EC_PARAMS, (void *)p256, sizeof(p256) },
		{ CKA_LABEL, (void *)label, label ? strlen(label) : 0 },
		{ CKA_ID, id, sizeof(id) },
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &no, sizeof(no) },
		{ CKA_VERIFY, &yes, sizeof(yes) },
	};
	CK_ATTRIBUTE st[] = {
		{ CKA_KEY_TYPE, &kt, sizeof(kt) },
		{ CKA_LABEL, (void *)label, label ? strlen(label) : 0 },
		{ CKA_ID, id, sizeof(id) },
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_SENSITIVE, &yes, sizeof(yes) },
		{ CKA_EXTRACTABLE, &no, sizeof(no) },
		{ CKA_SIGN, &yes, sizeof(yes) },
	};
	tims_rc rc;
	CK_RV rv;

	if ((rc = begin(p, label, err)))
		return rc;
	if ((rc = find(p, label, (CK_ULONG)-1, found, &n, err)))
		goto out;
	if (n) {
		rc = tims_err_set(err, TIMS_ERR_EXISTS, "pkcs11: token %s "
				  "already has an object labelled %s",
				  p->uri.token, label);
		goto out;
	}
	randombytes_buf(id, sizeof(id));
	rv = p->mod->fl->C_GenerateKeyPair(p->sess, &mech, pt,
					   sizeof(pt) / sizeof(pt[0]), st,
					   sizeof(st) / sizeof(st[0]), &pubh,
					   &privh);
	if (rv != CKR_OK)
		rc = rv_fail(p, rv, "C_GenerateKeyPair (ECDSA P-256)", err);
out:
	end(p);
	return rc;
}

tims_rc tims_p11_uri_parts(const char *uri, char *module, size_t mlen,
			   char *pin, size_t pinlen, char *url, size_t ulen,
			   struct tims_err *err)
{
	struct p11_uri *u;
	struct stat st;
	char *tok = NULL, *obj = NULL;
	tims_rc rc;

	if (sodium_init() < 0)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "libsodium init failed");
	if (tims_signer_active())
		return tims_err_set(err, TIMS_ERR_STATE, "pkcs11: the signer "
				    "process holds the PIN, not this one");
	if (pinlen < P11_PIN_MAX + 1)
		return tims_err_set(err, TIMS_ERR_USAGE, "pkcs11: PIN buffer too small");
	u = sodium_malloc(sizeof(*u));
	if (!u)
		return tims_err_set(err, TIMS_ERR_NOMEM, "pkcs11: out of secure memory");
	if ((rc = p11_uri_parse(uri, u, err)))
		goto out;
	if (!u->object[0]) {
		rc = tims_err_set(err, TIMS_ERR_INVALID, "pkcs11 URI: no object= "
				  "(the key's label)");
		goto out;
	}
	if ((rc = read_pin(u, pin, &st, err)))
		goto out;
	/* token and object percent-encoded again for the URL */
	tok = malloc(3 * sizeof(u->token) + 1);
	obj = malloc(3 * sizeof(u->object) + 1);
	if (!tok || !obj) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "pkcs11: out of memory");
		goto out;
	}
	for (int k = 0; k < 2; k++) {
		const char *in = k ? u->object : u->token;
		char *o = k ? obj : tok;

		for (; *in; in++) {
			unsigned char c = (unsigned char)*in;

			if (isalnum(c) || strchr("-._~", c))
				*o++ = (char)c;
			else
				o += snprintf(o, 4, "%%%02X", c);
		}
		*o = '\0';
	}
	if ((size_t)snprintf(module, mlen, "%s", u->module) >= mlen ||
	    (size_t)snprintf(url, ulen, "pkcs11:token=%s;object=%s;type=private",
			     tok, obj) >= ulen)
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "pkcs11 URI: too long");
out:
	if (rc)
		sodium_memzero(pin, pinlen);
	free(tok);
	free(obj);
	sodium_free(u);
	return rc;
}

/* ---- LeakSanitizer ------------------------------------------------------ */

#if defined(__SANITIZE_ADDRESS__)
/*
 * SoftHSM2 2.6.1 leaks 37 bytes of OpenSSL ASN.1 objects in every EdDSA
 * C_SignInit (with either form of CKA_EC_PARAMS). Neither it nor OpenSSL is
 * built with frame pointers, so LeakSanitizer's stack stops inside libcrypto
 * and cannot be matched on libsofthsm2.so; TIMS never calls OpenSSL itself
 * (GnuTLS and libcurl-gnutls do the TLS), so a libcrypto leak is a
 * dependency's. Compiled into sanitizer builds only.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libcrypto.so\n";
}
#endif
