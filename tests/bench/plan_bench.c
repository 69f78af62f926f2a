/*
 * Re-planning one office after a new call (issue 15): 8 crews and 50 open
 * jobs in a 6 km square, as GET /api/v1/offices/{id}/replan plans them
 * (plan_office, the VRPTW solver with its bounded budget: 1,500 moves or
 * 15 ms) and as the live planner redoes every crew's own day
 * (plan_crew_day for each of the 8). p50 and p99 of 201 runs, each a new
 * random office; the baseline in the same run is the solver's greedy
 * construction alone (one move). Times are the thread's CPU time: on this
 * shared machine (load ~20 on 2 cores) wall-clock time is mostly waiting
 * for a core; BENCH_WALL=1 measures wall-clock time instead.
 * BENCH_BREAKS=1 gives every crew a 45-minute break within minutes
 * 120..240 (the solver then checks those routes job by job).
 *
 * Road network (issue 15 item 6): the same offices on a street grid (every
 * 200 m over the 6 km square, 31 x 31 junctions) cut by a river crossed
 * by two bridges, with the graph kept between runs as patrold keeps it:
 * the office's first plan on the roads (a shortest-path tree per new
 * place) and its re-plan after a new call (one new tree), each against
 * the straight-line re-plan of the same office in the same run.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "plan.h"
#include "rank.h"
#include "roadnet.h"

#define NCREWS 8
#define NJOBS  50
#define RUNS   201

static clockid_t bench_clock;

/* Milliseconds by the run's clock. */
static double
bench_now(void)
{
	return 1e3 * bench_clock_s(bench_clock);
}

static void
bench_office(struct plan_crew *c, struct plan_job *j, unsigned seed)
{
	int i;

	srand(seed);
	memset(c, 0, NCREWS * sizeof *c);
	memset(j, 0, NJOBS * sizeof *j);
	for (i = 0; i < NCREWS; i++) {
		c[i].e = rand() % 6000;
		c[i].n = rand() % 6000;
		c[i].shift_end = 480;
		/* Two skills: crews 0-1 wasps, the rest roads and parks. */
		c[i].skills = i < 2 ? 0x1 : 0x2;
		/* BENCH_BREAKS=1: each crew takes 45 min within 120..240. */
		if (getenv("BENCH_BREAKS") != NULL)
			c[i].brk = (struct plan_break){120, 240, 45, 0};
	}
	for (i = 0; i < NJOBS; i++) {
		j[i].id = i + 1;
		j[i].e = rand() % 6000;
		j[i].n = rand() % 6000;
		j[i].work = 30 + rand() % 4 * 15;
		j[i].due = rand() % 5 == 0 ? 120 + rand() % 240 : 1e9;
		j[i].window_to = 1e9;
		j[i].ready = rand() % 10 == 0 ? 180 : 0;
		j[i].priority = 2 + rand() % 2;
		j[i].skills = i % 5 == 0 ? 0x1 : 0x2;
		/* 42 already with crews (reordered only), 8 waiting. */
		j[i].crew =
		    i < 42 ? (j[i].skills == 0x1 ? i % 2 : 2 + i % 6) : -1;
		j[i].stays = i < 42;
		j[i].fixed = PLAN_FREE;
	}
}

static void
bench_report(const char *what, double *t, double *b)
{
	qsort(t, RUNS, sizeof *t, bench_cmp_double);
	qsort(b, RUNS, sizeof *b, bench_cmp_double);
	printf("%s: p50 %.2f ms, p99 %.2f ms (target p99 < 20 ms); "
	       "construction only p50 %.2f ms, p99 %.2f ms; ratio p99 %.1f\n",
	    what, t[RUNS / 2], t[RUNS * 99 / 100], b[RUNS / 2],
	    b[RUNS * 99 / 100], t[RUNS * 99 / 100] / b[RUNS * 99 / 100]);
}

/* Streets every 200 m; a river between y 3000 and 3200, two bridges. */
static struct roadnet *
bench_town(void)
{
	struct roadnet *net = roadnet_new(150);
	double line[2 * 31];
	int i, k, n;

	for (i = 0; i <= 30; i++) {
		for (k = 0; k <= 30; k++) {
			line[2 * k] = k * 200;
			line[2 * k + 1] = i * 200;
		}
		roadnet_add_line(net, line, 31); /* east-west */
		for (k = n = 0; k <= 30; k++) {
			line[2 * n] = i * 200;
			line[2 * n + 1] = k * 200;
			n++;
			/* North-south streets stop at the river but at bridges.
			 */
			if (k == 15 && i != 5 && i != 25) {
				roadnet_add_line(net, line, (size_t)n);
				n = 0;
			}
		}
		roadnet_add_line(net, line, (size_t)n);
	}
	roadnet_build(net, 0);
	return net;
}

