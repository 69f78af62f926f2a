/*
 * SQL for acting before people ask (issue 17): the history the recurring
 * sites, the outlook and the patrol risk are computed from, the notice
 * list (personal data: audited) and notices sent. Each function queues one
 * statement; strings passed in are copied.
 */
#ifndef PATROL_STORE_INSIGHTS_H
#define PATROL_STORE_INSIGHTS_H

#include "db.h"
#include "recurring.h"

/*
 * Rows (id, easting, northing, season) of the category's requests that
 * were not cancelled or merged, in the ward (or the office's wards, or
 * everywhere when both are NULL), in id order. season: the year in tz.
 * Read them with store_recurring_point_row.
 */
void store_recurring_points(struct db *, const char *category, const char *ward,
    const char *office, const char *tz, db_cb, void *);
/* Row i: 1 with the request's *id and *p, 0 past the last row. */
int store_recurring_point_row(
    const PGresult *, int i, long long *id, struct recurring_point *p);
/*
 * One JSON array of the requests ids ({1,2,...}) in id order: id, date,
 * state, outcome and its Japanese/English names, address, ward, crew
 * name, last crew note, and whether it came from the demo history. No
 * row when the category does not exist.
 */
void store_recurring_details(
    struct db *, const char *category, const char *ids, db_cb, void *);
/*
 * One JSON object for the outlook: start (Monday of the first week, 5
 * years back), current (this week's Monday), year_weeks, first_week (the
 * first week any request was recorded, relative to start; 0 if earlier),
 * per_crew_day (jobs per crew-day done in the category the last 365 days,
 * null if none), counts [[week, n], ...].
 */
void store_outlook_weeks(struct db *, const char *category, const char *ward,
    const char *tz, db_cb, void *);
/*
 * The consenting callers of the requests ids ({1,2,...}), recorded within
 * retention_days, as one JSON array; writes one audit_log row
 * (notices.read) for actor with how many were listed. season: whether
 * each has been sent a notice for that season.
 */
void store_notice_callers(struct db *, const char *category, const char *ids,
    int retention_days, int season, const char *actor, db_cb, void *);
/*
 * Records a notice sent; no row when the caller has no consent, is past
 * retention, or the request is not the caller's; 23505 when sent already.
 * The row is the notice as JSON (store_result_text).
 */
void store_notice_send(struct db *, long long caller, long long request,
    int season, const char *method, int retention_days, const char *actor,
    db_cb, void *);
/*
 * Rows (id, kind, class, name, ward_code, interval_days, plane); read them
 * with store_risk_piece_row.
 */
void store_risk_pieces(struct db *, const char *ward, db_cb, void *);
struct store_risk_piece {
	long long id;
	const char *kind, *klass;
	const char *name, *ward_code; /* NULL when unknown */
	int interval_days;
	const char *plane; /* "{e0,n0,e1,n1,...}", projected metres */
};
/* Row i: 1 with *p (strings live as long as the result), 0 past the end. */
int store_risk_piece_row(const PGresult *, int i, struct store_risk_piece *p);
/*
 * Rows (category, easting, northing, age_days, name_ja, name_en) of
 * defect reports (the categories needing road, river or park skills) in
 * the last 365 days, by category; read them with store_risk_defect_row.
 */
void store_risk_defects(struct db *, db_cb, void *);
struct store_risk_defect {
	const char *category;
	double e, n, age_days;
	const char *name_ja, *name_en; /* the category's */
};
/* Row i: 1 with *d (strings live as long as the result), 0 past the end. */
int store_risk_defect_row(const PGresult *, int i, struct store_risk_defect *d);
/*
 * The demo's past cases (ctl_history.c): a JSON array of closed requests
 * with their crew's note, the explanation given at the call-back and a
 * (fake) caller, consenting or not, stored with events in one statement.
 * One row: how many requests were stored (read it with store_result_ll).
 */
void store_demo_history_put(
    struct db *, const char *json, const char *consent_text, db_cb, void *);
/*
 * Rows (lon, lat): the first point of each river patrol piece; read them
 * with store_demo_network_point_row.
 */
void store_demo_network_points(struct db *, db_cb, void *);
/* Row i: 1 with *lon, *lat; 0 past the last row. */
int store_demo_network_point_row(
    const PGresult *, int i, double *lon, double *lat);

#endif
