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

/* The options each command accepts. */
#define CTL_USERS_NAME           0x01 /* one positional NAME */
#define CTL_USERS_ROLE           0x02
#define CTL_USERS_DISPLAY_NAME   0x04
#define CTL_USERS_PASSWORD_STDIN 0x08
#define CTL_USERS_USER           0x10
#define CTL_USERS_LABEL          0x20
#define CTL_USERS_CREW           0x40

struct ctl_users_args {
	const char *name;
	const char *role;
	const char *display_name;
	const char *user;
	const char *label;
	const char *crew;
	int password_stdin;
	int no_crew;
};

/* Options may come in any order, before or after NAME. */
static int
ctl_users_parse(int argc, char **argv, int allowed, const char *command,
    const char *usage, struct ctl_users_args *a)
{
	const char **value;
	int i;

	memset(a, 0, sizeof *a);
	for (i = 0; i < argc; i++) {
		value = NULL;
		if ((allowed & CTL_USERS_ROLE) &&
		    strcmp(argv[i], "--role") == 0)
			value = &a->role;
		else if ((allowed & CTL_USERS_DISPLAY_NAME) &&
		    strcmp(argv[i], "--display-name") == 0)
			value = &a->display_name;
		else if ((allowed & CTL_USERS_USER) &&
		    strcmp(argv[i], "--user") == 0)
			value = &a->user;
		else if ((allowed & CTL_USERS_LABEL) &&
		    strcmp(argv[i], "--label") == 0)
			value = &a->label;
		else if ((allowed & CTL_USERS_CREW) &&
		    strcmp(argv[i], "--crew") == 0)
			value = &a->crew;
		else if ((allowed & CTL_USERS_CREW) &&
		    strcmp(argv[i], "--none") == 0) {
			a->no_crew = 1;
			continue;
		} else if ((allowed & CTL_USERS_PASSWORD_STDIN) &&
		    strcmp(argv[i], "--password-stdin") == 0) {
			a->password_stdin = 1;
			continue;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "patrolctl: %s: unknown option '%s'\n",
			    command, argv[i]);
			goto usage;
		} else if ((allowed & CTL_USERS_NAME) && a->name == NULL) {
			a->name = argv[i];
			continue;
		} else {
			fprintf(stderr,
			    "patrolctl: %s: unexpected argument '%s'\n",
			    command, argv[i]);
			goto usage;
		}
		if (i + 1 == argc) {
			fprintf(stderr, "patrolctl: %s: %s needs a value\n",
			    command, argv[i]);
			goto usage;
		}
		*value = argv[++i];
	}
	if ((allowed & CTL_USERS_NAME) && a->name == NULL) {
		fprintf(stderr, "patrolctl: %s: NAME is missing\n", command);
		goto usage;
	}
	if ((allowed & CTL_USERS_USER) && a->user == NULL) {
		fprintf(stderr, "patrolctl: %s: --user is missing\n", command);
		goto usage;
	}
	return 0;
usage:
	fprintf(stderr, "usage: patrolctl %s %s\n", command, usage);
	return -1;
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
	struct ctl_users_args a;
	struct store_user_new n = {0};
	char hash[AUTH_PASSWORD_HASH_LEN], *cause;
	enum auth_role role;
	long long id;

	if (ctl_users_parse(argc, argv,
	        CTL_USERS_NAME | CTL_USERS_ROLE | CTL_USERS_DISPLAY_NAME |
	            CTL_USERS_PASSWORD_STDIN | CTL_USERS_CREW,
	        "user add", CTL_USERS_ADD_USAGE, &a) != 0)
		return 2;
	if (a.no_crew) {
		fprintf(
		    stderr, "patrolctl: user add: unknown option '--none'\n");
		return 2;
	}
	if (!ctl_name_ok(a.name)) {
		fprintf(stderr,
		    "patrolctl: user add: bad user name '%s': 1 to 63 of "
		    "a-z, 0-9, '_', '.' and '-'\n",
		    a.name);
		return 2;
	}
	if (a.role == NULL || (role = role_parse(a.role)) == 0) {
		ctl_users_bad_role(a.role);
		return 2;
	}
	if (a.display_name == NULL)
		a.display_name = a.name;
	else if (*a.display_name == '\0') {
		fprintf(stderr, "patrolctl: user add: empty --display-name\n");
		return 2;
	}
	if (a.crew != NULL && role != AUTH_CREW) {
		fprintf(stderr,
		    "patrolctl: user add: --crew is for --role crew only\n");
		return 2;
	}
	if (a.password_stdin && ctl_users_password_hash("user add", hash) != 0)
		return 1;
	n.name = a.name;
	n.display_name = a.display_name;
	n.role = role;
	n.password_hash = a.password_stdin ? hash : NULL;
	n.crew_code = a.crew;
	n.actor = ctl_actor();
	if (store_users_add(ctl_db(c), &n, &id, &cause) != 0)
		return ctl_fail("user add", cause);
	printf("added user %s (%s%s%s)%s\n", a.name, role_name(role),
	    a.crew != NULL ? ", crew " : "", a.crew != NULL ? a.crew : "",
	    a.password_stdin ? " with a password" : "");
	if (role == AUTH_CREW && a.crew == NULL)
		fprintf(stderr,
		    "patrolctl: user add: %s belongs to no crew and may record "
		    "no crew's steps until: patrolctl user crew %s --crew "
		    "CODE\n",
		    a.name, a.name);
	return 0;
}