static void
bench_roads(void)
{
	static struct plan_crew crews[NCREWS];
	static struct plan_job jobs[NJOBS];
	static double t_line[RUNS], t_first[RUNS], t_call[RUNS];
	struct rank_params p = {.speed_kmh = 20, .detour = 1.4};
	struct roadnet_stats st;
	double t0;
	int r;

	p.net = bench_town();
	for (r = 0; r < RUNS; r++) {
		bench_office(crews, jobs, (unsigned)r + 1000);
		{
			struct roadnet *keep = p.net;

			p.net = NULL;
			t0 = bench_now();
			plan_office(crews, NCREWS, jobs, NJOBS, &p, 1500, 15);
			t_line[r] = bench_now() - t0;
			p.net = keep;
		}
		bench_office(crews, jobs, (unsigned)r + 1000);
		t0 = bench_now();
		plan_office(crews, NCREWS, jobs, NJOBS, &p, 1500, 15);
		t_first[r] = bench_now() - t0;
		/* A new call: one more place, the rest as before. */
		bench_office(crews, jobs, (unsigned)r + 1000);
		jobs[NJOBS - 1].e = (r * 7919) % 6000;
		jobs[NJOBS - 1].n = (r * 104729) % 6000;
		t0 = bench_now();
		plan_office(crews, NCREWS, jobs, NJOBS, &p, 1500, 15);
		t_call[r] = bench_now() - t0;
	}
	roadnet_stats(p.net, &st);
	qsort(t_line, RUNS, sizeof *t_line, bench_cmp_double);
	qsort(t_first, RUNS, sizeof *t_first, bench_cmp_double);
	qsort(t_call, RUNS, sizeof *t_call, bench_cmp_double);
	printf("road network (%zu vertices, %zu edges, %.0f km): office "
	       "re-plan after a new call p50 %.2f ms, p99 %.2f ms (target p99 "
	       "< 20 ms); the office's first plan on the roads p50 %.2f ms, "
	       "p99 %.2f ms; straight line, same offices, p50 %.2f ms, p99 "
	       "%.2f ms; ratio p99 new call / straight %.2f, first / straight "
	       "%.2f (%zu shortest-path trees, %zu answers from kept ones)\n",
	    st.vertices, st.edges, st.km, t_call[RUNS / 2],
	    t_call[RUNS * 99 / 100], t_first[RUNS / 2],
	    t_first[RUNS * 99 / 100], t_line[RUNS / 2], t_line[RUNS * 99 / 100],
	    t_call[RUNS * 99 / 100] / t_line[RUNS * 99 / 100],
	    t_first[RUNS * 99 / 100] / t_line[RUNS * 99 / 100], st.trees,
	    st.cache_hit);
	roadnet_free(p.net);
}

/*
 * Crew v's day as the office planned it: its jobs copied into day (how many
 * returned), and its break, if any, in p.
 */
static int
bench_crew_jobs(struct plan_crew *crews, const struct plan_job *jobs, int v,
    struct plan_job *day, struct rank_params *p)
{
	int i, n = 0;

	for (i = 0; i < NJOBS; i++)
		if (jobs[i].crew == v)
			day[n++] = jobs[i];
	p->brk = crews[v].brk.len > 0 ? &crews[v].brk : NULL;
	return n;
}

int
main(void)
{
	static struct plan_crew crews[NCREWS];
	static struct plan_job jobs[NJOBS], day[NJOBS];
	static double t_office[RUNS], b_office[RUNS], t_crews[RUNS],
	    b_crews[RUNS];
	struct rank_params p = {.speed_kmh = 20, .detour = 1.4};
	double t0;
	int r, v, i, n, late = 0;

	bench_clock = bench_clock_from_env();
	printf("clock: %s\n",
	    bench_clock == CLOCK_MONOTONIC ? "wall" : "thread CPU time");

	for (r = 0; r < RUNS; r++) {
		bench_office(crews, jobs, (unsigned)r + 1);
		t0 = bench_now();
		plan_office(crews, NCREWS, jobs, NJOBS, &p, 1, 0);
		b_office[r] = bench_now() - t0;
		bench_office(crews, jobs, (unsigned)r + 1);
		t0 = bench_now();
		plan_office(crews, NCREWS, jobs, NJOBS, &p, 1500, 15);
		t_office[r] = bench_now() - t0;
		/* The live planner: every crew's own day, one after another. */
		t0 = bench_now();
		for (v = 0; v < NCREWS; v++) {
			n = bench_crew_jobs(crews, jobs, v, day, &p);
			plan_crew_day(crews[v].e, crews[v].n,
			    crews[v].shift_end, day, n, &p);
			for (i = 0; i < n; i++)
				late += day[i].late > 0;
		}
		t_crews[r] = bench_now() - t0;
		t0 = bench_now();
		for (v = 0; v < NCREWS; v++) {
			n = bench_crew_jobs(crews, jobs, v, day, &p);
			plan_times(crews[v].e, crews[v].n, crews[v].shift_end,
			    day, n, &p);
		}
		b_crews[r] = bench_now() - t0;
	}
	bench_report("office re-plan (plan_office, 8 crews, 50 jobs)", t_office,
	    b_office);
	qsort(t_crews, RUNS, sizeof *t_crews, bench_cmp_double);
	qsort(b_crews, RUNS, sizeof *b_crews, bench_cmp_double);
	printf("every crew's own day (plan_crew_day x 8): p50 %.2f ms, p99 "
	       "%.2f ms; timing the given orders only p99 %.3f ms\n",
	    t_crews[RUNS / 2], t_crews[RUNS * 99 / 100],
	    b_crews[RUNS * 99 / 100]);
	printf("(stops planned late over all runs: %d)\n", late);
	bench_roads();
	return 0;
}
