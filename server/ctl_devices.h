/* patrolctl's "device" commands (ctl_devices.c), for the command table. */
#ifndef PATROL_CTL_DEVICES_H
#define PATROL_CTL_DEVICES_H

struct ctl;

int ctl_devices_enroll(struct ctl *, int argc, char **argv);
int ctl_devices_list(struct ctl *, int argc, char **argv);
int ctl_devices_revoke(struct ctl *, int argc, char **argv);

#endif
