/*
 * The photos table: the recorded photos in the state directory and how far
 * their upload went (outbox.c adds them, sync.c sends them).
 */
#include <sqlite3.h>

#include "agent.h"

long long
store_photos_pending(struct agent *a)
{
	sqlite3_stmt *st;
	long long n = 0;

	if (sqlite3_prepare_v2(a->db,
	        "SELECT count(*) FROM photos WHERE uploaded = 0 AND failed IS"
	        " NULL",
	        -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}
