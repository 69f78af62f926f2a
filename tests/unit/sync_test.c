/*
 * server/sync.c and proto/track_codec.c: the batch a sync request becomes
 * (order, refusals naming fields, life-cycle rules), the content hash that
 * makes a retried batch recognisable, enrollment codes, and the GPS delta
 * coding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "geo.h"
#include "log.h"
#include "auth.h"
#include "lifecycle.h"
#include "sync.h"
#include "track_codec.h"

static const struct geo_area area = {139.0, 35.1, 140.0, 36.3};

static int
setup(void **state)
{
	char *cause;

	(void)state;
	log_init(LOG_LEVEL_ERROR, NULL);
	return geo_init("EPSG:6677", &area, &cause);
}

static int
teardown(void **state)
{
	(void)state;
	geo_fini();
	return 0;
}

static void
test_track_roundtrip(void **state)
{
	struct track_fix in[3] = {{1763700000000LL, 35605000, 139560000},
	    {1763700001000LL, 35605012, 139559993},
	    {1763700002000LL, -35605012, -179999999}};
	struct track_fix out[3];
	int64_t dt[3];
	int32_t dlat[3], dlon[3];

	(void)state;
	track_encode(in, 3, dt, dlat, dlon);
	assert_int_equal(dt[0], 1763700000000LL);
	assert_int_equal(dt[1], 1000);
	assert_int_equal(dlat[1], 12);
	assert_int_equal(dlon[1], -7);
	assert_int_equal(track_decode(dt, dlat, dlon, 3, out), 0);
	assert_memory_equal(in, out, sizeof in);
	assert_int_equal(track_e6(35.6050004), 35605000);
	assert_int_equal(track_e6(-139.5600006), -139560001);
}

static void
test_track_refuses_out_of_range(void **state)
{
	int64_t dt[2] = {1000, 1000}, huge[2] = {INT64_MAX, INT64_MAX};
	int32_t lat[2] = {90000000, 1}, lon[2] = {0, 0};
	int32_t wrap[2] = {INT32_MAX, INT32_MAX};
	struct track_fix out[2];

	(void)state;
	assert_int_equal(track_decode(dt, lat, lon, 2, out), -1);
	assert_int_equal(track_decode(huge, lon, lon, 2, out), -1);
	assert_int_equal(track_decode(dt, lon, wrap, 2, out), -1);
	lat[1] = -1;
	assert_int_equal(track_decode(dt, lat, lon, 2, out), 0);
	assert_int_equal(out[1].lat_e6, 89999999);
}

static void
test_codes(void **state)
{
	char code[SYNC_CODE_LEN + 2], canon[SYNC_CODE_LEN + 1];
	int i;

	(void)state;
	assert_int_equal(sync_code_normalize("abcde-fgh23", canon), 0);
	assert_string_equal(canon, "ABCDEFGH23");
	assert_int_equal(sync_code_normalize(" AB CDE FGH 23 ", canon), 0);
	assert_int_equal(sync_code_normalize("ABCDE-FGH2", canon), -1);
	assert_int_equal(sync_code_normalize("ABCDE-FGH234", canon), -1);
	assert_int_equal(sync_code_normalize("ABCDE-FGHI3", canon), -1);
	assert_int_equal(sync_code_normalize("ABCDE-FGH01", canon), -1);
	for (i = 0; i < 100; i++) {
		sync_code_new(code);
		assert_int_equal(strlen(code), SYNC_CODE_LEN + 1);
		assert_int_equal(code[5], '-');
		assert_int_equal(sync_code_normalize(code, canon), 0);
	}
}

/* A request as the agent builds one. */
struct fixture {
	Patrol__Sync__V1__SyncRequest r;
	Patrol__Sync__V1__StatusChange s[3], *sp[3];
	Patrol__Sync__V1__Finding f[2], *fp[2];
	Patrol__Sync__V1__Position pos;
	Patrol__Sync__V1__Answer ans, *ansp;
};

static void
fixture_init(struct fixture *x)
{
	int i;

	memset(x, 0, sizeof *x);
	patrol__sync__v1__sync_request__init(&x->r);
	x->r.batch_id = "b-1";
	for (i = 0; i < 3; i++) {
		patrol__sync__v1__status_change__init(&x->s[i]);
		x->s[i].request_id = 7;
		x->sp[i] = &x->s[i];
	}
	x->s[0].client_id = "c";
	x->s[0].seq = 30;
	x->s[0].action = "on_site";
	x->s[1].client_id = "a";
	x->s[1].seq = 10;
	x->s[1].action = "accept";
	x->s[2].client_id = "b";
	x->s[2].seq = 20;
	x->s[2].action = "cancel"; /* not a crew's */
	x->r.n_status_changes = 3;
	x->r.status_changes = x->sp;
	patrol__sync__v1__position__init(&x->pos);
	x->pos.lat = 35.61;
	x->pos.lon = 139.55;
	patrol__sync__v1__answer__init(&x->ans);
	x->ans.code = "depth";
	x->ans.text = "deep";
	x->ansp = &x->ans;
	for (i = 0; i < 2; i++) {
		patrol__sync__v1__finding__init(&x->f[i]);
		x->f[i].position = &x->pos;
		x->fp[i] = &x->f[i];
	}
	x->f[0].client_id = "f0";
	x->f[0].seq = 15;
	x->f[0].category = "road_pothole";
	x->f[0].n_answers = 1;
	x->f[0].answers = &x->ansp;
	x->f[1].client_id = "f1";
	x->f[1].seq = 25;
	x->f[1].category = "no_such";
	x->r.n_findings = 2;
	x->r.findings = x->fp;
}

