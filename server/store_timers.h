/*
 * SQL of the timers' leases (issue 19): which patrold instance runs each
 * timer when several share one database.
 */
#ifndef PATROL_STORE_TIMERS_H
#define PATROL_STORE_TIMERS_H

#include "db.h"

/* Takes or renews the leases named in names (SQL array literal "{a,b}") for
 * holder, for ttl_ms; one row per lease holder holds afterwards (read the
 * names with store_timers_claim_row). */
void store_timers_claim(struct db *, const char *holder, const char *names,
    int ttl_ms, db_cb, void *);
/* The name of the lease in row i of store_timers_claim; NULL past the end. */
const char *store_timers_claim_row(const PGresult *, int i);
/* Lets every lease of holder lapse now. */
void store_timers_release(struct db *, const char *holder, db_cb, void *);
/* NOTIFYs a channel, empty payload, in a transaction of its own. */
void store_timers_notify(struct db *, const char *channel, db_cb, void *);
/* Sends a plan event (JSON text, < 8000 bytes) to every instance. */
void store_timers_announce_plan(struct db *, const char *json, db_cb, void *);

#define STORE_PLAN_CHANNEL "patrol_plan"

#endif
