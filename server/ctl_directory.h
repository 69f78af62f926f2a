/* patrolctl directory add|list|remove: hand-over recipients (issue 16). */
#ifndef PATROL_CTL_DIRECTORY_H
#define PATROL_CTL_DIRECTORY_H

struct ctl;

int ctl_directory_add(struct ctl *, int argc, char **argv);
int ctl_directory_list(struct ctl *, int argc, char **argv);
int ctl_directory_remove(struct ctl *, int argc, char **argv);

#endif
