/*
 * patrolctl user add|list|disable|password and token create|revoke. A
 * token is printed once, alone on stdout so scripts can capture it; only
 * its hash is stored. Passwords come from stdin, never from argv (which
 * other local users can read in ps).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "auth.h"
#include "ctl.h"
#include "ctl_users.h"
#include "store_result.h"
#include "store_users.h"
#include "utf8.h"
#include "xmalloc.h"

#define CTL_USERS_PASSWORD_MIN 10   /* characters */
#define CTL_USERS_PASSWORD_MAX 1024 /* bytes */

/*
 * Reads a command's options (opts, NULL for none) and, when name is not
 * NULL, its one NAME, in any order: 0, else -1 after saying what is wrong
 * and the command's usage.
 */
static int
ctl_users_parse(struct ctl *c, const char *command, int argc, char **argv,
    struct args_opt *opts, const char **name)
{
	int n;

	if ((n = ctl_args(command, argc, argv, opts, name, name != NULL)) < 0)
		goto usage;
	if (name != NULL && n == 0) {
		fprintf(stderr, "patrolctl: %s: NAME is missing\n", command);
		goto usage;
	}
	return 0;
usage:
	(void)ctl_usage(c, command);
	return -1;
}

/* The token commands' --user USER (opts[0]), which they need. */
static int
ctl_users_parse_user(struct ctl *c, const char *command, int argc, char **argv,
    struct args_opt *opts)
{
	if (ctl_users_parse(c, command, argc, argv, opts, NULL) != 0)
		return -1;
	if (opts[0].value == NULL) {
		fprintf(stderr, "patrolctl: %s: --user is missing\n", command);
		(void)ctl_usage(c, command);
		return -1;
	}
	return 0;
}

static void
ctl_users_bad_role(const char *role)
{
	int r;

	if (role == NULL)
		fprintf(stderr, "patrolctl: user add: --role is missing (");
	else
		fprintf(
		    stderr, "patrolctl: user add: unknown role '%s' (", role);
	for (r = AUTH_VIEWER; r <= AUTH_ADMIN; r <<= 1)
		fprintf(stderr, "%s%s", r == AUTH_VIEWER ? "one of: " : ", ",
		    role_name((enum auth_role)r));
	fprintf(stderr, ")\n");
}

/*
 * Reads one line from stdin as a password, without echo when stdin is a
 * terminal. Returns it (caller wipes with sodium_memzero and frees) or NULL
 * with *cause.
 */
