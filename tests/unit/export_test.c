/*
 * The four export writers on a small report: each output is read back
 * with the library a consumer would use (jansson, libxml2, an RFC 4180
 * reader) and checked for the shape its standard asks for.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <cmocka.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "export_sample.h"
#include "fixture.h"
#include "export.h"
#include "wards.h"

struct buf {
	char *data;
	size_t len;
};

/* Runs a writer into memory; fails the test if it refuses. */
static struct buf
run(int (*fn)(const struct coverage_report *, FILE *, char **),
    const struct coverage_report *r)
{
	struct buf b = {NULL, 0};
	char *cause = NULL;
	FILE *f;
	int rc;

	f = open_memstream(&b.data, &b.len);
	assert_non_null(f);
	rc = fn(r, f, &cause);
	fclose(f);
	if (rc != 0)
		fail_msg("export refused: %s", cause);
	return b;
}

/* --- GeoJSON ----------------------------------------------------------- */

/* Digits after the point in every number of every "coordinates" array. */
static int
max_coordinate_decimals(const char *s)
{
	const char *p, *end;
	int most = 0, n;

	while ((p = strstr(s, "\"coordinates\":")) != NULL) {
		end = strstr(p, "]]");
		assert_non_null(end);
		for (; p < end; p++) {
			if (*p != '.')
				continue;
			for (n = 0; p[1] >= '0' && p[1] <= '9'; p++)
				n++;
			if (n > most)
				most = n;
		}
		s = end;
	}
	return most;
}

static void
test_geojson_shape(void **state)
{
	static const char *keys[] = {"id", "kind", "class", "name", "ward_code",
	    "length_m", "interval_days", "state", "due", "last_inspected",
	    "due_at", "best_share"};
	struct coverage_report *r;
	struct buf b;
	json_t *root, *features, *f, *geom, *coords, *props, *pos;
	json_error_t err;
	size_t i, j, k;

	(void)state;
	r = export_sample_new(NULL);
	b = run(export_geojson, r);
	root = json_loadb(b.data, b.len, 0, &err);
	if (root == NULL)
		fail_msg("GeoJSON does not parse: %s", err.text);
	assert_string_equal(json_string_value(json_object_get(root, "type")),
	    "FeatureCollection");
	assert_string_equal(
	    json_string_value(json_object_get(root, "week")), "2026-W47");
	/* RFC 7946 dropped "crs": WGS84 only, and GDAL would obey one. */
	assert_null(json_object_get(root, "crs"));
	features = json_object_get(root, "features");
	assert_true(json_is_array(features));
	assert_int_equal(json_array_size(features), r->npieces);

	json_array_foreach(features, i, f)
	{
		assert_string_equal(
		    json_string_value(json_object_get(f, "type")), "Feature");
		geom = json_object_get(f, "geometry");
		assert_string_equal(
		    json_string_value(json_object_get(geom, "type")),
		    "LineString");
		coords = json_object_get(geom, "coordinates");
		assert_int_equal(json_array_size(coords), r->pieces[i].npoints);
		json_array_foreach(coords, j, pos)
		{
			assert_int_equal(json_array_size(pos), 2);
			/* lon first, and the value is the input to 1e-7. */
			for (k = 0; k < 2; k++) {
				double want = r->pieces[i].lonlat[2 * j + k];
				double got =
				    json_number_value(json_array_get(pos, k));
				assert_true(fabs(got - want) <= 0.5e-7 + 1e-12);
			}
		}
		props = json_object_get(f, "properties");
		for (k = 0; k < sizeof keys / sizeof keys[0]; k++) {
			if (json_object_get(props, keys[k]) == NULL)
				fail_msg("feature %zu lacks %s", i, keys[k]);
		}
		assert_int_equal(
		    json_integer_value(json_object_get(props, "id")),
		    r->pieces[i].id);
		assert_string_equal(
		    json_string_value(json_object_get(props, "state")),
		    report_state_name(r->pieces[i].state));
		assert_true(json_is_boolean(json_object_get(props, "due")));
	}
	/* Names and nulls survive; lengths have one decimal. */
	props = json_object_get(json_array_get(features, 1), "properties");
	assert_string_equal(json_string_value(json_object_get(props, "name")),
	    "多摩川 \"左岸\", 登戸");
	props = json_object_get(json_array_get(features, 4), "properties");
	assert_true(json_is_null(json_object_get(props, "ward_code")));
	assert_true(json_is_null(json_object_get(props, "last_inspected")));
	props = json_object_get(json_array_get(features, 0), "properties");
	assert_true(
	    json_real_value(json_object_get(props, "length_m")) == 100.0);
	assert_non_null(strstr(b.data, "\"length_m\":100.0"));
	assert_non_null(strstr(b.data, "[139.5512346,35.6209877]"));

	assert_int_equal(max_coordinate_decimals(b.data), 7);
	assert_int_equal(
	    json_array_size(json_object_get(root, "summary")), r->nsummary);
	assert_true(json_is_null(
	    json_object_get(json_array_get(json_object_get(root, "summary"), 2),
	        "share_on_time")));
	json_decref(root);
	free(b.data);
	report_free(r);
}

