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

#define CTL_WARDS_IMPORT_USAGE                                                 \
	"usage: patrolctl import wards FILE [--name-field name] "              \
	"[--code-field code]\n"

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

/* "--opt value" or "--opt=value"; advances *i past what it took. */
static int
ctl_wards_option(
    int argc, char **argv, int *i, const char *opt, const char **value)
{
	size_t len = strlen(opt);

	if (strncmp(argv[*i], opt, len) != 0)
		return 0;
	if (argv[*i][len] == '=') {
		*value = argv[*i] + len + 1;
		return 1;
	}
	if (argv[*i][len] != '\0' || *i + 1 >= argc)
		return 0;
	*value = argv[++*i];
	return 1;
}

int
ctl_wards_import(struct ctl *c, int argc, char **argv)
{
	const char *path = NULL, *name_field = "name", *code_field = "code";
	int i;

	for (i = 0; i < argc; i++) {
		if (ctl_wards_option(
		        argc, argv, &i, "--name-field", &name_field) ||
		    ctl_wards_option(
		        argc, argv, &i, "--code-field", &code_field))
			continue;
		if (argv[i][0] == '-' || path != NULL) {
			fprintf(stderr, CTL_WARDS_IMPORT_USAGE);
			return 2;
		}
		path = argv[i];
	}
	if (path == NULL || *name_field == '\0' || *code_field == '\0') {
		fprintf(stderr, CTL_WARDS_IMPORT_USAGE);
		return 2;
	}
	return ctl_wards_load(c, path, name_field, code_field);
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

	(void)argv;
	if (argc != 0) {
		return ctl_usage("wards list");
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
