/*
 * test_conf.c — the daemons' configuration files (tims/conf.h): what a
 * file may hold, and that every mistake names the file, the line and the
 * key rather than being ignored.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"
#include "tims/buf.h"
#include "tims/conf.h"
#include "tims/log.h"

static const char *const levels[] = { "error", "warning", "notice", "info", "debug", NULL };

static const struct tims_conf_key keys[] = {
	{ "dir", TIMS_CONF_PATH, 0, 0, NULL },
	{ "listen", TIMS_CONF_ADDR, 0, 0, NULL },
	{ "port", TIMS_CONF_PORT, 0, 65535, NULL },
	{ "threads", TIMS_CONF_U32, 1, 64, NULL },
	{ "name", TIMS_CONF_STRING, 0, 0, NULL },
	{ "log-level", TIMS_CONF_ENUM, 0, 0, levels },
	{ "witness", TIMS_CONF_ADDR_PORT, 0, 0, NULL },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* Parse text; returns the rc and leaves the message in msg. */
static tims_rc parse(struct tims_conf *c, const char *text, size_t len, char *msg, size_t mlen)
{
	struct tims_err err;
	tims_rc rc;

	tims_err_clear(&err);
	tims_conf_init(c, keys, NKEYS);
	rc = tims_conf_parse(c, "post.conf", text, len, &err);
	snprintf(msg, mlen, "%s", rc ? err.msg : "");
	return rc;
}

static void expect_error(const char *text, size_t len, const char *want, const char *what)
{
	struct tims_conf c;
	char msg[TIMS_ERR_MSG_BYTES];
	tims_rc rc = parse(&c, text, len, msg, sizeof(msg));

	if (!*want) { /* a file at a limit: accepted */
		T_EQ_INT(rc, TIMS_OK, what);
		tims_conf_release(&c);
		return;
	}
	T_OK(rc != TIMS_OK, "%s: refused", what);
	T_EQ_STR(msg, want, what);
	T_OK(!tims_conf_get(&c, "port") && !tims_conf_get(&c, "dir"),
	     "%s: nothing of the file is kept", what);
	tims_conf_release(&c);
}
#define EXPECT_ERROR(text, want, what) expect_error(text, sizeof(text) - 1, want, what)

static void test_good(void)
{
	static const char text[] =
		"# /etc/tims/post.conf\n"
		"\n"
		"   # an indented comment = with an equals sign\n"
		"dir = /var/lib/tims/post\n"
		"listen=::1\n"
		"\tport   =  8443  \n"
		"threads = 16\n"
		"name = Porto de Leixões = cais 2\n"
		"log-level = debug\n"
		"witness = [::1]:9000\n";
	struct tims_conf c;
	char msg[TIMS_ERR_MSG_BYTES];
	const struct tims_conf_value *v;

	T_EQ_INT(parse(&c, text, sizeof(text) - 1, msg, sizeof(msg)), TIMS_OK, "good file: parses");
	T_EQ_STR(msg, "", "good file: no message");
	T_EQ_STR(tims_conf_str(&c, "dir"), "/var/lib/tims/post", "good: a path");
	T_EQ_STR(tims_conf_str(&c, "listen"), "::1", "good: no blanks needed around '='");
	v = tims_conf_get(&c, "port");
	T_OK(v && v->num == 8443 && !strcmp(v->str, "8443") && v->line == 6,
	     "good: a port, its number, its line; blanks and tabs trimmed");
	T_EQ_INT(tims_conf_get(&c, "threads")->num, 16, "good: a number in range");
	T_EQ_STR(tims_conf_str(&c, "name"), "Porto de Leixões = cais 2",
		 "good: the value is the rest of the line after the first '=' (UTF-8 kept)");
	T_EQ_INT(tims_conf_get(&c, "log-level")->num, 4, "good: an enum gives its index");
	T_EQ_INT(tims_conf_get(&c, "witness")->num, 9000, "good: ADDR:PORT gives the port");
	tims_conf_release(&c);
	T_OK(!tims_conf_get(&c, "dir"), "release: the values are gone");
}

