/*
 * The weekly coverage report written out: one writer per format
 * (export_csv.c, export_geojson.c, export_kml.c, export_png.c), and
 * export.c, which picks one by name. The writers take the report's words
 * from report.c; nothing there calls back up here.
 */
#ifndef PATROL_EXPORT_H
#define PATROL_EXPORT_H

#include <stdio.h>

#include "compiler.h"
#include "report.h"

/*
 * Each writes the whole report to out and returns 0, or -1 with *cause.
 * GeoJSON per RFC 7946 (WGS84, at most 7 decimals); KML 2.2 with one style
 * per state; CSV with a header row and one row per piece, and the
 * summary as a CSV of its own (Japanese headers and words; _en: English);
 * PNG drawn with cairo (ward
 * boundaries, pieces coloured by state, legend, title with week and ward,
 * scale bar, data credit).
 */
PATROL_MUSTCHECK int export_geojson(
    const struct coverage_report *, FILE *out, char **cause);
PATROL_MUSTCHECK int export_kml(
    const struct coverage_report *, FILE *out, char **cause);
PATROL_MUSTCHECK int export_csv(
    const struct coverage_report *, FILE *out, char **cause);
PATROL_MUSTCHECK int export_csv_en(
    const struct coverage_report *, FILE *out, char **cause);
PATROL_MUSTCHECK int export_csv_summary(
    const struct coverage_report *, FILE *out, char **cause);
PATROL_MUSTCHECK int export_csv_summary_en(
    const struct coverage_report *, FILE *out, char **cause);
PATROL_MUSTCHECK int export_png(
    const struct coverage_report *, FILE *out, char **cause);
/*
 * By name: "geojson", "kml", "csv", "summary.csv", "png"; lang "en" for
 * English CSV headers and words, NULL or "ja" for Japanese (the others
 * are the same in both); -1 with *cause if unknown.
 */
PATROL_MUSTCHECK int export_write(const struct coverage_report *,
    const char *format, FILE *out, char **cause);
PATROL_MUSTCHECK int export_write_lang(const struct coverage_report *,
    const char *format, const char *lang, FILE *out, char **cause);
/* 1 if lang is NULL, "ja" or "en"; 0 otherwise. */
int export_lang_valid(const char *lang);
/* The content type for a format name, or NULL. */
const char *export_content_type(const char *format);

#endif
