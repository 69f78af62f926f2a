/*
 * The agents' sync protocol (proto/sync_v1.proto) without I/O: decoding
 * and checking a sync request, turning it into the batch the database
 * applies in one transaction (sync_apply() in schema/functions/), and packing
 * the reply. api_sync.c does the HTTP and the database; the fuzz target
 * drives these functions exactly as it does.
 */
#ifndef PATROL_SYNC_H
#define PATROL_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "compiler.h"
#include "sync_v1.pb-c.h"

struct ward_set;

typedef Patrol__Sync__V1__SyncRequest sync_request;

/* Sizes a batch may have: a day's work fits many times over. */
#define SYNC_ITEMS_MAX   2000
#define SYNC_FIXES_MAX   200000
#define SYNC_PHOTOS_MAX  200
#define SYNC_ID_MAX      64 /* batch, client and session ids */
#define SYNC_ITEM_PHOTOS 20

struct sync_ctx {
	/* {code: category as store_category_get gives}; NULL: not fetched. */
	json_t *categories;
	const struct ward_set *wards; /* may be NULL */
	long long now_ms;             /* device times after now + 1 day: none */
};

struct sync_settings {
	unsigned track_interval_s;
	unsigned sync_interval_s;
	unsigned photo_chunk_bytes;
	unsigned photo_max_bytes;
	const char *time_zone; /* IANA name, the configured one */
	unsigned photo_resize_bytes;
	const char *lifecycle_json; /* lifecycle_json(), compact */
};

/*
 * Unpacks a request the caller has already capped in size. NULL with
 * *cause on malformed input. Free with sync_request_free.
 */
sync_request *sync_request_decode(const void *, size_t, char **cause);
void sync_request_free(sync_request *);

/*
 * Checks what makes a batch unusable as a whole: ids (batch, client,
 * session) malformed or repeated, too many items, fixes or photos, bad
 * photo manifests. -1 with *field and *cause (caller frees both). What is
 * wrong with one item only is that item's refusal (sync_batch_json).
 */
PATROL_MUSTCHECK int sync_request_check(const sync_request *,
    long long photo_max_bytes, char **field, char **cause);

/* The number of findings (they need the categories to be checked). */
size_t sync_request_findings(const sync_request *);

/*
 * SHA-256 of the batch's recorded items (not the cursor, hello or photo
 * manifests, which may change between retries of the same batch).
 */
void sync_request_hash(const sync_request *, char hex[65]);

/*
 * The batch for sync_apply(): {batch_id, sha256, cursor, version, items,
 * photos}, items in the order the crew recorded them (seq). An item that
 * fails its checks becomes {"kind": "refused", "ack": {...}} naming the
 * field, so the rest of the batch still applies. The request must have
 * passed sync_request_check.
 */
json_t *sync_batch_json(const sync_request *, const struct sync_ctx *);

/*
 * Packs the reply to a sync from sync_apply()'s result. Returns the bytes
 * (caller frees) and their length.
 */
uint8_t *sync_response_pack(json_t *result, const char *batch_id,
    const struct sync_settings *, size_t *len);

/*
 * Enrollment codes: 10 characters of an alphabet without look-alikes
 * (no 0/O, 1/I/L, U), shown as XXXXX-XXXXX, about 50 bits: enough for a
 * code that is spent once and expires in minutes.
 */
#define SYNC_CODE_LEN 10
/* A new random code, grouped for reading out ("ABCDE-FGHJK"). */
void sync_code_new(char out[SYNC_CODE_LEN + 2]);
/*
 * The code as typed (any case, dashes and spaces anywhere) in canonical
 * form, the one that is hashed. -1 when it cannot be a code.
 */
PATROL_MUSTCHECK int sync_code_normalize(
    const char *in, char out[SYNC_CODE_LEN + 1]);

/* An Error message body (caller frees). */
uint8_t *sync_error_pack(
    const char *code, const char *field, const char *message, size_t *len);

#endif