/* Runs a writer that must refuse; returns its cause (caller frees). */
static char *
refused(int (*fn)(const struct coverage_report *, FILE *, char **),
    const struct coverage_report *r)
{
	char *cause = NULL, *data = NULL;
	size_t len;
	FILE *f;

	f = open_memstream(&data, &len);
	assert_non_null(f);
	assert_int_equal(fn(r, f, &cause), -1);
	fclose(f);
	free(data);
	assert_non_null(cause);
	return cause;
}

/*
 * What the formats cannot hold is refused with the piece named, never
 * written broken: text that is not UTF-8, NaN coordinates.
 */
static void
test_refuses_unwritable(void **state)
{
	struct coverage_report *r;
	char *cause;

	(void)state;
	r = export_sample_new(NULL);
	free(r->pieces[2].name);
	r->pieces[2].name = strdup("bad \xff name");
	cause = refused(export_geojson, r);
	assert_non_null(strstr(cause, "piece 103: name: not valid UTF-8"));
	free(cause);
	cause = refused(export_kml, r);
	assert_non_null(strstr(cause, "piece 103: name: not valid UTF-8"));
	free(cause);
	report_free(r);

	r = export_sample_new(NULL);
	r->pieces[1].lonlat[3] = NAN;
	cause = refused(export_geojson, r);
	assert_non_null(strstr(cause, "piece 102: coordinates"));
	free(cause);
	cause = refused(export_kml, r);
	assert_non_null(strstr(cause, "piece 102: coordinates"));
	free(cause);
	report_free(r);
}

/* A piece without a line is kept, unlocated, so the counts still agree. */
static void
test_unlocated_piece(void **state)
{
	struct coverage_report *r;
	struct buf b;
	json_t *root;

	(void)state;
	r = export_sample_new(NULL);
	r->pieces[3].npoints = 1;
	b = run(export_geojson, r);
	root = json_loadb(b.data, b.len, 0, NULL);
	assert_non_null(root);
	assert_true(json_is_null(json_object_get(
	    json_array_get(json_object_get(root, "features"), 3), "geometry")));
	json_decref(root);
	free(b.data);
	b = run(export_kml, r);
	assert_non_null(strstr(b.data, "<Placemark id=\"piece104\">"));
	free(b.data);
	r->pieces[3].npoints = 3;
	report_free(r);
}

/* --- KML --------------------------------------------------------------- */

static xmlXPathObjectPtr
xpath(xmlXPathContextPtr ctx, const char *expr)
{
	xmlXPathObjectPtr o;

	o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	assert_non_null(o);
	return o;
}

static int
xpath_count(xmlXPathContextPtr ctx, const char *expr)
{
	xmlXPathObjectPtr o = xpath(ctx, expr);
	int n = o->nodesetval == NULL ? 0 : o->nodesetval->nodeNr;

	xmlXPathFreeObject(o);
	return n;
}

static char *
xpath_string(xmlXPathContextPtr ctx, const char *expr)
{
	char *wrapped, *s;
	xmlXPathObjectPtr o;

	assert_true(asprintf(&wrapped, "string(%s)", expr) > 0);
	o = xpath(ctx, wrapped);
	free(wrapped);
	s = strdup((const char *)o->stringval);
	xmlXPathFreeObject(o);
	return s;
}

