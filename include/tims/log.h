/*
 * log.h — the daemons' log lines: one event a line, for journald.
 *
 *   <6>event=http method=GET route=/api/v1/history/{document} status=200 ms=1.42 req=4f0c9a1e2b7d3a55 post=tims/post/a
 *
 * A line starts with a priority prefix `<N>` as sd-daemon(3) defines it
 * (journald reads it from a unit's stderr; TIMS_LOG_ERR .. TIMS_LOG_DEBUG),
 * then `key=value` fields separated by one space. A value with a space, a
 * quote, `=`, a backslash or any byte outside printable ASCII is written in
 * double quotes with \" \\ \n \r \t and \xNN escapes, so that no value — a
 * path, a header, a peer's message — can end the line or forge a field.
 *
 * The library never prints: it builds lines here and hands them to the
 * daemon's log callback (tims/node.h, tims/centre.h, tims/witness.h). The
 * program's sink (src/) keeps the lines at or above its log level
 * (tims_log_keep) and writes them to stderr. A line handed over without a
 * prefix is free text: the sink writes it as `<6>msg="..."`.
 *
 * What goes in a line: never personal data (names, document numbers, dates
 * of birth), passwords, tokens or query strings. HTTP lines name the route
 * pattern, not the path.
 */
#ifndef TIMS_LOG_H
#define TIMS_LOG_H

#include <stdarg.h>
#include <stddef.h>

#include "tims/err.h"

enum tims_log_level {
	TIMS_LOG_ERR = 3,
	TIMS_LOG_WARNING = 4,
	TIMS_LOG_NOTICE = 5,
	TIMS_LOG_INFO = 6,
	TIMS_LOG_DEBUG = 7,
};

#define TIMS_LOG_LINE_MAX 1024

/* A line being built; a line that does not fit is cut at a field boundary
 * and ends with " cut=1". */
struct tims_log_line {
	char buf[TIMS_LOG_LINE_MAX];
	size_t len;
	int cut;
};

/* Start a line: "<N>event=EVENT". */
void tims_log_begin(struct tims_log_line *l, int level, const char *event);
/* Append " key=value", the value quoted and escaped as needed (NULL: "-"). */
void tims_log_add(struct tims_log_line *l, const char *key, const char *value);
/* The same with a formatted value. */
void tims_log_addf(struct tims_log_line *l, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void tims_log_vaddf(struct tims_log_line *l, const char *key, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
/* The line (NUL-terminated, no newline). */
const char *tims_log_text(const struct tims_log_line *l);

/* Write the value as a log value (quoted and escaped if needed) into out;
 * always NUL-terminated; returns out. */
char *tims_log_quote(const char *value, char *out, size_t outlen);

/* The level names, as the log-level option takes them, in order from
 * TIMS_LOG_ERR: "error", "warning", "notice", "info", "debug"; NULL-ended. */
extern const char *const tims_log_level_names[];
/* "info" -> TIMS_LOG_INFO; TIMS_ERR_INVALID naming the choices otherwise. */
tims_rc tims_log_level_parse(const char *name, int *level, struct tims_err *err);

/*
 * The sink's part: if the line's priority is at or above (numerically at
 * most) max_level, write the line to out, as it will be printed, and return
 * out; else NULL. A line with a `<N>` prefix keeps it; one without is free
 * text and becomes `<6>msg="..."`. Either way no byte of the result ends a
 * line or drives a terminal.
 */
const char *tims_log_keep(const char *line, int max_level, char *out, size_t outlen);

#endif