static void test_line_endings(void)
{
	static const char crlf[] = "dir = /srv/p\r\nport = 1\r\n";
	static const char no_nl[] = "dir = /srv/p\nport = 2";
	struct tims_conf c;
	char msg[TIMS_ERR_MSG_BYTES];

	T_EQ_INT(parse(&c, crlf, sizeof(crlf) - 1, msg, sizeof(msg)), TIMS_OK, "CRLF: accepted");
	T_EQ_STR(tims_conf_str(&c, "dir"), "/srv/p", "CRLF: the CR is not part of the value");
	tims_conf_release(&c);
	T_EQ_INT(parse(&c, no_nl, sizeof(no_nl) - 1, msg, sizeof(msg)), TIMS_OK,
		 "no trailing newline: the last line counts");
	T_EQ_INT(tims_conf_get(&c, "port")->num, 2, "no trailing newline: its value is read");
	tims_conf_release(&c);
	T_EQ_INT(parse(&c, "", 0, msg, sizeof(msg)), TIMS_OK, "an empty file: nothing set");
	tims_conf_release(&c);
}

static void test_errors(void)
{
	char big[TIMS_CONF_LINE_MAX + 64];
	struct tims_buf many = TIMS_BUF_INIT(1 << 20);

	EXPECT_ERROR("dir = /srv/p\nport 8443\n",
		     "post.conf:2: key 'port': malformed line: want 'key = value'",
		     "a line without '='");
	EXPECT_ERROR("= 8443\n", "post.conf:1: malformed line: no key before '='", "no key");
	EXPECT_ERROR("the port = 8443\n",
		     "post.conf:1: key 'the': malformed line: want 'key = value' (one word before '=')",
		     "two words before '='");
	EXPECT_ERROR("# ok\nportt = 8443\n", "post.conf:2: key 'portt': unknown key", "an unknown key");
	EXPECT_ERROR("port = 8443\n\nport = 8444\n",
		     "post.conf:3: key 'port': repeated (first set on line 1)", "a repeated key");
	EXPECT_ERROR("port = 70000\n", "post.conf:1: key 'port': '70000' is not a port number from 0 to 65535",
		     "a port out of range");
	EXPECT_ERROR("port = https\n", "post.conf:1: key 'port': 'https' is not a port number from 0 to 65535",
		     "a port that is not a number");
	EXPECT_ERROR("port = -1\n", "post.conf:1: key 'port': '-1' is not a port number from 0 to 65535",
		     "a negative port");
	EXPECT_ERROR("port = 0443\n", "post.conf:1: key 'port': '0443' is not a port number from 0 to 65535",
		     "a port with a leading zero");
	EXPECT_ERROR("threads = 0\n", "post.conf:1: key 'threads': '0' is not a number from 1 to 64",
		     "a number below its range");
	EXPECT_ERROR("threads = 65\n", "post.conf:1: key 'threads': '65' is not a number from 1 to 64",
		     "a number above its range");
	EXPECT_ERROR("threads = 99999999999999999999999\n",
		     "post.conf:1: key 'threads': '99999999999999999999999' is not a number from 1 to 64",
		     "a number past 64 bits");
	EXPECT_ERROR("log-level = verbose\n",
		     "post.conf:1: key 'log-level': 'verbose' is not one of error|warning|notice|info|debug",
		     "an enum value not among the choices");
	EXPECT_ERROR("dir = srv/p\n", "post.conf:1: key 'dir': not an absolute path", "a relative path");
	EXPECT_ERROR("listen = localhost\n",
		     "post.conf:1: key 'listen': 'localhost' is not an IPv4 or IPv6 address",
		     "a listen that is a name");
	EXPECT_ERROR("witness = ::1:9000\n",
		     "post.conf:1: key 'witness': '::1:9000' is not ADDR:PORT (127.0.0.1:8443, [::1]:8443)",
		     "an IPv6 ADDR:PORT without brackets");
	EXPECT_ERROR("dir =   \n", "post.conf:1: key 'dir': empty value", "an empty value");
	EXPECT_ERROR("dir = /a\0b\n", "post.conf:1: a NUL byte", "a NUL byte");
	EXPECT_ERROR("dir = /a\x1b[2J\n", "post.conf:1: a control byte", "an escape byte");
	EXPECT_ERROR("dir = /a\rport = 1\n", "post.conf:1: a carriage return inside the line",
		     "a lone CR");
	EXPECT_ERROR("name = caf\xe9\n", "post.conf:1: bytes that are not UTF-8 text", "Latin-1");
	EXPECT_ERROR("name = \xc2\x9b" "31m\n", "post.conf:1: bytes that are not UTF-8 text",
		     "a C1 control in UTF-8");
	EXPECT_ERROR("# caf\xe9\n", "post.conf:1: bytes that are not UTF-8 text",
		     "a comment is text too");

	memset(big, 'a', sizeof(big));
	memcpy(big, "name = ", 7);
	big[TIMS_CONF_LINE_MAX] = '\n';
	expect_error(big, TIMS_CONF_LINE_MAX + 1, "", "a line of exactly the limit");
	big[TIMS_CONF_LINE_MAX] = 'a';
	big[TIMS_CONF_LINE_MAX + 1] = '\n';
	expect_error(big, TIMS_CONF_LINE_MAX + 2, "post.conf:1: line longer than 4096 bytes",
		     "a line one byte over the limit");

	for (int i = 0; i < TIMS_CONF_LINES_MAX; i++)
		(void)tims_buf_addstr(&many, "# comment\n");
	expect_error(many.buf, many.len, "", "256 lines");
	(void)tims_buf_addstr(&many, "\n");
	expect_error(many.buf, many.len, "post.conf:257: more than 256 lines", "257 lines");
	tims_buf_release(&many);
}

