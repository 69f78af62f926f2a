/*
 * POST requests' attribute[CODE] fields as intake's answers: typed by the
 * category's questions (number, list, text), with FixMyStreet's own
 * attributes dropped (its report id kept as the client's reference).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "open311.h"
#include "open311_reply.h"
#include "open311_post.h"
#include "utf8.h"
#include "xmalloc.h"

/*
 * Attributes FixMyStreet may fill in by itself for any service; ours do
 * not ask them, so they are dropped, not refused. Its report id is kept.
 */
static const char *const post_client_attributes[] = {"fixmystreet_id", "title",
    "description", "report_url", "easting", "northing", "closest_address",
    NULL};

/*
 * The code of "attribute[CODE]" or "attribute[CODE][]" (caller frees), or
 * NULL for other names. Which of the two was used does not matter: the
 * question's datatype says whether it takes a list.
 */
static char *
post_attribute_code(const char *name)
{
	const char *p, *end;

	if (strncmp(name, "attribute[", 10) != 0)
		return NULL;
	p = name + 10;
	if ((end = strchr(p, ']')) == NULL || end == p ||
	    (end[1] != '\0' && strcmp(end + 1, "[]") != 0))
		return NULL;
	return xstrndup(p, (size_t)(end - p));
}

static json_t *
post_question(json_t *cat, const char *code)
{
	json_t *q;
	size_t i;

	json_array_foreach(json_object_get(cat, "questions"), i, q)
	{
		if (strcmp(json_string_value(json_object_get(q, "code")),
		        code) == 0)
			return q;
	}
	return NULL;
}

/* A number answer: a whole decimal number; NULL if it is none. */
static json_t *
post_number(const char *s)
{
	char *end;
	double d;
	long long n;

	if (*s == '\0' || strspn(s, "+-0123456789.") != strlen(s))
		return NULL;
	n = strtoll(s, &end, 10);
	if (*end == '\0')
		return json_integer(n);
	d = strtod(s, &end);
	if (*end != '\0' || !isfinite(d))
		return NULL;
	return json_real(d);
}

/*
 * The attribute fields as intake's answers, typed by the category's
 * questions. NULL after answering 400.
 */
json_t *
open311_post_answers(struct post *p, json_t *cat)
{
	const struct open311_field *f;
	const char *type, *const *c;
	json_t *answers = json_object(), *q, *v, *have;
	char *code;
	size_t i;

	for (i = 0; i < p->form.n; i++) {
		f = &p->form.fields[i];
		if ((code = post_attribute_code(f->name)) == NULL)
			continue;
		q = post_question(cat, code);
		for (c = post_client_attributes; q == NULL && *c != NULL; c++) {
			if (strcmp(*c, code) == 0)
				break;
		}
		if (q == NULL && *c != NULL) {
			if (strcmp(code, "fixmystreet_id") == 0 &&
			    p->client_ref == NULL && f->len <= 100 &&
			    open311_text_ok(f->value, f->len))
				p->client_ref = xstrdup(f->value);
			free(code);
			continue;
		}
		if (f->filename != NULL || !open311_text_ok(f->value, f->len) ||
		    utf8_len(f->value) > 1000) {
			open311_error(p->req, p->fmt, 400,
			    "%s: not valid UTF-8 text of at most 1000 "
			    "characters",
			    f->name);
			goto fail;
		}
		type = json_string_value(json_object_get(q, "datatype"));
		if (type == NULL)
			type = "string";
		have = json_object_get(answers, code);
		if (strcmp(type, "multivaluelist") == 0) {
			if (have == NULL) {
				have = json_array();
				json_object_set_new(answers, code, have);
			}
			json_array_append_new(have, json_string(f->value));
		} else if (have != NULL) {
			open311_error(p->req, p->fmt, 400,
			    "attribute[%s]: takes one value", code);
			goto fail;
		} else if (strcmp(type, "number") == 0) {
			if ((v = post_number(f->value)) == NULL) {
				open311_error(p->req, p->fmt, 400,
				    "attribute[%s]: not a number", code);
				goto fail;
			}
			json_object_set_new(answers, code, v);
		} else
			json_object_set_new(
			    answers, code, json_string(f->value));
		free(code);
	}
	return answers;
fail:
	free(code);
	json_decref(answers);
	return NULL;
}
