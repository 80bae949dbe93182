/*
 * conf.h — the daemons' configuration files (/etc/tims/post.conf, ...).
 *
 * The format (docs/operations.md, tims.conf(5)): UTF-8 lines `key = value`;
 * a line whose first non-blank byte is `#` is a comment; blank lines are
 * ignored; no sections, no quoting: the value is the rest of the line after
 * the first `=`, trimmed of blanks. At most TIMS_CONF_LINE_MAX bytes a line
 * and TIMS_CONF_LINES_MAX lines; a line may end in CRLF.
 *
 * The caller declares its keys (name, type, range); anything else is an
 * error, never ignored: an unknown key, a key given twice, a line without
 * `=`, an empty value, a value of the wrong type or out of its range, a NUL
 * or control byte, bytes that are not UTF-8. The error names the file, the
 * line and the key: "post.conf:3: key 'port': not a number from 1 to 65535".
 *
 * Values are copied into the struct: the strings live until
 * tims_conf_release().
 */
#ifndef TIMS_CONF_H
#define TIMS_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "tims/err.h"

#define TIMS_CONF_LINE_MAX 4096  /* bytes a line, without its newline */
#define TIMS_CONF_LINES_MAX 256
#define TIMS_CONF_KEYS_MAX 32

enum tims_conf_type {
	TIMS_CONF_STRING = 1, /* any UTF-8 text without control bytes */
	TIMS_CONF_PATH,       /* an absolute path */
	TIMS_CONF_PORT,       /* a TCP port: min..max, within 0..65535 */
	TIMS_CONF_U32,        /* an unsigned decimal: min..max */
	TIMS_CONF_ENUM,       /* one of choices[] (its index is the number) */
	TIMS_CONF_ADDR,       /* an IPv4 or IPv6 address, without a port */
	TIMS_CONF_ADDR_PORT,  /* ADDR:PORT or [ADDR6]:PORT */
};

struct tims_conf_key {
	const char *name;
	enum tims_conf_type type;
	uint32_t min, max;            /* PORT, U32 */
	const char *const *choices;   /* ENUM: ended by NULL */
};

struct tims_conf_value {
	int set;          /* 1 if the file gave the key */
	unsigned line;    /* where */
	char *str;        /* the value as written (trimmed) */
	uint32_t num;     /* PORT, U32, ADDR_PORT (the port): the number;
			   * ENUM: the index in choices */
};

struct tims_conf {
	const struct tims_conf_key *keys;
	size_t nkeys;
	struct tims_conf_value val[TIMS_CONF_KEYS_MAX];
};

/* An empty configuration for these keys (every key unset). */
void tims_conf_init(struct tims_conf *c, const struct tims_conf_key *keys, size_t nkeys);

/*
 * Parse `len` bytes of text; `name` is the file name for messages. On an
 * error nothing is kept (the struct is as after init) and err says
 * "NAME:LINE: key 'K': reason" (or "NAME:LINE: reason" when the line has
 * no key). TIMS_ERR_INVALID or TIMS_ERR_TOOBIG.
 */
TIMS_MUST_USE tims_rc tims_conf_parse(struct tims_conf *c, const char *name,
				      const char *text, size_t len,
				      struct tims_err *err);

/* Read and parse a regular file (not a directory, a FIFO or a device);
 * TIMS_ERR_IO if it cannot be read. */
TIMS_MUST_USE tims_rc tims_conf_load(struct tims_conf *c, const char *path,
				     struct tims_err *err);

/* The value of a declared key, or NULL if the file did not set it. */
const struct tims_conf_value *tims_conf_get(const struct tims_conf *c, const char *key);
/* Its string, or NULL. */
const char *tims_conf_str(const struct tims_conf *c, const char *key);

/* Free the strings; the struct is as after init. */
void tims_conf_release(struct tims_conf *c);

/*
 * The small "key = value" files the node writes for itself (a post's
 * centre/enrolment.conf, sync.conf): the value of the first line that
 * starts with key, then optional spaces, '=' and optional spaces, up to the
 * end of the line, into out. 0 when no line sets it or the value does not
 * fit in cap bytes. Not for files people write (tims_conf_parse is).
 */
int tims_conf_line_value(const char *text, const char *key, char *out, size_t cap);

#endif
