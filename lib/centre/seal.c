/*
 * seal.c — personal data in centre.db's own tables (post events, export
 * requests) sealed under the centre's vault, as base64 text in the column
 * that held the clear text (docs/centre.md, "Personal data at rest").
 *
 * A sealed column's associated data names its row ("centre.TABLE/KEY"), so
 * a value moved to another row does not open. Sealing needs no token (the
 * vault's data key is made in the process); opening does.
 */
#include <sodium.h>

#include "tims/vault.h"
#include "internal.h"

/* base64 of "TV", the start of every sealed column ("TV1", or "TV0" in
 * the benchmark's build without encryption); clear values are JSON */
#define SEALED_PREFIX "VFY"

int centre_is_sealed(const char *text)
{
	return text && !strncmp(text, SEALED_PREFIX, 3);
}

tims_rc centre_seal_text(struct tims_centre *c, const char *ad, int64_t time_ms,
			 const char *text, struct tims_buf *out, struct tims_err *err)
{
	struct tims_buf blob = TIMS_BUF_INIT(strlen(text) + TIMS_VAULT_OVERHEAD + 16);
	size_t n;
	char *b64 = NULL;
	tims_rc rc;

	out->len = 0;
	if (!c->vault)
		return tims_err_set(err, TIMS_ERR_STATE, "centre: no vault");
	if ((rc = tims_vault_seal(c->vault, time_ms, ad, strlen(ad), text, strlen(text), &blob,
				  err)))
		goto out;
	n = sodium_base64_ENCODED_LEN(blob.len, sodium_base64_VARIANT_ORIGINAL);
	if (!(b64 = malloc(n))) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		goto out;
	}
	sodium_bin2base64(b64, n, (const unsigned char *)blob.buf, blob.len,
			  sodium_base64_VARIANT_ORIGINAL);
	if (tims_buf_add(out, b64, n - 1))
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
out:
	free(b64);
	tims_buf_release(&blob);
	return rc;
}

tims_rc centre_open_text(struct tims_centre *c, const char *ad, const char *text,
			 struct tims_buf *out, struct tims_err *err)
{
	size_t n = strlen(text), len = 0;
	unsigned char *bin;
	tims_rc rc;

	out->len = 0;
	if (!centre_is_sealed(text)) /* a value from before the vault */
		return tims_buf_add(out, text, n) ? tims_err_set(err, TIMS_ERR_NOMEM,
								 "out of memory") : TIMS_OK;
	if (!c->vault)
		return tims_err_set(err, TIMS_ERR_STATE, "centre: no vault");
	if (!(bin = malloc(n / 4 * 3 + 3)))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if (sodium_base642bin(bin, n / 4 * 3 + 3, text, n, NULL, &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(bin);
		return tims_err_set(err, TIMS_ERR_TAMPER, "%s: sealed value is not base64", ad);
	}
	rc = tims_vault_open_blob(c->vault, ad, strlen(ad), bin, len, out, err);
	free(bin);
	if (rc == TIMS_ERR_TAMPER || rc == TIMS_ERR_INVALID)
		return tims_err_set(err, TIMS_ERR_TAMPER, "%s: the sealed value does not open "
				    "(altered or moved)", ad);
	if (!rc && tims_buf_add(out, "", 0))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	return rc;
}

/*
 * Values a centre stored in clear before its vault, sealed now in one
 * transaction (post_events' append-only trigger set aside inside it), the
 * freed pages overwritten (secure_delete) and the file vacuumed.
 */
struct legacy {
	const char *select, *update, *what;
};

static tims_rc seal_rows(struct tims_centre *c, const struct legacy *l, int *sealed,
			 struct tims_err *err)
{
	struct tims_buf out = TIMS_BUF_INIT(1 << 24);
	sqlite3_stmt *sel = NULL, *upd = NULL;
	tims_rc rc = TIMS_OK;
	int s;

