/*
 * Solomon VRPTW instances (patrolctl plan solomon FILE): whatever parses
 * must be solvable, and every planned route must keep its windows and
 * capacity by the solver's own evaluation.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "log.h"
#include "vrptw.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init(LOG_LEVEL_ERROR, NULL);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vrptw_problem p;
	struct vrptw_params prm = {0, 20, 1};
	struct vrptw_solution s;
	char *cause;
	int v;

	if (vrptw_solomon_parse((const char *)data, size, &p, &cause) != 0) {
		free(cause);
		return 0;
	}
	/* Bounded work per input: the solver's cost grows with size. */
	if (p.njobs <= 200 && p.nvehicles <= 50) {
		vrptw_solve(&p, &prm, &s);
		for (v = 0; v < s.nvehicles; v++)
			if (vrptw_route_eval(&p, v, &s.routes[v]) >= 0)
				abort();
		vrptw_solution_free(&s);
	}
	vrptw_problem_free(&p);
	return 0;
}
