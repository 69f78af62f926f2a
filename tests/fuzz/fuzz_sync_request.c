/*
 * A handheld's sync request as it reaches patrold (server/sync.c): bytes
 * unpacked as a SyncRequest, the batch checked, turned into the batch
 * sync_apply() gets, and a reply packed from an acknowledgement of every
 * item. Whatever is accepted must give valid JSON whose items all carry a
 * kind and a client id, and a reply that unpacks again; every refusal
 * names a field.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "geo.h"
#include "lifecycle.h"
#include "log.h"
#include "sync.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct geo_area area = {139.0, 35.1, 140.0, 36.3};

static const char categories[] =
    "{\"road_pothole\": {\"code\": \"road_pothole\", \"priority\": 2,"
    " \"questions\": [{\"code\": \"depth\", \"datatype\":"
    " \"singlevaluelist\", \"required\": true, \"values\": [{\"key\":"
    " \"shallow\"}, {\"key\": \"deep\"}], \"raises\": {\"value\": \"deep\","
    " \"priority\": 1}}], \"outcomes\": []},"
    " \"park_other\": {\"code\": \"park_other\", \"priority\": 3,"
    " \"questions\": [], \"outcomes\": []}}";

static json_t *cats;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *cause;
	json_t *rules, *actions;

	(void)argc;
	(void)argv;
	log_init(LOG_LEVEL_ERROR, NULL);
	if (geo_init("EPSG:6677", &area, &cause) != 0)
		abort();
	if ((cats = json_loads(categories, 0, NULL)) == NULL)
		abort();
	/* The rules come from lifecycle.c: every crew action is there. */
	rules = lifecycle_json(role_name);
	actions = json_object_get(rules, "actions");
	if (json_object_get(actions, "done") == NULL ||
	    json_object_get(actions, "accept") == NULL)
		abort();
	json_decref(rules);
	return 0;
}

/* An acknowledgement for each item, as sync_apply() answers. */
static json_t *
fuzz_result(json_t *batch)
{
	json_t *acks = json_array(), *item, *ack;
	size_t i;

	json_array_foreach(json_object_get(batch, "items"), i, item)
	{
		ack = json_object_get(item, "ack");
		json_array_append_new(acks,
		    ack != NULL
		        ? json_deep_copy(ack)
		        : json_pack("{s:O,s:s,s:I}", "client_id",
		              json_object_get(item, "client_id"), "status",
		              "applied", "request_id", (json_int_t)i));
	}
	return json_pack("{s:o,s:b,s:I,s:[],s:[],s:[]}", "acks", acks,
	    "replayed", 0, "cursor", (json_int_t)42, "assignments",
	    "cancellations", "photos_wanted");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sync_ctx ctx = {cats, NULL, 1800000000000LL};
	struct sync_settings st = {
	    5, 30, 1 << 20, 10 << 20, "Asia/Tokyo", 2 << 20, NULL};
	Patrol__Sync__V1__SyncResponse *back;
	sync_request *r;
	json_t *batch, *item, *res;
	char *field = NULL, *cause = NULL, *text, hex[65];
	uint8_t *out;
	size_t i, len, n;

	if ((r = sync_request_decode(data, size, &cause)) == NULL) {
		if (cause == NULL)
			abort();
		free(cause);
		return 0;
	}
	if (sync_request_check(r, 10 << 20, &field, &cause) != 0) {
		if (field == NULL || cause == NULL)
			abort();
		free(field);
		free(cause);
		sync_request_free(r);
		return 0;
	}
	sync_request_hash(r, hex);
	batch = sync_batch_json(r, &ctx);
	if (strcmp(json_string_value(json_object_get(batch, "sha256")), hex) !=
	    0)
		abort();
	n = r->n_status_changes + r->n_results + r->n_findings + r->n_patrols +
	    r->n_tracks;
	if (json_array_size(json_object_get(batch, "items")) != n)
		abort();
	json_array_foreach(json_object_get(batch, "items"), i, item)
	{
		if (json_string_value(json_object_get(item, "kind")) == NULL ||
		    json_string_value(json_object_get(item, "client_id")) ==
		        NULL)
			abort();
		if (strcmp(json_string_value(json_object_get(item, "kind")),
		        "refused") == 0 &&
		    json_string_value(json_object_get(
		        json_object_get(item, "ack"), "field")) == NULL)
			abort();
	}
	/* What goes to PostgreSQL must be JSON it can read back. */
	if ((text = json_dumps(batch, JSON_COMPACT)) == NULL)
		abort();
	json_decref(json_loads(text, 0, NULL));
	free(text);
	res = fuzz_result(batch);
	out = sync_response_pack(res, r->batch_id, &st, &len);
	if ((back = patrol__sync__v1__sync_response__unpack(NULL, len, out)) ==
	        NULL ||
	    back->n_acks != n)
		abort();
	patrol__sync__v1__sync_response__free_unpacked(back, NULL);
	free(out);
	json_decref(res);
	json_decref(batch);
	sync_request_free(r);
	return 0;
}
