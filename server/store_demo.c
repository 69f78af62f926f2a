#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "store_demo.h"
#include "store_num.h"
#include "store_result.h"

int
store_demo_empty(struct db *db, int *empty, char **cause)
{
	PGresult *res;

	if (db_query_sync(db,
	        "SELECT (SELECT count(*) FROM offices) +"
	        " (SELECT count(*) FROM requests)",
	        0, NULL, &res, cause) != 0)
		return -1;
	*empty = strcmp(PQgetvalue(res, 0, 0), "0") == 0;
	PQclear(res);
	return 0;
}

int
store_demo_clock(
    struct db *db, const char *tz, double *monday, double *now, char **cause)
{
	const char *p[] = {tz};
	PGresult *res;

	if (db_query_sync(db,
	        "SELECT extract(epoch FROM date_trunc('week', now() AT TIME"
	        " ZONE $1) AT TIME ZONE $1), extract(epoch FROM now())",
	        1, p, &res, cause) != 0)
		return -1;
	*monday = store_result_cell_f8(res, 0, 0);
	*now = store_result_cell_f8(res, 0, 1);
	PQclear(res);
	return 0;
}

int
store_demo_week_of(
    struct db *db, const char *tz, double t, char week[16], char **cause)
{
	struct store_num s;
	const char *p[] = {store_num_fixed(&s, 3, t), tz};
	PGresult *res;

	if (db_query_sync(db,
	        "SELECT to_char(to_timestamp($1::float8) AT TIME ZONE $2,"
	        " 'IYYY-\"W\"IW')",
	        2, p, &res, cause) != 0)
		return -1;
	snprintf(week, 16, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}
