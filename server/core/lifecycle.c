/*
 * The one list of states and transitions (see lifecycle.h). Everything
 * that knows about the life cycle, in C, SQL, the console or the handheld,
 * gets it from lc_actions and lc_sets below.
 */
#include <stdio.h>
#include <string.h>

#include "lifecycle.h"
#include "role.h"

static const char *lc_names[LC_NSTATES] = {"new", "triaged", "assigned",
    "accepted", "en_route", "on_site", "done", "unable", "cancelled", "merged",
    "handing_over"};

#define S(x)     (1u << (x))
#define QUEUED   (S(LC_NEW) | S(LC_TRIAGED))
#define WORKING  (S(LC_ACCEPTED) | S(LC_EN_ROUTE) | S(LC_ON_SITE))
#define ACTIVE   (S(LC_ASSIGNED) | WORKING)
#define OPEN     (QUEUED | ACTIVE | S(LC_HANDING_OVER))
#define FINISHED (S(LC_DONE) | S(LC_UNABLE))
#define CLOSED   (FINISHED | S(LC_CANCELLED) | S(LC_MERGED))
#define CREW     (AUTH_CREW | AUTH_STAFF) /* staff record for crews by phone */
/* Every action takes a note and the position it was done at. */
#define ANY (LC_F_NOTE | LC_F_POSITION)

static const unsigned lc_sets[LC_NSETS] = {
    OPEN, ACTIVE, CLOSED, QUEUED, FINISHED};
static const char *lc_set_names[LC_NSETS] = {
    "open", "active", "closed", "queued", "finished"};

static const struct lc_action lc_actions[] = {
    {"triage", S(LC_NEW), LC_TRIAGED, 0, ANY, AUTH_STAFF, 0, LC_ESC_KEEP},
    {"assign", QUEUED, LC_ASSIGNED, LC_F_CREW, ANY, AUTH_STAFF, 0,
        LC_ESC_CLEAR},
    {"reassign", ACTIVE, LC_ASSIGNED, LC_F_CREW, ANY, AUTH_STAFF, 0,
        LC_ESC_KEEP},
    {"accept", S(LC_ASSIGNED), LC_ACCEPTED, 0, ANY, CREW, 0, LC_ESC_KEEP},
    /* A rejected job goes back to the queue for another crew. */
    {"reject", S(LC_ASSIGNED), LC_NEW, LC_F_REASON, ANY, CREW, 1, LC_ESC_KEEP},
    {"en_route", S(LC_ACCEPTED), LC_EN_ROUTE, 0, ANY, CREW, 0, LC_ESC_KEEP},
    {"on_site", S(LC_ACCEPTED) | S(LC_EN_ROUTE), LC_ON_SITE, 0, ANY, CREW, 0,
        LC_ESC_KEEP},
    {"done", WORKING, LC_DONE, LC_F_OUTCOME, ANY, CREW, 0, LC_ESC_KEEP},
    {"unable", WORKING, LC_UNABLE, LC_F_REASON, ANY, CREW, 0, LC_ESC_KEEP},
    {"cancel", OPEN, LC_CANCELLED, LC_F_REASON, ANY, AUTH_STAFF, 0,
        LC_ESC_KEEP},
    {"merge", QUEUED, LC_MERGED, LC_F_PARENT, ANY, AUTH_STAFF, 1, LC_ESC_KEEP},
    /*
     * A hand-over (api_handover.c) waits for the recipient's receipt: it
     * closes as handed over when the receipt link is used, and comes back
     * to the top of the queue when nobody confirms in time. Both are the
     * system's. A hand-over takes a note for the recipient, no reason.
     */
    {"handover", QUEUED | ACTIVE, LC_HANDING_OVER, LC_F_RECIPIENT, LC_F_NOTE,
        AUTH_STAFF, 1, LC_ESC_KEEP},
    {"handover_received", S(LC_HANDING_OVER), LC_DONE, LC_F_OUTCOME, 0, 0, 0,
        LC_ESC_KEEP},
    {"handover_returned", S(LC_HANDING_OVER), LC_NEW, LC_F_REASON, 0, 0, 1,
        LC_ESC_SET},
    /* Not accepted in time: back to the top of the queue. */
    {"escalate", S(LC_ASSIGNED), LC_NEW, LC_F_REASON, 0, 0, 1, LC_ESC_SET},
};
#define LC_NACTIONS (sizeof lc_actions / sizeof lc_actions[0])

