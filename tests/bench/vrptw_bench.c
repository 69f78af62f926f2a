/*
 * The day planner's solver on Solomon's VRPTW instances (C1, R1, RC1):
 * per instance the vehicles and distance against the best known, the gap,
 * the CPU and wall time; then, per seed, the share of instances at the
 * best-known fleet and the mean gap, and per series over all seeds. The
 * baseline measured in the same run is the solver's own construction
 * (greedy insertion, one move), so the ratio shows what the search adds.
 *
 * Usage: vrptw_bench DIR [TIME_MS [SEEDS]] (DIR holds NAME.txt files and
 * best_known.csv; SEEDS runs of each instance with seeds 1..SEEDS).
 * With a time alone the solver's budget is work, so a seed's result does
 * not depend on the machine's load unless the CPU time ran out first
 * ("time-bound" counts those runs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "vrptw.h"

#define BENCH_MAX_SEEDS 20

struct bench_tally {
	int n, at, bound;
	double gap, gap_at, cpu, cpu_max, wall;
};

static char *
bench_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	if (f == NULL)
		return NULL;
	buf = malloc(4 << 20);
	if (buf == NULL) {
		fclose(f);
		return NULL;
	}
	*len = fread(buf, 1, 4 << 20, f);
	fclose(f);
	return buf;
}

static void
bench_count(struct bench_tally *t, const struct vrptw_solution *s, int bkv,
    double gap, double wall)
{
	t->n++;
	t->at += s->vehicles_used <= bkv;
	t->bound += s->time_bound;
	t->gap += gap;
	if (s->vehicles_used == bkv)
		t->gap_at += gap;
	t->cpu += s->elapsed_ms;
	if (s->elapsed_ms > t->cpu_max)
		t->cpu_max = s->elapsed_ms;
	t->wall += wall;
}

static void
bench_print(const char *what, const struct bench_tally *t)
{
	if (t->n == 0)
		return;
	printf("%-8s at best-known vehicles %3d of %3d (%3.0f%%), mean gap "
	       "%5.2f%% (%5.2f%% at the best-known fleet), CPU ms mean %4.0f "
	       "max %4.0f, wall ms mean %5.0f, time-bound %d\n",
	    what, t->at, t->n, 100.0 * t->at / t->n, t->gap / t->n,
	    t->at ? t->gap_at / t->at : 0, t->cpu / t->n, t->cpu_max,
	    t->wall / t->n, t->bound);
}

/* The series of an instance name: C1, R1, RC1 (0, 1, 2). */
static int
bench_series(const char *name)
{
	if (strncmp(name, "RC", 2) == 0)
		return 2;
	return name[0] == 'R';
}

/* Solves one instance with every seed; prints its row. */
static void
bench_instance(struct vrptw_problem *p, const char *name, int bkv, double bkd,
    int seeds, int time_ms, struct bench_tally *per_seed,
    struct bench_tally *series, struct bench_tally *base)
{
	struct vrptw_params prm = {time_ms, 0, 1}, bp = {0, 1, 1};
	struct vrptw_solution s;
	double gap, w;
	int k;

	vrptw_solve(p, &bp, &s);
	gap = (s.distance - bkd) / bkd * 100;
	bench_count(base, &s, bkv, gap, 0);
	printf(
	    "%-6s %4d %8.2f | %4d %7.2f", name, bkv, bkd, s.vehicles_used, gap);
	vrptw_solution_free(&s);
	for (k = 0; k < seeds; k++) {
		prm.seed = (unsigned)k + 1;
		w = 1e3 * bench_clock_s(CLOCK_MONOTONIC);
		vrptw_solve(p, &prm, &s);
		w = 1e3 * bench_clock_s(CLOCK_MONOTONIC) - w;
		gap = (s.distance - bkd) / bkd * 100;
		bench_count(&per_seed[k], &s, bkv, gap, w);
		bench_count(&series[bench_series(name)], &s, bkv, gap, w);
		if (k == 0)
			printf(" | %4d %9.2f %6.2f %5.0f %6.0f%s |",
			    s.vehicles_used, s.distance, gap, s.elapsed_ms, w,
			    s.time_bound ? "!" : " ");
		printf(
		    " %d%s", s.vehicles_used, s.vehicles_used > bkv ? "+" : "");
		vrptw_solution_free(&s);
	}
	printf("\n");
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	static const char *const series_names[] = {"C1", "R1", "RC1"};
	struct bench_tally per_seed[BENCH_MAX_SEEDS] = {{0}}, series[3] = {{0}};
	struct bench_tally base = {0};
	char path[1024], line[256], name[64], *text, *cause;
	struct vrptw_problem p;
	double bkd;
	int bkv, seeds = 1, time_ms = 1000, k;
	size_t len;
	FILE *csv;

	if (argc < 2) {
		fprintf(stderr, "usage: vrptw_bench DIR [TIME_MS [SEEDS]]\n");
		return 2;
	}
	if (argc > 2)
		time_ms = atoi(argv[2]);
	if (argc > 3)
		seeds = atoi(argv[3]);
	if (time_ms < 1 || seeds < 1 || seeds > BENCH_MAX_SEEDS) {
		fprintf(stderr, "vrptw_bench: TIME_MS >= 1, SEEDS 1..%d\n",
		    BENCH_MAX_SEEDS);
		return 2;
	}
	snprintf(path, sizeof path, "%s/best_known.csv", argv[1]);
	if ((csv = fopen(path, "r")) == NULL) {
		perror(path);
		return 1;
	}
	printf("%-6s %4s %8s | construction %-7s | seed 1: %4s %9s %6s %5s "
	       "%6s  | vehicles, seeds 1..%d (+: over best known; !: "
	       "time-bound)\n",
	    "inst", "bk_v", "bk_dist", "veh gap%", "veh", "dist", "gap%", "cpu",
	    "wall", seeds);
	while (fgets(line, sizeof line, csv) != NULL) {
		if (sscanf(line, "%63[^,],%d,%lf", name, &bkv, &bkd) != 3)
			continue;
		snprintf(path, sizeof path, "%s/%s.txt", argv[1], name);
		if ((text = bench_slurp(path, &len)) == NULL) {
			perror(path);
			return 1;
		}
		if (vrptw_solomon_parse(text, len, &p, &cause) != 0) {
			fprintf(stderr, "%s: %s\n", path, cause);
			return 1;
		}
		free(text);
		bench_instance(&p, name, bkv, bkd, seeds, time_ms, per_seed,
		    series, &base);
		vrptw_problem_free(&p);
	}
	fclose(csv);
	if (base.n == 0)
		return 1;
	for (k = 0; k < seeds; k++) {
		snprintf(name, sizeof name, "seed %d", k + 1);
		bench_print(name, &per_seed[k]);
	}
	for (k = 0; k < 3; k++)
		bench_print(series_names[k], &series[k]);
	printf("baseline (construction only): at best-known vehicles %d of "
	       "%d, mean gap %.2f%%\n",
	    base.at, base.n, base.gap / base.n);
	return 0;
}
