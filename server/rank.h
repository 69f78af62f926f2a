/*
 * Crew recommendation: orders eligible crews for one request by estimated
 * arrival, then by load. Pure computation in the projected CRS (metres);
 * the caller has already filtered by skill, shift and duty.
 */
#ifndef PATROL_RANK_H
#define PATROL_RANK_H

#include <stddef.h>

struct plan_job;

struct plan_break;

struct rank_params {
	double speed_kmh; /* average urban driving speed */
	double detour;    /* road distance / straight-line distance */
	/*
	 * The new job, for insertion into crews' plans (issue 15): its work
	 * minutes, window and deadline as a plan_job (position ignored), or
	 * NULL to rank by busy + travel alone. in_time: a crew arriving by
	 * then (minutes from now) spares a crew with a scarce skill.
	 */
	const struct plan_job *job;
	double in_time;
	/* The crew's break for plan_times (plan.h), or NULL: none. */
	struct plan_break *brk;
};

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
	/* out */
	double distance_m; /* straight line */
	double travel_minutes;
	double eta_minutes;   /* busy + travel, or arrival in its plan */
	int insert_at;        /* 0-based place in its day */
	double delay_minutes; /* to its other jobs, in all */
	int broken;           /* windows or deadlines it would newly miss */
	int spared;           /* scarce, and another crew arrives in time */
};

/*
 * Fills the outputs and sorts crews best first: spared crews last, then
 * fewest broken windows, then arrival plus delay to others (half-minute
 * steps), then queue, then distance.
 */
void rank_crews(double easting, double northing, struct rank_crew *, size_t n,
    const struct rank_params *);

#endif
