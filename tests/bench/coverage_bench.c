/*
 * Weekly patrol coverage (patrol issue): coverage_compute() on a 1,000 km
 * street network and 1,000,000 track fixes, against the same computation
 * done by PostGIS on the same data in the same run: per piece and patrol,
 * ST_Length(ST_Intersection(piece, ST_Union(ST_Buffer(segment, d)))) over
 * the ST_DWithin(piece, segment, d) pairs, the best patrol per piece, and
 * per ward the pieces whose best share reaches the threshold.
 *
 *   coverage_bench [-cekx] [-q quad_segs] [-r runs] [-s scale] [conninfo]
 *
 * conninfo defaults to $DATABASE_URL; the database needs PostGIS, and
 * gets a schema coverage_bench, dropped at the end unless -k. -x skips
 * PostGIS. -s scales the network's length and the fixes (1: the issue's
 * size). -r: runs of ours, the median kept (3); PostGIS runs once. -q:
 * ST_Buffer's quad_segs (16). -c also compares every piece's share with
 * PostGIS's, a second (untimed) PostGIS pass. -e prints PostGIS's plan.
 *
 * The data is made up, deterministically: a grid of streets 200 m apart
 * that wiggle a little, cut into 100 m pieces (network_cut), four wards
 * (the quadrants); patrols of about 55 minutes at 1 Hz driving the streets
 * at 8-20 km/h, some stretches at 40 km/h (which must not count), stops
 * at corners, gaps of 30 s (bridged) and 3 min (not), GPS noise of 4 m
 * that drifts rather than jumps from one fix to the next, as real
 * receivers' does (white noise of 4 m would make most 1 s steps look
 * faster than patrol speed).
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
#include "coverage.h"
#include "geo.h"
#include "network.h"
#include "xmalloc.h"

#define BENCH_STREETS 51      /* each way, at scale 1 */
#define BENCH_SPACING 200.0   /* metres between parallel streets */
#define BENCH_VERTEX  20.0    /* metres between a street's vertices */
#define BENCH_PIECE   100.0   /* piece length */
#define BENCH_FIXES   1000000 /* at scale 1 */
#define BENCH_PATROLS 300     /* at scale 1 */
#define BENCH_WARDS   4
#define BENCH_LANE    3.0  /* metres left of the centreline */
#define BENCH_SIGMA   4.0  /* GPS noise, each axis */
#define BENCH_RHO     0.95 /* its correlation from one second to the next */
#define BENCH_WEEK    1794754800 /* Monday 2026-11-16 00:00 +09:00 */
#define BENCH_SCHEMA  "coverage_bench"

struct bench_street {
	double amp; /* lateral wiggle, metres */
	int waves;  /* per block: the wiggle is 0 at every crossing */
};

struct bench_net {
	int streets;                 /* each way */
	struct bench_street *street; /* east-west ones, then north-south */
	struct coverage_piece *pc;
	int *ward;   /* 0..BENCH_WARDS-1 */
	double *len; /* metres */
	size_t npc;
};

struct bench_car {
	int ix, iy;    /* the crossing last passed */
	int dir;       /* 0 east, 1 north, 2 west, 3 south */
	double s;      /* metres past the crossing */
	double v;      /* m/s */
	int fast;      /* blocks still to drive at 40 km/h */
	int stop;      /* seconds still to wait */
	double nx, ny; /* GPS error */
};

struct bench_ward {
	size_t pieces, inspected;
	double km, km_inspected;
};

struct bench_copy {
	PGconn *conn;
	char buf[1 << 20];
	size_t len;
};

static const int bench_dx[4] = {1, 0, -1, 0};
static const int bench_dy[4] = {0, 1, 0, -1};
static const char *bench_ward_name[BENCH_WARDS] = {"SW", "SE", "NW", "NE"};

static uint64_t bench_seed = 20261116;

