/*
 * fuzz_backup.c — the MANIFEST parser of a backup (a backup may come from
 * anywhere: tims restore reads it before anything else), on arbitrary bytes.
 *
 * Beyond "no crash, no leak, no undefined behaviour": what parses formats
 * back to a MANIFEST that parses to the same manifest, and every path it
 * names stays inside the backup (relative, no "." or ".." component).
 */
#include <stdlib.h>
#include <string.h>

#include "tims/backup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_path(const char *p)
{
	if (!p[0] || p[0] == '/' || strstr(p, "//") || !strcmp(p, "..") || !strncmp(p, "../", 3) ||
	    strstr(p, "/../") || (strlen(p) >= 3 && !strcmp(p + strlen(p) - 3, "/..")))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tims_backup_manifest m, again;
	char *text = NULL;
	size_t len = 0;

	if (tims_backup_manifest_parse((const char *)data, size, &m, NULL) != TIMS_OK)
		return 0;
	for (size_t i = 0; i < m.nfiles; i++)
		check_path(m.files[i].path);
	for (size_t i = 0; i < m.nlogs; i++)
		check_path(m.logs[i].path);
	if (tims_backup_manifest_format(&m, &text, &len, NULL) != TIMS_OK)
		abort(); /* what parses must format */
	if (tims_backup_manifest_parse(text, len, &again, NULL) != TIMS_OK)
		abort(); /* ... and parse again */
	if (again.kind != m.kind || strcmp(again.name, m.name) || strcmp(again.version, m.version) ||
	    again.created != m.created || again.nfiles != m.nfiles || again.nlogs != m.nlogs)
		abort();
	for (size_t i = 0; i < m.nfiles; i++)
		if (memcmp(&again.files[i], &m.files[i], sizeof(m.files[i])))
			abort();
	free(text);
	tims_backup_manifest_release(&again);
	tims_backup_manifest_release(&m);
	return 0;
}
