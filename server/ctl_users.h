/*
 * patrolctl's "user" and "token" commands (ctl_users.c), for the command
 * table in ctl_commands.c.
 */
#ifndef PATROL_CTL_USERS_H
#define PATROL_CTL_USERS_H

struct ctl;

int ctl_users_add(struct ctl *, int argc, char **argv);
int ctl_users_list(struct ctl *, int argc, char **argv);
int ctl_users_crew(struct ctl *, int argc, char **argv);
int ctl_users_disable(struct ctl *, int argc, char **argv);
int ctl_users_password(struct ctl *, int argc, char **argv);
int ctl_users_token_create(struct ctl *, int argc, char **argv);
int ctl_users_token_revoke(struct ctl *, int argc, char **argv);

#endif
