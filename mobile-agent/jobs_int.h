/*
 * The files of jobs (agent.h has the public side): jobs.c the crew's
 * commands, jobs_record.c the steps, findings and patrol marks written to
 * the outbox (what the command line and the screen call), jobs_rule.c a
 * step's rule from the server's life cycle table. Private to them.
 */
#ifndef PATROL_AGENT_JOBS_INT_H
#define PATROL_AGENT_JOBS_INT_H

#include "compiler.h"
#include "agent.h"

/* jobs_rule.c */
/*
 * A step's rule, from the server's life cycle (lifecycle.c's table, kept
 * from the last sync's settings): advice for the crew before the server
 * decides for good. The handheld has no list of its own.
 */
struct jobs_rule {
	char from[200]; /* space-separated states it is possible from */
	char to[32];    /* the job's local state afterwards */
	int closes;     /* the job leaves the crew: its callers are erased */
	int needs_reason;
};
/* The rule of action for the crew, else -1 with *cause (caller frees). */
PATROL_MUSTCHECK int jobs_rule_get(
    struct agent *, const char *action, struct jobs_rule *, char **cause);
/*
 * The step's rule, after checking job id allows it in its local state;
 * *outcomes (when not NULL): its outcome codes, "code\tname\n" lines
 * (caller frees). Runs inside the caller's transaction.
 */
PATROL_MUSTCHECK int jobs_step_check(struct agent *, const char *action,
    long long id, struct jobs_rule *, char **outcomes, char **cause);

/* jobs_record.c */
/*
 * The position of rec (1), else the newest GPS fix if it is recent (1),
 * else none (0); -1 with *cause when rec's is no WGS84 position.
 */
PATROL_MUSTCHECK int jobs_position(struct agent *, const struct jobs_rec *rec,
    Patrol__Sync__V1__Position *, char **cause);

#endif
