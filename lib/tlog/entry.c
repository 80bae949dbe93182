/*
 * entry.c — salted leaf entries: how a log commits to a payload that the law
 * may later require to be erased (see include/tims/tlog.h).
 *
 * Both TIMS logs (crossing records, audit events) use this one layout, so a
 * retention erasure works the same way in each and an auditor needs to know
 * one format.
 */
#include <sodium.h>

#include "tims/tlog.h"

void tims_tlog_salted_entry(uint8_t version, uint8_t kind, int64_t time_ms,
			    const uint8_t salt[TIMS_TLOG_SALT_BYTES],
			    const void *payload, size_t len,
			    uint8_t entry[TIMS_TLOG_ENTRY_BYTES])
{
	crypto_hash_sha256_state st;
	uint64_t t = (uint64_t)time_ms;

	entry[0] = version;
	entry[1] = kind;
	for (int i = 0; i < 8; i++)
		entry[2 + i] = (uint8_t)(t >> (56 - 8 * i));
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, salt, TIMS_TLOG_SALT_BYTES);
	crypto_hash_sha256_update(&st, payload, len);
	crypto_hash_sha256_final(&st, entry + 10);
}

int64_t tims_tlog_entry_time(const uint8_t entry[TIMS_TLOG_ENTRY_BYTES])
{
	uint64_t t = 0;

	for (int i = 0; i < 8; i++)
		t = t << 8 | entry[2 + i];
	return (int64_t)t;
}
