#include <stdlib.h>

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

const char *
store_result_cell(const PGresult *res, int i, int col)
{
	return PQgetisnull(res, i, col) ? NULL : PQgetvalue(res, i, col);
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