static double
bench_gauss(void)
{
	double u = 1 - bench_uniform(&bench_seed),
	       v = bench_uniform(&bench_seed);

	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static double
bench_wiggle(const struct bench_street *st, double along)
{
	return st->amp * sin(2 * M_PI * st->waves * along / BENCH_SPACING);
}

static void
bench_piece_add(
    struct bench_net *net, const double *xy, size_t npoints, size_t *cap)
{
	struct coverage_piece *pc;
	double *copy, mx, my, mid = (net->streets - 1) * BENCH_SPACING / 2;

	if (net->npc == *cap) {
		*cap = *cap * 2 + 1024;
		net->pc = xreallocarray(net->pc, *cap, sizeof *net->pc);
		net->ward = xreallocarray(net->ward, *cap, sizeof *net->ward);
		net->len = xreallocarray(net->len, *cap, sizeof *net->len);
	}
	copy = xreallocarray(NULL, npoints, 2 * sizeof *copy);
	memcpy(copy, xy, npoints * 2 * sizeof *copy);
	pc = &net->pc[net->npc];
	memset(pc, 0, sizeof *pc);
	pc->id = (long long)net->npc;
	pc->xy = copy;
	pc->npoints = npoints;
	mx = (xy[0] + xy[2 * npoints - 2]) / 2;
	my = (xy[1] + xy[2 * npoints - 1]) / 2;
	net->ward[net->npc] = (mx >= mid) + 2 * (my >= mid);
	net->len[net->npc++] = geo_length(copy, npoints);
}

static void
bench_network(struct bench_net *net, int streets)
{
	struct network_piece *np;
	double *xy, along, extent = (streets - 1) * BENCH_SPACING;
	size_t cap = 0, n, npts, i, k;
	int s;

	memset(net, 0, sizeof *net);
	net->streets = streets;
	net->street = xcalloc(2 * (size_t)streets, sizeof *net->street);
	npts = (size_t)lround(extent / BENCH_VERTEX) + 1;
	xy = xreallocarray(NULL, npts, 2 * sizeof *xy);
	for (s = 0; s < 2 * streets; s++) {
		struct bench_street *st = &net->street[s];
		double across = (s % streets) * BENCH_SPACING;

		st->amp = 4 * bench_uniform(&bench_seed);
		st->waves = 1 + (int)(bench_next(&bench_seed) % 2);
		for (i = 0; i < npts; i++) {
			along = (double)i * BENCH_VERTEX;
			if (s < streets) { /* east-west */
				xy[2 * i] = along;
				xy[2 * i + 1] =
				    across + bench_wiggle(st, along);
			} else {
				xy[2 * i] = across + bench_wiggle(st, along);
				xy[2 * i + 1] = along;
			}
		}
		/* No lon/lat here: the plane coordinates stand in. */
		n = network_cut(xy, xy, npts, BENCH_PIECE, &np);
		for (k = 0; k < n; k++)
			bench_piece_add(net, np[k].xy, np[k].npoints, &cap);
		network_pieces_free(np, n);
	}
	free(xy);
}

static void
bench_network_free(struct bench_net *net)
{
	size_t i;

	for (i = 0; i < net->npc; i++)
		free((double *)net->pc[i].xy);
	free(net->pc);
	free(net->ward);
	free(net->len);
	free(net->street);
}

static int
bench_car_can(const struct bench_net *net, const struct bench_car *c, int dir)
{
	int x = c->ix + bench_dx[dir], y = c->iy + bench_dy[dir];

	return x >= 0 && y >= 0 && x < net->streets && y < net->streets;
}

/*
 * At a crossing: on mostly straight, sometimes left or right, and rather
 * along main streets (every fifth), as patrols favour them: so some local
 * streets go uninspected in a week, as in life.
 */
static void
bench_car_turn(const struct bench_net *net, struct bench_car *c)
{
	int options[4], weight[4], n = 0, total = 0, pick, i, major;
	int turns[3] = {c->dir, (c->dir + 1) % 4, (c->dir + 3) % 4};

	for (i = 0; i < 3; i++) {
		if (!bench_car_can(net, c, turns[i]))
			continue;
		/* East-west streets are numbered by iy, the others by ix. */
		major = (bench_dy[turns[i]] == 0 ? c->iy : c->ix) % 5 == 0;
		options[n] = turns[i];
		weight[n] = (i == 0 ? 2 : 1) * (major ? 4 : 1);
		total += weight[n++];
	}
	if (n == 0) {
		c->dir = (c->dir + 2) % 4;
		return;
	}
	pick = (int)(bench_next(&bench_seed) % (uint64_t)total);
	for (i = 0; pick >= weight[i]; i++)
		pick -= weight[i];
	c->dir = options[i];
}

static void
bench_car_speed(struct bench_car *c)
{
	if (c->fast > 0) {
		c->fast--;
		c->v = 40 / 3.6;
	} else if (bench_uniform(&bench_seed) < 0.05) {
		c->fast = 1 + (int)(bench_next(&bench_seed) % 5);
		c->v = 40 / 3.6;
	} else
		c->v = (8 + 12 * bench_uniform(&bench_seed)) / 3.6;
}

static void
bench_car_step(const struct bench_net *net, struct bench_car *c)
{
	double k = BENCH_SIGMA * sqrt(1 - BENCH_RHO * BENCH_RHO);

	c->nx = BENCH_RHO * c->nx + k * bench_gauss();
	c->ny = BENCH_RHO * c->ny + k * bench_gauss();
	if (c->stop > 0) {
		c->stop--;
		return;
	}
	c->s += c->v;
	while (c->s >= BENCH_SPACING) {
		c->s -= BENCH_SPACING;
		c->ix += bench_dx[c->dir];
		c->iy += bench_dy[c->dir];
		bench_car_turn(net, c);
		bench_car_speed(c);
		if (bench_uniform(&bench_seed) < 0.15) {
			c->stop = 5 + (int)(bench_next(&bench_seed) % 36);
			c->s = 0;
		}
	}
}

static void
bench_car_where(const struct bench_net *net, const struct bench_car *c,
    double *e, double *n)
{
	int dx = bench_dx[c->dir], dy = bench_dy[c->dir];
	double x = c->ix * BENCH_SPACING + dx * c->s;
	double y = c->iy * BENCH_SPACING + dy * c->s;

	if (dy == 0)
		y += bench_wiggle(&net->street[c->iy], x);
	else
		x += bench_wiggle(&net->street[net->streets + c->ix], y);
	/* Japan keeps left: the lane is left of the direction of travel. */
	*e = x - dy * BENCH_LANE + c->nx;
	*n = y + dx * BENCH_LANE + c->ny;
}

static struct coverage_fix *
bench_tracks(const struct bench_net *net, size_t nfixes, size_t patrols)
{
	struct coverage_fix *f = xreallocarray(NULL, nfixes, sizeof *f);
	struct bench_car c;
	size_t i, k = 0, want;
	time_t t;
	int gap;

	for (i = 0; i < patrols; i++) {
		want = nfixes * (i + 1) / patrols - nfixes * i / patrols;
		memset(&c, 0, sizeof c);
		c.ix = (int)(bench_next(&bench_seed) % (uint64_t)net->streets);
		c.iy = (int)(bench_next(&bench_seed) % (uint64_t)net->streets);
		c.dir = (int)(bench_next(&bench_seed) % 4);
		if (!bench_car_can(net, &c, c.dir))
			c.dir = (c.dir + 2) % 4;
		c.s = BENCH_SPACING * bench_uniform(&bench_seed);
		c.nx = BENCH_SIGMA * bench_gauss();
		c.ny = BENCH_SIGMA * bench_gauss();
		bench_car_speed(&c);
		/* Spread over the week, a few patrols at a time. */
		t = BENCH_WEEK + (time_t)(i * 7 * 86400 / patrols) +
		    (time_t)(bench_next(&bench_seed) % 600);
		gap = 0;
		while (want > 0) {
			bench_car_step(net, &c);
			t++;
			if (gap > 0) {
				gap--;
				continue;
			}
			if (bench_uniform(&bench_seed) < 1.0 / 3000)
				gap = 180;
			else if (bench_uniform(&bench_seed) < 3.0 / 3000)
				gap = 30;
			f[k].session = 1 + (long long)i;
			f[k].at = t;
			bench_car_where(net, &c, &f[k].e, &f[k].n);
			k++;
			want--;
		}
	}
	return f;
}

/* The median time of `runs` coverage_compute() calls. */
static double
bench_ours(struct bench_net *net, const struct coverage_fix *f, size_t nfixes,
    const struct coverage_params *p, int runs, size_t *inspected)
{
	double *t = xcalloc((size_t)runs, sizeof *t), t0, median;
	int r;

	for (r = 0; r < runs; r++) {
		t0 = bench_clock_s(CLOCK_MONOTONIC);
		*inspected = coverage_compute(net->pc, net->npc, f, nfixes, p);
		t[r] = bench_clock_s(CLOCK_MONOTONIC) - t0;
		printf("  run %d: %.3f s\n", r + 1, t[r]);
	}
	qsort(t, (size_t)runs, sizeof *t, bench_cmp_double);
	median = t[runs / 2];
	free(t);
	return median;
}

static void
bench_pg_exec(PGconn *conn, const char *sql)
{
	PGresult *res = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(res);

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		bench_die("%s: %s", sql, PQerrorMessage(conn));
	PQclear(res);
}

static PGresult *
bench_pg_query(PGconn *conn, const char *sql)
{
	PGresult *res = PQexec(conn, sql);

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		bench_die("query failed: %s", PQerrorMessage(conn));
	return res;
}

static void
bench_copy_flush(struct bench_copy *b)
{
	if (b->len > 0 && PQputCopyData(b->conn, b->buf, (int)b->len) != 1)
		bench_die("COPY: %s", PQerrorMessage(b->conn));
	b->len = 0;
}

static void __attribute__((format(printf, 2, 3)))
bench_copy_printf(struct bench_copy *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sizeof b->buf - b->len < 4096)
		bench_copy_flush(b);
	va_start(ap, fmt);
	n = vsnprintf(b->buf + b->len, sizeof b->buf - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof b->buf - b->len)
		bench_die("COPY: line too long");
	b->len += (size_t)n;
}