static char *
ctl_users_read_password(char **cause)
{
	struct termios saved, quiet;
	char *line = NULL;
	size_t size = 0, len;
	ssize_t n;
	int tty;

	tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
	if (tty) {
		fprintf(stderr, "password: ");
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	n = getline(&line, &size, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
		fprintf(stderr, "\n");
	}
	if (n <= 0) {
		free(line);
		*cause = xstrdup("no password on standard input");
		return NULL;
	}
	len = (size_t)n;
	if (len > 0 && line[len - 1] == '\n')
		line[--len] = '\0';
	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	if (strlen(line) != len)
		*cause = xstrdup("the password contains a NUL byte");
	else if (len > CTL_USERS_PASSWORD_MAX)
		*cause = xasprintf(
		    "the password is over %d bytes", CTL_USERS_PASSWORD_MAX);
	/* Characters, not bytes: a Japanese passphrase is not longer. */
	else if (utf8_len(line) < CTL_USERS_PASSWORD_MIN)
		*cause = xasprintf("the password is under %d characters",
		    CTL_USERS_PASSWORD_MIN);
	else
		return line;
	sodium_memzero(line, size);
	free(line);
	return NULL;
}

/* Reads and hashes a password into hash; 0, or -1 after saying why. */
static int
ctl_users_password_hash(const char *command, char hash[AUTH_PASSWORD_HASH_LEN])
{
	char *password, *cause = NULL;
	int rc;

	if ((password = ctl_users_read_password(&cause)) == NULL) {
		fprintf(stderr, "patrolctl: %s: %s\n", command, cause);
		free(cause);
		return -1;
	}
	rc = auth_password_hash(password, hash, AUTH_PASSWORD_HASH_LEN);
	sodium_memzero(password, strlen(password));
	free(password);
	if (rc != 0) {
		fprintf(stderr,
		    "patrolctl: %s: cannot hash the password "
		    "(out of memory)\n",
		    command);
		return -1;
	}
	return 0;
}

int
ctl_users_add(struct ctl *c, int argc, char **argv)
{
	struct args_opt opts[] = {{.name = "role"}, {.name = "display-name"},
	    {.name = "crew"}, {.name = "password-stdin", .flag = 1},
	    {.name = NULL}};
	const char *name, *display_name, *crew;
	struct store_user_new n = {0};
	char hash[AUTH_PASSWORD_HASH_LEN], *cause;
	enum auth_role role;
	long long id;
	int password_stdin;

	if (ctl_users_parse(c, "user add", argc, argv, opts, &name) != 0)
		return 2;
	display_name = opts[1].value;
	crew = opts[2].value;
	password_stdin = opts[3].value != NULL;
	if (!ctl_name_ok(name)) {
		fprintf(stderr,
		    "patrolctl: user add: bad user name '%s': 1 to 63 of "
		    "a-z, 0-9, '_', '.' and '-'\n",
		    name);
		return 2;
	}
	if (opts[0].value == NULL || (role = role_parse(opts[0].value)) == 0) {
		ctl_users_bad_role(opts[0].value);
		return 2;
	}
	if (display_name == NULL)
		display_name = name;
	else if (*display_name == '\0') {
		fprintf(stderr, "patrolctl: user add: empty --display-name\n");
		return 2;
	}
	if (crew != NULL && role != AUTH_CREW) {
		fprintf(stderr,
		    "patrolctl: user add: --crew is for --role crew only\n");
		return 2;
	}
	if (password_stdin && ctl_users_password_hash("user add", hash) != 0)
		return 1;
	n.name = name;
	n.display_name = display_name;
	n.role = role;
	n.password_hash = password_stdin ? hash : NULL;
	n.crew_code = crew;
	n.actor = ctl_actor();
	if (store_users_add(ctl_db(c), &n, &id, &cause) != 0)
		return ctl_fail("user add", cause);
	printf("added user %s (%s%s%s)%s\n", name, role_name(role),
	    crew != NULL ? ", crew " : "", crew != NULL ? crew : "",
	    password_stdin ? " with a password" : "");
	if (role == AUTH_CREW && crew == NULL)
		fprintf(stderr,
		    "patrolctl: user add: %s belongs to no crew and may record "
		    "no crew's steps until: patrolctl user crew %s --crew "
		    "CODE\n",
		    name, name);
	return 0;
}

int
ctl_users_list(struct ctl *c, int argc, char **argv)
{
	struct store_user u;
	PGresult *res;
	char *cause;
	int i;

	if (ctl_users_parse(c, "user list", argc, argv, NULL, NULL) != 0)
		return 2;
	if (store_users_list(ctl_db(c), &res, &cause) != 0)
		return ctl_fail("user list", cause);
	printf("%-24s %-10s %-6s %-8s %s\n", "NAME", "ROLE", "ACTIVE",
	    "PASSWORD", "CREW");
	for (i = 0; i < store_result_rows(res); i++) {
		if (store_users_row(res, i, &u) != 0) {
			fprintf(
			    stderr, "patrolctl: user list: bad row %d\n", i);
			PQclear(res);
			return 1;
		}
		printf("%-24s %-10s %-6s %-8s %s\n", u.name, role_name(u.role),
		    u.active ? "yes" : "no", u.has_password ? "yes" : "no",
		    u.crew_code != NULL ? u.crew_code : "-");
	}
	PQclear(res);
	return 0;
}

int
ctl_users_disable(struct ctl *c, int argc, char **argv)
{
	const char *name;
	char *cause;
	int revoked;

	if (ctl_users_parse(c, "user disable", argc, argv, NULL, &name) != 0)
		return 2;
	if (store_users_disable(
	        ctl_db(c), name, ctl_actor(), &revoked, &cause) != 0)
		return ctl_fail("user disable", cause);
	printf("disabled user %s; revoked %d token(s)\n", name, revoked);
	return 0;
}

int
ctl_users_password(struct ctl *c, int argc, char **argv)
{
	const char *name;
	char hash[AUTH_PASSWORD_HASH_LEN], *cause;

	if (ctl_users_parse(c, "user password", argc, argv, NULL, &name) != 0)
		return 2;
	if (ctl_users_password_hash("user password", hash) != 0)
		return 1;
	if (store_users_set_password(
	        ctl_db(c), name, hash, ctl_actor(), &cause) != 0)
		return ctl_fail("user password", cause);
	printf("set the password of user %s\n", name);
	return 0;
}

int
ctl_users_token_create(struct ctl *c, int argc, char **argv)
{
	struct args_opt opts[] = {
	    {.name = "user"}, {.name = "label"}, {.name = NULL}};
	char token[64], hash[65], *cause;

	if (ctl_users_parse_user(c, "token create", argc, argv, opts) != 0)
		return 2;
	auth_token_new(token, sizeof token, hash);
	if (store_users_token_add(ctl_db(c), opts[0].value, hash, opts[1].value,
	        ctl_actor(), &cause) != 0) {
		sodium_memzero(token, sizeof token);
		return ctl_fail("token create", cause);
	}
	ctl_secret_show(
	    token, sizeof token, "token created for user", opts[0].value);
	return 0;
}

int
ctl_users_token_revoke(struct ctl *c, int argc, char **argv)
{
	struct args_opt opts[] = {{.name = "user"}, {.name = NULL}};
	char *cause;
	int revoked;

	if (ctl_users_parse_user(c, "token revoke", argc, argv, opts) != 0)
		return 2;
	if (store_users_token_revoke(
	        ctl_db(c), opts[0].value, ctl_actor(), &revoked, &cause) != 0)
		return ctl_fail("token revoke", cause);
	printf("revoked %d token(s) of user %s\n", revoked, opts[0].value);
	return 0;
}

int
ctl_users_crew(struct ctl *c, int argc, char **argv)
{
	struct args_opt opts[] = {
	    {.name = "crew"}, {.name = "none", .flag = 1}, {.name = NULL}};
	const char *name, *crew;
	char *cause;

	if (ctl_users_parse(c, "user crew", argc, argv, opts, &name) != 0)
		return 2;
	crew = opts[0].value;
	if ((crew == NULL) == (opts[1].value == NULL)) {
		fprintf(stderr,
		    "patrolctl: user crew: give --crew CODE or --none\n");
		return ctl_usage(c, "user crew");
	}
	if (store_users_set_crew(ctl_db(c), name, crew, ctl_actor(), &cause) !=
	    0)
		return ctl_fail("user crew", cause);
	if (crew != NULL)
		printf("user %s now works in crew %s\n", name, crew);
	else
		printf("user %s belongs to no crew now\n", name);
	return 0;
}
