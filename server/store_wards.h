/*
 * The wards table: all of its SQL. Rows hold each ward's code, name,
 * bbox and GeoJSON MultiPolygon; a change is announced on the channel
 * "wards_changed" so that every patrold reloads its set.
 */
#ifndef PATROL_STORE_WARDS_H
#define PATROL_STORE_WARDS_H

#include <stddef.h>

#include "db.h"

struct db;
struct ward_set;

#define STORE_WARDS_CHANNEL "wards_changed"

/*
 * Called once with the set read from the database (the callback owns it)
 * or with set NULL and a one-line error that lives until it returns.
 */
typedef void (*store_wards_cb)(struct ward_set *, const char *error, void *arg);

/* Reads every ward and builds a set; an empty table gives an empty set. */
void store_wards_load(struct db *, store_wards_cb, void *arg);
/* The same, waiting for the answer (start-up and patrolctl). */
int store_wards_load_sync(struct db *, struct ward_set **, char **cause);

/*
 * Makes the table hold exactly the set (for patrolctl): inserts or
 * updates every ward, deletes those not in the set and notifies the
 * channel, all in one statement and so one transaction. Sets how many
 * rows were written and deleted. Returns -1 with *cause.
 */
int store_wards_replace(struct db *, const struct ward_set *, size_t *written,
    size_t *deleted, char **cause);

/*
 * Requests with a point but no ward (id, lon, lat), newest first, at most
 * 5000: looked up again whenever the wards are reloaded. Read the rows
 * with store_wards_unknown_row.
 */
void store_wards_unknown(struct db *, db_cb, void *arg);
struct store_unplaced {
	long long id;
	double lon, lat;
};
/* Row i of store_wards_unknown: 1 with *u, 0 past the last row. */
int store_wards_unknown_row(const PGresult *, int i, struct store_unplaced *u);
/*
 * Sets the ward of requests that still have none, from [{id, ward}], and
 * puts a ward_filled event on each one's timeline; one row (filled, read
 * with store_result_text).
 */
void store_wards_fill(struct db *, const char *json, db_cb, void *arg);

#endif
