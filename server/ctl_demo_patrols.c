/*
 * The demo's river patrols (see ctl_demo_patrols.h). The patrols file
 * holds times relative to the Monday of the week the demo is loaded in, so
 * "this week" of the demo is always the current week: patrols dated in the
 * past weeks are placed there; those of this week are kept before now.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "config.h"
#include "coverage.h"
#include "coverage_week.h"
#include "ctl.h"
#include "ctl_demo_patrols.h"
#include "ctl_network.h"
#include "db.h"
#include "geo.h"
#include "report.h"
#include "store_demo.h"
#include "store_network.h"
#include "store_wards.h"
#include "wards.h"
#include "xmalloc.h"

#define DEMO_BATCH 5000

struct demo_week {
	int done;
	char *error;
};

static void
demo_week_cb(struct coverage_report *rep, const char *error, void *arg)
{
	struct demo_week *w = arg;

	w->done = 1;
	w->error = error != NULL ? xstrdup(error) : NULL;
	report_free(rep);
}

/* Computes (and so records) the week's inspections, as an export would. */
static int
demo_week_run(struct ctl *c, const struct ward_set *wards, const char *week)
{
	struct coverage_params params;
	struct demo_week w = {0};

	coverage_week_params(c->cfg, &params);
	coverage_week_run(ctl_db(c), week, NULL, wards, c->cfg->crs, &params,
	    demo_week_cb, &w);
	while (!w.done)
		event_base_loop(c->base, EVLOOP_ONCE);
	if (w.error != NULL)
		return ctl_fail("demo load", w.error);
	return 0;
}

/* Stores one patrol and its fixes; *stored counts the fixes kept. */
static int
demo_patrol_put(struct ctl *c, json_t *p, double start, size_t *stored,
    size_t *refused, char **cause)
{
	json_t *fixes = json_object_get(p, "fixes"), *f, *batch;
	struct store_track_counts tc;
	long long patrol;
	double at, lon, lat, e, n, end;
	int rc;
	char *json, *why;
	size_t i, nf = json_array_size(fixes);

	end = start +
	    json_number_value(
	        json_array_get(json_array_get(fixes, nf - 1), 0)) /
	        1000;
	if (store_patrol_replay_sync(ctl_db(c),
	        json_string_value(json_object_get(p, "crew")), start, end,
	        "demo", &patrol, cause) != 0)
		return -1;
	batch = json_array();
	for (i = 0; i <= nf; i++) {
		if (i < nf) {
			f = json_array_get(fixes, i);
			at = start +
			    json_number_value(json_array_get(f, 0)) / 1000;
			lon = json_number_value(json_array_get(f, 1));
			lat = json_number_value(json_array_get(f, 2));
			if (geo_to_plane(lon, lat, &e, &n, &why) != 0) {
				free(why);
				(*refused)++;
				continue;
			}
			json_array_append_new(batch,
			    json_pack("{s:f,s:f,s:f,s:f,s:f}", "at", at, "lon",
			        lon, "lat", lat, "e", e, "n", n));
		}
		if (json_array_size(batch) < DEMO_BATCH &&
		    (i < nf || json_array_size(batch) == 0))
			continue;
		json = json_dumps(batch, JSON_COMPACT);
		json_array_clear(batch);
		rc = store_track_put_sync(ctl_db(c), patrol, json, &tc, cause);
		free(json);
		if (rc != 0) {
			json_decref(batch);
			return -1;
		}
		*stored += (size_t)tc.stored;
		*refused += (size_t)(tc.duplicates + tc.conflicts);
	}
	json_decref(batch);
	return 0;
}

