/*
 * The demo's crews' day (part of "patrolctl demo load"): some demo
 * requests are given to crews at once (assigned, then accepted or on the
 * way), with a resident's window on some, so that a newcomer opening the
 * console sees plans, timelines and the time to tell a caller without
 * doing anything.
 */
#ifndef PATROL_CTL_DEMO_DAY_H
#define PATROL_CTL_DEMO_DAY_H

#include <stddef.h>

#include <jansson.h>

struct ctl;

/*
 * The resident's window of demo request r ("window_min": [from, to],
 * minutes from now; either may be null) as ISO 8601 UTC times into from
 * and to (each at least 32 bytes); *pfrom and *pto point at them or are NULL.
 */
void ctl_demo_day_window(json_t *r, char *from, char *to, size_t len,
    const char **pfrom, const char **pto);

/*
 * Carries demo request r ("crew": code, "state": "assigned", "accepted"
 * or "en_route") through the life cycle from created (the JSON of
 * store_request_create); nothing when r names no crew. Returns 0, or 1
 * after printing the error.
 */
int ctl_demo_day_request(struct ctl *, json_t *r, json_t *created);

#endif
