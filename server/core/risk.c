/*
 * Patrol risk from nearby past defects; see risk.h.
 */
#include <math.h>
#include <string.h>

#include "risk.h"

static double
risk_segment_distance(const double *a, const double *b, double e, double n)
{
	double dx = b[0] - a[0], dy = b[1] - a[1], len2 = dx * dx + dy * dy,
	       t = 0;

	if (len2 > 0) {
		t = ((e - a[0]) * dx + (n - a[1]) * dy) / len2;
		t = t < 0 ? 0 : t > 1 ? 1 : t;
	}
	return hypot(a[0] + t * dx - e, a[1] + t * dy - n);
}

double
risk_distance(const double *xy, size_t npoints, double e, double n)
{
	double best = INFINITY, d;
	size_t i;

	if (npoints == 1)
		return hypot(xy[0] - e, xy[1] - n);
	for (i = 0; i + 1 < npoints; i++) {
		d = risk_segment_distance(&xy[2 * i], &xy[2 * i + 2], e, n);
		if (d < best)
			best = d;
	}
	return best;
}

void
risk_score(const double *xy, size_t npoints, int interval_days,
    const struct risk_defect *d, size_t nd, struct risk_result *r)
{
	double interval;
	size_t i;

	memset(r, 0, sizeof *r);
	for (i = 0; i < nd && npoints > 0; i++) {
		if (d[i].category < 0 || d[i].category >= RISK_CATEGORIES_MAX ||
		    !(d[i].age_days >= 0) || d[i].age_days > RISK_WINDOW_DAYS)
			continue;
		if (risk_distance(xy, npoints, d[i].e, d[i].n) > RISK_RADIUS_M)
			continue;
		r->score += exp2(-d[i].age_days / RISK_HALF_LIFE_DAYS);
		r->count++;
		r->by_category[d[i].category]++;
	}
	interval = interval_days > 0 ? interval_days / (1.0 + r->score) : 1;
	r->interval_days = interval < 1 ? 1 : (int)floor(interval + 0.5);
}
