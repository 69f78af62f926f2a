/*
 * Decoders for the result shapes many store_* statements share, so code
 * outside store_*.c never reads a PGresult by position. A store function
 * whose result has one of these shapes says so at its declaration
 * ("read it with store_result_text"); rows of more than one column get
 * a typed decoder in the store file that holds their SQL.
 *
 * Strings returned live as long as the PGresult (until the db_cb returns,
 * or until the caller PQclear()s a result it took).
 */
#ifndef PATROL_STORE_RESULT_H
#define PATROL_STORE_RESULT_H

#include <jansson.h>
#include <libpq-fe.h>

/*
 * One row, one text column (a JSON document, a date, a count as text):
 * that text, or NULL when there is no row, no column or the value is NULL.
 */
const char *store_result_text(const PGresult *);
/* The same, parsed as JSON (caller json_decref()s it); NULL as above. */
json_t *store_result_json(const PGresult *);
/* The same, as a whole number; dflt when there is no value. */
long long store_result_ll(const PGresult *, long long dflt);
/*
 * How many rows the statement returned: for statements documented as
 * "one row per X changed" (RETURNING) or "a row when X exists". 0 for a
 * NULL result.
 */
int store_result_rows(const PGresult *);
/* Row i's column col as text, or NULL when the value is NULL. */
const char *store_result_cell(const PGresult *, int i, int col);
/*
 * A float8[] column's text ("{e0,n0,e1,n1,...}", as the pieces' plane
 * columns come) as a new array of *n numbers (caller frees; NULL when
 * empty); reading stops at the first element that is not a number.
 */
double *store_result_float8_array(const char *text, size_t *n);

#endif
