/* The store may: agent_sql_in_store.py lets this file be. */
#include <sqlite3.h>

int
store_jobs_count(sqlite3 *db)
{
	sqlite3_stmt *st;

	return sqlite3_prepare_v2(db, "SELECT count(*) FROM jobs", -1, &st,
	    NULL);
}
