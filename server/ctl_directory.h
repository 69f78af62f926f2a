/* patrolctl directory add|list|remove: hand-over recipients (issue 16). */
#ifndef PATROL_CTL_DIRECTORY_H
#define PATROL_CTL_DIRECTORY_H

struct ctl;

#define CTL_DIRECTORY_ADD_USAGE                                                \
	"NAME --email ADDRESS [--handles TEXT] [--phone PHONE] [--hours "      \
	"TEXT] "                                                               \
	"[--demo]"
#define CTL_DIRECTORY_LIST_USAGE   "[--removed]"
#define CTL_DIRECTORY_REMOVE_USAGE "ID"

int ctl_directory_add(struct ctl *, int argc, char **argv);
int ctl_directory_list(struct ctl *, int argc, char **argv);
int ctl_directory_remove(struct ctl *, int argc, char **argv);

#endif
