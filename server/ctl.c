/*
 * What every patrolctl command shares: the database opened on first use,
 * argument parsing, failing with a cause. The command table is in
 * ctl_commands.c, so that the commands depend on this file and never the
 * other way round.
 */
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "config.h"
#include "ctl.h"
#include "db.h"
#include "geo.h"
#include "store_wait.h"
#include "xmalloc.h"

struct db *
ctl_db(struct ctl *c)
{
	struct db_config dbc = {c->cfg->database_url, 1,
	    c->cfg->db_connect_timeout_ms, c->cfg->db_statement_timeout_ms,
	    c->cfg->db_queue_max, c->cfg->db_connect_timeout_ms * 2,
	    c->cfg->timezone, 0}; /* commands NOTIFY in their transaction */

	if (c->db == NULL) {
		c->base = event_base_new();
		c->db = db_new(c->base, &dbc);
	}
	return c->db;
}

void
ctl_close(struct ctl *c)
{
	db_free(c->db);
	if (c->base != NULL)
		event_base_free(c->base);
	c->db = NULL;
	c->base = NULL;
}

int
ctl_usage(const char *name)
{
	int i;

	for (i = 0; i < ctl_ncommands; i++) {
		if (strcmp(ctl_commands[i].name, name) == 0) {
			fprintf(stderr, "usage: patrolctl %s%s%s\n", name,
			    *ctl_commands[i].usage != '\0' ? " " : "",
			    ctl_commands[i].usage);
			return 2;
		}
	}
	fprintf(stderr, "usage: patrolctl %s ...\n", name);
	return 2;
}

int
ctl_args(const char *command, int argc, char **argv, const char *const *names,
    const char **values, const char **pos, int npos)
{
	const char *a, *eq;
	char shortopt[4];
	size_t len;
	int i, k, n = 0;

	for (k = 0; names[k] != NULL; k++)
		values[k] = NULL;
	for (i = 0; i < argc; i++) {
		a = argv[i];
		/* A one-letter "-o" is the same as "--o". */
		if (a[0] == '-' && a[1] != '-' && a[1] != '\0' &&
		    a[2] == '\0') {
			snprintf(shortopt, sizeof shortopt, "--%c", a[1]);
			a = shortopt;
		}
		if (strncmp(a, "--", 2) != 0) {
			if (n == npos) {
				fprintf(stderr,
				    "patrolctl: %s: unexpected argument '%s'\n",
				    command, a);
				return -1;
			}
			pos[n++] = a;
			continue;
		}
		eq = strchr(a, '=');
		len = eq != NULL ? (size_t)(eq - a - 2) : strlen(a + 2);
		for (k = 0; names[k] != NULL; k++) {
			if (strlen(names[k]) == len &&
			    strncmp(names[k], a + 2, len) == 0)
				break;
		}
		if (names[k] == NULL) {
			fprintf(stderr, "patrolctl: %s: unknown option '%s'\n",
			    command, a);
			return -1;
		}
		if (eq != NULL)
			values[k] = eq + 1;
		else if (i + 1 < argc)
			values[k] = argv[++i];
		else {
			fprintf(stderr, "patrolctl: %s: %s needs a value\n",
			    command, a);
			return -1;
		}
	}
	return n;
}

const char *
ctl_actor(void)
{
	static char actor[96];
	struct passwd *pw;

	if (actor[0] == '\0') {
		if ((pw = getpwuid(geteuid())) != NULL &&
		    strlen(pw->pw_name) < sizeof actor - 16)
			snprintf(
			    actor, sizeof actor, "patrolctl:%s", pw->pw_name);
		else
			snprintf(actor, sizeof actor, "patrolctl:uid%lu",
			    (unsigned long)geteuid());
	}
	return actor;
}

int
ctl_geo_init(struct ctl *c, char **cause)
{
	struct geo_area area = {c->cfg->area_lon_min, c->cfg->area_lat_min,
	    c->cfg->area_lon_max, c->cfg->area_lat_max};

	return geo_init(c->cfg->crs, &area, cause);
}

int
ctl_fail(const char *command, char *cause)
{
	fprintf(stderr, "patrolctl: %s: %s\n", command, cause);
	free(cause);
	return 1;
}

int
ctl_wait_one(
    struct ctl *c, struct db_wait *w, const char *command, const char *fmt, ...)
{
	va_list ap;
	char *cause;
	int rows;

	if (store_wait_count(ctl_db(c), w, &rows, &cause) != 0)
		return ctl_fail(command, cause);
	if (rows == 1)
		return 0;
	va_start(ap, fmt);
	cause = xvasprintf(fmt, ap);
	va_end(ap);
	return ctl_fail(command, cause);
}

int
ctl_name_ok(const char *name)
{
	size_t len = strlen(name);

	return len >= 1 && len <= 63 &&
	    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_.-") == len;
}

void
ctl_secret_show(char *secret, size_t size, const char *what, const char *owner)
{
	printf("%s\n", secret);
	fflush(stdout);
	sodium_memzero(secret, size);
	fprintf(
	    stderr, "patrolctl: %s %s; it is not shown again\n", what, owner);
}

char *
ctl_read_file(const char *path, long max, size_t *len, char **cause)
{
	struct stat st;
	FILE *f;
	char *buf;

	if ((f = fopen(path, "rb")) == NULL) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		*cause = xasprintf("%s: not a regular file", path);
		fclose(f);
		return NULL;
	}
	if (st.st_size > max) {
		*cause = xasprintf("%s: over %ld MiB", path, max >> 20);
		fclose(f);
		return NULL;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	if (fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		*cause = xasprintf("%s: read error", path);
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[st.st_size] = '\0';
	*len = (size_t)st.st_size;
	return buf;
}
