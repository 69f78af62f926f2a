/*
 * The pure half of Open311 (see open311.h for the handlers): the form and
 * multipart decoders, the XML writer and what each life-cycle event tells a
 * resident. No I/O here: the handlers in server/open311*.c call these.
 */
#ifndef PATROL_OPEN311_CODEC_H
#define PATROL_OPEN311_CODEC_H

#include <stddef.h>

#include <jansson.h>

#include "compiler.h"

/* open311_form.c */

struct open311_field {
	char *name;
	char *value; /* NUL-terminated copy, len bytes (may hold NULs) */
	size_t len;
	char *filename;     /* multipart parts with a filename, else NULL */
	char *content_type; /* multipart parts that say it, else NULL */
};

struct open311_form {
	struct open311_field *fields;
	size_t n;
};

#define OPEN311_FORM_MAX_FIELDS 200

/*
 * Parses a body by its Content-Type: application/x-www-form-urlencoded or
 * multipart/form-data. -1 with *cause (caller frees) on anything malformed;
 * form is then empty. Free the form with open311_form_free either way.
 */
PATROL_MUSTCHECK int open311_form_parse(struct open311_form *,
    const char *content_type, const char *body, size_t len, char **cause);
PATROL_MUSTCHECK int open311_form_urlencoded(
    struct open311_form *, const char *body, size_t len, char **cause);
/* The boundary of a multipart Content-Type (caller frees), or NULL. */
char *open311_form_boundary(const char *content_type);
PATROL_MUSTCHECK int open311_form_multipart(struct open311_form *,
    const char *boundary, const char *body, size_t len, char **cause);
void open311_form_free(struct open311_form *);
/* The first field of that name, or NULL. */
const struct open311_field *open311_form_get(
    const struct open311_form *, const char *name);
/*
 * The first name given twice that may be given once only (all but names
 * ending in "[]"), or NULL.
 */
const char *open311_form_duplicate(const struct open311_form *);

/* 1 when s is text we store: valid UTF-8, no control characters but \t\n\r. */
int open311_text_ok(const char *s, size_t len);
/*
 * Reads a date leniently (see open311_form.c) into out (at least 40
 * bytes) in a form PostgreSQL takes; -1 when it is not one.
 */
PATROL_MUSTCHECK int open311_date_parse(
    const char *s, char *out, size_t outlen);

/* open311_xml.c */

/*
 * Writes doc as an XML document: <root>, objects as elements in their
 * order, an array's items as elements named after the array (attributes
 * -> attribute, values -> value, ...; item for a top-level array), null as
 * an empty element, booleans as true/false. Characters XML 1.0 cannot
 * carry are dropped. Returns the text (caller frees) and its length.
 */
char *open311_xml_write(
    json_t *doc, const char *root, const char *item, size_t *len);
/* A real number as both formats write it ("35.605"). */
void open311_real(double, char *buf, size_t len);

/* open311_status.c */

struct open311_status {
	const char *kind;    /* event kind */
	const char *outcome; /* for "done": the outcome, NULL for any other */
	const char *status;  /* the mySociety update status */
	int closed;          /* the spec's closed rather than open */
	const char *text_ja, *text_en;
};

/*
 * What an event tells a resident, or NULL for events that are none of
 * their business (photos added, call-backs, their own comments).
 */
const struct open311_status *open311_status_find(
    const char *kind, const char *outcome);
/*
 * SQL array literal of the event kinds open311_status_find knows, with or
 * without "created".
 */
const char *open311_status_kinds_sql(int with_created);

#endif
