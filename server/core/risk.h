/*
 * Patrol risk (issue 17): a patrol piece near past defect reports is more
 * likely to need attention. Each report within RISK_RADIUS_M of the piece
 * in the last RISK_WINDOW_DAYS adds to the score, recent ones more
 * (weight halves every RISK_HALF_LIFE_DAYS); the suggested interval is the
 * piece's interval divided by (1 + score). Pure: no I/O.
 */
#ifndef PATROL_RISK_H
#define PATROL_RISK_H

#include <stddef.h>

#define RISK_RADIUS_M       50.0
#define RISK_WINDOW_DAYS    365.0
#define RISK_HALF_LIFE_DAYS 180.0
#define RISK_CATEGORIES_MAX 16

struct risk_defect {
	double e, n;
	double age_days; /* how long ago it was reported */
	int category;    /* index into the caller's category list */
};

struct risk_result {
	double score;
	int count; /* reports counted */
	int by_category[RISK_CATEGORIES_MAX];
	int interval_days; /* suggested; >= 1 */
};

/* Distance from (e, n) to the polyline xy (e0, n0, e1, n1, ...). */
double risk_distance(const double *xy, size_t npoints, double e, double n);
/*
 * Scores one piece (polyline xy of npoints) against the defects, with its
 * inspection interval. Defects older than the window, in the future or
 * with a category outside 0..RISK_CATEGORIES_MAX-1 are not counted.
 */
void risk_score(const double *xy, size_t npoints, int interval_days,
    const struct risk_defect *, size_t ndefects, struct risk_result *);

#endif
