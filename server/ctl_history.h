/* The demo's generated past cases (ctl_history.c, issue 17). */
#ifndef PATROL_CTL_HISTORY_H
#define PATROL_CTL_HISTORY_H

struct ctl;
struct ward_set;

/*
 * Generates two seasons of closed, demo-labelled cases across the wards
 * and stores them with their events and (fake) callers. Needs geo_init()
 * and the demo's crews. 0, or 1 after printing the problem.
 */
int ctl_history_load(struct ctl *, const struct ward_set *);

#endif
