/*
 * patrolctl's "coverage export": the weekly report in one of the four
 * formats, computed by the same code as GET /api/v1/coverage/{week}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "config.h"
#include "coverage.h"
#include "coverage_week.h"
#include "ctl.h"
#include "archive.h"
#include "ctl_network.h"
#include "db.h"
#include "export.h"
#include "store_wards.h"
#include "wards.h"
#include "xmalloc.h"

struct ctl_export {
	int done;
	struct coverage_report *rep;
	char *error;
};

static void
ctl_export_cb(struct coverage_report *rep, const char *error, void *arg)
{
	struct ctl_export *x = arg;

	x->done = 1;
	x->rep = rep;
	x->error = error != NULL ? xstrdup(error) : NULL;
}

int
ctl_network_export(struct ctl *c, int argc, char **argv)
{
	struct args_opt opts[] = {{.name = "week"}, {.name = "format"},
	    {.name = "ward"}, {.name = "o"}, {.name = "locale"},
	    {.name = NULL}};
	struct coverage_params params;
	struct ctl_export x = {0};
	struct ward_set *wards = NULL;
	char *cause;
	FILE *f;
	int rc = 1, i;

	if (ctl_args("coverage export", argc, argv, opts, NULL, 0) != 0 ||
	    opts[0].value == NULL || opts[1].value == NULL ||
	    opts[3].value == NULL)
		return ctl_usage(c, "coverage export");
	if (!coverage_week_is_valid(opts[0].value)) {
		fprintf(stderr,
		    "patrolctl: coverage export: --week must look "
		    "like 2026-W47\n");
		return 2;
	}
	if (export_content_type(opts[1].value) == NULL) {
		fprintf(stderr,
		    "patrolctl: coverage export: --format must be "
		    "geojson, kml, csv, summary.csv or png\n");
		return 2;
	}
	if (!export_lang_valid(opts[4].value)) {
		fprintf(stderr,
		    "patrolctl: coverage export: --locale must be ja or en\n");
		return 2;
	}
	if (store_wards_load_sync(ctl_db(c), &wards, &cause) != 0)
		return ctl_fail("coverage export", cause);
	for (i = 0; opts[2].value != NULL && i < (int)wards_count(wards); i++) {
		if (strcmp(wards_get(wards, (size_t)i)->code, opts[2].value) ==
		    0)
			break;
	}
	if (opts[2].value != NULL && i == (int)wards_count(wards)) {
		fprintf(stderr, "patrolctl: coverage export: no ward %s\n",
		    opts[2].value);
		goto out;
	}
	coverage_week_params(c->cfg, &params);
	coverage_week_run(ctl_db(c), opts[0].value, opts[2].value, wards,
	    c->cfg->crs, &params, ctl_export_cb, &x);
	while (!x.done)
		event_base_loop(c->base, EVLOOP_ONCE);
	if (x.rep == NULL) {
		rc = ctl_fail("coverage export", x.error);
		goto out;
	}
	if ((f = fopen(opts[3].value, "wb")) == NULL) {
		fprintf(stderr, "patrolctl: coverage export: cannot write %s\n",
		    opts[3].value);
		goto out;
	}
	if (export_write_lang(x.rep, opts[1].value, opts[4].value, f, &cause) !=
	    0) {
		fclose(f);
		rc = ctl_fail("coverage export", cause);
		goto out;
	}
	if (fclose(f) != 0) {
		fprintf(stderr, "patrolctl: coverage export: cannot write %s\n",
		    opts[3].value);
		goto out;
	}
	printf("%s: %zu pieces, week %s%s%s\n", opts[3].value, x.rep->npieces,
	    opts[0].value, opts[2].value != NULL ? ", ward " : "",
	    opts[2].value != NULL ? opts[2].value : "");
	rc = 0;
out:
	if (x.rep != NULL)
		report_free(x.rep);
	wards_free(wards);
	return rc;
}

struct ctl_archive {
	int done;
	char *error;
};

static void
ctl_archive_cb(const char *error, void *arg)
{
	struct ctl_archive *x = arg;

	x->done = 1;
	x->error = error != NULL ? xstrdup(error) : NULL;
}

int
ctl_network_archive(struct ctl *c, int argc, char **argv)
{
	struct args_opt opts[] = {{.name = "week"}, {.name = NULL}};
	struct ctl_archive x = {0};
	struct ward_set *wards = NULL;
	char *cause;

	if (ctl_args("coverage archive", argc, argv, opts, NULL, 0) != 0 ||
	    opts[0].value == NULL || !coverage_week_is_valid(opts[0].value))
		return ctl_usage(c, "coverage archive");
	if (store_wards_load_sync(ctl_db(c), &wards, &cause) != 0)
		return ctl_fail("coverage archive", cause);
	archive_week(
	    ctl_db(c), wards, c->cfg, opts[0].value, ctl_archive_cb, &x);
	while (!x.done)
		event_base_loop(c->base, EVLOOP_ONCE);
	wards_free(wards);
	if (x.error != NULL)
		return ctl_fail("coverage archive", x.error);
	printf("archived %s: whole network and %s, four formats each\n",
	    opts[0].value, "each ward");
	return 0;
}
