/*
 * http_error_body(): the one shape of every error reply (issue 12 item 7).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "fixture.h"
#include "http.h"

static const char *
member(json_t *body, const char *key)
{
	return json_string_value(
	    json_object_get(json_object_get(body, "error"), key));
}

static void
test_error_body_shape(void **state)
{
	json_t *b =
	    http_error_body("invalid_lat", "lat", "lat: out of range", NULL);

	(void)state;
	assert_int_equal(json_object_size(b), 1);
	assert_int_equal(json_object_size(json_object_get(b, "error")), 3);
	assert_string_equal(member(b, "code"), "invalid_lat");
	assert_string_equal(member(b, "message"), "lat: out of range");
	assert_string_equal(member(b, "field"), "lat");
	json_decref(b);
	b = http_error_body("not_found", NULL, "no such request", NULL);
	assert_int_equal(json_object_size(json_object_get(b, "error")), 2);
	assert_null(member(b, "field"));
	json_decref(b);
}

/* Extra members are added, but never replace code, message or field. */
static void
test_error_body_extra(void **state)
{
	json_t *b = http_error_body("conflict", NULL, "reload it",
	    json_pack(
	        "{s:s,s:s}", "current_state", "assigned", "code", "spoofed"));

	(void)state;
	assert_string_equal(member(b, "code"), "conflict");
	assert_string_equal(member(b, "current_state"), "assigned");
	json_decref(b);
}

/* A message quoting client bytes that are not UTF-8 still gives a body. */
static void
test_error_body_not_utf8(void **state)
{
	json_t *b = http_error_body("bad_name", "name", "name \xff\xfe", NULL);
	char *s;

	(void)state;
	assert_non_null(b);
	assert_string_equal(member(b, "code"), "bad_name");
	assert_string_equal(member(b, "message"), "(message not valid UTF-8)");
	s = json_dumps(b, JSON_COMPACT);
	assert_non_null(s);
	free(s);
	json_decref(b);
}

FIXTURE_MAIN(cmocka_unit_test(test_error_body_shape),
    cmocka_unit_test(test_error_body_extra),
    cmocka_unit_test(test_error_body_not_utf8))
