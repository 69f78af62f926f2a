/*
 * Limits of the text fields people type, in characters (UTF-8 code
 * points), in one place: the JSON API (api_*.c), the agent's sync
 * (sync.c) and the handheld (mobile-agent/jobs.c) refuse a longer text
 * with the same message, "FIELD is longer than N characters", and never
 * cut it short.
 */
#ifndef PATROL_FIELD_LIMITS_H
#define PATROL_FIELD_LIMITS_H

/* A note on a step or a result: the same through the API and sync. */
#define LIMIT_NOTE 4000
/* Why a job was rejected, given up, cancelled. */
#define LIMIT_REASON 1000
/* An outcome code ("no_nest"). */
#define LIMIT_OUTCOME 40
/* A request's description (a call, a finding, a hand-over letter). */
#define LIMIT_DESCRIPTION 4000
/* One free-text answer to a category's question. */
#define LIMIT_ANSWER 1000

#endif
