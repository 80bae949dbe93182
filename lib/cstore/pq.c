/*
 * pq.c — libpq, loaded when a query store on PostgreSQL is opened.
 *
 * Only a centre whose query store is on PostgreSQL needs libpq, and libpq
 * brings ten more libraries with it (Kerberos, GSSAPI, LDAP, SASL, OpenSSL's
 * libssl, keyutils ...). Linked into the program, every process mapped and
 * relocated them at its start: every CLI command, every post and witness
 * (about a third of the program's start-up time, and the LDAP and SASL
 * parsers in the address space of a post's network process that never uses
 * them). The program therefore does not link libpq: the first PostgreSQL
 * store opened loads it here (dlopen of the library's soname, every
 * function the store uses looked up at once), before the daemon enters its
 * sandbox (the store is opened with the centre). A missing library or
 * function fails the open naming it; nothing is half loaded.
 */
#include <dlfcn.h>
#include <pthread.h>

#include "internal.h"

/* the soname of Debian's libpq5 (PostgreSQL's ABI 5, unchanged since 8.0) */
#define CS_PQ_SONAME "libpq.so.5"

struct cs_pq cs_pq;

static pthread_once_t pq_once = PTHREAD_ONCE_INIT;
static char pq_error[240];

#define PQ_SYM(name) { #name, (void **)&cs_pq.name }

static void pq_load(void)
{
	struct {
		const char *name;
		void **slot;
	} const syms[] = {
		PQ_SYM(PQconnectdbParams), PQ_SYM(PQstatus), PQ_SYM(PQerrorMessage),
		PQ_SYM(PQsetNoticeProcessor), PQ_SYM(PQfinish), PQ_SYM(PQreset),
		PQ_SYM(PQexec), PQ_SYM(PQexecParams), PQ_SYM(PQprepare),
		PQ_SYM(PQexecPrepared), PQ_SYM(PQsendQueryPrepared), PQ_SYM(PQgetResult),
		PQ_SYM(PQresultStatus), PQ_SYM(PQresultErrorMessage), PQ_SYM(PQclear),
		PQ_SYM(PQntuples), PQ_SYM(PQnfields), PQ_SYM(PQgetvalue),
		PQ_SYM(PQgetisnull), PQ_SYM(PQcmdTuples), PQ_SYM(PQenterPipelineMode),
		PQ_SYM(PQexitPipelineMode), PQ_SYM(PQpipelineSync), PQ_SYM(PQpipelineStatus),
	};
	struct cs_pq loaded;
	void *h;

	h = dlopen(CS_PQ_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *why = dlerror();

		snprintf(pq_error, sizeof(pq_error), "%s cannot be loaded (%.150s): install libpq5",
			 CS_PQ_SONAME, why ? why : "no reason given");
		return;
	}
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *f = dlsym(h, syms[i].name);

		if (!f) {
			snprintf(pq_error, sizeof(pq_error), "%s has no function %s (libpq 14 or later needed)",
				 CS_PQ_SONAME, syms[i].name);
			memset(&cs_pq, 0, sizeof(cs_pq));
			dlclose(h);
			return;
		}
		*syms[i].slot = f;
	}
	/* the table is complete: kept for the process's life (never dlclosed:
	 * connections made through it may outlive any one store) */
	loaded = cs_pq;
	loaded.loaded = 1;
	cs_pq = loaded;
}

tims_rc cs_pq_load(struct tims_err *err)
{
	pthread_once(&pq_once, pq_load);
	if (!cs_pq.loaded)
		return tims_err_set(err, TIMS_ERR_DB, "query store (postgresql): %s", pq_error);
	return TIMS_OK;
}
