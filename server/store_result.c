#include <stdlib.h>
#include <string.h>

#include "store_result.h"
#include "xmalloc.h"

const char *
store_result_text(const PGresult *res)
{
	if (res == NULL || PQntuples(res) < 1 || PQnfields(res) < 1 ||
	    PQgetisnull(res, 0, 0))
		return NULL;
	return PQgetvalue(res, 0, 0);
}

json_t *
store_result_json(const PGresult *res)
{
	const char *text = store_result_text(res);

	return text == NULL ? NULL : json_loads(text, 0, NULL);
}

long long
store_result_ll(const PGresult *res, long long dflt)
{
	const char *text = store_result_text(res);

	return text == NULL ? dflt : strtoll(text, NULL, 10);
}

int
store_result_rows(const PGresult *res)
{
	return res == NULL ? 0 : PQntuples(res);
}

int
store_result_has_row(const PGresult *res, int i, int ncols)
{
	return res != NULL && i >= 0 && i < PQntuples(res) &&
	    PQnfields(res) == ncols;
}

int
store_result_one_row(const PGresult *res, int ncols)
{
	return res != NULL && PQntuples(res) == 1 && PQnfields(res) == ncols;
}

const char *
store_result_cell(const PGresult *res, int i, int col)
{
	return PQgetisnull(res, i, col) ? NULL : PQgetvalue(res, i, col);
}

long long
store_result_cell_ll(const PGresult *res, int i, int col)
{
	return strtoll(PQgetvalue(res, i, col), NULL, 10);
}

int
store_result_cell_int(const PGresult *res, int i, int col)
{
	return (int)strtol(PQgetvalue(res, i, col), NULL, 10);
}

double
store_result_cell_f8(const PGresult *res, int i, int col)
{
	return strtod(PQgetvalue(res, i, col), NULL);
}

int
store_result_cell_bool(const PGresult *res, int i, int col)
{
	return strcmp(PQgetvalue(res, i, col), "t") == 0;
}

int
store_result_decode(const PGresult *res, int i, const struct store_col *cols,
    int ncols, void *row)
{
	int col;

	if (!store_result_has_row(res, i, ncols))
		return 0;
	for (col = 0; col < ncols; col++) {
		char *f = (char *)row + cols[col].offset;

		switch (cols[col].kind) {
		case STORE_COL_SKIP:
			break;
		case STORE_COL_TEXT:
			*(const char **)f = PQgetvalue(res, i, col);
			break;
		case STORE_COL_CELL:
			*(const char **)f = store_result_cell(res, i, col);
			break;
		case STORE_COL_LL:
			*(long long *)f = store_result_cell_ll(res, i, col);
			break;
		case STORE_COL_INT:
			*(int *)f = store_result_cell_int(res, i, col);
			break;
		case STORE_COL_F8:
			*(double *)f = store_result_cell_f8(res, i, col);
			break;
		case STORE_COL_BOOL:
			*(int *)f = store_result_cell_bool(res, i, col);
			break;
		}
	}
	return 1;
}

double *
store_result_float8_array(const char *s, size_t *n)
{
	double *v = NULL;
	size_t cap = 0;
	char *end;

	*n = 0;
	for (s += (*s == '{'); *s != '\0' && *s != '}';) {
		double d = strtod(s, &end);

		if (end == s)
			break;
		if (*n == cap) {
			cap = cap * 2 + 16;
			v = xreallocarray(v, cap, sizeof *v);
		}
		v[(*n)++] = d;
		s = end + (*end == ',');
	}
	return v;
}
