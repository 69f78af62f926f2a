/*
 * The VRPTW model's shared rules (see vrptw.h): travel between two places,
 * when a break is taken, a route's times for a fixed order. The solver is
 * in vrptw_solve.c and the files it names.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vrptw.h"

void
vrptw_node_xy(const struct vrptw_problem *p, int a, double *x, double *y)
{
	const struct vrptw_vehicle *v;

	if (a < p->njobs) {
		*x = p->jobs[a].x;
		*y = p->jobs[a].y;
		return;
	}
	v = &p->vehicles[(a - p->njobs) / 2];
	*x = (a - p->njobs) % 2 ? v->ex : v->sx;
	*y = (a - p->njobs) % 2 ? v->ey : v->sy;
}

double
vrptw_travel(const struct vrptw_problem *p, int a, int b)
{
	int nn = p->njobs + 2 * p->nvehicles;
	double ax, ay, bx, by;

	if (p->matrix != NULL)
		return p->matrix[(size_t)a * nn + b];
	vrptw_node_xy(p, a, &ax, &ay);
	vrptw_node_xy(p, b, &bx, &by);
	return hypot(ax - bx, ay - by) * p->time_per_unit;
}

double
vrptw_break_at(const struct vrptw_vehicle *v, double t, double leg,
    double ready, double service)
{
	double fin = fmax(t + leg, ready) + service;

	if (v->break_len <= 0)
		return -1e18;
	if (t < v->break_from && fin <= v->break_to - v->break_len)
		return -1e18;
	/* A fixed break already begun ends on time. */
	if (v->break_from < t &&
	    v->break_to - v->break_from <= v->break_len + 0.5)
		return v->break_from;
	return fmax(t, v->break_from);
}

int
vrptw_route_eval(const struct vrptw_problem *p, int v, struct vrptw_route *r)
{
	const struct vrptw_vehicle *veh = &p->vehicles[v];
	const struct vrptw_job *jb;
	int k, prev = p->njobs + 2 * v, bad = -1;
	double t = veh->start, prevsvc = 0, leg, bs;

	r->distance = 0;
	r->load = 0;
	r->break_start = -1e18;
	for (k = 0; k < r->n; k++) {
		jb = &p->jobs[r->jobs[k]];
		leg = vrptw_travel(p, prev, r->jobs[k]);
		r->distance += leg;
		t += prevsvc;
		if (r->break_start < -1e17 &&
		    (bs = vrptw_break_at(veh, t, leg, jb->ready, jb->service)) >
		        -1e17) {
			r->break_start = bs;
			t = fmax(t, bs + veh->break_len);
		}
		t += leg;
		r->arrive[k] = t;
		if (t < jb->ready)
			t = jb->ready;
		r->start[k] = t;
		r->load += jb->demand;
		if (bad < 0 &&
		    (t > jb->due + 1e-9 || r->load > veh->capacity + 1e-9 ||
		        (jb->skills & ~veh->skills) != 0))
			bad = k;
		prev = r->jobs[k];
		prevsvc = jb->service;
	}
	leg = vrptw_travel(p, prev, p->njobs + 2 * v + 1);
	r->distance += leg;
	r->back = t + prevsvc + leg;
	if (bad < 0 && r->n > 0 && r->back > veh->end + 1e-9)
		bad = r->n;
	return bad;
}

void
vrptw_solution_free(struct vrptw_solution *s)
{
	int v;

	for (v = 0; v < s->nvehicles; v++) {
		free(s->routes[v].jobs);
		free(s->routes[v].arrive);
		free(s->routes[v].start);
	}
	free(s->routes);
	free(s->unplanned);
	memset(s, 0, sizeof *s);
}
