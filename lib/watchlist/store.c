/*
 * store.c — the watchlist store: one SQLite database per node
 * (DIR/watchlists.db) holding the lists and their entries with versions and
 * tombstones, and the loading of every active entry into the screening
 * index at start-up.
 *
 * One generic entries table (the validated fields as JSON, plus the
 * normalised identifiers as columns) keeps the three kinds of list under one
 * versioning scheme; the index never reads JSON at query time.
 *
 * A node's store (DIR/watchlists of a post or the centre) keeps the fields
 * sealed by the node's vault (wl_int.h): names, birth dates and document
 * numbers never sit in clear in watchlists.db. The index is built in memory
 * from them at start, which needs the token: without it loading fails
 * (TIMS_ERR_UNAVAILABLE) and the node screens nothing — it refuses checks
 * (fail closed). A store found with fields in clear is sealed in place when
 * opened with the token.
 */
#include <pthread.h>
#include <sodium.h>
#include <sys/stat.h>

#include "tims/util.h"
#include "wl_int.h"

static const char schema[] =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=FULL;"
	"PRAGMA foreign_keys=ON;"
	"CREATE TABLE IF NOT EXISTS lists ("
	"  id INTEGER PRIMARY KEY CHECK (id < 65536),"
	"  name TEXT NOT NULL UNIQUE,"
	"  kind TEXT NOT NULL CHECK (kind IN ('persons','documents','vehicles')),"
	"  version INTEGER NOT NULL DEFAULT 0,"
	"  threshold REAL,"
	"  updated TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
	"CREATE TABLE IF NOT EXISTS entries ("
	"  id INTEGER PRIMARY KEY,"
	"  list_id INTEGER NOT NULL REFERENCES lists(id),"
	"  ref TEXT NOT NULL,"
	"  data TEXT NOT NULL,"              /* sealed in a node's store */
	"  ident1 TEXT NOT NULL DEFAULT ''," /* sealed in a node's store */
	"  ident2 TEXT NOT NULL DEFAULT ''," /* sealed in a node's store */
	"  data_hash TEXT,"                  /* blind index of data */
	"  version INTEGER NOT NULL,"        /* the list version that last changed it */
	"  seen INTEGER NOT NULL,"           /* the last import that named it */
	"  deleted_version INTEGER,"         /* tombstone */
	"  UNIQUE (list_id, ref));"
	"CREATE INDEX IF NOT EXISTS entries_delta ON entries(list_id, version);"
	/* the removals of a delta (tims_wl_dump_since) without a scan of the
	 * list: the tombstones only */
	"CREATE INDEX IF NOT EXISTS entries_removed ON entries(list_id, deleted_version)"
	"  WHERE deleted_version IS NOT NULL;"
	/* The digest of each version, bound to the one before (tims_wl_digest). */
	"CREATE TABLE IF NOT EXISTS list_digests ("
	"  list_id INTEGER NOT NULL REFERENCES lists(id),"
	"  version INTEGER NOT NULL,"
	"  content BLOB NOT NULL,"
	"  digest BLOB NOT NULL,"
	"  prev BLOB NOT NULL,"
	"  PRIMARY KEY (list_id, version));"
	/* The multiset hash of each list's live entries (tims/lthash.h), kept
	 * in step with them by every write (tims__wl_writer). */
	"CREATE TABLE IF NOT EXISTS list_sums ("
	"  list_id INTEGER PRIMARY KEY REFERENCES lists(id),"
	"  count INTEGER NOT NULL,"           /* live entries */
	"  lanes BLOB NOT NULL,"
	"  removed INTEGER NOT NULL DEFAULT 0);" /* tombstones */
	/* Facts about the store: "clear" = 0 once no entry is in clear (a
	 * node's store need not look through every row at each open). */
	"CREATE TABLE IF NOT EXISTS store_state ("
	"  key TEXT PRIMARY KEY,"
	"  value INTEGER NOT NULL);"
	/* Who made each version, and how (tims_wl_change). */
	"CREATE TABLE IF NOT EXISTS list_changes ("
	"  list_id INTEGER NOT NULL REFERENCES lists(id),"
	"  version INTEGER NOT NULL,"
	"  action TEXT NOT NULL CHECK (action IN ('import','remove','bundle')),"
	"  actor TEXT NOT NULL,"
	"  count INTEGER NOT NULL,"
	"  ref TEXT NOT NULL DEFAULT '',"
	"  time_s INTEGER NOT NULL,"
	"  PRIMARY KEY (list_id, version));";

static const char *const kind_names[] = { NULL, "persons", "documents", "vehicles" };

const char *tims_wl_kind_name(enum tims_wl_kind k)
{
	return k >= TIMS_WL_PERSONS && k <= TIMS_WL_VEHICLES ? kind_names[k] : "?";
}

enum tims_wl_kind tims_wl_kind_parse(const char *s)
{
	for (int k = TIMS_WL_PERSONS; k <= TIMS_WL_VEHICLES; k++)
		if (s && !strcmp(s, kind_names[k]))
			return (enum tims_wl_kind)k;
	return 0;
}

tims_rc tims__wl_dberr(struct tims_wl *wl, struct tims_err *err, const char *what)
{
	return tims_err_set(err, TIMS_ERR_DB, "%s: %s", what, sqlite3_errmsg(wl->db));
}

/* ---- fields at rest ---- */

static void field_ad(char *ad, size_t cap, int64_t list_id, const char *ref, const char *field)
{
	snprintf(ad, cap, "watchlist.entries/%" PRId64 "/%s/%s", list_id, ref, field);
}

tims_rc tims__wl_seal_field(struct tims_wl *wl, int64_t list_id, const char *ref,
			    const char *field, const char *text, struct tims_buf *out,
			    struct tims_err *err)
{
	char ad[160];

	tims_buf_reset(out);
	if (!wl->vault)
		return tims_buf_addstr(out, text) ? tims_err_set(err, TIMS_ERR_TOOBIG,
								 "entry: too large") : TIMS_OK;
	field_ad(ad, sizeof(ad), list_id, ref, field);
	/* watchlist entries are not shredded by month: one epoch (time 0) */
	return tims_vault_seal(wl->vault, 0, ad, strlen(ad), text, strlen(text), out, err);
}

tims_rc tims__wl_open_field(struct tims_wl *wl, int64_t list_id, const char *ref,
			    const char *field, sqlite3_stmt *st, int col, struct tims_buf *out,
			    struct tims_err *err)
{
	const void *p = sqlite3_column_blob(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);
	char ad[160];
	tims_rc rc;

	tims_buf_reset(out);
	if (sqlite3_column_type(st, col) != SQLITE_BLOB) {
		/* clear text: a scratch store; in a node's store, refused */
		if (wl->vault)
			return tims_err_set(err, TIMS_ERR_TAMPER,
					    "watchlist entry %s: %s in clear in a sealed store", ref,
					    field);
		return tims_buf_add(out, p ? p : "", n) ? tims_err_set(err, TIMS_ERR_TOOBIG,
								       "entry: too large") : TIMS_OK;
	}
	if (!wl->vault)
		return tims_err_set(err, TIMS_ERR_UNAVAILABLE,
				    "watchlist entry %s: sealed, and this store has no vault", ref);
	field_ad(ad, sizeof(ad), list_id, ref, field);
	if ((rc = tims_vault_open_blob(wl->vault, ad, strlen(ad), p, n, out, err)))
		return rc;
	return TIMS_OK;
}

tims_rc tims__wl_data_hash(struct tims_wl *wl, const char *data,
			   char out[TIMS_VAULT_BLIND_HEX], struct tims_err *err)
{
	if (!wl->vault) {
		uint8_t h[TIMS_VAULT_BLIND_BYTES];

		crypto_generichash(h, sizeof(h), (const uint8_t *)data, strlen(data), NULL, 0);
		sodium_bin2hex(out, TIMS_VAULT_BLIND_HEX, h, sizeof(h));
		return TIMS_OK;
	}
	return tims_vault_blind_hex(wl->vault, "watchlist.data", data, strlen(data), out, err);
}

/* --- identifier fingerprints ------------------------------------------------ */

#define FP_FLIP 0x8000000000000000ull
#define FP_MARK "ident_fp v1" /* store_meta: every row's fingerprints are made */

uint64_t (*tims__wl_fp_test_hook)(enum tims_ident_kind kind, const char *norm);

/* The fingerprint key: the vault's blind key through a domain of its own
 * (the token must be reached); zeros in a scratch store, which is in clear. */
static tims_rc fp_key(struct tims_wl *wl, struct tims_err *err)
{
	uint8_t k[TIMS_VAULT_BLIND_BYTES];
	tims_rc rc;

	if (wl->fp_key_ok)
		return TIMS_OK;
	if (wl->vault) {
		if ((rc = tims_vault_blind(wl->vault, "watchlist.ident-fp", "key v1", 6, k, err)))
			return rc;
		memcpy(wl->fp_key, k, sizeof(wl->fp_key));
		sodium_memzero(k, sizeof(k));
	}
	wl->fp_key_ok = true;
	return TIMS_OK;
}

static tims_rc ident_fp(struct tims_wl *wl, enum tims_ident_kind kind, const char *norm,
			uint64_t *fp, struct tims_err *err)
{
	tims_rc rc;

	*fp = 0;
	if (!norm || !*norm)
		return TIMS_OK;
	if (tims__wl_fp_test_hook) {
		*fp = tims__wl_fp_test_hook(kind, norm);
		return TIMS_OK;
	}
	if ((rc = fp_key(wl, err)))
		return rc;
	*fp = tims_screen_ident_fp(wl->fp_key, kind, norm);
	return TIMS_OK;
}

tims_rc tims__wl_ident_fps(struct tims_wl *wl, enum tims_wl_kind kind, const char *ident1,
			   const char *ident2, uint64_t *fp1, uint64_t *fp2,
			   struct tims_err *err)
{
	tims_rc rc;

	*fp1 = *fp2 = 0;
	if (kind == TIMS_WL_DOCUMENTS)
		return ident_fp(wl, TIMS_IDENT_DOCUMENT, ident1, fp1, err);
	if (kind == TIMS_WL_VEHICLES && !(rc = ident_fp(wl, TIMS_IDENT_PLATE, ident1, fp1, err)))
		rc = ident_fp(wl, TIMS_IDENT_VIN, ident2, fp2, err);
	else
		rc = kind == TIMS_WL_VEHICLES ? rc : TIMS_OK;
	return rc;
}

tims_rc tims__wl_row_fps(struct tims_wl *wl, int64_t list_id, const struct tims__wl_row *row,
			 uint64_t *fp1, uint64_t *fp2, struct tims_err *err)
{
	sqlite3_stmt *st;
	int r;

	*fp1 = *fp2 = 0;
	if (wl->fp_list_id != list_id || !wl->fp_list_kind) {
		if (sqlite3_prepare_v2(wl->db, "SELECT kind FROM lists WHERE id = ?1", -1, &st,
				       NULL) != SQLITE_OK)
			return tims__wl_dberr(wl, err, "lists");
		sqlite3_bind_int64(st, 1, list_id);
		r = sqlite3_step(st);
		wl->fp_list_kind = r == SQLITE_ROW ?
			tims_wl_kind_parse((const char *)sqlite3_column_text(st, 0)) : 0;
		sqlite3_finalize(st);
		if (!wl->fp_list_kind)
			return r == SQLITE_ROW || r == SQLITE_DONE ?
			       tims_err_set(err, TIMS_ERR_NOTFOUND, "list %lld: no such list",
					    (long long)list_id) : tims__wl_dberr(wl, err, "lists");
		wl->fp_list_id = list_id;
	}
	return tims__wl_ident_fps(wl, wl->fp_list_kind, row->ident1, row->ident2, fp1, fp2, err);
}

void tims__wl_bind_fp(sqlite3_stmt *st, int i, uint64_t fp)
{
	if (fp)
		sqlite3_bind_int64(st, i, (sqlite3_int64)(fp ^ FP_FLIP));
	else
		sqlite3_bind_null(st, i);
}

static uint64_t column_fp(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return 0;
	return (uint64_t)sqlite3_column_int64(st, col) ^ FP_FLIP;
}

tims_rc tims_wl_ident_fp(struct tims_wl *wl, enum tims_ident_kind kind, const char *norm,
			 uint64_t *fp, struct tims_err *err)
{
	return ident_fp(wl, kind, norm, fp, err);
}

