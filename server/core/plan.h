/*
 * One crew's day (issue 15): the order of its open jobs with arrival and
 * finish times, from the VRPTW solver, keeping what is fixed (the job it
 * is on site at, the one it drives to, the dispatcher's pins) in front.
 * Pure computation; times are minutes from now, places in the projected
 * CRS (metres), travel along the road network where one is loaded and
 * both places are on it (roadnet.h), else straight line x detour, at the
 * configured speed; each job says which measured its drive.
 */
#ifndef PATROL_PLAN_H
#define PATROL_PLAN_H

#include <stdint.h>

#include "compiler.h"

/* In the order they come in a day. */
enum plan_fixed { PLAN_ON_SITE, PLAN_EN_ROUTE, PLAN_PINNED, PLAN_FREE };

/* How a job's drive was measured. */
enum plan_travel {
	PLAN_TRAVEL_NONE,     /* no drive: the crew is on site */
	PLAN_TRAVEL_STRAIGHT, /* straight line x detour */
	PLAN_TRAVEL_ROAD      /* shortest path on the road network */
};

struct roadnet;

struct plan_job {
	/* in */
	long long id;
	double e, n;
	double work;          /* minutes on site still needed */
	double ready;         /* not before (resident's window), or 0 */
	double due;           /* arrive by (window end / make safe), or 1e9 */
	int due_is_make_safe; /* which of the two due is */
	double window_to;     /* the resident's window end, or 1e9 */
	int priority;         /* 1 emergency .. 4 low */
	enum plan_fixed fixed;
	int pin;         /* for PLAN_PINNED: 1 = first */
	uint32_t skills; /* for plan_office: crews that may do it (a mask) */
	int crew;        /* for plan_office: current crew, -1 queue; out: new */
	int stays;       /* for plan_office: may not change crew */
	/* out */
	int order; /* 1-based */
	double travel, arrive, start, finish;
	double late;         /* minutes past due, 0 if kept */
	int after_shift;     /* finishes after the shift ends */
	double break_before; /* minutes of break taken just before it, or 0 */
	enum plan_travel travel_by;
};

/*
 * A crew's break: len minutes taken within [from, to] (minutes from now;
 * to - from == len is a fixed break). It is taken between jobs: before
 * the first job that would otherwise end after to - len, or at the first
 * moment between jobs after from; never inside a job or a drive. Out:
 * start (minutes from now), -1e9 when the day ends before it.
 */
struct plan_break {
	double from, to, len;
	double start;
};

/*
 * The travel model and the job being placed, shared with rank.c (crew
 * recommendation builds on the plan's insertion cost, so it lives here).
 */
struct rank_params {
	double speed_kmh; /* average urban driving speed */
	double detour;    /* road distance / straight-line distance */
	/*
	 * The road network, or NULL: straight line x detour everywhere. A
	 * leg with an end off the network is measured straight.
	 */
	struct roadnet *net;
	/*
	 * The new job, for insertion into crews' plans (issue 15): its work
	 * minutes, window and deadline as a plan_job (position ignored), or
	 * NULL to rank by busy + travel alone. in_time: a crew arriving by
	 * then (minutes from now) spares a crew with a scarce skill.
	 */
	const struct plan_job *job;
	double in_time;
	/* The crew's break for plan_times, or NULL: none. */
	struct plan_break *brk;
};

/*
 * Minutes of driving from (e0, n0) to (e1, n1); *by (if not NULL) says
 * whether the road network or the straight line measured it.
 */
double plan_leg(double e0, double n0, double e1, double n1,
    const struct rank_params *, enum plan_travel *by);

/* Orders and times a crew's jobs in place (sorted by order). */
void plan_crew_day(double e, double n, double shift_end, struct plan_job *,
    int njobs, const struct rank_params *);

/* Times along the order jobs[] already has, from (e, n) at minute 0. */
void plan_times(double e, double n, double shift_end, struct plan_job *,
    int njobs, const struct rank_params *);

struct plan_crew {
	double e, n, shift_end;
	uint32_t skills;       /* bits of the jobs' masks it can do */
	struct plan_job *jobs; /* its fixed jobs, in order (plan_crew_day) */
	int nfixed;
	struct plan_break brk; /* len 0: none; out: start */
};

/*
 * Plans an office's day: jobs (each with crew, stays, skills) are given
 * crews and orders by the VRPTW solver behind each crew's fixed jobs and
 * around each crew's break (brk; its start is filled in);
 * within the budget (iterations, and time_ms if > 0). A job it cannot
 * place keeps its crew (crew unchanged) and gets order 0.
 */
void plan_office(struct plan_crew *, int ncrews, struct plan_job *jobs,
    int njobs, const struct rank_params *, long iterations, int time_ms);

/* The same for one more job: the best place to insert it into an already
 * planned day (jobs sorted by order), and the delay it causes to the
 * others (sum of minutes later) and windows it breaks; the crew's break
 * (params->brk) is taken as in plan_times. Returns the arrival at the new
 * job in minutes from now; *placed (if not NULL) gets the new job as
 * timed there (break_before, after_shift, late). */
double plan_insert_cost(double e, double n, double shift_end,
    const struct plan_job *jobs, int njobs, const struct plan_job *add,
    const struct rank_params *, int *pos, double *delay, int *broken,
    struct plan_job *placed);

/*
 * A break as given (the JSON API, patrolctl): start and end "HH:MM" in
 * local time on one day, minutes 0 for the whole range (a fixed break) or
 * the length of a floating one. Returns 0 and fills *out (normalised
 * "HH:MM"), or -1 with *field ("start", "end" or "minutes") and *cause
 * (caller frees) saying what is wrong.
 */
struct plan_break_spec {
	char start[16], end[16];
	int minutes;
};
PATROL_MUSTCHECK int plan_break_check(const char *start, const char *end,
    long minutes, struct plan_break_spec *out, const char **field, char **cause)
    __attribute__((warn_unused_result));

#endif