int
ctl_users_list(struct ctl *c, int argc, char **argv)
{
	struct ctl_users_args a;
	struct store_user u;
	PGresult *res;
	char *cause;
	int i;

	if (ctl_users_parse(
	        argc, argv, 0, "user list", CTL_USERS_LIST_USAGE, &a) != 0)
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
	struct ctl_users_args a;
	char *cause;
	int revoked;

	if (ctl_users_parse(argc, argv, CTL_USERS_NAME, "user disable",
	        CTL_USERS_DISABLE_USAGE, &a) != 0)
		return 2;
	if (store_users_disable(
	        ctl_db(c), a.name, ctl_actor(), &revoked, &cause) != 0)
		return ctl_fail("user disable", cause);
	printf("disabled user %s; revoked %d token(s)\n", a.name, revoked);
	return 0;
}

int
ctl_users_password(struct ctl *c, int argc, char **argv)
{
	struct ctl_users_args a;
	char hash[AUTH_PASSWORD_HASH_LEN], *cause;

	if (ctl_users_parse(argc, argv, CTL_USERS_NAME, "user password",
	        CTL_USERS_PASSWORD_USAGE, &a) != 0)
		return 2;
	if (ctl_users_password_hash("user password", hash) != 0)
		return 1;
	if (store_users_set_password(
	        ctl_db(c), a.name, hash, ctl_actor(), &cause) != 0)
		return ctl_fail("user password", cause);
	printf("set the password of user %s\n", a.name);
	return 0;
}

int
ctl_users_token_create(struct ctl *c, int argc, char **argv)
{
	struct ctl_users_args a;
	char token[64], hash[65], *cause;

	if (ctl_users_parse(argc, argv, CTL_USERS_USER | CTL_USERS_LABEL,
	        "token create", CTL_USERS_TOKEN_CREATE_USAGE, &a) != 0)
		return 2;
	auth_token_new(token, sizeof token, hash);
	if (store_users_token_add(
	        ctl_db(c), a.user, hash, a.label, ctl_actor(), &cause) != 0) {
		sodium_memzero(token, sizeof token);
		return ctl_fail("token create", cause);
	}
	ctl_secret_show(token, sizeof token, "token created for user", a.user);
	return 0;
}

int
ctl_users_token_revoke(struct ctl *c, int argc, char **argv)
{
	struct ctl_users_args a;
	char *cause;
	int revoked;

	if (ctl_users_parse(argc, argv, CTL_USERS_USER, "token revoke",
	        CTL_USERS_TOKEN_REVOKE_USAGE, &a) != 0)
		return 2;
	if (store_users_token_revoke(
	        ctl_db(c), a.user, ctl_actor(), &revoked, &cause) != 0)
		return ctl_fail("token revoke", cause);
	printf("revoked %d token(s) of user %s\n", revoked, a.user);
	return 0;
}

int
ctl_users_crew(struct ctl *c, int argc, char **argv)
{
	struct ctl_users_args a;
	char *cause;

	if (ctl_users_parse(argc, argv, CTL_USERS_NAME | CTL_USERS_CREW,
	        "user crew", CTL_USERS_CREW_USAGE, &a) != 0)
		return 2;
	if ((a.crew == NULL) == (a.no_crew == 0)) {
		fprintf(stderr,
		    "patrolctl: user crew: give --crew CODE or "
		    "--none\nusage: patrolctl user crew %s\n",
		    CTL_USERS_CREW_USAGE);
		return 2;
	}
	if (store_users_set_crew(
	        ctl_db(c), a.name, a.crew, ctl_actor(), &cause) != 0)
		return ctl_fail("user crew", cause);
	if (a.crew != NULL)
		printf("user %s now works in crew %s\n", a.name, a.crew);
	else
		printf("user %s belongs to no crew now\n", a.name);
	return 0;
}
