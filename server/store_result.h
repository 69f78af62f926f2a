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

#include <stddef.h>

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
/*
 * For a typed row decoder (store_*_row): 1 when the result has a row i
 * and exactly ncols columns (the columns of the decoder's SELECT), else 0.
 */
int store_result_has_row(const PGresult *, int i, int ncols);
/* The same for a statement that answers one row: exactly one, of ncols. */
int store_result_one_row(const PGresult *, int ncols);
/* Row i's column col as text, or NULL when the value is NULL. */
const char *store_result_cell(const PGresult *, int i, int col);
/*
 * Row i's column col read as a bigint, an int, a float8 or a boolean
 * (1 for PostgreSQL's "t"). A NULL value reads as 0: where NULL means
 * something else, ask PQgetisnull() too.
 */
long long store_result_cell_ll(const PGresult *, int i, int col);
int store_result_cell_int(const PGresult *, int i, int col);
double store_result_cell_f8(const PGresult *, int i, int col);
int store_result_cell_bool(const PGresult *, int i, int col);
/*
 * Table-driven row decoding: a typed row decoder lists its SELECT's
 * columns in order, each with the kind it is read as (as the
 * store_result_cell_* above read it) and the field of the row struct it
 * goes to. STORE_COL refuses at compile time a field whose type is not
 * the kind's.
 */
enum store_col_kind {
	STORE_COL_SKIP, /* not read */
	STORE_COL_TEXT, /* const char *: "" for NULL */
	STORE_COL_CELL, /* const char *: NULL for NULL */
	STORE_COL_LL,   /* long long */
	STORE_COL_INT,  /* int */
	STORE_COL_F8,   /* double */
	STORE_COL_BOOL, /* int: 1 for "t" */
};
struct store_col {
	enum store_col_kind kind;
	size_t offset;
};
#define STORE_COL_TYPE_TEXT const char *
#define STORE_COL_TYPE_CELL const char *
#define STORE_COL_TYPE_LL   long long
#define STORE_COL_TYPE_INT  int
#define STORE_COL_TYPE_F8   double
#define STORE_COL_TYPE_BOOL int
#define STORE_COL(kind, type, field)                                           \
	{                                                                      \
		STORE_COL_##kind,                                              \
		    offsetof(type, field) +                                    \
		    _Generic(((type *)0)->field, STORE_COL_TYPE_##kind : 0)    \
	}
#define STORE_COL_SKIPPED                                                      \
	{                                                                      \
		STORE_COL_SKIP, 0                                              \
	}
/* A column table and its length, as store_result_decode takes them. */
#define STORE_COLS(t) (t), (int)(sizeof(t) / sizeof((t)[0]))
/*
 * Row i into *row by the table cols (ncols entries, one per column of
 * the SELECT): 1, or 0 with *row untouched unless
 * store_result_has_row(res, i, ncols). Strings point into the result.
 */
int store_result_decode(const PGresult *, int i, const struct store_col *cols,
    int ncols, void *row);
/*
 * A float8[] column's text ("{e0,n0,e1,n1,...}", as the pieces' plane
 * columns come) as a new array of *n numbers (caller frees; NULL when
 * empty); reading stops at the first element that is not a number.
 */
double *store_result_float8_array(const char *text, size_t *n);

#endif
