/*
 * A step's rule for the crew, from the server's life cycle (lifecycle.c's
 * table, kept from the last sync's settings): advice before the server
 * decides for good. The handheld has no list of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jobs_int.h"

static int
jobs_word_in(const char *word, const char *list)
{
	size_t len = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word)) != NULL) {
		if ((p == list || p[-1] == ' ') &&
		    (p[len] == ' ' || p[len] == '\0'))
			return 1;
		p += len;
	}
	return 0;
}

static int
jobs_json_has(const json_t *list, const char *word)
{
	const json_t *v;
	size_t i;

	json_array_foreach(list, i, v)
	{
		if (json_is_string(v) &&
		    strcmp(json_string_value(v), word) == 0)
			return 1;
	}
	return 0;
}

int
jobs_rule_get(
    struct agent *a, const char *action, struct jobs_rule *r, char **cause)
{
	char *text = outbox_get(a, "lifecycle");
	json_t *lc, *act, *v, *closed;
	const char *to;
	size_t i, used = 0;
	int clears;

	memset(r, 0, sizeof *r);
	lc = text != NULL ? json_loads(text, 0, NULL) : NULL;
	free(text);
	if (lc == NULL) {
		*cause = xstrdup("the life cycle is not known yet; run "
		                 "'patrol-agent sync'");
		return -1;
	}
	act = json_object_get(json_object_get(lc, "actions"), action);
	to = json_string_value(json_object_get(act, "to"));
	if (to == NULL ||
	    !jobs_json_has(json_object_get(act, "roles"), "crew")) {
		*cause = xasprintf("no step called %s", action);
		json_decref(lc);
		return -1;
	}
	json_array_foreach(json_object_get(act, "from"), i, v)
	{
		if (json_is_string(v) &&
		    used + strlen(json_string_value(v)) + 2 < sizeof r->from)
			used += (size_t)snprintf(r->from + used,
			    sizeof r->from - used, "%s%s", used > 0 ? " " : "",
			    json_string_value(v));
	}
	clears = json_is_true(json_object_get(act, "clears_crew"));
	closed = json_object_get(json_object_get(lc, "sets"), "closed");
	/* Given back (reject): gone from this crew, whatever comes next. */
	snprintf(
	    r->to, sizeof r->to, "%s", clears ? AGENT_STATE_GIVEN_BACK : to);
	r->closes = clears || jobs_json_has(closed, to);
	r->needs_reason =
	    jobs_json_has(json_object_get(act, "needs"), "reason");
	json_decref(lc);
	return 0;
}

/* What jobs_get asks for, filled by jobs_get_cb. */
struct jobs_got {
	char *state;
	size_t len;
	char **outcomes;
};

static int
jobs_get_cb(const struct store_job_row *r, void *arg)
{
	struct jobs_got *g = arg;

	snprintf(g->state, g->len, "%s", r->state);
	if (g->outcomes != NULL)
		*g->outcomes = xstrdup(r->outcomes);
	return 0;
}

/* The job's local state and outcome codes ("code\tname\n" lines). */
static int
jobs_get(
    struct agent *a, long long id, char *state, size_t len, char **outcomes)
{
	struct jobs_got g = {state, len, outcomes};

	return store_jobs_get(a, id, jobs_get_cb, &g);
}

/* The step's rule, after checking the job allows it here. */
int
jobs_step_check(struct agent *a, const char *action, long long id,
    struct jobs_rule *rule, char **outcomes, char **cause)
{
	char state[32];
	int found;

	if (jobs_rule_get(a, action, rule, cause) != 0)
		return -1;
	found = jobs_get(a, id, state, sizeof state, outcomes);
	if (found <= 0) {
		*cause = xasprintf("no job %lld on this device; run "
		                   "'patrol-agent sync'",
		    id);
		return -1;
	}
	if (!jobs_word_in(state, rule->from)) {
		*cause = xasprintf("job %lld is %s (possible when: %s)", id,
		    state, rule->from);
		if (outcomes != NULL) {
			free(*outcomes);
			*outcomes = NULL;
		}
		return -1;
	}
	return 0;
}
