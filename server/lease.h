/*
 * Timers run once across instances (issue 19): several patrold may share
 * one database, and each timer runs only on the instance holding its lease
 * (schema/0160). One heartbeat renews every lease this instance holds or
 * can take, every third of timer_lease_ms.
 */
#ifndef PATROL_LEASE_H
#define PATROL_LEASE_H

struct app;

enum lease_name {
	LEASE_ESCALATE,  /* escalation and hand-over return */
	LEASE_ARCHIVE,   /* the weekly coverage archive */
	LEASE_RETENTION, /* the daily purge */
	LEASE_PLANNER,   /* live re-planning and its minute pass */
	LEASE_COUNT
};

void lease_start(struct app *);
/* Lets this instance's leases lapse at once (clean stop), then frees. */
void lease_stop(struct app *);
/* Whether this instance holds the lease now (renewed recently enough that
 * no other instance can have taken it). */
int lease_held(enum lease_name);
/* Called when this instance takes a lease it did not hold. */
void lease_on_take(enum lease_name, void (*cb)(void *), void *arg);
/* This instance's holder name: host:pid:nonce. */
const char *lease_holder(void);

#endif
