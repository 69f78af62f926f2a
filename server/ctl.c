#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "config.h"
#include "ctl.h"
#include "db.h"
#include "migrate.h"

struct db *
ctl_db(struct ctl *c)
{
	struct db_config dbc = {c->cfg->database_url, 1,
	    c->cfg->db_connect_timeout_ms, c->cfg->db_statement_timeout_ms,
	    c->cfg->db_queue_max, c->cfg->db_connect_timeout_ms * 2};

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

static int
ctl_migrate(struct ctl *c, int argc, char **argv)
{
	char *cause;

	(void)argv;
	if (argc != 0) {
		fprintf(stderr, "usage: patrolctl migrate\n");
		return 2;
	}
	if (migrate_apply(ctl_db(c), c->cfg->schema_dir, stdout, &cause) != 0) {
		fprintf(stderr, "patrolctl: %s\n", cause);
		free(cause);
		return 1;
	}
	return 0;
}

static int
ctl_migrate_status(struct ctl *c, int argc, char **argv)
{
	char *cause, *pending;

	(void)argc;
	(void)argv;
	if (migrate_pending(ctl_db(c), c->cfg->schema_dir, &pending, &cause) !=
	    0) {
		fprintf(stderr, "patrolctl: %s\n", cause);
		free(cause);
		return 1;
	}
	if (*pending == '\0')
		printf("schema is current\n");
	else
		printf("pending: %s\n", pending);
	free(pending);
	return 0;
}

const struct ctl_command ctl_commands[] = {
    {"migrate status", "", "list migrations not yet applied",
        ctl_migrate_status},
    {"migrate", "", "apply pending schema migrations", ctl_migrate},
};
const int ctl_ncommands = sizeof ctl_commands / sizeof ctl_commands[0];

/* How many of argv's words spell the command's name, or 0. */
static int
ctl_match(const char *name, int argc, char **argv)
{
	const char *p = name;
	size_t len;
	int n = 0;

	while (*p != '\0') {
		len = strcspn(p, " ");
		if (n >= argc || strlen(argv[n]) != len ||
		    strncmp(argv[n], p, len) != 0)
			return 0;
		n++;
		p += len;
		while (*p == ' ')
			p++;
	}
	return n;
}

int
ctl_main(struct ctl *c, int argc, char **argv)
{
	int i, n;

	/* The table lists longer names first, so "migrate status" wins. */
	for (i = 0; i < ctl_ncommands; i++) {
		if ((n = ctl_match(ctl_commands[i].name, argc, argv)) > 0)
			return ctl_commands[i].run(c, argc - n, argv + n);
	}
	if (argc > 0)
		fprintf(stderr, "patrolctl: unknown command '%s'\n", argv[0]);
	fprintf(stderr,
	    "usage: patrolctl [options] command [arguments]\n"
	    "commands:\n");
	for (i = 0; i < ctl_ncommands; i++)
		fprintf(stderr, "  %-28s %s\n", ctl_commands[i].name,
		    ctl_commands[i].help);
	fprintf(stderr, "options: patrolctl --help\n");
	return 2;
}
