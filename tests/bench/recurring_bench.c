/*
 * Recurring sites and the outlook over five years of a city's requests
 * (issue 17): 500,000 generated requests in 8 categories over a 25 x 24
 * km city, with seasonal wasps and places that come back every year.
 *
 * Times, in the same run:
 *   C       recurring_cluster() + recurring_sites() per category and
 *           outlook_compute() per category on the weekly counts, on the
 *           points in memory (the model's cost alone);
 *   C+SQL   the same after reading the rows from PostgreSQL (what the
 *           API pays: the SELECT, the parsing and the model);
 *   PostGIS ST_ClusterDBSCAN(geom, eps => R, minpoints => 2) OVER
 *           (PARTITION BY category), rows fetched, and the same
 *           two-season rule in SQL;
 * and checks that both find the same clusters (the same partition of the
 * points) and the same recurring sites.
 *
 *   recurring_bench -d CONNINFO [-n requests] [-r radius_m]
 *
 * Uses the schema recurring_bench in the database and drops it at the
 * end. Needs PostGIS.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "bench.h"
#include "outlook.h"
#include "recurring.h"

#define NCAT   8
#define YEARS  5
#define WEEKS  (YEARS * 52 + 1)
#define SIZE_E 25000.0
#define SIZE_N 24000.0

struct req {
	int cat;
	double e, n;
	int season; /* 2022 .. 2026 */
	int week;   /* 0 .. WEEKS-1 */
};

static uint64_t rng = 20261205;

/* This process's CPU seconds: less noisy than the wall on a busy machine. */
static double
cpu_s(void)
{
	return bench_clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

/* Wasp-like seasons for category 0, flatter for the others. */
static int
pick_week(int cat)
{
	for (;;) {
		int w = (int)(bench_next(&rng) % (WEEKS - 1));
		double y = (double)(w % 52) / 52.0, f;

		f = cat == 0 ? exp(-pow((y - 0.62) / 0.09, 2))
		             : 0.6 + 0.4 * sin(2 * M_PI * y + cat);
		if (bench_uniform(&rng) < f)
			return w;
	}
}

/*
 * n requests: a fifth at 12,000 recurring places (a few metres apart,
 * in 2 to 5 seasons), the rest scattered.
 */
static struct req *
generate(size_t n)
{
	struct req *r = calloc(n, sizeof *r);
	size_t i = 0, k;
	static const double share[NCAT] = {
	    .40, .20, .10, .08, .07, .06, .05, .04};

	if (r == NULL)
		bench_die("out of memory");
	while (i < n / 5) {
		int cat = (int)(bench_next(&rng) % 4),
		    visits = 2 + (int)(bench_next(&rng) % 6);
		double e = bench_uniform(&rng) * SIZE_E,
		       no = bench_uniform(&rng) * SIZE_N;

		for (k = 0; k < (size_t)visits && i < n / 5; k++, i++) {
			r[i].cat = cat;
			r[i].e = e + (bench_uniform(&rng) - 0.5) * 8;
			r[i].n = no + (bench_uniform(&rng) - 0.5) * 8;
			r[i].week = pick_week(cat);
		}
	}
	for (; i < n; i++) {
		double u = bench_uniform(&rng), acc = 0;
		int c;

		for (c = 0; c < NCAT - 1; c++) {
			acc += share[c];
			if (u < acc)
				break;
		}
		r[i].cat = c;
		r[i].e = bench_uniform(&rng) * SIZE_E;
		r[i].n = bench_uniform(&rng) * SIZE_N;
		r[i].week = pick_week(c);
	}
	for (i = 0; i < n; i++)
		r[i].season = 2022 + r[i].week / 52;
	return r;
}

struct result {
	int *label;   /* per request, per category labels made global */
	size_t sites; /* recurring sites */
	size_t in_sites;
	int clusters;
	double peak[NCAT];
};

/* The model on rows sorted by category. */
static void
model(const struct req *r, size_t n, double radius, struct result *out)
{
	struct recurring_point *p = malloc(n * sizeof *p);
	struct recurring_site *s;
	int counts[WEEKS], nc, *lab = out->label;
	size_t a = 0, b, i, ns, j;
	char *cause;

	if (p == NULL)
		bench_die("out of memory");
	out->sites = out->in_sites = 0;
	out->clusters = 0;
	for (i = 0; i < n; i++) {
		p[i].e = r[i].e;
		p[i].n = r[i].n;
		p[i].season = r[i].season;
	}
	while (a < n) {
		struct outlook_in in = {
		    counts, WEEKS, 0, 1 + (WEEKS - 1) % 52, 52, 6.0, 5};
		struct outlook_out o;

		for (b = a; b < n && r[b].cat == r[a].cat; b++)
			;
		nc = recurring_cluster(p + a, b - a, radius, lab + a);
		if (nc < 0)
			bench_die("radius");
		ns = recurring_sites(p + a, b - a, lab + a, nc, 2, &s);
		out->sites += ns;
		for (j = 0; j < ns; j++)
			out->in_sites += s[j].count;
		recurring_sites_free(s, ns);
		/* Labels made unique across categories. */
		for (i = a; i < b; i++) {
			if (lab[i] >= 0)
				lab[i] += out->clusters;
		}
		out->clusters += nc;
		memset(counts, 0, sizeof counts);
		for (i = a; i < b; i++)
			counts[r[i].week]++;
		if (outlook_compute(&in, &o, &cause) != 0)
			bench_die("%s", cause);
		out->peak[r[a].cat] = o.peak_expected;
		outlook_out_free(&o);
		a = b;
	}
	free(p);
}

static PGresult *
q(PGconn *c, const char *sql)
{
	PGresult *res = PQexec(c, sql);

	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK)
		bench_die("%s: %s", sql, PQerrorMessage(c));
	return res;
}

