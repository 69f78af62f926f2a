/*
 * Ranking 5,000 crews for one request, in-process, as the recommendation
 * handler does: the median of many runs, against a bare qsort of 5,000
 * doubles measured in the same run (the floor any ranking by sort has).
 * Then the same with each crew's day (0 to 3 jobs, issue 15): the request
 * is tried at every place in every crew's day. Thread CPU time (the
 * machine is shared; BENCH_WALL=1 for wall-clock time).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "plan.h"
#include "rank.h"

#define NCREWS 5000
#define RUNS   301

static clockid_t bench_clock;

static struct plan_job days[NCREWS][3];

static void
bench_fill(struct rank_crew *c, unsigned seed)
{
	size_t i;
	int k;

	srand(seed);
	for (i = 0; i < NCREWS; i++) {
		memset(&c[i], 0, sizeof c[i]);
		c[i].id = (long long)i;
		/* Spread over a 40 km square, like a large city. */
		c[i].easting = (double)(rand() % 40000) - 20000;
		c[i].northing = (double)(rand() % 40000) - 20000;
		c[i].busy_minutes = (double)(rand() % 4) * 20;
		c[i].queue = rand() % 4;
		c[i].shift_end = 480;
		c[i].scarce = rand() % 50 == 0;
		c[i].jobs = days[i];
		c[i].njobs = c[i].queue;
		for (k = 0; k < c[i].queue; k++) {
			memset(&days[i][k], 0, sizeof days[i][k]);
			days[i][k].e = c[i].easting + rand() % 4000 - 2000;
			days[i][k].n = c[i].northing + rand() % 4000 - 2000;
			days[i][k].work = 45;
			days[i][k].due = k == 1 ? 200 : 1e9;
			days[i][k].window_to = 1e9;
			days[i][k].fixed =
			    k == 0 && rand() % 2 ? PLAN_ON_SITE : PLAN_FREE;
		}
	}
}

int
main(void)
{
	static struct rank_crew crews[NCREWS];
	static double keys[NCREWS], t_rank[RUNS], t_sort[RUNS], t_plan[RUNS];
	struct rank_params p = {.speed_kmh = 20, .detour = 1.4};
	struct plan_job job = {0};
	double t0, mr, ms, mp;
	size_t i;
	int r;

	bench_clock = bench_clock_from_env();
	job.work = 45;
	job.due = 120;
	job.window_to = 1e9;
	job.fixed = PLAN_FREE;

	for (r = 0; r < RUNS; r++) {
		bench_fill(crews, (unsigned)r);
		for (i = 0; i < NCREWS; i++)
			keys[i] = crews[i].easting;
		t0 = bench_clock_s(bench_clock);
		rank_crews(1234, -567, crews, NCREWS, &p);
		t_rank[r] = bench_clock_s(bench_clock) - t0;
		t0 = bench_clock_s(bench_clock);
		qsort(keys, NCREWS, sizeof keys[0], bench_cmp_double);
		t_sort[r] = bench_clock_s(bench_clock) - t0;
		/* By insertion into each crew's day, scarce skills spared. */
		bench_fill(crews, (unsigned)r);
		p.job = &job;
		p.in_time = 120;
		t0 = bench_clock_s(bench_clock);
		rank_crews(1234, -567, crews, NCREWS, &p);
		t_plan[r] = bench_clock_s(bench_clock) - t0;
		p.job = NULL;
	}
	mr = bench_median(t_rank, RUNS);
	ms = bench_median(t_sort, RUNS);
	printf("rank %d crews: median %.3f ms (target < 1 ms)\n", NCREWS,
	    mr * 1e3);
	printf(
	    "baseline qsort of %d doubles: median %.3f ms\n", NCREWS, ms * 1e3);
	printf("ratio rank/qsort: %.2f\n", mr / ms);
	mp = bench_median(t_plan, RUNS);
	printf("rank %d crews by insertion into their days (0-3 jobs): median "
	       "%.3f ms (target < 5 ms), ratio to qsort %.2f\n",
	    NCREWS, mp * 1e3, mp / ms);
	return 0;
}
