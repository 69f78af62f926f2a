/* patrolctl import addresses FILE (ctl_addresses.c). */
#ifndef PATROL_CTL_ADDRESSES_H
#define PATROL_CTL_ADDRESSES_H

struct ctl;

int ctl_addresses_import(struct ctl *, int argc, char **argv);
/* The same for a path, printing its report (demo load uses it). */
int ctl_addresses_import_file(struct ctl *, const char *path);

#endif