static void
load(PGconn *c, const struct req *r, size_t n)
{
	char buf[256];
	size_t i;
	int len;
	PGresult *res;

	PQclear(q(c,
	    "DROP SCHEMA IF EXISTS recurring_bench CASCADE;"
	    "CREATE SCHEMA recurring_bench;"
	    "CREATE TABLE recurring_bench.req (id int PRIMARY KEY,"
	    " category int, e float8, n float8, season int, week int,"
	    " geom geometry(Point, 0))"));
	res = PQexec(c,
	    "COPY recurring_bench.req (id, category, e, n, season,"
	    " week) FROM STDIN");
	if (PQresultStatus(res) != PGRES_COPY_IN)
		bench_die("copy: %s", PQerrorMessage(c));
	PQclear(res);
	for (i = 0; i < n; i++) {
		len =
		    snprintf(buf, sizeof buf, "%zu\t%d\t%.17g\t%.17g\t%d\t%d\n",
		        i, r[i].cat, r[i].e, r[i].n, r[i].season, r[i].week);
		if (PQputCopyData(c, buf, len) != 1)
			bench_die("copy: %s", PQerrorMessage(c));
	}
	if (PQputCopyEnd(c, NULL) != 1)
		bench_die("copy end: %s", PQerrorMessage(c));
	PQclear(PQgetResult(c));
	PQclear(q(c,
	    "UPDATE recurring_bench.req SET geom = ST_MakePoint(e, n);"
	    "CREATE INDEX ON recurring_bench.req (category, id);"
	    "CREATE INDEX ON recurring_bench.req USING gist (geom);"
	    "ANALYZE recurring_bench.req"));
}

/* C+SQL: read the rows as the API does, then the model. */
static double
time_c_sql(PGconn *c, double radius, struct result *out)
{
	double t0 = bench_clock_s(CLOCK_MONOTONIC);
	PGresult *res = q(c,
	    "SELECT category, e, n, season, week FROM"
	    " recurring_bench.req ORDER BY category, id");
	int rows = PQntuples(res), i;
	struct req *r = malloc((size_t)rows * sizeof *r);

	if (r == NULL)
		bench_die("out of memory");
	for (i = 0; i < rows; i++) {
		r[i].cat = atoi(PQgetvalue(res, i, 0));
		r[i].e = strtod(PQgetvalue(res, i, 1), NULL);
		r[i].n = strtod(PQgetvalue(res, i, 2), NULL);
		r[i].season = atoi(PQgetvalue(res, i, 3));
		r[i].week = atoi(PQgetvalue(res, i, 4));
	}
	PQclear(res);
	model(r, (size_t)rows, radius, out);
	free(r);
	return bench_clock_s(CLOCK_MONOTONIC) - t0;
}

