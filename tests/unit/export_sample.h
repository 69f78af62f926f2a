/*
 * A small coverage report for the export tests: five pieces in Tama ward
 * (and one just outside it) in every state, with names that need CSV
 * quoting and XML escaping, shared by export_test and export_dump.
 */
#ifndef PATROL_EXPORT_SAMPLE_H
#define PATROL_EXPORT_SAMPLE_H

#include "report.h"

#define EXPORT_SAMPLE_PIECES  5
#define EXPORT_SAMPLE_SUMMARY 5

/* A new sample report (free with report_free); wards may be NULL. */
struct coverage_report *export_sample_new(const struct ward_set *wards);

#endif
