/*
 * fuzz_event.c — libFuzzer target for the centre's gate on what a post
 * sends: one event object as POST /api/v1/sync/events carries it
 * (tims_event_from_json, strict).
 *
 * Whatever it accepts must pass tims_event_check and come back the same
 * through tims_event_json: an event has one JSON form.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tims/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tims_event ev, back;
	uint64_t seq, seq2;
	json_t *j, *again;

	if (size > TIMS_EVENT_JSON_MAX)
		return 0;
	j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
	if (!j)
		return 0;
	if (!tims_event_from_json(j, &ev, &seq, NULL)) {
		if (tims_event_check(&ev, NULL))
			abort(); /* accepted, so it must be valid */
		again = tims_event_json(&ev, seq);
		if (!again || tims_event_from_json(again, &back, &seq2, NULL) || seq2 != seq ||
		    memcmp(&ev, &back, sizeof(ev)))
			abort(); /* one event, one form */
		json_decref(again);
	}
	json_decref(j);
	return 0;
}
