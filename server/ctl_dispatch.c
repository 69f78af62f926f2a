/*
 * patrolctl's dispatch commands: offices and crews, and "demo load", which
 * fills an empty database with data/demo.json through the same store
 * functions and intake rules that patrold uses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "auth.h"
#include "config.h"
#include "ctl.h"
#include "ctl_demo_day.h"
#include "ctl_demo_patrols.h"
#include "ctl_addresses.h"
#include "ctl_dispatch.h"
#include "ctl_history.h"
#include "ctl_plan.h"
#include "ctl_wards.h"
#include "db.h"
#include "geo.h"
#include "intake.h"
#include "store_demo.h"
#include "store_handover.h"
#include "store_reference.h"
#include "store_requests.h"
#include "store_users.h"
#include "store_wait.h"
#include "store_wards.h"
#include "wards.h"
#include "xmalloc.h"

/* "a,b" -> "{a,b}"; only plain words, so the literal needs no quoting. */
static char *
ctl_dispatch_array(const char *command, const char *what, const char *list)
{
	const char *p;

	if (list == NULL)
		return xstrdup("{}");
	for (p = list; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		        *p == '_' || *p == ','))
			break;
	}
	if (*p != '\0') {
		fprintf(stderr,
		    "patrolctl: %s: %s must be a comma-separated list of "
		    "a-z, 0-9, _ words\n",
		    command, what);
		return NULL;
	}
	return xasprintf("{%s}", list);
}

static int
ctl_dispatch_point(const char *command, const char *lat, const char *lon,
    double *la, double *lo)
{
	char *cause;

	if (geo_parse_lonlat(lon, lat, lo, la, &cause) != 0)
		return ctl_fail(command, cause);
	return 0;
}

static int
ctl_dispatch_put(
    struct ctl *c, const char *command, int office, const void *row)
{
	struct db_wait w = {0};
	const char *actor =
	    strcmp(command, "demo load") == 0 ? "demo" : ctl_actor();

	if (office)
		store_office_put(ctl_db(c), row, actor, db_wait_cb, &w);
	else
		store_crew_put(ctl_db(c), row, actor, db_wait_cb, &w);
	return ctl_wait_one(c, &w, command, "no such office");
}

int
ctl_dispatch_office_add(struct ctl *c, int argc, char **argv)
{
	struct args_opt opts[] = {{.name = "name-ja"}, {.name = "name-en"},
	    {.name = "wards"}, {.name = "skills"}, {.name = "lat"},
	    {.name = "lon"}, {.name = NULL}};
	const char *pos[1];
	struct store_office o = {0};
	char *wards = NULL, *skills = NULL, *cause;
	int rc = 1;

	if (ctl_args("office add", argc, argv, opts, pos, 1) != 1 ||
	    opts[0].value == NULL || opts[1].value == NULL ||
	    opts[4].value == NULL || opts[5].value == NULL) {
		return ctl_usage(c, "office add");
	}
	if (ctl_geo_init(c, &cause) != 0)
		return ctl_fail("office add", cause);
	if ((wards = ctl_dispatch_array(
	         "office add", "--wards", opts[2].value)) == NULL ||
	    (skills = ctl_dispatch_array(
	         "office add", "--skills", opts[3].value)) == NULL ||
	    ctl_dispatch_point("office add", opts[4].value, opts[5].value,
	        &o.lat, &o.lon) != 0)
		goto out;
	o.code = pos[0];
	o.name_ja = opts[0].value;
	o.name_en = opts[1].value;
	o.wards = wards;
	o.skills = skills;
	if ((rc = ctl_dispatch_put(c, "office add", 1, &o)) == 0)
		printf("office %s saved\n", o.code);
out:
	free(wards);
	free(skills);
	geo_fini();
	return rc;
}

/* "08:30-17:15" into two times; both are checked again by PostgreSQL. */
static int
ctl_dispatch_shift(const char *shift, char start[6], char end[6])
{
	if (shift == NULL) {
		strcpy(start, "08:30");
		strcpy(end, "17:15");
		return 0;
	}
	if (strlen(shift) != 11 || shift[5] != '-' || shift[2] != ':' ||
	    shift[8] != ':' || strspn(shift, "0123456789:-") != 11)
		return -1;
	memcpy(start, shift, 5);
	start[5] = '\0';
	memcpy(end, shift + 6, 5);
	end[5] = '\0';
	return 0;
}

