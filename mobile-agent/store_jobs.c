/*
 * The jobs table (and the day plan kept in it) and job_callers: what the
 * last sync brought, as the crew's commands and the screen read it.
 */
#include <sqlite3.h>

#include "agent.h"

int
store_jobs_plan_replace(
    struct agent *a, const struct store_plan_row *rows, size_t n)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc = -1;

	if (sqlite3_exec(a->db,
	        "UPDATE jobs SET plan_pos = NULL, expected_from_ms = NULL,"
	        " expected_to_ms = NULL WHERE plan_pos IS NOT NULL",
	        NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(a->db,
	        "UPDATE jobs SET plan_pos = ?2, expected_from_ms = ?3,"
	        " expected_to_ms = ?4 WHERE request_id = ?1",
	        -1, &st, NULL) != SQLITE_OK)
		goto out;
	for (i = 0; i < n; i++) {
		const struct store_plan_row *p = &rows[i];

		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		sqlite3_bind_int64(st, 1, p->request_id);
		sqlite3_bind_int(st, 2, p->position);
		if (p->has_from)
			sqlite3_bind_int64(st, 3, p->from_ms);
		if (p->has_to)
			sqlite3_bind_int64(st, 4, p->to_ms);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}
