/*
 * The crew's day plan on the device (issue 15's plan, issue 14 item 4):
 * each sync answer carries the order the server plans the crew's open
 * jobs in, with the expected arrival window; it replaces the one kept in
 * the jobs table (plan_pos, expected_from_ms, expected_to_ms). A job the
 * plan does not hold keeps no position: the screen lists it after the
 * planned ones, by priority and promised time.
 */
#include <sqlite3.h>

#include "agent.h"

int
plan_apply(struct agent *a, const Patrol__Sync__V1__SyncResponse *r)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc = -1;

	if (!r->has_plan_sent || !r->plan_sent)
		return 0; /* an older server: keep what we had */
	if (sqlite3_exec(a->db,
	        "UPDATE jobs SET plan_pos = NULL, expected_from_ms = NULL,"
	        " expected_to_ms = NULL WHERE plan_pos IS NOT NULL",
	        NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(a->db,
	        "UPDATE jobs SET plan_pos = ?2, expected_from_ms = ?3,"
	        " expected_to_ms = ?4 WHERE request_id = ?1",
	        -1, &st, NULL) != SQLITE_OK)
		goto out;
	for (i = 0; i < r->n_plan; i++) {
		const Patrol__Sync__V1__PlanStop *p = r->plan[i];

		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		sqlite3_bind_int64(st, 1, p->request_id);
		sqlite3_bind_int(st, 2, (int)p->position);
		if (p->has_expected_from_ms)
			sqlite3_bind_int64(st, 3, p->expected_from_ms);
		if (p->has_expected_to_ms)
			sqlite3_bind_int64(st, 4, p->expected_to_ms);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}
