/*
 * Weekly coverage over HTTP: GET /api/v1/coverage/{week}.{geojson,kml,csv,
 * summary.csv,png}[?ward=CODE][&locale=en]. The CSVs have Japanese headers
 * unless locale=en. A week archived on Monday morning is served as it was
 * archived; any other is computed on the spot by the same code as
 * `patrolctl coverage export`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <sodium.h>

#include "api.h"
#include "api_routes.h"
#include "app.h"
#include "auth.h"
#include "config.h"
#include "coverage.h"
#include "coverage_week.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "export.h"
#include "store_network.h"
#include "store_result.h"
#include "wards.h"
#include "xmalloc.h"

struct cov_req {
	struct http_req *req;
	char week[16];
	char format[16];  /* geojson, kml, csv, summary.csv, png */
	const char *lang; /* NULL (Japanese) or "en": static */
	char *ward;
};

static void
cov_free(struct cov_req *c)
{
	http_req_unref(c->req);
	free(c->ward);
	free(c);
}

static void
cov_send(struct cov_req *c, const char *data, size_t len)
{
	struct evbuffer *b = evbuffer_new();
	char disp[96];

	evbuffer_add(b, data, len);
	snprintf(disp, sizeof disp,
	    "attachment; filename=\"coverage-%s%s%s%s.%s\"", c->week,
	    c->ward != NULL ? "-" : "", c->ward != NULL ? c->ward : "",
	    c->lang != NULL ? "-en" : "", c->format);
	http_req_set_header(c->req, "Content-Disposition", disp);
	http_reply(c->req, 200, export_content_type(c->format), b);
}

static void
cov_report_cb(struct coverage_report *rep, const char *error, void *arg)
{
	struct cov_req *c = arg;
	char *buf = NULL, *cause;
	size_t len = 0;
	FILE *f;

	if (rep == NULL) {
		log_error("event=coverage_failed week=%s error=%s", c->week,
		    log_q(error));
		api_error(c->req, 503, "unavailable", NULL,
		    "the coverage could not be computed; try again");
		cov_free(c);
		return;
	}
	f = open_memstream(&buf, &len);
	if (export_write_lang(rep, c->format, c->lang, f, &cause) != 0) {
		fclose(f);
		log_error("event=export_failed format=%s error=%s", c->format,
		    log_q(cause));
		free(cause);
		api_error(c->req, 500, "internal", NULL, "export failed");
	} else {
		fclose(f);
		cov_send(c, buf, len);
	}
	free(buf);
	report_free(rep);
	cov_free(c);
}

static void
cov_archived_cb(struct db_result *r, void *arg)
{
	struct cov_req *c = arg;
	struct app *app = http_req_owner(c->req);
	struct coverage_params params;
	const char *b64;
	unsigned char *bin;
	size_t len, max;

	if (r->status == DB_OK && (b64 = store_result_text(r->res)) != NULL) {
		max = strlen(b64);
		bin = xmalloc(max + 1);
		/* PostgreSQL wraps base64 every 76 characters. */
		if (sodium_base642bin(bin, max, b64, max, "\n", &len, NULL,
		        sodium_base64_VARIANT_ORIGINAL) == 0) {
			cov_send(c, (char *)bin, len);
			free(bin);
			cov_free(c);
			return;
		}
		free(bin);
	}
	coverage_week_params(app->cfg, &params);
	coverage_week_run(app->db, c->week, c->ward, app->wards, app->cfg->crs,
	    &params, cov_report_cb, c);
}

static void
cov_get(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	static const char summary[] = ".summary.csv";
	const char *name = http_req_param(req, 0), *dot;
	const char *ward = http_req_query(req, "ward");
	const char *locale = http_req_query(req, "locale");
	struct cov_req *c;
	char key[24];
	size_t i, n = strlen(name);

	/* The summary is a file of its own: WEEK.summary.csv. */
	if (n > sizeof summary - 1 &&
	    strcmp(name + n - (sizeof summary - 1), summary) == 0)
		dot = name + n - (sizeof summary - 1);
	else
		dot = strrchr(name, '.');
	if (dot == NULL || (size_t)(dot - name) >= sizeof c->week ||
	    export_content_type(dot + 1) == NULL) {
		api_error(req, 404, "not_found", NULL,
		    "ask for WEEK.geojson, .kml, .csv, .summary.csv or .png");
		return;
	}
	if (locale != NULL && !export_lang_valid(locale)) {
		api_error(req, 422, "invalid_value", "locale",
		    "locale must be ja or en");
		return;
	}
	c = xcalloc(1, sizeof *c);
	memcpy(c->week, name, (size_t)(dot - name));
	snprintf(c->format, sizeof c->format, "%s", dot + 1);
	c->lang = locale != NULL && strcmp(locale, "en") == 0 ? "en" : NULL;
	c->req = req;
	http_req_ref(req);
	if (!coverage_week_is_valid(c->week)) {
		api_error(req, 404, "not_found", NULL,
		    "the week must look like 2026-W47");
		cov_free(c);
		return;
	}
	if (ward != NULL) {
		for (i = 0; app->wards != NULL && i < wards_count(app->wards);
		     i++) {
			if (strcmp(wards_get(app->wards, i)->code, ward) == 0)
				break;
		}
		if (app->wards == NULL || i == wards_count(app->wards)) {
			api_error(
			    req, 404, "unknown_ward", "ward", "no such ward");
			cov_free(c);
			return;
		}
		c->ward = xstrdup(ward);
	}
	/* As archived: the English CSVs are kept under "csv:en". */
	snprintf(key, sizeof key, "%s%s", c->format,
	    c->lang != NULL && strstr(c->format, "csv") != NULL ? ":en" : "");
	store_export_get(app->db, c->week, c->ward, key, cov_archived_cb, c);
}

const struct http_route api_coverage_routes[] = {
    {"coverage", EVHTTP_REQ_GET | HTTP_ROUTE_ROLES(AUTH_ANY),
        "/api/v1/coverage/{}", 0, 120000, cov_get, NULL},
    {0},
};