static void
test_kml_shape(void **state)
{
	struct coverage_report *r;
	struct buf b;
	xmlDocPtr doc;
	xmlXPathContextPtr ctx;
	char expr[256], *s;
	size_t i;

	(void)state;
	r = export_sample_new(NULL);
	r->ward_code = strdup("14135");
	r->ward_name = strdup("神奈川県川崎市多摩区");
	b = run(export_kml, r);
	doc = xmlReadMemory(b.data, (int)b.len, "coverage.kml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR);
	assert_non_null(doc);
	ctx = xmlXPathNewContext(doc);
	xmlXPathRegisterNs(ctx, (const xmlChar *)"k",
	    (const xmlChar *)"http://www.opengis.net/kml/2.2");

	s = xpath_string(ctx, "/k:kml/k:Document/k:name");
	assert_string_equal(s, "巡回カバレッジ 2026-W47 神奈川県川崎市多摩区");
	free(s);
	assert_int_equal(xpath_count(ctx, "/k:kml/k:Document/k:Style"), 3);
	assert_int_equal(xpath_count(ctx,
	                     "//k:Style[@id='inspected']"
	                     "/k:LineStyle/k:color"),
	    1);
	assert_int_equal(xpath_count(ctx,
	                     "//k:Style[@id='overdue']"
	                     "/k:LineStyle/k:width"),
	    1);
	assert_int_equal(xpath_count(ctx, "//k:Style[@id='not_due']"), 1);
	assert_int_equal(xpath_count(ctx, "//k:Placemark"), (int)r->npieces);
	assert_int_equal(
	    xpath_count(ctx, "//k:Placemark/k:LineString"), (int)r->npieces);

	for (i = 0; i < r->npieces; i++) {
		snprintf(
		    expr, sizeof expr, "//k:Placemark[%zu]/k:styleUrl", i + 1);
		s = xpath_string(ctx, expr);
		assert_string_equal(
		    s + 1, report_state_name(r->pieces[i].state));
		free(s);
		snprintf(expr, sizeof expr,
		    "//k:Placemark[%zu]//k:Data[@name='id']/k:value", i + 1);
		s = xpath_string(ctx, expr);
		assert_int_equal(atoll(s), r->pieces[i].id);
		free(s);
	}
	/* Escaping round-trips: quotes, comma, CR LF, Japanese. */
	s = xpath_string(ctx, "//k:Placemark[2]/k:name");
	assert_string_equal(s, "多摩川 \"左岸\", 登戸");
	free(s);
	s = xpath_string(ctx, "//k:Placemark[1]//k:coordinates");
	assert_non_null(strstr(s, "139.5512346,35.6209877 "));
	free(s);
	/* KML has no null: an absent value is an absent Data. */
	assert_int_equal(xpath_count(ctx,
	                     "//k:Placemark[5]//k:Data"
	                     "[@name='ward_code']"),
	    0);

	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	free(b.data);
	report_free(r);
}

/* --- CSV --------------------------------------------------------------- */

struct csv_row {
	char *field[16];
	int n;
};

/* A strict RFC 4180 reader: returns the rows, CRLF line ends only. */
static int
csv_parse(const char *s, size_t len, struct csv_row *rows, int max)
{
	const char *end = s + len;
	char field[512];
	size_t fl;
	int nrows = 0, quoted;

	while (s < end && nrows < max) {
		struct csv_row *row = &rows[nrows++];

		row->n = 0;
		for (;;) {
			fl = 0;
			quoted = s < end && *s == '"';
			if (quoted) {
				s++;
				for (;;) {
					assert_true(s < end);
					if (*s == '"' && s + 1 < end &&
					    s[1] == '"') {
						field[fl++] = '"';
						s += 2;
					} else if (*s == '"') {
						s++;
						break;
					} else
						field[fl++] = *s++;
				}
			} else {
				while (s < end && *s != ',' && *s != '\r') {
					/* A bare quote or LF is malformed. */
					assert_true(*s != '"' && *s != '\n');
					field[fl++] = *s++;
				}
			}
			field[fl] = '\0';
			row->field[row->n++] = strdup(field);
			if (s < end && *s == ',') {
				s++;
				continue;
			}
			assert_true(
			    s + 1 < end && s[0] == '\r' && s[1] == '\n');
			s += 2;
			break;
		}
	}
	return nrows;
}

static void
csv_rows_free(struct csv_row *rows, int n)
{
	int i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < rows[i].n; j++)
			free(rows[i].field[j]);
	}
}

/*
 * Runs a CSV writer and reads its file back: a UTF-8 BOM (Excel), then a
 * strict RFC 4180 table (CRLF row ends) of want rows of 12 fields each, or
 * the test fails. Returns the file; the caller frees it and
 * csv_rows_free()s the rows.
 */
