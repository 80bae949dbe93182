/* version.h — the release of the library and the program. */
#ifndef TIMS_VERSION_H
#define TIMS_VERSION_H

#define TIMS_VERSION "0.1.0"

/* "0.1.0" plus the build's git description when the Makefile knows it. */
const char *tims_version(void);

#endif
