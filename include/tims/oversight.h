/*
 * oversight.h — the rules a post node applies to what an insider could
 * otherwise do alone: read any traveller's history, look up travellers
 * without end, rewrite a crossing.
 *
 *   - A history read is justified by a crossing this officer registered at
 *     this booth a short time ago, of that very document; otherwise by a
 *     purpose from a configured list and a free-text statement.
 *   - Each officer has hourly limits on checks and on history reads.
 *   - Corrections, identity changes and paper registers go through the
 *     supervisor routes and a second person (tims/approval.h).
 *
 * The settings are read from the post directory when the node starts:
 *
 *   DIR/oversight.conf   "key = value" lines, '#' comments (all optional):
 *     history_window_min  a crossing justifies a history read for this
 *                         long after it was registered (default 30)
 *     checks_per_hour     checks one officer may make in any 60 minutes
 *                         (default 200)
 *     history_per_hour    history reads one officer may make in any 60
 *                         minutes (default 30)
 *     approval_ttl_min    a request for a second person's approval
 *                         expires after this long (default 240)
 *     paper_max_age_days  how far back a paper register may be re-entered
 *                         (default 30)
 *   DIR/history-purposes.conf  the purposes a history read may state, one a
 *                         line: "code  description" (the code: a-z, 0-9 and
 *                         '-'). Without the file, the list in
 *                         etc/history-purposes.conf, built in.
 */
#ifndef TIMS_OVERSIGHT_H
#define TIMS_OVERSIGHT_H

#include <stddef.h>
#include <stdint.h>

#include "tims/err.h"
#include "tims/record.h"

#define TIMS_PURPOSES_MAX 32
#define TIMS_PURPOSE_CODE_MAX 32
#define TIMS_PURPOSE_TEXT_MIN 8    /* the free text, in bytes */
#define TIMS_PURPOSE_TEXT_MAX 200

struct tims_purpose {
	char code[TIMS_PURPOSE_CODE_MAX + 1];
	char label[128];
};

struct tims_oversight_config {
	uint32_t history_window_s;
	uint32_t checks_per_hour;
	uint32_t history_per_hour;
	uint32_t approval_ttl_s;
	uint32_t paper_max_age_days;
	size_t npurposes;
	struct tims_purpose purposes[TIMS_PURPOSES_MAX];
};

/* The defaults, with the built-in purpose list. */
void tims_oversight_config_init(struct tims_oversight_config *c);

/* oversight.conf text; an error names the file and line. Known keys only. */
TIMS_MUST_USE tims_rc tims_oversight_config_parse(struct tims_oversight_config *c,
						  const char *text, size_t len,
						  const char *path, struct tims_err *err);
/* history-purposes.conf text: replaces the list (at least one purpose). */
TIMS_MUST_USE tims_rc tims_oversight_purposes_parse(struct tims_oversight_config *c,
						    const char *text, size_t len,
						    const char *path, struct tims_err *err);
/* Defaults, then DIR/oversight.conf and DIR/history-purposes.conf if present. */
TIMS_MUST_USE tims_rc tims_oversight_load(const char *dir, struct tims_oversight_config *c,
					  struct tims_err *err);

/* The purpose with this code, or NULL. */
const struct tims_purpose *tims_oversight_purpose(const struct tims_oversight_config *c,
						  const char *code);

/*
 * Whether crossing record r justifies reading the history of document
 * `doc` (and nationality `nat`, if not NULL) by `officer` at `booth` at
 * now_ms: TIMS_OK, or TIMS_ERR_DENIED with the reason (another document,
 * registered by another officer or at another booth, older than the
 * window, an erased record).
 */
TIMS_MUST_USE tims_rc tims_oversight_crossing_justifies(const struct tims_oversight_config *c,
							const struct tims_record *r, int erased,
							const char *doc, const char *nat,
							const char *officer, const char *booth,
							int64_t now_ms, struct tims_err *err);

/*
 * Whether person fields differ between two records (an identity change):
 * 0 if all are equal, else 1 and the first field that differs in *field.
 */
int tims_oversight_person_differs(const struct tims_person *a, const struct tims_person *b,
				  const char **field);

#endif
