/* patrolctl plan: the day-plan solver from the command line (issue 15). */
#ifndef PATROL_CTL_PLAN_H
#define PATROL_CTL_PLAN_H

struct ctl;

int ctl_plan_solomon(struct ctl *, int argc, char **argv);

int ctl_plan_break(struct ctl *, int argc, char **argv);
/*
 * Sets crew's break from spec ("12:00-13:00": fixed; "11:00-14:00/45":
 * 45 minutes within the range; "none"). Returns 0, or 1 (2: bad spec)
 * after printing the error.
 */
int ctl_plan_break_set(struct ctl *, const char *crew, const char *spec);

#endif
