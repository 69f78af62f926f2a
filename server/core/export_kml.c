/*
 * The weekly coverage report as KML 2.2, for Google Earth and for GIS
 * staff who prefer it: one Placemark per piece, styled by its state, its
 * properties as ExtendedData (GDAL's KML drivers read them as fields).
 * The XML is produced by libxml2's writer, which escapes text and
 * attributes, so names from OSM cannot break the document.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/encoding.h>
#include <libxml/xmlstring.h>
#include <libxml/xmlwriter.h>

#include "glossary.h"
#include "export.h"
#include "xmalloc.h"

#define KML_NS "http://www.opengis.net/kml/2.2"

/*
 * KML colours are aabbggrr. The same palette as the PNG: green and red
 * that stay apart for the common red-green colour blindness by lightness,
 * and a grey for pieces that were not due, thinner so they recede.
 */
static const struct kml_style {
	enum report_state state;
	const char *color;
	const char *width;
	const char *label;
} kml_styles[] = {
    {REPORT_INSPECTED, "ff50981a", "4", GL_PIECE_INSPECTED_JA},
    {REPORT_OVERDUE, "ff2730d7", "4", GL_PIECE_OVERDUE_JA},
    {REPORT_NOT_DUE, "ffa6a6a6", "2", GL_PIECE_NOT_DUE_JA},
};
#define NSTYLES (sizeof kml_styles / sizeof kml_styles[0])

struct kml_writer {
	xmlTextWriterPtr w;
	int failed;      /* a libxml2 call failed */
	const char *bad; /* the first field that cannot be written */
	const char *why;
	const struct report_piece *piece; /* being written, or NULL */
	const struct report_piece *bad_piece;
};

static const xmlChar *
kml_x(const char *s)
{
	return (const xmlChar *)s;
}

static void
kml_check(struct kml_writer *k, int rc)
{
	if (rc < 0)
		k->failed = 1;
}

static void
kml_refuse(struct kml_writer *k, const char *field, const char *why)
{
	if (k->bad == NULL) {
		k->bad = field;
		k->why = why;
		k->bad_piece = k->piece;
	}
}

static void
kml_start(struct kml_writer *k, const char *name)
{
	kml_check(k, xmlTextWriterStartElement(k->w, kml_x(name)));
}

static void
kml_end(struct kml_writer *k)
{
	kml_check(k, xmlTextWriterEndElement(k->w));
}

/*
 * Text as it goes into the document. PostgreSQL only stores valid UTF-8,
 * so anything else is a bug upstream and refused; C0 controls other than
 * tab and newlines cannot appear in XML 1.0 even escaped, so they become
 * spaces rather than fail a whole week's export over one OSM name.
 */
static void
kml_text(struct kml_writer *k, const char *field, const char *s)
{
	char *copy;
	size_t i;

	if (xmlCheckUTF8(kml_x(s)) == 0) {
		kml_refuse(k, field, "not valid UTF-8");
		return;
	}
	copy = xstrdup(s);
	for (i = 0; copy[i] != '\0'; i++) {
		if ((unsigned char)copy[i] < 0x20 && copy[i] != '\t' &&
		    copy[i] != '\n' && copy[i] != '\r')
			copy[i] = ' ';
	}
	kml_check(k, xmlTextWriterWriteString(k->w, kml_x(copy)));
	free(copy);
}

static void
kml_element(struct kml_writer *k, const char *name, const char *text)
{
	kml_start(k, name);
	kml_text(k, name, text);
	kml_end(k);
}

/* A Data element; a NULL value is left out, as KML has no null. */
static void
kml_data(struct kml_writer *k, const char *name, const char *display,
    const char *value)
{
	if (value == NULL)
		return;
	kml_start(k, "Data");
	kml_check(
	    k, xmlTextWriterWriteAttribute(k->w, kml_x("name"), kml_x(name)));
	kml_element(k, "displayName", display);
	kml_element(k, "value", value);
	kml_end(k);
}

/* Up to 7 decimals, trailing zeros cut: about 1 cm, as in the GeoJSON. */
static void
kml_coord(char *buf, size_t size, double v)
{
	size_t n;

	snprintf(buf, size, "%.7f", v);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	if (strcmp(buf, "-0") == 0)
		strcpy(buf, "0");
}

static void
kml_coordinates(struct kml_writer *k, const struct report_piece *p)
{
	char lon[48], lat[48];
	size_t i;

	/* "nan" would be a broken coordinate; the GeoJSON refuses too. */
	for (i = 0; i < 2 * p->npoints; i++) {
		if (!isfinite(p->lonlat[i])) {
			kml_refuse(k, "coordinates", "not a finite number");
			return;
		}
	}
	kml_start(k, "coordinates");
	for (i = 0; i < p->npoints; i++) {
		kml_coord(lon, sizeof lon, p->lonlat[2 * i]);
		kml_coord(lat, sizeof lat, p->lonlat[2 * i + 1]);
		kml_check(k,
		    xmlTextWriterWriteFormatString(
		        k->w, "%s%s,%s", i == 0 ? "" : " ", lon, lat));
	}
	kml_end(k);
}

static void
kml_styles_write(struct kml_writer *k)
{
	const struct kml_style *s;
	size_t i;

	for (i = 0; i < NSTYLES; i++) {
		s = &kml_styles[i];
		kml_start(k, "Style");
		kml_check(k,
		    xmlTextWriterWriteAttribute(
		        k->w, kml_x("id"), kml_x(report_state_name(s->state))));
		kml_start(k, "LineStyle");
		kml_element(k, "color", s->color);
		kml_element(k, "width", s->width);
		kml_end(k);
		kml_end(k);
	}
}

