#include <string.h>

#include "auth.h"
#include "lifecycle.h"
#include "xmalloc.h"

static const char *lc_names[LC_NSTATES] = {"new", "triaged", "assigned",
    "accepted", "en_route", "on_site", "done", "unable", "cancelled", "merged",
    "handing_over"};

#define S(x) (1u << (x))
#define OPEN                                                                   \
	(S(LC_NEW) | S(LC_TRIAGED) | S(LC_ASSIGNED) | S(LC_ACCEPTED) |         \
	    S(LC_EN_ROUTE) | S(LC_ON_SITE) | S(LC_HANDING_OVER))
#define QUEUED  (S(LC_NEW) | S(LC_TRIAGED))
#define WORKING (S(LC_ACCEPTED) | S(LC_EN_ROUTE) | S(LC_ON_SITE))
#define CREW    (AUTH_CREW | AUTH_STAFF) /* staff record for crews by phone */
/* What may be handed over: open, and not already on its way elsewhere. */
#define HANDABLE (QUEUED | S(LC_ASSIGNED) | WORKING)

static const struct lc_action lc_actions[] = {
    {"triage", S(LC_NEW), LC_TRIAGED, 0, AUTH_STAFF},
    {"assign", QUEUED, LC_ASSIGNED, LC_NEEDS_CREW, AUTH_STAFF},
    {"reassign", S(LC_ASSIGNED) | WORKING, LC_ASSIGNED, LC_NEEDS_CREW,
        AUTH_STAFF},
    {"accept", S(LC_ASSIGNED), LC_ACCEPTED, 0, CREW},
    /* A rejected job goes back to the queue for another crew. */
    {"reject", S(LC_ASSIGNED), LC_NEW, LC_NEEDS_REASON, CREW},
    {"en_route", S(LC_ACCEPTED), LC_EN_ROUTE, 0, CREW},
    {"on_site", S(LC_ACCEPTED) | S(LC_EN_ROUTE), LC_ON_SITE, 0, CREW},
    {"done", WORKING, LC_DONE, LC_NEEDS_OUTCOME, CREW},
    {"unable", WORKING, LC_UNABLE, LC_NEEDS_REASON, CREW},
    {"cancel", OPEN, LC_CANCELLED, LC_NEEDS_REASON, AUTH_STAFF},
    {"merge", QUEUED, LC_MERGED, LC_NEEDS_PARENT, AUTH_STAFF},
    /*
     * A hand-over (api_handover.c) waits for the recipient's receipt: it
     * closes as handed over when the receipt link is used, and comes back
     * to the queue when nobody confirms in time. Both are the system's.
     */
    {"handover", HANDABLE, LC_HANDING_OVER, LC_NEEDS_RECIPIENT, AUTH_STAFF},
    {"handover_received", S(LC_HANDING_OVER), LC_DONE, 0, 0},
    {"handover_returned", S(LC_HANDING_OVER), LC_NEW, 0, 0},
    /* Not accepted in time: back to the top of the queue. */
    {"escalate", S(LC_ASSIGNED), LC_NEW, 0, 0},
};

const char *
lifecycle_state_name(enum lc_state s)
{
	return s < LC_NSTATES ? lc_names[s] : "unknown";
}

int
lifecycle_state_parse(const char *name, enum lc_state *out)
{
	int i;

	for (i = 0; i < LC_NSTATES; i++) {
		if (strcmp(lc_names[i], name) == 0) {
			*out = (enum lc_state)i;
			return 0;
		}
	}
	return -1;
}

int
lifecycle_is_open(enum lc_state s)
{
	return (OPEN & S(s)) != 0;
}

const struct lc_action *
lifecycle_action_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof lc_actions / sizeof lc_actions[0]; i++) {
		if (strcmp(lc_actions[i].name, name) == 0)
			return &lc_actions[i];
	}
	return NULL;
}

int
lifecycle_next(const struct lc_action *a, enum lc_state from, enum lc_state *to,
    char **cause)
{
	char allowed[160] = "";
	int i;

	if (a->from & S(from)) {
		*to = a->to;
		return 0;
	}
	for (i = 0; i < LC_NSTATES; i++) {
		if (a->from & S(i)) {
			if (allowed[0] != '\0')
				strcat(allowed, ", ");
			strcat(allowed, lc_names[i]);
		}
	}
	*cause = xasprintf("cannot %s a request that is %s (allowed when: %s)",
	    a->name, lifecycle_state_name(from), allowed);
	return -1;
}

const char *
lifecycle_open_states_sql(void)
{
	return "{new,triaged,assigned,accepted,en_route,on_site,handing_over}";
}
