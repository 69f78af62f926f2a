/*
 * server/open311_form.c: the form-urlencoded and multipart parsers of
 * Open311 POSTs; also the lenient date reader and the XML writer those
 * requests' replies and parameters go through (open311.c, open311_xml.c),
 * and the status each step of the life cycle shows (open311_status.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "lifecycle.h"
#include "open311.h"
#include "open311_codec.h"

static int
urlencoded(const char *body, struct open311_form *f, char **cause)
{
	*cause = NULL;
	return open311_form_urlencoded(f, body, strlen(body), cause);
}

static void
test_urlencoded(void **state)
{
	struct open311_form f;
	char *cause;

	(void)state;
	assert_int_equal(urlencoded("api_key=k&service_code=wasp_nest&"
	                            "description=a+b%26c%3D&&attribute%5Bx%5D="
	                            "1&empty=&bare",
	                     &f, &cause),
	    0);
	assert_int_equal(f.n, 6);
	assert_string_equal(
	    open311_form_get(&f, "description")->value, "a b&c=");
	assert_string_equal(open311_form_get(&f, "attribute[x]")->value, "1");
	assert_int_equal(open311_form_get(&f, "empty")->len, 0);
	assert_int_equal(open311_form_get(&f, "bare")->len, 0);
	assert_null(open311_form_get(&f, "nope"));
	assert_null(open311_form_duplicate(&f));
	open311_form_free(&f);

	/* %00 is kept (len), so the handlers can refuse it as text. */
	assert_int_equal(urlencoded("d=a%00b", &f, &cause), 0);
	assert_int_equal(f.fields[0].len, 3);
	assert_int_equal(strlen(f.fields[0].value), 1);
	open311_form_free(&f);

	assert_int_equal(urlencoded("a=%zz", &f, &cause), -1);
	assert_non_null(cause);
	free(cause);
	assert_int_equal(urlencoded("a=%2", &f, &cause), -1);
	free(cause);
	assert_int_equal(urlencoded("=1", &f, &cause), -1);
	free(cause);
	assert_int_equal(urlencoded("a%00b=1", &f, &cause), -1);
	free(cause);
	assert_int_equal(f.n, 0);
}

static void
test_duplicates(void **state)
{
	struct open311_form f;
	char *cause;

	(void)state;
	assert_int_equal(
	    urlencoded("media[]=1&media[]=2&a[x][]=1&a[x][]=2", &f, &cause), 0);
	assert_null(open311_form_duplicate(&f));
	open311_form_free(&f);
	assert_int_equal(urlencoded("lat=1&long=2&lat=3", &f, &cause), 0);
	assert_string_equal(open311_form_duplicate(&f), "lat");
	open311_form_free(&f);
}

static void
test_too_many_fields(void **state)
{
	struct open311_form f;
	char *cause, *body = malloc(4 * (OPEN311_FORM_MAX_FIELDS + 1) + 1);
	int i;

	(void)state;
	body[0] = '\0';
	for (i = 0; i <= OPEN311_FORM_MAX_FIELDS; i++)
		strcat(body, "a=1&");
	assert_int_equal(urlencoded(body, &f, &cause), -1);
	free(cause);
	free(body);
}

static const char part[] =
    "preamble\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"service_code\"\r\n"
    "\r\n"
    "wasp_nest\r\n"
    "--XyZ \r\n"
    "content-disposition: form-data; name=\"media\"; "
    "filename=\"a;b \\\"c\\\".png\"\r\n"
    "Content-Type: image/png\r\n"
    "\r\n"
    "\x89PNG\r\n\x1a\n\0tail\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=empty\r\n"
    "\r\n"
    "\r\n"
    "--XyZ--\r\n"
    "epilogue";

static int
multipart(const char *body, size_t len, struct open311_form *f, char **cause)
{
	*cause = NULL;
	return open311_form_multipart(f, "XyZ", body, len, cause);
}

