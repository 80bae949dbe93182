/*
 * keydir.h — a node's private key files kept out of its data directory, so
 * that the network process's Landlock ruleset, which grants the data
 * directory, does not reach them (docs/security.md, "Key directory").
 *
 * Landlock only adds rights, and a right on a directory holds for all that
 * is beneath it: no rule can take DIR/keys out of a ruleset that grants
 * DIR (and the network process must create files in DIR: SQLite journals,
 * durable writes). So the key directory is DIR's sibling, DIR.keys
 * (/var/lib/tims/post.keys beside /var/lib/tims/post; mode 0700), and each
 * key keeps its old name in DIR as a relative symbolic link into it
 * (DIR/post.skey -> ../post.keys/post.skey): every command and the signer
 * open the same paths as before, the kernel follows the link, and Landlock
 * judges the file where it lies — outside the network process's rules,
 * inside the signer's (src/serve_sandbox.c gives it DIR.keys).
 *
 * tims_keys_jail moves each key file of tims_key_files that is a regular
 * file in DIR into DIR.keys and leaves the link. It is what a node's start,
 * `init`, `restore` and the key commands run, and the migration of a
 * directory laid out before this (keys as plain files in DIR). Atomic per
 * file and idempotent: the key is first linked (or, across file systems,
 * copied and fsync'd) to a temporary name in DIR.keys and renamed into
 * place, then a link made under a temporary name in DIR is renamed over the
 * old file; a crash at any point leaves DIR/NAME the regular file (the next
 * run does it again) or the link (done). A regular file at DIR/NAME is
 * always the key in force (a rotation or enrolment writes one there): it
 * replaces what DIR.keys held under that name.
 */
#ifndef TIMS_KEYDIR_H
#define TIMS_KEYDIR_H

#include <stddef.h>

#include "tims/err.h"

#define TIMS_KEYDIR_SUFFIX ".keys"

/* The private key files a post, centre or witness keeps (relative to its
 * directory; those it lacks are skipped), NULL at the end. */
extern const char *const tims_key_files[];

/* DIR.keys for dir (trailing slashes dropped; "." and ".." resolved). */
tims_rc tims_keydir_of(const char *dir, char *out, size_t cap, struct tims_err *err);

/* Move dir's key files into its key directory (made 0700 if missing and
 * dir holds a key; a dir that is missing or holds none is left alone),
 * leaving links; *moved (may be NULL) counts the files moved this call. A
 * link whose key is missing is TIMS_ERR_NOTFOUND naming both (the key
 * directory was not moved with the data directory). */
tims_rc tims_keys_jail(const char *dir, unsigned *moved, struct tims_err *err);

/* Whether dir/rel is a link, at one of tims_key_files' names, that
 * reaches a regular file: 1 with that file's real path in target, else 0
 * (tims_backup_take copies the key, not the link). A link elsewhere than
 * DIR.keys (a directory copied with cp -a) is made DIR.keys's own by the
 * next tims_keys_jail, which copies the key it reaches in. */
int tims_key_link(const char *dir, const char *rel, char *target, size_t cap);

/*
 * DIR/from renamed DIR/to, where from may be a key's link into DIR.keys
 * (the centre's CA keys in a rollover: ca.key -> ca-prev.key ->
 * ca-retired-N.key): then the key file is renamed inside DIR.keys, DIR/to
 * made a link to it and DIR/from removed, so that a key written at
 * DIR/from next (the new CA's) never lands on the file the old name's link
 * reaches. Anything else (a plain file, a certificate) is renamed as
 * rename(2) does. from and to are names in DIR (no '/'). A crash between
 * the steps leaves DIR/to a link to a key not yet renamed, which the next
 * tims_keys_jail refuses naming both paths (rename it in DIR.keys by hand).
 */
tims_rc tims_keys_rename(const char *dir, const char *from, const char *to,
			 struct tims_err *err);

/*
 * A renewed key, written where the installed one lives. path is NAME.new
 * beside an installed NAME: when NAME is a link into a key directory, the
 * key is written (0600, synced) as the file beside the one NAME reaches
 * (DIR.keys/centre/client.key.new) and path made a link to it with NAME's
 * link text and ".new"; otherwise it is written at path, a plain file, as
 * before the key directory. The signer runs this (tims_signer_tls_csr):
 * the renewed key is never a plain file in DIR.
 */
tims_rc tims_keys_write_new(const char *path, const void *data, size_t len,
			    struct tims_err *err);

/*
 * NAME.new installed as NAME: when both are links into the key directory
 * (tims_keys_write_new), the key file beside is renamed over the one
 * NAME reaches (NAME stays the same link) and the NAME.new link removed;
 * a crash between leaves NAME.new a link to nothing, which means installed.
 * A NAME.new that reaches any other file is refused (TIMS_ERR_STATE).
 * Plain files are renamed as rename(2) does.
 */
tims_rc tims_keys_install_new(const char *path, struct tims_err *err);

#endif