static int fp_marked(struct tims_wl *wl)
{
	sqlite3_stmt *st;
	int r = -1;

	if (sqlite3_prepare_v2(wl->db, "SELECT count(*) FROM store_meta WHERE key = 'ident_fp'"
			       " AND value = '" FP_MARK "'", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		r = sqlite3_column_int(st, 0) > 0;
	sqlite3_finalize(st);
	return r;
}

/* The columns and indexes of a store made before fingerprints. */
static tims_rc fp_schema(struct tims_wl *wl, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	int has = 0;

	if (sqlite3_prepare_v2(wl->db, "SELECT count(*) FROM pragma_table_info('entries')"
			       " WHERE name = 'fp1'", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		has = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (!has && sqlite3_exec(wl->db, "ALTER TABLE entries ADD COLUMN fp1 INTEGER;"
				 "ALTER TABLE entries ADD COLUMN fp2 INTEGER;", NULL, NULL,
				 NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "adding fingerprint columns");
	if (sqlite3_exec(wl->db,
			 "CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY,"
			 " value TEXT NOT NULL);"
			 "CREATE INDEX IF NOT EXISTS entries_fp1 ON entries(fp1)"
			 " WHERE deleted_version IS NULL AND fp1 IS NOT NULL;"
			 "CREATE INDEX IF NOT EXISTS entries_fp2 ON entries(fp2)"
			 " WHERE deleted_version IS NULL AND fp2 IS NOT NULL;", NULL, NULL,
			 NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "fingerprint indexes");
	return TIMS_OK;
}

/* Fingerprints for every entry of a store that has none yet (made before
 * them, or sealed in place since: the key changed). Needs the token for a
 * sealed store; without it, left for a later open (loading refuses). */
static tims_rc fp_fill(struct tims_wl *wl, struct tims_err *err)
{
	struct tims_buf a = TIMS_BUF_INIT(4096), b = TIMS_BUF_INIT(4096);
	sqlite3_stmt *sel = NULL, *upd = NULL;
	tims_rc rc = TIMS_OK;
	int r;

	if (fp_marked(wl) == 1)
		return TIMS_OK;
	if (wl->vault && tims_vault_state(wl->vault) != TIMS_VAULT_OPEN)
		return TIMS_OK;
	if (sqlite3_exec(wl->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "fingerprints");
	if (fp_marked(wl) == 1) { /* another process did it meanwhile */
		sqlite3_exec(wl->db, "COMMIT", NULL, NULL, NULL);
		return TIMS_OK;
	}
	if (sqlite3_prepare_v2(wl->db, "SELECT e.id, e.list_id, e.ref, l.kind, e.ident1, e.ident2"
			       " FROM entries e JOIN lists l ON l.id = e.list_id"
			       " WHERE l.kind IN ('documents', 'vehicles')", -1, &sel,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(wl->db, "UPDATE entries SET fp1 = ?2, fp2 = ?3 WHERE id = ?1", -1,
			       &upd, NULL) != SQLITE_OK) {
		rc = tims__wl_dberr(wl, err, "fingerprints");
		goto out;
	}
	while (!rc && (r = sqlite3_step(sel)) == SQLITE_ROW) {
		int64_t list = sqlite3_column_int64(sel, 1);
		const char *ref = (const char *)sqlite3_column_text(sel, 2);
		enum tims_wl_kind k = tims_wl_kind_parse((const char *)sqlite3_column_text(sel, 3));
		uint64_t f1, f2;

		if ((rc = tims__wl_open_field(wl, list, ref, "ident1", sel, 4, &a, err)) ||
		    (rc = tims__wl_open_field(wl, list, ref, "ident2", sel, 5, &b, err)) ||
		    (rc = tims__wl_ident_fps(wl, k, tims_buf_str(&a), tims_buf_str(&b), &f1, &f2,
					     err)))
			break;
		sqlite3_reset(upd);
		sqlite3_bind_int64(upd, 1, sqlite3_column_int64(sel, 0));
		tims__wl_bind_fp(upd, 2, f1);
		tims__wl_bind_fp(upd, 3, f2);
		if (sqlite3_step(upd) != SQLITE_DONE)
			rc = tims__wl_dberr(wl, err, "fingerprints");
	}
	if (!rc && r != SQLITE_DONE)
		rc = tims__wl_dberr(wl, err, "fingerprints");
	if (!rc && sqlite3_exec(wl->db, "INSERT OR REPLACE INTO store_meta (key, value)"
				" VALUES ('ident_fp', '" FP_MARK "')", NULL, NULL, NULL) != SQLITE_OK)
		rc = tims__wl_dberr(wl, err, "fingerprints");
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	if (!rc && sqlite3_exec(wl->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = tims__wl_dberr(wl, err, "fingerprints");
	if (rc)
		sqlite3_exec(wl->db, "ROLLBACK", NULL, NULL, NULL);
	if (a.buf)
		sodium_memzero(a.buf, a.alloc);
	if (b.buf)
		sodium_memzero(b.buf, b.alloc);
	tims_buf_release(&a);
	tims_buf_release(&b);
	return rc;
}

/* Seal, in place, the fields of entries stored in clear (a store from
 * before sealing, or a scratch store moved under a node). */
static tims_rc seal_in_place(struct tims_wl *wl, struct tims_err *err)
{
	struct tims_buf d = TIMS_BUF_INIT(1 << 20), i1 = TIMS_BUF_INIT(4096),
			i2 = TIMS_BUF_INIT(4096);
	sqlite3_stmt *sel = NULL, *upd = NULL;
	char hash[TIMS_VAULT_BLIND_HEX];
	tims_rc rc = TIMS_OK;
	int r, n = 0;

	if (sqlite3_prepare_v2(wl->db, "SELECT id, list_id, ref, data, ident1, ident2 FROM entries"
			       " WHERE typeof(data) = 'text'", -1, &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(wl->db, "UPDATE entries SET data = ?2, ident1 = ?3, ident2 = ?4,"
			       " data_hash = ?5 WHERE id = ?1", -1, &upd, NULL) != SQLITE_OK ||
	    sqlite3_exec(wl->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		rc = tims__wl_dberr(wl, err, "sealing entries");
		goto out;
	}
	while (!rc && (r = sqlite3_step(sel)) == SQLITE_ROW) {
		int64_t list = sqlite3_column_int64(sel, 1);
		const char *ref = (const char *)sqlite3_column_text(sel, 2);
		const char *data = (const char *)sqlite3_column_text(sel, 3);
		const char *a = (const char *)sqlite3_column_text(sel, 4);
		const char *b = (const char *)sqlite3_column_text(sel, 5);

		if ((rc = tims__wl_data_hash(wl, data ? data : "", hash, err)) ||
		    (rc = tims__wl_seal_field(wl, list, ref, "data", data ? data : "", &d, err)) ||
		    (rc = tims__wl_seal_field(wl, list, ref, "ident1", a ? a : "", &i1, err)) ||
		    (rc = tims__wl_seal_field(wl, list, ref, "ident2", b ? b : "", &i2, err)))
			break;
		sqlite3_reset(upd);
		sqlite3_bind_int64(upd, 1, sqlite3_column_int64(sel, 0));
		sqlite3_bind_blob(upd, 2, d.buf, (int)d.len, SQLITE_STATIC);
		sqlite3_bind_blob(upd, 3, i1.buf, (int)i1.len, SQLITE_STATIC);
		sqlite3_bind_blob(upd, 4, i2.buf, (int)i2.len, SQLITE_STATIC);
		sqlite3_bind_text(upd, 5, hash, -1, SQLITE_STATIC);
		if (sqlite3_step(upd) != SQLITE_DONE)
			rc = tims__wl_dberr(wl, err, "sealing entries");
		n++;
	}
	/* the fingerprints were made under the scratch key: made again */
	if (!rc && n > 0 && sqlite3_exec(wl->db, "DELETE FROM store_meta WHERE key = 'ident_fp'",
					 NULL, NULL, NULL) != SQLITE_OK)
		rc = tims__wl_dberr(wl, err, "sealing entries");
	if (!rc && sqlite3_exec(wl->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = tims__wl_dberr(wl, err, "sealing entries");
	if (rc)
		sqlite3_exec(wl->db, "ROLLBACK", NULL, NULL, NULL);
	/* the clear rows may linger in free pages and the WAL */
	if (!rc && n > 0 &&
	    sqlite3_exec(wl->db, "PRAGMA wal_checkpoint(TRUNCATE); VACUUM;"
			 " PRAGMA wal_checkpoint(TRUNCATE);", NULL, NULL, NULL) != SQLITE_OK)
		rc = tims__wl_dberr(wl, err, "vacuum after sealing");
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	tims_buf_release(&d);
	tims_buf_release(&i1);
	tims_buf_release(&i2);
	return rc;
}

/* The vault of the node whose store this is: DIR itself, or DIR/.. (the
 * node's watchlists/ directory). None: a scratch store, kept in clear. */
static tims_rc attach_vault(struct tims_wl *wl, const char *dir, struct tims_err *err)
{
	char path[4300], node[4200];
	sqlite3_stmt *st = NULL;
	int has_hash = 0, clear = 0;
	tims_rc rc;

	/* a store made before data_hash: add the column */
	if (sqlite3_prepare_v2(wl->db, "SELECT count(*) FROM pragma_table_info('entries')"
			       " WHERE name = 'data_hash'", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		has_hash = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (!has_hash &&
	    sqlite3_exec(wl->db, "ALTER TABLE entries ADD COLUMN data_hash TEXT", NULL, NULL, NULL) !=
		    SQLITE_OK)
		return tims__wl_dberr(wl, err, "adding data_hash");

	snprintf(node, sizeof(node), "%s", dir);
	snprintf(path, sizeof(path), "%s/vault.conf", node);
	if (access(path, F_OK) != 0) {
		snprintf(node, sizeof(node), "%s/..", dir);
		snprintf(path, sizeof(path), "%s/vault.conf", node);
		if (access(path, F_OK) != 0)
			return TIMS_OK;
	}
	if ((rc = tims_vault_open(node, &wl->vault, err)))
		return rc;
	if (sqlite3_exec(wl->db, "PRAGMA secure_delete=ON", NULL, NULL, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "secure_delete");
	/* every row looked at only when the store does not say it holds
	 * none in clear (100 M rows: a minute at each open otherwise) */
	if (sqlite3_prepare_v2(wl->db, "SELECT coalesce((SELECT value FROM store_state WHERE"
			       " key = 'clear'), 1)", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		clear = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (clear && sqlite3_prepare_v2(wl->db, "SELECT EXISTS (SELECT 1 FROM entries WHERE"
					" typeof(data) = 'text')", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		clear = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (clear && tims_vault_state(wl->vault) == TIMS_VAULT_OPEN &&
	    (rc = seal_in_place(wl, err)))
		return rc;
	if (!clear || tims_vault_state(wl->vault) == TIMS_VAULT_OPEN)
		sqlite3_exec(wl->db, "INSERT OR REPLACE INTO store_state (key, value)"
			     " VALUES ('clear', 0)", NULL, NULL, NULL);
	return TIMS_OK;
}

static tims_rc sums_missing(struct tims_wl *wl, struct tims_err *err);

tims_rc tims_wl_open(const char *dir, bool create, struct tims_wl **out,
		     struct tims_err *err)
{
	char path[4096];
	struct tims_wl *wl;
	char *msg = NULL;
	tims_rc rc2;
	int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);

	*out = NULL;
	if (!dir || !*dir)
		return tims_err_set(err, TIMS_ERR_USAGE, "store: no directory given");
	if (create && mkdir(dir, 0700) < 0 && errno != EEXIST)
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", dir, strerror(errno));
	if (snprintf(path, sizeof(path), "%s/watchlists.db", dir) >= (int)sizeof(path))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "store: path too long");
	if (!create && access(path, F_OK) < 0)
		return tims_err_set(err, TIMS_ERR_NOTFOUND,
				    "%s: no watchlist store (import a list first)", path);
	if (create && tims_file_private(path, err)) /* 0600, and its WAL */
		return TIMS_ERR_IO;
	wl = calloc(1, sizeof(*wl));
	if (!wl)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if (sqlite3_open_v2(path, &wl->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		tims_rc rc = tims_err_set(err, TIMS_ERR_DB, "%s: %s", path,
					  wl->db ? sqlite3_errmsg(wl->db) : "cannot open");
		sqlite3_close(wl->db);
		free(wl);
		return rc;
	}
	sqlite3_busy_timeout(wl->db, 10000);
	if (sqlite3_exec(wl->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
		tims_rc rc = tims_err_set(err, TIMS_ERR_DB, "%s: %s", path,
					  msg ? msg : "schema");
		sqlite3_free(msg);
		sqlite3_close(wl->db);
		free(wl);
		return rc;
	}
	if ((rc2 = fp_schema(wl, err)) || (rc2 = attach_vault(wl, dir, err)) ||
	    (rc2 = fp_fill(wl, err)) || (rc2 = sums_missing(wl, err))) {
		tims_wl_close(wl);
		return rc2;
	}
	*out = wl;
	return TIMS_OK;
}

void tims_wl_close(struct tims_wl *wl)
{
	if (wl)
		tims_vault_close(wl->vault);
	if (!wl)
		return;
	sqlite3_close(wl->db);
	free(wl);
}

tims_rc tims__wl_find_list(struct tims_wl *wl, const char *name, int64_t *id,
			   enum tims_wl_kind *kind, uint64_t *version,
			   struct tims_err *err)
{
	sqlite3_stmt *st;
	tims_rc rc = TIMS_OK;
	int r;

	if (sqlite3_prepare_v2(wl->db, "SELECT id, kind, version FROM lists WHERE name = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "lists");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		if (kind)
			*kind = tims_wl_kind_parse((const char *)sqlite3_column_text(st, 1));
		if (version)
			*version = (uint64_t)sqlite3_column_int64(st, 2);
	} else if (r == SQLITE_DONE) {
		rc = tims_err_set(err, TIMS_ERR_NOTFOUND, "list '%s': no such list", name);
	} else {
		rc = tims__wl_dberr(wl, err, "lists");
	}
	sqlite3_finalize(st);
	return rc;
}

static tims_rc lists_query(struct tims_wl *wl, bool counts, struct tims_wl_list_info **out,
			   size_t *n, struct tims_err *err);

tims_rc tims_wl_lists(struct tims_wl *wl, struct tims_wl_list_info **out,
		      size_t *n, struct tims_err *err)
{
	return lists_query(wl, true, out, n, err);
}

tims_rc tims_wl_lists_brief(struct tims_wl *wl, struct tims_wl_list_info **out,
			    size_t *n, struct tims_err *err)
{
	return lists_query(wl, false, out, n, err);
}

static tims_rc lists_query(struct tims_wl *wl, bool counts, struct tims_wl_list_info **out,
			   size_t *n, struct tims_err *err)
{
	const char *q = counts ?
		/* the counts kept with the sums (tims__wl_writer), counted
		 * only for a list without one yet */
		"SELECT l.id, l.name, l.kind, l.version, l.threshold,"
		" CASE WHEN s.list_id IS NULL THEN (SELECT count(*) FROM entries e WHERE"
		"  e.list_id = l.id AND e.deleted_version IS NULL) ELSE s.count END,"
		" CASE WHEN s.list_id IS NULL THEN (SELECT count(*) FROM entries e WHERE"
		"  e.list_id = l.id AND e.deleted_version IS NOT NULL) ELSE s.removed END,"
		" CAST(strftime('%s', l.updated) AS INTEGER)"
		" FROM lists l LEFT JOIN list_sums s ON s.list_id = l.id ORDER BY l.name" :
		"SELECT l.id, l.name, l.kind, l.version, l.threshold, 0, 0,"
		" CAST(strftime('%s', l.updated) AS INTEGER)"
		" FROM lists l ORDER BY l.name";
	struct tims_wl_list_info *v = NULL;
	size_t cnt = 0, cap = 0;
	sqlite3_stmt *st;
	int r;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(wl->db, q, -1, &st, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "lists");
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		struct tims_wl_list_info *x;

		if (cnt == cap) {
			struct tims_wl_list_info *nv;

			cap = cap ? 2 * cap : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				sqlite3_finalize(st);
				return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
			}
			v = nv;
		}
		x = &v[cnt++];
		x->id = (uint16_t)sqlite3_column_int(st, 0);
		snprintf(x->name, sizeof(x->name), "%s", (const char *)sqlite3_column_text(st, 1));
		x->kind = tims_wl_kind_parse((const char *)sqlite3_column_text(st, 2));
		x->version = (uint64_t)sqlite3_column_int64(st, 3);
		x->threshold = sqlite3_column_type(st, 4) == SQLITE_NULL ?
			       TIMS_SCREEN_THRESHOLD : sqlite3_column_double(st, 4);
		x->updated_s = sqlite3_column_int64(st, 7);
		x->active = (size_t)sqlite3_column_int64(st, 5);
		x->removed = (size_t)sqlite3_column_int64(st, 6);
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE) {
		free(v);
		return tims__wl_dberr(wl, err, "lists");
	}
	*out = v;
	*n = cnt;
	return TIMS_OK;
}

tims_rc tims_wl_remove(struct tims_wl *wl, const char *list, const char *ref,
		       size_t *removed, uint64_t *version, struct tims_err *err)
{
	struct tims__wl_writer w;
	sqlite3_stmt *st = NULL;
	int64_t id;
	uint64_t v;
	tims_rc rc;
	size_t changes = 0;

	*removed = 0;
	if ((rc = tims__wl_find_list(wl, list, &id, NULL, &v, err)))
		return rc;
	if (sqlite3_exec(wl->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "begin");
	if ((rc = tims__wl_writer_begin(wl, id, &w, err))) {
		sqlite3_exec(wl->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	v++;
	if (ref) {
		if (!(rc = tims__wl_writer_del(&w, ref, v, err)))
			changes = 1;
		else if (rc == TIMS_ERR_NOTFOUND)
			tims_err_set(err, rc, "list '%s': no active entry '%s'", list, ref);
	} else {
		rc = tims__wl_writer_clear(&w, v, &changes, err);
	}
	if (rc || changes == 0) {
		tims__wl_writer_end(&w, false, NULL);
		sqlite3_exec(wl->db, "ROLLBACK", NULL, NULL, NULL);
		*version = v - 1;
		return rc;
	}
	if (sqlite3_prepare_v2(wl->db, "UPDATE lists SET version = ?1,"
			       " updated = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?2",
			       -1, &st, NULL) != SQLITE_OK)
		goto db;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)v);
	sqlite3_bind_int64(st, 2, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto db;
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = tims__wl_record_change(wl, id, v, "remove", (uint64_t)changes, ref, err)) ||
	    (rc = tims__wl_writer_end(&w, true, err))) {
		sqlite3_exec(wl->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	if (sqlite3_exec(wl->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		rc = tims__wl_dberr(wl, err, "remove");
		sqlite3_exec(wl->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	*removed = changes;
	*version = v;
	{
		struct tims_wl_digest d;

		/* the new version's digest now, while the store holds it (a
		 * failure here is made good by the next tims_wl_digest) */
		tims_wl_digest(wl, list, &d, NULL);
	}
	return TIMS_OK;
db:
	rc = tims__wl_dberr(wl, err, "remove");
	sqlite3_finalize(st);
	tims__wl_writer_end(&w, false, NULL);
	sqlite3_exec(wl->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* Append {"list","kind","ref","version", ...data} for the current row. */
static tims_rc row_json(struct tims_wl *wl, sqlite3_stmt *st, struct tims_buf *out,
		       struct tims_err *err)
{
	struct tims_buf text = TIMS_BUF_INIT(1 << 20);
	json_t *o, *data;
	json_error_t je;
	char *s;
	tims_rc rc;

	if ((rc = tims__wl_open_field(wl, sqlite3_column_int64(st, 6),
				      (const char *)sqlite3_column_text(st, 2), "data", st, 3, &text,
				      err)))
		return rc;
	o = json_object();
	data = json_loadb(text.buf ? text.buf : "", text.len, 0, &je);
	if (text.buf)
		sodium_memzero(text.buf, text.alloc);
	tims_buf_release(&text);
	if (!o || !data) {
		json_decref(o);
		json_decref(data);
		return tims_err_set(err, TIMS_ERR_TAMPER, "entry %lld: stored data is not JSON",
				    (long long)sqlite3_column_int64(st, 5));
	}
	json_object_set_new(o, "list", json_string((const char *)sqlite3_column_text(st, 0)));
	json_object_set_new(o, "kind", json_string((const char *)sqlite3_column_text(st, 1)));
	json_object_set_new(o, "ref", json_string((const char *)sqlite3_column_text(st, 2)));
	json_object_set_new(o, "version", json_integer(sqlite3_column_int64(st, 4)));
	json_object_update(o, data);
	json_decref(data);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	rc = tims_buf_addstr(out, s);
	sodium_memzero(s, strlen(s));
	free(s);
	return rc ? tims_err_set(err, rc, "entry: output too large") : TIMS_OK;
}

tims_rc tims_wl_dump(struct tims_wl *wl, const char *list, struct tims_buf *out,
		     struct tims_err *err)
{
	sqlite3_stmt *st;
	tims_rc rc;
	int64_t id;
	int r = SQLITE_DONE;

	if ((rc = tims__wl_find_list(wl, list, &id, NULL, NULL, err)))
		return rc;
	if (sqlite3_prepare_v2(wl->db,
			       "SELECT l.name, l.kind, e.ref, e.data, e.version, e.id, e.list_id FROM entries e"
			       " JOIN lists l ON l.id = e.list_id WHERE l.name = ?"
			       " AND e.deleted_version IS NULL ORDER BY e.ref", -1, &st, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "entries");
	sqlite3_bind_text(st, 1, list, -1, SQLITE_STATIC);
	while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW)
		if (!(rc = row_json(wl, st, out, err)) && (rc = tims_buf_addch(out, '\n')))
			tims_err_set(err, rc, "entries: output too large");
	if (!rc && r != SQLITE_DONE)
		rc = tims__wl_dberr(wl, err, "entries");
	sqlite3_finalize(st);
	return rc;
}

tims_rc tims_wl_dump_since(struct tims_wl *wl, const char *list, uint64_t since,
			   struct tims_buf *out, struct tims_err *err)
{
	sqlite3_stmt *st;
	tims_rc rc;
	int64_t id;
	int r = SQLITE_DONE;

	if (since == 0 || since > INT64_MAX)
		return tims_err_set(err, TIMS_ERR_USAGE, "since: want a version > 0");
	if ((rc = tims__wl_find_list(wl, list, &id, NULL, NULL, err)))
		return rc;
	if (sqlite3_prepare_v2(wl->db,
			       "SELECT l.name, l.kind, e.ref, e.data, e.version, e.id, e.list_id FROM entries e"
			       " JOIN lists l ON l.id = e.list_id WHERE e.list_id = ?1"
			       " AND e.deleted_version IS NULL AND e.version > ?2 ORDER BY e.ref",
			       -1, &st, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "entries");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)since);
	while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW)
		if (!(rc = row_json(wl, st, out, err)) && (rc = tims_buf_addch(out, '\n')))
			tims_err_set(err, rc, "entries: output too large");
	if (!rc && r != SQLITE_DONE)
		rc = tims__wl_dberr(wl, err, "entries");
	sqlite3_finalize(st);
	if (rc)
		return rc;
	if (sqlite3_prepare_v2(wl->db, "SELECT ref FROM entries WHERE list_id = ?1"
			       " AND deleted_version > ?2 ORDER BY ref", -1, &st, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "entries");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)since);
	while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = json_pack("{s:s, s:b}", "ref", sqlite3_column_text(st, 0),
				      "removed", 1);
		char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

		if (!line || tims_buf_addstr(out, line) || tims_buf_addch(out, '\n'))
			rc = tims_err_set(err, TIMS_ERR_TOOBIG, "entries: output too large");
		free(line);
		json_decref(o);
	}
	if (!rc && r != SQLITE_DONE)
		rc = tims__wl_dberr(wl, err, "entries");
	sqlite3_finalize(st);
	return rc;
}

tims_rc tims_wl_describe(struct tims_wl *wl, uint32_t rowid, struct tims_buf *out,
			 struct tims_err *err)
{
	sqlite3_stmt *st;
	tims_rc rc;
	int r;

	if (sqlite3_prepare_v2(wl->db,
			       "SELECT l.name, l.kind, e.ref, e.data, e.version, e.id, e.list_id FROM entries e"
			       " JOIN lists l ON l.id = e.list_id WHERE e.id = ?", -1, &st, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "entries");
	sqlite3_bind_int64(st, 1, rowid);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		rc = row_json(wl, st, out, err);
	else if (r == SQLITE_DONE)
		rc = tims_err_set(err, TIMS_ERR_NOTFOUND, "entry %u: not found", rowid);
	else
		rc = tims__wl_dberr(wl, err, "entries");
	sqlite3_finalize(st);
	return rc;
}

tims_rc tims_wl_ident(struct tims_wl *wl, uint32_t rowid, enum tims_ident_kind kind,
		      char out[TIMS_IDENT_MAX + 1], struct tims_err *err)
{
	sqlite3_stmt *st;
	tims_rc rc = TIMS_OK;
	int r;

	out[0] = '\0';
	if (sqlite3_prepare_v2(wl->db, "SELECT ident1, ident2, list_id, ref FROM entries WHERE id = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "entries");
	sqlite3_bind_int64(st, 1, rowid);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		struct tims_buf v = TIMS_BUF_INIT(TIMS_IDENT_MAX + 1);
		int vin = kind == TIMS_IDENT_VIN;

		if (!(rc = tims__wl_open_field(wl, sqlite3_column_int64(st, 2),
					       (const char *)sqlite3_column_text(st, 3),
					       vin ? "ident2" : "ident1", st, vin ? 1 : 0, &v, err))) {
			snprintf(out, TIMS_IDENT_MAX + 1, "%s", tims_buf_str(&v));
			if (!out[0])
				rc = tims_err_set(err, TIMS_ERR_NOTFOUND, "entry %u: no identifier",
						  rowid);
		}
		tims_buf_release(&v);
	} else {
		rc = r == SQLITE_DONE ? tims_err_set(err, TIMS_ERR_NOTFOUND, "entry %u: not found", rowid)
				      : tims__wl_dberr(wl, err, "entries");
	}
	sqlite3_finalize(st);
	return rc;
}

/* The names of a person entry (name and aliases) into the index. */
static tims_rc index_person(struct tims_screen_index *ix, uint16_t list, uint32_t row,
			    const char *data, struct tims_err *err)
{
	json_error_t je;
	json_t *o = json_loads(data, 0, &je), *al;
	struct tims_subject s;
	struct tims_name *n = malloc(sizeof(*n));
	uint32_t idx;
	tims_rc rc = TIMS_OK;
	const char *v;
	size_t i;

	memset(&s, 0, sizeof(s));
	if (!o || !n) {
		rc = tims_err_set(err, o ? TIMS_ERR_NOMEM : TIMS_ERR_TAMPER,
				  "entry %u: stored data unreadable", row);
		goto done;
	}
	if ((v = json_string_value(json_object_get(o, "dob"))))
		tims_pdate_parse(v, &s.dob, "dob", NULL);
	if ((v = json_string_value(json_object_get(o, "nationality"))))
		tims_subject_set_nationality(&s, v, "nationality", NULL);
	if ((v = json_string_value(json_object_get(o, "sex"))))
		tims_subject_set_sex(&s, v, "sex", NULL);
	if ((rc = tims_screen_index_add_person(ix, list, row, &s, &idx))) {
		tims_err_set(err, rc, "index: person %u", row);
		goto done;
	}
	v = json_string_value(json_object_get(o, "name"));
	if (v && tims_name_parse(v, strlen(v), "name", n, NULL) == TIMS_OK &&
	    (rc = tims_screen_index_add_name(ix, idx, n)))
		goto done;
	al = json_object_get(o, "aliases");
	for (i = 0; json_is_array(al) && i < json_array_size(al); i++) {
		v = json_string_value(json_array_get(al, i));
		if (v && tims_name_parse(v, strlen(v), "alias", n, NULL) == TIMS_OK &&
		    (rc = tims_screen_index_add_name(ix, idx, n)))
			goto done;
	}
done:
	if (rc && err && !err->msg[0])
		tims_err_set(err, rc, "index: entry %u", row);
	json_decref(o);
	free(n);
	return rc;
}

/* The fingerprints of live entries, in order: fp1 and fp2 (VINs) merged. */
static tims_rc load_idents(sqlite3 *db, struct tims_screen_index *ix, struct tims_err *err)
{
	sqlite3_stmt *s1 = NULL, *s2 = NULL;
	uint64_t a = 0, b = 0;
	bool ha, hb;
	tims_rc rc = TIMS_OK;
	int r1, r2;

	if (sqlite3_prepare_v2(db, "SELECT fp1 FROM entries INDEXED BY entries_fp1"
			       " WHERE deleted_version IS NULL AND fp1 IS NOT NULL ORDER BY fp1",
			       -1, &s1, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT fp2 FROM entries INDEXED BY entries_fp2"
			       " WHERE deleted_version IS NULL AND fp2 IS NOT NULL ORDER BY fp2",
			       -1, &s2, NULL) != SQLITE_OK) {
		rc = tims_err_set(err, TIMS_ERR_DB, "entries: %s", sqlite3_errmsg(db));
		goto out;
	}
	r1 = sqlite3_step(s1);
	r2 = sqlite3_step(s2);
	for (;;) {
		ha = r1 == SQLITE_ROW;
		hb = r2 == SQLITE_ROW;
		if (!ha && !hb)
			break;
		if (ha)
			a = column_fp(s1, 0);
		if (hb)
			b = column_fp(s2, 0);
		if (ha && (!hb || a <= b)) {
			rc = tims_screen_index_add_ident_fp(ix, a);
			r1 = sqlite3_step(s1);
		} else {
			rc = tims_screen_index_add_ident_fp(ix, b);
			r2 = sqlite3_step(s2);
		}
		if (rc) {
			tims_err_set(err, rc, "index: identifiers: %s", rc == TIMS_ERR_NOMEM ?
				     "out of memory" : "too many");
			goto out;
		}
	}
	if (r1 != SQLITE_DONE || r2 != SQLITE_DONE)
		rc = tims_err_set(err, TIMS_ERR_DB, "entries: %s", sqlite3_errmsg(db));
out:
	sqlite3_finalize(s1);
	sqlite3_finalize(s2);
	return rc;
}

/* The identifiers on a second thread and connection, while the persons are
 * opened and parsed on the first: the same snapshot when the stamps agree
 * (every change of entries moves it); when they do not, nothing is added
 * and the first thread reads them itself. */
struct idload {
	char path[4200];
	struct tims_screen_index *ix;
	uint64_t stamp;
	bool done;
	tims_rc rc;
	struct tims_err err;
};

static void *idload_main(void *arg)
{
	struct idload *l = arg;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	uint64_t stamp = UINT64_MAX;

	tims_err_clear(&l->err);
	if (sqlite3_open_v2(l->path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 10000);
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT coalesce(sum(version), 0) FROM lists", -1, &st,
			       NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		stamp = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (stamp == l->stamp) {
		l->rc = load_idents(db, l->ix, &l->err);
		l->done = true;
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
	return NULL;
}

/* The persons of one list, from their sealed data. */
static tims_rc load_persons(struct tims_wl *wl, struct tims_screen_index *ix, uint16_t list,
			    struct tims_err *err)
{
	struct tims_buf t = TIMS_BUF_INIT(1 << 20);
	sqlite3_stmt *st;
	tims_rc rc = TIMS_OK;
	int r = SQLITE_DONE;

	if (sqlite3_prepare_v2(wl->db, "SELECT id, ref, data FROM entries INDEXED BY entries_delta"
			       " WHERE list_id = ?1 AND deleted_version IS NULL", -1, &st,
			       NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "entries");
	sqlite3_bind_int(st, 1, list);
	while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
		uint32_t row = (uint32_t)sqlite3_column_int64(st, 0);

		if (!(rc = tims__wl_open_field(wl, list, (const char *)sqlite3_column_text(st, 1),
					       "data", st, 2, &t, err)))
			rc = index_person(ix, list, row, tims_buf_str(&t), err);
	}
	if (!rc && r != SQLITE_DONE)
		rc = tims__wl_dberr(wl, err, "entries");
	sqlite3_finalize(st);
	if (t.buf)
		sodium_memzero(t.buf, t.alloc);
	tims_buf_release(&t);
	return rc;
}

static tims_rc load_index(struct tims_wl *wl, struct tims_screen_index **out,
			  struct tims_err *err);

tims_rc tims_wl_load_index(struct tims_wl *wl, struct tims_screen_index **out,
			   struct tims_err *err)
{
	tims_rc rc;

	*out = NULL;
	tims_err_clear(err);
	/* fingerprints made (a store from before them: now, with the token) */
	if ((rc = fp_fill(wl, err)))
		return rc;
	/* one snapshot of the store (WAL): the stamp is the state loaded */
	if (sqlite3_exec(wl->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "begin");
	rc = load_index(wl, out, err);
	sqlite3_exec(wl->db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
	return rc;
}

static tims_rc load_index(struct tims_wl *wl, struct tims_screen_index **out,
			  struct tims_err *err)
{
	struct tims_screen_index *ix;
	struct tims_wl_list_info *lists;
	sqlite3_stmt *st;
	size_t nl;
	int64_t maxid = 0;
	uint64_t stamp;
	tims_rc rc;

	if (fp_marked(wl) != 1)
		return tims_err_set(err, TIMS_ERR_UNAVAILABLE, "watchlists: identifier fingerprints "
				    "not made yet (the key token is needed)");
	if (wl->vault && tims_vault_state(wl->vault) != TIMS_VAULT_OPEN)
		return tims_err_set(err, TIMS_ERR_UNAVAILABLE, "watchlists: sealed, and the key "
				    "token is unavailable: %s", tims_vault_why(wl->vault));
	if ((rc = tims_wl_lists_brief(wl, &lists, &nl, err)))
		return rc;
	if ((rc = tims_screen_index_new(&ix))) {
		free(lists);
		return tims_err_set(err, rc, "index: out of memory");
	}
	if (!tims__wl_fp_test_hook && (rc = fp_key(wl, err))) {
		free(lists);
		tims_screen_index_free(ix);
		return rc;
	}
	tims_screen_index_set_ident_key(ix, wl->fp_key);
	/* A threshold the index cannot take is an error, never the default:
	 * a list screened at another threshold than its own hides or invents
	 * hits. */
	for (size_t i = 0; i < nl; i++)
		if ((rc = tims_screen_index_set_threshold(ix, lists[i].id, lists[i].threshold))) {
			tims_err_set(err, rc, "list %s: threshold %g is not between 0 and 1",
				     lists[i].name, lists[i].threshold);
			free(lists);
			tims_screen_index_free(ix);
			return rc;
		}
	/* room: the highest row id bounds the identifiers (they come in
	 * order, kept compact as they come) */
	if (sqlite3_prepare_v2(wl->db, "SELECT max(id) FROM entries", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		maxid = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if ((rc = tims_wl_stamp(wl, &stamp, err)))
		goto fail;
	tims_screen_index_set_stamp(ix, stamp);
	if ((rc = tims_screen_index_reserve(ix, 0, 0, (size_t)(maxid > 0 ? maxid : 0)))) {
		tims_err_set(err, rc, "index: out of memory");
		goto fail;
	}
	{
		struct idload *l = calloc(1, sizeof(*l));
		const char *path = sqlite3_db_filename(wl->db, "main");
		pthread_t th;
		bool threaded = false;

		if (l && path && *path) {
			snprintf(l->path, sizeof(l->path), "%s", path);
			l->ix = ix;
			l->stamp = stamp;
			threaded = pthread_create(&th, NULL, idload_main, l) == 0;
		}
		/* the persons here; the thread touches only the identifiers */
		for (size_t i = 0; !rc && i < nl; i++)
			if (lists[i].kind == TIMS_WL_PERSONS)
				rc = load_persons(wl, ix, lists[i].id, err);
		if (threaded)
			pthread_join(th, NULL);
		if (threaded && l->done && l->rc && !rc) {
			rc = l->rc;
			*err = l->err;
		}
		if (!rc && !(threaded && l->done))
			rc = load_idents(wl->db, ix, err);
		free(l);
	}
	if (!rc && (rc = tims_screen_index_finish(ix)))
		tims_err_set(err, rc, "index: out of memory");
	if (rc)
		goto fail;
	free(lists);
	*out = ix;
	return TIMS_OK;
fail:
	free(lists);
	tims_screen_index_free(ix);
	return rc;
}

tims_rc tims_wl_ident_candidates(struct tims_wl *wl, enum tims_ident_kind kind, uint64_t fp,
				 uint32_t *rows, size_t max, size_t *n, struct tims_err *err)
{
	sqlite3_stmt *st;
	tims_rc rc = TIMS_OK;
	int r;

	*n = 0;
	if (sqlite3_prepare_v2(wl->db, kind == TIMS_IDENT_VIN ?
			       "SELECT id FROM entries INDEXED BY entries_fp2 WHERE fp2 = ?1"
			       " AND deleted_version IS NULL" :
			       "SELECT id FROM entries INDEXED BY entries_fp1 WHERE fp1 = ?1"
			       " AND deleted_version IS NULL", -1, &st, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "entries");
	tims__wl_bind_fp(st, 1, fp);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n < max)
			rows[*n] = (uint32_t)sqlite3_column_int64(st, 0);
		(*n)++;
	}
	if (r != SQLITE_DONE)
		rc = tims__wl_dberr(wl, err, "entries");
	sqlite3_finalize(st);
	if (rc)
		*n = 0;
	return rc;
}

/* --- changes for a live index ---------------------------------------------- */

static tims_rc sum_query(struct tims_wl *wl, const char *sql, uint64_t *out,
			 struct tims_err *err)
{
	sqlite3_stmt *st;
	tims_rc rc = TIMS_OK;

	*out = 0;
	if (sqlite3_prepare_v2(wl->db, sql, -1, &st, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "lists");
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = (uint64_t)sqlite3_column_int64(st, 0);
	else
		rc = tims__wl_dberr(wl, err, "lists");
	sqlite3_finalize(st);
	return rc;
}

tims_rc tims_wl_stamp(struct tims_wl *wl, uint64_t *stamp, struct tims_err *err)
{
	return sum_query(wl, "SELECT coalesce(sum(version), 0) FROM lists", stamp, err);
}

tims_rc tims_wl_track(struct tims_wl *wl, struct tims_err *err)
{
	if (sqlite3_exec(wl->db,
			 "CREATE TEMP TABLE IF NOT EXISTS wl_changes (list_id INTEGER,"
			 " old_fp1 INTEGER, old_fp2 INTEGER, old_live INTEGER,"
			 " new_fp1 INTEGER, new_fp2 INTEGER, new_live INTEGER);"
			 "CREATE TEMP TRIGGER IF NOT EXISTS wl_changes_ins AFTER INSERT ON main.entries"
			 " BEGIN INSERT INTO wl_changes VALUES (NEW.list_id, NULL, NULL, 0,"
			 " NEW.fp1, NEW.fp2, NEW.deleted_version IS NULL); END;"
			 "CREATE TEMP TRIGGER IF NOT EXISTS wl_changes_upd AFTER UPDATE OF data, fp1, fp2,"
			 " deleted_version ON main.entries"
			 " BEGIN INSERT INTO wl_changes VALUES (NEW.list_id, OLD.fp1, OLD.fp2,"
			 " OLD.deleted_version IS NULL, NEW.fp1, NEW.fp2, NEW.deleted_version IS NULL);"
			 " END;"
			 "CREATE TEMP TRIGGER IF NOT EXISTS wl_changes_del AFTER DELETE ON main.entries"
			 " BEGIN INSERT INTO wl_changes VALUES (OLD.list_id, OLD.fp1, OLD.fp2,"
			 " OLD.deleted_version IS NULL, NULL, NULL, 0); END;"
			 "CREATE TEMP TABLE IF NOT EXISTS wl_bumps (n INTEGER);"
			 "CREATE TEMP TRIGGER IF NOT EXISTS wl_bumps_upd AFTER UPDATE OF version"
			 " ON main.lists BEGIN INSERT INTO wl_bumps VALUES (NEW.version - OLD.version);"
			 " END;"
			 "CREATE TEMP TRIGGER IF NOT EXISTS wl_bumps_ins AFTER INSERT ON main.lists"
			 " BEGIN INSERT INTO wl_bumps VALUES (NEW.version); END;"
			 "DELETE FROM wl_changes; DELETE FROM wl_bumps;", NULL, NULL, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "tracking changes");
	wl->tracking = true;
	return TIMS_OK;
}

static tims_rc delta_push(uint64_t **v, size_t *n, size_t *cap, uint64_t fp,
			  struct tims_err *err)
{
	if (!fp)
		return TIMS_OK;
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 1024;
		uint64_t *nv = realloc(*v, nc * sizeof(*nv));

		if (!nv)
			return tims_err_set(err, TIMS_ERR_NOMEM, "changes: out of memory");
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = fp;
	return TIMS_OK;
}

tims_rc tims_wl_tracked(struct tims_wl *wl, struct tims_wl_index_delta *d,
			struct tims_err *err)
{
	sqlite3_stmt *st;
	size_t cap_add = 0, cap_del = 0;
	tims_rc rc = TIMS_OK;
	int r;

	memset(d, 0, sizeof(*d));
	if (!wl->tracking)
		return tims_err_set(err, TIMS_ERR_STATE, "changes: not tracked on this handle");
	if (sqlite3_prepare_v2(wl->db, "SELECT l.kind, c.old_fp1, c.old_fp2, c.old_live,"
			       " c.new_fp1, c.new_fp2, c.new_live FROM temp.wl_changes c"
			       " LEFT JOIN lists l ON l.id = c.list_id ORDER BY c.rowid", -1, &st,
			       NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "changes");
	while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
		enum tims_wl_kind k = tims_wl_kind_parse((const char *)sqlite3_column_text(st, 0));
		int old_live = sqlite3_column_int(st, 3), new_live = sqlite3_column_int(st, 6);

		if (k != TIMS_WL_DOCUMENTS && k != TIMS_WL_VEHICLES) {
			d->persons = d->persons || old_live || new_live;
			continue;
		}
		if (old_live &&
		    ((rc = delta_push(&d->del, &d->ndel, &cap_del, column_fp(st, 1), err)) ||
		     (rc = delta_push(&d->del, &d->ndel, &cap_del, column_fp(st, 2), err))))
			break;
		if (new_live &&
		    ((rc = delta_push(&d->add, &d->nadd, &cap_add, column_fp(st, 4), err)) ||
		     (rc = delta_push(&d->add, &d->nadd, &cap_add, column_fp(st, 5), err))))
			break;
	}
	if (!rc && r != SQLITE_DONE)
		rc = tims__wl_dberr(wl, err, "changes");
	sqlite3_finalize(st);
	if (!rc && (rc = sum_query(wl, "SELECT coalesce(sum(n), 0) FROM temp.wl_bumps", &d->bumps,
				   err)) == TIMS_OK)
		rc = tims_wl_stamp(wl, &d->stamp, err);
	if (!rc && sqlite3_exec(wl->db, "DELETE FROM temp.wl_changes; DELETE FROM temp.wl_bumps",
				NULL, NULL, NULL) != SQLITE_OK)
		rc = tims__wl_dberr(wl, err, "changes");
	if (rc)
		tims_wl_index_delta_release(d);
	return rc;
}

void tims_wl_index_delta_release(struct tims_wl_index_delta *d)
{
	free(d->add);
	free(d->del);
	memset(d, 0, sizeof(*d));
}

tims_rc tims_wl_index_update(struct tims_wl *wl, struct tims_screen_index *ix,
			     const struct tims_wl_index_delta *d, struct tims_err *err)
{
	struct tims_wl_list_info *lists;
	size_t nl;
	tims_rc rc;

	if (d->persons)
		return tims_err_set(err, TIMS_ERR_STATE, "index: person lists changed (reload)");
	if (tims_screen_index_stamp(ix) + d->bumps != d->stamp)
		return tims_err_set(err, TIMS_ERR_STATE, "index: the store changed elsewhere too "
				    "(reload)");
	if ((rc = tims_wl_lists_brief(wl, &lists, &nl, err)))
		return rc;
	for (size_t i = 0; i < nl; i++)
		if (!(lists[i].threshold >= 0 && lists[i].threshold <= 1)) {
			rc = tims_err_set(err, TIMS_ERR_USAGE, "list %s: threshold %g is not between"
					  " 0 and 1", lists[i].name, lists[i].threshold);
			free(lists);
			return rc;
		}
	/* room first: past this point nothing fails, and the index never
	 * holds half a delta */
	if ((rc = tims_screen_index_ident_reserve(ix, d->nadd + d->ndel))) {
		free(lists);
		return tims_err_set(err, rc, "index: out of memory");
	}
	for (size_t i = 0; i < nl; i++)
		(void)!tims_screen_index_set_threshold(ix, lists[i].id, lists[i].threshold);
	free(lists);
	for (size_t i = 0; i < d->ndel; i++)
		if ((rc = tims_screen_index_remove_ident_fp(ix, d->del[i])))
			return tims_err_set(err, rc, "index: a removal failed");
	for (size_t i = 0; i < d->nadd; i++)
		if ((rc = tims_screen_index_add_ident_fp(ix, d->add[i])))
			return tims_err_set(err, rc, "index: an addition failed");
	tims_screen_index_set_stamp(ix, d->stamp);
	return TIMS_OK;
}

/* --- lineage: each version bound to its predecessor ---------------------- */

static int export_cb(const char *s, size_t n, void *ud)
{
	return tims_buf_add(ud, s, n) ? -1 : 0;
}

tims_rc tims_wl_export(struct tims_wl *wl, const char *list, uint64_t since,
		       struct tims_buf *out, struct tims_err *err)
{
	struct tims_buf dump = TIMS_BUF_INIT(out->max);
	tims_rc rc;

	if ((rc = since ? tims_wl_dump_since(wl, list, since, &dump, err) :
		  tims_wl_dump(wl, list, &dump, err)))
		goto out;
	for (char *p = dump.buf, *nl; p && p < dump.buf + dump.len; p = nl + 1) {
		json_t *o;

		nl = memchr(p, '\n', (size_t)(dump.buf + dump.len - p));
		if (!nl)
			nl = dump.buf + dump.len;
		if (nl == p)
			continue;
		if (!(o = json_loadb(p, (size_t)(nl - p), 0, NULL))) {
			rc = tims_err_set(err, TIMS_ERR_STATE, "watchlist %s: a dump line is not JSON", list);
			goto out;
		}
		json_object_del(o, "list");
		json_object_del(o, "kind");
		json_object_del(o, "version");
		if (json_dump_callback(o, export_cb, out, JSON_COMPACT | JSON_SORT_KEYS) ||
		    tims_buf_addch(out, '\n')) {
			json_decref(o);
			rc = tims_err_set(err, TIMS_ERR_TOOBIG, "watchlist %s: export too large", list);
			goto out;
		}
		json_decref(o);
	}
out:
	tims_buf_release(&dump);
	return rc;
}

static int hash_cb(const char *s, size_t n, void *ud)
{
	crypto_hash_sha256_update(ud, (const unsigned char *)s, n);
	return 0;
}

tims_rc tims_wl_content_hash_v1(struct tims_wl *wl, const char *list, uint8_t out[32],
				struct tims_err *err)
{
	crypto_hash_sha256_state h;
	sqlite3_stmt *st;
	enum tims_wl_kind kind;
	int64_t id;
	tims_rc rc;
	int r = SQLITE_DONE;

	if ((rc = tims__wl_find_list(wl, list, &id, &kind, NULL, err)))
		return rc;
	/* Line for line what tims_wl_export writes (row_json, then without
	 * list, kind and version, keys sorted), hashed as it is made. */
	if (sqlite3_prepare_v2(wl->db, "SELECT ref, data, id FROM entries WHERE list_id = ?1"
			       " AND deleted_version IS NULL ORDER BY ref", -1, &st, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "entries");
	sqlite3_bind_int64(st, 1, id);
	crypto_hash_sha256_init(&h);
	while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
		struct tims_buf text = TIMS_BUF_INIT(1 << 20);
		json_t *o, *data = NULL;

		if ((rc = tims__wl_open_field(wl, id, (const char *)sqlite3_column_text(st, 0), "data",
					      st, 1, &text, err))) {
			tims_buf_release(&text);
			break;
		}
		o = json_object();
		data = json_loadb(text.buf ? text.buf : "", text.len, 0, NULL);
		if (text.buf)
			sodium_memzero(text.buf, text.alloc);
		tims_buf_release(&text);
		if (!o || !json_is_object(data)) {
			rc = tims_err_set(err, o ? TIMS_ERR_TAMPER : TIMS_ERR_NOMEM,
					  "entry %lld: stored data is not JSON",
					  (long long)sqlite3_column_int64(st, 2));
		} else {
			json_object_set_new(o, "ref", json_string((const char *)sqlite3_column_text(st, 0)));
			json_object_update(o, data);
			json_object_del(o, "list");
			json_object_del(o, "kind");
			json_object_del(o, "version");
			if (json_dump_callback(o, hash_cb, &h, JSON_COMPACT | JSON_SORT_KEYS))
				rc = tims_err_set(err, TIMS_ERR_NOMEM, "watchlist %s: out of memory", list);
			crypto_hash_sha256_update(&h, (const unsigned char *)"\n", 1);
		}
		json_decref(data);
		json_decref(o);
	}
	if (!rc && r != SQLITE_DONE)
		rc = tims__wl_dberr(wl, err, "entries");
	sqlite3_finalize(st);
	if (!rc)
		crypto_hash_sha256_final(&h, out);
	return rc;
}

/* --- the content digest: a multiset hash kept with the rows -------------- */

static int el_cb(const char *s, size_t n, void *ud)
{
	return tims_buf_add(ud, s, n) ? -1 : 0;
}

/* The element of an entry: the line tims_wl_export writes for it (without
 * the newline), from its ref and its data (clear). */
static tims_rc element_of(const char *ref, json_t *data, struct tims_buf *out,
			  struct tims_err *err)
{
	json_t *o = json_object();
	tims_rc rc = TIMS_OK;

	tims_buf_reset(out);
	if (!o || json_object_set_new(o, "ref", json_string(ref)) ||
	    json_object_update(o, data)) {
		json_decref(o);
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	}
	json_object_del(o, "list");
	json_object_del(o, "kind");
	json_object_del(o, "version");
	if (json_dump_callback(o, el_cb, out, JSON_COMPACT | JSON_SORT_KEYS))
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "entry %s: too large", ref);
	json_decref(o);
	return rc;
}

/* The element of a stored entry: its data column `col` of st, opened. */
static tims_rc element_stored(struct tims_wl *wl, int64_t list_id, const char *ref,
			      sqlite3_stmt *st, int col, struct tims_buf *out,
			      struct tims_err *err)
{
	struct tims_buf text = TIMS_BUF_INIT(1 << 20);
	json_t *data;
	tims_rc rc;

	if ((rc = tims__wl_open_field(wl, list_id, ref, "data", st, col, &text, err))) {
		tims_buf_release(&text);
		return rc;
	}
	data = json_loadb(text.buf ? text.buf : "", text.len, 0, NULL);
	if (text.buf)
		sodium_memzero(text.buf, text.alloc);
	tims_buf_release(&text);
	if (!json_is_object(data))
		rc = tims_err_set(err, TIMS_ERR_TAMPER, "entry %s: stored data is not JSON", ref);
	else
		rc = element_of(ref, data, out, err);
	json_decref(data);
	return rc;
}

static void el_wipe(struct tims_buf *el)
{
	if (el->buf)
		sodium_memzero(el->buf, el->alloc);
	tims_buf_release(el);
}

/* The sum of the live entries of a list, from the rows (every one opened). */
static tims_rc sum_from_rows(struct tims_wl *wl, int64_t id, struct tims_lthash *h,
			     struct tims_err *err)
{
	struct tims_buf el = TIMS_BUF_INIT(1 << 21);
	sqlite3_stmt *st;
	tims_rc rc = TIMS_OK;
	int r = SQLITE_DONE;

	tims_lthash_init(h);
	if (sqlite3_prepare_v2(wl->db, "SELECT ref, data FROM entries WHERE list_id = ?1"
			       " AND deleted_version IS NULL", -1, &st, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "entries");
	sqlite3_bind_int64(st, 1, id);
	while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW)
		if (!(rc = element_stored(wl, id, (const char *)sqlite3_column_text(st, 0), st, 1,
					  &el, err)))
			tims_lthash_add(h, el.buf ? el.buf : "", el.len);
	if (!rc && r != SQLITE_DONE)
		rc = tims__wl_dberr(wl, err, "entries");
	sqlite3_finalize(st);
	el_wipe(&el);
	return rc;
}

/* The stored sum; *found false when the store has none for the list. */
static tims_rc sum_read(struct tims_wl *wl, int64_t id, struct tims_lthash *h, bool *found,
			struct tims_err *err)
{
	sqlite3_stmt *st;
	tims_rc rc = TIMS_OK;
	int r;

	*found = false;
	tims_lthash_init(h);
	if (sqlite3_prepare_v2(wl->db, "SELECT count, lanes FROM list_sums WHERE list_id = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "list_sums");
	sqlite3_bind_int64(st, 1, id);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 1) != TIMS_LTHASH_BYTES ||
		    sqlite3_column_int64(st, 0) < 0)
			rc = tims_err_set(err, TIMS_ERR_TAMPER, "list %" PRId64 ": the stored sum is "
					  "not %d bytes", id, TIMS_LTHASH_BYTES);
		else {
			tims_lthash_load(h, sqlite3_column_blob(st, 1),
					 (uint64_t)sqlite3_column_int64(st, 0));
			*found = true;
		}
	} else if (r != SQLITE_DONE) {
		rc = tims__wl_dberr(wl, err, "list_sums");
	}
	sqlite3_finalize(st);
	return rc;
}

/* Store the sum; `removed` is the number of tombstones of a list without a
 * stored sum yet, else what to add to it. */
static tims_rc sum_write(struct tims_wl *wl, int64_t id, const struct tims_lthash *h,
			 int64_t removed, struct tims_err *err)
{
	uint8_t lanes[TIMS_LTHASH_BYTES];
	sqlite3_stmt *st;
	tims_rc rc = TIMS_OK;

	tims_lthash_save(h, lanes);
	if (sqlite3_prepare_v2(wl->db, "INSERT INTO list_sums (list_id, count, lanes, removed)"
			       " VALUES (?1, ?2, ?3, max(?4, 0)) ON CONFLICT (list_id) DO UPDATE SET"
			       " count = excluded.count, lanes = excluded.lanes,"
			       " removed = max(removed + ?4, 0)", -1, &st, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "list_sums");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(h->count & INT64_MAX));
	sqlite3_bind_blob(st, 3, lanes, sizeof(lanes), SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, removed);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = tims__wl_dberr(wl, err, "list_sums");
	sqlite3_finalize(st);
	return rc;
}

/* The tombstones of a list, counted (a store made before sums). */
static int64_t count_removed(struct tims_wl *wl, int64_t id)
{
	sqlite3_stmt *st;
	int64_t n = 0;

	if (sqlite3_prepare_v2(wl->db, "SELECT count(*) FROM entries WHERE list_id = ?1"
			       " AND deleted_version IS NOT NULL", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return n;
}

/* The list's sum: the stored one, or (a store made before sums) computed
 * from its rows once and stored. */
static tims_rc sum_get(struct tims_wl *wl, int64_t id, struct tims_lthash *h,
		       struct tims_err *err)
{
	bool found, own;
	tims_rc rc;

	if ((rc = sum_read(wl, id, h, &found, err)) || found)
		return rc;
	/* computed and stored in one write transaction (the caller's, or its
	 * own): no change of the rows between the two */
	own = sqlite3_get_autocommit(wl->db);
	if (own && sqlite3_exec(wl->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "list_sums");
	if (!(rc = sum_read(wl, id, h, &found, err)) && !found &&
	    !(rc = sum_from_rows(wl, id, h, err)))
		rc = sum_write(wl, id, h, count_removed(wl, id), err);
	if (own) {
		if (!rc && sqlite3_exec(wl->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			rc = tims__wl_dberr(wl, err, "list_sums");
		if (rc)
			sqlite3_exec(wl->db, "ROLLBACK", NULL, NULL, NULL);
	}
	return rc;
}

/* At open: the sums a store made before them lacks, computed once (when
 * the rows can be read: no vault, or one whose token is reached; else at
 * the first change or digest asked for). */
static tims_rc sums_missing(struct tims_wl *wl, struct tims_err *err)
{
	sqlite3_stmt *st;
	int64_t ids[256];
	size_t n = 0;
	tims_rc rc = TIMS_OK;

	if (wl->vault && tims_vault_state(wl->vault) != TIMS_VAULT_OPEN)
		return TIMS_OK;
	if (sqlite3_prepare_v2(wl->db, "SELECT id FROM lists WHERE id NOT IN"
			       " (SELECT list_id FROM list_sums) ORDER BY id LIMIT 256", -1, &st,
			       NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "list_sums");
	while (n < TIMS_ARRAY_SIZE(ids) && sqlite3_step(st) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (n == 0)
		return TIMS_OK;
	if (sqlite3_exec(wl->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "list_sums");
	for (size_t i = 0; !rc && i < n; i++) {
		struct tims_lthash h;

		rc = sum_get(wl, ids[i], &h, err);
	}
	if (rc || sqlite3_exec(wl->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		if (!rc)
			rc = tims__wl_dberr(wl, err, "list_sums");
		sqlite3_exec(wl->db, "ROLLBACK", NULL, NULL, NULL);
	}
	return rc;
}

void tims_wl_content_empty(uint8_t out[32])
{
	struct tims_lthash h;

	tims_lthash_init(&h);
	tims_lthash_digest(&h, out);
}

tims_rc tims_wl_content_hash(struct tims_wl *wl, const char *list, uint8_t out[32],
			     struct tims_err *err)
{
	struct tims_lthash h;
	int64_t id;
	tims_rc rc;

	if ((rc = tims__wl_find_list(wl, list, &id, NULL, NULL, err)) ||
	    (rc = sum_get(wl, id, &h, err)))
		return rc;
	tims_lthash_digest(&h, out);
	return TIMS_OK;
}

tims_rc tims_wl_content_recompute(struct tims_wl *wl, const char *list, uint8_t out[32],
				  struct tims_err *err)
{
	struct tims_lthash rows, kept;
	bool own;
	int64_t id;
	tims_rc rc;

	if ((rc = tims__wl_find_list(wl, list, &id, NULL, NULL, err)) ||
	    (rc = sum_get(wl, id, &kept, err)))
		return rc;
	/* the rows and the sum of one snapshot (a read transaction) */
	own = sqlite3_get_autocommit(wl->db);
	if (own && sqlite3_exec(wl->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "entries");
	if (!(rc = sum_get(wl, id, &kept, err)))
		rc = sum_from_rows(wl, id, &rows, err);
	if (own)
		sqlite3_exec(wl->db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
	if (rc)
		return rc;
	tims_lthash_digest(&rows, out);
	if (!tims_lthash_equal(&rows, &kept))
		return tims_err_set(err, TIMS_ERR_TAMPER, "watchlist %s: the sum kept with the list "
				    "(%" PRIu64 " entries) is not that of its %" PRIu64 " entries",
				    list, kept.count, rows.count);
	return TIMS_OK;
}

/* --- the one way entries change -------------------------------------------- */

tims_rc tims__wl_writer_begin(struct tims_wl *wl, int64_t list_id, struct tims__wl_writer *w,
			      struct tims_err *err)
{
	tims_rc rc;

	memset(w, 0, sizeof(*w));
	w->wl = wl;
	w->list_id = list_id;
	w->el = (struct tims_buf)TIMS_BUF_INIT(1 << 21);
	if ((rc = sum_get(wl, list_id, &w->sum, err)))
		return rc;
	w->at_begin = w->sum;
	if (sqlite3_prepare_v2(wl->db, "SELECT id, data, data_hash, deleted_version FROM entries"
			       " WHERE list_id = ?1 AND ref = ?2", -1, &w->get, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(wl->db,
			       "INSERT INTO entries (list_id, ref, data, ident1, ident2, version, seen,"
			       " data_hash, fp1, fp2) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, ?9)"
			       " ON CONFLICT (list_id, ref) DO UPDATE SET data = excluded.data,"
			       "  ident1 = excluded.ident1, ident2 = excluded.ident2,"
			       "  data_hash = excluded.data_hash, fp1 = excluded.fp1, fp2 = excluded.fp2,"
			       "  version = excluded.version,"
			       "  deleted_version = NULL, seen = excluded.seen", -1, &w->put,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(wl->db, "UPDATE entries SET seen = ?1 WHERE id = ?2", -1, &w->touch,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(wl->db, "UPDATE entries SET deleted_version = ?1 WHERE id = ?2", -1,
			       &w->del, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(wl->db,
			       "INSERT INTO entries (list_id, ref, data, ident1, ident2, version, seen,"
			       " data_hash, fp1, fp2) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, ?9)",
			       -1, &w->ins, NULL) != SQLITE_OK) {
		rc = tims__wl_dberr(wl, err, "entries");
		tims__wl_writer_end(w, false, NULL);
		return rc;
	}
	{
		/* a first load: no row of the list, so no put needs to look up
		 * its ref (a ref twice in one import makes the insert fail on
		 * UNIQUE (list_id, ref); that row takes the full path) */
		sqlite3_stmt *st;
		int r;

		if (sqlite3_prepare_v2(wl->db, "SELECT 1 FROM entries WHERE list_id = ?1 LIMIT 1",
				       -1, &st, NULL) != SQLITE_OK) {
			rc = tims__wl_dberr(wl, err, "entries");
			tims__wl_writer_end(w, false, NULL);
			return rc;
		}
		sqlite3_bind_int64(st, 1, list_id);
		r = sqlite3_step(st);
		sqlite3_finalize(st);
		if (r != SQLITE_ROW && r != SQLITE_DONE) {
			rc = tims__wl_dberr(wl, err, "entries");
			tims__wl_writer_end(w, false, NULL);
			return rc;
		}
		w->fresh = r == SQLITE_DONE;
		/* no row: its sum is the empty one, whatever was kept (a sum
		 * left over is a difference tims__wl_writer_same reports) */
		if (w->fresh)
			tims_lthash_init(&w->sum);
	}
	return TIMS_OK;
}

tims_rc tims__wl_writer_end(struct tims__wl_writer *w, bool commit, struct tims_err *err)
{
	tims_rc rc = commit ? sum_write(w->wl, w->list_id, &w->sum, w->removed, err) : TIMS_OK;

	/* a scratch store writes in clear: its next open under a node looks */
	if (!rc && commit && !w->wl->vault &&
	    sqlite3_exec(w->wl->db, "INSERT OR REPLACE INTO store_state (key, value)"
			 " VALUES ('clear', 1)", NULL, NULL, NULL) != SQLITE_OK)
		rc = tims__wl_dberr(w->wl, err, "store_state");

	sqlite3_finalize(w->get);
	sqlite3_finalize(w->put);
	sqlite3_finalize(w->touch);
	sqlite3_finalize(w->del);
	sqlite3_finalize(w->ins);
	w->get = w->put = w->touch = w->del = w->ins = NULL;
	el_wipe(&w->el);
	return rc;
}

/* The live entry `ref` (w->get stepped to its row); 0 none, 1 live. */
static int get_live(struct tims__wl_writer *w, const char *ref, int *r)
{
	sqlite3_reset(w->get);
	sqlite3_bind_int64(w->get, 1, w->list_id);
	sqlite3_bind_text(w->get, 2, ref, -1, SQLITE_TRANSIENT);
	*r = sqlite3_step(w->get);
	return *r == SQLITE_ROW && sqlite3_column_type(w->get, 3) == SQLITE_NULL;
}

/* Bind an entry's columns (list, ref, data, ident1, ident2 sealed or clear,
 * version, data_hash, fp1, fp2) to an insert of the writer. */
static void bind_entry(struct tims__wl_writer *w, sqlite3_stmt *st, const char *ref,
		       const char *data, const struct tims__wl_row *row,
		       const struct tims_buf *d, const struct tims_buf *a,
		       const struct tims_buf *b, uint64_t version, const char *hash,
		       uint64_t fp1, uint64_t fp2)
{
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, w->list_id);
	sqlite3_bind_text(st, 2, ref, -1, SQLITE_TRANSIENT);
	if (w->wl->vault) {
		sqlite3_bind_blob(st, 3, d->buf, (int)d->len, SQLITE_STATIC);
		sqlite3_bind_blob(st, 4, a->buf, (int)a->len, SQLITE_STATIC);
		sqlite3_bind_blob(st, 5, b->buf, (int)b->len, SQLITE_STATIC);
	} else {
		sqlite3_bind_text(st, 3, data, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, row->ident1, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, row->ident2, -1, SQLITE_STATIC);
	}
	sqlite3_bind_int64(st, 6, (sqlite3_int64)version);
	sqlite3_bind_text(st, 7, hash, -1, SQLITE_STATIC);
	tims__wl_bind_fp(st, 8, fp1);
	tims__wl_bind_fp(st, 9, fp2);
}

tims_rc tims__wl_writer_put(struct tims__wl_writer *w, const struct tims__wl_row *row,
			    uint64_t version, bool *changed, struct tims_err *err)
{
	struct tims_wl *wl = w->wl;
	struct tims_buf d = TIMS_BUF_INIT(1 << 20), a = TIMS_BUF_INIT(4096), b = TIMS_BUF_INIT(4096);
	char hash[TIMS_VAULT_BLIND_HEX];
	uint64_t fp1, fp2;
	char *data;
	tims_rc rc;
	int live, r;

	*changed = false;
	if (!(data = json_dumps(row->data, JSON_COMPACT | JSON_SORT_KEYS)))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if ((rc = tims__wl_data_hash(wl, data, hash, err)))
		goto out;
	if (w->fresh) {
		/* a first load: the entry is new unless this import named its
		 * ref before (the insert fails on UNIQUE: the full path below) */
		if ((rc = element_of(row->ref, row->data, &w->el, err)) ||
		    (rc = tims__wl_row_fps(wl, w->list_id, row, &fp1, &fp2, err)) ||
		    (rc = tims__wl_seal_field(wl, w->list_id, row->ref, "data", data, &d, err)) ||
		    (rc = tims__wl_seal_field(wl, w->list_id, row->ref, "ident1", row->ident1, &a,
					      err)) ||
		    (rc = tims__wl_seal_field(wl, w->list_id, row->ref, "ident2", row->ident2, &b,
					      err)))
			goto out;
		bind_entry(w, w->ins, row->ref, data, row, &d, &a, &b, version, hash, fp1, fp2);
		r = sqlite3_step(w->ins);
		if (r != SQLITE_DONE)
			r = sqlite3_extended_errcode(wl->db);
		sqlite3_reset(w->ins);
		sqlite3_clear_bindings(w->ins);
		if (r == SQLITE_DONE) {
			tims_lthash_add(&w->sum, w->el.buf ? w->el.buf : "", w->el.len);
			*changed = true;
			goto out;
		}
		if (r != SQLITE_CONSTRAINT_UNIQUE) {
			rc = tims_err_set(err, TIMS_ERR_DB, "store: %s", sqlite3_errstr(r));
			goto out;
		}
	}
	live = get_live(w, row->ref, &r);
	if (r != SQLITE_ROW && r != SQLITE_DONE) {
		rc = tims__wl_dberr(wl, err, "entries");
		goto out;
	}
	if (live && sqlite3_column_text(w->get, 2) &&
	    !strcmp((const char *)sqlite3_column_text(w->get, 2), hash)) {
		/* as it was: named by this import (a replace keeps it) */
		sqlite3_reset(w->touch);
		sqlite3_bind_int64(w->touch, 1, (sqlite3_int64)version);
		sqlite3_bind_int64(w->touch, 2, sqlite3_column_int64(w->get, 0));
		if (sqlite3_step(w->touch) != SQLITE_DONE)
			rc = tims__wl_dberr(wl, err, "entries");
		goto out;
	}
	/* the old entry out of the sum, as stored; the new one in, as checked */
	if (!live && r == SQLITE_ROW)
		w->removed--; /* a tombstone brought back */
	if (live) {
		if ((rc = element_stored(wl, w->list_id, row->ref, w->get, 1, &w->el, err)))
			goto out;
		tims_lthash_sub(&w->sum, w->el.buf ? w->el.buf : "", w->el.len);
	}
	sqlite3_reset(w->get);
	if ((rc = element_of(row->ref, row->data, &w->el, err)))
		goto out;
	if ((rc = tims__wl_row_fps(wl, w->list_id, row, &fp1, &fp2, err)) ||
	    (rc = tims__wl_seal_field(wl, w->list_id, row->ref, "data", data, &d, err)) ||
	    (rc = tims__wl_seal_field(wl, w->list_id, row->ref, "ident1", row->ident1, &a, err)) ||
	    (rc = tims__wl_seal_field(wl, w->list_id, row->ref, "ident2", row->ident2, &b, err)))
		goto out;
	bind_entry(w, w->put, row->ref, data, row, &d, &a, &b, version, hash, fp1, fp2);
	if (sqlite3_step(w->put) != SQLITE_DONE) {
		rc = tims__wl_dberr(wl, err, "store");
		goto out;
	}
	sqlite3_reset(w->put);
	sqlite3_clear_bindings(w->put);
	tims_lthash_add(&w->sum, w->el.buf ? w->el.buf : "", w->el.len);
	*changed = true;
out:
	sqlite3_reset(w->get);
	sodium_memzero(data, strlen(data));
	free(data);
	tims_buf_release(&d);
	tims_buf_release(&a);
	tims_buf_release(&b);
	return rc;
}

tims_rc tims__wl_writer_parallel(struct tims__wl_writer *w, struct tims_err *err)
{
	struct tims__wl_row none;
	uint64_t fp1, fp2;
	tims_rc rc;

	memset(&none, 0, sizeof(none));
	/* the list's kind (a query) and the key (the vault), here once: the
	 * workers only read them */
	if ((rc = tims__wl_row_fps(w->wl, w->list_id, &none, &fp1, &fp2, err)))
		return rc;
	return tims__wl_fp_test_hook ? TIMS_OK : fp_key(w->wl, err);
}

static void prepared_init(struct tims__wl_prepared *p)
{
	memset(p, 0, sizeof(*p));
	p->d = (struct tims_buf)TIMS_BUF_INIT(1 << 20);
	p->a = (struct tims_buf)TIMS_BUF_INIT(4096);
	p->b = (struct tims_buf)TIMS_BUF_INIT(4096);
	p->el = (struct tims_buf)TIMS_BUF_INIT(1 << 21);
}

void tims__wl_prepared_release(struct tims__wl_prepared *p)
{
	if (p->data) {
		sodium_memzero(p->data, strlen(p->data));
		free(p->data);
	}
	tims_buf_release(&p->d);
	tims_buf_release(&p->a);
	tims_buf_release(&p->b);
	el_wipe(&p->el);
	memset(p, 0, sizeof(*p));
}

tims_rc tims__wl_writer_prepare(const struct tims__wl_writer *w, const struct tims__wl_row *row,
				struct tims__wl_prepared *p, struct tims_lthash *partial,
				struct tims_err *err)
{
	struct tims_wl *wl = w->wl;
	tims_rc rc;

	/* buffers kept from the entry made before in *p (a batch's slot) */
	if (p->data) {
		sodium_memzero(p->data, strlen(p->data));
		free(p->data);
		p->data = NULL;
	}
	if (!p->d.max)
		prepared_init(p);
	if (!(p->data = json_dumps(row->data, JSON_COMPACT | JSON_SORT_KEYS)))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if ((rc = tims__wl_data_hash(wl, p->data, p->hash, err)) ||
	    (rc = element_of(row->ref, row->data, &p->el, err)) ||
	    (rc = tims__wl_ident_fps(wl, wl->fp_list_kind, row->ident1, row->ident2, &p->fp1,
				     &p->fp2, err)) ||
	    (rc = tims__wl_seal_field(wl, w->list_id, row->ref, "data", p->data, &p->d, err)) ||
	    (rc = tims__wl_seal_field(wl, w->list_id, row->ref, "ident1", row->ident1, &p->a,
				      err)) ||
	    (rc = tims__wl_seal_field(wl, w->list_id, row->ref, "ident2", row->ident2, &p->b,
				      err)))
		return rc;
	tims_lthash_add(partial, p->el.buf ? p->el.buf : "", p->el.len);
	return TIMS_OK;
}

tims_rc tims__wl_writer_put_prepared(struct tims__wl_writer *w, const struct tims__wl_row *row,
				     struct tims__wl_prepared *p, uint64_t version,
				     bool *changed, struct tims_err *err)
{
	int r = SQLITE_CONSTRAINT_UNIQUE;

	*changed = false;
	if (w->fresh) {
		bind_entry(w, w->ins, row->ref, p->data, row, &p->d, &p->a, &p->b, version, p->hash,
			   p->fp1, p->fp2);
		r = sqlite3_step(w->ins);
		if (r != SQLITE_DONE)
			r = sqlite3_extended_errcode(w->wl->db);
		sqlite3_reset(w->ins);
		sqlite3_clear_bindings(w->ins);
		if (r == SQLITE_DONE) {
			*changed = true;
			return TIMS_OK;
		}
		if (r != SQLITE_CONSTRAINT_UNIQUE)
			return tims_err_set(err, TIMS_ERR_DB, "store: %s", sqlite3_errstr(r));
	}
	/* not inserted: its element out of the sum again, and the full path */
	tims_lthash_sub(&w->sum, p->el.buf ? p->el.buf : "", p->el.len);
	return tims__wl_writer_put(w, row, version, changed, err);
}

void tims__wl_writer_add_sum(struct tims__wl_writer *w, const struct tims_lthash *partial)
{
	for (size_t i = 0; i < TIMS_LTHASH_LANES; i++)
		w->sum.lane[i] = (uint16_t)(w->sum.lane[i] + partial->lane[i]);
	w->sum.count += partial->count;
}

tims_rc tims__wl_writer_del(struct tims__wl_writer *w, const char *ref, uint64_t version,
			    struct tims_err *err)
{
	tims_rc rc;
	int r;

	if (!get_live(w, ref, &r)) {
		sqlite3_reset(w->get);
		return r == SQLITE_ROW || r == SQLITE_DONE ?
		       tims_err_set(err, TIMS_ERR_NOTFOUND, "no active entry '%s'", ref) :
		       tims__wl_dberr(w->wl, err, "entries");
	}
	if ((rc = element_stored(w->wl, w->list_id, ref, w->get, 1, &w->el, err))) {
		sqlite3_reset(w->get);
		return rc;
	}
	sqlite3_reset(w->del);
	sqlite3_bind_int64(w->del, 1, (sqlite3_int64)version);
	sqlite3_bind_int64(w->del, 2, sqlite3_column_int64(w->get, 0));
	sqlite3_reset(w->get);
	if (sqlite3_step(w->del) != SQLITE_DONE)
		return tims__wl_dberr(w->wl, err, "remove");
	tims_lthash_sub(&w->sum, w->el.buf ? w->el.buf : "", w->el.len);
	w->removed++;
	return TIMS_OK;
}

tims_rc tims__wl_writer_del_unseen(struct tims__wl_writer *w, uint64_t version, size_t *n,
				   struct tims_err *err)
{
	sqlite3_stmt *st;
	tims_rc rc = TIMS_OK;
	int r = SQLITE_DONE;

	*n = 0;
	/* every row of this import has seen == version (stored or touched);
	 * the others were not in the file */
	if (sqlite3_prepare_v2(w->wl->db, "SELECT id, ref, data FROM entries WHERE list_id = ?1"
			       " AND deleted_version IS NULL AND seen < ?2", -1, &st, NULL) != SQLITE_OK)
		return tims__wl_dberr(w->wl, err, "replace");
	sqlite3_bind_int64(st, 1, w->list_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)version);
	while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = element_stored(w->wl, w->list_id, (const char *)sqlite3_column_text(st, 1),
					 st, 2, &w->el, err)))
			break;
		sqlite3_reset(w->del);
		sqlite3_bind_int64(w->del, 1, (sqlite3_int64)version);
		sqlite3_bind_int64(w->del, 2, sqlite3_column_int64(st, 0));
		if (sqlite3_step(w->del) != SQLITE_DONE) {
			rc = tims__wl_dberr(w->wl, err, "replace");
			break;
		}
		tims_lthash_sub(&w->sum, w->el.buf ? w->el.buf : "", w->el.len);
		w->removed++;
		(*n)++;
	}
	if (!rc && r != SQLITE_DONE)
		rc = tims__wl_dberr(w->wl, err, "replace");
	sqlite3_finalize(st);
	return rc;
}

bool tims__wl_writer_same(const struct tims__wl_writer *w)
{
	return tims_lthash_equal(&w->sum, &w->at_begin);
}

tims_rc tims__wl_writer_resum(struct tims__wl_writer *w, struct tims_err *err)
{
	if (w->fresh) {
		/* a first load: every row is one this writer added to the sum
		 * (a ref twice: taken out and put back as on the full path) */
		return TIMS_OK;
	}
	return sum_from_rows(w->wl, w->list_id, &w->sum, err);
}

tims_rc tims__wl_writer_clear(struct tims__wl_writer *w, uint64_t version, size_t *n,
			      struct tims_err *err)
{
	sqlite3_stmt *st;

	*n = 0;
	if (sqlite3_prepare_v2(w->wl->db, "UPDATE entries SET deleted_version = ?1 WHERE"
			       " list_id = ?2 AND deleted_version IS NULL", -1, &st, NULL) != SQLITE_OK)
		return tims__wl_dberr(w->wl, err, "remove");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)version);
	sqlite3_bind_int64(st, 2, w->list_id);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return tims__wl_dberr(w->wl, err, "remove");
	}
	sqlite3_finalize(st);
	*n = (size_t)sqlite3_changes(w->wl->db);
	w->removed += (int64_t)*n;
	tims_lthash_init(&w->sum); /* no entry left */
	return TIMS_OK;
}

void tims_wl_digest_compute(const char *list, enum tims_wl_kind kind, uint64_t version,
			    const uint8_t prev[32], const uint8_t content[32], uint8_t out[32])
{
	char text[512];
	size_t n = 0;

	n += (size_t)snprintf(text + n, sizeof(text) - n, "tims watchlist digest v1\nlist %s\n"
			      "kind %s\nversion %" PRIu64 "\nprev ", list, tims_wl_kind_name(kind),
			      version);
	for (int i = 0; i < 32 && n + 3 < sizeof(text); i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%02x", prev[i]);
	n += (size_t)snprintf(text + n, sizeof(text) - n, "\ncontent ");
	for (int i = 0; i < 32 && n + 3 < sizeof(text); i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%02x", content[i]);
	n += (size_t)snprintf(text + n, sizeof(text) - n, "\n");
	crypto_hash_sha256(out, (const unsigned char *)text, n < sizeof(text) ? n : sizeof(text) - 1);
}

static tims_rc digest_row(struct tims_wl *wl, int64_t id, uint64_t version, bool below,
			  struct tims_wl_digest *d, struct tims_err *err)
{
	sqlite3_stmt *st;
	int r;

	if (sqlite3_prepare_v2(wl->db, below ?
			       "SELECT version, content, digest, prev FROM list_digests WHERE list_id = ?1"
			       " AND version < ?2 ORDER BY version DESC LIMIT 1" :
			       "SELECT version, content, digest, prev FROM list_digests WHERE list_id = ?1"
			       " AND version = ?2", -1, &st, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "list_digests");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)version);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW && sqlite3_column_bytes(st, 1) == 32 &&
	    sqlite3_column_bytes(st, 2) == 32 && sqlite3_column_bytes(st, 3) == 32) {
		d->version = (uint64_t)sqlite3_column_int64(st, 0);
		memcpy(d->content, sqlite3_column_blob(st, 1), 32);
		memcpy(d->digest, sqlite3_column_blob(st, 2), 32);
		memcpy(d->prev, sqlite3_column_blob(st, 3), 32);
		sqlite3_finalize(st);
		return TIMS_OK;
	}
	sqlite3_finalize(st);
	if (r == SQLITE_ROW || r == SQLITE_DONE)
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "watchlist: no digest of version %" PRIu64,
				    version);
	return tims__wl_dberr(wl, err, "list_digests");
}

tims_rc tims_wl_digest_at(struct tims_wl *wl, const char *list, uint64_t version,
			  struct tims_wl_digest *d, struct tims_err *err)
{
	int64_t id;
	tims_rc rc;

	memset(d, 0, sizeof(*d));
	if ((rc = tims__wl_find_list(wl, list, &id, NULL, NULL, err)))
		return rc;
	return digest_row(wl, id, version, false, d, err);
}

tims_rc tims_wl_digest(struct tims_wl *wl, const char *list, struct tims_wl_digest *d,
		       struct tims_err *err)
{
	struct tims_wl_digest prev;
	enum tims_wl_kind kind;
	sqlite3_stmt *st = NULL;
	uint64_t version;
	int64_t id;
	tims_rc rc;

	memset(d, 0, sizeof(*d));
	if ((rc = tims__wl_find_list(wl, list, &id, &kind, &version, err)))
		return rc;
	if ((rc = digest_row(wl, id, version, false, d, err)) != TIMS_ERR_NOTFOUND)
		return rc;
	/* First asked for this version: the store holds it now (every change
	 * of content makes a new version), so its content is what is stored. */
	d->version = version;
	if ((rc = tims_wl_content_hash(wl, list, d->content, err)))
		return rc;
	rc = digest_row(wl, id, version, true, &prev, err);
	if (rc == TIMS_OK)
		memcpy(d->prev, prev.digest, 32);
	else if (rc != TIMS_ERR_NOTFOUND)
		return rc;
	tims_wl_digest_compute(list, kind, version, d->prev, d->content, d->digest);
	if (sqlite3_prepare_v2(wl->db, "INSERT OR IGNORE INTO list_digests (list_id, version,"
			       " content, digest, prev) VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st,
			       NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "list_digests");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)version);
	sqlite3_bind_blob(st, 3, d->content, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, d->digest, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, d->prev, 32, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? TIMS_OK : tims__wl_dberr(wl, err, "list_digests");
	sqlite3_finalize(st);
	return rc;
}

/* --- who changed a list ---------------------------------------------------- */

void tims_wl_set_actor(struct tims_wl *wl, const char *actor, bool from_centre)
{
	snprintf(wl->actor, sizeof(wl->actor), "%s", actor ? actor : "");
	wl->from_centre = from_centre;
}

tims_rc tims__wl_record_change(struct tims_wl *wl, int64_t list_id, uint64_t version,
			       const char *action, uint64_t count, const char *ref,
			       struct tims_err *err)
{
	sqlite3_stmt *st;
	tims_rc rc = TIMS_OK;

	if (sqlite3_prepare_v2(wl->db, "INSERT OR REPLACE INTO list_changes (list_id, version,"
			       " action, actor, count, ref, time_s) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
			       " CAST(strftime('%s','now') AS INTEGER))", -1, &st, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "list_changes");
	sqlite3_bind_int64(st, 1, list_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)version);
	sqlite3_bind_text(st, 3, wl->from_centre ? "bundle" : action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, wl->actor[0] ? wl->actor : "-", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)count);
	sqlite3_bind_text(st, 6, ref ? ref : "", -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = tims__wl_dberr(wl, err, "list_changes");
	sqlite3_finalize(st);
	return rc;
}

static void change_row(sqlite3_stmt *st, struct tims_wl_change *c)
{
	memset(c, 0, sizeof(*c));
	c->version = (uint64_t)sqlite3_column_int64(st, 0);
	snprintf(c->action, sizeof(c->action), "%s", (const char *)sqlite3_column_text(st, 1));
	snprintf(c->actor, sizeof(c->actor), "%s", (const char *)sqlite3_column_text(st, 2));
	c->count = (uint64_t)sqlite3_column_int64(st, 3);
	snprintf(c->ref, sizeof(c->ref), "%s", (const char *)sqlite3_column_text(st, 4));
	c->time_s = sqlite3_column_int64(st, 5);
}

tims_rc tims_wl_changes(struct tims_wl *wl, const char *list, uint64_t since, size_t max,
			struct tims_wl_change *out, size_t *n, struct tims_err *err)
{
	sqlite3_stmt *st;
	int64_t id;
	tims_rc rc;
	int r = SQLITE_DONE;

	*n = 0;
	if ((rc = tims__wl_find_list(wl, list, &id, NULL, NULL, err)))
		return rc;
	if (sqlite3_prepare_v2(wl->db, "SELECT version, action, actor, count, ref, time_s"
			       " FROM list_changes WHERE list_id = ?1 AND version > ?2"
			       " ORDER BY version LIMIT ?3", -1, &st, NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "list_changes");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, since > INT64_MAX ? INT64_MAX : (sqlite3_int64)since);
	sqlite3_bind_int64(st, 3, max > INT64_MAX ? INT64_MAX : (sqlite3_int64)max);
	while (*n < max && (r = sqlite3_step(st)) == SQLITE_ROW)
		change_row(st, &out[(*n)++]);
	if (*n < max && r != SQLITE_DONE)
		rc = tims__wl_dberr(wl, err, "list_changes");
	sqlite3_finalize(st);
	return rc;
}

tims_rc tims_wl_change_at(struct tims_wl *wl, const char *list, uint64_t version,
			  struct tims_wl_change *c, struct tims_err *err)
{
	size_t n;
	tims_rc rc;

	memset(c, 0, sizeof(*c));
	if (version == 0)
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "watchlist %s: no version 0", list);
	if ((rc = tims_wl_changes(wl, list, version - 1, 1, c, &n, err)))
		return rc;
	if (n == 0 || c->version != version) {
		memset(c, 0, sizeof(*c));
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "watchlist %s: no change recorded for "
				    "version %" PRIu64, list, version);
	}
	return TIMS_OK;
}

/* --- quarantine: lists not to be screened against ------------------------ */

tims_rc tims_wl_quarantine(struct tims_wl *wl, const char *list, const char *reason,
			   struct tims_err *err)
{
	for (size_t i = 0; i < wl->nquarantine; i++)
		if (!strcmp(wl->quarantine[i].list, list)) {
			if (reason) {
				snprintf(wl->quarantine[i].reason, sizeof(wl->quarantine[i].reason),
					 "%s", reason);
			} else {
				wl->quarantine[i] = wl->quarantine[--wl->nquarantine];
			}
			return TIMS_OK;
		}
	if (!reason)
		return TIMS_OK;
	if (wl->nquarantine == TIMS_WL_QUARANTINE_MAX) {
		wl->quarantine_overflow = true; /* every list, then */
		return tims_err_set(err, TIMS_ERR_TOOBIG, "quarantine: more than %d lists",
				    TIMS_WL_QUARANTINE_MAX);
	}
	snprintf(wl->quarantine[wl->nquarantine].list, sizeof(wl->quarantine[0].list), "%s", list);
	snprintf(wl->quarantine[wl->nquarantine].reason, sizeof(wl->quarantine[0].reason), "%s",
		 reason);
	wl->nquarantine++;
	return TIMS_OK;
}

bool tims_wl_quarantined(const struct tims_wl *wl, const char *list, char *reason, size_t cap)
{
	for (size_t i = 0; wl && i < wl->nquarantine; i++)
		if (!strcmp(wl->quarantine[i].list, list)) {
			if (reason && cap)
				snprintf(reason, cap, "%s", wl->quarantine[i].reason);
			return true;
		}
	if (wl && wl->quarantine_overflow) {
		if (reason && cap)
			snprintf(reason, cap, "too many lists quarantined");
		return true;
	}
	return false;
}

void tims_wl_quarantine_copy(struct tims_wl *dst, const struct tims_wl *src, const char *except)
{
	if (!dst || !src)
		return;
	for (size_t i = 0; i < src->nquarantine; i++)
		if (!except || strcmp(src->quarantine[i].list, except))
			tims_wl_quarantine(dst, src->quarantine[i].list, src->quarantine[i].reason,
					   NULL);
	dst->quarantine_overflow = dst->quarantine_overflow || src->quarantine_overflow;
}

bool tims_wl_quarantine_any(const struct tims_wl *wl, char *msg, size_t cap)
{
	if (!wl || (!wl->nquarantine && !wl->quarantine_overflow))
		return false;
	if (wl->nquarantine)
		snprintf(msg, cap, "watchlist %s is not screened at this post: %s; screening is "
			 "unavailable until it is repaired from the centre",
			 wl->quarantine[0].list, wl->quarantine[0].reason);
	else
		snprintf(msg, cap, "more than %d watchlists are quarantined at this post: "
			 "screening is unavailable", TIMS_WL_QUARANTINE_MAX);
	return true;
}

tims_rc tims_wl_set_threshold(struct tims_wl *wl, const char *list, double threshold,
			      struct tims_err *err)
{
	sqlite3_stmt *st;
	int64_t id;
	tims_rc rc;

	if (!(threshold >= 0 && threshold <= 1))
		return tims_err_set(err, TIMS_ERR_INVALID, "threshold: not between 0 and 1");
	if ((rc = tims__wl_find_list(wl, list, &id, NULL, NULL, err)))
		return rc;
	if (sqlite3_prepare_v2(wl->db, "UPDATE lists SET threshold = ?1 WHERE id = ?2", -1, &st,
			       NULL) != SQLITE_OK)
		return tims__wl_dberr(wl, err, "lists");
	sqlite3_bind_double(st, 1, threshold);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st) == SQLITE_DONE ? TIMS_OK : tims__wl_dberr(wl, err, "lists");
	sqlite3_finalize(st);
	return rc;
}