static void
bench_copy_start(struct bench_copy *b, const char *sql)
{
	PGresult *res = PQexec(b->conn, sql);

	if (PQresultStatus(res) != PGRES_COPY_IN)
		bench_die("%s: %s", sql, PQerrorMessage(b->conn));
	PQclear(res);
	b->len = 0;
}

static void
bench_copy_end(struct bench_copy *b)
{
	PGresult *res;

	bench_copy_flush(b);
	if (PQputCopyEnd(b->conn, NULL) != 1)
		bench_die("COPY: %s", PQerrorMessage(b->conn));
	res = PQgetResult(b->conn);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		bench_die("COPY: %s", PQerrorMessage(b->conn));
	PQclear(res);
	while ((res = PQgetResult(b->conn)) != NULL)
		PQclear(res);
}

/* The same pieces and track segments, as WKT with every bit (%.17g). */
static void
bench_pg_load(PGconn *conn, const struct bench_net *net,
    const struct coverage_seg *segs, size_t nsegs)
{
	struct bench_copy *b = xcalloc(1, sizeof *b);
	const struct coverage_piece *pc;
	size_t i, k;

	b->conn = conn;
	bench_pg_exec(conn,
	    "SET client_min_messages = warning;"
	    "CREATE EXTENSION IF NOT EXISTS postgis;"
	    "DROP SCHEMA IF EXISTS " BENCH_SCHEMA " CASCADE;"
	    "CREATE SCHEMA " BENCH_SCHEMA ";"
	    "SET search_path = " BENCH_SCHEMA ", public;"
	    "CREATE UNLOGGED TABLE piece (id bigint PRIMARY KEY,"
	    " ward int NOT NULL, geom geometry(LineString) NOT NULL);"
	    "CREATE UNLOGGED TABLE track (session bigint NOT NULL,"
	    " geom geometry NOT NULL)");
	bench_copy_start(b, "COPY piece (id, ward, geom) FROM STDIN");
	for (i = 0; i < net->npc; i++) {
		pc = &net->pc[i];
		bench_copy_printf(
		    b, "%lld\t%d\tLINESTRING(", pc->id, net->ward[i] + 1);
		for (k = 0; k < pc->npoints; k++)
			bench_copy_printf(b, "%s%.17g %.17g", k ? "," : "",
			    pc->xy[2 * k], pc->xy[2 * k + 1]);
		bench_copy_printf(b, ")\n");
	}
	bench_copy_end(b);
	bench_copy_start(b, "COPY track (session, geom) FROM STDIN");
	for (i = 0; i < nsegs; i++) {
		const struct coverage_seg *s = &segs[i];

		/* A lone fix: its buffer is a disc, as coverage_clip's. */
		if (s->q0[0] == s->q1[0] && s->q0[1] == s->q1[1])
			bench_copy_printf(b, "%lld\tPOINT(%.17g %.17g)\n",
			    s->session, s->q0[0], s->q0[1]);
		else
			bench_copy_printf(b,
			    "%lld\tLINESTRING(%.17g %.17g,%.17g %.17g)\n",
			    s->session, s->q0[0], s->q0[1], s->q1[0], s->q1[1]);
	}
	bench_copy_end(b);
	free(b);
	bench_pg_exec(conn,
	    "CREATE INDEX ON piece USING gist (geom);"
	    "CREATE INDEX ON track USING gist (geom);"
	    "ANALYZE piece; ANALYZE track");
}

