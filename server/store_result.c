#include <stdlib.h>

#include "store_result.h"

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
