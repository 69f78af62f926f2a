/*
 * The request life cycle, in one place: its states, the named sets of
 * states (open, active, closed, queued, finished), and per action the
 * states it is allowed from, the state it leads to, who may do it, the
 * fields it needs and the fields it takes, and whether the request leaves
 * its crew.
 *
 * Everything else is derived from this table:
 * - the JSON API (api_actions.c, api_handover.c) and the agent's sync
 *   (sync.c) ask lifecycle_check();
 * - the database gets the table from lifecycle_json() at each migration
 *   (migrate.c -> SQL lifecycle_install(), schema/functions), and its one
 *   writer of requests.state, request_transition(), reads it from there;
 * - the console (GET /api/v1/lifecycle) and the handheld (sync settings)
 *   get the same JSON.
 * Pure functions, no I/O.
 */
#ifndef PATROL_LIFECYCLE_H
#define PATROL_LIFECYCLE_H

#include <stddef.h>

#include <jansson.h>

#include "compiler.h"
#include "role.h"

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

/* The named sets of states. */
enum lc_set {
	LC_SET_OPEN,     /* not over: in a queue, with a crew, handed over */
	LC_SET_ACTIVE,   /* held by a crew */
	LC_SET_CLOSED,   /* over, one way or another */
	LC_SET_QUEUED,   /* waiting for a crew (what may be assigned) */
	LC_SET_FINISHED, /* closed by the work (done, unable), not withdrawn */
	LC_NSETS
};

/* Fields of an action's body (api) or item (sync). */
#define LC_F_CREW      0x1  /* crew_id */
#define LC_F_REASON    0x2  /* reason */
#define LC_F_OUTCOME   0x4  /* outcome */
#define LC_F_PARENT    0x8  /* parent_id */
#define LC_F_RECIPIENT 0x10 /* recipient_id: a directory entry */
#define LC_F_NOTE      0x20 /* note */
#define LC_F_POSITION  0x40 /* lat and lon */
#define LC_NFIELDS     7

/* What an action does to escalated_at (the top of the queue). */
enum lc_escalated { LC_ESC_KEEP, LC_ESC_SET, LC_ESC_CLEAR };

struct lc_action {
	const char *name; /* "assign", also the event kind */
	unsigned from;    /* mask of 1 << state */
	enum lc_state to;
	unsigned needs;  /* LC_F_* required */
	unsigned takes;  /* LC_F_* allowed besides needs; the rest refused */
	int roles;       /* role.h role mask; 0: the system's alone */
	int clears_crew; /* nobody holds the request afterwards */
	enum lc_escalated escalated;
};

/* A decision of lifecycle_check(). */
enum lc_verdict_kind {
	LC_OK,
	LC_UNKNOWN_ACTION, /* 404 */
	LC_FORBIDDEN,      /* 403: role */
	LC_FIELD_REFUSED,  /* 422: a field the action does not take */
	LC_FIELD_MISSING,  /* 422: a field the action needs */
	LC_WRONG_STATE     /* 409: not allowed from the current state */
};

struct lc_verdict {
	enum lc_verdict_kind kind;
	const struct lc_action *action; /* NULL for LC_UNKNOWN_ACTION */
	enum lc_state to;               /* LC_OK with a state */
	const char *code;               /* "invalid_transition", ... */
	const char *field;              /* the field named, or NULL */
	int http_status;
	char message[256];
};

/* Means "not known yet": lifecycle_check() skips the state. */
#define LC_ANY_STATE LC_NSTATES

/*
 * Judges action on a request in state from, by a user of role (an auth.h
 * role bit; 0 for the system), with the fields present (LC_F_*). Checks in
 * this order: action, role, refused fields, missing fields, state; so a
 * caller that does not know the state yet (LC_ANY_STATE) gets the same
 * answer later for everything but the state. Returns 0 for LC_OK, else -1.
 */
PATROL_MUSTCHECK int lifecycle_check(const char *action, enum lc_state from,
    int role, unsigned fields, struct lc_verdict *);

const char *lifecycle_state_name(enum lc_state);
/* -1 for an unknown name. */
PATROL_MUSTCHECK int lifecycle_state_parse(const char *, enum lc_state *);
/* 1 if s is in the set, else 0. */
int lifecycle_in_set(enum lc_set, enum lc_state s);
const char *lifecycle_set_name(enum lc_set);
/* 1 if s is open (LC_SET_OPEN). */
int lifecycle_is_open(enum lc_state);
/* The action by name, or NULL. */
const struct lc_action *lifecycle_action_find(const char *);
/*
 * The fewest actions a user of role (a role.h mask) takes to bring a
 * request from one state to another, in steps (at most max): their number
 * (0 when from is to), or -1 when the role cannot get there.
 */
int lifecycle_path(enum lc_state from, enum lc_state to, int role,
    const struct lc_action **steps, size_t max);
/* The JSON name of one LC_F_* bit ("crew_id"), or NULL. */
const char *lifecycle_field_name(unsigned field);
/* SQL array literal of a set's states: {new,triaged,...}. Static. */
const char *lifecycle_set_sql(enum lc_set);

/*
 * The whole table as JSON (new reference): {"states": [{"name", "open",
 * "active", "closed", "queued", "finished"}...], "sets": {"open": [...],
 * ...}, "actions": {"assign": {"from": [...], "to", "roles": [...],
 * "needs": [...], "takes": [...], "clears_crew", "escalated":
 * "set"|"clear"|null}}}.
 * name_of names one role bit (role_name): the table stays free of
 * auth.c's I/O.
 */
json_t *lifecycle_json(const char *(*name_of)(enum auth_role));

#endif
