/* patrolctl plan: the day-plan solver from the command line (issue 15). */
#ifndef PATROL_CTL_PLAN_H
#define PATROL_CTL_PLAN_H

struct ctl;

#define CTL_PLAN_SOLOMON_USAGE "FILE [--time-ms N] [--seed N]"
int ctl_plan_solomon(struct ctl *, int argc, char **argv);

#endif
