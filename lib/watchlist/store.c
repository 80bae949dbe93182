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
 *
 * Beside it: writer.c, the one way entries change and the content digest
 * kept with them; idents.c, identifier fingerprints and the screening
 * index loaded from the store and kept up to date; fpindex.c, the store's
 * index of those fingerprints (a main table and the recent changes).
 */
#include <pthread.h>
#include <sodium.h>
#include <sys/stat.h>

#include "tims/schema.h"
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
	/* Schema version (tims/schema.h): a store of a newer TIMS refused
	 * before anything is written; the steps below (tables, fingerprints,
	 * sums) each skip what is done; the version is written after them. */
	if ((rc2 = tims_schema_check(wl->db, path, TIMS_SCHEMA_WATCHLISTS, NULL, err))) {
		sqlite3_close(wl->db);
		free(wl);
		return rc2;
	}
	if (sqlite3_exec(wl->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
		tims_rc rc = tims_err_set(err, TIMS_ERR_DB, "%s: %s", path,
					  msg ? msg : "schema");
		sqlite3_free(msg);
		sqlite3_close(wl->db);
		free(wl);
		return rc;
	}
	if ((rc2 = tims__wl_fp_schema(wl, err)) || (rc2 = attach_vault(wl, dir, err)) ||
	    (rc2 = tims__wl_fp_fill(wl, err)) || (rc2 = tims__wl_sums_missing(wl, err)) ||
	    (rc2 = tims_schema_set(wl->db, path, TIMS_SCHEMA_WATCHLISTS, err))) {
		tims_wl_close(wl);
		return rc2;
	}
	*out = wl;
	return TIMS_OK;
}

void tims_wl_close(struct tims_wl *wl)
{
	if (!wl)
		return;
	tims__wl_ckpt_join(wl, NULL);
	tims_vault_close(wl->vault);
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
	/* a whole list removed: its tombstones folded now (fpindex.c) */
	tims__wl_fp_fold(wl, TIMS_WL_FP_RECENT_FOLD, NULL);
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
