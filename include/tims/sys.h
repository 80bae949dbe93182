/*
 * sys.h — the system headers every TIMS source uses, then banned.h.
 *
 * The build force-includes this file (-include tims/sys.h) in lib/ and src/.
 * Including the system headers first means their declarations of the banned
 * functions are already seen (and guarded) before banned.h turns every later
 * *call* into a compile error.
 */
#ifndef TIMS_SYS_H
#define TIMS_SYS_H

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "tims/banned.h"

#endif