/* Per piece (id), the best patrol's covered share: the heart of both. */
static char *
bench_pg_shares_sql(const struct coverage_params *p, int quad_segs)
{
	return xasprintf(
	    "SELECT u.id, max(ST_Length(ST_Intersection(q.geom, u.area))"
	    "  / ST_Length(q.geom)) AS share"
	    " FROM (SELECT p.id, t.session,"
	    "   ST_Union(ST_Buffer(t.geom, %.17g, 'quad_segs=%d')) AS area"
	    "  FROM piece p JOIN track t ON ST_DWithin(p.geom, t.geom, %.17g)"
	    "  GROUP BY p.id, t.session) u"
	    " JOIN piece q ON q.id = u.id"
	    " GROUP BY u.id",
	    p->distance_m, quad_segs, p->distance_m);
}

static char *
bench_pg_wards_sql(const struct coverage_params *p, int quad_segs)
{
	char *shares = bench_pg_shares_sql(p, quad_segs), *sql;

	sql = xasprintf("SELECT p.ward, count(*), sum(ST_Length(p.geom)) / 1000"
	                " FROM piece p JOIN (%s) b ON b.id = p.id"
	                " WHERE b.share >= %.17g"
	                " GROUP BY p.ward ORDER BY p.ward",
	    shares, p->share);
	free(shares);
	return sql;
}

