/*
 * The VRPTW solver (see vrptw.h): insertion to build; when vehicles count,
 * route elimination first (vrptw_fleet.c: an ejection pool as in Nagata
 * and Bräysy's route minimisation); then ruin and recreate under simulated
 * annealing on the travel (vrptw_sisr.c). Routes and insertion are in
 * vrptw_sol.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vrptw_int.h"
#include "xmalloc.h"

/* Annealing temperatures, in mean legs of travel. */
#define VR_T0          1.0
#define VR_TF          0.01
#define VR_FLEET_SHARE 0.6  /* of the budget for dropping routes */
#define VR_FLEET_TRIES 5000 /* moves per attempt to drop one route */

/* The fewest vehicles the jobs' demand allows, at least 1. */
static int
vr_fleet_bound(const struct vr_ctx *c)
{
	double total = 0, lb = 1;
	int i;

	for (i = 0; i < c->nj; i++)
		total += c->dem[i];
	if (c->p->vehicles[0].capacity > 0)
		lb = ceil(total / c->p->vehicles[0].capacity - 1e-9);
	return lb < 1 ? 1 : (int)lb;
}

/*
 * Fewer vehicles, for the first VR_FLEET_SHARE of the budget: by the
 * ejection pool, or with breaks by SISR's absence counts between short
 * spells of annealing that reshape the routes.
 */
static void
vr_minimise_fleet(struct vr_ctx *c, struct vr_sol *best, struct vr_clock *clk)
{
	int lb = vr_fleet_bound(c), attempt = 0;
	double f, leg;

	if (!c->breaks) {
		vr_eliminate(c, best, clk, VR_FLEET_SHARE, lb);
		return;
	}
	while (best->used > lb && (f = vr_spent(clk)) < VR_FLEET_SHARE) {
		if (vr_fleet(c, best, clk, VR_FLEET_SHARE, VR_FLEET_TRIES,
		        attempt++))
			continue;
		leg = best->dist / (c->nj + best->used);
		vr_anneal(
		    c, best, clk, f, f + 0.05, VR_T0 * leg, VR_T0 * leg / 3);
	}
}

/* Fills the caller's solution from best. */
static void
vr_output(const struct vrptw_problem *p, struct vr_ctx *c,
    const struct vr_sol *best, const struct vr_clock *clk,
    struct vrptw_solution *out)
{
	struct vrptw_route *o;
	int v, k;

	memset(out, 0, sizeof *out);
	out->nvehicles = c->nv;
	out->routes = xcalloc(c->nv ? c->nv : 1, sizeof *out->routes);
	for (v = 0; v < c->nv; v++) {
		o = &out->routes[v];
		o->n = best->r[v].n;
		o->jobs = xcalloc(o->n ? o->n : 1, sizeof *o->jobs);
		o->arrive = xcalloc(o->n ? o->n : 1, sizeof *o->arrive);
		o->start = xcalloc(o->n ? o->n : 1, sizeof *o->start);
		for (k = 0; k < o->n; k++)
			o->jobs[k] = best->r[v].seq[k + 1];
		vrptw_route_eval(p, v, o);
	}
	out->nunplanned = best->nun;
	out->unplanned =
	    xcalloc(best->nun ? best->nun : 1, sizeof *out->unplanned);
	memcpy(out->unplanned, best->un, best->nun * sizeof *best->un);
	out->vehicles_used = best->used;
	/* Travel alone, whatever the objective weighed. */
	out->distance = 0;
	for (v = 0; v < c->nv; v++)
		if (out->routes[v].n > 0)
			out->distance += out->routes[v].distance;
	out->iterations = clk->it;
	out->work = c->work;
	out->elapsed_ms = vr_now_ms() - clk->t0;
	out->time_bound = clk->limit > 0 && out->elapsed_ms >= clk->limit &&
	    (clk->maxwork <= 0 || c->work < clk->maxwork) &&
	    (clk->maxit <= 0 || clk->it < clk->maxit);
}

void
vrptw_solve(const struct vrptw_problem *p, const struct vrptw_params *prm,
    struct vrptw_solution *out)
{
	struct vr_ctx c;
	struct vr_sol best;
	struct vr_clock clk = {0};
	double leg;
	int v, i;

	clk.t0 = vr_now_ms();
	clk.limit = prm->time_ms;
	clk.maxit = prm->max_iterations;
	if (clk.limit <= 0 && clk.maxit <= 0)
		clk.maxit = 1;
	if (clk.limit > 0 && clk.maxit <= 0)
		clk.maxwork = (long)clk.limit * VRPTW_WORK_PER_MS;
	vr_ctx_init(&c, p, prm->seed);
	clk.work = &c.work;
	vr_sol_init(&c, &best);
	c.allow_new = 1;
	for (i = 0; i < c.nj; i++) {
		best.route_of[i] = -1;
		c.removed[c.nremoved++] = i;
	}
	for (v = 0; v < c.nv; v++)
		vr_route_update(&c, &best, v);
	vr_recreate(&c, &best, 0);
	if (p->minimise_vehicles && c.nj > 0 && c.nv > 0)
		vr_minimise_fleet(&c, &best, &clk);
	if (c.nj > 0) {
		leg = best.dist / (c.nj - best.nun + best.used + 1);
		vr_anneal(&c, &best, &clk, vr_spent(&clk), 1.0, VR_T0 * leg,
		    VR_TF * leg);
	}
	vr_output(p, &c, &best, &clk, out);
	vr_sol_fini(&c, &best);
	vr_ctx_fini(&c);
}
