/* patrolctl's "device" commands (ctl_devices.c), for ctl_commands in ctl.c. */
#ifndef PATROL_CTL_DEVICES_H
#define PATROL_CTL_DEVICES_H

struct ctl;

#define CTL_DEVICE_ENROLL_USAGE "--crew CODE [--ttl-minutes 15]"
#define CTL_DEVICE_LIST_USAGE   "[--crew CODE]"
#define CTL_DEVICE_REVOKE_USAGE "ID | --crew CODE"

int ctl_devices_enroll(struct ctl *, int argc, char **argv);
int ctl_devices_list(struct ctl *, int argc, char **argv);
int ctl_devices_revoke(struct ctl *, int argc, char **argv);

#endif