static const char *lc_fields[LC_NFIELDS] = {"crew_id", "reason", "outcome",
    "parent_id", "recipient_id", "note", "position"};

const char *
lifecycle_state_name(enum lc_state s)
{
	return s < LC_NSTATES ? lc_names[s] : "unknown";
}

int
lifecycle_state_parse(const char *name, enum lc_state *out)
{
	int i;

	for (i = 0; name != NULL && i < LC_NSTATES; i++) {
		if (strcmp(lc_names[i], name) == 0) {
			*out = (enum lc_state)i;
			return 0;
		}
	}
	return -1;
}

int
lifecycle_in_set(enum lc_set set, enum lc_state s)
{
	return set < LC_NSETS && s < LC_NSTATES && (lc_sets[set] & S(s)) != 0;
}

const char *
lifecycle_set_name(enum lc_set set)
{
	return set < LC_NSETS ? lc_set_names[set] : "unknown";
}

int
lifecycle_is_open(enum lc_state s)
{
	return lifecycle_in_set(LC_SET_OPEN, s);
}

const char *
lifecycle_set_sql(enum lc_set set)
{
	/* Built once from the masks (not a second hand-written list). */
	static char sql[LC_NSETS][160];
	size_t used;
	int i;

	if (set >= LC_NSETS)
		return "{}";
	if (sql[set][0] == '\0') {
		used = 1;
		sql[set][0] = '{';
		for (i = 0; i < LC_NSTATES; i++) {
			if (lc_sets[set] & S(i))
				used += (size_t)snprintf(sql[set] + used,
				    sizeof sql[set] - used, "%s%s",
				    used > 1 ? "," : "", lc_names[i]);
		}
		snprintf(sql[set] + used, sizeof sql[set] - used, "}");
	}
	return sql[set];
}

const struct lc_action *
lifecycle_action_find(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < LC_NACTIONS; i++) {
		if (strcmp(lc_actions[i].name, name) == 0)
			return &lc_actions[i];
	}
	return NULL;
}

int
lifecycle_path(enum lc_state from, enum lc_state to, int role,
    const struct lc_action **steps, size_t max)
{
	const struct lc_action *via[LC_NSTATES] = {0};
	enum lc_state queue[LC_NSTATES], back[LC_NSTATES], s;
	unsigned seen = S(from);
	size_t head = 0, tail = 0, i, n;

	if (from >= LC_NSTATES || to >= LC_NSTATES)
		return -1;
	queue[tail++] = from;
	/* Breadth first: the fewest steps, the table's order between equals. */
	while (head < tail && (seen & S(to)) == 0) {
		s = queue[head++];
		for (i = 0; i < LC_NACTIONS; i++) {
			const struct lc_action *a = &lc_actions[i];

			if ((a->from & S(s)) == 0 || (a->roles & role) == 0 ||
			    (seen & S(a->to)) != 0)
				continue;
			seen |= S(a->to);
			via[a->to] = a;
			back[a->to] = s;
			queue[tail++] = a->to;
		}
	}
	if ((seen & S(to)) == 0)
		return -1;
	for (n = 0, s = to; s != from; s = back[s])
		n++;
	if (n > max)
		return -1;
	for (i = n, s = to; s != from; s = back[s])
		steps[--i] = via[s];
	return (int)n;
}

const char *
lifecycle_field_name(unsigned field)
{
	int i;

	for (i = 0; i < LC_NFIELDS; i++) {
		if (field == 1u << i)
			return lc_fields[i];
	}
	return NULL;
}

static void
lc_states_list(unsigned mask, char *buf, size_t len)
{
	size_t used = 0;
	int i, n;

	buf[0] = '\0';
	for (i = 0; i < LC_NSTATES; i++) {
		if ((mask & S(i)) == 0)
			continue;
		n = snprintf(buf + used, len - used, "%s%s",
		    used > 0 ? ", " : "", lc_names[i]);
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
	}
}

static int
lc_verdict_set(struct lc_verdict *v, enum lc_verdict_kind kind,
    const char *code, const char *field, int status)
{
	v->kind = kind;
	v->code = code;
	v->field = field;
	v->http_status = status;
	return kind == LC_OK ? 0 : -1;
}

static unsigned
lc_lowest_bit(unsigned mask)
{
	return mask & (~mask + 1);
}

int
lifecycle_check(const char *name, enum lc_state from, int role, unsigned fields,
    struct lc_verdict *v)
{
	const struct lc_action *a = lifecycle_action_find(name);
	char allowed[160];
	unsigned bad;

