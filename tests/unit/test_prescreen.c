/*
 * test_prescreen.c — the screened passenger lists from the centre to an
 * airport post, and the booth's look-up in them (tims/prescreen.h,
 * lib/api/prescreen.c; docs/paxlst.md "At the booth").
 *
 * What an officer at the booth relies on: a traveller on a flight's list
 * is found by the document read at the booth, with the centre's outcome;
 * one on no list is on none. What an attacker tries and loses: a list
 * forged or tampered with, an old one replayed, one made for another
 * airport's post, a malformed one; and a German passport listed as DEU
 * but read as D must still be found (a Danish one of the same number
 * must not). The post's store holds no document number or name in clear,
 * and a discreet-check hit never reaches it.
 */
#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "t.h"
#include "tims/api.h"
#include "tims/buf.h"
#include "tims/bundle.h"
#include "tims/note.h"
#include "tims/paxlst.h"
#include "tims/prescreen.h"
#include "tims/screen.h"
#include "tims/util.h"
#include "tims/vault.h"
#include "tims/watchlist.h"

#define HOUR 3600000LL

struct pax { const char *sur, *giv, *dob, *nat, *doc; };

/* A PAXLST interchange (D:05B) of flight fno, BEG 08:30 to TIA 10:40
 * local, on 2026-12-07. */
static void message(struct tims_buf *b, const char *fno, const struct pax *p, size_t n)
{
	int segs = 7;

	tims_buf_reset(b);
	(void)tims_buf_addf(b, "UNA:+.? 'UNB+UNOA:4+JU:ZZ+ALBAPI:ZZ+261207:0500+1'");
	(void)tims_buf_addf(b, "UNH+1+PAXLST:D:05B:UN:IATA+%s/261207/1040+01:F'BGM+745'"
			       "TDT+20+%s'LOC+125+BEG'DTM+189:202612070830:203'LOC+87+TIA'"
			       "DTM+232:202612071040:203'", fno, fno);
	for (size_t i = 0; i < n; i++) {
		(void)tims_buf_addf(b, "NAD+FL+++%s:%s'ATT+2++M'DTM+329:%s:102'NAT+2+%s'"
				       "DOC+P+%s'LOC+91+%s'", p[i].sur, p[i].giv, p[i].dob, p[i].nat,
				       p[i].doc, p[i].nat);
		segs += 6;
	}
	(void)tims_buf_addf(b, "CNT+42:%zu'UNT+%d+1'UNZ+1+1'", n, segs + 2);
}

static const struct pax pax[] = {
	{ "KOSTOVA", "VERA", "19700102", "BGR", "BG1000001" },      /* discreet check */
	{ "SHCHERBAKOV", "YURIY", "19710412", "RUS", "RU2000002" },  /* wanted */
	{ "HOXHA", "ARBEN", "19850607", "ALB", "AL3000003" },        /* stolen passport */
	{ "MUELLER", "HANS", "19800101", "DEU", "C01X00T47" },       /* German, clear */
	{ "LEKA", "DRITA", "19900909", "ALB", "AL4000004" },         /* clear */
};

static struct tims_wl *wl;
static struct tims_screen_index *ix;

static void setup_watchlists(const char *dir)
{
	static const char persons[] = "ref,name,dob,nationality,sex,alert\n"
				      "W-1,\"SHCHERBAKOV, Yuriy\",1971-04-12,RUS,M,wanted\n"
				      "D-7,\"KOSTOVA, Vera\",1970-01-02,BGR,F,discreet-check\n";
	static const char docs[] = "{\"ref\":\"S-1\",\"number\":\"AL3000003\",\"issuing_state\":\"ALB\","
				   "\"status\":\"stolen\"}\n";
	struct tims_wl_import_opts o = { "wanted", TIMS_WL_PERSONS, TIMS_WL_CSV, false, false, -1,
					 NULL, NULL };
	struct tims_wl_import_result r;
	struct tims_err err;
	char wdir[700];

	snprintf(wdir, sizeof(wdir), "%s/watchlists", dir);
	T_OK(tims_wl_open(wdir, true, &wl, &err) == TIMS_OK &&
	     tims_wl_import(wl, &o, persons, strlen(persons), NULL, NULL, &r, &err) == TIMS_OK,
	     "a person list (%s)", err.msg);
	o.list = "sltd";
	o.kind = TIMS_WL_DOCUMENTS;
	o.format = TIMS_WL_JSONL;
	T_OK(tims_wl_import(wl, &o, docs, strlen(docs), NULL, NULL, &r, &err) == TIMS_OK &&
	     tims_wl_load_index(wl, &ix, &err) == TIMS_OK, "a document list, loaded (%s)", err.msg);
}

