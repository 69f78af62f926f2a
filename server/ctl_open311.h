/* patrolctl open311 key add|list|revoke (ctl_open311.c). */
#ifndef PATROL_CTL_OPEN311_H
#define PATROL_CTL_OPEN311_H

struct ctl;

int ctl_open311_key_add(struct ctl *, int argc, char **argv);
int ctl_open311_key_list(struct ctl *, int argc, char **argv);
int ctl_open311_key_revoke(struct ctl *, int argc, char **argv);

#endif