static int
ctl_dispatch_crew(struct ctl *c, const char *command, const char *code,
    const char *name, const char *office, const char *skills_list,
    const char *members_list, const char *shift, const char *lat,
    const char *lon)
{
	struct store_crew cr = {0};
	char *skills = NULL, *members = NULL, start[6], end[6];
	int rc = 1;

	if ((skills = ctl_dispatch_array(command, "--skills", skills_list)) ==
	    NULL)
		goto out;
	/* Members are names, in any script: pass them as an array literal. */
	if (members_list != NULL) {
		json_t *a = json_array();
		char *copy = xstrdup(members_list), *tok, *save, *s;

		for (tok = strtok_r(copy, ",", &save); tok != NULL;
		     tok = strtok_r(NULL, ",", &save))
			json_array_append_new(a, json_string(tok));
		s = json_dumps(a, JSON_COMPACT);
		/* JSON ["a","b"] and SQL {"a","b"} differ only in brackets. */
		s[0] = '{';
		s[strlen(s) - 1] = '}';
		members = s;
		free(copy);
		json_decref(a);
	}
	if (ctl_dispatch_shift(shift, start, end) != 0) {
		fprintf(stderr, "patrolctl: %s: --shift must be HH:MM-HH:MM\n",
		    command);
		goto out;
	}
	if (lat != NULL || lon != NULL) {
		if (ctl_dispatch_point(command, lat, lon, &cr.lat, &cr.lon) !=
		    0)
			goto out;
		cr.has_position = 1;
	}
	cr.code = code;
	cr.name = name;
	cr.office_code = office;
	cr.skills = skills;
	cr.members = members != NULL ? members : "{}";
	cr.shift_start = start;
	cr.shift_end = end;
	rc = ctl_dispatch_put(c, command, 0, &cr);
out:
	free(skills);
	free(members);
	return rc;
}

int
ctl_dispatch_crew_add(struct ctl *c, int argc, char **argv)
{
	struct args_opt opts[] = {{.name = "office"}, {.name = "name"},
	    {.name = "skills"}, {.name = "members"}, {.name = "shift"},
	    {.name = "lat"}, {.name = "lon"}, {.name = NULL}};
	const char *pos[1];
	char *cause;
	int rc;

	if (ctl_args("crew add", argc, argv, opts, pos, 1) != 1 ||
	    opts[0].value == NULL || opts[1].value == NULL ||
	    opts[2].value == NULL) {
		return ctl_usage(c, "crew add");
	}
	if (ctl_geo_init(c, &cause) != 0)
		return ctl_fail("crew add", cause);
	rc = ctl_dispatch_crew(c, "crew add", pos[0], opts[1].value,
	    opts[0].value, opts[2].value, opts[3].value, opts[4].value,
	    opts[5].value, opts[6].value);
	if (rc == 0)
		printf("crew %s saved\n", pos[0]);
	geo_fini();
	return rc;
}

/* Joins a JSON array of words as "a,b" for the argument-style helpers. */
static char *
ctl_dispatch_join(json_t *a)
{
	char *s = xstrdup(""), *t;
	json_t *v;
	size_t i;

	json_array_foreach(a, i, v)
	{
		t = xasprintf(
		    "%s%s%s", s, i > 0 ? "," : "", json_string_value(v));
		free(s);
		s = t;
	}
	return s;
}

static int
ctl_demo_request(struct ctl *c, struct ward_set *wards, json_t *r)
{
	struct store_new_request n = {0};
	struct db_wait w = {0};
	const struct ward *wd;
	json_t *cat, *caller = json_object_get(r, "caller");
	char *cause, *field, *answers, wfrom[32], wto[32];
	json_t *created;
	int rc;

	n.category = json_string_value(json_object_get(r, "category"));
	store_category_get(ctl_db(c), n.category, db_wait_cb, &w);
	if (store_wait_json(ctl_db(c), &w, &cat, &cause) != 0)
		return ctl_fail("demo load", cause);
	if (cat == NULL) {
		fprintf(stderr, "patrolctl: demo load: no category %s\n",
		    n.category);
		return 1;
	}
	if (intake_check_answers(cat, json_object_get(r, "answers"),
	        &n.priority, &field, &cause) != 0) {
		fprintf(stderr, "patrolctl: demo load: %s: %s\n", field, cause);
		free(field);
		free(cause);
		json_decref(cat);
		return 1;
	}
	json_decref(cat);
	n.lat = json_number_value(json_object_get(r, "lat"));
	n.lon = json_number_value(json_object_get(r, "lon"));
	if (geo_to_plane(n.lon, n.lat, &n.easting, &n.northing, &cause) != 0)
		return ctl_fail("demo load", cause);
	wd = wards != NULL ? wards_find(wards, n.lon, n.lat) : NULL;
	n.ward_code = wd != NULL ? wd->code : NULL;
	n.channel = json_string_value(json_object_get(r, "channel"));
	n.address = json_string_value(json_object_get(r, "address"));
	n.description = json_string_value(json_object_get(r, "description"));
	answers = json_object_get(r, "answers") != NULL
	    ? json_dumps(json_object_get(r, "answers"), JSON_COMPACT)
	    : xstrdup("{}");
	n.answers_json = answers;
	n.actor = "demo";
	n.caller_name = json_string_value(json_object_get(caller, "name"));
	n.caller_phone = json_string_value(json_object_get(caller, "phone"));
	n.dup_radius_m = c->cfg->dup_radius_m;
	n.dup_window_h = c->cfg->dup_window_h;
	/* A petition's survey deadline, as the server gives one. */
	n.survey_hours = c->cfg->petition_survey_hours;
	ctl_demo_day_window(
	    r, wfrom, wto, sizeof wfrom, &n.window_from, &n.window_to);
	memset(&w, 0, sizeof w);
	store_request_create(ctl_db(c), &n, db_wait_cb, &w);
	free(answers);
	if (store_wait_json(ctl_db(c), &w, &created, &cause) != 0)
		return ctl_fail("demo load", cause);
	/* Some demo requests are already in a crew's day. */
	rc = ctl_demo_day_request(c, r, created);
	json_decref(created);
	return rc;
}