static struct buf
csv_run(int (*fn)(const struct coverage_report *, FILE *, char **),
    const struct coverage_report *r, struct csv_row *rows, int want)
{
	struct buf b = run(fn, r);
	int n, i;

	assert_true(b.len > 3);
	assert_memory_equal(b.data, "\xef\xbb\xbf", 3);
	n = csv_parse(b.data + 3, b.len - 3, rows, 32);
	assert_int_equal(n, want);
	for (i = 0; i < n; i++)
		assert_int_equal(rows[i].n, 12);
	return b;
}

static void
test_csv_shape(void **state)
{
	const char *csv_header = "id,kind,class,name,ward_code,length_m,"
	                         "interval_days,state,due,last_inspected,"
	                         "due_at,best_share\r\n";
	struct coverage_report *r;
	struct csv_row rows[32];
	struct buf b;
	const char *body;
	int n;

	(void)state;
	r = export_sample_new(NULL);
	/* One table: the header and the pieces, nothing after them. */
	n = (int)(1 + r->npieces);
	b = csv_run(export_csv_en, r, rows, n);
	body = b.data + 3;
	assert_true(strncmp(body, csv_header, strlen(csv_header)) == 0);
	/* Quoting as RFC 4180 has it, in the raw bytes. */
	assert_non_null(strstr(body, ",\"多摩川 \"\"左岸\"\", 登戸\","));
	assert_non_null(strstr(body, ",\"生田緑地\r\n園路\","));
	assert_non_null(strstr(body, ",府中街道,"));

	assert_string_equal(rows[1].field[0], "101");
	assert_string_equal(rows[1].field[5], "100.0");
	assert_string_equal(rows[1].field[7], "inspected");
	assert_string_equal(rows[1].field[8], "true");
	assert_string_equal(rows[2].field[3], "多摩川 \"左岸\", 登戸");
	assert_string_equal(rows[3].field[3], "");
	assert_string_equal(rows[3].field[8], "false");
	assert_string_equal(rows[4].field[3], "生田緑地\r\n園路");
	/* A name Excel would run as a formula is shown as text. */
	assert_string_equal(rows[5].field[3], "'=1+1 (outside)");
	assert_string_equal(rows[5].field[4], "");
	assert_string_equal(rows[5].field[9], "");

	csv_rows_free(rows, n);
	free(b.data);

	/* The summary is a file of its own. */
	n = (int)(1 + r->nsummary);
	b = csv_run(export_csv_summary_en, r, rows, n);
	assert_string_equal(rows[0].field[0], "ward_code");
	assert_string_equal(rows[0].field[8], "share_on_time");
	/* The share is empty where nothing was due. */
	assert_string_equal(rows[1].field[0], "14135");
	assert_string_equal(rows[1].field[8], "1.0000");
	assert_string_equal(rows[2].field[8], "0.0000");
	assert_string_equal(rows[3].field[8], "");
	assert_string_equal(rows[3].field[9], "0.107");
	assert_string_equal(rows[5].field[0], "");
	csv_rows_free(rows, n);
	free(b.data);
	report_free(r);
}

/* Japanese first: the default CSVs have Japanese headers and words. */
static void
test_csv_japanese(void **state)
{
	struct coverage_report *r;
	struct csv_row rows[32];
	struct buf b;
	int n;

	(void)state;
	r = export_sample_new(NULL);
	n = (int)(1 + r->npieces);
	b = csv_run(export_csv, r, rows, n);
	assert_string_equal(rows[0].field[0], "番号");
	assert_string_equal(rows[0].field[7], "状態");
	assert_string_equal(rows[0].field[8], "今週の巡回対象");
	assert_string_equal(rows[1].field[7], "巡回済み");
	assert_string_equal(rows[1].field[8], "はい");
	assert_string_equal(rows[3].field[8], "いいえ");
	/* Numbers stay numbers, for a spreadsheet to sum. */
	assert_string_equal(rows[1].field[5], "100.0");
	csv_rows_free(rows, n);
	free(b.data);

	n = (int)(1 + r->nsummary);
	b = csv_run(export_csv_summary, r, rows, n);
	assert_string_equal(rows[0].field[0], "区コード");
	assert_string_equal(rows[0].field[8], "期限内巡回率");
	assert_string_equal(rows[1].field[8], "1.0000");
	csv_rows_free(rows, n);
	free(b.data);
	report_free(r);
}

