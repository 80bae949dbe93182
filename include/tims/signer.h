/*
 * signer.h — the key-holding process (privilege separation, after OpenBSD's
 * ca.c): a daemon forks it first thing and the child re-executes the
 * program (`tims __signer --fd 3`, a fresh image with none of the daemon's
 * memory, as OpenBSD's daemons re-exec their privileged parts), and from
 * then on every private-key
 * and key-encryption-key operation of the daemon is a request to it over an
 * AF_UNIX SOCK_SEQPACKET socketpair. The process that parses the network
 * never loads the PKCS#11 module, never reads the PIN and never reads a TLS
 * key file: a compromise of it gets a signing oracle while the signer
 * lives, not the keys (docs/operations.md, "Process model").
 *
 * After tims_signer_start() the whole of tims/p11.h (open, sign, public
 * key, AES-GCM, generate, exists, destroy) is served by the signer, with
 * the same results and error codes; a signer that died or stopped
 * answering makes each call fail with TIMS_ERR_UNAVAILABLE (the wait for
 * an answer is bounded). TLS keys (lib/tls: a PKCS#11 URI or a PEM key
 * file) are loaded and used there too (tims_signer_tls_key_load).
 *
 * The protocol (lib/p11/signer.c) is a fixed binary format: a 16-byte
 * header (magic, operation, request id, payload length), then fields each
 * with a 32-bit length, each bounded; one message is at most
 * TIMS_SIGNER_MSG_MAX bytes. The signer parses what it gets as hostile:
 * an unknown operation, a wrong field count or length, trailing bytes or a
 * handle it never gave out get an error answer, and the signer stays up.
 */
#ifndef TIMS_SIGNER_H
#define TIMS_SIGNER_H

#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "tims/buf.h"
#include "tims/err.h"
#include "tims/sandbox.h"

/* The protocol's 32-bit fields: big-endian (both sides and the callers that
 * pack their own fields: lib/note/load.c, lib/p11/front.c, lib/tls). */
