/*
 * An Open311 POST body as application/x-www-form-urlencoded, on arbitrary
 * bytes. Every field must come out NUL-terminated at its length; every
 * refusal must say why. Each value also goes through the lenient date
 * reader and, when it is UTF-8, through the XML writer, whose output must
 * parse back: no input may break the XML of a reply.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libxml/parser.h>

#include "open311.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_xml(const char *value, size_t len)
{
	json_t *doc, *s;
	xmlDocPtr x;
	char *xml;
	size_t n;

	if ((s = json_stringn(value, len)) == NULL)
		return; /* not UTF-8: the handlers refuse it first */
	doc = json_pack("[{s:o,s:n}]", "description", s, "address_id");
	if ((xml = open311_xml_write(doc, "service_requests", "request", &n)) ==
	    NULL)
		abort();
	x = xmlReadMemory(xml, (int)n, NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (x == NULL)
		abort();
	xmlFreeDoc(x);
	free(xml);
	json_decref(doc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct open311_form f;
	const struct open311_field *x;
	char *cause = NULL, date[40];
	size_t i;

	if (open311_form_urlencoded(&f, (const char *)data, size, &cause) !=
	    0) {
		if (cause == NULL || f.n != 0)
			abort();
		free(cause);
		return 0;
	}
	for (i = 0; i < f.n; i++) {
		x = &f.fields[i];
		if (*x->name == '\0' || x->value[x->len] != '\0' ||
		    open311_form_get(&f, x->name) == NULL)
			abort();
		if (open311_date_parse(x->value, date, sizeof date) == 0 &&
		    strlen(date) >= sizeof date)
			abort();
		check_xml(x->value, x->len);
	}
	(void)open311_form_duplicate(&f);
	open311_form_free(&f);
	return 0;
}