	memset(v, 0, sizeof *v);
	v->to = LC_NSTATES;
	if ((v->action = a) == NULL) {
		snprintf(v->message, sizeof v->message, "no such action: %s",
		    name != NULL ? name : "");
		return lc_verdict_set(
		    v, LC_UNKNOWN_ACTION, "unknown_action", NULL, 404);
	}
	if (role != 0 ? (a->roles & role) == 0 : a->roles != 0) {
		snprintf(v->message, sizeof v->message,
		    a->roles == 0 ? "%s is done by the system alone"
		                  : "your role may not %s a request",
		    a->name);
		return lc_verdict_set(v, LC_FORBIDDEN, "forbidden", NULL, 403);
	}
	if ((bad = fields & ~(a->needs | a->takes)) != 0) {
		v->field = lifecycle_field_name(lc_lowest_bit(bad));
		snprintf(v->message, sizeof v->message, "%s does not take %s",
		    a->name, v->field);
		return lc_verdict_set(
		    v, LC_FIELD_REFUSED, "unknown_field", v->field, 400);
	}
	if ((bad = a->needs & ~fields) != 0) {
		v->field = lifecycle_field_name(lc_lowest_bit(bad));
		snprintf(v->message, sizeof v->message, "%s needs %s", a->name,
		    v->field);
		return lc_verdict_set(
		    v, LC_FIELD_MISSING, "missing_field", v->field, 422);
	}
	if (from == LC_ANY_STATE)
		return lc_verdict_set(v, LC_OK, NULL, NULL, 200);
	if (from > LC_NSTATES || (a->from & S(from)) == 0) {
		lc_states_list(a->from, allowed, sizeof allowed);
		snprintf(v->message, sizeof v->message,
		    "cannot %s a request that is %s (allowed when: %s)",
		    a->name, lifecycle_state_name(from), allowed);
		return lc_verdict_set(
		    v, LC_WRONG_STATE, "invalid_transition", NULL, 409);
	}
	v->to = a->to;
	return lc_verdict_set(v, LC_OK, NULL, NULL, 200);
}

static json_t *
lc_states_json(unsigned mask)
{
	json_t *a = json_array();
	int i;

	for (i = 0; i < LC_NSTATES; i++) {
		if (mask & S(i))
			json_array_append_new(a, json_string(lc_names[i]));
	}
	return a;
}

static json_t *
lc_fields_json(unsigned mask)
{
	json_t *a = json_array();
	int i;

	for (i = 0; i < LC_NFIELDS; i++) {
		if (mask & (1u << i))
			json_array_append_new(a, json_string(lc_fields[i]));
	}
	return a;
}

json_t *
lifecycle_json(const char *(*name_of)(enum auth_role))
{
	static const char *esc[] = {NULL, "set", "clear"};
	json_t *j = json_object(), *states = json_array(),
	       *sets = json_object(), *actions = json_object(), *roles, *st;
	const struct lc_action *a;
	size_t i;
	int s, r;

	for (s = 0; s < LC_NSTATES; s++) {
		st = json_pack("{s:s}", "name", lc_names[s]);
		for (r = 0; r < LC_NSETS; r++)
			json_object_set_new(st, lc_set_names[r],
			    json_boolean(lc_sets[r] & S(s)));
		json_array_append_new(states, st);
	}
	for (r = 0; r < LC_NSETS; r++)
		json_object_set_new(
		    sets, lc_set_names[r], lc_states_json(lc_sets[r]));
	for (i = 0; i < LC_NACTIONS; i++) {
		a = &lc_actions[i];
		roles = json_array();
		for (r = 0; r < 16; r++) {
			if (a->roles & (1 << r))
				json_array_append_new(roles,
				    json_string(
				        name_of((enum auth_role)(1 << r))));
		}
		json_object_set_new(actions, a->name,
		    json_pack("{s:o,s:s,s:o,s:o,s:o,s:b,s:s?}", "from",
		        lc_states_json(a->from), "to", lc_names[a->to], "roles",
		        roles, "needs", lc_fields_json(a->needs), "takes",
		        lc_fields_json(a->takes), "clears_crew", a->clears_crew,
		        "escalated", esc[a->escalated]));
	}
	json_object_set_new(j, "states", states);
	json_object_set_new(j, "sets", sets);
	json_object_set_new(j, "actions", actions);
	return j;
}
