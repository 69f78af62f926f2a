#include <libpq-fe.h>

#include "store_wait.h"
#include "xmalloc.h"

int
store_wait_json(struct db *db, struct db_wait *w, json_t **doc, char **cause)
{
	PGresult *res;
	json_error_t err;

	*doc = NULL;
	if (db_wait(db, w, &res, cause) != 0)
		return -1;
	if (PQntuples(res) > 0 && PQnfields(res) > 0 &&
	    !PQgetisnull(res, 0, 0)) {
		*doc = json_loads(PQgetvalue(res, 0, 0), JSON_DECODE_ANY, &err);
		if (*doc == NULL) {
			*cause = xasprintf("the database answered with "
			                   "something that is not JSON: %s",
			    err.text);
			PQclear(res);
			return -1;
		}
	}
	PQclear(res);
	return 0;
}

int
store_wait_count(struct db *db, struct db_wait *w, int *rows, char **cause)
{
	PGresult *res;

	*rows = 0;
	if (db_wait(db, w, &res, cause) != 0)
		return -1;
	*rows = PQntuples(res);
	PQclear(res);
	return 0;
}
