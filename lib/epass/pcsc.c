/*
 * pcsc.c — a PC/SC reader (pcsc-lite) as the transport of
 * struct tims_epass_card: establish a context, find the reader (by name,
 * or the first one with a card), connect and transmit APDUs.
 *
 * pcsc-lite talks to the pcscd service over its socket (PCSCLITE_CSOCK_NAME
 * chooses another one, which the tests use for a private pcscd). Every
 * failure is named: no service, no reader, no card, the card gone.
 */
#include <string.h>

#include <winscard.h>

#include "tims/epass_chip.h"

#define READERS_MAX 8192 /* bytes of pcsc-lite's multi-string of readers */

struct tims_epass_pcsc {
	SCARDCONTEXT ctx;
	SCARDHANDLE card;
	bool have_ctx, have_card;
	DWORD proto;
	char reader[256];
};

static tims_rc pcsc_err(struct tims_err *err, LONG r, const char *what)
{
	switch (r) {
	case SCARD_E_NO_SERVICE:
	case SCARD_E_SERVICE_STOPPED:
		return tims_err_set(err, TIMS_ERR_UNAVAILABLE,
				    "pcsc: %s: no PC/SC service (is pcscd running?)", what);
	case SCARD_E_NO_READERS_AVAILABLE:
		return tims_err_set(err, TIMS_ERR_NOTFOUND, "pcsc: no reader");
	case SCARD_E_NO_SMARTCARD:
	case SCARD_W_REMOVED_CARD:
		return tims_err_set(err, TIMS_ERR_UNAVAILABLE, "pcsc: %s: no card in the reader", what);
	case SCARD_W_UNRESPONSIVE_CARD:
	case SCARD_W_UNPOWERED_CARD:
		return tims_err_set(err, TIMS_ERR_UNAVAILABLE, "pcsc: %s: the card does not answer", what);
	default:
		return tims_err_set(err, TIMS_ERR_IO, "pcsc: %s: %s (0x%08lX)", what,
				    pcsc_stringify_error(r), (unsigned long)r);
	}
}

static tims_rc connect_one(struct tims_epass_pcsc *p, const char *name, struct tims_err *err)
{
	LONG r = SCardConnect(p->ctx, name, SCARD_SHARE_EXCLUSIVE,
			      SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &p->card, &p->proto);

	if (r != SCARD_S_SUCCESS)
		return pcsc_err(err, r, name);
	p->have_card = true;
	snprintf(p->reader, sizeof(p->reader), "%s", name);
	return TIMS_OK;
}

tims_rc tims_epass_pcsc_open(struct tims_epass_pcsc **out, const char *reader,
			     struct tims_err *err)
{
	struct tims_epass_pcsc *p = calloc(1, sizeof(*p));
	char *list = NULL;
	DWORD n = 0;
	LONG r;
	tims_rc rc;

	*out = NULL;
	if (!p)
		return tims_err_set(err, TIMS_ERR_NOMEM, "pcsc: out of memory");
	r = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &p->ctx);
	if (r != SCARD_S_SUCCESS) {
		rc = pcsc_err(err, r, "connecting to pcscd");
		goto fail;
	}
	p->have_ctx = true;
	r = SCardListReaders(p->ctx, NULL, NULL, &n);
	if (r == SCARD_S_SUCCESS && (n == 0 || n > READERS_MAX))
		r = n == 0 ? SCARD_E_NO_READERS_AVAILABLE : SCARD_E_INSUFFICIENT_BUFFER;
	if (r == SCARD_S_SUCCESS) {
		if (!(list = calloc(1, n + 1))) {
			rc = tims_err_set(err, TIMS_ERR_NOMEM, "pcsc: out of memory");
			goto fail;
		}
		r = SCardListReaders(p->ctx, NULL, list, &n);
	}
	if (r != SCARD_S_SUCCESS) {
		rc = pcsc_err(err, r, "listing the readers");
		goto fail;
	}
	if (reader) {
		for (const char *s = list; *s; s += strlen(s) + 1)
			if (!strcmp(s, reader)) {
				rc = connect_one(p, s, err);
				goto done;
			}
		{
			char names[200] = "";
			size_t o = 0;

			for (const char *s = list; *s && o < sizeof(names); s += strlen(s) + 1)
				o += (size_t)snprintf(names + o, sizeof(names) - o, "%s'%s'",
						      o ? ", " : "", s);
			rc = tims_err_set(err, TIMS_ERR_NOTFOUND,
					  "pcsc: reader '%s' not found (readers: %s)", reader, names);
		}
		goto fail;
	}
	/* --first: the first reader with a card in it */
	rc = tims_err_set(err, TIMS_ERR_UNAVAILABLE, "pcsc: no card in any reader");
	for (const char *s = list; *s; s += strlen(s) + 1) {
		struct tims_err e2;

		if ((rc = connect_one(p, s, &e2)) == TIMS_OK)
			break;
		if (err)
			*err = e2;
	}
done:
	if (rc != TIMS_OK)
		goto fail;
	free(list);
	*out = p;
	return TIMS_OK;
fail:
	free(list);
	tims_epass_pcsc_close(p);
	return rc;
}

void tims_epass_pcsc_close(struct tims_epass_pcsc *p)
{
	if (!p)
		return;
	if (p->have_card)
		SCardDisconnect(p->card, SCARD_RESET_CARD);
	if (p->have_ctx)
		SCardReleaseContext(p->ctx);
	free(p);
}

const char *tims_epass_pcsc_reader(const struct tims_epass_pcsc *p)
{
	return p->reader;
}

static tims_rc transmit(void *ctx, const uint8_t *c, size_t cl, uint8_t *r, size_t *rl,
			struct tims_err *err)
{
	struct tims_epass_pcsc *p = ctx;
	const SCARD_IO_REQUEST *pci = p->proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
	DWORD n = (DWORD)(*rl > MAX_BUFFER_SIZE_EXTENDED ? MAX_BUFFER_SIZE_EXTENDED : *rl);
	LONG res;

	if (cl > MAX_BUFFER_SIZE_EXTENDED)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "pcsc: command of %zu bytes", cl);
	res = SCardTransmit(p->card, pci, c, (DWORD)cl, NULL, r, &n);
	if (res != SCARD_S_SUCCESS)
		return pcsc_err(err, res, p->reader);
	*rl = n;
	return TIMS_OK;
}

void tims_epass_pcsc_card(struct tims_epass_pcsc *p, struct tims_epass_card *card)
{
	memset(card, 0, sizeof(*card));
	card->transmit = transmit;
	card->ctx = p;
}
