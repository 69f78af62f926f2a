/*
 * Ranking 5,000 crews for one request, in-process, as the recommendation
 * handler does: the median of many runs, against a bare qsort of 5,000
 * doubles measured in the same run (the floor any ranking by sort has).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rank.h"

#define NCREWS 5000
#define RUNS   301

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
bench_median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, bench_cmp_double);
	return v[n / 2];
}

static void
bench_fill(struct rank_crew *c, unsigned seed)
{
	size_t i;

	srand(seed);
	for (i = 0; i < NCREWS; i++) {
		memset(&c[i], 0, sizeof c[i]);
		c[i].id = (long long)i;
		/* Spread over a 40 km square, like a large city. */
		c[i].easting = (double)(rand() % 40000) - 20000;
		c[i].northing = (double)(rand() % 40000) - 20000;
		c[i].busy_minutes = (double)(rand() % 4) * 20;
		c[i].queue = rand() % 3;
	}
}

int
main(void)
{
	static struct rank_crew crews[NCREWS];
	static double keys[NCREWS], t_rank[RUNS], t_sort[RUNS];
	struct rank_params p = {.speed_kmh = 20, .detour = 1.4};
	double t0, mr, ms;
	size_t i;
	int r;

	for (r = 0; r < RUNS; r++) {
		bench_fill(crews, (unsigned)r);
		for (i = 0; i < NCREWS; i++)
			keys[i] = crews[i].easting;
		t0 = bench_now();
		rank_crews(1234, -567, crews, NCREWS, &p);
		t_rank[r] = bench_now() - t0;
		t0 = bench_now();
		qsort(keys, NCREWS, sizeof keys[0], bench_cmp_double);
		t_sort[r] = bench_now() - t0;
	}
	mr = bench_median(t_rank, RUNS);
	ms = bench_median(t_sort, RUNS);
	printf("rank %d crews: median %.3f ms (target < 1 ms)\n", NCREWS,
	    mr * 1e3);
	printf(
	    "baseline qsort of %d doubles: median %.3f ms\n", NCREWS, ms * 1e3);
	printf("ratio rank/qsort: %.2f\n", mr / ms);
	return 0;
}
