/*
 * Open311's XML format, written from the same jansson tree as the JSON one
 * with libxml2's writer, which escapes text itself: no XML is ever built by
 * pasting strings together. The spec's XML names a list and its items
 * differently (<attributes><attribute>...), which the table below says.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "log.h"
#include "open311_codec.h"
#include "xmalloc.h"

static const struct {
	const char *list, *item;
} xml_items[] = {
    {"attributes", "attribute"},
    {"values", "value"},
    {"endpoints", "endpoint"},
    {"formats", "format"},
    {"notes", "note"},
    {"media_urls", "media_url"},
};

void
open311_real(double d, char *buf, size_t len)
{
	/* As jansson's JSON_REAL_PRECISION(15) writes it. */
	snprintf(buf, len, "%.15g", d);
	if (strpbrk(buf, ".eEn") == NULL && strlen(buf) + 3 <= len)
		strcat(buf, ".0");
}

static const char *
xml_item_name(const char *list)
{
	size_t i;

	for (i = 0; i < sizeof xml_items / sizeof xml_items[0]; i++) {
		if (strcmp(xml_items[i].list, list) == 0)
			return xml_items[i].item;
	}
	return "item";
}

/* Keys are ours, never a client's; still, never write a broken name. */
static int
xml_name_ok(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || *s == '_'))
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(s);
}

/*
 * A copy of UTF-8 text without what XML 1.0 cannot carry even escaped:
 * control characters other than tab, LF and CR, and U+FFFE/U+FFFF.
 */
static char *
xml_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = xmalloc(strlen(s) + 1), *o = out;

	while (*p != '\0') {
		if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') {
			p++;
			continue;
		}
		if (p[0] == 0xef && p[1] == 0xbf &&
		    (p[2] == 0xbe || p[2] == 0xbf)) {
			p += 3;
			continue;
		}
		*o++ = (char)*p++;
	}
	*o = '\0';
	return out;
}

static int
xml_value(xmlTextWriterPtr w, const char *name, json_t *v)
{
	const char *k, *item;
	json_t *x;
	size_t i;
	char num[64], *text;
	int rc;

	if (!xml_name_ok(name))
		return 0;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (xmlTextWriterStartElement(w, BAD_CAST name) < 0)
			return -1;
		json_object_foreach(v, k, x)
		{
			if (xml_value(w, k, x) < 0)
				return -1;
		}
		return xmlTextWriterEndElement(w);
	case JSON_ARRAY:
		if (xmlTextWriterStartElement(w, BAD_CAST name) < 0)
			return -1;
		item = xml_item_name(name);
		json_array_foreach(v, i, x)
		{
			if (xml_value(w, item, x) < 0)
				return -1;
		}
		return xmlTextWriterEndElement(w);
	case JSON_STRING:
		text = xml_clean(json_string_value(v));
		rc = xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST text);
		free(text);
		return rc;
	case JSON_INTEGER:
		snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return xmlTextWriterWriteElement(
		    w, BAD_CAST name, BAD_CAST num);
	case JSON_REAL:
		open311_real(json_real_value(v), num, sizeof num);
		return xmlTextWriterWriteElement(
		    w, BAD_CAST name, BAD_CAST num);
	case JSON_TRUE:
	case JSON_FALSE:
		return xmlTextWriterWriteElement(w, BAD_CAST name,
		    BAD_CAST(json_is_true(v) ? "true" : "false"));
	case JSON_NULL:
		/* <address_id/>, as the spec's and the cities' samples do. */
		if (xmlTextWriterStartElement(w, BAD_CAST name) < 0)
			return -1;
		return xmlTextWriterEndElement(w);
	}
	return -1;
}

char *
open311_xml_write(json_t *doc, const char *root, const char *item, size_t *len)
{
	xmlBufferPtr buf;
	xmlTextWriterPtr w;
	json_t *x;
	size_t i;
	char *out = NULL;
	int rc;

	if ((buf = xmlBufferCreate()) == NULL)
		fatalx("event=xml_buffer_failed");
	if ((w = xmlNewTextWriterMemory(buf, 0)) == NULL)
		fatalx("event=xml_writer_failed");
	rc = xmlTextWriterStartDocument(w, NULL, "utf-8", NULL);
	if (rc >= 0 && json_is_array(doc)) {
		rc = xmlTextWriterStartElement(w, BAD_CAST root);
		json_array_foreach(doc, i, x)
		{
			if (rc >= 0)
				rc = xml_value(w, item, x);
		}
		if (rc >= 0)
			rc = xmlTextWriterEndElement(w);
	} else if (rc >= 0)
		rc = xml_value(w, root, doc);
	if (rc >= 0)
		rc = xmlTextWriterEndDocument(w);
	xmlFreeTextWriter(w); /* flushes into buf */
	if (rc >= 0) {
		*len = (size_t)xmlBufferLength(buf);
		out = xmalloc(*len + 1);
		memcpy(out, xmlBufferContent(buf), *len);
		out[*len] = '\0';
	} else
		log_error("event=open311_xml_failed root=%s", root);
	xmlBufferFree(buf);
	return out;
}
