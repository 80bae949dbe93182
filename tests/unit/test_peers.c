/*
 * test_peers.c — a post's centre and witnesses read from its directory
 * (tims/peers.h): what the sync thread talks to and what `tims restore`
 * compares a restored post with. A malformed or oversized file is refused
 * with its name and line, never read as "no peer" (a witness skipped would
 * let an old backup pass); a witness's key follows its hand-overs.
 */
#include <stdlib.h>
#include <sys/stat.h>

#include "t.h"
#include "tims/note.h"
#include "tims/peers.h"
#include "tims/util.h"

static char dir[128];

static void put(const char *name, const char *text)
{
	char path[300];
	struct tims_err err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (tims_write_file(path, text, strlen(text), 0600, 1, &err))
		printf("# cannot write %s: %s\n", path, err.msg);
}

static char *newkey(const char *name, const char *file)
{
	char *sk = NULL, *vk = NULL;
	struct tims_err err;

	if (tims_note_keygen(name, TIMS_KEY_COSIGNATURE_V1, &sk, &vk, &err))
		return NULL;
	tims_note_free_secret(sk);
	put(file, vk);
	return vk;
}

int main(void)
{
	char tmpl[] = "/tmp/tims-test-peers-XXXXXX", conf[2048], line[1200];
	struct tims_peer_witness w[TIMS_PEERS_MAX_WITNESSES];
	struct tims_peer_centre c;
	struct tims_verifier v1, v2;
	struct tims_err err;
	size_t n = 99;
	char *k1, *k2;

	if (!mkdtemp(tmpl))
		return 2;
	snprintf(dir, sizeof(dir), "%s", tmpl);
	snprintf(conf, sizeof(conf), "%s/centre", dir);
	mkdir(conf, 0700);

	/* no files: no witness, not enrolled (NOTFOUND, not an empty centre) */
	T_OK(tims_peers_witnesses(dir, w, TIMS_PEERS_MAX_WITNESSES, &n, &err) == TIMS_OK && n == 0,
	     "witnesses: none configured is no witness");
	T_OK(tims_peers_centre(dir, &c, &err) == TIMS_ERR_NOTFOUND,
	     "centre: no enrolment.conf is 'not enrolled' (%s)", err.msg);

	k1 = newkey("w1.example", "w1.vkey");
	k2 = newkey("w1.example", "w1-next.vkey");
	T_OK(k1 && k2 && !tims_verifier_parse(k1, &v1, NULL) && !tims_verifier_parse(k2, &v2, NULL),
	     "two keys of one witness");
	snprintf(conf, sizeof(conf), "# the post's witnesses\n\nhttps://127.0.0.1:9 %s/ca.crt %s/w1.vkey\n"
		 "https://w2.example:443   %s/ca2.crt   %s/w1.vkey\n", dir, dir, dir, dir);
	put("witnesses.conf", conf);
	T_OK(tims_peers_witnesses(dir, w, TIMS_PEERS_MAX_WITNESSES, &n, &err) == TIMS_OK && n == 2,
	     "witnesses: two lines, comments and blank lines skipped (%s)", err.msg);
	T_EQ_STR(w[1].url, "https://w2.example:443", "witnesses: several spaces between words");
	T_OK(n == 2 && w[0].key.keyhash == v1.keyhash, "witnesses: the key named in the file");

	/* a hand-over followed: old -> new */
	snprintf(line, sizeof(line), "%s %s\n", k1, k2);
	put("witnesses.follow", line);
	T_OK(tims_peers_witnesses(dir, w, TIMS_PEERS_MAX_WITNESSES, &n, &err) == TIMS_OK && n == 2 &&
	     w[0].key.keyhash == v2.keyhash, "witnesses: the key followed through witnesses.follow");
	put("witnesses.follow", "garbage line\nA B\n");
	T_OK(tims_peers_witnesses(dir, w, TIMS_PEERS_MAX_WITNESSES, &n, &err) == TIMS_OK &&
	     w[0].key.keyhash == v1.keyhash, "witnesses: a follow file of nonsense follows nothing");

	/* malformed: named with its line, never a witness dropped */
	snprintf(conf, sizeof(conf), "https://127.0.0.1:9 %s/ca.crt %s/w1.vkey\nhttps://x only-two\n",
		 dir, dir);
	put("witnesses.conf", conf);
	T_OK(tims_peers_witnesses(dir, w, TIMS_PEERS_MAX_WITNESSES, &n, &err) == TIMS_ERR_INVALID &&
	     strstr(err.msg, "witnesses.conf: line 2: want \"URL CA_FILE VKEY_FILE\""),
	     "witnesses: a line of two words refused, named with its line (%s)", err.msg);
	snprintf(conf, sizeof(conf), "https://127.0.0.1:9 %s/ca.crt %s/missing.vkey\n", dir, dir);
	put("witnesses.conf", conf);
	T_OK(tims_peers_witnesses(dir, w, TIMS_PEERS_MAX_WITNESSES, &n, &err) != TIMS_OK,
	     "witnesses: a key file that cannot be read refused (%s)", err.msg);
	conf[0] = '\0';
	for (int i = 0; i < TIMS_PEERS_MAX_WITNESSES + 1; i++)
		snprintf(conf + strlen(conf), sizeof(conf) - strlen(conf),
			 "https://127.0.0.1:%d %s/ca.crt %s/w1.vkey\n", 9000 + i, dir, dir);
	put("witnesses.conf", conf);
	T_OK(tims_peers_witnesses(dir, w, TIMS_PEERS_MAX_WITNESSES, &n, &err) == TIMS_ERR_TOOBIG,
	     "witnesses: more than %d refused (%s)", TIMS_PEERS_MAX_WITNESSES, err.msg);
	{
		char *big = malloc(20000);

		memset(big, 'a', 19999);
		big[19999] = '\0';
		put("witnesses.conf", big);
		T_OK(tims_peers_witnesses(dir, w, TIMS_PEERS_MAX_WITNESSES, &n, &err) != TIMS_OK,
		     "witnesses: a file over 16 KiB refused (%s)", err.msg);
		free(big);
	}

	/* the centre */
	put("centre/enrolment.conf", "name = gate-1\nurl = https://centre.example:8443\n");
	T_OK(tims_peers_centre(dir, &c, &err) == TIMS_ERR_INVALID &&
	     strstr(err.msg, "want url, centre and name"),
	     "centre: an enrolment without the centre's name refused, named (%s)", err.msg);
	put("centre/enrolment.conf", "name = gate-1\nurl = https://centre.example:8443\n"
	    "centre = centre.example\n");
	T_OK(tims_peers_centre(dir, &c, &err) == TIMS_OK && !c.has_pin &&
	     !strcmp(c.url, "https://centre.example:8443") && strstr(c.cert, "/centre/client.crt"),
	     "centre: url, name and the client files beside it (%s)", err.msg);
	put("centre/enrolment.conf", "name=gate-1\nurl=https://centre.example:8443\ncentre=c\n"
	    "centre_server_pin = 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n");
	T_OK(tims_peers_centre(dir, &c, &err) == TIMS_OK && c.has_pin && c.server_pin[1] == 0x11 &&
	     c.server_pin[31] == 0xff, "centre: the server key's pin read");
	put("centre/enrolment.conf", "name = gate-1\nurl = https://c:1\ncentre = c\n"
	    "centre_server_pin = 0011zz\n");
	T_OK(tims_peers_centre(dir, &c, &err) == TIMS_ERR_INVALID && strstr(err.msg, "centre_server_pin"),
	     "centre: a malformed pin refused, named (%s)", err.msg);
	free(k1);
	free(k2);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return t_done();
}
