/*
 * schema.c — schema versions of SQLite databases (include/tims/schema.h).
 */
#include "tims/schema.h"

#include <stdio.h>

static tims_rc version(sqlite3 *db, const char *what, int *v, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc = TIMS_OK;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		rc = tims_err_set(err, TIMS_ERR_DB, "%s: schema version: %s", what, sqlite3_errmsg(db));
	else
		*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc;
}

tims_rc tims_schema_check(sqlite3 *db, const char *what, int current, int *found,
			  struct tims_err *err)
{
	tims_rc rc;
	int v = 0;

	if ((rc = version(db, what, &v, err)))
		return rc;
	if (found)
		*found = v;
	if (v > current || v < 0)
		return tims_err_set(err, TIMS_ERR_STATE,
				    "%s: schema version %d was made by a newer TIMS (this one knows "
				    "up to %d); run that TIMS, or restore a backup made with this one",
				    what, v, current);
	return TIMS_OK;
}

tims_rc tims_schema_begin(sqlite3 *db, const char *what, int current, int *found,
			  struct tims_err *err)
{
	tims_rc rc;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return tims_err_set(err, TIMS_ERR_DB, "%s: begin: %s", what, sqlite3_errmsg(db));
	if ((rc = tims_schema_check(db, what, current, found, err)))
		tims_schema_abort(db);
	return rc;
}

tims_rc tims_schema_set(sqlite3 *db, const char *what, int current, struct tims_err *err)
{
	char sql[48];
	int v = 0;
	tims_rc rc;

	if ((rc = version(db, what, &v, err)) || v == current)
		return rc;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", current);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return tims_err_set(err, TIMS_ERR_DB, "%s: schema version: %s", what,
				    sqlite3_errmsg(db));
	return TIMS_OK;
}

tims_rc tims_schema_commit(sqlite3 *db, const char *what, int current, struct tims_err *err)
{
	tims_rc rc;

	if ((rc = tims_schema_set(db, what, current, err))) {
		tims_schema_abort(db);
		return rc;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "%s: commit: %s", what, sqlite3_errmsg(db));
		tims_schema_abort(db);
	}
	return rc;
}

void tims_schema_abort(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}
