/*
 * patrolctl import wards FILE [--name-field F] [--code-field F]
 * patrolctl wards list
 *
 * The file is checked whole before anything is written; the database then
 * gets the new set in one statement, and every patrold reloads it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctl.h"
#include "ctl_wards.h"
#include "store_wards.h"
#include "wards.h"
#include "xmalloc.h"

/* A whole city at full resolution is well under this. */
#define CTL_WARDS_MAX_FILE (64L << 20)

/* Prints and frees cause; a missing table means an unmigrated database. */
static void
ctl_wards_db_error(const char *what, char *cause)
{
	fprintf(stderr, "patrolctl: %s: %s%s\n", what, cause,
	    strstr(cause, "SQLSTATE 42P01") != NULL
	        ? "; run 'patrolctl migrate' first"
	        : "");
	free(cause);
}

int
ctl_wards_import(struct ctl *c, int argc, char **argv)
{
	struct args_opt opts[] = {
	    {.name = "name-field"}, {.name = "code-field"}, {.name = NULL}};
	const char *pos[1];

	if (ctl_args("import wards", argc, argv, opts, pos, 1) != 1 ||
	    (opts[0].value != NULL && *opts[0].value == '\0') ||
	    (opts[1].value != NULL && *opts[1].value == '\0'))
		return ctl_usage(c, "import wards");
	return ctl_wards_load(c, pos[0],
	    opts[0].value != NULL ? opts[0].value : "name",
	    opts[1].value != NULL ? opts[1].value : "code");
}

int
ctl_wards_load(struct ctl *c, const char *path, const char *name_field,
    const char *code_field)
{
	size_t len, polygons, holes, written, deleted;
	struct ward_set *set;
	char *buf, *cause;

	if ((buf = ctl_read_file(path, CTL_WARDS_MAX_FILE, &len, &cause)) ==
	    NULL) {
		fprintf(stderr, "patrolctl: %s\n", cause);
		free(cause);
		return 1;
	}
	set = wards_parse_geojson(buf, len, name_field, code_field, &cause);
	free(buf);
	if (set == NULL) {
		fprintf(stderr, "patrolctl: %s: %s\n", path, cause);
		free(cause);
		return 1;
	}
	if (store_wards_replace(ctl_db(c), set, &written, &deleted, &cause) !=
	    0) {
		ctl_wards_db_error("cannot store the wards", cause);
		wards_free(set);
		return 1;
	}
	wards_totals(set, &polygons, &holes, NULL);
	printf("imported %zu ward%s (%zu polygon%s, %zu hole%s) from %s\n",
	    written, written == 1 ? "" : "s", polygons,
	    polygons == 1 ? "" : "s", holes, holes == 1 ? "" : "s", path);
	if (deleted > 0)
		printf("removed %zu ward%s not in %s\n", deleted,
		    deleted == 1 ? "" : "s", path);
	wards_free(set);
	return 0;
}

int
ctl_wards_list(struct ctl *c, int argc, char **argv)
{
	const struct ward *w;
	struct ward_set *set;
	char *cause;
	size_t i;

	if (ctl_args("wards list", argc, argv, NULL, NULL, 0) != 0) {
		return ctl_usage(c, "wards list");
	}
	if (store_wards_load_sync(ctl_db(c), &set, &cause) != 0) {
		ctl_wards_db_error("cannot read the wards", cause);
		return 1;
	}
	/* Tab-separated for scripts: code, name, lon/lat bbox. */
	for (i = 0; i < wards_count(set); i++) {
		w = wards_get(set, i);
		printf("%s\t%s\t%.7f,%.7f,%.7f,%.7f\n", w->code, w->name,
		    w->lon_min, w->lat_min, w->lon_max, w->lat_max);
	}
	if (wards_count(set) == 0)
		fprintf(stderr,
		    "patrolctl: no wards; add them with "
		    "'patrolctl import wards FILE'\n");
	wards_free(set);
	return 0;
}
