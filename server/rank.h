/*
 * Crew recommendation: orders eligible crews for one request by estimated
 * arrival, then by load. Pure computation in the projected CRS (metres);
 * the caller has already filtered by skill, shift and duty.
 */
#ifndef PATROL_RANK_H
#define PATROL_RANK_H

#include <stddef.h>

struct rank_params {
	double speed_kmh; /* average urban driving speed */
	double detour;    /* road distance / straight-line distance */
};

struct rank_crew {
	/* in */
	long long id;
	double easting, northing; /* last known position, or its office */
	double busy_minutes;      /* work left before it can leave */
	int queue;                /* open jobs already assigned */
	int cross_ward;           /* its office does not serve the ward */
	void *data;               /* the caller's, untouched */
	/* out */
	double distance_m; /* straight line */
	double travel_minutes;
	double eta_minutes; /* busy + travel */
};

/* Fills the outputs and sorts crews best first. */
void rank_crews(double easting, double northing, struct rank_crew *, size_t n,
    const struct rank_params *);

#endif