	if (sqlite3_prepare_v2(c->db, l->select, -1, &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c->db, l->update, -1, &upd, NULL) != SQLITE_OK) {
		rc = centre_db_err(c, l->what, err);
		goto out;
	}
	/* columns: rowid, AD, time, clear text */
	while ((s = sqlite3_step(sel)) == SQLITE_ROW) {
		const char *ad = (const char *)sqlite3_column_text(sel, 1);
		const char *text = (const char *)sqlite3_column_text(sel, 3);

		if (!ad || !text)
			continue;
		if ((rc = centre_seal_text(c, ad, sqlite3_column_int64(sel, 2), text, &out, err)))
			goto out;
		sqlite3_bind_int64(upd, 1, sqlite3_column_int64(sel, 0));
		sqlite3_bind_text(upd, 2, tims_buf_str(&out), (int)out.len, SQLITE_STATIC);
		if (sqlite3_step(upd) != SQLITE_DONE) {
			rc = centre_db_err(c, l->what, err);
			goto out;
		}
		sqlite3_reset(upd);
		(*sealed)++;
	}
	if (s != SQLITE_DONE)
		rc = centre_db_err(c, l->what, err);
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	tims_buf_release(&out);
	return rc;
}

tims_rc centre_seal_legacy(struct tims_centre *c, struct tims_err *err)
{
	static const struct legacy tables[] = {
		{ "SELECT id, 'centre.post_events/' || origin || '/' || seq, time_ms, event"
		  " FROM post_events WHERE event NOT LIKE '" SEALED_PREFIX "%'",
		  "UPDATE post_events SET event = ?2 WHERE id = ?1", "sealing post events" },
		{ "SELECT rowid, 'centre.exports/' || id, created_ms, params FROM exports"
		  " WHERE params NOT LIKE '" SEALED_PREFIX "%'",
		  "UPDATE exports SET params = ?2 WHERE rowid = ?1", "sealing export requests" },
	};
	sqlite3_stmt *st = NULL;
	int sealed = 0, has_exports = 0;
	tims_rc rc = TIMS_OK;

	if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM sqlite_master WHERE name = 'exports'", -1,
			       &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		has_exports = 1;
	sqlite3_finalize(st);
	st = NULL;
	/* the common case, nothing in clear: no write at all */
	if (sqlite3_prepare_v2(c->db, has_exports ?
			       "SELECT (SELECT count(*) FROM post_events WHERE event NOT LIKE '"
			       SEALED_PREFIX "%') + (SELECT count(*) FROM exports WHERE params"
			       " NOT LIKE '" SEALED_PREFIX "%')" :
			       "SELECT count(*) FROM post_events WHERE event NOT LIKE '"
			       SEALED_PREFIX "%'", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return centre_db_err(c, "looking for values in clear", err);
	}
	sealed = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (!sealed)
		return TIMS_OK;
	sealed = 0;
	if (sqlite3_exec(c->db, "BEGIN IMMEDIATE; DROP TRIGGER IF EXISTS post_events_no_update;",
			 NULL, NULL, NULL) != SQLITE_OK)
		return centre_db_err(c, "sealing post events", err);
	for (size_t i = 0; !rc && i < (has_exports ? 2u : 1u); i++)
		rc = seal_rows(c, &tables[i], &sealed, err);
	if (!rc && sqlite3_exec(c->db, "CREATE TRIGGER post_events_no_update BEFORE UPDATE ON"
				" post_events BEGIN SELECT RAISE(ABORT, 'post events are"
				" append-only'); END; COMMIT;", NULL, NULL, NULL) != SQLITE_OK)
		rc = centre_db_err(c, "sealing post events", err);
	if (rc) {
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	if (sealed && sqlite3_exec(c->db, "VACUUM; PRAGMA wal_checkpoint(TRUNCATE);", NULL, NULL,
				   NULL) != SQLITE_OK)
		return centre_db_err(c, "vacuum after sealing", err);
	return TIMS_OK;
}