static void
test_batch_order_and_refusals(void **state)
{
	struct fixture x;
	struct sync_ctx ctx = {NULL, NULL, 1800000000000LL};
	json_t *b, *items, *it;
	char *field, *cause;

	(void)state;
	fixture_init(&x);
	ctx.categories = json_loads("{\"road_pothole\": {\"priority\": 2,"
	                            " \"questions\": [{\"code\": \"depth\","
	                            " \"datatype\": \"singlevaluelist\","
	                            " \"values\": [{\"key\": \"deep\"}],"
	                            " \"raises\": {\"value\": \"deep\","
	                            " \"priority\": 1}}]}}",
	    0, NULL);
	assert_int_equal(sync_request_check(&x.r, 1 << 20, &field, &cause), 0);
	b = sync_batch_json(&x.r, &ctx);
	items = json_object_get(b, "items");
	assert_int_equal(json_array_size(items), 5);
	/* In the order the crew recorded them. */
	assert_string_equal(json_string_value(json_object_get(
	                        json_array_get(items, 0), "client_id")),
	    "a");
	it = json_array_get(items, 1);
	assert_string_equal(
	    json_string_value(json_object_get(it, "kind")), "finding");
	assert_int_equal(
	    json_integer_value(json_object_get(it, "priority")), 1);
	assert_non_null(json_object_get(it, "easting"));
	it = json_array_get(items, 2);
	assert_string_equal(
	    json_string_value(json_object_get(it, "kind")), "refused");
	assert_string_equal(json_string_value(json_object_get(
	                        json_object_get(it, "ack"), "field")),
	    "action");
	it = json_array_get(items, 3);
	assert_string_equal(json_string_value(json_object_get(
	                        json_object_get(it, "ack"), "field")),
	    "category");
	assert_string_equal(json_string_value(json_object_get(
	                        json_array_get(items, 4), "action")),
	    "on_site");
	json_decref(b);
	json_decref(ctx.categories);
}

/* A step is judged by lifecycle_check(), with the same words. */
static void
test_steps_judged_by_lifecycle(void **state)
{
	struct fixture x;
	struct sync_ctx ctx = {NULL, NULL, 1800000000000LL};
	struct lc_verdict v;
	json_t *b, *items, *ack;
	char *field, *cause;

	(void)state;
	fixture_init(&x);
	x.r.n_findings = 0;
	x.s[1].action = "reject"; /* no reason */
	assert_int_equal(sync_request_check(&x.r, 1 << 20, &field, &cause), 0);
	b = sync_batch_json(&x.r, &ctx);
	items = json_object_get(b, "items");
	assert_int_equal(json_array_size(items), 3);
	ack = json_object_get(json_array_get(items, 0), "ack");
	assert_non_null(ack);
	assert_int_equal(
	    lifecycle_check("reject", LC_ANY_STATE, AUTH_CREW, 0, &v), -1);
	assert_string_equal(
	    json_string_value(json_object_get(ack, "field")), "reason");
	assert_non_null(strstr(
	    json_string_value(json_object_get(ack, "message")), v.message));
	/* cancel is staff's: refused as lifecycle_check() refuses it. */
	assert_int_equal(
	    lifecycle_check("cancel", LC_ANY_STATE, AUTH_CREW, 0, &v), -1);
	assert_int_equal(v.kind, LC_FORBIDDEN);
	ack = json_object_get(json_array_get(items, 1), "ack");
	assert_non_null(strstr(
	    json_string_value(json_object_get(ack, "message")), v.message));
	json_decref(b);
}

static void
test_check_refuses_whole_batch(void **state)
{
	struct fixture x;
	char *field, *cause;

	(void)state;
	fixture_init(&x);
	x.s[1].client_id = "c"; /* twice */
	assert_int_equal(sync_request_check(&x.r, 1 << 20, &field, &cause), -1);
	assert_string_equal(field, "client_id");
	free(field);
	free(cause);
	fixture_init(&x);
	x.r.batch_id = "a b";
	assert_int_equal(sync_request_check(&x.r, 1 << 20, &field, &cause), -1);
	assert_string_equal(field, "batch_id");
	free(field);
	free(cause);
}

