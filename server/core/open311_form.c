/*
 * Request bodies of Open311 POSTs: application/x-www-form-urlencoded (the
 * spec's) and multipart/form-data (RFC 7578, for photos). Both come from
 * anyone on the network, so every length is checked against the end of the
 * buffer and nothing is assumed to be NUL-terminated; the fuzz targets
 * fuzz_open311_form and fuzz_open311_multipart run these functions.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hex.h"
#include "open311_codec.h"
#include "utf8.h"
#include "xmalloc.h"

#define FORM_BOUNDARY_MAX 70         /* RFC 2046 */
#define FORM_HEADERS_MAX  (8 * 1024) /* one part's header section */

static void
form_add(struct open311_form *f, char *name, char *value, size_t len,
    char *filename, char *content_type)
{
	struct open311_field *x;

	f->fields = xreallocarray(f->fields, f->n + 1, sizeof *f->fields);
	x = &f->fields[f->n++];
	x->name = name;
	x->value = value;
	x->len = len;
	x->filename = filename;
	x->content_type = content_type;
}

void
open311_form_free(struct open311_form *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		free(f->fields[i].name);
		free(f->fields[i].value);
		free(f->fields[i].filename);
		free(f->fields[i].content_type);
	}
	free(f->fields);
	f->fields = NULL;
	f->n = 0;
}

const struct open311_field *
open311_form_get(const struct open311_form *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		if (strcmp(f->fields[i].name, name) == 0)
			return &f->fields[i];
	}
	return NULL;
}

const char *
open311_form_duplicate(const struct open311_form *f)
{
	size_t i, j, len;

	for (i = 0; i < f->n; i++) {
		len = strlen(f->fields[i].name);
		if (len >= 2 && strcmp(f->fields[i].name + len - 2, "[]") == 0)
			continue;
		for (j = i + 1; j < f->n; j++) {
			if (strcmp(f->fields[i].name, f->fields[j].name) == 0)
				return f->fields[i].name;
		}
	}
	return NULL;
}

/* Decodes p..end ('+' is a space); NULL on a bad escape. */
static char *
form_decode(const char *p, const char *end, size_t *len)
{
	char *out = xmalloc((size_t)(end - p) + 1), *o = out;
	int b;

	while (p < end) {
		if (*p == '+') {
			*o++ = ' ';
			p++;
		} else if (*p == '%') {
			if (end - p < 3 || (b = hex_to_byte(p + 1)) < 0) {
				free(out);
				return NULL;
			}
			*o++ = (char)b;
			p += 3;
		} else
			*o++ = *p++;
	}
	*o = '\0';
	*len = (size_t)(o - out);
	return out;
}

int
open311_form_urlencoded(
    struct open311_form *f, const char *body, size_t len, char **cause)
{
	const char *p = body, *end = body + len, *amp, *eq;
	char *name, *value;
	size_t nlen, vlen;

	memset(f, 0, sizeof *f);
	while (p < end) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if (amp == p) { /* "a=1&&b=2": nothing between */
			p++;
			continue;
		}
		if (f->n == OPEN311_FORM_MAX_FIELDS) {
			*cause = xasprintf(
			    "more than %d fields", OPEN311_FORM_MAX_FIELDS);
			goto fail;
		}
		eq = memchr(p, '=', (size_t)(amp - p));
		name = form_decode(p, eq != NULL ? eq : amp, &nlen);
		if (name == NULL) {
			*cause = xasprintf("field %zu: bad %%-escape in its "
			                   "name",
			    f->n + 1);
			goto fail;
		}
		if (nlen == 0 || strlen(name) != nlen) {
			*cause = xasprintf("field %zu: %s", f->n + 1,
			    nlen == 0 ? "no name" : "NUL in its name");
			free(name);
			goto fail;
		}
		value = form_decode(eq != NULL ? eq + 1 : amp, amp, &vlen);
		if (value == NULL) {
			*cause = xasprintf("field %zu: bad %%-escape in its "
			                   "value",
			    f->n + 1);
			free(name);
			goto fail;
		}
		form_add(f, name, value, vlen, NULL, NULL);
		p = amp + 1;
	}
	return 0;
