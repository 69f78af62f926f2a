/*
 * The job life cycle as data: states, actions, and which action may move a
 * request from which state. Pure functions, no I/O: api_requests.c applies
 * the result with a compare-and-set on the request's version, so a state is
 * never overwritten by a decision made on a stale read.
 */
#ifndef PATROL_LIFECYCLE_H
#define PATROL_LIFECYCLE_H

enum lc_state {
	LC_NEW,
	LC_TRIAGED,
	LC_ASSIGNED,
	LC_ACCEPTED,
	LC_EN_ROUTE,
	LC_ON_SITE,
	LC_DONE,
	LC_UNABLE,
	LC_CANCELLED,
	LC_MERGED,
	LC_HANDING_OVER, /* sent to another body, receipt not yet confirmed */
	LC_NSTATES
};

#define LC_NEEDS_CREW      0x1
#define LC_NEEDS_REASON    0x2
#define LC_NEEDS_OUTCOME   0x4
#define LC_NEEDS_PARENT    0x8
#define LC_KEEPS_STATE     0x10 /* to_state is from_state (escalate: new) */
#define LC_NEEDS_RECIPIENT 0x20 /* a directory entry (hand-over) */

struct lc_action {
	const char *name; /* "assign", also the event kind */
	unsigned from;    /* mask of 1 << state */
	enum lc_state to;
	unsigned needs; /* LC_NEEDS_* */
	int roles;      /* auth.h role mask allowed to do it */
};

const char *lifecycle_state_name(enum lc_state);
/* -1 for an unknown name. */
int lifecycle_state_parse(const char *, enum lc_state *);
int lifecycle_is_open(enum lc_state);
/* The action by name, or NULL. */
const struct lc_action *lifecycle_action_find(const char *);
/*
 * The state the action leads to from `from`, or -1 with *cause saying what
 * the current state is and which states allow the action.
 */
int lifecycle_next(const struct lc_action *, enum lc_state from,
    enum lc_state *to, char **cause);
/* SQL array literal of the open states: {new,triaged,...} */
const char *lifecycle_open_states_sql(void);

#endif
