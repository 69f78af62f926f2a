/*
 * NOTIFY patrol_events after the commit of every statement that recorded
 * an event (issue 19; see events_wake.c and schema/0280). The pool must
 * have been made with db_config.defer_notify.
 */
#ifndef PATROL_EVENTS_WAKE_H
#define PATROL_EVENTS_WAKE_H

struct db;
struct event_base;
struct events_wake;

/*
 * Never fails. events_wake_stop() after db_free(): a NOTIFY in flight is
 * answered there.
 */
struct events_wake *events_wake_start(struct event_base *, struct db *);
void events_wake_stop(struct events_wake *);

#endif
