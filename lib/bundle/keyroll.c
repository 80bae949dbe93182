/*
 * keyroll.c — a centre key's successor announced under the old key
 * (tims/keyroll.h), made at the centre and followed at the posts.
 */
#include <dirent.h>
#include <jansson.h>
#include <sodium.h>

#include "tims/keyroll.h"
#include "tims/util.h"

#define KR_PATH 4200
#define KR_VKEY_MAX 512

static int same_key(const struct tims_verifier *a, const struct tims_verifier *b)
{
	return a->alg == b->alg && a->keyhash == b->keyhash && !strcmp(a->name, b->name) &&
	       !memcmp(a->pub, b->pub, TIMS_PUBKEY_BYTES);
}

/* The Ed25519 note key of a key's public half (a cosigner's too). */
static void note_view(const struct tims_verifier *v, struct tims_verifier *out)
{
	*out = *v;
	out->alg = TIMS_KEY_ED25519;
	out->keyhash = tims_note_keyhash(v->name, TIMS_KEY_ED25519, v->pub);
}

static const char *role_file(const char *role)
{
	return !strcmp(role, "bundle") ? "bundle" : !strcmp(role, "cosigner") ? "cosign" :
	       !strcmp(role, "witness") ? "witness" : NULL;
}

static uint8_t role_alg(const char *role)
{
	return strcmp(role, "bundle") ? TIMS_KEY_COSIGNATURE_V1 : TIMS_KEY_ED25519;
}

tims_rc tims_keyroll_make(const char *centre, const char *role, const struct tims_signer *old,
			  const struct tims_signer *next, int64_t time_s, int64_t until_s,
			  struct tims_buf *out, struct tims_err *err)
{
	struct tims_buf t = TIMS_BUF_INIT(4096);
	struct tims_verifier ov, nv;
	struct tims_signer s[2];
	tims_rc rc;

	if (!role_file(role) || old->alg != role_alg(role) || next->alg != role_alg(role))
		return tims_err_set(err, TIMS_ERR_USAGE, "keyroll: role bundle (0x01 keys), "
				    "cosigner or witness (0x04 keys)");
	if (until_s < time_s)
		return tims_err_set(err, TIMS_ERR_USAGE, "keyroll: the overlap ends before it starts");
	tims_signer_verifier(old, &ov);
	tims_signer_verifier(next, &nv);
	if ((rc = tims_buf_addf(&t, "%scentre %s\nrole %s\nold ", TIMS_KEYROLL_HEADER, centre,
				role)) ||
	    (rc = tims_verifier_format(&ov, &t)) || (rc = tims_buf_addstr(&t, "\nnew ")) ||
	    (rc = tims_verifier_format(&nv, &t)) ||
	    (rc = tims_buf_addf(&t, "\ntime %lld\noverlap-until %lld\n", (long long)time_s,
				(long long)until_s))) {
		tims_buf_release(&t);
		return tims_err_set(err, rc, "keyroll: too long");
	}
	/* both sign as Ed25519 note keys (a cosigner key cosigns only
	 * checkpoints: its note view signs this text) */
	s[0] = *old;
	s[1] = *next;
	for (int i = 0; i < 2; i++) {
		s[i].alg = TIMS_KEY_ED25519;
		s[i].keyhash = tims_note_keyhash(s[i].name, TIMS_KEY_ED25519, s[i].pub);
	}
	rc = tims_note_sign(t.buf, t.len, s, 2, out, err);
	tims_buf_release(&t);
	return rc;
}

/* "KEY VALUE\n" at *p, exactly; advances *p. */
static int kv(const char **p, const char *end, const char *key, char *val, size_t cap)
{
	size_t kl = strlen(key);
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));

	if (!nl || (size_t)(nl - *p) <= kl + 1 || memcmp(*p, key, kl) || (*p)[kl] != ' ' ||
	    (size_t)(nl - *p - kl - 1) >= cap)
		return 0;
	memcpy(val, *p + kl + 1, (size_t)(nl - *p - kl - 1));
	val[nl - *p - kl - 1] = '\0';
	*p = nl + 1;
	return 1;
}

static int parse_time(const char *s, int64_t *out)
{
	int64_t v = 0;

	if (!*s || (*s == '0' && s[1]))
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 1;
}

tims_rc tims_keyroll_parse(const char *note, size_t len, struct tims_keyroll *k,
			   struct tims_err *err)
{
	struct tims_note *n = malloc(sizeof(*n));
	struct tims_verifier v[2];
	char ok[KR_VKEY_MAX], nk[KR_VKEY_MAX], t[32], u[32];
	const char *p, *end;
	tims_rc rc;