int
main(int argc, char **argv)
{
	const char *conninfo = NULL;
	size_t n = 500000, i, *order, sites_pg = 0, in_sites_pg = 0;
	double radius = 30, t, best_c = 1e9, best_cs = 1e9, best_pg = 1e9;
	double cpu_c = 1e9, cpu_cs = 1e9;
	struct req *r;
	struct result res = {0}, res2 = {0};
	PGconn *c;
	PGresult *pg;
	int opt, round, *map, *back, mismatch = 0, pg_clusters = 0;
	char sql[1024];

	while ((opt = getopt(argc, argv, "d:n:r:")) != -1) {
		if (opt == 'd')
			conninfo = optarg;
		else if (opt == 'n')
			n = (size_t)strtoul(optarg, NULL, 10);
		else if (opt == 'r')
			radius = strtod(optarg, NULL);
		else
			bench_die(
			    "usage: recurring_bench -d CONNINFO [-n N] [-r M]");
	}
	if (conninfo == NULL || n < 100)
		bench_die("usage: recurring_bench -d CONNINFO [-n N] [-r M]");
	r = generate(n);
	/* The database's order: category, then id (stable sort by index). */
	order = malloc(n * sizeof *order);
	for (i = 0; i < n; i++)
		order[i] = i;
	{
		struct req *sorted = malloc(n * sizeof *sorted);
		size_t k = 0;
		int cat;

		for (cat = 0; cat < NCAT; cat++)
			for (i = 0; i < n; i++)
				if (r[i].cat == cat) {
					order[k] = i;
					sorted[k++] = r[i];
				}
		res.label = malloc(n * sizeof *res.label);
		res2.label = malloc(n * sizeof *res2.label);
		for (round = 0; round < 3; round++) {
			double c0 = cpu_s();

			t = bench_clock_s(CLOCK_MONOTONIC);
			model(sorted, n, radius, &res);
			t = bench_clock_s(CLOCK_MONOTONIC) - t;
			best_c = t < best_c ? t : best_c;
			c0 = cpu_s() - c0;
			cpu_c = c0 < cpu_c ? c0 : cpu_c;
		}
		free(sorted);
	}
	printf(
	    "recurring: %zu requests, %d categories, %d years, radius %.0f m\n",
	    n, NCAT, YEARS, radius);
	printf(
	    "  C (model only)      %8.3f s wall, %.3f s CPU; %d clusters, %zu"
	    " recurring sites (%zu requests)\n",
	    best_c, cpu_c, res.clusters, res.sites, res.in_sites);
	if ((c = PQconnectdb(conninfo)) == NULL || PQstatus(c) != CONNECTION_OK)
		bench_die(
		    "connect: %s", c != NULL ? PQerrorMessage(c) : "no memory");
	PQclear(q(c,
	    "SET client_min_messages = warning;"
	    "CREATE EXTENSION IF NOT EXISTS postgis;"
	    "SET work_mem = '256MB'"));
	t = bench_clock_s(CLOCK_MONOTONIC);
	load(c, r, n);
	printf("  (loading into PostgreSQL, not timed: %.1f s)\n",
	    bench_clock_s(CLOCK_MONOTONIC) - t);
	for (round = 0; round < 3; round++) {
		double c0 = cpu_s();

		t = time_c_sql(c, radius, &res2);
		best_cs = t < best_cs ? t : best_cs;
		c0 = cpu_s() - c0;
		cpu_cs = c0 < cpu_cs ? c0 : cpu_cs;
	}
	printf("  C+SQL (read + model) %7.3f s wall, %.3f s CPU here\n",
	    best_cs, cpu_cs);
	snprintf(sql, sizeof sql,
	    "SELECT id, ST_ClusterDBSCAN(geom, eps => %.17g, minpoints => 2)"
	    " OVER (PARTITION BY category) FROM recurring_bench.req",
	    radius);
	pg = NULL;
	for (round = 0; round < 3; round++) {
		if (pg != NULL)
			PQclear(pg);
		t = bench_clock_s(CLOCK_MONOTONIC);
		pg = q(c, sql);
		t = bench_clock_s(CLOCK_MONOTONIC) - t;
		best_pg = t < best_pg ? t : best_pg;
	}
	printf("  PostGIS DBSCAN      %8.3f s\n", best_pg);
	/* Same partition: C label <-> (category, PostGIS cluster id). */
	map = malloc((size_t)(res.clusters + 1) * sizeof *map);
	for (i = 0; i < (size_t)res.clusters; i++)
		map[i] = -1;
	{
		int *pgl = malloc(n * sizeof *pgl), maxc = -1;

		for (i = 0; i < (size_t)PQntuples(pg); i++) {
			size_t id =
			    strtoul(PQgetvalue(pg, (int)i, 0), NULL, 10);

			pgl[id] = PQgetisnull(pg, (int)i, 1)
			    ? -1
			    : atoi(PQgetvalue(pg, (int)i, 1)) * NCAT +
			        r[id].cat;
			if (pgl[id] > maxc)
				maxc = pgl[id];
		}
		back = malloc((size_t)(maxc + 2) * sizeof *back);
		for (i = 0; i < (size_t)maxc + 1; i++)
			back[i] = -1;
		for (i = 0; i < n; i++) {
			int cl = res.label[i], pl = pgl[order[i]];

			if ((cl < 0) != (pl < 0)) {
				mismatch++;
				continue;
			}
			if (cl < 0)
				continue;
			if (map[cl] < 0 && back[pl] < 0) {
				map[cl] = pl;
				back[pl] = cl;
				pg_clusters++;
			} else if (map[cl] != pl || back[pl] != cl)
				mismatch++;
		}
		free(pgl);
	}
	PQclear(pg);
	/* The two-season rule on PostGIS's clusters. */
	snprintf(sql, sizeof sql,
	    "SELECT count(*), coalesce(sum(n), 0) FROM (SELECT count(*) AS n"
	    " FROM (SELECT category, season, ST_ClusterDBSCAN(geom, eps =>"
	    " %.17g, minpoints => 2) OVER (PARTITION BY category) AS cid FROM"
	    " recurring_bench.req) x WHERE cid IS NOT NULL GROUP BY category,"
	    " cid HAVING count(DISTINCT season) >= 2) s",
	    radius);
	pg = q(c, sql);
	sites_pg = strtoul(PQgetvalue(pg, 0, 0), NULL, 10);
	in_sites_pg = strtoul(PQgetvalue(pg, 0, 1), NULL, 10);
	PQclear(pg);
	printf("  PostGIS: %d clusters, %zu recurring sites (%zu requests)\n",
	    pg_clusters, sites_pg, in_sites_pg);
	printf("  same clusters: %s (%d points differ); same sites: %s\n",
	    mismatch == 0 && pg_clusters == res.clusters ? "yes" : "NO",
	    mismatch,
	    sites_pg == res.sites && in_sites_pg == res.in_sites ? "yes"
	                                                         : "NO");
	printf("  ratio PostGIS / C+SQL: %.1fx; PostGIS / C: %.1fx (wall)\n",
	    best_pg / best_cs, best_pg / best_c);
	{
		char la[64] = "?";
		FILE *f = fopen("/proc/loadavg", "r");

		if (f != NULL) {
			if (fgets(la, sizeof la, f) == NULL)
				snprintf(la, sizeof la, "?");
			fclose(f);
		}
		printf("  load average: %s", la);
	}
	PQclear(q(c, "DROP SCHEMA recurring_bench CASCADE"));
	PQfinish(c);
	free(map);
	free(back);
	free(order);
	free(res.label);
	free(res2.label);
	free(r);
	return mismatch == 0 && sites_pg == res.sites ? 0 : 2;
}
