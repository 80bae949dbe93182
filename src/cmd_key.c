/*
 * cmd_key.c — `tims key`: signing keys that live in a PKCS#11 token.
 *
 *   tims key generate --token URI --label LABEL --name NAME [--cosigner]
 *                     --out BASE
 *
 * generate makes an Ed25519 key pair inside the token (the private half is
 * sensitive and never leaves it) and writes BASE.skey, a one-line reference
 * to it ("PKCS11+KEY+NAME+HASH+ALG+URI", mode 0600: the URI may carry a
 * pin-value), and BASE.vkey, the verifier key. Every place that loads a
 * signer key file (tims_signer_load) takes such a reference in place of a
 * key: post.skey, cosign.skey, bundle.skey, audit.skey, witness.skey,
 * `tims tlog sign-note --key`. docs/keys.md.
 */
#include <getopt.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "tims/note.h"
#include "tims/p11.h"
#include "tims/util.h"

static const char usage[] =
	N_("usage: tims key generate --token URI --label LABEL --name NAME [--cosigner]\n"
	"                         --out BASE\n"
	"\n"
	"  generate  make an Ed25519 key pair in the PKCS#11 token URI (RFC 7512:\n"
	"            pkcs11:token=T?module-path=/path/lib.so&pin-source=FILE),\n"
	"            under LABEL (refused if the token has an object so labelled),\n"
	"            named NAME in signed notes (--cosigner: a witness or centre\n"
	"            cosigner key, algorithm 0x04). Writes BASE.skey, a reference\n"
	"            to the key (mode 0600), and BASE.vkey; prints the verifier\n"
	"            key. Exit 1 when the token cannot be reached.\n"
	"\n"
	"The private key never leaves the token; BASE.skey goes where a key file\n"
	"would (post.skey, cosign.skey, bundle.skey, audit.skey, witness.skey).\n"
	"Needs no account (docs/roles.md). docs/keys.md.\n");

static int key_generate(int argc, char **argv)
{
	static const char cmd[] = "key generate"; /* i18n: machine (a command name) */
	static const struct option opts[] = {
		{ "token", required_argument, NULL, 't' },
		{ "label", required_argument, NULL, 'l' },
		{ "name", required_argument, NULL, 'n' },
		{ "cosigner", no_argument, NULL, 'c' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *token = NULL, *label = NULL, *name = NULL, *out = NULL;
	char spath[4096], vpath[4096], *skey = NULL, *vkey = NULL;
	struct tims_err err;
	int cosigner = 0, c, st = CLI_OK;
	size_t n;

	if (cli_wants_help(argc, argv)) {
		fputs(_(usage), stdout);
		return CLI_OK;
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't': token = optarg; break;
		case 'l': label = optarg; break;
		case 'n': name = optarg; break;
		case 'c': cosigner = 1; break;
		case 'o': out = optarg; break;
		default:
			return cli_error(CLI_USAGE, cmd, _("unknown or incomplete "
					 "option '%s' (tims key --help)"),
					 argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_error(CLI_USAGE, cmd, _("unexpected argument '%s'"),
				 argv[optind]);
	if (!token || !label || !name || !out)
		return cli_error(CLI_USAGE, cmd, _("--token, --label, --name and "
				 "--out are required"));
	if (snprintf(spath, sizeof(spath), "%s.skey", out) >= (int)sizeof(spath) ||
	    snprintf(vpath, sizeof(vpath), "%s.vkey", out) >= (int)sizeof(vpath))
		return cli_error(CLI_USAGE, cmd, _("--out: path too long"));
	if (access(spath, F_OK) == 0 || access(vpath, F_OK) == 0)
		return cli_error(CLI_USAGE, cmd, _("%s: exists, refusing to overwrite"),
				 access(spath, F_OK) == 0 ? spath : vpath);
	if (tims_note_keygen_in(token, label, name, cosigner ?
				TIMS_KEY_COSIGNATURE_V1 : TIMS_KEY_ED25519,
				&skey, &vkey, &err))
		return cli_error(err.rc == TIMS_ERR_UNAVAILABLE ? CLI_FAIL
				 : CLI_USAGE, cmd, "%s", err.msg);
	n = strlen(skey);
	{
		/* the reference line, then a newline, in secure memory */
		char *line = sodium_malloc(n + 2);

		if (!line) {
			st = cli_error(CLI_USAGE, cmd, _("out of secure memory"));
			goto out;
		}
		memcpy(line, skey, n);
		line[n] = '\n';
		line[n + 1] = '\0';
		if (tims_write_file(spath, line, n + 1, 0600, 0, &err))
			st = cli_error(CLI_USAGE, cmd, "%s", err.msg);
		sodium_free(line);
		if (st)
			goto out;
	}
	{
		struct tims_buf vb = TIMS_BUF_INIT(1024);

		if (tims_buf_addstr(&vb, vkey) || tims_buf_addch(&vb, '\n') ||
		    tims_write_file(vpath, vb.buf, vb.len, 0644, 0, &err))
			st = cli_error(CLI_USAGE, cmd, "%s", err.msg);
		tims_buf_release(&vb);
	}
	if (!st) {
		puts(vkey);
		fprintf(stderr, _("tims %s: key %s made in the token; wrote %s (a "
			"reference to it, mode 0600) and %s\n"), cmd, label, spath,
			vpath);
	}
out:
	if (st) {
		/* a key nobody can name is no use: take it out again */
		struct tims_p11 *p;

		if (!tims_p11_open(token, &p, NULL)) {
			(void)tims_p11_destroy(p, label, NULL);
			tims_p11_close(p);
		}
		unlink(spath);
	}
	tims_note_free_secret(skey);
	free(vkey);
	return st;
}

static const struct cli_command key_commands[] = {
	{ "generate", key_generate, "make a signing key pair in a PKCS#11 token" },
};

int cmd_key(int argc, char **argv)
{
	return cli_dispatch("key", key_commands, TIMS_ARRAY_SIZE(key_commands),
			    usage, argc, argv);
}
