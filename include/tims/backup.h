/*
 * backup.h — a node's directory copied whole while it serves, and put back.
 *
 * tims_backup_take copies every file of a post, centre or witness directory
 * into a new directory: each SQLite database through SQLite's online backup
 * API (a consistent snapshot of that database, taken under a read
 * transaction while the daemon keeps writing), every other file byte for
 * byte. The databases cannot be copied in one instant: they are copied in
 * the reverse of the order the node commits to them (plain files, query.db,
 * post.db or centre.db, then the audit log and the others), so the copy is
 * a state a crash of the node could leave. A MANIFEST names the node's kind and name, the
 * TIMS version, each database's schema version, each log's latest signed
 * size and root, and each file's SHA-256 and size.
 *
 * tims_backup_restore checks the MANIFEST against every file (a hash or size
 * that differs, a file missing or one too many: TIMS_ERR_TAMPER) and copies
 * the files into an empty directory. What the restored node holds is then
 * checked by the caller (src/cmd_backup.c runs the node's own verifications).
 *
 * The manifest is a checksum, not a signature: it catches a damaged or
 * altered copy, and one whose MANIFEST was altered too only through the
 * manifest's own SHA-256 (printed by the backup, to be written down apart
 * from it) and, for the logs, through the signed checkpoints the
 * verification recomputes.
 */
#ifndef TIMS_BACKUP_H
#define TIMS_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include "tims/err.h"

#define TIMS_BACKUP_FORMAT 1
#define TIMS_BACKUP_MANIFEST "MANIFEST"
#define TIMS_BACKUP_MAX_FILES 4096
#define TIMS_BACKUP_MAX_LOGS 1024
#define TIMS_BACKUP_PATH_MAX 255
#define TIMS_BACKUP_NAME_MAX 255
#define TIMS_BACKUP_MANIFEST_MAX ((size_t)1 << 20)

enum tims_backup_kind {
	TIMS_BACKUP_NONE = 0,
	TIMS_BACKUP_POST,
	TIMS_BACKUP_CENTRE,
	TIMS_BACKUP_WITNESS,
};

struct tims_backup_file {
	char path[TIMS_BACKUP_PATH_MAX + 1]; /* relative to the node's directory */
	uint64_t bytes;
	uint8_t sha256[32];
	int is_db;     /* copied through SQLite's backup API */
	int schema;    /* its PRAGMA user_version (is_db only) */
};

/* A log's latest signed checkpoint as the copied database holds it. */
struct tims_backup_log {
	char path[TIMS_BACKUP_PATH_MAX + 1]; /* the database holding it */
	uint64_t size;
	char root[64];                       /* base64 of the root, as in the note */
};

struct tims_backup_manifest {
	int format;
	enum tims_backup_kind kind;
	char name[TIMS_BACKUP_NAME_MAX + 1];
	char version[64];
	int64_t created;
	size_t nfiles, nlogs;
	struct tims_backup_file *files;  /* malloc'd */
	struct tims_backup_log *logs;    /* malloc'd */
};

void tims_backup_manifest_release(struct tims_backup_manifest *m);

const char *tims_backup_kind_name(enum tims_backup_kind k);

/* The kind of node directory `dir` holds (post.db, centre.db, witness.db)
 * and its name (a post's origin, the centre's or the witness's name). */
tims_rc tims_backup_detect(const char *dir, enum tims_backup_kind *kind, char *name,
			   size_t cap, struct tims_err *err);

/* One line of progress or finding, for the command to print. */
typedef void (*tims_backup_report_fn)(void *ctx, const char *line);

/*
 * Copy dir into out (which must not exist: made mode 0700, files 0600) and
 * write out/MANIFEST; its SHA-256 into manifest_sha256. *m receives the
 * manifest written (release it). On failure the partial copy is left for
 * the caller to see and is never mistaken for a backup: MANIFEST is written
 * last.
 */
tims_rc tims_backup_take(const char *dir, const char *out, tims_backup_report_fn report,
			 void *ctx, struct tims_backup_manifest *m, uint8_t manifest_sha256[32],
			 struct tims_err *err);

/*
 * Check the backup at `from` (its MANIFEST against every file; expect_sha256
 * if not NULL against the MANIFEST itself) and copy it into `to`, which must
 * not exist or be an empty directory. TIMS_ERR_TAMPER for a backup that does
 * not match its manifest, TIMS_ERR_STATE for a kind other than `want`
 * (TIMS_BACKUP_NONE: any), TIMS_ERR_EXISTS for a target that is not empty.
 * Nothing is written to `to` before the whole backup has been checked.
 */
tims_rc tims_backup_restore(const char *from, const char *to, enum tims_backup_kind want,
			    const uint8_t *expect_sha256, struct tims_backup_manifest *m,
			    tims_backup_report_fn report, void *ctx, struct tims_err *err);

/*
 * Checks of a restored node beside its own verification (lib/backup/verify.c):
 * every cosignature a post keeps (from the centre, witnesses) is over the
 * post's own checkpoint of that size (none of that size: the log was rolled
 * back below what was cosigned; another body: a fork); every log a witness
 * keeps has the size and root of the checkpoint it cosigned. One report line
 * per finding; TIMS_OK with *findings > 0 when something was found.
 */
tims_rc tims_backup_check_cosigned(const char *dir, tims_backup_report_fn fn, void *ctx,
				   uint64_t *checked, uint64_t *findings, struct tims_err *err);
tims_rc tims_backup_check_witness(const char *dir, tims_backup_report_fn fn, void *ctx,
				  uint64_t *checked, uint64_t *findings, struct tims_err *err);

/*
 * A restored post compared with its peers (lib/backup/online.c): the
 * centre it is enrolled with and each witness of witnesses.conf are asked
 * how much of its crossings and audit logs they have seen (nothing is
 * changed at them). A peer that has seen more than the backup holds, or
 * another tree of that size, is a finding: an old backup, which would fork
 * the log if served. A peer that cannot be asked counts in `unreachable`:
 * the caller decides (tims restore fails unless told --offline). One
 * report line per peer and log.
 */
struct tims_backup_online {
	long timeout_s;          /* in: a request's limit (0: 30 s) */
	uint64_t peers;          /* out: the centre and witnesses configured */
	uint64_t checked;        /* out: comparisons attempted (peer x log) */
	uint64_t findings;       /* out: a peer has seen more, or another tree */
	uint64_t unreachable;    /* out: a peer that did not answer usefully */
};
tims_rc tims_backup_check_online(const char *dir, tims_backup_report_fn fn, void *ctx,
				 struct tims_backup_online *res, struct tims_err *err);

/* The size of the audit log the node's own database (db_file: post.db,
 * centre.db) records as published (0 if none): an audit log restored
 * shorter than it is refused by the node when it starts. */
tims_rc tims_backup_audit_published(const char *dir, const char *db_file, uint64_t *size,
				    struct tims_err *err);

/* The MANIFEST text of m, and the parser of one (bounded: the fuzz target). */
tims_rc tims_backup_manifest_format(const struct tims_backup_manifest *m, char **out,
				    size_t *len, struct tims_err *err);
tims_rc tims_backup_manifest_parse(const char *text, size_t len, struct tims_backup_manifest *m,
				   struct tims_err *err);

#endif
