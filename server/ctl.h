/*
 * patrolctl's commands. Each ctl_*.c adds a group; patrolctl.c only parses
 * the global options and calls ctl_main (ctl_commands.c), which finds the
 * command in its table.
 */
#ifndef PATROL_CTL_H
#define PATROL_CTL_H

#include <stddef.h>

#include <jansson.h>

#include "args.h"

struct config;
struct db;
struct event_base;

struct ctl_command;

struct ctl {
	struct config *cfg;
	struct event_base *base;
	struct db *db;
	/*
	 * The command table, handed down by ctl_main (ctl_commands.c) so that
	 * ctl_usage reads it without this file's depending on that one.
	 */
	const struct ctl_command *commands;
	int ncommands;
};

struct ctl_command {
	const char *name;  /* "migrate", "migrate status" */
	const char *usage; /* arguments */
	const char *help;
	/* argv[0] is the first argument after the command's words. */
	int (*run)(struct ctl *, int argc, char **argv);
};

/*
 * Prints "usage: patrolctl NAME ARGS" from the command table (the one place
 * a command's arguments are written) to stderr and returns 2, the exit
 * status for a wrong command line.
 */
int ctl_usage(const struct ctl *, const char *name);

/* The database pool (one connection), opened on first use. */
struct db *ctl_db(struct ctl *);
void ctl_close(struct ctl *);
/*
 * Reads a command's arguments with args_parse (common/args.h): the number
 * of positionals, or -1 after printing "patrolctl: COMMAND: what is wrong".
 */
int ctl_args(const char *command, int argc, char **argv, struct args_opt *opts,
    const char **pos, int npos);
/*
 * Who runs this patrolctl, for audit_log.actor: "patrolctl:" and the
 * operating-system login name (the uid when it has none). Static storage.
 */
const char *ctl_actor(void);
/*
 * PROJ for the configured CRS and service area (geo_init); the caller
 * calls geo_fini. -1 with *cause.
 */
int ctl_geo_init(struct ctl *, char **cause);
/* Prints "patrolctl: COMMAND: CAUSE", frees cause, and returns 1. */
int ctl_fail(const char *command, char *cause);
struct db_wait;
/*
 * Waits for the statement started with w (db_wait_cb), which changes one
 * row by its key: 0 when it did; else prints "patrolctl: COMMAND: " and
 * the database's cause, or the message fmt formats (no such row), and
 * returns 1.
 */
int ctl_wait_one(struct ctl *, struct db_wait *w, const char *command,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/*
 * 1 if name is 1 to 63 of a-z, 0-9, '_', '.' and '-': the CHECK of the
 * names an operator gives (users.name, open311_keys.name), said before the
 * insert.
 */
int ctl_name_ok(const char *name);
/*
 * Prints a new secret (an API token, an Open311 key) alone on stdout, for
 * $(patrolctl ...), wipes its size bytes, and says on stderr "patrolctl:
 * WHAT OWNER; it is not shown again".
 */
void ctl_secret_show(
    char *secret, size_t size, const char *what, const char *owner);

/*
 * A whole regular file of at most max bytes, NUL-terminated (caller
 * frees), its length in *len; NULL with *cause (caller frees) saying why.
 */
char *ctl_read_file(const char *path, long max, size_t *len, char **cause);

/*
 * The JSON document in the file at path (duplicate keys refused; caller
 * decrefs), or NULL after saying why on stderr as
 * "patrolctl: COMMAND: PATH:LINE: what".
 */
json_t *ctl_json_load(const char *command, const char *path);

/* Runs the command named by argv; prints usage for unknown ones. */
int ctl_main(struct ctl *, int argc, char **argv);

#endif
