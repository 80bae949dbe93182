/*
 * mrz_int.h — what the files of lib/mrz share and no caller needs: date
 * helpers (date.c) used by the field parser (mrz.c).
 */
#ifndef TIMS_MRZ_INT_H
#define TIMS_MRZ_INT_H

#include "tims/mrz.h"

/* Days in a month of the Gregorian calendar; 0 for a month outside 1-12. */
int mrz_days_in_month(int year, int month);

/* The full year of a birth date YY (MMDD, or 0 when unknown), not after today. */
int mrz_birth_year(int yy, int mmdd, int today);

/* The full year of an expiry date YY: within [today-79y, today+20y]. */
int mrz_expiry_year(int yy, int today);

/* "YYYY-MM-DD", "YYYY-MM" (day 0) or "YYYY" (month 0), without snprintf. */
void mrz_iso_date(char out[11], int year, int month, int day);

#endif
