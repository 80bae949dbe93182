/*
 * cli_lang.c — the language of the program's own messages: GNU gettext,
 * text domain "tims" (docs/languages.md, "The command line").
 *
 * The language, in this order:
 *   1. LC_ALL=C or LC_ALL=POSIX: English, whatever else is set (scripts and
 *      the manual pages' generator rely on it);
 *   2. LANGUAGE (GNU's list, "sq" or "de:sq");
 *   3. the language of the first of LC_ALL, LC_MESSAGES, LANG that is set
 *      and is not C or POSIX ("sq_AL.UTF-8" gives sq_AL, then sq), whether
 *      or not that locale is generated on the machine;
 *   4. the installation's default: the `lang` line of the node's
 *      configuration (SYSCONFDIR/tims/post.conf, else centre.conf; the
 *      folder is $TIMS_CONF_DIR when set), as the consoles use it;
 *   5. English.
 * Only LC_MESSAGES leaves the C locale (as C.UTF-8, which Debian always
 * has): numbers, dates and bytes are printed as before, and the catalogue's
 * UTF-8 is passed through as it is (bind_textdomain_codeset).
 *
 * The catalogue (LL/LC_MESSAGES/tims.mo) is looked for in $TIMS_LOCALEDIR,
 * else beside the program (build/tims -> build/locale, which the Makefile
 * fills), else in PREFIX/share/locale for an installed /PREFIX/bin/tims.
 * A message without a translation, or no catalogue at all, stays English.
 */
#include <libintl.h>
#include <limits.h>
#include <locale.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "tims/officer.h"
#include "tims/buf.h"
#include "tims/util.h"

#ifndef TIMS_SYSCONFDIR
#define TIMS_SYSCONFDIR "/usr/local/etc"
#endif

#define LANG_MAX 64

/* an environment variable, unless the program runs set-user-ID or with
 * capabilities it was given (AT_SECURE): a catalogue holds format strings */
static const char *env_trusted(const char *name)
{
	return getauxval(AT_SECURE) ? NULL : getenv(name);
}

static int is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* "C", "POSIX", "C.UTF-8": no language of their own */
static int is_c_locale(const char *v)
{
	return !strcmp(v, "C") || !strcmp(v, "POSIX") || !strncmp(v, "C.", 2);
}

/* "sq_AL.UTF-8@euro" -> "sq_AL"; 0 when nothing usable is left */
static int language_of(const char *locale, char *out, size_t cap)
{
	size_t n = strcspn(locale, ".@");

	if (!n || n >= cap)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalpha((unsigned char)locale[i]) && locale[i] != '_')
			return 0;
	memcpy(out, locale, n);
	out[n] = '\0';
	return 1;
}

/* The value of the line `lang = VALUE` in a tims.conf(5) text, read as
 * its parser reads lines (blanks around the line, the key and '=' are
 * dropped; '#' starts a comment line); 0 when no line sets it or the value
 * does not fit. Only this key is read: the daemon checks the whole file. */
static int conf_lang(const char *text, char *out, size_t cap)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *e = strchr(p, '\n'), *q = p;
		size_t n;

		if (!e)
			e = p + strlen(p);
		while (q < e && (*q == ' ' || *q == '\t'))
			q++;
		if (e - q < 4 || strncmp(q, "lang", 4))
			continue;
		q += 4;
		while (q < e && (*q == ' ' || *q == '\t'))
			q++;
		if (q == e || *q != '=')
			continue;
		q++;
		while (q < e && (*q == ' ' || *q == '\t'))
			q++;
		while (e > q && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		n = (size_t)(e - q);
		if (n >= cap)
			return 0;
		memcpy(out, q, n);
		out[n] = '\0';
		return 1;
	}
	return 0;
}

/* The `lang` line of the node's configuration, checked against the
 * languages TIMS has (tims_lang_names); 0 when none is set. */
static int installation_lang(char *out, size_t cap)
{
	static const char *const files[] = { "post.conf", "centre.conf" };
	const char *dir = env_trusted("TIMS_CONF_DIR");
	char path[PATH_MAX], v[LANG_MAX];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct tims_buf b;
		int found;

		if (dir && *dir)
			snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		else
			snprintf(path, sizeof(path), "%s/tims/%s", TIMS_SYSCONFDIR, files[i]);
		tims_buf_init(&b, 1 << 16);
		if (tims_read_file(path, 1 << 16, &b, NULL)) {
			tims_buf_release(&b);
			continue;
		}
		found = conf_lang(tims_buf_str(&b), v, sizeof(v));
		tims_buf_release(&b);
		if (found && tims_lang_valid(v) && strlen(v) < cap) {
			memcpy(out, v, strlen(v) + 1);
			return 1;
		}
	}
	return 0;
}

static void bind_catalogue(void)
{
	char exe[PATH_MAX], dir[PATH_MAX + 32];
	const char *env = env_trusted("TIMS_LOCALEDIR");
	char *slash;
	ssize_t n;

	if (env && *env) {
		bindtextdomain("tims", env);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/'))) {
			*slash = '\0';
			/* build/tims, build/asan/tims: the build's own catalogues */
			snprintf(dir, sizeof(dir), "%s/locale", exe);
			if (is_dir(dir)) {
				bindtextdomain("tims", dir);
				return;
			}
			/* PREFIX/bin/tims -> PREFIX/share/locale */
			snprintf(dir, sizeof(dir), "%s/../share/locale", exe);
			if (is_dir(dir)) {
				bindtextdomain("tims", dir);
				return;
			}
		}
	}
	bindtextdomain("tims", "/usr/share/locale");
}

void cli_lang_init(void)
{
	static const char header[] = ""; /* a variable: xgettext extracts no "" */
	static const char *const vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
	const char *all = getenv("LC_ALL"), *language = getenv("LANGUAGE");
	char lang[LANG_MAX] = "";

	/* Output is UTF-8 bytes as given; no locale-dependent formatting. */
	setlocale(LC_ALL, "C");
	if (all && (!strcmp(all, "C") || !strcmp(all, "POSIX")))
		return;
	if (!language || !*language) {
		for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
			const char *v = getenv(vars[i]);

			if (!v || !*v)
				continue;
			if (!is_c_locale(v))
				language_of(v, lang, sizeof(lang));
			break;
		}
		if (!*lang)
			installation_lang(lang, sizeof(lang));
		/* English (en, en_GB ...): the texts as written */
		if (!*lang || (!strncmp(lang, "en", 2) && (!lang[2] || lang[2] == '_')))
			return;
		/* gettext reads the list from LANGUAGE; the signer, re-executed,
		 * inherits it */
		if (setenv("LANGUAGE", lang, 1))
			return;
	}
	/* LANGUAGE is not read in the C locale: C.UTF-8 for messages only */
	if (!setlocale(LC_MESSAGES, "C.UTF-8"))
		return;
	bind_catalogue();
	bind_textdomain_codeset("tims", "UTF-8");
	textdomain("tims");
	/* load the catalogue now, before a daemon's sandbox (Landlock,
	 * seccomp: src/serve_sandbox.c) could refuse its files or calls */
	(void)gettext(header); /* "": the catalogue's header */
}