static void
bench_pg_explain(PGconn *conn, const char *sql)
{
	char *explain = xasprintf("EXPLAIN %s", sql);
	PGresult *res = bench_pg_query(conn, explain);
	int i;

	printf("PostGIS plan:\n");
	for (i = 0; i < PQntuples(res); i++)
		printf("  %s\n", PQgetvalue(res, i, 0));
	PQclear(res);
	free(explain);
}

/* The one timed statement; fills pg[] with its per-ward counts. */
static double
bench_pg_time(PGconn *conn, const struct coverage_params *p, int quad_segs,
    int explain, struct bench_ward *pg)
{
	char *sql = bench_pg_wards_sql(p, quad_segs);
	PGresult *res;
	double t0, t;
	int i, w;

	if (explain)
		bench_pg_explain(conn, sql);
	t0 = bench_clock_s(CLOCK_MONOTONIC);
	res = bench_pg_query(conn, sql);
	t = bench_clock_s(CLOCK_MONOTONIC) - t0;
	for (i = 0; i < PQntuples(res); i++) {
		w = atoi(PQgetvalue(res, i, 0)) - 1;
		if (w < 0 || w >= BENCH_WARDS)
			bench_die("PostGIS: ward %d", w + 1);
		pg[w].inspected = strtoull(PQgetvalue(res, i, 1), NULL, 10);
		pg[w].km_inspected = strtod(PQgetvalue(res, i, 2), NULL);
	}
	PQclear(res);
	free(sql);
	return t;
}