static int
demo_week_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int
demo_network(struct ctl *c, json_t *demo)
{
	json_t *v;
	char *argv[7], *path;
	size_t i;
	int rc;

	json_array_foreach(json_object_get(demo, "network"), i, v)
	{
		path = xasprintf("%s/%s", c->cfg->data_dir,
		    json_string_value(json_object_get(v, "file")));
		argv[0] = path;
		argv[1] = "--kind";
		argv[2] = (char *)json_string_value(json_object_get(v, "kind"));
		argv[3] = "--ward";
		argv[4] = (char *)json_string_value(json_object_get(v, "ward"));
		argv[5] = NULL;
		rc = ctl_network_import(c, argv[4] != NULL ? 5 : 3, argv);
		free(path);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* What a load has found so far: the clock, the weeks the patrols fall in
 * (each once, in file order) and the counts it reports. */
struct demo_load {
	double monday, now;
	char weeks[16][16];
	size_t nweeks, stored, refused, fixes_read;
};

/* The demo's patrols file, or NULL (said on stderr). */
static json_t *
demo_patrols_read(struct ctl *c, json_t *demo)
{
	json_t *doc;
	char *path;

	path = xasprintf("%s/%s", c->cfg->data_dir,
	    json_string_value(
	        json_object_get(json_object_get(demo, "patrols"), "file")));
	doc = ctl_json_load("demo load", path);
	free(path);
	return doc;
}

/* When patrols[i] (p) starts: its day and HH:MM in the demo's week, moved
 * back to end by latest_end. -1 (said on stderr) without a start or two
 * fixes. */
static int
demo_patrol_start(json_t *p, size_t i, const struct demo_load *d,
    double latest_end, double *start)
{
	json_t *fixes = json_object_get(p, "fixes");
	double len;
	int h, m;

	if (json_array_size(fixes) < 2 ||
	    sscanf(json_string_value(json_object_get(p, "start")) != NULL
	            ? json_string_value(json_object_get(p, "start"))
	            : "",
	        "%d:%d", &h, &m) != 2) {
		fprintf(stderr,
		    "patrolctl: demo load: patrols[%zu] needs start "
		    "HH:MM and fixes\n",
		    i);
		return -1;
	}
	len = json_number_value(json_array_get(
	          json_array_get(fixes, json_array_size(fixes) - 1), 0)) /
	    1000;
	/* Daylight saving is not a concern in Japan. */
	*start = d->monday +
	    json_integer_value(json_object_get(p, "day")) * 86400.0 + h * 3600 +
	    m * 60;
	/*
	 * This week's patrols must be over by now: move them back, but not
	 * out of this week (a demo loaded early on Monday still shows this
	 * week's inspections).
	 */
	if (*start + len > latest_end)
		*start = latest_end - len;
	if (json_integer_value(json_object_get(p, "day")) >= 0 &&
	    *start < d->monday)
		*start = d->monday + 60;
	return 0;
}

/* Stores every patrol of doc with its fixes, noting the week of each. */
static int
demo_patrols_put(struct ctl *c, json_t *doc, struct demo_load *d)
{
	json_t *p;
	double start, latest_end = d->now - 300;
	char *cause;
	size_t i, k;

	json_array_foreach(json_object_get(doc, "patrols"), i, p)
	{
		if (demo_patrol_start(p, i, d, latest_end, &start) != 0)
			return 1;
		d->fixes_read += json_array_size(json_object_get(p, "fixes"));
		if (demo_patrol_put(
		        c, p, start, &d->stored, &d->refused, &cause) != 0 ||
		    store_demo_week_of(ctl_db(c), c->cfg->timezone, start,
		        d->weeks[d->nweeks], &cause) != 0)
			return ctl_fail("demo load", cause);
		for (k = 0; k < d->nweeks; k++) {
			if (strcmp(d->weeks[k], d->weeks[d->nweeks]) == 0)
				break;
		}
		if (k == d->nweeks &&
		    d->nweeks + 1 < sizeof d->weeks / sizeof d->weeks[0])
			d->nweeks++;
	}
	return 0;
}

/* Computes the inspections of the patrols' weeks, oldest first as the
 * Monday runs would have done, then of this week. */
static int
demo_weeks_run(struct ctl *c, const struct ward_set *wards, struct demo_load *d)
{
	char *cause;
	size_t k;

	qsort(d->weeks, d->nweeks, sizeof d->weeks[0], demo_week_cmp);
	if (store_demo_week_of(ctl_db(c), c->cfg->timezone, d->now,
	        d->weeks[d->nweeks], &cause) != 0)
		return ctl_fail("demo load", cause);
	if (d->nweeks == 0 ||
	    strcmp(d->weeks[d->nweeks - 1], d->weeks[d->nweeks]) != 0)
		d->nweeks++;
	for (k = 0; k < d->nweeks; k++) {
		if (demo_week_run(c, wards, d->weeks[k]) != 0)
			return 1;
	}
	return 0;
}

int
ctl_demo_patrols_load(struct ctl *c, json_t *demo)
{
	struct ward_set *wards = NULL;
	struct demo_load d = {0};
	json_t *doc;
	char *cause;
	int rc = 1;

	if (demo_network(c, demo) != 0)
		return 1;
	if (json_object_get(demo, "patrols") == NULL)
		return 0;
	if ((doc = demo_patrols_read(c, demo)) == NULL)
		return 1;
	if (ctl_geo_init(c, &cause) != 0 ||
	    store_demo_clock(
	        ctl_db(c), c->cfg->timezone, &d.monday, &d.now, &cause) != 0 ||
	    store_wards_load_sync(ctl_db(c), &wards, &cause) != 0) {
		rc = ctl_fail("demo load", cause);
		goto out;
	}
	if (demo_patrols_put(c, doc, &d) != 0 ||
	    demo_weeks_run(c, wards, &d) != 0)
		goto out;
	printf("demo load: %zu demo patrols (%zu fixes read, %zu stored, %zu "
	       "refused), weeks %s to %s computed\n",
	    json_array_size(json_object_get(doc, "patrols")), d.fixes_read,
	    d.stored, d.refused, d.weeks[0], d.weeks[d.nweeks - 1]);
	rc = 0;
out:
	wards_free(wards);
	json_decref(doc);
	return rc;
}
