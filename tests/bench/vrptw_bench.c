/*
 * The day planner's solver on Solomon's VRPTW instances (C1, R1, RC1):
 * per instance the vehicles and distance against the best known, the gap,
 * the time; then the share of instances at the best-known fleet and the
 * mean gap. The baseline measured in the same run is the solver's own
 * construction (greedy insertion, one move), so the ratio shows what the
 * search adds. Usage: vrptw_bench DIR [TIME_MS] (DIR holds NAME.txt files
 * and best_known.csv).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vrptw.h"

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

int
main(int argc, char **argv)
{
	char path[1024], line[256], name[64], *text, *cause;
	struct vrptw_problem p;
	struct vrptw_params prm = {1000, 0, 1}, base = {0, 1, 1};
	struct vrptw_solution s, b;
	double bkd, gap, gsum = 0, bgsum = 0, tsum = 0, gsame = 0;
	int bkv, n = 0, at = 0, bat = 0, nsame = 0;
	size_t len;
	FILE *csv;

	if (argc < 2) {
		fprintf(stderr, "usage: vrptw_bench DIR [TIME_MS]\n");
		return 2;
	}
	if (argc > 2)
		prm.time_ms = atoi(argv[2]);
	snprintf(path, sizeof path, "%s/best_known.csv", argv[1]);
	if ((csv = fopen(path, "r")) == NULL) {
		perror(path);
		return 1;
	}
	printf("%-7s %4s %9s | %4s %9s %7s %7s | construction %4s %7s\n",
	    "inst", "bk_v", "bk_dist", "veh", "dist", "gap%", "ms", "veh",
	    "gap%");
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
		vrptw_solve(&p, &base, &b);
		vrptw_solve(&p, &prm, &s);
		gap = (s.distance - bkd) / bkd * 100;
		printf("%-7s %4d %9.2f | %4d %9.2f %7.2f %7.0f | %4d %7.2f\n",
		    name, bkv, bkd, s.vehicles_used, s.distance, gap,
		    s.elapsed_ms, b.vehicles_used,
		    (b.distance - bkd) / bkd * 100);
		n++;
		at += s.vehicles_used <= bkv;
		bat += b.vehicles_used <= bkv;
		gsum += gap;
		bgsum += (b.distance - bkd) / bkd * 100;
		tsum += s.elapsed_ms;
		if (s.vehicles_used == bkv) {
			nsame++;
			gsame += gap;
		}
		vrptw_solution_free(&s);
		vrptw_solution_free(&b);
		vrptw_problem_free(&p);
	}
	fclose(csv);
	if (n == 0)
		return 1;
	printf("instances %d, at best-known vehicles %d (%.0f%%), mean gap "
	       "%.2f%% (%.2f%% over the %d at the best-known fleet), mean "
	       "time %.0f ms\n",
	    n, at, 100.0 * at / n, gsum / n, nsame ? gsame / nsame : 0, nsame,
	    tsum / n);
	printf("baseline (construction only): at best-known vehicles %d, "
	       "mean gap %.2f%%\n",
	    bat, bgsum / n);
	return 0;
}
