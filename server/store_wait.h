/*
 * For patrolctl: waits for a store_* query queued with db_wait_cb (see
 * db.h) and decodes the two row shapes many stores share, so callers
 * never read a PGresult themselves. Each returns 0, or -1 with *cause
 * (caller frees) on a database failure; the result is freed either way.
 */
#ifndef PATROL_STORE_WAIT_H
#define PATROL_STORE_WAIT_H

#include <jansson.h>

#include "compiler.h"
#include "db.h"

/*
 * One row of one JSON column: *doc is the parsed document (caller
 * json_decref()s it), or NULL when there was no row. Text that is not
 * JSON is refused.
 */
int store_wait_json(
    struct db *, struct db_wait *, json_t **doc, char **cause) PATROL_MUSTCHECK;
/* Any rows: *rows is how many (e.g. 0 for an unknown key). */
int store_wait_count(
    struct db *, struct db_wait *, int *rows, char **cause) PATROL_MUSTCHECK;

#endif
