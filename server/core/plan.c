/*
 * A crew's day: fixed jobs first (on site, en route, pinned in pin
 * order), then the solver's order for the rest with windows as hard
 * constraints; a job whose window cannot be kept goes last, in order of
 * its due time, and is reported late rather than dropped.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "roadnet.h"
#include "vrptw.h"
#include "xmalloc.h"

double
plan_leg(double e0, double n0, double e1, double n1,
    const struct rank_params *p, enum plan_travel *by)
{
	double mpm = p->speed_kmh * 1000.0 / 60, d;

	if (p->net != NULL &&
	    (d = roadnet_distance(p->net, e0, n0, e1, n1)) >= 0) {
		if (by != NULL)
			*by = PLAN_TRAVEL_ROAD;
		return d / mpm;
	}
	if (by != NULL)
		*by = PLAN_TRAVEL_STRAIGHT;
	return hypot(e1 - e0, n1 - n0) * p->detour / mpm;
}

/*
 * The solver's travel matrix from plan_leg: legs to a vehicle's end are 0
 * (the day ends at its last job), as are legs from it (never driven).
 */
static double *
plan_matrix(const struct vrptw_problem *vp, const struct rank_params *p)
{
	int nn = vp->njobs + 2 * vp->nvehicles, a, b;
	double *m = xcalloc((size_t)nn * nn, sizeof *m), ax, ay, bx, by;

	for (a = 0; a < nn; a++) {
		if (a >= vp->njobs && (a - vp->njobs) % 2 == 1)
			continue;
		vrptw_node_xy(vp, a, &ax, &ay);
		for (b = 0; b < nn; b++) {
			if (b == a ||
			    (b >= vp->njobs && (b - vp->njobs) % 2 == 1))
				continue;
			vrptw_node_xy(vp, b, &bx, &by);
			m[(size_t)a * nn + b] =
			    plan_leg(ax, ay, bx, by, p, NULL);
		}
	}
	return m;
}

