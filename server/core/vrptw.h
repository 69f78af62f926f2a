/*
 * Vehicle routing with time windows: the crews' day plan (issue 15).
 * Pure computation: no libevent, no libpq, no I/O but the Solomon reader's
 * text. Times and travel are in one unit the caller picks (minutes for the
 * crews, Solomon's time units for the benchmark); travel time between two
 * places is their straight-line distance times time_per_unit, or the
 * caller's matrix when it gives one (a road network's shortest paths).
 *
 * Objective, compared in this order: the weight of jobs left unplanned,
 * then (when minimise_vehicles) the number of vehicles used, then the
 * total travel (with minimise_waiting, plus the jobs' start times). Jobs'
 * windows are hard: a job that cannot be reached in its window is left
 * unplanned, never planned late.
 */
#ifndef PATROL_VRPTW_H
#define PATROL_VRPTW_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

struct vrptw_job {
	double x, y;
	double demand;     /* counted against the vehicle's capacity */
	double ready, due; /* window for the start of service */
	double service;    /* time on site */
	uint32_t skills;   /* every bit needed must be in the vehicle's */
	int weight;        /* cost of leaving it unplanned, >= 1 */
	int vehicle;       /* only this vehicle may do it, or -1 */
};

struct vrptw_vehicle {
	double sx, sy, ex, ey; /* where it starts and ends its day */
	double start, end;     /* leaves no earlier, back no later */
	double capacity;
	uint32_t skills;
	/*
	 * A break of break_len (0: none) taken within [break_from,
	 * break_to], between jobs, never inside a job or a drive (see
	 * vrptw_break_at). Routes of a vehicle with a break are checked
	 * job by job, so keep them short (a crew's day, not Solomon's).
	 */
	double break_from, break_to, break_len;
};

/*
 * The one rule for when a break is taken (the solver and plan.c share
 * it): free at t (after the last job), with leg to drive to the next job
 * and that job's ready and service. The break is taken now, before the
 * drive, when t is already in its range or the next job would otherwise
 * end after break_to - break_len. Returns its start (a fixed break
 * already begun keeps its start; otherwise max(t, break_from)), or
 * -1e18 when not now. The crew is free again at max(t, start + len).
 */
double vrptw_break_at(const struct vrptw_vehicle *, double t, double leg,
    double ready, double service);

struct vrptw_problem {
	int njobs, nvehicles;
	struct vrptw_job *jobs;
	struct vrptw_vehicle *vehicles;
	double time_per_unit; /* travel time per unit of distance */
	/*
	 * Optional travel times, (njobs + 2 * nvehicles) squared, row-major;
	 * node i < njobs is job i, njobs + 2v vehicle v's start, njobs + 2v +
	 * 1 its end. NULL: straight line times time_per_unit.
	 */
	const double *matrix;
	int minimise_vehicles;
	/*
	 * Crews: a route costs the sum of its jobs' start times (from the
	 * vehicle's start) plus its travel, so residents are served early
	 * rather than the crew waiting for a later window first.
	 */
	int minimise_waiting;
};

/*
 * The budget. With max_iterations, the search stops at that many moves or
 * when the solving thread has used time_ms of CPU (if > 0), whichever
 * comes first. With time_ms alone, it is turned into work (route
 * positions looked at, VRPTW_WORK_PER_MS per millisecond: about 0.6-0.9
 * ms of one core of the 2-core development machine under load) and the
 * search stops at that work, or at time_ms of CPU time if that comes
 * first: so a run gives the same result for the same seed unless the CPU
 * is too slow for the budget (vrptw_solution.time_bound then says so).
 */
struct vrptw_params {
	int time_ms;
	long max_iterations;
	unsigned seed;
};

#define VRPTW_WORK_PER_MS 60000L

struct vrptw_route {
	int n;
	int *jobs;          /* in order */
	double *arrive;     /* arrival at each job */
	double *start;      /* start of service (after waiting for ready) */
	double back;        /* arrival at the end place */
	double break_start; /* when its vehicle's break starts, or -1e18 */
	double distance;    /* travel of the route (time units) */
	double load;
};

struct vrptw_solution {
	int nvehicles;
	struct vrptw_route *routes; /* one per vehicle, possibly empty */
	int nunplanned;
	int *unplanned;
	int vehicles_used;
	double distance;
	long iterations;
	long work;      /* route positions looked at */
	int time_bound; /* 1 if the CPU time ran out before the budget */
	double elapsed_ms;
};

/*
 * Solves p and fills *s, which the caller frees with vrptw_solution_free.
 * Deterministic for a given seed and iteration budget.
 */
void vrptw_solve(const struct vrptw_problem *p, const struct vrptw_params *,
    struct vrptw_solution *s);
void vrptw_solution_free(struct vrptw_solution *);

/*
 * Evaluates a fixed order for one vehicle: fills route r (whose jobs and n
 * the caller set; arrive/start allocated by the caller, n long) with times,
 * waiting for windows to open. Returns the index of the first job whose
 * window or the capacity is broken, n if the return is late, or -1 if the
 * route keeps every constraint.
 */
int vrptw_route_eval(
    const struct vrptw_problem *, int vehicle, struct vrptw_route *r);

/*
 * Where a node is (numbered as for the matrix): a job, or a vehicle's start
 * (even) or end (odd).
 */
void vrptw_node_xy(
    const struct vrptw_problem *, int node, double *x, double *y);
/* Travel time between two nodes (numbered as for the matrix). */
double vrptw_travel(const struct vrptw_problem *, int from, int to);

/*
 * Reads an instance in Solomon's text format (name, VEHICLE NUMBER
 * CAPACITY, CUSTOMER lines; customer 0 the depot). Fills *p (free with
 * vrptw_problem_free) with minimise_vehicles set. Returns 0, or -1 with
 * *cause naming the line and the problem (caller frees).
 */
PATROL_MUSTCHECK int vrptw_solomon_parse(const char *text, size_t len,
    struct vrptw_problem *p, char **cause) __attribute__((warn_unused_result));
void vrptw_problem_free(struct vrptw_problem *);

/* Limits on what the reader accepts, so a file cannot ask for unbounded
 * memory. */
#define VRPTW_MAX_JOBS     20000
#define VRPTW_MAX_VEHICLES 5000

#endif