/* Every piece's share against PostGIS's: how close, and which differ. */
static void
bench_pg_compare(PGconn *conn, const struct bench_net *net,
    const struct coverage_params *p, int quad_segs)
{
	char *sql = bench_pg_shares_sql(p, quad_segs);
	double *theirs = xcalloc(net->npc, sizeof *theirs), diff, worst = 0;
	double sum = 0;
	size_t i, differ = 0, worst_id = 0;
	PGresult *res;
	long long id;

	res = bench_pg_query(conn, sql);
	for (i = 0; i < (size_t)PQntuples(res); i++) {
		id = atoll(PQgetvalue(res, (int)i, 0));
		if (id < 0 || (size_t)id >= net->npc)
			bench_die("PostGIS: piece %lld", id);
		theirs[id] = fmin(strtod(PQgetvalue(res, (int)i, 1), NULL), 1);
	}
	PQclear(res);
	for (i = 0; i < net->npc; i++) {
		diff = fabs(net->pc[i].covered_share - theirs[i]);
		sum += diff;
		if (diff > worst) {
			worst = diff;
			worst_id = i;
		}
		if ((net->pc[i].covered_share >= p->share) !=
		        (theirs[i] >= p->share) &&
		    differ++ < 10)
			printf("piece %zu inspected by one side only: share"
			       " ours %.6f, PostGIS %.6f\n",
			    i, net->pc[i].covered_share, theirs[i]);
	}
	printf("per piece: |share ours - PostGIS| max %.6f (piece %zu: %.6f"
	       " vs %.6f), mean %.2e; inspected by one side only: %zu\n",
	    worst, worst_id, net->pc[worst_id].covered_share, theirs[worst_id],
	    sum / (double)net->npc, differ);
	free(theirs);
	free(sql);
}

static double
bench_rel(double ours, double theirs)
{
	if (theirs == 0)
		return ours == 0 ? 0 : 1;
	return fabs(ours - theirs) / theirs;
}

static void
bench_print_wards(
    const struct bench_ward *ours, const struct bench_ward *pg, int with_pg)
{
	double worst = 0, r;
	int w;

	printf("%-5s %7s %8s   %9s %8s", "ward", "pieces", "km", "ours", "km");
	if (with_pg)
		printf(
		    "   %9s %8s   %7s %7s", "PostGIS", "km", "diff", "km diff");
	printf("\n");
	for (w = 0; w < BENCH_WARDS; w++) {
		printf("%-5s %7zu %8.2f   %9zu %8.2f", bench_ward_name[w],
		    ours[w].pieces, ours[w].km, ours[w].inspected,
		    ours[w].km_inspected);
		if (with_pg) {
			r = bench_rel(
			    (double)ours[w].inspected, (double)pg[w].inspected);
			worst = fmax(worst, r);
			printf("   %9zu %8.2f   %6.3f%%", pg[w].inspected,
			    pg[w].km_inspected, 100 * r);
			r = bench_rel(ours[w].km_inspected, pg[w].km_inspected);
			worst = fmax(worst, r);
			printf(" %6.3f%%", 100 * r);
		}
		printf("\n");
	}
	if (with_pg)
		printf(
		    "largest per-ward difference: %.3f%% (target <= 0.5%%)\n",
		    100 * worst);
}

