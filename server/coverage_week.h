/* The weekly coverage run (coverage_week.c). */
#ifndef PATROL_COVERAGE_WEEK_H
#define PATROL_COVERAGE_WEEK_H

struct config;
struct coverage_params;
struct coverage_report;
struct db;
struct ward_set;

/*
 * Called once with the report (caller frees with report_free) or with
 * error set and report NULL.
 */
typedef void (*coverage_week_cb)(
    struct coverage_report *, const char *error, void *arg);

/* 1 for "2026-W47" (weeks 01..53), else 0. */
int coverage_week_is_valid(const char *week);
/*
 * Computes the week (recording the inspections it finds) and reports every
 * piece, or only the ward's when ward is not NULL. wards must outlive the
 * report (used for names and the map).
 */
void coverage_week_run(struct db *, const char *week, const char *ward,
    const struct ward_set *wards, const char *crs,
    const struct coverage_params *, coverage_week_cb, void *arg);

/* The coverage rules from the configuration. */
void coverage_week_params(const struct config *, struct coverage_params *);

#endif
