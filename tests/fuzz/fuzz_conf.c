/*
 * fuzz_conf.c — the configuration-file parser (tims/conf.h) on arbitrary
 * bytes, and the log quoting (tims/log.h) on the values it accepts.
 *
 * Beyond "no crash, no leak, no undefined behaviour" it checks what the
 * daemons rely on: a file either parses or is refused with a message that
 * starts "conf:LINE: " and keeps nothing; every value kept is non-empty,
 * without blanks at its ends, without control bytes, and of its declared
 * type; a quoted value never holds a newline.
 */
#include <stdlib.h>
#include <string.h>

#include "tims/conf.h"
#include "tims/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const levels[] = { "error", "warning", "notice", "info", "debug", NULL };

static const struct tims_conf_key keys[] = {
	{ "dir", TIMS_CONF_PATH, 0, 0, NULL },
	{ "listen", TIMS_CONF_ADDR, 0, 0, NULL },
	{ "port", TIMS_CONF_PORT, 0, 65535, NULL },
	{ "cert", TIMS_CONF_PATH, 0, 0, NULL },
	{ "threads", TIMS_CONF_U32, 1, 64, NULL },
	{ "name", TIMS_CONF_STRING, 0, 0, NULL },
	{ "log-level", TIMS_CONF_ENUM, 0, 0, levels },
	{ "witness", TIMS_CONF_ADDR_PORT, 0, 0, NULL },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tims_conf c;
	struct tims_err err;
	char q[4 * TIMS_CONF_LINE_MAX + 8];

	tims_conf_init(&c, keys, NKEYS);
	if (tims_conf_parse(&c, "conf", (const char *)data, size, &err) != TIMS_OK) {
		if (strncmp(err.msg, "conf:", 5) != 0)
			abort(); /* every refusal names the file and line */
		for (size_t i = 0; i < NKEYS; i++)
			if (tims_conf_get(&c, keys[i].name))
				abort(); /* a refused file leaves nothing */
		return 0;
	}
	for (size_t i = 0; i < NKEYS; i++) {
		const struct tims_conf_value *v = tims_conf_get(&c, keys[i].name);
		size_t n;

		if (!v)
			continue;
		n = strlen(v->str);
		if (!n || n > TIMS_CONF_LINE_MAX || v->line == 0 || v->line > TIMS_CONF_LINES_MAX)
			abort();
		if (v->str[0] == ' ' || v->str[0] == '\t' || v->str[n - 1] == ' ' ||
		    v->str[n - 1] == '\t')
			abort(); /* trimmed */
		for (size_t k = 0; k < n; k++)
			if ((unsigned char)v->str[k] < 0x20 && v->str[k] != '\t')
				abort(); /* no control byte */
		if ((keys[i].type == TIMS_CONF_PATH && v->str[0] != '/') ||
		    (keys[i].type == TIMS_CONF_PORT && v->num > 65535) ||
		    (keys[i].type == TIMS_CONF_U32 && (v->num < 1 || v->num > 64)) ||
		    (keys[i].type == TIMS_CONF_ENUM && (v->num > 4 || strcmp(levels[v->num], v->str))))
			abort(); /* of its type */
		tims_log_quote(v->str, q, sizeof(q));
		if (strchr(q, '\n') || strchr(q, '\r'))
			abort();
	}
	tims_conf_release(&c);
	return 0;
}