fail:
	open311_form_free(f);
	return -1;
}

/* The length of p's prefix that is spaces and tabs, up to end. */
static size_t
form_blanks(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	return (size_t)(q - p);
}

/*
 * Reads one parameter value at *pp (a token or a quoted string with
 * backslash escapes) up to end. NULL when a quote is not closed.
 */
static char *
form_param_value(const char **pp, const char *end)
{
	const char *p = *pp, *start;
	char *out, *o;

	if (p < end && *p == '"') {
		out = o = xmalloc((size_t)(end - p) + 1);
		for (p++; p < end && *p != '"'; p++) {
			if (*p == '\\' && p + 1 < end)
				p++;
			*o++ = *p;
		}
		if (p == end) {
			free(out);
			return NULL;
		}
		*o = '\0';
		*pp = p + 1;
		return out;
	}
	start = p;
	while (p < end && *p != ';' && *p != ' ' && *p != '\t')
		p++;
	*pp = p;
	return xstrndup(start, (size_t)(p - start));
}

/*
 * Finds parameter key in a header value "type; a=1; b="x"": its value
 * (caller frees), or NULL. *bad is set when the header is malformed.
 */
static char *
form_param(const char *p, const char *end, const char *key, int *bad)
{
	size_t klen = strlen(key), n;
	char *value, *found = NULL;
	const char *k;

	/* Skip the type itself. */
	while (p < end && *p != ';')
		p++;
	while (p < end) {
		p++; /* ';' */
		p += form_blanks(p, end);
		k = p;
		while (p < end && *p != '=' && *p != ';')
			p++;
		if (p == end || *p == ';') /* a bare word: not ours */
			continue;
		n = (size_t)(p - k);
		while (n > 0 && (k[n - 1] == ' ' || k[n - 1] == '\t'))
			n--;
		p++; /* '=' */
		p += form_blanks(p, end);
		if ((value = form_param_value(&p, end)) == NULL) {
			*bad = 1;
			free(found);
			return NULL;
		}
		if (n == klen && strncasecmp(k, key, klen) == 0 &&
		    found == NULL)
			found = value;
		else
			free(value);
		p += form_blanks(p, end);
		if (p < end && *p != ';') {
			*bad = 1;
			free(found);
			return NULL;
		}
	}
	return found;
}

char *
open311_form_boundary(const char *ct)
{
	const char *end = ct + strlen(ct);
	char *b;
	int bad = 0;

	if (strncasecmp(ct, "multipart/form-data", 19) != 0 ||
	    (ct[19] != ';' && ct[19] != ' ' && ct[19] != '\0'))
		return NULL;
	b = form_param(ct, end, "boundary", &bad);
	if (b != NULL && (bad || *b == '\0' || strlen(b) > FORM_BOUNDARY_MAX)) {
		free(b);
		return NULL;
	}
	return b;
}

/* memmem for a needle that must start at or after p, before end. */
static const char *
form_find(const char *p, const char *end, const char *needle, size_t nlen)
{
	if (p >= end || (size_t)(end - p) < nlen)
		return NULL;
	return memmem(p, (size_t)(end - p), needle, nlen);
}

/*
 * One part's header section, p..end (without the blank line). Sets the
 * name, filename and content type; -1 with *cause when malformed.
 */