static void
test_multipart(void **state)
{
	struct open311_form f;
	const struct open311_field *m;
	char *cause;

	(void)state;
	assert_int_equal(multipart(part, sizeof part - 1, &f, &cause), 0);
	assert_int_equal(f.n, 3);
	assert_string_equal(
	    open311_form_get(&f, "service_code")->value, "wasp_nest");
	m = open311_form_get(&f, "media");
	assert_non_null(m);
	assert_int_equal(m->len, 13);
	assert_memory_equal(m->value, "\x89PNG\r\n\x1a\n\0tail", 13);
	assert_string_equal(m->filename, "a;b \"c\".png");
	assert_string_equal(m->content_type, "image/png");
	assert_int_equal(open311_form_get(&f, "empty")->len, 0);
	open311_form_free(&f);
}

static void
expect_broken(const char *body)
{
	struct open311_form f;
	char *cause;

	assert_int_equal(multipart(body, strlen(body), &f, &cause), -1);
	assert_non_null(cause);
	free(cause);
	assert_int_equal(f.n, 0);
	assert_null(f.fields);
}

static void
test_multipart_broken(void **state)
{
	(void)state;
	expect_broken("");
	expect_broken("--Other\r\n\r\nx\r\n--Other--\r\n");
	/* No closing boundary. */
	expect_broken("--XyZ\r\nContent-Disposition: form-data; name=a\r\n"
	              "\r\nvalue");
	/* LF only. */
	expect_broken("--XyZ\nContent-Disposition: form-data; name=a\n\n1\n"
	              "--XyZ--\n");
	/* Headers that never end, or are not form-data, or have no name. */
	expect_broken("--XyZ\r\nContent-Disposition: form-data; name=a\r\n");
	expect_broken("--XyZ\r\nContent-Disposition: attachment; name=a\r\n"
	              "\r\n1\r\n--XyZ--\r\n");
	expect_broken("--XyZ\r\nContent-Disposition: form-data\r\n\r\n1\r\n"
	              "--XyZ--\r\n");
	expect_broken("--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n"
	              "\r\n1\r\n--XyZ--\r\n");
	expect_broken("--XyZ\r\nno colon\r\n\r\n1\r\n--XyZ--\r\n");
	/* Junk after a boundary, and a body of no parts. */
	expect_broken("--XyZjunk\r\n\r\n");
	expect_broken("--XyZ--\r\n");
}

static void
test_boundary(void **state)
{
	struct open311_form f;
	char *b, *cause;

	(void)state;
	b = open311_form_boundary("multipart/form-data; boundary=abc");
	assert_string_equal(b, "abc");
	free(b);
	b = open311_form_boundary(
	    "Multipart/Form-Data; charset=utf-8; BOUNDARY=\"a b;c\"");
	assert_string_equal(b, "a b;c");
	free(b);
	assert_null(open311_form_boundary("multipart/form-data"));
	assert_null(open311_form_boundary("multipart/form-data; boundary="));
	assert_null(open311_form_boundary("multipart/mixed; boundary=a"));
	assert_null(
	    open311_form_boundary("multipart/form-data; boundary=\"unclosed"));
	assert_null(open311_form_boundary("multipart/form-data; boundary="
	                                  "0123456789012345678901234567890123"
	                                  "456789012345678901234567890123456789"
	                                  "0"));

	assert_int_equal(open311_form_parse(&f,
	                     "application/x-www-form-urlencoded; charset=utf-8",
	                     "a=1", 3, &cause),
	    0);
	open311_form_free(&f);
	assert_int_equal(
	    open311_form_parse(&f, "application/json", "{}", 2, &cause), -1);
	free(cause);
	assert_int_equal(open311_form_parse(&f, NULL, "", 0, &cause), -1);
	free(cause);
}

static void
expect_date(const char *in, const char *out)
{
	char buf[40];

	if (out == NULL) {
		assert_int_equal(open311_date_parse(in, buf, sizeof buf), -1);
		return;
	}
	assert_int_equal(open311_date_parse(in, buf, sizeof buf), 0);
	assert_string_equal(buf, out);
}