static tims_rc import(struct tims_api *a, const struct tims_buf *b, int64_t now,
		      struct tims_api_import_result *res, struct tims_err *err)
{
	struct tims_api_screening *s;
	struct tims_api_screener *sc;
	struct tims_paxlst p;
	uint8_t sha[32];
	tims_rc rc;

	crypto_hash_sha256(sha, (const unsigned char *)b->buf, b->len);
	if ((rc = tims_paxlst_parse(b->buf, b->len, NULL, &p, err)))
		return rc;
	s = calloc(p.n, sizeof(*s));
	if (!(rc = tims_api_screener_new(wl, ix, &sc, err))) {
		for (size_t i = 0; !rc && i < p.n; i++)
			rc = tims_api_screen(sc, &p.t[i], &s[i], err);
		tims_api_screener_free(sc);
	}
	if (!rc)
		rc = tims_api_store(a, sha, now, &p, s, NULL, NULL, res, err);
	free(s);
	tims_paxlst_release(&p);
	return rc;
}

static void signer(const char *name, struct tims_signer *s, struct tims_verifier *v)
{
	char *sk = NULL, *vk = NULL;

	if (tims_note_keygen(name, TIMS_KEY_ED25519, &sk, &vk, NULL) ||
	    tims_signer_from_skey(sk, s, NULL) || tims_verifier_parse(vk, v, NULL))
		abort();
	tims_note_free_secret(sk);
	free(vk);
}

/* Whether any file DIR/NAME* holds needle (the store and its WAL). */
static int on_disk(const char *dir, const char *name, const char *needle)
{
	const char *sfx[] = { "", "-wal", "-journal" };
	size_t k = strlen(needle);

	for (size_t i = 0; i < 3; i++) {
		struct tims_buf f = TIMS_BUF_INIT(64 << 20);
		char path[600];
		int found = 0;

		snprintf(path, sizeof(path), "%s/%s%s", dir, name, sfx[i]);
		if (tims_read_file(path, f.max, &f, NULL) == TIMS_OK)
			for (size_t j = 0; !found && j + k <= f.len; j++)
				found = !memcmp(f.buf + j, needle, k);
		tims_buf_release(&f);
		if (found)
			return 1;
	}
	return 0;
}

static tims_rc apply(const char *dir, struct tims_vault *v, const struct tims_buf *json,
		     const struct tims_verifier *vk, const char *post, const uint8_t key[32],
		     int64_t now, struct tims_prescreen_applied *res, struct tims_err *err)
{
	struct tims_bundle b;
	tims_rc rc;

	if ((rc = tims_bundle_open(json->buf, json->len, vk, "tims-centre", &b, err)))
		return rc;
	rc = tims_prescreen_apply(dir, v, &b, post, key, now, res, err);
	tims_bundle_release(&b);
	return rc;
}

