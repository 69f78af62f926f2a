#include <string.h>

#include "api.h"
#include "intake.h"
#include "xmalloc.h"

static int
intake_in_values(json_t *values, json_t *v)
{
	json_t *opt;
	size_t i;

	json_array_foreach(values, i, opt)
	{
		if (json_equal(json_object_get(opt, "key"), v))
			return 1;
	}
	return 0;
}

static int
intake_check_one(json_t *q, json_t *v, int *priority, char **cause)
{
	const char *code = json_string_value(json_object_get(q, "code"));
	const char *type = json_string_value(json_object_get(q, "datatype"));
	json_t *values = json_object_get(q, "values"), *item, *raises;
	size_t i;

	if (type == NULL)
		type = "string";
	if (strcmp(type, "singlevaluelist") == 0) {
		if (!json_is_string(v))
			goto wrong;
		if (!intake_in_values(values, v)) {
			*cause = xasprintf("'%s' is not one of the answers to "
			                   "%s",
			    json_string_value(v), code);
			return -1;
		}
	} else if (strcmp(type, "multivaluelist") == 0) {
		if (!json_is_array(v))
			goto wrong;
		json_array_foreach(v, i, item)
		{
			if (!intake_in_values(values, item)) {
				*cause = xasprintf("an answer to %s is not "
				                   "one of its values",
				    code);
				return -1;
			}
		}
	} else if (strcmp(type, "number") == 0) {
		if (!json_is_number(v))
			goto wrong;
	} else if (!json_is_string(v) ||
	    api_utf8_len(json_string_value(v)) > 1000)
		goto wrong;
	/* Some answers make a call more urgent (deep pothole, school path). */
	raises = json_object_get(q, "raises");
	if (raises != NULL && json_equal(json_object_get(raises, "value"), v) &&
	    json_integer_value(json_object_get(raises, "priority")) < *priority)
		*priority = (int)json_integer_value(
		    json_object_get(raises, "priority"));
	return 0;
wrong:
	*cause = xasprintf("the answer to %s has the wrong type for a %s "
	                   "question",
	    code, type);
	return -1;
}

int
intake_check_answers(json_t *category, json_t *answers, int *priority,
    char **field, char **cause)
{
	json_t *questions = json_object_get(category, "questions"), *q, *v;
	const char *code, *k;
	size_t i;
	int known;

	*priority =
	    (int)json_integer_value(json_object_get(category, "priority"));
	json_array_foreach(questions, i, q)
	{
		code = json_string_value(json_object_get(q, "code"));
		v = answers != NULL ? json_object_get(answers, code) : NULL;
		if (v == NULL || json_is_null(v)) {
			if (json_is_true(json_object_get(q, "required"))) {
				*field = xasprintf("answers.%s", code);
				*cause = xasprintf("the category asks %s: "
				                   "please answer it",
				    code);
				return -1;
			}
			continue;
		}
		if (intake_check_one(q, v, priority, cause) != 0) {
			*field = xasprintf("answers.%s", code);
			return -1;
		}
	}
	if (answers == NULL)
		return 0;
	json_object_foreach(answers, k, v)
	{
		known = 0;
		json_array_foreach(questions, i, q)
		{
			if (strcmp(
			        json_string_value(json_object_get(q, "code")),
			        k) == 0)
				known = 1;
		}
		if (!known) {
			*field = xasprintf("answers.%s", k);
			*cause =
			    xasprintf("the category has no question %s", k);
			return -1;
		}
	}
	return 0;
}
