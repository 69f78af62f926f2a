/* patrolctl's network, patrol and coverage commands. */
#ifndef PATROL_CTL_NETWORK_H
#define PATROL_CTL_NETWORK_H

struct ctl;

int ctl_network_import(struct ctl *, int argc, char **argv);
int ctl_network_replay(struct ctl *, int argc, char **argv);
int ctl_network_export(struct ctl *, int argc, char **argv);
int ctl_network_archive(struct ctl *, int argc, char **argv);

#endif