static void
bench_usage(void)
{
	fprintf(stderr,
	    "usage: coverage_bench [-cekx] [-q quad_segs] "
	    "[-r runs] [-s scale] [conninfo]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct bench_net net;
	struct bench_ward ours[BENCH_WARDS], pg[BENCH_WARDS];
	struct coverage_params p;
	struct coverage_fix *fixes;
	struct coverage_seg *segs;
	const char *conninfo;
	double scale = 1, t_ours, t_pg, km = 0, t0;
	size_t nfixes, patrols, nsegs, inspected, i;
	int ch, runs = 3, quad_segs = 16, streets, compare = 0, explain = 0;
	int keep = 0, skip_pg = 0;
	PGconn *conn = NULL;

	/* Progress shows as it comes when piped into a log. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((ch = getopt(argc, argv, "cekq:r:s:x")) != -1) {
		switch (ch) {
		case 'c':
			compare = 1;
			break;
		case 'e':
			explain = 1;
			break;
		case 'k':
			keep = 1;
			break;
		case 'q':
			quad_segs = atoi(optarg);
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		case 's':
			scale = strtod(optarg, NULL);
			break;
		case 'x':
			skip_pg = 1;
			break;
		default:
			bench_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1 || runs < 1 || quad_segs < 1 || !(scale > 0))
		bench_usage();
	conninfo = argc == 1 ? argv[0] : getenv("DATABASE_URL");
	if (!skip_pg && (conninfo == NULL || *conninfo == '\0'))
		bench_die("no conninfo and no DATABASE_URL (or -x)");

	/* Length grows with the square of the streets each way. */
	streets = 1 + (int)lround((BENCH_STREETS - 1) * sqrt(scale));
	if (streets < 2)
		streets = 2;
	nfixes = (size_t)llround(BENCH_FIXES * scale);
	patrols = (size_t)llround(BENCH_PATROLS * scale);
	if (patrols < 1)
		patrols = 1;
	coverage_params_default(&p);
	bench_network(&net, streets);
	fixes = bench_tracks(&net, nfixes, patrols);
	segs = coverage_segments(fixes, nfixes, &p, &nsegs);
	memset(ours, 0, sizeof ours);
	memset(pg, 0, sizeof pg);
	for (i = 0; i < net.npc; i++) {
		ours[net.ward[i]].pieces++;
		ours[net.ward[i]].km += net.len[i] / 1000;
		km += net.len[i] / 1000;
	}
	printf("network: %d x %d streets %.0f m apart, %zu pieces, %.1f km;"
	       " %zu fixes in %zu patrols, %zu track segments or lone fixes\n",
	    streets, streets, BENCH_SPACING, net.npc, km, nfixes, patrols,
	    nsegs);
	printf("params: distance %.0f m, share %.2f, speed <= %.1f km/h,"
	       " gaps <= %.0f s and %.0f m\n",
	    p.distance_m, p.share, p.max_speed_ms * 3.6, p.max_gap_s,
	    p.max_gap_m);

	printf("ours: coverage_compute, %d runs\n", runs);
	t_ours = bench_ours(&net, fixes, nfixes, &p, runs, &inspected);
	for (i = 0; i < net.npc; i++) {
		if (net.pc[i].inspected_at == 0)
			continue;
		ours[net.ward[i]].inspected++;
		ours[net.ward[i]].km_inspected += net.len[i] / 1000;
	}
	printf(
	    "ours: median %.3f s, %zu pieces inspected\n", t_ours, inspected);

	if (!skip_pg) {
		conn = PQconnectdb(conninfo);
		if (PQstatus(conn) != CONNECTION_OK)
			bench_die("connect: %s", PQerrorMessage(conn));
		t0 = bench_clock_s(CLOCK_MONOTONIC);
		bench_pg_load(conn, &net, segs, nsegs);
		printf("PostGIS: loaded, indexed and analyzed in %.1f s"
		       " (not timed)\n",
		    bench_clock_s(CLOCK_MONOTONIC) - t0);
		/* What a DBA would give such a query; 4 MB spills to disk. */
		bench_pg_exec(conn, "SET work_mem = '256MB'");
		t_pg = bench_pg_time(conn, &p, quad_segs, explain, pg);
		printf("PostGIS: %.3f s (ST_Buffer quad_segs=%d, one run)\n",
		    t_pg, quad_segs);
		printf(
		    "ratio PostGIS/ours: %.1f (target >= 10)\n", t_pg / t_ours);
	}
	bench_print_wards(ours, pg, !skip_pg);
	if (!skip_pg) {
		if (compare)
			bench_pg_compare(conn, &net, &p, quad_segs);
		if (!keep)
			bench_pg_exec(
			    conn, "DROP SCHEMA " BENCH_SCHEMA " CASCADE");
		PQfinish(conn);
	}
	free(segs);
	free(fixes);
	bench_network_free(&net);
	return 0;
}