static inline void tims_signer_put32(uint8_t b[4], uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

static inline uint32_t tims_signer_get32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

#define TIMS_SIGNER_MSG_MAX (128u * 1024)  /* one request or answer, header included */
#define TIMS_SIGNER_HDR 16
#define TIMS_SIGNER_MAGIC 0x54534731u      /* "TSG1" */

/* Operations (the header's op field). */
enum tims_signer_op {
	TIMS_SIGNER_OPEN = 1,        /* [uri] -> [handle][display][object] */
	TIMS_SIGNER_CLOSE = 2,       /* [handle] -> [] */
	TIMS_SIGNER_AES_GENERATE = 3,/* [handle][label] -> [] */
	TIMS_SIGNER_AES_ENCRYPT = 4, /* [handle][label][ad][pt] -> [blob] */
	TIMS_SIGNER_AES_DECRYPT = 5, /* [handle][label][ad][blob] -> [pt] */
	TIMS_SIGNER_ED_GENERATE = 6, /* [handle][label] -> [pub] */
	TIMS_SIGNER_ED_PUBLIC = 7,   /* [handle][label] -> [pub] */
	TIMS_SIGNER_ED_SIGN = 8,     /* [handle][label][msg] -> [sig] */
	TIMS_SIGNER_ECDSA_GENERATE = 9, /* [handle][label] -> [] */
	TIMS_SIGNER_DESTROY = 10,    /* [handle][label] -> [] */
	TIMS_SIGNER_EXISTS = 11,     /* [handle][label] -> [u32 0|1] */
	TIMS_SIGNER_TLS_LOAD = 12,   /* [ref] -> [key][u32 pk algo][u32 bits][spki DER] */
	TIMS_SIGNER_TLS_SIGN = 13,   /* [key][u32 sign algo][u32 flags][u32 0 hash|1 data][bytes] -> [sig] */
	TIMS_SIGNER_TLS_FREE = 14,   /* [key] -> [] */
	TIMS_SIGNER_NOTE_LOAD = 15,  /* [path] -> [key][u32 alg][u32 keyhash][u32 in token][pub][name] */
	TIMS_SIGNER_NOTE_SIGN = 16,  /* [key][msg] -> [sig] */
	TIMS_SIGNER_NOTE_FREE = 17,  /* [key] -> [] */
	TIMS_SIGNER_TLS_CSR = 18,    /* [key path][common name] -> [CSR PEM] */
	TIMS_SIGNER_SETUP = 19,      /* first message only: [tag value]... -> []
				      * (struct tims_signer_setup below) */
	TIMS_SIGNER_CA_ISSUE = 20,   /* [CA cert path][CA key path][CSR PEM][common name]
				      * [u32 seconds] -> [certificate PEM] */
	TIMS_SIGNER_CA_CRL = 21,     /* [CA cert path][CA key path][u32 number][u32 days]
				      * [serials: (u8 length, bytes)...] -> [CRL PEM] */
	TIMS_SIGNER_TLS_INSTALL = 22,/* [NAME.key.new path] -> [] */
	TIMS_SIGNER_OP_LAST
};

/*
 * Start the signer: fork, and the child at once re-executes a program
 * (execveat of a descriptor opened before the fork) as its hidden entry
 * point `PROGRAM __signer --fd 3` (src/cmd_signer.c, tims_signer_serve),
 * so that the signer is a fresh image: none of the daemon's heap, stack or
 * configuration, and its own stack canary, pointer guard and (where the
 * kernel randomises) its own address layout. The program is
 * /proc/self/exe (the daemon's own binary: build/asan/tims re-executes
 * build/asan/tims) unless tims_signer_set_program named another. Call it
 * before any token is opened and before any thread starts (a daemon's
 * serve command, right after its configuration).
 *
 * Before the exec the child keeps only its end of the socketpair (as
 * descriptor 3), stdin and stdout on /dev/null and stderr (sanitizer
 * reports), sets PR_SET_PDEATHSIG; after it the signer is not dumpable
 * (no ptrace from the daemon's user), checks that descriptor 3 is an
 * AF_UNIX SOCK_SEQPACKET socket whose peer is its parent, and exits when
 * the parent's end closes. What it needs from the daemon (the sandbox of
 * tims_signer_sandbox, the PKCS#11 module prefixes of TIMS_PKCS11_MODULES)
 * is sent as the first message (TIMS_SIGNER_SETUP, parsed as hostile:
 * tims_signer_setup_parse); the environment is passed as it is (the
 * PKCS#11 module's own variables: SOFTHSM2_CONF, a vendor's). This call
 * returns once the signer has entered its sandbox and answered the setup;
 * a signer that could not (exec failed, setup refused, sandbox refused)
 * makes it fail with the signer's reason, and no signer is left running.
 * Calling it twice is TIMS_ERR_STATE.
 */
tims_rc tims_signer_start(struct tims_err *err);

/*
 * The program the signer re-executes (NULL: /proc/self/exe, which is what
 * the daemons use). It must be a tims binary: its hidden command
 * `__signer` runs the signer. For test programs, which are not tims
 * binaries: they point it at build/tims (build/asan/tims). path is copied;
 * longer than PATH_MAX is TIMS_ERR_TOOBIG at tims_signer_start.
 */
void tims_signer_set_program(const char *path);

/*
 * The hidden entry point's work (`tims __signer --fd N`, src/cmd_signer.c):
 * refuse unless fd is an AF_UNIX SOCK_SEQPACKET socket whose peer
 * (SO_PEERCRED) is this process's parent and stdin is not a terminal
 * (TIMS_ERR_USAGE, saying which); not dumpable, PR_SET_PDEATHSIG, signals
 * of a terminal ignored; read the setup message (bounded wait), enter the
 * sandbox it asks for (warnings through warn when the setup asks for
 * them), answer it, then serve requests until the parent's end closes
 * (TIMS_OK). An error after the setup was read is also sent to the parent
 * as the setup's answer.
 */
tims_rc tims_signer_serve(int fd, void (*warn)(void *ctx, const char *msg),
			  void *warn_ctx, struct tims_err *err);

/*
 * The setup message (op TIMS_SIGNER_SETUP, the first and only the first
 * message; its id is 0). Its fields are each one tag byte and a value (no
 * NUL, non-empty unless said):
 *   'M' module prefixes (colon-separated, < 1024 bytes)   at most once
 *   'S' sandbox mode: "enforce" | "log" (a sandbox at all) at most once
 *   'P' profile: "signer" | "daemon"                       at most once
 *   'U' user (an account name, tims_sandbox_user_check)     at most once
 *   'D' data directory (< TIMS_SANDBOX_PATH_BYTES)          at most once
 *   'R' / 'O' a read-write / read-only path (each at most TIMS_SANDBOX_PATHS_MAX)
 *   'W' warnings wanted (empty value)                       at most once
 * An unknown tag, a repeated one, a sandbox field without 'S', a value
 * past its bound or holding a NUL is refused, naming the field.
 */
struct tims_signer_setup {
	char modules[1024];          /* "" : the default prefixes */
	int sandbox;                 /* 1: enter cfg before the first request */
	int warn;
	char user[40];
	char dir[TIMS_SANDBOX_PATH_BYTES];
	struct tims_sandbox_cfg cfg; /* user and data_dir point into this */
};

tims_rc tims_signer_setup_parse(const uint8_t *msg, size_t len,
				struct tims_signer_setup *out, struct tims_err *err);

/* The sandbox the signer enters before it reads its first request
 * (profile TIMS_SANDBOX_SIGNER: the PKCS#11 module, the token, the key
 * files; no network). Set before tims_signer_start, which copies it into
 * the setup message (cfg->warn non-NULL: warnings wanted; the signer
 * prints them on its stderr). A signer that cannot enter it exits at
 * once and tims_signer_start fails, which stops the daemon: keys are
 * never used unconfined when a sandbox was asked for. */
void tims_signer_sandbox(const struct tims_sandbox_cfg *cfg);

/* Whether this process sends its key operations to a signer (1) or does
 * them itself (0). A child forked from a daemon is 0 and has no signer. */
int tims_signer_active(void);

/* The signer's process id (0 if none). */
pid_t tims_signer_pid(void);

/* Whether this process's signer has exited (it is reaped here). */
int tims_signer_exited(void);

/*
 * A daemon's wait for a stop signal: wait (tims_notify_sigwait) on set,
 * which the caller made with SIGCHLD in it and blocked, until a signal
 * other than SIGCHLD arrives, or SIGCHLD for a signer that died: then
 * SIGCHLD is returned (the daemon stops; without its signer it can neither
 * sign nor complete a TLS handshake, and its service manager restarts it).
 */
int tims_signer_sigwait(int (*wait)(const sigset_t *), const sigset_t *set);

/* ---- for lib/p11 and lib/tls: one request, one answer --------------------- */

#define TIMS_SIGNER_FIELDS 6

struct tims_signer_field {
	const void *p;
	size_t len;
};

/*
 * Send op with its fields and wait (bounded) for the answer: its fields
 * point into *resp (a buffer the caller releases, its max at least
 * TIMS_SIGNER_MSG_MAX). The signer's error code
 * and message come back as this call's. TIMS_ERR_UNAVAILABLE when there is
 * no signer, it died, or it did not answer in time.
 */
tims_rc tims_signer_call(unsigned op, const struct tims_signer_field *in,
			 size_t nin, struct tims_buf *resp,
			 struct tims_signer_field *out, size_t nout,
			 struct tims_err *err);

/*
 * The signer's side of one request, for the signer loop and the fuzzer: req
 * (len bytes) is parsed strictly and answered into resp (an answer is
 * always written, an error answer when the request is refused). Returns 0,
 * or -1 when the request is not even a well-formed header (the answer then
 * carries request id 0).
 */
int tims_signer_handle(const uint8_t *req, size_t len, struct tims_buf *resp);

/* Drop every handle and key the signer side holds (fuzzer, tests). */
void tims_signer_handle_reset(void);

/* ---- note signing keys (lib/note/load.c) ---------------------------------- */

struct tims_signer;

/* tims_signer_load as it is without a signer: the key file read and its
 * key (a PRIVATE+KEY+ file, or a PKCS11+KEY+ reference) opened here. The
 * signer process loads note keys with it; tims_signer_load in a daemon
 * asks the signer to. */
tims_rc tims_signer_load_local(const char *path, struct tims_signer *out,
			       struct tims_err *err);

/* ---- TLS keys ------------------------------------------------------------ */

/*
 * In the signer (lib/tls/p11key.c): load the key `ref` names (a pkcs11: URI
 * with object=, or the path of a PEM key file), give its algorithm, size
 * and public key (SubjectPublicKeyInfo, DER); sign with it. ctx is opaque.
 */
tims_rc tims_signer_tls_open(const char *ref, void **ctx, unsigned *pk_algo,
			     unsigned *bits, struct tims_buf *spki,
			     struct tims_err *err);
tims_rc tims_signer_tls_sign(void *ctx, unsigned sign_algo, unsigned flags,
			     int is_data, const void *in, size_t len,
			     struct tims_buf *sig, struct tims_err *err);
void tims_signer_tls_close(void *ctx);

/*
 * A TLS client's certificate chain (cert_file, PEM, at most 8) and its key
 * (key_file: a PEM key, or a file holding a pkcs11: URI with object=):
 * with a signer (tims_signer_active()), the signer reads key_file and
 * makes the signatures, this process only resolves its path; without one
 * (commands, tests) the key is loaded here as lib/tls loads keys. Refused
 * (TIMS_ERR_INVALID) when the key is not the certificate's. The sync
 * client presents it (lib/sync/client.c); one per connection.
 */
struct tims_tls_ident;
tims_rc tims_tls_ident_load(const char *cert_file, const char *key_file,
			    struct tims_tls_ident **out, struct tims_err *err);
void tims_tls_ident_free(struct tims_tls_ident *id);

/*
 * A new TLS client key and a certificate signing request for it
 * (tims_tls_csr_make, subject CN = common_name), the key written to
 * key_path (mode 0600, synced; an absolute path whose name is
 * "client.key.new", installed with tims_signer_tls_install once the
 * certificate works; when the installed client.key is a link into the key
 * directory, the new key is written there beside it: tims_keys_write_new) and
 * never handed back: with a signer, the signer makes the pair and writes
 * the file, and only the CSR comes to this process (a post renewing its
 * client certificate); without one, the same is done here
 * (tims_signer_tls_csr_local, which the signer runs).
 */
tims_rc tims_signer_tls_csr(const char *key_path, const char *common_name,
			    struct tims_buf *csr_pem, struct tims_err *err);
tims_rc tims_signer_tls_csr_local(const char *key_path, const char *common_name,
				  struct tims_buf *csr_pem, struct tims_err *err);

/*
 * The renewed key installed once its certificate works: key_path (a
 * client.key.new that tims_signer_tls_csr wrote) replaces the client.key
 * beside it (tims_keys_install_new: inside the key directory, where the
 * network process cannot rename). With a signer, the signer does it; the
 * caller renames the certificate after. Only client.key.new: never the
 * server's key, a note key or the CA's.
 */
tims_rc tims_signer_tls_install(const char *key_path, struct tims_err *err);
tims_rc tims_signer_tls_install_local(const char *key_path, struct tims_err *err);

/*
 * The centre's CA, used where its key lives. ca_cert_file is its
 * certificate, ca_key_file its key (a PEM key, or a file holding a
 * pkcs11: URI): with a signer, the signer reads both and this process
 * sends only what is to be signed — a post's CSR and name, or the serials
 * of a revocation list — and gets back the certificate or the list (the
 * centre's network process never holds the CA key: docs/security.md,
 * "Key directory"). What the signer signs is bounded there, not here:
 *
 * tims_signer_ca_issue: a post-client certificate (role post-client,
 * TLS client use only, never a CA) for the key of csr_pem, whose own
 * signature must verify, with subject CN = common_name (printable, at
 * most 64 bytes), valid for seconds (1 s to 3650 days).
 *
 * tims_signer_ca_crl: the CA's revocation list numbered number (at most
 * 2^32 - 1), next update in days, listing the n serials; what the signer's
 * messages hold bounds it (TIMS_SIGNER_MSG_MAX: about 2 000 serials).
 *
 * Without a signer (commands, tests) the files are read and the same is
 * done in this process. The signer refuses to load the CA's key for raw
 * TLS signatures (TIMS_SIGNER_TLS_LOAD: a key file named ca.key or
 * ca-*.key, a token object labelled tims-ca-*), so these two are the only
 * things it signs with it.
 */
struct tims_tls_serial;
tims_rc tims_signer_ca_issue(const char *ca_cert_file, const char *ca_key_file,
			     const char *csr_pem, const char *common_name, unsigned seconds,
			     struct tims_buf *cert_pem, struct tims_err *err);
tims_rc tims_signer_ca_crl(const char *ca_cert_file, const char *ca_key_file,
			   uint64_t number, unsigned days, const struct tims_tls_serial *serials,
			   size_t n, struct tims_buf *crl_pem, struct tims_err *err);

/* In a signer process (once its setup is read): whether the module of a
 * pkcs11: uri lies under the allowed prefixes (TIMS_PKCS11_MODULES), as
 * for every token it opens, also when the URI came from a key file rather
 * than a request (TIMS_ERR_DENIED naming it); elsewhere TIMS_OK. Called
 * before any module is loaded (lib/p11 p11_local_open, lib/tls). */
tims_rc tims_signer_module_check(const char *uri, struct tims_err *err);

/* Whether the signer refuses ref (a TLS_LOAD reference: a PEM key file's
 * path or a pkcs11: URI) as the centre's CA key (1), see above. */
int tims_signer_ref_is_ca(const char *ref);

#ifdef GNUTLS_ABSTRACT_H
/* The chain and key for a gnutls_certificate_retrieve_function2 (they stay
 * the ident's: valid until tims_tls_ident_free). */
void tims_tls_ident_get(const struct tims_tls_ident *id, gnutls_pcert_st **pcert,
			unsigned *n, gnutls_privkey_t *pk);

/*
 * In the daemon: the certificate chain (PEM) a TLS server presents, with
 * the key in key_file, which the signer reads and signs with (the path is
 * resolved here; this process never reads the file). Refused when the key
 * is not the certificate's. One per process: a later call replaces it for
 * new handshakes. tims_signer_tls_retrieve gives them to GnuTLS (a
 * gnutls_certificate_retrieve_function2, for libmicrohttpd's
 * MHD_OPTION_HTTPS_CERT_CALLBACK).
 */
tims_rc tims_signer_tls_server(const char *cert_pem, const char *key_file,
			       struct tims_err *err);
int tims_signer_tls_retrieve(gnutls_session_t session,
			     const gnutls_datum_t *req_ca_rdn, int nreqs,
			     const gnutls_pk_algorithm_t *pk_algos,
			     int pk_algos_length, gnutls_pcert_st **pcert,
			     unsigned int *pcert_length, gnutls_privkey_t *pkey);
#endif

#endif
