/*
 * banned.h — libc calls that have no place in code that reads hostile input.
 *
 * Each is unbounded (strcpy, strcat, sprintf, gets), silently wrong on bad
 * input (atoi, atol: no error, undefined on overflow; sscanf: unbounded %s
 * and the same overflow), or hidden global state (strtok, gmtime, localtime).
 * Use the bounded helpers in tims/buf.h and tims/util.h, snprintf, strtoull
 * with full checking (tims_parse_u64), gmtime_r and localtime_r.
 *
 * After this header, a call to one of them fails to compile with an error
 * that names it. Force-included through tims/sys.h.
 */
#ifndef TIMS_BANNED_H
#define TIMS_BANNED_H

#define TIMS_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) TIMS_BANNED(strcpy)
#undef strcat
#define strcat(x, y) TIMS_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) TIMS_BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) TIMS_BANNED(strncat)
#undef sprintf
#define sprintf(...) TIMS_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) TIMS_BANNED(vsprintf)
#undef gets
#define gets(x) TIMS_BANNED(gets)
#undef atoi
#define atoi(x) TIMS_BANNED(atoi)
#undef atol
#define atol(x) TIMS_BANNED(atol)
#undef atoll
#define atoll(x) TIMS_BANNED(atoll)
#undef sscanf
#define sscanf(...) TIMS_BANNED(sscanf)
#undef strtok
#define strtok(x, y) TIMS_BANNED(strtok)
#undef gmtime
#define gmtime(t) TIMS_BANNED(gmtime)
#undef localtime
#define localtime(t) TIMS_BANNED(localtime)
#undef ctime
#define ctime(t) TIMS_BANNED(ctime)
#undef asctime
#define asctime(t) TIMS_BANNED(asctime)

#endif
