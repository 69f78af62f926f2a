#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "store_result.h"

static void
float8_array_reads_every_number(void **state)
{
	size_t n;
	double *v = store_result_float8_array("{1.5,-2,3e2,35.62}", &n);

	(void)state;
	assert_int_equal(n, 4);
	assert_true(v[0] == 1.5 && v[1] == -2 && v[2] == 300 && v[3] == 35.62);
	free(v);
}

static void
float8_array_empty(void **state)
{
	size_t n = 7;

	(void)state;
	assert_null(store_result_float8_array("{}", &n));
	assert_int_equal(n, 0);
	assert_null(store_result_float8_array("", &n));
	assert_int_equal(n, 0);
}

static void
float8_array_stops_at_a_word(void **state)
{
	size_t n;
	double *v = store_result_float8_array("{1,2,x,4}", &n);

	(void)state;
	/* What came before the bad element, and no made-up 0 for it. */
	assert_int_equal(n, 2);
	assert_true(v[0] == 1 && v[1] == 2);
	free(v);
}

static void
float8_array_grows(void **state)
{
	char text[4096] = "{";
	size_t n, i;
	double *v;

	(void)state;
	for (i = 0; i < 100; i++)
		snprintf(text + strlen(text), sizeof text - strlen(text),
		    i == 0 ? "%zu" : ",%zu", i);
	strcat(text, "}");
	v = store_result_float8_array(text, &n);
	assert_int_equal(n, 100);
	for (i = 0; i < 100; i++)
		assert_true(v[i] == (double)i);
	free(v);
}

static void
cell_null_is_null(void **state)
{
	PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	PGresAttDesc cols[2] = {
	    {.name = "a", .format = 0, .typlen = -1, .atttypmod = -1},
	    {.name = "b", .format = 0, .typlen = -1, .atttypmod = -1}};

	(void)state;
	assert_non_null(res);
	assert_int_equal(PQsetResultAttrs(res, 2, cols), 1);
	assert_int_equal(PQsetvalue(res, 0, 0, "x", 1), 1);
	assert_int_equal(PQsetvalue(res, 0, 1, NULL, -1), 1);
	assert_string_equal(store_result_cell(res, 0, 0), "x");
	assert_null(store_result_cell(res, 0, 1));
	PQclear(res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(float8_array_reads_every_number),
	    cmocka_unit_test(float8_array_empty),
	    cmocka_unit_test(float8_array_stops_at_a_word),
	    cmocka_unit_test(float8_array_grows),
	    cmocka_unit_test(cell_null_is_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
