/*
 * The VRPTW solver's insides, shared by its files (not for callers: they
 * use vrptw.h). A solution is one route per vehicle; each route keeps,
 * per position, the earliest start of service (es) and the latest start
 * that still lets the rest of the route keep its windows (ls), so trying a
 * job between two positions costs O(1).
 */
#ifndef PATROL_VRPTW_INT_H
#define PATROL_VRPTW_INT_H

#include <stdint.h>

#include "vrptw.h"

#define VR_NEIGHBORS  64
#define VR_MATRIX_MAX 3000 /* nodes up to which travel is precomputed */

struct vr_route {
	int n, cap;
	int *seq; /* seq[0] start node, seq[1..n] jobs, seq[n+1] end node */
	double *es, *ls;
	double load, dist;
};

struct vr_sol {
	struct vr_route *r;
	int *route_of, *pos_of; /* per job; -1 when unplanned */
	int *un, nun;           /* unplanned jobs */
	int unw;                /* their weight */
	int used;
	double dist;
};

struct vr_ctx {
	const struct vrptw_problem *p;
	int nj, nv, nn;
	double *ready, *due, *svc, *x, *y, *dem;
	double *tt; /* nn * nn, or NULL */
	int *nb, nnb;
	int alike;  /* every vehicle the same and without a break */
	int breaks; /* some vehicle has a break */
	unsigned char *dirty;
	uint64_t rng;
	int allow_new;
	int *removed, nremoved;
	double *key;
	unsigned char *ruined;
	long work; /* steps done: the solver's own clock (see vr_clock) */
};

/*
 * The budget: CPU time of the solving thread, moves (it), and/or work
 * (the context's count of route positions looked at, a clock that runs
 * the same on every run, so that a time budget turned into work gives the
 * same result for the same seed).
 */
struct vr_clock {
	double t0, limit;
	long maxit, it;
	long maxwork;
	const long *work;
};

static inline uint64_t
vr_next(struct vr_ctx *c)
{
	uint64_t x = c->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	c->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static inline double
vr_uniform(struct vr_ctx *c)
{
	return (double)(vr_next(c) >> 11) * (1.0 / 9007199254740992.0);
}

static inline int
vr_rand(struct vr_ctx *c, int n)
{
	return (int)(vr_uniform(c) * n);
}

static inline double
vr_t(const struct vr_ctx *c, int a, int b)
{
	if (c->tt != NULL)
		return c->tt[(size_t)a * c->nn + b];
	return vrptw_travel(c->p, a, b);
}

/* vrptw_sol.c: context, routes and solutions, insertion. */
void vr_ctx_init(struct vr_ctx *, const struct vrptw_problem *, unsigned);
void vr_ctx_fini(struct vr_ctx *);
int vr_can(const struct vr_ctx *, int v, int j);
void vr_route_grow(struct vr_route *, int n);
void vr_route_update(struct vr_ctx *, struct vr_sol *, int v);
void vr_sol_init(struct vr_ctx *, struct vr_sol *);
void vr_sol_fini(struct vr_ctx *, struct vr_sol *);
void vr_sol_totals(struct vr_ctx *, struct vr_sol *);
void vr_sol_copy(struct vr_ctx *, struct vr_sol *, const struct vr_sol *,
    const unsigned char *dirty);
int vr_better(
    const struct vr_ctx *, const struct vr_sol *, const struct vr_sol *);
void vr_insert_at(struct vr_ctx *, struct vr_sol *, int v, int k, int j);
double vr_best_insert(struct vr_ctx *, struct vr_sol *, int j, int blink,
    int *bv, int *bk, int want_empty);
double vr_now_ms(void);
double vr_spent(struct vr_clock *);

/* vrptw_sisr.c: ruin and recreate, annealing, fleet by absence counts. */
void vr_recreate(struct vr_ctx *, struct vr_sol *, int blink);
void vr_anneal(struct vr_ctx *, struct vr_sol *best, struct vr_clock *,
    double from, double until, double t0, double tf);
int vr_fleet(struct vr_ctx *, struct vr_sol *best, struct vr_clock *,
    double until, long tries, int attempt);

/* vrptw_fleet.c: route elimination by an ejection pool. */
int vr_eliminate(struct vr_ctx *, struct vr_sol *best, struct vr_clock *,
    double until, int lb);

#endif