static const char *
kml_state_label(enum report_state state)
{
	size_t i;

	for (i = 0; i < NSTYLES; i++) {
		if (kml_styles[i].state == state)
			return kml_styles[i].label;
	}
	return report_state_name(state);
}

static void
kml_placemark(struct kml_writer *k, const struct report_piece *p)
{
	char num[64], *name, *style;

	k->piece = p;
	kml_start(k, "Placemark");
	/* An XML ID cannot start with a digit. */
	kml_check(k,
	    xmlTextWriterWriteFormatAttribute(
	        k->w, kml_x("id"), "piece%lld", p->id));
	snprintf(num, sizeof num, "%lld", p->id);
	if (p->name != NULL)
		kml_element(k, "name", p->name);
	else {
		name = xasprintf("区間 %s", num);
		kml_element(k, "name", name);
		free(name);
	}
	kml_element(k, "description", kml_state_label(p->state));
	style = xasprintf("#%s", report_state_name(p->state));
	kml_element(k, "styleUrl", style);
	free(style);

	/*
	 * No "name" here: the Placemark's name is it, and GDAL would fold
	 * the two into one field anyway.
	 */
	kml_start(k, "ExtendedData");
	kml_data(k, "id", "区間ID", num);
	kml_data(k, "kind", "種別", p->kind);
	kml_data(k, "class", "区分", p->class);
	kml_data(k, "ward_code", "区コード", p->ward_code);
	snprintf(num, sizeof num, "%.1f", p->length_m);
	kml_data(k, "length_m", "延長 (m)", num);
	snprintf(num, sizeof num, "%d", p->interval_days);
	kml_data(k, "interval_days", "巡回周期 (日)", num);
	kml_data(k, "state", "状態", report_state_name(p->state));
	kml_data(k, "due", "今週期限", p->due ? "true" : "false");
	kml_data(k, "last_inspected", "最終巡回", p->last_inspected);
	kml_data(k, "due_at", "期限", p->due_at);
	snprintf(num, sizeof num, "%.3f", p->best_share);
	kml_data(k, "best_share", "今週の最大通過率", num);
	kml_end(k);

	/* Like the GeoJSON, a piece without a line stays, unlocated. */
	if (p->lonlat != NULL && p->npoints >= 2) {
		kml_start(k, "LineString");
		kml_element(k, "tessellate", "1");
		kml_coordinates(k, p);
		kml_end(k);
	}
	kml_end(k);
	k->piece = NULL;
}

static void
kml_document(struct kml_writer *k, const struct coverage_report *r)
{
	const char *ward;
	char *title;
	size_t i;

	ward = r->ward_name != NULL ? r->ward_name : r->ward_code;
	if (ward != NULL)
		title = xasprintf("巡回カバレッジ %s %s", r->week, ward);
	else
		title = xasprintf("巡回カバレッジ %s", r->week);

	kml_check(k, xmlTextWriterStartDocument(k->w, NULL, "UTF-8", NULL));
	kml_start(k, "kml");
	kml_check(k,
	    xmlTextWriterWriteAttribute(k->w, kml_x("xmlns"), kml_x(KML_NS)));
	kml_start(k, "Document");
	kml_element(k, "name", title);
	free(title);
	if (r->start != NULL && r->end != NULL) {
		title = xasprintf("%s – %s", r->start, r->end);
		kml_element(k, "description", title);
		free(title);
	}
	kml_styles_write(k);
	for (i = 0; i < r->npieces && !k->failed; i++)
		kml_placemark(k, &r->pieces[i]);
	kml_end(k);
	kml_end(k);
	kml_check(k, xmlTextWriterEndDocument(k->w));
}

int
export_kml(const struct coverage_report *r, FILE *out, char **cause)
{
	struct kml_writer k = {NULL, 0, NULL, NULL, NULL, NULL};
	xmlBufferPtr buf;
	int rc = -1;

	/*
	 * In memory first: the writer's errors then surface before a byte
	 * reaches out, and a week of pieces is a few megabytes at most.
	 */
	if ((buf = xmlBufferCreate()) == NULL) {
		*cause = xstrdup("cannot create the KML buffer");
		return -1;
	}
	if ((k.w = xmlNewTextWriterMemory(buf, 0)) == NULL) {
		xmlBufferFree(buf);
		*cause = xstrdup("cannot create the KML writer");
		return -1;
	}
	kml_check(&k, xmlTextWriterSetIndent(k.w, 1));
	kml_check(&k, xmlTextWriterSetIndentString(k.w, kml_x(" ")));
	kml_document(&k, r);
	/* Freeing the writer flushes it into buf. */
	xmlFreeTextWriter(k.w);

	if (k.bad != NULL && k.bad_piece != NULL) {
		*cause = xasprintf(
		    "piece %lld: %s: %s", k.bad_piece->id, k.bad, k.why);
	} else if (k.bad != NULL)
		*cause = xasprintf("%s: %s", k.bad, k.why);
	else if (k.failed)
		*cause = xstrdup("cannot write the KML");
	else if (fwrite(xmlBufferContent(buf), 1, (size_t)xmlBufferLength(buf),
	             out) != (size_t)xmlBufferLength(buf) ||
	    fflush(out) != 0)
		*cause = xstrdup("cannot write the KML");
	else
		rc = 0;
	xmlBufferFree(buf);
	return rc;
}
