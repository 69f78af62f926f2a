/*
 * What every patrolctl command shares: the database opened on first use,
 * argument parsing, failing with a cause. The command table is in
 * ctl_commands.c, which hands it down through struct ctl for ctl_usage:
 * the commands and their table depend on this file, never the other way
 * round.
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
#include <jansson.h>
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
ctl_usage(const struct ctl *c, const char *name)
{
	int i;

	for (i = 0; i < c->ncommands; i++) {
		if (strcmp(c->commands[i].name, name) == 0) {
			fprintf(stderr, "usage: patrolctl %s%s%s\n", name,
			    *c->commands[i].usage != '\0' ? " " : "",
			    c->commands[i].usage);
			return 2;
		}
	}
	fprintf(stderr, "usage: patrolctl %s ...\n", name);
	return 2;
}

int
ctl_args(const char *command, int argc, char **argv, struct args_opt *opts,
    const char **pos, int npos)
{
	char *cause;
	int n;

	if ((n = args_parse(argc, argv, opts, pos, npos, &cause)) < 0)
		(void)ctl_fail(command, cause);
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

json_t *
ctl_json_load(const char *command, const char *path)
{
	json_error_t err;
	json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &err);

	if (doc == NULL)
		fprintf(stderr, "patrolctl: %s: %s:%d: %s\n", command, path,
		    err.line, err.text);
	return doc;
}