static void
test_dates(void **state)
{
	(void)state;
	expect_date("2026-07-01", "2026-07-01");
	expect_date("2026-07-01T10:00", "2026-07-01T10:00");
	expect_date("2026-07-01 10:00:05", "2026-07-01T10:00:05");
	expect_date("2026-07-01t10:00:05z", "2026-07-01T10:00:05Z");
	expect_date(
	    "2026-07-01T10:00:05.25+09:00", "2026-07-01T10:00:05.25+09:00");
	expect_date("2026-07-01T10:00:05+0900", "2026-07-01T10:00:05+09:00");
	/* An unescaped '+' in a query string arrives as a space. */
	expect_date("2026-07-01T10:00:05 09:00", "2026-07-01T10:00:05+09:00");
	expect_date("2026-07-01T10:00:05-04", "2026-07-01T10:00:05-04");
	expect_date("yesterday", NULL);
	expect_date("2026-13-01", NULL);
	expect_date("2026-07-01T25:00", NULL);
	expect_date("2026-07-01T10:00+", NULL);
	expect_date("2026-07-01T10:00:05.", NULL);
	expect_date("2026-07-01junk", NULL);
	expect_date("2026-07-01T10:00:05+09:00:00", NULL);
	expect_date("", NULL);
}

static void
test_xml(void **state)
{
	json_t *doc;
	size_t len;
	char *xml;

	(void)state;
	doc = json_pack("[{s:s,s:n,s:b,s:i,s:f,s:[{s:s}],s:{s:s}}]",
	    "description", "<a href=\"x\">&amp;</a> \x01\x1f\t\xef\xbf\xbe",
	    "address_id", "metadata", 1, "order", 2, "lat", 35.605, "values",
	    "key", "k", "extended_attributes", "channel", "open311");
	xml = open311_xml_write(doc, "service_requests", "request", &len);
	assert_non_null(xml);
	assert_int_equal(strlen(xml), len);
	assert_non_null(strstr(xml,
	    "<service_requests><request><description>&lt;a "
	    "href=&quot;x&quot;&gt;"
	    "&amp;amp;&lt;/a&gt; \t</description><address_id/>"
	    "<metadata>true</metadata><order>2</order><lat>35.605</lat>"
	    "<values><value><key>k</key></value></values>"
	    "<extended_attributes><channel>open311</channel>"
	    "</extended_attributes></request></service_requests>"));
	free(xml);
	json_decref(doc);
}

static const char *
test_role_name(enum auth_role r)
{
	(void)r;
	return "staff";
}

/*
 * Every action of the life cycle tells the resident something, and the
 * kinds the SQL asks for are exactly those, with "created" only when asked.
 */
static void
test_status_kinds(void **state)
{
	json_t *table = lifecycle_json(test_role_name), *x;
	const char *all = open311_status_kinds_sql(1);
	const char *updates = open311_status_kinds_sql(0);
	char list[512], kind[64];
	const char *name, *p;
	size_t n = 0, listed = 1;

	(void)state;
	/* ",triage,...,handover_returned,": each kind between commas. */
	snprintf(list, sizeof list, ",%s", updates + 1);
	list[strlen(list) - 1] = ',';
	json_object_foreach(json_object_get(table, "actions"), name, x)
	{
		assert_non_null(open311_status_find(name, NULL));
		snprintf(kind, sizeof kind, ",%s,", name);
		assert_non_null(strstr(list, kind));
		n++;
	}
	json_decref(table);
	for (p = updates; *p != '\0'; p++)
		listed += *p == ',';
	assert_int_equal(listed, n);
	assert_null(strstr(list, ",created,"));
	snprintf(list, sizeof list, "{created,%s", updates + 1);
	assert_string_equal(all, list);
	/* Built once: the same buffer each time. */
	assert_ptr_equal(open311_status_kinds_sql(1), all);
}

FIXTURE_MAIN(cmocka_unit_test(test_urlencoded),
    cmocka_unit_test(test_duplicates), cmocka_unit_test(test_too_many_fields),
    cmocka_unit_test(test_multipart), cmocka_unit_test(test_multipart_broken),
    cmocka_unit_test(test_boundary), cmocka_unit_test(test_dates),
    cmocka_unit_test(test_xml), cmocka_unit_test(test_status_kinds))
