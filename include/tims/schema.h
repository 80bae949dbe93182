/*
 * schema.h — the schema version of a node's SQLite database, and the
 * migrations run when a database made by an older TIMS is opened.
 *
 * Every database records its version in PRAGMA user_version (0: made before
 * versions were recorded, release 460afaf and earlier). Opening one:
 *
 *   tims_schema_begin   BEGIN IMMEDIATE, read the version; a version newer
 *                       than this build knows is refused (TIMS_ERR_STATE,
 *                       "made by a newer TIMS"), before anything is written
 *   ... the store's own schema statements: CREATE ... IF NOT EXISTS and the
 *       columns added since, each step a no-op when already done ...
 *   tims_schema_commit  PRAGMA user_version = current, COMMIT
 *   tims_schema_abort   ROLLBACK (after a failed step: nothing half-done)
 *
 * so that the migration from any older version is one transaction.
 */
#ifndef TIMS_SCHEMA_H
#define TIMS_SCHEMA_H

#include <sqlite3.h>

#include "tims/err.h"

/* The versions this build writes. */
#define TIMS_SCHEMA_CENTRE 1    /* centre.db */
#define TIMS_SCHEMA_OFFICERS 2  /* node.db: officers, sessions, roster; 2: officers.lang */
#define TIMS_SCHEMA_WATCHLISTS 2 /* watchlists/watchlists.db (2: fp_main, fp_recent) */
#define TIMS_SCHEMA_RETENTION 1 /* retention.db */
#define TIMS_SCHEMA_BUNDLES 1   /* a post's bundles.db */
#define TIMS_SCHEMA_ALERTS 1    /* a post's alerts.db */
#define TIMS_SCHEMA_NATIONAL 1  /* a post's national.db (the national replica) */
#define TIMS_SCHEMA_KEYS 1      /* keys.db: the vault's wrapped data keys */
#define TIMS_SCHEMA_PRESCREEN 1 /* a post's prescreen.db (pre-screened arrivals) */

/* `what` names the database in messages (its path). *found: the version
 * read. On error no transaction is left open. */
tims_rc tims_schema_begin(sqlite3 *db, const char *what, int current, int *found,
			  struct tims_err *err);
tims_rc tims_schema_commit(sqlite3 *db, const char *what, int current, struct tims_err *err);
void tims_schema_abort(sqlite3 *db);

/* Only the check of tims_schema_begin, without a transaction (a store whose
 * opening changes the journal mode, which no transaction may do). */
tims_rc tims_schema_check(sqlite3 *db, const char *what, int current, int *found,
			  struct tims_err *err);
/* Only the version written (no transaction of its own). */
tims_rc tims_schema_set(sqlite3 *db, const char *what, int current, struct tims_err *err);

#endif
