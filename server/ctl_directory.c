#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl.h"
#include "ctl_directory.h"
#include "store_handover.h"
#include "store_wait.h"
#include "xmalloc.h"

static const char *
ctl_directory_s(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static void
ctl_directory_print(json_t *v)
{
	printf("%lld\t%s\t%s\t%s\t%s\t%s%s%s\n",
	    json_integer_value(json_object_get(v, "id")),
	    ctl_directory_s(v, "name"), ctl_directory_s(v, "email"),
	    ctl_directory_s(v, "phone"), ctl_directory_s(v, "hours"),
	    ctl_directory_s(v, "handles"),
	    json_is_true(json_object_get(v, "demo")) ? "\t(demo)" : "",
	    json_is_false(json_object_get(v, "active")) ? "\t(removed)" : "");
}

int
ctl_directory_add(struct ctl *c, int argc, char **argv)
{
	struct args_opt opts[] = {{.name = "email"}, {.name = "handles"},
	    {.name = "phone"}, {.name = "hours"}, {.name = "demo", .flag = 1},
	    {.name = NULL}};
	struct store_directory_entry e = {0};
	struct db_wait w = {0};
	const char *pos[1];
	char *cause;
	json_t *j;

	if (ctl_args("directory add", argc, argv, opts, pos, 1) != 1 ||
	    opts[0].value == NULL) {
		return ctl_usage(c, "directory add");
	}
	e.name = pos[0];
	e.email = opts[0].value;
	e.handles = opts[1].value;
	e.phone = opts[2].value;
	e.hours = opts[3].value;
	e.demo = opts[4].value != NULL;
	store_directory_add(ctl_db(c), &e, db_wait_cb, &w);
	if (store_wait_json(ctl_db(c), &w, &j, &cause) != 0) {
		if (strstr(cause, "23505") != NULL) {
			free(cause);
			cause = xasprintf(
			    "an entry named '%s' exists already", e.name);
		} else if (strstr(cause, "23514") != NULL) {
			free(cause);
			cause = xstrdup("check the values: --email must be one "
			                "plain address, the name 1..200 "
			                "characters, the phone up to 40");
		}
		return ctl_fail("directory add", cause);
	}
	ctl_directory_print(j);
	json_decref(j);
	return 0;
}

int
ctl_directory_list(struct ctl *c, int argc, char **argv)
{
	struct db_wait w = {0};
	char *cause;
	json_t *all, *v;
	size_t i;
	struct args_opt opts[] = {
	    {.name = "removed", .flag = 1}, {.name = NULL}};

	if (ctl_args("directory list", argc, argv, opts, NULL, 0) != 0) {
		return ctl_usage(c, "directory list");
	}
	store_directory_list(ctl_db(c), opts[0].value != NULL, db_wait_cb, &w);
	if (store_wait_json(ctl_db(c), &w, &all, &cause) != 0)
		return ctl_fail("directory list", cause);
	printf("id\tname\temail\tphone\thours\thandles\n");
	json_array_foreach(all, i, v) ctl_directory_print(v);
	json_decref(all);
	return 0;
}

int
ctl_directory_remove(struct ctl *c, int argc, char **argv)
{
	struct db_wait w = {0};
	const char *pos[1];
	char *end;
	long long id;

	if (ctl_args("directory remove", argc, argv, NULL, pos, 1) != 1 ||
	    (id = strtoll(pos[0], &end, 10)) <= 0 || *end != '\0') {
		return ctl_usage(c, "directory remove");
	}
	store_directory_remove(ctl_db(c), id, db_wait_cb, &w);
	if (ctl_wait_one(
	        c, &w, "directory remove", "no directory entry %lld", id) != 0)
		return 1;
	printf("removed %lld (kept for the history of hand-overs)\n", id);
	return 0;
}
