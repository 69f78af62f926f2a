/* SQL for the crews' day plans (issue 15). */
#ifndef PATROL_STORE_PLAN_H
#define PATROL_STORE_PLAN_H

#include "db.h"

/*
 * One row, one JSON column: an array, by crew code, of {now (epoch s),
 * crew {id, code, name, office, skills, shift_end_min (minutes from now),
 * day (crew_day_state)}, jobs [{id, state, lon, lat, category, name_ja,
 * name_en, work_min, priority, make_safe_min, from_min, to_min, pin}]}
 * for the crews in crews (SQL array literal "{1,2}", or NULL) and those of
 * office (0: none).
 */
void store_plan_inputs(
    struct db *, const char *crews, long long office, db_cb, void *);
/* Stores the plans' expected arrival windows and orders: json [{id, from,
 * to, order}], epoch seconds. */
void store_plan_expected(struct db *, const char *json, db_cb, void *);
/* Pins (position >= 1) or unpins (NULL) a crew's open job. */
void store_plan_pin(struct db *, long long crew, long long request,
    const char *position, db_cb, void *);
/* Crews touched by request events after id `after`: one row (max id,
 * crews as an SQL array literal). */
void store_plan_touched(struct db *, long long after, db_cb, void *);
/* Crews holding open jobs: one row, an SQL array literal. */
void store_plan_busy_crews(struct db *, db_cb, void *);
/*
 * The row of store_plan_touched or store_plan_busy_crews: 1 with *crews
 * (lives as long as the result) and, for store_plan_touched, *last (left
 * as it was for store_plan_busy_crews); 0 when there is no row.
 */
int store_plan_crews_row(const PGresult *, long long *last, const char **crews);
/*
 * What re-planning an office needs: {now, office {id, code}, crews
 * [inputs as above, on shift only], queue [{id, lon, lat, category, skills,
 * work_min, priority, make_safe_min, from_min, to_min, version}]: its
 * wards' requests waiting for a crew (new, triaged)}.
 */
void store_plan_office(struct db *, long long office, db_cb, void *);

/*
 * Sets crew (code)'s break: minutes within start..end ("HH:MM"), or all
 * three NULL for none. One row (crew_break's JSON) or none: no such crew.
 */
void store_plan_break_set(struct db *, const char *crew, const char *start,
    const char *end, const char *minutes, db_cb, void *);

/*
 * The same from the JSON API, by crew id, audited (crew.break, by actor)
 * and announced on STORE_CREWS_CHANNEL so the planner redoes the day at
 * once. One row {crew_id, code, break: {start, end, minutes} or null},
 * or none: no such crew.
 */
#define STORE_CREWS_CHANNEL "patrol_crews"
void store_plan_break_put(struct db *, long long crew, const char *start,
    const char *end, const char *minutes, const char *actor, db_cb, void *);

#endif