static void
test_hash_is_the_items(void **state)
{
	struct fixture x;
	Patrol__Sync__V1__AgentHello hello =
	    PATROL__SYNC__V1__AGENT_HELLO__INIT;
	char h1[65], h2[65];

	(void)state;
	fixture_init(&x);
	sync_request_hash(&x.r, h1);
	/* A retry carries a newer cursor and hello: still the same batch. */
	x.r.has_cursor = 1;
	x.r.cursor = 99;
	hello.agent_version = "9";
	x.r.hello = &hello;
	sync_request_hash(&x.r, h2);
	assert_string_equal(h1, h2);
	x.s[0].note = "changed";
	sync_request_hash(&x.r, h2);
	assert_string_not_equal(h1, h2);
}

static void
test_response_pack(void **state)
{
	struct sync_settings st = {
	    5, 30, 1 << 20, 10 << 20, "Asia/Tokyo", 2 << 20, "{}"};
	Patrol__Sync__V1__SyncResponse *r;
	json_t *res;
	uint8_t *buf;
	size_t len;

	(void)state;
	res = json_loads(
	    "{\"acks\": [{\"client_id\": \"a\", \"status\": \"conflict\","
	    " \"message\": \"cannot done a request that is cancelled\","
	    " \"request_id\": 7, \"state\": \"cancelled\"}], \"cursor\": 12,"
	    " \"replayed\": true, \"assignments\": [{\"request_id\": 8,"
	    " \"category\": \"wasp_nest\", \"state\": \"assigned\", \"lat\":"
	    " 35.6, \"lon\": 139.5, \"priority\": 1, \"answers\": {\"a\": 1},"
	    " \"callers\": [{\"name\": \"多摩 太郎\", \"phone\": \"044\"}],"
	    " \"outcomes\": [{\"code\": \"removed\"}]}], \"cancellations\":"
	    " [{\"request_id\": 7, \"state\": \"cancelled\"}],"
	    " \"photos_wanted\": [\"ab\"], \"categories\": {\"wasp_nest\":"
	    " {\"code\": \"wasp_nest\", \"name_ja\": \"ハチの巣\","
	    " \"questions\": [{\"code\": \"nest_height\"}]}},"
	    " \"plan\": [{\"request_id\": 8,"
	    " \"expected_from_ms\": 1000, \"expected_to_ms\": 2000},"
	    " {\"request_id\": 9}],"
	    " \"places\": [{\"name\": \"登戸\", \"lat\": 35.62,"
	    " \"lon\": 139.56}]}",
	    0, NULL);
	buf = sync_response_pack(res, "b-1", &st, &len);
	r = patrol__sync__v1__sync_response__unpack(NULL, len, buf);
	assert_non_null(r);
	assert_string_equal(r->batch_id, "b-1");
	assert_int_equal(r->cursor, 12);
	assert_true(r->replayed);
	assert_int_equal(
	    r->acks[0]->status, PATROL__SYNC__V1__ITEM_ACK__STATUS__CONFLICT);
	assert_string_equal(r->assignments[0]->callers[0]->name, "多摩 太郎");
	assert_string_equal(r->assignments[0]->answers_json, "{\"a\":1}");
	assert_int_equal(r->cancellations[0]->request_id, 7);
	assert_int_equal(r->settings->track_interval_s, 5);
	/* The handheld shows times in the service's zone. */
	assert_string_equal(r->settings->time_zone, "Asia/Tokyo");
	/* Categories for findings, with their questions as JSON. */
	assert_int_equal(r->n_categories, 1);
	assert_string_equal(r->categories[0]->code, "wasp_nest");
	assert_string_equal(r->categories[0]->name_ja, "ハチの巣");
	assert_string_equal(
	    r->categories[0]->questions_json, "[{\"code\":\"nest_height\"}]");
	/*
	 * The crew's day in order, numbered from 1 by its place in the array,
	 * times where the plan has them.
	 */
	assert_true(r->plan_sent);
	assert_int_equal(r->n_plan, 2);
	assert_int_equal(r->plan[0]->request_id, 8);
	assert_int_equal(r->plan[0]->position, 1);
	assert_true(r->plan[0]->has_expected_from_ms);
	assert_int_equal(r->plan[0]->expected_to_ms, 2000);
	assert_int_equal(r->plan[1]->position, 2);
	assert_false(r->plan[1]->has_expected_from_ms);
	assert_int_equal(r->n_places, 1);
	assert_string_equal(r->places[0]->name, "登戸");
	assert_float_equal(r->places[0]->lon, 139.56, 1e-9);
	assert_int_equal(r->acks[0]->request_id, 7);
	assert_string_equal(r->acks[0]->state, "cancelled");
	patrol__sync__v1__sync_response__free_unpacked(r, NULL);
	free(buf);
	json_decref(res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_track_roundtrip),
	    cmocka_unit_test(test_track_refuses_out_of_range),
	    cmocka_unit_test(test_codes),
	    cmocka_unit_test(test_steps_judged_by_lifecycle),
	    cmocka_unit_test(test_batch_order_and_refusals),
	    cmocka_unit_test(test_check_refuses_whole_batch),
	    cmocka_unit_test(test_hash_is_the_items),
	    cmocka_unit_test(test_response_pack),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