static int
form_part_headers(const char *p, const char *end, char **name, char **filename,
    char **ctype, char **cause)
{
	const char *eol, *colon, *v, *ve;
	int bad = 0, disposition = 0;

	*name = *filename = *ctype = NULL;
	while (p < end) {
		if ((eol = form_find(p, end, "\r\n", 2)) == NULL)
			eol = end;
		if ((colon = memchr(p, ':', (size_t)(eol - p))) == NULL) {
			*cause = xstrdup("a part header without ':'");
			goto fail;
		}
		v = colon + 1;
		v += form_blanks(v, eol);
		ve = eol;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		if ((size_t)(colon - p) == 19 &&
		    strncasecmp(p, "Content-Disposition", 19) == 0) {
			if (disposition++) {
				*cause = xstrdup("a part with two "
				                 "Content-Disposition headers");
				goto fail;
			}
			if ((size_t)(ve - v) < 9 ||
			    strncasecmp(v, "form-data", 9) != 0 ||
			    (v + 9 < ve && v[9] != ';' && v[9] != ' ')) {
				*cause = xstrdup("a part that is not "
				                 "form-data");
				goto fail;
			}
			*name = form_param(v, ve, "name", &bad);
			if (!bad)
				*filename = form_param(v, ve, "filename", &bad);
			if (bad) {
				*cause = xstrdup("a malformed "
				                 "Content-Disposition header");
				goto fail;
			}
		} else if ((size_t)(colon - p) == 12 &&
		    strncasecmp(p, "Content-Type", 12) == 0) {
			free(*ctype);
			*ctype = xstrndup(v, (size_t)(ve - v));
		}
		p = eol + 2;
	}
	if (*name == NULL || **name == '\0') {
		*cause = xstrdup("a part without a name");
		goto fail;
	}
	return 0;
fail:
	free(*name);
	free(*filename);
	free(*ctype);
	*name = *filename = *ctype = NULL;
	return -1;
}

int
open311_form_multipart(struct open311_form *f, const char *boundary,
    const char *body, size_t len, char **cause)
{
	const char *p = body, *end = body + len, *hend, *next;
	char *delim, *name, *filename, *ctype, *value;
	size_t dlen, vlen;

	memset(f, 0, sizeof *f);
	/* "\r\n--" boundary: the first may come without the CRLF. */
	delim = xasprintf("\r\n--%s", boundary);
	dlen = strlen(delim);
	if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0)
		p = body + dlen - 2;
	else if ((p = form_find(body, end, delim, dlen)) != NULL)
		p += dlen;
	else {
		*cause = xstrdup("broken multipart body: the boundary is not "
		                 "there");
		goto fail;
	}
	for (;;) {
		/* After a delimiter: "--" ends, else blanks and CRLF. */
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			break;
		p += form_blanks(p, end);
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n') {
			*cause = xstrdup("broken multipart body: a boundary "
			                 "line is not followed by CRLF");
			goto fail;
		}
		p += 2;
		if (f->n == OPEN311_FORM_MAX_FIELDS) {
			*cause = xasprintf(
			    "more than %d parts", OPEN311_FORM_MAX_FIELDS);
			goto fail;
		}
		/* Headers end with a blank line; an empty section is CRLF. */
		if (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
			hend = p;
		else if ((hend = form_find(p, end, "\r\n\r\n", 4)) == NULL ||
		    hend - p > FORM_HEADERS_MAX) {
			*cause = xstrdup("broken multipart body: a part's "
			                 "headers do not end");
			goto fail;
		}
		if (form_part_headers(
		        p, hend, &name, &filename, &ctype, cause) != 0)
			goto fail;
		p = hend + (hend == p ? 2 : 4);
		if ((next = form_find(p, end, delim, dlen)) == NULL) {
			*cause = xstrdup("broken multipart body: no closing "
			                 "boundary");
			free(name);
			free(filename);
			free(ctype);
			goto fail;
		}
		vlen = (size_t)(next - p);
		value = xmalloc(vlen + 1);
		memcpy(value, p, vlen);
		value[vlen] = '\0';
		form_add(f, name, value, vlen, filename, ctype);
		p = next + dlen;
	}
	free(delim);
	if (f->n == 0) {
		*cause = xstrdup("a multipart body without parts");
		open311_form_free(f);
		return -1;
	}
	return 0;
fail:
	free(delim);
	open311_form_free(f);
	return -1;
}

