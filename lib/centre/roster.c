/*
 * roster.c — the officer accounts the centre sends to its posts
 * (docs/bundles.md, "Officer rosters").
 *
 * Accounts live in the centre's officer store (DIR/node.db, lib/officer,
 * managed with `tims centre officer`). Which post receives which account is
 * the `assignments` table of centre.db (`tims centre assign`): an officer
 * assigned to "*" goes to every post. Each post's roster is sealed under its
 * own roster key (DIR/roster/NAME.key, issued at enrolment) and signed with
 * the bundle key; its version goes up by one whenever its contents change,
 * so that a post can refuse an older or replayed one.
 */
#include <sodium.h>
#include <sys/stat.h>

#include "internal.h"
#include "tims/bundle.h"
#include "tims/officer.h"
#include "tims/util.h"

#define ROSTER_MAX_ASSIGNED 100000

static const char roster_schema[] =
	"CREATE TABLE IF NOT EXISTS assignments(officer TEXT NOT NULL, post TEXT NOT NULL,"
	" PRIMARY KEY (officer, post)) STRICT;"
	"CREATE TABLE IF NOT EXISTS roster_versions(post TEXT PRIMARY KEY,"
	" version INTEGER NOT NULL, sha256 BLOB NOT NULL) STRICT;";

static tims_rc key_path(struct tims_centre *c, const char *post, char *out,
			struct tims_err *err)
{
	if (snprintf(out, CENTRE_PATH_MAX, "%s/roster/%s.key", c->dir, post) >= CENTRE_PATH_MAX)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", c->dir);
	return TIMS_OK;
}

tims_rc centre_roster_key_load(struct tims_centre *c, const char *post,
			       uint8_t key[TIMS_BUNDLE_ROSTER_KEY_BYTES], struct tims_err *err)
{
	struct tims_buf kb = TIMS_BUF_INIT(64);
	char path[CENTRE_PATH_MAX];
	tims_rc rc;

	if ((rc = key_path(c, post, path, err)))
		return rc;
	if (access(path, F_OK) != 0)
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "post %s: has no roster key (enrolled "
				    "before rosters existed: enrol it again)", post);
	if (!(rc = tims_read_file(path, 64, &kb, err)) && kb.len != TIMS_BUNDLE_ROSTER_KEY_BYTES)
		rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: want %d bytes", path,
				  TIMS_BUNDLE_ROSTER_KEY_BYTES);
	if (!rc)
		memcpy(key, kb.buf, TIMS_BUNDLE_ROSTER_KEY_BYTES);
	if (kb.buf)
		sodium_memzero(kb.buf, kb.len);
	tims_buf_release(&kb);
	return rc;
}

tims_rc centre_roster_key_issue(struct tims_centre *c, const char *post,
				const char *out_dir, struct tims_err *err)
{
	char path[CENTRE_PATH_MAX];
	uint8_t key[TIMS_BUNDLE_ROSTER_KEY_BYTES];
	tims_rc rc;

	if (snprintf(path, sizeof(path), "%s/roster", c->dir) >= (int)sizeof(path))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", c->dir);
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return tims_err_set(err, TIMS_ERR_IO, "%s: %s", path, strerror(errno));
	randombytes_buf(key, sizeof(key));
	if ((rc = key_path(c, post, path, err)) ||
	    (rc = tims_write_file(path, key, sizeof(key), 0600, 1, err)))
		goto out;
	if (snprintf(path, sizeof(path), "%s/roster.key", out_dir) >= (int)sizeof(path)) {
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "%s: path too long", out_dir);
		goto out;
	}
	rc = tims_write_file(path, key, sizeof(key), 0600, 1, err);
out:
	sodium_memzero(key, sizeof(key));
	return rc;
}

static tims_rc schema(struct tims_centre *c, struct tims_err *err)
{
	if (sqlite3_exec(c->db, roster_schema, NULL, NULL, NULL) != SQLITE_OK)
		return centre_db_err(c, "roster", err);
	return TIMS_OK;
}

tims_rc tims_centre_assign(struct tims_centre *c, const char *officer,
			   const char *post, int on, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	tims_rc rc;

	if (!post)
		post = "*";
	if (!officer || !*officer || strlen(officer) > TIMS_OFFICER_ID_MAX)
		return tims_err_set(err, TIMS_ERR_INVALID, "officer: want 1-%d characters",
				    TIMS_OFFICER_ID_MAX);
	pthread_mutex_lock(&c->db_lock);
	if ((rc = schema(c, err)))
		goto out;
	if (strcmp(post, "*") != 0) {
		if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM posts WHERE name = ?1", -1, &st,
				       NULL) != SQLITE_OK) {
			rc = centre_db_err(c, "assign", err);
			goto out;
		}
		sqlite3_bind_text(st, 1, post, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_ROW) {
			rc = tims_err_set(err, TIMS_ERR_NOTFOUND, "post %s: not enrolled", post);
			goto out;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	if (sqlite3_prepare_v2(c->db, on ? "INSERT OR IGNORE INTO assignments VALUES (?1, ?2)" :
			       "DELETE FROM assignments WHERE officer = ?1 AND post = ?2", -1,
			       &st, NULL) != SQLITE_OK) {
		rc = centre_db_err(c, "assign", err);
		goto out;
	}
	sqlite3_bind_text(st, 1, officer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, post, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = centre_db_err(c, "assign", err);
	else if (!on && sqlite3_changes(c->db) == 0)
		rc = tims_err_set(err, TIMS_ERR_NOTFOUND, "officer %s: not assigned to %s",
				  officer, strcmp(post, "*") ? post : "every post");
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db_lock);
	if (!rc)
		tims_centre_event(c, on ? "assigned" : "unassigned", NULL, officer);
	return rc;
}