/* Hand-over recipients (issue 16), each marked as demo. */
static int
ctl_demo_directory(struct ctl *c, json_t *entries)
{
	struct store_directory_entry e = {0};
	struct db_wait w;
	char *cause;
	json_t *v;
	size_t i;

	json_array_foreach(entries, i, v)
	{
		memset(&w, 0, sizeof w);
		e.name = json_string_value(json_object_get(v, "name"));
		e.handles = json_string_value(json_object_get(v, "handles"));
		e.phone = json_string_value(json_object_get(v, "phone"));
		e.email = json_string_value(json_object_get(v, "email"));
		e.hours = json_string_value(json_object_get(v, "hours"));
		e.demo = 1;
		store_directory_add(ctl_db(c), &e, db_wait_cb, &w);
		if (db_wait(ctl_db(c), &w, NULL, &cause) != 0)
			return ctl_fail("demo load", cause);
	}
	return 0;
}

static int
ctl_demo_users(struct ctl *c, json_t *users)
{
	char hash[256], token[80], token_hash[65], *cause;
	struct store_user_new n = {0};
	const char *name, *pw;
	long long id;
	json_t *u;
	size_t i;

	json_array_foreach(users, i, u)
	{
		name = json_string_value(json_object_get(u, "name"));
		pw = json_string_value(json_object_get(u, "password"));
		if (auth_password_hash(pw, hash, sizeof hash) != 0) {
			fprintf(stderr, "patrolctl: demo load: cannot hash\n");
			return 1;
		}
		n.name = name;
		n.display_name =
		    json_string_value(json_object_get(u, "display_name"));
		n.role =
		    role_parse(json_string_value(json_object_get(u, "role")));
		n.password_hash = hash;
		n.crew_code = json_string_value(json_object_get(u, "crew"));
		n.actor = "demo";
		if (store_users_add(ctl_db(c), &n, &id, &cause) != 0)
			return ctl_fail("demo load", cause);
		auth_token_new(token, sizeof token, token_hash);
		if (store_users_token_add(ctl_db(c), name, token_hash, "demo",
		        "demo", &cause) != 0)
			return ctl_fail("demo load", cause);
		printf("demo user %-10s password %s  API token %s\n", name, pw,
		    token);
	}
	return 0;
}

/* data/demo.json, or NULL after saying why on stderr. */
static json_t *
ctl_demo_read(struct ctl *c)
{
	json_t *demo;
	char *path;

	path = xasprintf("%s/demo.json", c->cfg->data_dir);
	demo = ctl_json_load("demo load", path);
	free(path);
	return demo;
}

