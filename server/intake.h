/*
 * Intake rules shared by every way a call comes in (console, JSON API,
 * Open311, patrol findings): answers checked against the category's
 * questions, and the priority they lead to.
 */
#ifndef PATROL_INTAKE_H
#define PATROL_INTAKE_H

#include <jansson.h>

/*
 * category is the JSON of store_category_get; answers an object or NULL.
 * On success *priority is the category's, raised by answers that make a
 * call more urgent. On failure returns -1 with *field ("answers.CODE")
 * and *cause, both for the caller to free.
 */
int intake_check_answers(json_t *category, json_t *answers, int *priority,
    char **field, char **cause);

#endif