int main(void)
{
	char dir[] = "/tmp/tims-prescreen-XXXXXX", cdir[600], pdir[600];
	struct tims_buf m = TIMS_BUF_INIT(1 << 20), lines = TIMS_BUF_INIT(1 << 20),
			bundle = TIMS_BUF_INIT(1 << 20), other = TIMS_BUF_INIT(1 << 20);
	struct tims_api_import_result *ires = calloc(1, sizeof(*ires));
	struct tims_vault *cv = NULL, *pv = NULL;
	struct tims_api *a = NULL;
	struct tims_signer key, forger;
	struct tims_verifier vkey, vforger;
	struct tims_prescreen_applied res;
	struct tims_prescreen_match pm;
	struct tims_err err;
	uint8_t rkey[32], rkey2[32];
	/* 2026-12-07T10:00Z: the flight landed at 10:40 Tirana time, 09:40Z */
	int64_t now = 1796637600000LL, landed = now - 20 * 60000LL;
	size_t n, skipped;
	tims_rc rc;

	if (sodium_init() < 0 || !mkdtemp(dir) || !ires)
		return 1;
	snprintf(cdir, sizeof(cdir), "%s/centre", dir);
	snprintf(pdir, sizeof(pdir), "%s/post", dir);
	if (mkdir(cdir, 0700) || mkdir(pdir, 0700))
		return 1;
	randombytes_buf(rkey, sizeof(rkey));
	randombytes_buf(rkey2, sizeof(rkey2));
	signer("tims-centre/bundles", &key, &vkey);
	signer("tims-centre/bundles", &forger, &vforger); /* the same name, another key */
	if (!T_OK(tims_vault_create(cdir, NULL, &err) == TIMS_OK &&
		  tims_vault_open(cdir, &cv, &err) == TIMS_OK &&
		  tims_vault_create(pdir, NULL, &err) == TIMS_OK &&
		  tims_vault_open(pdir, &pv, &err) == TIMS_OK,
		  "the centre's vault and the post's (%s)", err.msg))
		return t_done();
	setup_watchlists(cdir);
	T_OK(tims_api_open(cdir, cv, &a, &err) == TIMS_OK, "api.db opens (%s)", err.msg);
	message(&m, "JU123", pax, TIMS_ARRAY_SIZE(pax));
	rc = import(a, &m, now - 5 * HOUR, ires, &err);
	T_OK(rc == TIMS_OK && ires->travellers == 5 && ires->hits == 3,
	     "the centre screened flight JU123's list: 5 travellers, 3 with a hit (%s)", err.msg);

	/* ---- the centre's lines ---- */
	rc = tims_prescreen_lines(a, "TIA", "Europe/Tirane", now, &lines, &n, &skipped, &err);
	T_OK(rc == TIMS_OK && n == 5 && skipped == 0, "TIA's list: the 5 travellers (%s)", err.msg);
	T_OK(strstr(tims_buf_str(&lines), "\"arrival_ms\":1796636400000") != NULL,
	     "the expected arrival is 10:40 in Tirana, 09:40 UTC (the airport's zone)");
	T_OK(!strstr(tims_buf_str(&lines), "KOSTOVA") && !strstr(tims_buf_str(&lines), "VERA") &&
	     !strstr(tims_buf_str(&lines), "1970"), "no name or birth date in the lines");
	T_OK(!strstr(tims_buf_str(&lines), "discreet") && !strstr(tims_buf_str(&lines), "D-7"),
	     "the discreet-check hit is not in them (never shown at a booth)");
	T_OK(strstr(tims_buf_str(&lines), "\"state\":\"DEU\"") != NULL,
	     "issuing states as compared (DEU)");
	{
		struct tims_buf none = TIMS_BUF_INIT(1 << 20);

		rc = tims_prescreen_lines(a, "BEG", "", now, &none, &n, &skipped, &err);
		T_OK(rc == TIMS_OK && n == 0 && none.len == 0,
		     "another airport's list holds none of TIA's arrivals");
		rc = tims_prescreen_lines(a, "TIA", "Europe/Tirane", now + 60 * HOUR, &none, &n,
					  &skipped, &err);
		T_OK(rc == TIMS_OK && n == 0, "a flight landed more than 48 hours ago is not sent");
		tims_buf_release(&none);
	}

	/* ---- sealed, signed, applied at the post ---- */
	T_OK(tims_bundle_arrivals(lines.buf, lines.len, "tims-centre", "tia-1", "TIA", 5, rkey,
				  &key, &bundle, &err) == TIMS_OK, "the bundle for post tia-1 (%s)",
	     err.msg);
	T_OK(!strstr(tims_buf_str(&bundle), "BG1000001") && !strstr(tims_buf_str(&bundle), "TIA\\\""),
	     "the bundle on the wire holds no document number (sealed)");
	rc = apply(pdir, pv, &bundle, &vkey, "tia-1", rkey, now, &res, &err);
	T_OK(rc == TIMS_OK && res.travellers == 5 && res.hits == 2 && res.version == 5,
	     "applied at the post: 5 travellers, 2 with a hit shown (%s)", err.msg);
	T_EQ_STR(res.airport, "TIA", "for airport TIA");
	T_OK(!on_disk(pdir, TIMS_PRESCREEN_DB, "BG1000001") &&
	     !on_disk(pdir, TIMS_PRESCREEN_DB, "RU2000002") &&
	     !on_disk(pdir, TIMS_PRESCREEN_DB, "SHCHERBAKOV"),
	     "prescreen.db and its WAL hold no document number or name in clear");

	/* ---- the booth's look-up ---- */
	rc = tims_prescreen_lookup(pdir, pv, "RU2000002", "RUS", now, &pm, &err);
	T_OK(rc == TIMS_OK && pm.found && pm.hit && pm.nhits == 1 && !strcmp(pm.hits[0].ref, "W-1") &&
	     !strcmp(pm.hits[0].alert, "wanted"),
	     "the wanted traveller: pre-screened, a hit on W-1 (wanted) (%s)", err.msg);
	T_EQ_STR(pm.flight, "JU123", "on flight JU123");
	T_EQ_STR(pm.arrival, "2026-12-07T10:40", "expected at 10:40 (as sent)");
	rc = tims_prescreen_lookup(pdir, pv, "AL 3000003", "ALB", now, &pm, &err);
	T_OK(rc == TIMS_OK && pm.found && pm.hit && !strcmp(pm.hits[0].ref, "S-1"),
	     "the stolen passport, its number typed with a space: a hit on S-1");
	rc = tims_prescreen_lookup(pdir, pv, "AL4000004", "ALB", now, &pm, &err);
	T_OK(rc == TIMS_OK && pm.found && !pm.hit && pm.nhits == 0,
	     "a traveller on the list without a hit: pre-screened, no hits");
	rc = tims_prescreen_lookup(pdir, pv, "BG1000001", "BGR", now, &pm, &err);
	T_OK(rc == TIMS_OK && pm.found && !pm.hit,
	     "the discreet-check traveller reads as no hits at the booth");
	rc = tims_prescreen_lookup(pdir, pv, "C01X00T47", "D<<", now, &pm, &err);
	T_OK(rc == TIMS_OK && pm.found && !strcmp(pm.flight, "JU123"),
	     "a German passport listed as DEU, read as D<< at the booth: found");
	rc = tims_prescreen_lookup(pdir, pv, "C01X00T47", "DNK", now, &pm, &err);
	T_OK(rc == TIMS_OK && !pm.found, "the same number issued by Denmark: on no list");
	rc = tims_prescreen_lookup(pdir, pv, "RU2000002", "UKR", now, &pm, &err);
	T_OK(rc == TIMS_OK && !pm.found, "the wanted traveller's number from another state: on no list");
	rc = tims_prescreen_lookup(pdir, pv, "ZZ9999999", "ALB", now, &pm, &err);
	T_OK(rc == TIMS_OK && !pm.found, "a traveller on no list: nothing");
	rc = tims_prescreen_lookup(pdir, pv, "RU2000002", "RUS", now + 30 * HOUR, &pm, &err);
	T_OK(rc == TIMS_OK && !pm.found, "30 hours after the landing the flight is not matched");
	{
		char other_dir[700];

		snprintf(other_dir, sizeof(other_dir), "%s/land", dir);
		(void)mkdir(other_dir, 0700);
		rc = tims_prescreen_lookup(other_dir, pv, "RU2000002", "RUS", now, &pm, &err);
		T_OK(rc == TIMS_OK && !pm.found, "a post that holds no lists (not an airport): nothing");
	}

	/* ---- the attacker's lists ---- */
	rc = apply(pdir, pv, &bundle, &vkey, "tia-1", rkey, now, &res, &err);
	T_OK(rc == TIMS_ERR_REPLAY, "the same list sent again: refused as a replay (%s)", err.msg);
	{
		/* an older list (every hit gone) replayed after the current one */
		static const char clean[] = "{\"doc\":\"RU2000002\",\"state\":\"RUS\",\"flight\":"
			"\"JU123\",\"date\":\"2026-12-07\",\"version\":1,\"position\":2,\"role\":\"FL\","
			"\"arrival\":\"2026-12-07T10:40\",\"arrival_ms\":1796636400000,\"status\":"
			"\"clear\",\"hits\":[]}\n";

		tims_buf_reset(&other);
		T_OK(tims_bundle_arrivals(clean, strlen(clean), "tims-centre", "tia-1", "TIA", 4, rkey,
					  &key, &other, &err) == TIMS_OK, "an older list, version 4");
		rc = apply(pdir, pv, &other, &vkey, "tia-1", rkey, now, &res, &err);
		T_OK(rc == TIMS_ERR_REPLAY, "an older version (4 after 5), the wanted man clear in "
		     "it: refused (%s)", err.msg);
		/* the same, forged: signed by a key of the centre's name that is not its own */
		tims_buf_reset(&other);
		(void)tims_bundle_arrivals(clean, strlen(clean), "tims-centre", "tia-1", "TIA", 9,
					   rkey, &forger, &other, &err);
		rc = apply(pdir, pv, &other, &vkey, "tia-1", rkey, now, &res, &err);
		T_OK(rc == TIMS_ERR_SIGNATURE, "a forged list (the wanted man clear, version 9): "
		     "refused, not signed by the centre (%s)", err.msg);
		/* the centre's own list for the BEG post, sent to TIA's post */
		tims_buf_reset(&other);
		(void)tims_bundle_arrivals(clean, strlen(clean), "tims-centre", "beg-1", "BEG", 9,
					   rkey2, &key, &other, &err);
		rc = apply(pdir, pv, &other, &vkey, "tia-1", rkey, now, &res, &err);
		T_OK(rc == TIMS_ERR_SIGNATURE && strstr(err.msg, "beg-1"),
		     "a list made for another airport's post: refused (%s)", err.msg);
		/* the centre's list for this post, its payload swapped for another */
		{
			char *p = strstr(other.buf, "\"payload\":\"");
			char *q = strstr(bundle.buf, "\"payload\":\"");

			if (p && q) {
				struct tims_buf mix = TIMS_BUF_INIT(1 << 20);

				(void)tims_buf_add(&mix, bundle.buf, (size_t)(q - bundle.buf));
				(void)tims_buf_addstr(&mix, p);
				rc = apply(pdir, pv, &mix, &vkey, "tia-1", rkey, now, &res, &err);
				T_OK(rc == TIMS_ERR_TAMPER || rc == TIMS_ERR_INVALID,
				     "this post's signed note with another payload: refused (%s)",
				     err.msg);
				tims_buf_release(&mix);
			}
		}
		/* malformed lists, signed: nothing of them applied, the line and
		 * field named (the good line first: it is not kept either) */
		{
			static const struct { const char *line, *why; } bad[] = {
				{ "{\"doc\":\"RU2000002\"}", "an object of 11 fields" },
				{ "not json", "not JSON" },
				{ "[1,2,3]", "an object of 11 fields" },
				{ "{\"doc\":\"RU2000002\",\"state\":\"RUS\",\"flight\":\"JU123\","
				  "\"date\":\"2026-12-07\",\"version\":1,\"position\":2,\"role\":\"FL\","
				  "\"arrival\":\"x\",\"arrival_ms\":1,\"status\":\"hit\",\"hits\":[]}",
				  "status: hit with 0 hits" },
				{ "{\"doc\":\"RU2000002\",\"state\":\"RUS\",\"flight\":\"JU123\","
				  "\"date\":\"2026-12-07\",\"version\":-1,\"position\":2,\"role\":\"FL\","
				  "\"arrival\":\"x\",\"arrival_ms\":1,\"status\":\"clear\",\"hits\":[]}",
				  "version: missing or malformed" },
				{ "{\"doc\":\"!!\",\"state\":\"RUS\",\"flight\":\"JU123\","
				  "\"date\":\"2026-12-07\",\"version\":1,\"position\":2,\"role\":\"FL\","
				  "\"arrival\":\"x\",\"arrival_ms\":1,\"status\":\"clear\",\"hits\":[]}",
				  "doc: not a document number" },
				{ "{\"doc\":\"RU2000002\",\"state\":\"RUS\",\"flight\":\"JU123\","
				  "\"date\":\"2026-12-07-and-more\",\"version\":1,\"position\":2,"
				  "\"role\":\"FL\",\"arrival\":\"x\",\"arrival_ms\":1,\"status\":\"clear\","
				  "\"hits\":[]}", "date: missing or malformed" },
			};

			for (size_t i = 0; i < TIMS_ARRAY_SIZE(bad); i++) {
				struct tims_buf l = TIMS_BUF_INIT(1 << 16);

				(void)tims_buf_addf(&l, "%s%s\n", clean, bad[i].line);
				tims_buf_reset(&other);
				(void)tims_bundle_arrivals(l.buf, l.len, "tims-centre", "tia-1", "TIA", 10,
							   rkey, &key, &other, &err);
				rc = apply(pdir, pv, &other, &vkey, "tia-1", rkey, now, &res, &err);
				T_OK(rc == TIMS_ERR_INVALID && strstr(err.msg, "line 2") &&
				     strstr(err.msg, bad[i].why), "a malformed line (%s): refused "
				     "naming line 2 (%s)", bad[i].why, err.msg);
				tims_buf_release(&l);
			}
		}
	}
	rc = tims_prescreen_lookup(pdir, pv, "RU2000002", "RUS", now, &pm, &err);
	T_OK(rc == TIMS_OK && pm.found && pm.hit, "after every refusal the post still holds "
	     "version 5: the wanted man is a hit");

	/* ---- links and retention ---- */
	rc = tims_prescreen_lookup(pdir, pv, "RU2000002", "RUS", now, &pm, &err);
	T_OK(tims_prescreen_link(pdir, 42, &pm, now, &err) == TIMS_OK, "crossing 42 linked to the "
	     "wanted man's record (%s)", err.msg);
	rc = tims_prescreen_lookup(pdir, pv, "AL4000004", "ALB", now, &pm, &err);
	T_OK(tims_prescreen_link(pdir, 43, &pm, now, &err) == TIMS_OK, "crossing 43 to a record "
	     "without a hit");
	rc = tims_prescreen_linked(pdir, 42, &pm, &err);
	T_OK(rc == TIMS_OK && pm.found && pm.hit && pm.position == 2 && pm.version == 1,
	     "crossing 42's record: flight JU123 version 1, traveller 2, a hit");
	{
		uint64_t erased = 0;

		rc = tims_prescreen_expire(pdir, landed + 47 * HOUR, &erased, &err);
		T_OK(rc == TIMS_OK && erased == 0, "47 hours after the landing nothing is erased");
		rc = tims_prescreen_expire(pdir, landed + 49 * HOUR, &erased, &err);
		T_OK(rc == TIMS_OK && erased == 4,
		     "49 hours after: the 3 travellers without a hit shown and the link to one erased (%llu)",
		     (unsigned long long)erased);
	}
	T_OK(tims_prescreen_linked(pdir, 42, &pm, &err) == TIMS_OK && pm.found,
	     "the link to the hit is kept");
	T_OK(tims_prescreen_linked(pdir, 43, &pm, &err) == TIMS_OK && !pm.found,
	     "the link to the record without a hit is gone");
	rc = tims_prescreen_lookup(pdir, pv, "AL3000003", "ALB", landed + 20 * HOUR, &pm, &err);
	T_OK(rc == TIMS_OK && pm.found && pm.hit, "the travellers with a hit stay");

	/* ---- the centre's retention in the airport's zone ---- */
	{
		struct tims_api_retention ret;
		struct tims_api_zone z = { "TIA", "Europe/Tirane" };
		int64_t cutoff = landed + 10 * 60000LL; /* 09:50Z */

		rc = tims_api_retention(a, cutoff, 1, &ret, &err);
		T_OK(rc == TIMS_OK && ret.erased == 0 && ret.kept_recent == 5,
		     "centre retention without the zone: 10:40 read as UTC is not yet past 09:50Z");
		rc = tims_api_retention_zoned(a, cutoff, &z, 1, 1, &ret, &err);
		T_OK(rc == TIMS_OK && ret.erased == 2 && ret.kept_hits == 3,
		     "in Tirana's zone the landing was 09:40Z: the 2 travellers without a hit are due, "
		     "the 3 with one kept (%s)", err.msg);
		rc = tims_api_retention_zoned(a, cutoff - 20 * 60000LL, &z, 1, 0, &ret, &err);
		T_OK(rc == TIMS_OK && ret.erased == 0, "... and not at 09:30Z");
		rc = tims_api_retention_zoned(a, cutoff, &z, 1, 0, &ret, &err);
		T_OK(rc == TIMS_OK && ret.erased == 2 && ret.versions == 0 && ret.flights == 0,
		     "erased: the 2, the version and flight stay with the 3 hits");
		z = (struct tims_api_zone){ "TIA", "Europe/Tirana" };
		rc = tims_api_retention_zoned(a, cutoff, &z, 1, 1, &ret, &err);
		T_OK(rc == TIMS_ERR_INVALID, "a zone that is none fails the run, nothing erased by "
		     "the wrong clock (%s)", err.msg);
	}

	tims_api_close(a);
	tims_screen_index_free(ix);
	tims_wl_close(wl);
	tims_vault_close(cv);
	tims_vault_close(pv);
	tims_signer_release(&key);
	tims_signer_release(&forger);
	tims_buf_release(&m);
	tims_buf_release(&lines);
	tims_buf_release(&bundle);
	tims_buf_release(&other);
	free(ires);
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return t_done();
}
