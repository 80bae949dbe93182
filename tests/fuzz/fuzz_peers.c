/*
 * fuzz_peers.c — a post's peer files (tims/peers.h) on arbitrary bytes:
 * the input is cut at the first two NUL bytes into witnesses.conf,
 * witnesses.follow and centre/enrolment.conf, written to a scratch
 * directory and read back. Beyond "no crash, no leak, no undefined
 * behaviour": a file is read whole or refused with a reason; every witness
 * returned has a non-empty URL and CA path without spaces, never more than
 * the cap; a centre returned has a non-empty URL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tims/peers.h"
#include "tims/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void put(const char *name, const uint8_t *p, size_t n)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(f = fopen(path, "wb")))
		abort();
	if (n && fwrite(p, 1, n, f) != n)
		abort();
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tims_peer_witness w[TIMS_PEERS_MAX_WITNESSES];
	struct tims_peer_centre c;
	struct tims_err err;
	const uint8_t *a = data, *end = data + size, *z1, *z2;
	size_t n = 0;

	if (!dir[0]) {
		char t[] = "/tmp/fuzz-peers-XXXXXX";
		char sub[96];

		if (!mkdtemp(t))
			abort();
		snprintf(dir, sizeof(dir), "%s", t);
		snprintf(sub, sizeof(sub), "%s/centre", dir);
		mkdir(sub, 0700);
	}
	z1 = memchr(a, 0, size);
	z2 = z1 ? memchr(z1 + 1, 0, (size_t)(end - z1 - 1)) : NULL;
	put("witnesses.conf", a, (size_t)((z1 ? z1 : end) - a));
	put("witnesses.follow", z1 ? z1 + 1 : a, z1 ? (size_t)((z2 ? z2 : end) - z1 - 1) : 0);
	put("centre/enrolment.conf", z2 ? z2 + 1 : a, z2 ? (size_t)(end - z2 - 1) : 0);

	if (tims_peers_witnesses(dir, w, TIMS_PEERS_MAX_WITNESSES, &n, &err) == TIMS_OK) {
		if (n > TIMS_PEERS_MAX_WITNESSES)
			abort();
		for (size_t i = 0; i < n; i++)
			if (!w[i].url[0] || strchr(w[i].url, ' ') || !w[i].ca[0] || strchr(w[i].ca, ' '))
				abort();
	} else if (!err.msg[0]) {
		abort(); /* a refusal says why */
	}
	if (tims_peers_centre(dir, &c, &err) == TIMS_OK && !c.url[0])
		abort();
	return 0;
}
