/*
 * patrolctl's "user" and "token" commands (ctl_users.c), for ctl_commands
 * in ctl.c.
 */
#ifndef PATROL_CTL_USERS_H
#define PATROL_CTL_USERS_H

struct ctl;

/* Arguments, for the usage column of the command table (ctl_commands.c). */
#define CTL_USERS_ADD_USAGE                                                    \
	"NAME --role ROLE [--crew CODE] [--display-name TEXT] "                \
	"[--password-stdin]"
#define CTL_USERS_CREW_USAGE         "NAME --crew CODE | NAME --none"
#define CTL_USERS_LIST_USAGE         ""
#define CTL_USERS_DISABLE_USAGE      "NAME"
#define CTL_USERS_PASSWORD_USAGE     "NAME (reads the password from stdin)"
#define CTL_USERS_TOKEN_CREATE_USAGE "--user NAME [--label TEXT]"
#define CTL_USERS_TOKEN_REVOKE_USAGE "--user NAME"

int ctl_users_add(struct ctl *, int argc, char **argv);
int ctl_users_list(struct ctl *, int argc, char **argv);
int ctl_users_crew(struct ctl *, int argc, char **argv);
int ctl_users_disable(struct ctl *, int argc, char **argv);
int ctl_users_password(struct ctl *, int argc, char **argv);
int ctl_users_token_create(struct ctl *, int argc, char **argv);
int ctl_users_token_revoke(struct ctl *, int argc, char **argv);

#endif
