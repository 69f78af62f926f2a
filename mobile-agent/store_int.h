/*
 * Private to the agent's store (outbox.c and store_*.c): the one way they
 * run a statement on the device's database (store_db.c), so that binding,
 * stepping and finalizing are written once. Parameters are bound from fmt,
 * one letter each, in order:
 *   'i' int, 'I' long long, 'd' double,
 *   't' const char * (NULL binds NULL), 'b' const void * and size_t (a blob).
 * Text and blobs are bound SQLITE_STATIC: they must outlive the statement.
 */
#ifndef STORE_INT_H
#define STORE_INT_H

#include "compiler.h"
#include "agent.h"

/*
 * What a store_*.c reader was given: the caller's callback for its typed
 * row (the member of its row type) and argument, for its row decoder.
 */
struct store_each {
	union {
		int (*fix)(const struct store_fix_row *, void *);
		int (*job)(const struct store_job_row *, void *);
		int (*caller)(const struct store_caller_row *, void *);
		int (*item)(const struct store_item_row *, void *);
		int (*outbox)(const struct store_outbox_row *, void *);
		int (*photo)(const struct store_photo_row *, void *);
	} cb;
	void *arg;
};

/* The prepared statement with its parameters bound, or NULL. */
sqlite3_stmt *store_db_prepare(struct agent *, const char *sql, const char *fmt,
    ...) __attribute__((warn_unused_result));
/* Runs a statement that returns no rows: 0, or -1 (sqlite3_errmsg says). */
PATROL_MUSTCHECK int store_db_run(struct agent *, const char *sql,
    const char *fmt, ...) __attribute__((warn_unused_result));
/*
 * Each row of st to row(st, arg) until it answers non-zero, then
 * finalizes st: the rows read, or -1 when st is NULL.
 */
PATROL_MUSTCHECK int store_db_rows(
    sqlite3_stmt *st, int (*row)(sqlite3_stmt *, void *), void *arg);
/* The first column of the first row as an integer, else def. */
long long store_db_int(
    struct agent *, long long def, const char *sql, const char *fmt, ...);
/* The first column of the first row as a copy the caller frees, or NULL. */
char *store_db_text(struct agent *, const char *sql, const char *fmt, ...);

#endif
