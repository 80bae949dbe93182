/*
 * peers.c — a post's centre and witnesses as its directory names them
 * (include/tims/peers.h).
 */
#include "tims/peers.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tims/conf.h"
#include "tims/mlog.h"
#include "tims/tls.h"
#include "tims/util.h"

#define CONF_MAX 16384
#define FOLLOW_MAX 65535

void tims_peers_witness_followed(const char *dir, struct tims_verifier *key)
{
	struct tims_buf b = TIMS_BUF_INIT(FOLLOW_MAX + 1);
	char path[4200];

	if (snprintf(path, sizeof(path), "%s/witnesses.follow", dir) >= (int)sizeof(path) ||
	    access(path, F_OK) != 0 || tims_read_file(path, FOLLOW_MAX, &b, NULL) ||
	    tims_buf_addch(&b, '\0')) {
		tims_buf_release(&b);
		return;
	}
	/* a chain of hand-overs, in any order in the file; bounded rounds */
	for (int moved = 1, rounds = 0; moved && rounds < 64; rounds++) {
		moved = 0;
		for (char *line = b.buf, *next; line && *line; line = next) {
			char old[600], nk[600];
			struct tims_verifier o, nv;
			const char *sp, *end;

			next = strchr(line, '\n');
			end = next ? next : line + strlen(line);
			sp = memchr(line, ' ', (size_t)(end - line));
			next = next ? next + 1 : NULL;
			if (!sp || (size_t)(sp - line) >= sizeof(old) ||
			    (size_t)(end - sp - 1) >= sizeof(nk))
				continue;
			snprintf(old, sizeof(old), "%.*s", (int)(sp - line), line);
			snprintf(nk, sizeof(nk), "%.*s", (int)(end - sp - 1), sp + 1);
			if (!tims_verifier_parse(old, &o, NULL) && !tims_verifier_parse(nk, &nv, NULL) &&
			    o.keyhash == key->keyhash && !memcmp(o.pub, key->pub, TIMS_PUBKEY_BYTES) &&
			    !strcmp(o.name, key->name)) {
				*key = nv;
				moved = 1;
			}
		}
	}
	tims_buf_release(&b);
}

tims_rc tims_peers_witnesses(const char *dir, struct tims_peer_witness *out, size_t cap,
			     size_t *n, struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(CONF_MAX + 1);
	char path[4200];
	unsigned lineno = 0;
	tims_rc rc = TIMS_OK;

	*n = 0;
	if (snprintf(path, sizeof(path), "%s/witnesses.conf", dir) >= (int)sizeof(path))
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: path too long", dir);
	if (access(path, F_OK) != 0)
		return TIMS_OK;
	if ((rc = tims_read_file(path, CONF_MAX, &b, err)) || (rc = tims_buf_addch(&b, '\0'))) {
		tims_buf_release(&b);
		return rc;
	}
	for (char *line = b.buf, *next; line && *line; line = next) {
		struct tims_peer_witness *w;
		char vk[1024];
		int k;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!*line || *line == '#')
			continue;
		if (*n == cap) {
			rc = tims_err_set(err, TIMS_ERR_TOOBIG, "%s: at most %zu witnesses", path, cap);
			break;
		}
		w = &out[*n];
		/* Three space-separated words, bounded. */
		k = 0;
		for (char *word = line, *sp; word && k < 3; word = sp, k++) {
			char *dst = k == 0 ? w->url : k == 1 ? w->ca : vk;
			size_t wcap = k == 0 ? sizeof(w->url) : k == 1 ? sizeof(w->ca) : sizeof(vk);

			while (*word == ' ')
				word++;
			sp = strchr(word, ' ');
			if (sp)
				*sp++ = '\0';
			if (!*word || strlen(word) >= wcap) {
				k = -1;
				break;
			}
			snprintf(dst, wcap, "%s", word);
		}
		if (k != 3) {
			rc = tims_err_set(err, TIMS_ERR_INVALID,
					  "%s: line %u: want \"URL CA_FILE VKEY_FILE\"", path, lineno);
			break;
		}
		if ((rc = tims_mlog_load_keys(vk, vk, NULL, &w->key, NULL, err)))
			break;
		tims_peers_witness_followed(dir, &w->key);
		(*n)++;
	}
	tims_buf_release(&b);
	return rc;
}

tims_rc tims_peers_centre(const char *dir, struct tims_peer_centre *c, struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(8192);
	char path[4200], pin[80];
	const char *text;
	tims_rc rc;

	memset(c, 0, sizeof(*c));
	if (snprintf(path, sizeof(path), "%s/centre/enrolment.conf", dir) >= (int)sizeof(path))
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: path too long", dir);
	if (access(path, F_OK) != 0)
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "%s: not enrolled with a centre", dir);
	if ((rc = tims_read_file(path, 8191, &b, err)) || (rc = tims_buf_addch(&b, '\0'))) {
		tims_buf_release(&b);
		return rc;
	}
	text = b.buf;
	if (!tims_conf_line_value(text, "url", c->url, sizeof(c->url)) || !c->url[0] ||
	    !tims_conf_line_value(text, "centre", c->centre, sizeof(c->centre)) ||
	    !tims_conf_line_value(text, "name", c->name, sizeof(c->name))) {
		tims_buf_release(&b);
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: want url, centre and name", path);
	}
	if (tims_conf_line_value(text, "centre_server_pin", pin, sizeof(pin))) {
		struct tims_err e;

		if (tims_tls_unhex32(pin, c->server_pin, &e)) {
			tims_buf_release(&b);
			return tims_err_set(err, TIMS_ERR_INVALID, "%s: centre_server_pin: %s", path,
					    e.msg);
		}
		c->has_pin = 1;
	}
	tims_buf_release(&b);
	if (snprintf(c->ca, sizeof(c->ca), "%s/centre/ca.crt", dir) >= (int)sizeof(c->ca) ||
	    snprintf(c->cert, sizeof(c->cert), "%s/centre/client.crt", dir) >= (int)sizeof(c->cert) ||
	    snprintf(c->key, sizeof(c->key), "%s/centre/client.key", dir) >= (int)sizeof(c->key))
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: path too long", dir);
	return TIMS_OK;
}