static int
plan_fixed_cmp(const void *a, const void *b)
{
	const struct plan_job *x = a, *y = b;

	if (x->fixed != y->fixed)
		return (int)x->fixed - (int)y->fixed;
	if (x->pin != y->pin)
		return x->pin - y->pin;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int
plan_order_cmp(const void *a, const void *b)
{
	const struct plan_job *x = a, *y = b;

	return x->order - y->order;
}

/* The break as the solver's vehicle sees it. */
static struct vrptw_vehicle
plan_break_vehicle(const struct plan_break *b)
{
	struct vrptw_vehicle v = {0};

	v.break_from = b->from;
	v.break_to = b->to;
	v.break_len = b->len;
	return v;
}

void
plan_times(double e, double n, double shift_end, struct plan_job *jobs,
    int njobs, const struct rank_params *p)
{
	struct plan_break *b = p->brk;
	struct vrptw_vehicle bv = {0};
	double t = 0, bs;
	int i, pending = b != NULL && b->len > 0 && b->to > 0;

	if (b != NULL) {
		b->start = -1e9;
		bv = plan_break_vehicle(b);
	}
	for (i = 0; i < njobs; i++) {
		struct plan_job *j = &jobs[i];

		j->order = i + 1;
		j->travel_by = PLAN_TRAVEL_NONE;
		j->travel = j->fixed == PLAN_ON_SITE
		    ? 0
		    : plan_leg(e, n, j->e, j->n, p, &j->travel_by);
		j->break_before = 0;
		/* Between jobs: the break now, or after this job? */
		if (pending && j->fixed != PLAN_ON_SITE &&
		    (bs = vrptw_break_at(
		         &bv, t, j->travel, j->ready, j->work)) > -1e17) {
			b->start = bs;
			j->break_before = b->len;
			t = fmax(t, bs + b->len);
			pending = 0;
		}
		t += j->travel;
		j->arrive = t;
		if (t < j->ready)
			t = j->ready;
		j->start = t;
		t += j->work;
		j->finish = t;
		j->late = j->arrive > j->due ? j->arrive - j->due : 0;
		j->after_shift = j->finish > shift_end;
		e = j->e;
		n = j->n;
	}
}

void
plan_crew_day(double e, double n, double shift_end, struct plan_job *jobs,
    int njobs, const struct rank_params *p)
{
	struct vrptw_problem vp;
	struct vrptw_vehicle veh;
	struct vrptw_params prm = {0, 300, 1};
	struct vrptw_solution s;
	struct plan_job *free_jobs;
	double t = 0, se = e, sn = n;
	int nfixed = 0, nfree, i, k, next;

	if (njobs == 0)
		return;
	qsort(jobs, njobs, sizeof *jobs, plan_fixed_cmp);
	while (nfixed < njobs && jobs[nfixed].fixed != PLAN_FREE)
		nfixed++;
	/* The fixed prefix runs in its order; the rest starts after it. */
	plan_times(e, n, shift_end, jobs, nfixed, p);
	if (nfixed > 0) {
		t = jobs[nfixed - 1].finish;
		se = jobs[nfixed - 1].e;
		sn = jobs[nfixed - 1].n;
	}
	nfree = njobs - nfixed;
	if (nfree == 0)
		return;
	free_jobs = &jobs[nfixed];
	memset(&vp, 0, sizeof vp);
	vp.njobs = nfree;
	vp.nvehicles = 1;
	vp.jobs = xcalloc(nfree, sizeof *vp.jobs);
	vp.time_per_unit = p->detour / (p->speed_kmh * 1000.0 / 60);
	for (i = 0; i < nfree; i++) {
		struct plan_job *j = &free_jobs[i];

		vp.jobs[i] = (struct vrptw_job){j->e, j->n, 0, j->ready,
		    j->due < shift_end - j->work ? j->due : shift_end - j->work,
		    j->work, 0, j->priority <= 2 ? 10 : 1, -1};
		if (vp.jobs[i].due < vp.jobs[i].ready)
			vp.jobs[i].due = vp.jobs[i].ready - 1; /* never */
	}
	/* The day ends where the last job is: no way home is counted. */
	veh = (struct vrptw_vehicle){se, sn, se, sn, t, 1e9, 1e18, 0, 0, 0, 0};
	/* A break not taken among the fixed jobs is the solver's to place. */
	if (p->brk != NULL && p->brk->len > 0 && p->brk->to > 0 &&
	    p->brk->start < -1e8) {
		veh.break_from = p->brk->from;
		veh.break_to = p->brk->to;
		veh.break_len = p->brk->len;
	}
	vp.minimise_waiting = 1;
	vp.vehicles = &veh;
	{
		double *m = plan_matrix(&vp, p);

		vp.matrix = m;
		vrptw_solve(&vp, &prm, &s);
		free(m);
	}
	next = nfixed + 1;
	for (k = 0; k < s.routes[0].n; k++)
		free_jobs[s.routes[0].jobs[k]].order = next++;
	/* Left out: its window or the shift cannot be kept; last, by due. */
	for (i = 0; i < s.nunplanned; i++)
		free_jobs[s.unplanned[i]].order =
		    100000 + (int)fmin(free_jobs[s.unplanned[i]].due, 1e8) / 1;
	vrptw_solution_free(&s);
	free(vp.jobs);
	qsort(free_jobs, nfree, sizeof *free_jobs, plan_order_cmp);
	plan_times(e, n, shift_end, jobs, njobs, p);
}

double
plan_insert_cost(double e, double n, double shift_end,
    const struct plan_job *jobs, int njobs, const struct plan_job *add,
    const struct rank_params *p, int *pos, double *delay, int *broken,
    struct plan_job *placed)
{
	struct plan_job *base = xcalloc(njobs + 1, sizeof *base);
	struct plan_job *tmp = xcalloc(njobs + 1, sizeof *tmp);
	double best = 1e18, arrive = 0, d;
	int k, i, first = 0, b;

	/* The day as it is, then with the job at each place it may go. */
	if (njobs > 0)
		memcpy(base, jobs, njobs * sizeof *base);
	if (placed != NULL)
		*placed = *add;
	plan_times(e, n, shift_end, base, njobs, p);
	while (first < njobs && base[first].fixed != PLAN_FREE)
		first++;
	*pos = njobs;
	*delay = 0;
	*broken = 0;
	for (k = first; k <= njobs; k++) {
		memcpy(tmp, base, k * sizeof *tmp);
		tmp[k] = *add;
		tmp[k].fixed = PLAN_FREE;
		memcpy(tmp + k + 1, base + k, (njobs - k) * sizeof *tmp);
		plan_times(e, n, shift_end, tmp, njobs + 1, p);
		d = 0;
		b = tmp[k].late > 0;
		for (i = k + 1; i <= njobs; i++) {
			d += tmp[i].finish - base[i - 1].finish;
			b += tmp[i].late > 0 && base[i - 1].late == 0;
		}
		/* Broken windows first, then delay to others plus arrival. */
		if (b * 1e6 + d + tmp[k].arrive < best) {
			best = b * 1e6 + d + tmp[k].arrive;
			*pos = k;
			*delay = d;
			*broken = b;
			arrive = tmp[k].arrive;
			if (placed != NULL)
				*placed = tmp[k];
		}
	}
	free(tmp);
	free(base);
	return arrive;
}

/* Crew c as the solver's vehicle: from where and when its fixed jobs end
 * to its shift's end, with its break unless taken among the fixed jobs. */
static struct vrptw_vehicle
plan_office_vehicle(struct plan_crew *c, const struct rank_params *p)
{
	struct rank_params q = *p;
	struct vrptw_vehicle veh;
	double e = c->e, n = c->n, t = 0;

	q.brk = c->brk.len > 0 ? &c->brk : NULL;
	c->brk.start = -1e9;
	if (c->nfixed > 0) {
		plan_times(c->e, c->n, c->shift_end, c->jobs, c->nfixed, &q);
		e = c->jobs[c->nfixed - 1].e;
		n = c->jobs[c->nfixed - 1].n;
		t = c->jobs[c->nfixed - 1].finish;
	}
	/* Shift ends: as a due on each job would tie jobs to crews, the
	 * vehicle's window holds it (the day ends at its last job). */
	veh = (struct vrptw_vehicle){
	    e, n, e, n, t, c->shift_end, 1e18, c->skills, 0, 0, 0};
	/* The break, unless taken among the fixed jobs. */
	if (c->brk.len > 0 && c->brk.to > 0 && c->brk.start < -1e8) {
		veh.break_from = c->brk.from;
		veh.break_to = c->brk.to;
		veh.break_len = c->brk.len;
	}
	return veh;
}

/* Job j for the solver: its weight from its priority, tied to its crew
 * when it stays. */
static struct vrptw_job
plan_office_job(const struct plan_job *j)
{
	return (struct vrptw_job){j->e, j->n, 0, j->ready, j->due, j->work,
	    j->skills,
	    j->priority <= 1       ? 100
	        : j->priority == 2 ? 10
	                           : 1,
	    j->stays && j->crew >= 0 ? j->crew : -1};
}

/* The solver's routes back into the day: each job's crew, order and times,
 * each crew's break and the job it falls before. A job in no route keeps
 * order 0. */
static void
plan_office_routes(struct plan_crew *crews, int ncrews, struct plan_job *jobs,
    int njobs, const struct vrptw_problem *vp, const struct vrptw_solution *s)
{
	int v, i, k;

	for (i = 0; i < njobs; i++)
		jobs[i].order = 0;
	for (v = 0; v < ncrews; v++) {
		struct vrptw_route *r = &s->routes[v];
		int taken =
		    vp->vehicles[v].break_len > 0 && r->break_start > -1e17;

		if (taken)
			crews[v].brk.start = r->break_start;
		for (k = 0; k < r->n; k++) {
			struct plan_job *j = &jobs[r->jobs[k]];

			j->crew = v;
			j->order = crews[v].nfixed + k + 1;
			j->arrive = r->arrive[k];
			j->start = r->start[k];
			j->finish = j->start + j->work;
			j->late = 0;
			j->after_shift = 0;
			/* The break falls between the last job that starts
			 * before it and this one. */
			j->break_before = taken &&
			        r->start[k] >=
			            r->break_start + crews[v].brk.len - 1e-9 &&
			        (k == 0 ||
			            r->start[k - 1] < r->break_start + 1e-9)
			    ? crews[v].brk.len
			    : 0;
		}
	}
}

void
plan_office(struct plan_crew *crews, int ncrews, struct plan_job *jobs,
    int njobs, const struct rank_params *p, long iterations, int time_ms)
{
	struct vrptw_problem vp;
	struct vrptw_params prm = {time_ms, iterations, 1};
	struct vrptw_solution s;
	int v, i;
	double *m;

	if (njobs == 0 || ncrews == 0)
		return;
	memset(&vp, 0, sizeof vp);
	vp.njobs = njobs;
	vp.nvehicles = ncrews;
	vp.time_per_unit = p->detour / (p->speed_kmh * 1000.0 / 60);
	vp.minimise_waiting = 1;
	vp.jobs = xcalloc(njobs, sizeof *vp.jobs);
	vp.vehicles = xcalloc(ncrews, sizeof *vp.vehicles);
	for (v = 0; v < ncrews; v++)
		vp.vehicles[v] = plan_office_vehicle(&crews[v], p);
	for (i = 0; i < njobs; i++)
		vp.jobs[i] = plan_office_job(&jobs[i]);
	m = plan_matrix(&vp, p);
	vp.matrix = m;
	vrptw_solve(&vp, &prm, &s);
	plan_office_routes(crews, ncrews, jobs, njobs, &vp, &s);
	vrptw_solution_free(&s);
	free(m);
	free(vp.jobs);
	free(vp.vehicles);
}
