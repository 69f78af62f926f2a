/* A statement outside the agent's store: agent_sql_in_store.py refuses it. */
#include <sqlite3.h>

int
jobs_count(sqlite3 *db)
{
	sqlite3_stmt *st;

	return sqlite3_prepare_v2(db, "SELECT count(*) FROM jobs", -1, &st,
	    NULL);
}