/* The wards, and the town tables so that address search works at once. */
static int
ctl_demo_places(struct ctl *c, json_t *demo)
{
	json_t *wf = json_object_get(demo, "wards"), *v;
	char *path;
	size_t i;
	int rc;

	path = xasprintf("%s/%s", c->cfg->data_dir,
	    json_string_value(json_object_get(wf, "file")));
	rc = ctl_wards_load(c, path,
	    json_string_value(json_object_get(wf, "name_field")),
	    json_string_value(json_object_get(wf, "code_field")));
	free(path);
	if (rc != 0)
		return rc;
	json_array_foreach(json_object_get(demo, "addresses"), i, v)
	{
		path =
		    xasprintf("%s/%s", c->cfg->data_dir, json_string_value(v));
		rc = ctl_addresses_import_file(c, path);
		free(path);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
ctl_demo_offices(struct ctl *c, json_t *offices)
{
	char *list1, *list2;
	json_t *v;
	size_t i;

	json_array_foreach(offices, i, v)
	{
		struct store_office o = {0};
		char *wj = ctl_dispatch_join(json_object_get(v, "wards"));
		char *sj = ctl_dispatch_join(json_object_get(v, "skills"));
		int failed;

		list1 = ctl_dispatch_array("demo load", "wards", wj);
		list2 = ctl_dispatch_array("demo load", "skills", sj);
		free(wj);
		free(sj);
		o.code = json_string_value(json_object_get(v, "code"));
		o.name_ja = json_string_value(json_object_get(v, "name_ja"));
		o.name_en = json_string_value(json_object_get(v, "name_en"));
		o.lat = json_number_value(json_object_get(v, "lat"));
		o.lon = json_number_value(json_object_get(v, "lon"));
		o.wards = list1;
		o.skills = list2;
		failed = list1 == NULL || list2 == NULL ||
		    ctl_dispatch_put(c, "demo load", 1, &o) != 0;
		free(list1);
		free(list2);
		if (failed)
			return 1;
	}
	return 0;
}

static int
ctl_demo_crews(struct ctl *c, json_t *crews)
{
	char *list1, *list2;
	json_t *v;
	size_t i;
	int rc;

	json_array_foreach(crews, i, v)
	{
		char lat[32], lon[32];
		int has = json_is_number(json_object_get(v, "lat"));

		snprintf(lat, sizeof lat, "%.7f",
		    json_number_value(json_object_get(v, "lat")));
		snprintf(lon, sizeof lon, "%.7f",
		    json_number_value(json_object_get(v, "lon")));
		list1 = ctl_dispatch_join(json_object_get(v, "skills"));
		list2 = ctl_dispatch_join(json_object_get(v, "members"));
		rc = ctl_dispatch_crew(c, "demo load",
		    json_string_value(json_object_get(v, "code")),
		    json_string_value(json_object_get(v, "name")),
		    json_string_value(json_object_get(v, "office")), list1,
		    list2, json_string_value(json_object_get(v, "shift")),
		    has ? lat : NULL, has ? lon : NULL);
		free(list1);
		free(list2);
		/* The crew's break (issue 15), planned between its jobs. */
		if (rc == 0 && json_is_string(json_object_get(v, "break")))
			rc = ctl_plan_break_set(c,
			    json_string_value(json_object_get(v, "code")),
			    json_string_value(json_object_get(v, "break")));
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
ctl_dispatch_demo_load(struct ctl *c, int argc, char **argv)
{
	json_t *demo, *v;
	struct ward_set *wards = NULL;
	char *cause;
	size_t i;
	int rc = 1, empty;

	if (ctl_args("demo load", argc, argv, NULL, NULL, 0) != 0)
		return ctl_usage(c, "demo load");
	/* Only into an empty database: demo data must never mix with real. */
	if (store_demo_empty(ctl_db(c), &empty, &cause) != 0)
		return ctl_fail("demo load", cause);
	if (!empty) {
		printf("demo load: the database already has offices or "
		       "requests; nothing loaded\n");
		return 0;
	}
	if ((demo = ctl_demo_read(c)) == NULL)
		return 1;
	if (ctl_geo_init(c, &cause) != 0) {
		json_decref(demo);
		return ctl_fail("demo load", cause);
	}
	if ((rc = ctl_demo_places(c, demo)) != 0)
		goto out;
	rc = 1;
	if (ctl_demo_offices(c, json_object_get(demo, "offices")) != 0)
		goto out;
	if ((rc = ctl_demo_crews(c, json_object_get(demo, "crews"))) != 0)
		goto out;
	rc = 1;
	if (ctl_demo_users(c, json_object_get(demo, "users")) != 0)
		goto out;
	if (store_wards_load_sync(ctl_db(c), &wards, &cause) != 0) {
		rc = ctl_fail("demo load", cause);
		goto out;
	}
	json_array_foreach(json_object_get(demo, "requests"), i, v)
	{
		if (ctl_demo_request(c, wards, v) != 0)
			goto out;
	}
	if (ctl_demo_directory(c, json_object_get(demo, "directory")) != 0)
		goto out;
	printf("demo load: %zu offices, %zu crews, %zu requests\n",
	    json_array_size(json_object_get(demo, "offices")),
	    json_array_size(json_object_get(demo, "crews")),
	    json_array_size(json_object_get(demo, "requests")));
	/* The river network and a week of demo patrols along it. */
	rc = ctl_demo_patrols_load(c, demo);
	/*
	 * Past cases for the screens that learn from history (issue 17),
	 * after the network: river defects go beside it.
	 */
	if (rc == 0 && ctl_history_load(c, wards) != 0)
		rc = 1;
out:
	wards_free(wards);
	json_decref(demo);
	geo_fini();
	return rc;
}

int
ctl_dispatch_category_list(struct ctl *c, int argc, char **argv)
{
	struct db_wait w = {0};
	json_t *all, *v;
	char *cause, *skills;
	size_t i;

	if (ctl_args("category list", argc, argv, NULL, NULL, 0) != 0)
		return ctl_usage(c, "category list");
	store_categories_list(ctl_db(c), db_wait_cb, &w);
	if (store_wait_json(ctl_db(c), &w, &all, &cause) != 0)
		return ctl_fail("category list", cause);
	printf("code\tpriority\tskills\taccept_min\tresolve_min\tname_ja\t"
	       "name_en\n");
	json_array_foreach(all, i, v)
	{
		skills = ctl_dispatch_join(json_object_get(v, "skills"));
		printf("%s\t%lld\t%s\t%lld\t%lld\t%s\t%s\n",
		    json_string_value(json_object_get(v, "code")),
		    json_integer_value(json_object_get(v, "priority")), skills,
		    json_integer_value(json_object_get(v, "accept_minutes")),
		    json_integer_value(json_object_get(v, "resolve_minutes")),
		    json_string_value(json_object_get(v, "name_ja")),
		    json_string_value(json_object_get(v, "name_en")));
		free(skills);
	}
	json_decref(all);
	return 0;
}

/* A question must be answerable: a known type, and values for lists. */
static int
ctl_dispatch_check_category(json_t *cat, size_t i, char **cause)
{
	static const char *const types[] = {"string", "number", "datetime",
	    "text", "singlevaluelist", "multivaluelist", NULL};
	const char *code = json_string_value(json_object_get(cat, "code"));
	json_t *q;
	size_t k, t;

	if (!json_is_object(cat) || code == NULL ||
	    !json_is_array(json_object_get(cat, "outcomes")) ||
	    json_array_size(json_object_get(cat, "outcomes")) == 0) {
		*cause = xasprintf("category %zu: needs a code and at least "
		                   "one outcome",
		    i);
		return -1;
	}
	json_array_foreach(json_object_get(cat, "questions"), k, q)
	{
		const char *type =
		    json_string_value(json_object_get(q, "datatype"));

		for (t = 0; types[t] != NULL; t++) {
			if (type != NULL && strcmp(types[t], type) == 0)
				break;
		}
		if (json_string_value(json_object_get(q, "code")) == NULL ||
		    types[t] == NULL ||
		    (strstr(type, "list") != NULL &&
		        json_array_size(json_object_get(q, "values")) == 0)) {
			*cause =
			    xasprintf("category %s, question %zu: needs a "
			              "code, a datatype (string, number, "
			              "datetime, text, singlevaluelist, "
			              "multivaluelist) and values for lists",
			        code, k);
			return -1;
		}
	}
	return 0;
}

int
ctl_dispatch_category_import(struct ctl *c, int argc, char **argv)
{
	struct db_wait w = {0};
	json_t *all, *v;
	const char *pos[1];
	char *cause, *text;
	size_t i;
	int n;

	if (ctl_args("category import", argc, argv, NULL, pos, 1) != 1) {
		return ctl_usage(c, "category import");
	}
	if ((all = ctl_json_load("category import", pos[0])) == NULL)
		return 1;
	if (!json_is_array(all)) {
		json_decref(all);
		fprintf(stderr,
		    "patrolctl: category import: %s: expected a "
		    "JSON array of categories\n",
		    pos[0]);
		return 1;
	}
	json_array_foreach(all, i, v)
	{
		if (ctl_dispatch_check_category(v, i, &cause) != 0) {
			json_decref(all);
			return ctl_fail("category import", cause);
		}
	}
	text = json_dumps(all, JSON_COMPACT);
	json_decref(all);
	store_categories_put(ctl_db(c), text, db_wait_cb, &w);
	free(text);
	if (store_wait_count(ctl_db(c), &w, &n, &cause) != 0)
		return ctl_fail("category import", cause);
	printf("saved %d categories from %s\n", n, pos[0]);
	return 0;
}
