/* patrolctl backup and restore (ctl_backup.c). */
#ifndef PATROL_CTL_BACKUP_H
#define PATROL_CTL_BACKUP_H

struct ctl;

int ctl_backup(struct ctl *, int argc, char **argv);
int ctl_restore(struct ctl *, int argc, char **argv);

#endif
