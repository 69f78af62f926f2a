/*
 * SQL of the dispatcher's workflow, part two (issue 16): a caller added
 * to an existing request (the duplicate warning's offer), a petition's
 * site survey, and the per-category script for callers.
 */
#ifndef PATROL_STORE_WORKFLOW_H
#define PATROL_STORE_WORKFLOW_H

#include "db.h"

struct store_caller_add {
	long long id;
	const char *actor;
	const char *name, *phone, *address; /* personal data: callers only */
	const char *note;                   /* what they said; in the event */
	const char *callback_at;            /* ISO 8601 or NULL */
};
/* No row when the request is not open. */
void store_caller_add(
    struct db *, const struct store_caller_add *, db_cb, void *);

struct store_survey {
	long long id;
	const char *actor;
	const char *findings, *proposed_action;
	const char *photos_json; /* ["sha256", ...], each the request's */
};
/*
 * Records a petition's survey once; the petitioner's call-back becomes
 * due now. No row when there is no survey waiting; a row with
 * "bad_photo" naming a photo that is not the request's.
 */
void store_survey_record(
    struct db *, const struct store_survey *, db_cb, void *);

void store_category_script_set(struct db *, const char *code,
    const char *script_ja, const char *script_en, db_cb, void *);

#endif
