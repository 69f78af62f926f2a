/*
 * Limits of the text fields people type, in characters (UTF-8 code
 * points), in one place: the JSON API (api_*.c), Open311 (open311_post*.c),
 * the agent's sync (sync.c) and the handheld when it records
 * (mobile-agent/jobs_record.c) refuse a longer text with the same message,
 * field_too_long's, and never cut it short. GET /api/v1/config serves
 * them to the console for its forms' maxlength.
 */
#ifndef PATROL_FIELD_LIMITS_H
#define PATROL_FIELD_LIMITS_H

#include <stddef.h>

/* A note on a step or a result: the same through the API and sync. */
#define LIMIT_NOTE 4000
/* Why a job was rejected, given up, cancelled. */
#define LIMIT_REASON 1000
/* An outcome code ("no_nest"). */
#define LIMIT_OUTCOME 40
/*
 * A request's description (a call, a finding, a hand-over letter); also
 * Open311 GeoReport v2's limit for a description.
 */
#define LIMIT_DESCRIPTION 4000
/*
 * An address: where a request is (the API, Open311's address_string, the
 * handheld's finding) and where a caller lives are the same kind of text.
 */
#define LIMIT_ADDRESS 500
/*
 * A caller's name, typed in one field. Open311 takes it as first_name and
 * last_name of up to 100 characters each, joined with a space.
 */
#define LIMIT_CALLER_NAME 200
/* A telephone number, as written ("044-200-0000 内線 123"). */
#define LIMIT_PHONE 40

/*
 * "FIELD is longer than N characters" (caller frees) when text (UTF-8, or
 * NULL) has more than max characters, else NULL.
 */
char *field_too_long(const char *field, const char *text, size_t max);
/* One free-text answer to a category's question. */
#define LIMIT_ANSWER 1000

#endif
