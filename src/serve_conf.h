/*
 * serve_conf.h — what the three daemons (`tims post serve`, `tims centre
 * serve`, `tims witness serve`) share: their configuration file (--config
 * FILE, tims.conf(5)), their log level and the sink that writes their log
 * lines (tims/log.h) on stderr for journald.
 *
 * Precedence: a flag on the command line, else the file's key, else the
 * built-in default; DIR on the command line overrides the file's `dir`.
 */
#ifndef TIMS_SERVE_CONF_H
#define TIMS_SERVE_CONF_H

#include "tims/conf.h"
#include "tims/log.h"

/* A declared key of type ENUM for log-level (error .. debug). */
#define SERVE_KEY_LOG_LEVEL { "log-level", TIMS_CONF_ENUM, 0, 0, tims_log_level_names }

/* Load FILE for `cmd` ("post serve") with these keys: CLI_OK, or the
 * error printed ("tims post serve: FILE:LINE: key 'K': reason") and
 * CLI_USAGE, before anything is served. */
int serve_conf_load(const char *cmd, const char *file, const struct tims_conf_key *keys,
		    size_t nkeys, struct tims_conf *conf);

/* The string a flag gave, else the file's, else def. */
const char *serve_conf_pick(const char *flag, const struct tims_conf *conf,
			    const char *key, const char *def);

/* Set the log level from --log-level (may be NULL) or the file's key
 * (default info): CLI_OK or CLI_USAGE with the error printed. */
int serve_log_level_set(const char *cmd, const char *flag, const struct tims_conf *conf);

/* The level set (TIMS_LOG_ERR .. TIMS_LOG_DEBUG). */
int serve_log_level(void);

/* The daemons' log callback: the line kept if at or above the level, on
 * stderr with its <N> prefix. ctx is unused. */
void serve_log_line(void *ctx, const char *line);

/* One event line of the program itself ("stop", "start"): level, event and
 * one field. */
void serve_log_event(int level, const char *event, const char *key, const char *value);

#endif
