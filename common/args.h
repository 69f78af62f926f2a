/*
 * A command's options and positional arguments, read the one way for
 * patrolctl's commands and patrol-agent's, so both programs take the same
 * forms and name the same mistakes in the same words.
 */
#ifndef PATROL_ARGS_H
#define PATROL_ARGS_H

#include "compiler.h"

/* How often one option may be given (photos, answers, pieces). */
#define ARGS_MAX 20

/*
 * One option of a command, in a table that a NULL name ends. The caller
 * sets name and flag; args_parse fills in the rest.
 */
struct args_opt {
	const char *name;  /* "email" for --email (and -e when one letter) */
	int flag;          /* takes no value: value is "1" when given */
	const char *value; /* the last one given, NULL when absent */
	const char *values[ARGS_MAX]; /* each one given, in order */
	int n;
};

/*
 * Reads argv (argc words after the command's name) against opts (NULL for
 * a command without options): "--name VALUE",
 * "--name=VALUE", "-n VALUE" for a one-letter name, "--name" alone for a
 * flag, in any order; any other word (and "-" alone) is a positional, at
 * most npos of them, into pos[]. The values point into argv. Returns how
 * many positionals, or -1 with *cause (caller frees): an unknown option,
 * an option without its value, one given more than ARGS_MAX times, or a
 * positional too many. No I/O: the program says it with its name.
 */
int args_parse(int argc, char **argv, struct args_opt *opts, const char **pos,
    int npos, char **cause) PATROL_MUSTCHECK;

#endif
