/*
 * A caller that decodes a store_* result by column position itself, with
 * no SQL and no query of its own: structure.sql_in_store_rows_refuses
 * runs scripts/sql_in_store.py on this directory and must fail (the row
 * reads belong in a decoder beside the SQL). PQclear alone would pass.
 */
#include <stdlib.h>

#include <libpq-fe.h>

long long
reader_sum(PGresult *res)
{
	long long sum = 0;
	int i;

	for (i = 0; i < PQntuples(res); i++)
		if (!PQgetisnull(res, i, 0))
			sum += strtoll(PQgetvalue(res, i, 0), NULL, 10);
	PQclear(res);
	return sum;
}