/* --- PNG --------------------------------------------------------------- */

static const unsigned char png_signature[8] = {
    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

static void
check_png(const struct buf *b)
{
	unsigned long w, h;

	assert_true(b->len > 8 * 1024);
	assert_memory_equal(b->data, png_signature, 8);
	/* IHDR comes first: width and height, big-endian. */
	assert_memory_equal(b->data + 12, "IHDR", 4);
	w = (unsigned long)(unsigned char)b->data[16] << 24 |
	    (unsigned long)(unsigned char)b->data[17] << 16 |
	    (unsigned long)(unsigned char)b->data[18] << 8 |
	    (unsigned long)(unsigned char)b->data[19];
	h = (unsigned long)(unsigned char)b->data[20] << 24 |
	    (unsigned long)(unsigned char)b->data[21] << 16 |
	    (unsigned long)(unsigned char)b->data[22] << 8 |
	    (unsigned long)(unsigned char)b->data[23];
	assert_int_equal(w, 1600);
	assert_int_equal(h, 1200);
}

static void
test_png_ward(void **state)
{
	struct coverage_report *r;
	struct ward_set *wards = fixture_kawasaki();
	struct buf b;

	(void)state;
	r = export_sample_new(wards);
	r->ward_code = strdup("14135");
	r->ward_name = strdup("神奈川県川崎市多摩区");
	b = run(export_png, r);
	check_png(&b);
	free(b.data);
	report_free(r);
	wards_free(wards);
}

/* Without wards, and without pieces: still a map, never a failure. */
static void
test_png_bare(void **state)
{
	struct coverage_report *r;
	struct buf b;
	size_t n;

	(void)state;
	r = export_sample_new(NULL);
	b = run(export_png, r);
	check_png(&b);
	free(b.data);

	n = r->npieces;
	r->npieces = 0;
	b = run(export_png, r);
	check_png(&b);
	free(b.data);
	r->npieces = n;
	report_free(r);
}

/* --- dispatch ---------------------------------------------------------- */

static void
test_export_write(void **state)
{
	struct coverage_report *r;
	char *cause = NULL, *data = NULL;
	size_t len;
	FILE *f;

	(void)state;
	r = export_sample_new(NULL);
	f = open_memstream(&data, &len);
	assert_int_equal(export_write(r, "shp", f, &cause), -1);
	assert_non_null(strstr(cause, "shp"));
	free(cause);
	assert_int_equal(export_write(r, "geojson", f, &cause), 0);
	fclose(f);
	assert_true(len > 0 && data[0] == '{');
	free(data);

	assert_string_equal(
	    export_content_type("geojson"), "application/geo+json");
	assert_string_equal(
	    export_content_type("kml"), "application/vnd.google-earth.kml+xml");
	assert_non_null(strstr(export_content_type("csv"), "text/csv"));
	assert_string_equal(export_content_type("png"), "image/png");
	assert_null(export_content_type("gpkg"));
	assert_null(export_content_type(NULL));
	assert_true(export_lang_valid(NULL));
	assert_true(export_lang_valid("ja"));
	assert_true(export_lang_valid("en"));
	assert_false(export_lang_valid("fr"));
	assert_false(export_lang_valid(""));
	assert_string_equal(report_state_name(REPORT_NOT_DUE), "not_due");
	assert_string_equal(report_state_name(REPORT_INSPECTED), "inspected");
	assert_string_equal(report_state_name(REPORT_OVERDUE), "overdue");

	report_free(r);
	report_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_geojson_shape),
	    cmocka_unit_test(test_refuses_unwritable),
	    cmocka_unit_test(test_unlocated_piece),
	    cmocka_unit_test(test_kml_shape),
	    cmocka_unit_test(test_csv_shape),
	    cmocka_unit_test(test_csv_japanese),
	    cmocka_unit_test(test_png_ward),
	    cmocka_unit_test(test_png_bare),
	    cmocka_unit_test(test_export_write),
	};
	int rc;

	rc = cmocka_run_group_tests(tests, NULL, NULL);
	xmlCleanupParser();
	/*
	 * cairo keeps the fonts it resolved for the life of the process;
	 * drop them so LeakSanitizer sees only real leaks.
	 */
	cairo_debug_reset_static_data();
	return rc;
}