/* The ids assigned to a post (directly or through "*"), sorted. */
struct assigned {
	char (*id)[TIMS_OFFICER_ID_MAX + 1];
	size_t n;
};

static int cmp_id(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int want_assigned(void *ctx, const char *id, unsigned role)
{
	const struct assigned *a = ctx;

	(void)role;
	return a->n && bsearch(id, a->id, a->n, sizeof(a->id[0]), cmp_id) != NULL;
}

static tims_rc load_assigned(struct tims_centre *c, const char *post, struct assigned *a,
			     struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	tims_rc rc = TIMS_OK;

	memset(a, 0, sizeof(*a));
	if (sqlite3_prepare_v2(c->db, "SELECT DISTINCT officer FROM assignments WHERE post = ?1"
			       " OR post = '*' ORDER BY officer", -1, &st, NULL) != SQLITE_OK)
		return centre_db_err(c, "roster", err);
	sqlite3_bind_text(st, 1, post, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);

		if (!id || strlen(id) > TIMS_OFFICER_ID_MAX)
			continue;
		if (a->n == cap) {
			void *p;

			if (cap >= ROSTER_MAX_ASSIGNED) {
				rc = tims_err_set(err, TIMS_ERR_TOOBIG, "roster of %s: more than %d "
						  "officers", post, ROSTER_MAX_ASSIGNED);
				break;
			}
			cap = cap ? cap * 2 : 64;
			if (!(p = realloc(a->id, cap * sizeof(a->id[0])))) {
				rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
				break;
			}
			a->id = p;
		}
		snprintf(a->id[a->n++], sizeof(a->id[0]), "%s", id);
	}
	sqlite3_finalize(st);
	/* SQLite's ORDER BY and strcmp agree for these ASCII ids. */
	return rc;
}

/* The version for this content: the held one, or one more if it changed. */
static tims_rc version_of(struct tims_centre *c, const char *post, const uint8_t sha[32],
			  uint64_t *version, struct tims_err *err)
{
	sqlite3_stmt *st = NULL;
	uint64_t v = 0;
	tims_rc rc = TIMS_OK;

	if (sqlite3_prepare_v2(c->db, "SELECT version, sha256 FROM roster_versions WHERE"
			       " post = ?1", -1, &st, NULL) != SQLITE_OK)
		return centre_db_err(c, "roster", err);
	sqlite3_bind_text(st, 1, post, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		v = (uint64_t)sqlite3_column_int64(st, 0);
		if (sqlite3_column_bytes(st, 1) == 32 &&
		    !memcmp(sqlite3_column_blob(st, 1), sha, 32)) {
			sqlite3_finalize(st);
			*version = v;
			return TIMS_OK;
		}
	}
	sqlite3_finalize(st);
	v++;
	if (sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO roster_versions VALUES (?1, ?2, ?3)",
			       -1, &st, NULL) != SQLITE_OK)
		return centre_db_err(c, "roster", err);
	sqlite3_bind_text(st, 1, post, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)v);
	sqlite3_bind_blob(st, 3, sha, 32, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = centre_db_err(c, "roster", err);
	sqlite3_finalize(st);
	*version = v;
	return rc;
}

tims_rc tims_centre_roster(struct tims_centre *c, const char *post, uint64_t *version,
			   struct tims_buf *out, struct tims_err *err)
{
	struct tims_buf plain = TIMS_BUF_INIT(TIMS_BUNDLE_MAX / 2);
	struct tims_officers *o = NULL;
	struct assigned a = { NULL, 0 };
	char path[CENTRE_PATH_MAX];
	uint8_t key[TIMS_BUNDLE_ROSTER_KEY_BYTES], sha[32];
	struct tims_buf kb = TIMS_BUF_INIT(64);
	tims_rc rc;

	*version = 0;
	if ((rc = key_path(c, post, path, err)))
		return rc;
	if (access(path, F_OK) != 0)
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "post %s: has no roster key (enrolled "
				    "before rosters existed: enrol it again)", post);
	pthread_mutex_lock(&c->db_lock);
	rc = schema(c, err);
	if (!rc)
		rc = load_assigned(c, post, &a, err);
	pthread_mutex_unlock(&c->db_lock);
	if (rc)
		goto out;
	if ((rc = tims_officers_open_dir(c->dir, TIMS_PW_COST_TEST, &o, err)) ||
	    (rc = tims_officer_roster_export(o, want_assigned, &a, &plain, err)))
		goto out;
	crypto_hash_sha256(sha, (const uint8_t *)tims_buf_str(&plain), plain.len);
	pthread_mutex_lock(&c->db_lock);
	rc = version_of(c, post, sha, version, err);
	pthread_mutex_unlock(&c->db_lock);
	if (rc || !out)
		goto out;
	if ((rc = tims_read_file(path, 64, &kb, err)))
		goto out;
	if (kb.len != sizeof(key)) {
		rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: want %zu bytes", path, sizeof(key));
		goto out;
	}
	memcpy(key, kb.buf, sizeof(key));
	rc = tims_bundle_roster(tims_buf_str(&plain), plain.len, c->name, post, *version, key,
				&c->bundle_signer, out, err);
	sodium_memzero(key, sizeof(key));
out:
	if (kb.buf)
		sodium_memzero(kb.buf, kb.len);
	tims_buf_release(&kb);
	if (plain.buf)
		sodium_memzero(plain.buf, plain.len);
	tims_buf_release(&plain);
	tims_officers_close_dir(o);
	free(a.id);
	return rc;
}