	memset(k, 0, sizeof(*k));
	if (len < sizeof(TIMS_KEYROLL_HEADER) - 1 ||
	    memcmp(note, TIMS_KEYROLL_HEADER, sizeof(TIMS_KEYROLL_HEADER) - 1)) {
		free(n);
		return TIMS_ERR_NOTFOUND;
	}
	if (!n)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if ((rc = tims_note_parse(note, len, n, err)))
		goto out;
	p = n->text;
	end = n->text + n->textlen;
	if ((size_t)(end - p) < sizeof(TIMS_KEYROLL_HEADER) - 1 ||
	    memcmp(p, TIMS_KEYROLL_HEADER, sizeof(TIMS_KEYROLL_HEADER) - 1)) {
		rc = TIMS_ERR_NOTFOUND;
		goto out;
	}
	p += sizeof(TIMS_KEYROLL_HEADER) - 1;
	rc = TIMS_ERR_INVALID;
	if (!kv(&p, end, "centre", k->centre, sizeof(k->centre)) ||
	    !kv(&p, end, "role", k->role, sizeof(k->role)) || !role_file(k->role) ||
	    !kv(&p, end, "old", ok, sizeof(ok)) || !kv(&p, end, "new", nk, sizeof(nk)) ||
	    !kv(&p, end, "time", t, sizeof(t)) || !kv(&p, end, "overlap-until", u, sizeof(u)) ||
	    p != end || !parse_time(t, &k->time_s) || !parse_time(u, &k->until_s) ||
	    k->until_s < k->time_s) {
		tims_err_set(err, rc, "key announcement: a line of the signed text is malformed");
		goto out;
	}
	if ((rc = tims_verifier_parse(ok, &k->old, err)) ||
	    (rc = tims_verifier_parse(nk, &k->next, err)))
		goto out;
	rc = TIMS_ERR_INVALID;
	if (k->old.alg != role_alg(k->role) || k->next.alg != role_alg(k->role) ||
	    !memcmp(k->old.pub, k->next.pub, TIMS_PUBKEY_BYTES)) {
		tims_err_set(err, rc, "key announcement: the keys are not two %s keys",
			     k->role);
		goto out;
	}
	note_view(&k->old, &v[0]);
	note_view(&k->next, &v[1]);
	if ((rc = tims_note_verify(note, len, v, 2, n, err)))
		goto out;
	if ((n->verified_mask & 3) != 3) {
		rc = tims_err_set(err, TIMS_ERR_SIGNATURE,
				  "key announcement: not signed by %s key %s+%08" PRIx32,
				  n->verified_mask & 1 ? "the new" : "the old",
				  n->verified_mask & 1 ? k->next.name : k->old.name,
				  n->verified_mask & 1 ? k->next.keyhash : k->old.keyhash);
		goto out;
	}
	rc = TIMS_OK;
out:
	free(n);
	return rc;
}

static tims_rc read_key(const char *path, struct tims_verifier *v, int64_t *until,
			struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(KR_VKEY_MAX * 2);
	char *nl;
	tims_rc rc;

	if ((rc = tims_read_file(path, KR_VKEY_MAX * 2 - 1, &b, err)))
		return rc;
	if ((rc = tims_buf_addch(&b, '\0'))) {
		tims_buf_release(&b);
		return tims_err_set(err, rc, "%s: too large", path);
	}
	if ((nl = strchr(b.buf, '\n')))
		*nl = '\0';
	rc = tims_verifier_parse(b.buf, v, err);
	if (!rc && until) {
		char *end = nl ? strchr(nl + 1, '\n') : NULL;

		*until = 0;
		if (end)
			*end = '\0'; /* the line's own newline */
		if (!nl || strncmp(nl + 1, "until ", 6) || !parse_time(nl + 7, until))
			rc = tims_err_set(err, TIMS_ERR_INVALID, "%s: want VKEY and until SECONDS",
					  path);
	}
	tims_buf_release(&b);
	return rc;
}

