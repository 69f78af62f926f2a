/* patrolctl retention status | run (ctl_retention.c). */
#ifndef PATROL_CTL_RETENTION_H
#define PATROL_CTL_RETENTION_H

struct ctl;

int ctl_retention_status(struct ctl *, int argc, char **argv);
int ctl_retention_run(struct ctl *, int argc, char **argv);

#endif
