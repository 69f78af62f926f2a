#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "fixture.h"
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

/* A two-row result of text columns; NULL values where vals[i] is NULL. */
static PGresult *
result_make(int ncols, int nrows, const char *const *vals)
{
	PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	PGresAttDesc cols[8];
	int c, r;

	assert_non_null(res);
	memset(cols, 0, sizeof cols);
	for (c = 0; c < ncols; c++) {
		cols[c].name = (char *)"c";
		cols[c].typlen = -1;
		cols[c].atttypmod = -1;
	}
	assert_int_equal(PQsetResultAttrs(res, ncols, cols), 1);
	for (r = 0; r < nrows; r++)
		for (c = 0; c < ncols; c++) {
			const char *v = vals[r * ncols + c];

			assert_int_equal(PQsetvalue(res, r, c, (char *)v,
			                     v == NULL ? -1 : (int)strlen(v)),
			    1);
		}
	return res;
}

struct row {
	long long id;
	const char *kind, *name;
	int days, due;
	double length;
};

static const struct store_col row_cols[] = {
    STORE_COL(LL, struct row, id),
    STORE_COL(TEXT, struct row, kind),
    STORE_COL(CELL, struct row, name),
    STORE_COL(INT, struct row, days),
    STORE_COL_SKIPPED,
    STORE_COL(BOOL, struct row, due),
    STORE_COL(F8, struct row, length),
};

static void
decode_reads_each_kind(void **state)
{
	const char *vals[] = {"42", "road", "Main St", "7", "x", "t", "12.5",
	    "-3", NULL, NULL, NULL, "y", "f", NULL};
	PGresult *res = result_make(7, 2, vals);
	struct row r;

	(void)state;
	assert_int_equal(
	    store_result_decode(res, 0, STORE_COLS(row_cols), &r), 1);
	assert_true(
	    r.id == 42 && r.days == 7 && r.due == 1 && r.length == 12.5);
	assert_string_equal(r.kind, "road");
	assert_string_equal(r.name, "Main St");
	/* NULL: "" as text, NULL as a cell, 0 as a number or a boolean. */
	assert_int_equal(
	    store_result_decode(res, 1, STORE_COLS(row_cols), &r), 1);
	assert_true(r.id == -3 && r.days == 0 && r.due == 0 && r.length == 0);
	assert_string_equal(r.kind, "");
	assert_null(r.name);
	PQclear(res);
}

static void
decode_refuses_other_shapes(void **state)
{
	const char *vals[] = {"1", "a", "b", "2", "x", "t"};
	PGresult *res = result_make(6, 1, vals);
	struct row r = {.id = 99};

	(void)state;
	/* A column fewer than the table: no row, and *row untouched. */
	assert_int_equal(
	    store_result_decode(res, 0, STORE_COLS(row_cols), &r), 0);
	assert_true(r.id == 99);
	assert_int_equal(
	    store_result_decode(NULL, 0, STORE_COLS(row_cols), &r), 0);
	/* Past the last row, or before the first. */
	assert_int_equal(store_result_has_row(res, 0, 6), 1);
	assert_int_equal(store_result_has_row(res, 1, 6), 0);
	assert_int_equal(store_result_has_row(res, -1, 6), 0);
	assert_int_equal(store_result_one_row(res, 6), 1);
	assert_int_equal(store_result_one_row(res, 5), 0);
	PQclear(res);
}

FIXTURE_MAIN(cmocka_unit_test(float8_array_reads_every_number),
    cmocka_unit_test(float8_array_empty),
    cmocka_unit_test(float8_array_stops_at_a_word),
    cmocka_unit_test(float8_array_grows), cmocka_unit_test(cell_null_is_null),
    cmocka_unit_test(decode_reads_each_kind),
    cmocka_unit_test(decode_refuses_other_shapes))
