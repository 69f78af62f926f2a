/*
 * The weekly patrol coverage report, as the exports see it: every piece of
 * the network with its state for the week, and the per-ward, per-class
 * summary. coverage_week.c fills it from the database; export_*.c write it
 * as GeoJSON, KML, CSV or PNG (export.h). Strings and arrays belong to the
 * report.
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

#endif