static void test_files(void)
{
	char dir[] = "/tmp/test_conf.XXXXXX", path[64], msg[TIMS_ERR_MSG_BYTES];
	struct tims_conf c;
	struct tims_err err;
	FILE *f;

	if (!mkdtemp(dir)) {
		T_OK(0, "files: a temporary directory");
		return;
	}
	tims_conf_init(&c, keys, NKEYS);
	snprintf(path, sizeof(path), "%s/post.conf", dir);
	f = fopen(path, "w");
	fputs("port = 8443\nbogus = 1\n", f);
	fclose(f);
	T_EQ_INT(tims_conf_load(&c, path, &err), TIMS_ERR_INVALID, "file: a bad key refused");
	snprintf(msg, sizeof(msg), "%s:2: key 'bogus': unknown key", path);
	T_EQ_STR(err.msg, msg, "file: the message names the path as given, the line and the key");
	f = fopen(path, "w");
	fputs("port = 8443\n", f);
	fclose(f);
	T_EQ_INT(tims_conf_load(&c, path, &err), TIMS_OK, "file: a good file loads");
	T_EQ_INT(tims_conf_get(&c, "port")->num, 8443, "file: its value");
	T_EQ_INT(tims_conf_load(&c, dir, &err), TIMS_ERR_IO, "a directory: refused");
	snprintf(msg, sizeof(msg), "%s: a directory, not a file", dir);
	T_EQ_STR(err.msg, msg, "a directory: says so");
	T_OK(!tims_conf_get(&c, "port"), "a failed load keeps nothing of the earlier one");
	snprintf(path, sizeof(path), "%s/absent.conf", dir);
	T_EQ_INT(tims_conf_load(&c, path, &err), TIMS_ERR_IO, "a missing file: refused");
	T_OK(strstr(err.msg, "absent.conf: No such file") != NULL, "a missing file: says so");
	snprintf(path, sizeof(path), "%s/post.conf", dir);
	if (geteuid() != 0) {
		chmod(path, 0);
		T_EQ_INT(tims_conf_load(&c, path, &err), TIMS_ERR_IO, "an unreadable file: refused");
		T_OK(strstr(err.msg, "Permission denied") != NULL, "an unreadable file: says so");
	}
	T_EQ_INT(tims_conf_load(&c, "/dev/null", &err), TIMS_ERR_IO,
		 "a device: refused (not a regular file)");
	unlink(path);
	rmdir(dir);
	tims_conf_release(&c);
}

int main(void)
{
	test_good();
	test_line_endings();
	test_errors();
	test_files();
	return t_done();
}
