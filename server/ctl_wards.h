/* patrolctl's ward commands: "import wards" and "wards list". */
#ifndef PATROL_CTL_WARDS_H
#define PATROL_CTL_WARDS_H

struct ctl;

int ctl_wards_import(struct ctl *, int argc, char **argv);
int ctl_wards_list(struct ctl *, int argc, char **argv);

#endif