tims_rc tims_keyroll_apply(const char *cdir, const char *centre, const char *note, size_t len,
			   int *applied, struct tims_err *err)
{
	char pin[KR_PATH], prev[KR_PATH];
	struct tims_buf w = TIMS_BUF_INIT(KR_VKEY_MAX * 2);
	struct tims_keyroll k;
	struct tims_verifier held;
	tims_rc rc;

	*applied = 0;
	if ((rc = tims_keyroll_parse(note, len, &k, err))) {
		if (rc == TIMS_ERR_NOTFOUND)
			rc = tims_err_set(err, TIMS_ERR_INVALID, "not a key announcement");
		return rc;
	}
	if (strcmp(k.centre, centre))
		return tims_err_set(err, TIMS_ERR_SIGNATURE,
				    "key announcement: made by centre %s, not %s", k.centre, centre);
	snprintf(pin, sizeof(pin), "%s/%s.vkey", cdir, role_file(k.role));
	snprintf(prev, sizeof(prev), "%s/%s.prev", cdir, role_file(k.role));
	if ((rc = read_key(pin, &held, NULL, err)))
		return rc;
	if (same_key(&held, &k.next))
		return TIMS_OK; /* followed already */
	if (!same_key(&held, &k.old))
		return tims_err_set(err, TIMS_ERR_SIGNATURE,
				    "key announcement: the %s key handed over from %s+%08" PRIx32
				    " is not the one this post holds (%s+%08" PRIx32 ")", k.role,
				    k.old.name, k.old.keyhash, held.name, held.keyhash);
	if ((rc = tims_verifier_format(&k.old, &w)) ||
	    (rc = tims_buf_addf(&w, "\nuntil %lld\n", (long long)k.until_s)) ||
	    (rc = tims_write_file(prev, w.buf, w.len, 0600, 1, err)))
		goto out;
	tims_buf_reset(&w);
	if ((rc = tims_verifier_format(&k.next, &w)) || (rc = tims_buf_addch(&w, '\n')) ||
	    (rc = tims_write_file(pin, w.buf, w.len, 0600, 1, err)))
		goto out;
	*applied = 1;
out:
	tims_buf_release(&w);
	return rc;
}

tims_rc tims_keyroll_keys(const char *cdir, const char *role, int64_t now_s,
			  struct tims_verifier keys[2], size_t *n, struct tims_err *err)
{
	char pin[KR_PATH], prev[KR_PATH];
	int64_t until = 0;
	tims_rc rc;

	*n = 0;
	if (!role_file(role))
		return tims_err_set(err, TIMS_ERR_USAGE, "keyroll: no role %s", role);
	snprintf(pin, sizeof(pin), "%s/%s.vkey", cdir, role_file(role));
	snprintf(prev, sizeof(prev), "%s/%s.prev", cdir, role_file(role));
	if ((rc = read_key(pin, &keys[0], NULL, err)))
		return rc;
	*n = 1;
	if (access(prev, F_OK) == 0 && !read_key(prev, &keys[1], &until, NULL) && now_s < until)
		*n = 2;
	return TIMS_OK;
}

/* The announcement files of dir, sorted: *names malloc'ed, 64 bytes each. */
static int note_names(const char *dir, char (**names)[64])
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	*names = NULL;
	if (!d)
		return 0;
	if (!(*names = calloc(TIMS_KEYROLL_MAX_NOTES, sizeof(**names)))) {
		closedir(d);
		return -1;
	}
	while ((e = readdir(d)) && n < TIMS_KEYROLL_MAX_NOTES) {
		size_t l = strlen(e->d_name);

		if (l < 6 || l >= 64 || strcmp(e->d_name + l - 5, ".note"))
			continue;
		memcpy((*names)[n++], e->d_name, l + 1); /* l < 64, checked above */
	}
	closedir(d);
	qsort(*names, (size_t)n, 64, (int (*)(const void *, const void *))strcmp);
	return n;
}

int tims_keyroll_count(const char *dir)
{
	char (*names)[64];
	int n = note_names(dir, &names);

	free(names);
	return n;
}

tims_rc tims_keyroll_list(const char *dir, struct tims_buf *out, struct tims_err *err)
{
	char (*names)[64];
	json_t *o = json_object(), *a = json_array();
	char *text = NULL, path[4200];
	tims_rc rc = TIMS_OK;
	int n = note_names(dir, &names);

	if (n < 0 || !o || !a) {
		json_decref(o);
		json_decref(a);
		free(names);
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	}
	if (json_object_set_new(o, "announcements", a)) { /* a is released */
		json_decref(o);
		free(names);
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	}
	for (int i = 0; !rc && i < n; i++) {
		struct tims_buf b = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES);

		if (snprintf(path, sizeof(path), "%s/%.63s", dir, names[i]) >= (int)sizeof(path))
			continue;
		if (!(rc = tims_read_file(path, TIMS_NOTE_MAX_BYTES, &b, err)) &&
		    json_array_append_new(a, json_stringn(b.buf, b.len)))
			rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		tims_buf_release(&b);
	}
	if (!rc && (!(text = json_dumps(o, JSON_COMPACT)) || tims_buf_addstr(out, text)))
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	free(text);
	json_decref(o);
	free(names);
	return rc;
}
