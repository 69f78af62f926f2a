/*
 * The crews' day plans inside patrold (issue 15): turns a crew's plan
 * input (store_plan_inputs) into its plan as the API gives it, and keeps
 * every crew's plan current: after each request event touching a crew,
 * and every minute for crews with open jobs, it re-plans, stores the
 * expected arrival windows (Open311 expected_datetime) and, when a plan
 * changed, sends a "plan" event on the live feed.
 */
#ifndef PATROL_PLANNER_H
#define PATROL_PLANNER_H

#include <jansson.h>

#include "plan.h"

struct app;

/*
 * The travel the app's configuration gives: speed_kmh, detour_pct as a
 * factor and the road network (roads_net); the rest zero.
 */
struct rank_params planner_params(const struct app *);
/*
 * The plan of one crew from its input; *expected (new reference) gets
 * [{id, from, to, order}] for store_plan_expected. Returns a new reference.
 */
json_t *planner_build(
    const struct rank_params *, json_t *input, json_t **expected);
/* Times for the API: epoch seconds + minutes as ISO 8601 UTC. */
json_t *planner_time(double now, double minutes);
double planner_num(json_t *, const char *key, double dflt);
/*
 * A job of a crew's day (position, work, window, make-safe deadline,
 * priority, whether it is fixed) into q, all but its id; -1 when its
 * position is not on the plane (q's is then 0, 0).
 */
int planner_job(struct plan_job *q, json_t *job);
/*
 * 1 if the crew's JSON has a break ({from_min, to_min, len}), read into
 * brk's from, to and len; 0 and brk untouched if not.
 */
int planner_break(json_t *crew, struct plan_break *brk);

/* "road_network", "straight_line_x_detour" or NULL (no drive). */
const char *planner_travel_by(enum plan_travel);
/*
 * Sets o's distances ("road_network", "mixed" or
 * "straight_line_x_detour"), distances_ja and distances_en from the count
 * of drives measured each way.
 */
void planner_distances(
    json_t *o, const struct rank_params *, int road, int straight);

void planner_start(struct app *);
void planner_stop(void);

#endif
