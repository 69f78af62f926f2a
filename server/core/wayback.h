/*
 * The way back to the office (crews.wayback, agent.wayback): which overdue
 * pieces lie near the straight way from the crew to its office, and in
 * what order to suggest them. Pure computation in the projected CRS.
 */
#ifndef PATROL_WAYBACK_H
#define PATROL_WAYBACK_H

#include <stddef.h>

struct risk_defect;

struct wayback_piece {
	/* in */
	const double *xy; /* the piece's line: e0, n0, e1, n1, ... */
	size_t npoints;
	long row; /* the caller's, untouched */
	/* out */
	double
	    off_route_m; /* the smallest reach from the way that touches it */
	double risk;     /* risk.c's score from the defect reports */
	int risk_reports;
	double rank_m; /* off_route_m made smaller by risk: the order */
	size_t seq;    /* the input order, for ties */
};

/*
 * Measures each piece against the segment from..to, keeps those within
 * within_m, and moves them to the front sorted by rank_m (nearest first,
 * a piece with recurring defects counting as nearer; ties keep their
 * order). Returns how many were kept; the rest follow in no order.
 */
size_t wayback_rank(const double from[2], const double to[2], double within_m,
    struct wayback_piece *, size_t n, const struct risk_defect *,
    size_t ndefects);

#endif
