/*
 * The table that picks a writer (export_*.c) by format name, so patrolctl
 * and the API accept the same names and answer with the same content
 * types. It calls the writers, which call report.c: calls run one way.
 */
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "xmalloc.h"

struct export_format {
	const char *name;
	const char *lang; /* "en": the English one; NULL: the only one */
	const char *content_type;
	int (*write)(const struct coverage_report *, FILE *, char **);
};

/*
 * RFC 7946 registers application/geo+json; KML's type is the one Google
 * Earth registered with IANA; header=present (RFC 4180) tells a client
 * the first row names the columns.
 */
static const struct export_format export_formats[] = {
    {"geojson", NULL, "application/geo+json", export_geojson},
    {"kml", NULL, "application/vnd.google-earth.kml+xml", export_kml},
    {"csv", "en", "text/csv; charset=utf-8; header=present", export_csv_en},
    {"csv", NULL, "text/csv; charset=utf-8; header=present", export_csv},
    {"summary.csv", "en", "text/csv; charset=utf-8; header=present",
        export_csv_summary_en},
    {"summary.csv", NULL, "text/csv; charset=utf-8; header=present",
        export_csv_summary},
    {"png", NULL, "image/png", export_png},
};
#define NFORMATS (sizeof export_formats / sizeof export_formats[0])

/* The writer for a name in a language: its own, else the only one. */
static const struct export_format *
export_find(const char *name, const char *lang)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < NFORMATS; i++) {
		if (strcmp(export_formats[i].name, name) == 0 &&
		    (export_formats[i].lang == NULL ||
		        (lang != NULL &&
		            strcmp(export_formats[i].lang, lang) == 0)))
			return &export_formats[i];
	}
	return NULL;
}

int
export_lang_valid(const char *lang)
{
	return lang == NULL || strcmp(lang, "ja") == 0 ||
	    strcmp(lang, "en") == 0;
}

int
export_write_lang(const struct coverage_report *r, const char *format,
    const char *lang, FILE *out, char **cause)
{
	const struct export_format *f;

	if (!export_lang_valid(lang)) {
		*cause = xasprintf(
		    "unknown language \"%.32s\" (want ja or en)", lang);
		return -1;
	}
	if ((f = export_find(format, lang)) == NULL) {
		*cause =
		    xasprintf("unknown format \"%.32s\" (want geojson, kml, "
		              "csv, summary.csv or png)",
		        format == NULL ? "" : format);
		return -1;
	}
	return f->write(r, out, cause);
}

int
export_write(const struct coverage_report *r, const char *format, FILE *out,
    char **cause)
{
	return export_write_lang(r, format, NULL, out, cause);
}

const char *
export_content_type(const char *format)
{
	const struct export_format *f;

	if ((f = export_find(format, NULL)) == NULL)
		return NULL;
	return f->content_type;
}
