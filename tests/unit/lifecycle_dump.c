/*
 * Prints lifecycle.c's table and lifecycle_check()'s verdict for every
 * action x state x role (0 = the system), each with the fields the action
 * needs: {"table": lifecycle_json(), "verdicts": [{"action", "state",
 * "role", "kind", "to", "code", "field", "status", "message"}]}.
 * tests/integration/test_lifecycle.py walks the same matrix through the
 * JSON API, the agent's sync and request_transition() and expects these
 * verdicts; test_openapi.py checks the document against the table.
 */
#include <stdio.h>

#include <jansson.h>

#include "auth.h"
#include "lifecycle.h"

static const char *kinds[] = {"ok", "unknown_action", "forbidden",
    "field_refused", "field_missing", "wrong_state"};

int
main(void)
{
	static const enum auth_role roles[] = {AUTH_VIEWER, AUTH_CREW,
	    AUTH_DISPATCHER, AUTH_SUPERVISOR, AUTH_ADMIN};
	json_t *table = lifecycle_json(role_name), *out = json_object();
	json_t *verdicts = json_array(), *actions;
	const struct lc_action *a;
	struct lc_verdict v;
	const char *name;
	json_t *x;
	size_t r;
	int s;

	actions = json_object_get(table, "actions");
	json_object_foreach(actions, name, x)
	{
		a = lifecycle_action_find(name);
		for (s = 0; s < LC_NSTATES; s++) {
			for (r = 0; r <= sizeof roles / sizeof roles[0]; r++) {
				int role = r == 0 ? 0 : (int)roles[r - 1];

				/* Its answer and its verdict say the same. */
				if ((lifecycle_check(name, (enum lc_state)s,
				         role, a->needs, &v) == 0) !=
				    (v.kind == LC_OK))
					return 1;
				json_array_append_new(verdicts,
				    json_pack("{s:s,s:s,s:s,s:s,s:s?,s:s?,s:s?,"
				              "s:i,s:s}",
				        "action", name, "state",
				        lifecycle_state_name((enum lc_state)s),
				        "role",
				        role == 0
				            ? "system"
				            : role_name((enum auth_role)role),
				        "kind", kinds[v.kind], "to",
				        v.kind == LC_OK
				            ? lifecycle_state_name(v.to)
				            : NULL,
				        "code", v.code, "field", v.field,
				        "status", v.http_status, "message",
				        v.message));
			}
		}
	}
	json_object_set_new(out, "table", table);
	json_object_set_new(out, "verdicts", verdicts);
	if (json_dumpf(out, stdout, JSON_COMPACT | JSON_SORT_KEYS) != 0)
		return 1;
	json_decref(out);
	return 0;
}
