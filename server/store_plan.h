/* SQL for the crews' day plans (issue 15). */
#ifndef PATROL_STORE_PLAN_H
#define PATROL_STORE_PLAN_H

#include "db.h"

/*
 * One row, one JSON column: {now (epoch s), crew {id, code, name, skills,
 * shift_end_min (minutes from now), day (crew_day_state)}, jobs [{id,
 * state, lon, lat, category, name_ja, name_en, work_min, priority,
 * make_safe_min, from_min, to_min, pin}]}; no row for no such crew.
 */
void store_plan_input(struct db *, long long crew, db_cb, void *);
/* Stores the plan's expected arrival windows: json [{id, from, to}],
 * epoch seconds. */
void store_plan_expected(struct db *, const char *json, db_cb, void *);
/* Pins (position >= 1) or unpins (NULL) a crew's open job. */
void store_plan_pin(struct db *, long long crew, long long request,
    const char *position, db_cb, void *);

#endif
