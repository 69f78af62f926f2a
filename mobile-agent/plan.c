/*
 * The crew's day plan on the device (issue 15's plan, issue 14 item 4):
 * each sync answer carries the order the server plans the crew's open
 * jobs in, with the expected arrival window; it replaces the one kept in
 * the jobs table (plan_pos, expected_from_ms, expected_to_ms). A job the
 * plan does not hold keeps no position: the screen lists it after the
 * planned ones, by priority and promised time.
 */
#include <stdlib.h>

#include "agent.h"

int
plan_apply(struct agent *a, const Patrol__Sync__V1__SyncResponse *r)
{
	struct store_plan_row *rows;
	size_t i;
	int rc;

	if (!r->has_plan_sent || !r->plan_sent)
		return 0; /* an older server: keep what we had */
	rows = xcalloc(1, (r->n_plan + 1) * sizeof *rows);
	for (i = 0; i < r->n_plan; i++) {
		const Patrol__Sync__V1__PlanStop *p = r->plan[i];

		rows[i].request_id = p->request_id;
		rows[i].position = (int)p->position;
		rows[i].has_from = p->has_expected_from_ms;
		rows[i].from_ms = p->expected_from_ms;
		rows[i].has_to = p->has_expected_to_ms;
		rows[i].to_ms = p->expected_to_ms;
	}
	rc = store_jobs_plan_replace(a, rows, r->n_plan);
	free(rows);
	return rc;
}
