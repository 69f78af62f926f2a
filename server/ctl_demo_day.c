#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "ctl_demo_day.h"
#include "db.h"
#include "lifecycle.h"
#include "store_reference.h"
#include "store_requests.h"
#include "store_wait.h"

static void
ctl_demo_day_time(
    json_t *min, time_t now, char *out, size_t len, const char **p)
{
	time_t t;
	struct tm tm;

	*p = NULL;
	if (!json_is_number(min))
		return;
	t = now + (time_t)(json_number_value(min) * 60);
	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	*p = out;
}

void
ctl_demo_day_window(json_t *r, char *from, char *to, size_t len,
    const char **pfrom, const char **pto)
{
	json_t *w = json_object_get(r, "window_min");
	time_t now = time(NULL);

	ctl_demo_day_time(json_array_get(w, 0), now, from, len, pfrom);
	ctl_demo_day_time(json_array_get(w, 1), now, to, len, pto);
}

/* The id of the crew with this code, or 0 after printing why. */
static long long
ctl_demo_day_crew(struct ctl *c, const char *code)
{
	struct db_wait w = {0};
	json_t *all, *v;
	char *cause;
	long long id = 0;
	size_t i;

	store_crews_list(ctl_db(c), db_wait_cb, &w);
	if (store_wait_json(ctl_db(c), &w, &all, &cause) != 0) {
		ctl_fail("demo load", cause);
		return 0;
	}
	json_array_foreach(all, i, v)
	{
		if (strcmp(json_string_value(json_object_get(v, "code")),
		        code) == 0)
			id = json_integer_value(json_object_get(v, "id"));
	}
	json_decref(all);
	if (id == 0)
		fprintf(stderr, "patrolctl: demo load: no crew %s\n", code);
	return id;
}

/* One action of the life cycle; *version follows. 0, or 1 after printing. */
static int
ctl_demo_day_step(struct ctl *c, long long id, int *version,
    const struct lc_action *a, long long crew)
{
	struct store_transition t = {0};
	struct db_wait w = {0};
	json_t *j;
	char *cause;

	/* request_transition() decides the state from the action. */
	t.id = id;
	t.version = *version;
	t.action = a->name;
	t.actor = "demo";
	t.crew_id = (a->needs & LC_F_CREW) != 0 ? crew : 0;
	t.event_crew_id = crew;
	store_request_transition(ctl_db(c), &t, db_wait_cb, &w);
	/* No row: request_transition() refused the step. */
	if (store_wait_json(ctl_db(c), &w, &j, &cause) != 0)
		return ctl_fail("demo load", cause);
	if (j == NULL) {
		fprintf(stderr,
		    "patrolctl: demo load: request %lld: %s refused\n", id,
		    a->name);
		return 1;
	}
	*version = (int)json_integer_value(json_object_get(j, "version"));
	json_decref(j);
	return 0;
}

int
ctl_demo_day_request(struct ctl *c, json_t *r, json_t *created)
{
	const struct lc_action *steps[LC_NSTATES];
	const char *code = json_string_value(json_object_get(r, "crew"));
	const char *state = json_string_value(json_object_get(r, "state"));
	enum lc_state to;
	long long crew, id;
	int version, i, n = -1;

	if (code == NULL)
		return 0;
	if (state == NULL)
		state = "accepted";
	/* A state a crew holds, reached as the dispatcher and the crew would.
	 */
	if (lifecycle_state_parse(state, &to) == 0 &&
	    lifecycle_in_set(LC_SET_ACTIVE, to))
		n = lifecycle_path(
		    LC_NEW, to, AUTH_DISPATCHER | AUTH_CREW, steps, LC_NSTATES);
	if (n < 0) {
		fprintf(stderr,
		    "patrolctl: demo load: state %s: not one a crew holds "
		    "(%s)\n",
		    state, lifecycle_set_sql(LC_SET_ACTIVE));
		return 1;
	}
	if ((crew = ctl_demo_day_crew(c, code)) == 0)
		return 1;
	id = json_integer_value(json_object_get(created, "id"));
	version = (int)json_integer_value(json_object_get(created, "version"));
	for (i = 0; i < n; i++) {
		if (ctl_demo_day_step(c, id, &version, steps[i], crew) != 0)
			return 1;
	}
	return 0;
}
