/*
 * The weekly patrol coverage report, as the exports see it: every piece of
 * the network with its state for the week, and the per-ward, per-class
 * summary. coverage_week.c fills it from the database; export_*.c write it
 * as GeoJSON, KML, CSV or PNG. Strings and arrays belong to the report.
 */
#ifndef PATROL_REPORT_H
#define PATROL_REPORT_H

#include <stddef.h>
#include <stdio.h>

struct ward_set;

enum report_state {
	REPORT_NOT_DUE,   /* not due this week, not inspected in it */
	REPORT_INSPECTED, /* inspected during the week */
	REPORT_OVERDUE,   /* due by the end of the week, not inspected */
};

struct report_piece {
	long long id;
	char *kind;      /* road, river, park */
	char *class;     /* e.g. primary, residential, 市区町村道等 */
	char *name;      /* may be NULL */
	char *ward_code; /* may be NULL (outside every ward) */
	double length_m;
	int interval_days;
	double *lonlat; /* WGS84 pairs */
	size_t npoints;
	enum report_state state;
	int due;              /* due by the end of the week */
	char *last_inspected; /* ISO 8601 with offset, or NULL: never */
	char *due_at;         /* ISO 8601 with offset, or NULL: now */
	double best_share;    /* best share one track measured in the week */
	char *credit; /* published source: "osm", "gsi", "mlit_rivers", NULL */
};

struct report_summary {
	char *ward_code; /* NULL: outside every ward */
	char *ward_name;
	char *kind;
	char *class;
	int pieces;
	int due;
	int on_time; /* due and inspected during the week */
	int overdue;
	double km; /* all pieces */
	double km_due;
	double km_on_time;
};

struct coverage_report {
	char week[16];   /* ISO week, "2026-W47" */
	char *ward_code; /* the ward the report is limited to, or NULL */
	char *ward_name;
	char *start, *end; /* the week, ISO 8601 with offset */
	char *crs;         /* the projected CRS used for lengths */
	struct report_piece *pieces;
	size_t npieces;
	struct report_summary *summary;
	size_t nsummary;
	const struct ward_set *wards; /* boundaries for the map; not owned */
};

const char *report_state_name(enum report_state);
void report_free(struct coverage_report *);

/*
 * Each writes the whole report to out and returns 0, or -1 with *cause.
 * GeoJSON per RFC 7946 (WGS84, at most 7 decimals); KML 2.2 with one style
 * per state; CSV with a header row and one row per piece, and the
 * summary as a CSV of its own (Japanese headers and words; _en: English);
 * PNG drawn with cairo (ward
 * boundaries, pieces coloured by state, legend, title with week and ward,
 * scale bar, data credit).
 */
int export_geojson(const struct coverage_report *, FILE *out, char **cause);
int export_kml(const struct coverage_report *, FILE *out, char **cause);
int export_csv(const struct coverage_report *, FILE *out, char **cause);
int export_csv_en(const struct coverage_report *, FILE *out, char **cause);
int export_csv_summary(const struct coverage_report *, FILE *out, char **cause);
int export_csv_summary_en(
    const struct coverage_report *, FILE *out, char **cause);
int export_png(const struct coverage_report *, FILE *out, char **cause);
/*
 * By name: "geojson", "kml", "csv", "summary.csv", "png"; lang "en" for
 * English CSV headers and words, NULL or "ja" for Japanese (the others
 * are the same in both); -1 with *cause if unknown.
 */
int export_write(const struct coverage_report *, const char *format, FILE *out,
    char **cause);
int export_write_lang(const struct coverage_report *, const char *format,
    const char *lang, FILE *out, char **cause);
/* 1 if lang is NULL, "ja" or "en"; 0 otherwise. */
int export_lang_valid(const char *lang);
/* The content type for a format name, or NULL. */
const char *export_content_type(const char *format);

#endif
