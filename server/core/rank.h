/*
 * Crew recommendation: orders eligible crews for one request by estimated
 * arrival, then by load. Pure computation in the projected CRS (metres);
 * the caller has already filtered by skill, shift and duty.
 */
#ifndef PATROL_RANK_H
#define PATROL_RANK_H

#include <stddef.h>

#include "plan.h"

struct rank_crew {
	/* in */
	long long id;
	double easting, northing; /* last known position, or its office */
	double busy_minutes;      /* work left before it can leave */
	int queue;                /* open jobs already assigned */
	int cross_ward;           /* its office does not serve the ward */
	void *data;               /* the caller's, untouched */
	/* its day (plan order) when params->job is set; may be NULL */
	struct plan_job *jobs;
	int njobs;
	double shift_end; /* minutes from now */
	int scarce; /* holds a skill the job does not need that no other crew
	               near has */
	struct plan_break brk; /* its break (len 0: none), for its day */
	/* out */
	double distance_m; /* straight line */
	double travel_minutes;
	double eta_minutes;   /* busy + travel, or arrival in its plan */
	int insert_at;        /* 0-based place in its day */
	double delay_minutes; /* to its other jobs, in all */
	int broken;           /* windows or deadlines it would newly miss */
	int spared;           /* scarce, and another crew arrives in time */
	double break_before;  /* its break comes before the new job (min) */
	int after_shift;      /* the new job would end after its shift */
	enum plan_travel travel_by; /* how its drive to the job was measured */
};

/*
 * Fills the outputs and sorts crews best first: spared crews last, then
 * fewest broken windows, then arrival plus delay to others (half-minute
 * steps), then queue, then the ward's own crews before cross-ward ones,
 * then distance.
 */
void rank_crews(double easting, double northing, struct rank_crew *, size_t n,
    const struct rank_params *);

#endif
