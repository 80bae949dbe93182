/*
 * paxlst.h — advance passenger information: the UN/EDIFACT PAXLST
 * messages airlines send for each flight's passengers and crew (WCO/IATA/
 * ICAO API guidelines), read into one typed record per traveller
 * (lib/paxlst/paxlst.c; docs/paxlst.md).
 *
 * What is read: one or more interchanges in one buffer, each with or
 * without a UNA service string advice (else the defaults : + . ? space '),
 * the release character, UNB/UNZ, optional UNG/UNE groups, UNH/UNT
 * messages of type PAXLST (directories D:02B, D:05B and others of the same
 * shape, and the US variants), also wrapped in IATA Type-B teletype lines
 * (address and origin lines before, line breaks anywhere inside, "=" or
 * "NNNN" after).
 *
 * Lenient where carriers are sloppy, each with a warning naming the
 * segment and its position: lower-case letters under UNOA, a byte outside
 * the character set (replaced by '?'), a UNA whose reserved character is
 * not a space, an unknown directory version. Strict where it matters, an
 * error naming the segment and its position: a segment that cannot be
 * parsed (a field too long, too many elements), a message that is not a
 * PAXLST, a UNT, UNE or UNZ count or reference that disagrees, a CNT total
 * that disagrees with the travellers sent, an interchange cut short. An
 * error refuses the whole buffer: no traveller of it is returned.
 *
 * Bounded: at most TIMS_PAXLST_MAX_BYTES of input, TIMS_PAXLST_MAX_TRAVELLERS
 * travellers, segments of at most TIMS_PAXLST_MAX_SEGMENT bytes.
 */
#ifndef TIMS_PAXLST_H
#define TIMS_PAXLST_H

#include <stddef.h>
#include <stdint.h>

#include "tims/err.h"

#define TIMS_PAXLST_MAX_BYTES ((size_t)64 << 20)
#define TIMS_PAXLST_MAX_TRAVELLERS 200000
#define TIMS_PAXLST_MAX_SEGMENT 4096
#define TIMS_PAXLST_FIELD 128       /* a name: up to 127 bytes of UTF-8 */
#define TIMS_PAXLST_VALUE 40        /* a number, flight or date as sent: up to 39 */
#define TIMS_PAXLST_CODE 16         /* a code: up to 15 */
#define TIMS_PAXLST_MAX_WARNINGS 100000 /* kept in all (more are counted) */
#define TIMS_PAXLST_WARNING 160

struct tims_paxlst_traveller {
	/* the leg the traveller is reported for (LOC+178 names its departure;
	 * else the first leg of the message) */
	char flight[TIMS_PAXLST_VALUE];          /* TDT: carrier and number as sent */
	char departure_airport[TIMS_PAXLST_CODE];
	char departure_time[TIMS_PAXLST_VALUE];  /* ISO when complete, else as sent */
	char arrival_airport[TIMS_PAXLST_CODE];
	char arrival_time[TIMS_PAXLST_VALUE];
	char role[TIMS_PAXLST_CODE];             /* NAD party qualifier: FL, FM, DDT, DDU ... */
	char surname[TIMS_PAXLST_FIELD];
	char given_names[TIMS_PAXLST_FIELD];     /* the given-name components, by spaces */
	char birth_date[TIMS_PAXLST_VALUE];
	char sex[TIMS_PAXLST_CODE];              /* ATT+2 as sent: M, F, U ... */
	char nationality[TIMS_PAXLST_CODE];
	char document_type[TIMS_PAXLST_CODE];    /* DOC as sent: P, I, ... */
	char document_number[TIMS_PAXLST_VALUE];
	char document_issuing_state[TIMS_PAXLST_CODE];
	char document_expiry[TIMS_PAXLST_VALUE];
	char message_ref[TIMS_PAXLST_VALUE];     /* UNH's reference */
	char message_version[TIMS_PAXLST_CODE];  /* e.g. D:02B */
	/* the interchange's preparation date and time (UNB element 4), ISO
	 * "YYYY-MM-DDTHH:MM" when complete, else as sent (with a warning), or
	 * empty: the sender's clock, by the API guidelines UTC */
	char prepared[TIMS_PAXLST_VALUE];
	uint32_t segment;                        /* the NAD's position in the interchange */
	/* its warnings: those of its interchange's envelope, of its message and
	 * of its own segments, read with tims_paxlst_warning (kept once each in
	 * the pool below, not copied a traveller) */
	unsigned nwarnings;
	uint32_t w_env, n_env, w_msg, n_msg, w_own, n_own;
};

struct tims_paxlst {
	struct tims_paxlst_traveller *t;         /* malloc'd */
	size_t n, cap;
	unsigned interchanges, messages;
	uint64_t warnings;                       /* all warnings, kept or not */
	char (*warn)[TIMS_PAXLST_WARNING];       /* the pool of warnings kept */
	size_t nwarn, capwarn;
};

/* The k-th warning of traveller t (0 <= k < t->nwarnings), or NULL. */
const char *tims_paxlst_warning(const struct tims_paxlst *p,
				const struct tims_paxlst_traveller *t, unsigned k);

struct tims_paxlst_options {
	/* the day (days since 1970-01-01, UTC) against which a two-digit
	 * birth year gets its century (a year not after this one's two
	 * digits is 20YY, else 19YY); 0: today */
	int64_t today;
};

/*
 * Parse len bytes. On success *out holds every traveller in the order
 * sent (release it with tims_paxlst_release); on error nothing is kept
 * and err names the segment, its number in its interchange and its byte
 * offset in the buffer. opt may be NULL.
 */
TIMS_MUST_USE tims_rc tims_paxlst_parse(const char *buf, size_t len,
					const struct tims_paxlst_options *opt,
					struct tims_paxlst *out, struct tims_err *err);
void tims_paxlst_release(struct tims_paxlst *p);

#endif