int
open311_form_parse(struct open311_form *f, const char *ct, const char *body,
    size_t len, char **cause)
{
	char *b;
	int rc;

	memset(f, 0, sizeof *f);
	if (ct == NULL) {
		*cause = xstrdup("no Content-Type: send "
		                 "application/x-www-form-urlencoded or "
		                 "multipart/form-data");
		return -1;
	}
	if (strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0 &&
	    (ct[33] == '\0' || ct[33] == ';' || ct[33] == ' '))
		return open311_form_urlencoded(f, body, len, cause);
	if (strncasecmp(ct, "multipart/form-data", 19) == 0) {
		if ((b = open311_form_boundary(ct)) == NULL) {
			*cause = xstrdup("broken multipart body: no usable "
			                 "boundary in the Content-Type");
			return -1;
		}
		rc = open311_form_multipart(f, b, body, len, cause);
		free(b);
		return rc;
	}
	*cause = xstrdup("unsupported Content-Type: send "
	                 "application/x-www-form-urlencoded or "
	                 "multipart/form-data");
	return -1;
}

int
open311_text_ok(const char *s, size_t len)
{
	size_t i;

	if (strlen(s) != len || !utf8_valid(s))
		return 0;
	for (i = 0; i < len; i++) {
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t' &&
		        s[i] != '\n' && s[i] != '\r') ||
		    s[i] == 0x7f)
			return 0;
	}
	return 1;
}

/*
 * A lenient date: 2026-07-01, 2026-07-01T10:00, with seconds, fractions,
 * 'Z', +09:00, +0900 or +09; a space for 'T', and a space for '+' (an
 * unescaped '+' in a query string arrives as one). Written to out in a
 * form PostgreSQL reads; zone-less dates are the session's time zone.
 */
int
open311_date_parse(const char *s, char *out, size_t outlen)
{
	const char *p = s;
	size_t n = 0;
	int i, v[6] = {0};

#define DIGITS(k, idx)                                                         \
	do {                                                                   \
		v[idx] = 0;                                                    \
		for (i = 0; i < (k); i++) {                                    \
			if (!isdigit((unsigned char)*p))                       \
				return -1;                                     \
			v[idx] = v[idx] * 10 + (*p - '0');                     \
			out[n++] = *p++;                                       \
		}                                                              \
	} while (0)
#define PUT(c) (out[n++] = (c))

	if (outlen < 40 || strlen(s) > 35)
		return -1;
	DIGITS(4, 0);
	if (*p++ != '-')
		return -1;
	PUT('-');
	DIGITS(2, 1);
	if (*p++ != '-')
		return -1;
	PUT('-');
	DIGITS(2, 2);
	if (v[0] < 1900 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31)
		return -1;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		PUT('T');
		DIGITS(2, 3);
		if (*p++ != ':')
			return -1;
		PUT(':');
		DIGITS(2, 4);
		if (*p == ':') {
			p++;
			PUT(':');
			DIGITS(2, 5);
			if (*p == '.' || *p == ',') {
				p++;
				if (!isdigit((unsigned char)*p))
					return -1;
				PUT('.');
				while (isdigit((unsigned char)*p) && n < 30)
					out[n++] = *p++;
				while (isdigit((unsigned char)*p))
					p++;
			}
		}
		if (v[3] > 23 || v[4] > 59 || v[5] > 60)
			return -1;
		if (*p == 'Z' || *p == 'z') {
			p++;
			PUT('Z');
		} else if (*p == '+' || *p == '-' || *p == ' ') {
			PUT(*p == '-' ? '-' : '+');
			p++;
			DIGITS(2, 3);
			if (*p == ':')
				p++;
			if (*p != '\0') {
				PUT(':');
				DIGITS(2, 4);
			}
			if (v[3] > 14 || v[4] > 59)
				return -1;
		}
	}
	out[n] = '\0';
	return *p == '\0' ? 0 : -1;
#undef DIGITS
#undef PUT
}
