/*
 * Patrol risk (issue 17): GET /api/v1/risk[?ward=CODE] scores every patrol
 * piece against the defect reports near it (risk.c) and answers the pieces
 * with any, highest first, each explained in words ("50m以内に12か月で3件
 * の道路の穴・陥没"), with the inspection interval the risk suggests. The
 * weekly coverage screen shows them next to overdue; the way-back
 * suggestions can be ranked by them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "api.h"
#include "api_routes.h"
#include "app.h"
#include "auth.h"
#include "db.h"
#include "http.h"
#include "risk.h"
#include "store_insights.h"
#include "store_result.h"
#include "xmalloc.h"

struct risk_job {
	struct http_req *req;
	char *ward;
	PGresult *defects;
};

static void
risk_job_free(struct risk_job *j)
{
	http_req_unref(j->req);
	free(j->ward);
	if (j->defects != NULL)
		PQclear(j->defects);
	free(j);
}

static int
risk_defect_cmp(const void *a, const void *b)
{
	double x = ((const struct risk_defect *)a)->e,
	       y = ((const struct risk_defect *)b)->e;

	return x < y ? -1 : x > y;
}

static int
risk_item_cmp(const void *a, const void *b)
{
	double x =
	    json_number_value(json_object_get(*(json_t *const *)a, "score"));
	double y =
	    json_number_value(json_object_get(*(json_t *const *)b, "score"));

	return x > y ? -1 : x < y;
}

/* The words: 「50m以内に12か月で3件の道路の穴・陥没、1件の…」 */
static void
risk_explain(const struct risk_result *r, PGresult *d, const int *cat_row,
    int ncat, char **ja, char **en)
{
	struct evbuffer *bj = evbuffer_new(), *be = evbuffer_new();
	struct store_risk_defect cat;
	int c, first = 1;

	evbuffer_add_printf(bj, "%.0fm以内に%.0fか月で", RISK_RADIUS_M,
	    RISK_WINDOW_DAYS / 30.4);
	evbuffer_add_printf(be, "within %.0f m in 12 months: ", RISK_RADIUS_M);
	for (c = 0; c < ncat; c++) {
		if (r->by_category[c] == 0 ||
		    !store_risk_defect_row(d, cat_row[c], &cat))
			continue;
		evbuffer_add_printf(bj, "%s%d件の%s", first ? "" : "、",
		    r->by_category[c], cat.name_ja);
		evbuffer_add_printf(be, "%s%d %s", first ? "" : ", ",
		    r->by_category[c], cat.name_en);
		first = 0;
	}
	evbuffer_add(bj, "", 1);
	evbuffer_add(be, "", 1);
	*ja = xstrdup((const char *)evbuffer_pullup(bj, -1));
	*en = xstrdup((const char *)evbuffer_pullup(be, -1));
	evbuffer_free(bj);
	evbuffer_free(be);
}

/* The defect reports, sorted by easting, each with its category's number;
 * cat_row[c]: a row of category c (rows come sorted by category). */
struct risk_defects {
	struct risk_defect *v;
	int n, ncat, cat_row[RISK_CATEGORIES_MAX];
};

static void
risk_defects_read(PGresult *d, struct risk_defects *out)
{
	struct store_risk_defect dr;
	const char *prev = NULL;
	int nd = store_result_rows(d), row;

	out->v = xcalloc((size_t)nd + 1, sizeof *out->v);
	out->ncat = 0;
	/* Rows come sorted by category: number them in that order. */
	for (row = 0; row < nd && store_risk_defect_row(d, row, &dr); row++) {
		if (prev == NULL || strcmp(dr.category, prev) != 0) {
			if (out->ncat < RISK_CATEGORIES_MAX)
				out->cat_row[out->ncat] = row;
			out->ncat++;
		}
		prev = dr.category;
		out->v[row].category = out->ncat - 1;
		out->v[row].e = dr.e;
		out->v[row].n = dr.n;
		out->v[row].age_days = dr.age_days;
	}
	out->n = row;
	if (out->ncat > RISK_CATEGORIES_MAX)
		out->ncat = RISK_CATEGORIES_MAX; /* risk_score skips the rest */
	qsort(out->v, (size_t)out->n, sizeof *out->v, risk_defect_cmp);
}

/* Piece pc scored against the defects whose easting is near its own: its
 * item of the answer, or NULL when none is near (or it is no line). */
static json_t *
risk_piece_item(PGresult *d, const struct risk_defects *defs,
    const struct store_risk_piece *pc)
{
	struct risk_result res;
	struct store_risk_defect dr;
	json_t *item, *by;
	size_t n, k, a, b, m;
	double *xy, minx, maxx;
	char *ja, *en;
	int c;

	xy = store_result_float8_array(pc->plane, &n);
	if (n < 2) {
		free(xy);
		return NULL;
	}
	minx = maxx = xy[0];
	for (k = 0; k + 1 < n; k += 2) {
		minx = xy[k] < minx ? xy[k] : minx;
		maxx = xy[k] > maxx ? xy[k] : maxx;
	}
	/* The defects whose easting is near the piece's. */
	for (a = 0, b = (size_t)defs->n; a < b;) {
		m = (a + b) / 2;
		if (defs->v[m].e < minx - RISK_RADIUS_M)
			a = m + 1;
		else
			b = m;
	}
	for (b = a;
	     b < (size_t)defs->n && defs->v[b].e <= maxx + RISK_RADIUS_M;)
		b++;
	risk_score(xy, n / 2, pc->interval_days, &defs->v[a], b - a, &res);
	free(xy);
	if (res.count == 0)
		return NULL;
	risk_explain(&res, d, defs->cat_row, defs->ncat, &ja, &en);
	by = json_object();
	for (c = 0; c < defs->ncat; c++) {
		if (res.by_category[c] > 0 &&
		    store_risk_defect_row(d, defs->cat_row[c], &dr))
			json_object_set_new(
			    by, dr.category, json_integer(res.by_category[c]));
	}
	item = json_pack("{s:I,s:s,s:s,s:s?,s:s?,s:i,s:i,s:f,s:i,s:o,s:s,s:s}",
	    "piece_id", (json_int_t)pc->id, "kind", pc->kind, "class",
	    pc->klass, "name", pc->name, "ward_code", pc->ward_code,
	    "interval_days", pc->interval_days, "suggested_interval_days",
	    res.interval_days, "score",
	    (double)((long)(res.score * 100 + 0.5)) / 100, "count", res.count,
	    "by_category", by, "explanation_ja", ja, "explanation_en", en);
	free(ja);
	free(en);
	return item;
}

static void
risk_pieces_cb(struct db_result *r, void *arg)
{
	struct risk_job *j = arg;
	struct risk_defects defs;
	struct store_risk_piece pc;
	json_t **items, *item, *out;
	size_t nitems = 0, i;
	int row;

	if (r->status != DB_OK) {
		api_db_error(j->req, r, "risk.pieces");
		risk_job_free(j);
		return;
	}
	risk_defects_read(j->defects, &defs);
	items = xcalloc((size_t)store_result_rows(r->res) + 1, sizeof *items);
	for (row = 0; store_risk_piece_row(r->res, row, &pc); row++) {
		if ((item = risk_piece_item(j->defects, &defs, &pc)) != NULL)
			items[nitems++] = item;
	}
	free(defs.v);
	qsort(items, nitems, sizeof *items, risk_item_cmp);
	out = json_array();
	for (i = 0; i < nitems; i++)
		json_array_append_new(out, items[i]);
	free(items);
	api_reply(j->req, 200,
	    json_pack("{s:f,s:f,s:f,s:s,s:o}", "radius_m", RISK_RADIUS_M,
	        "window_days", RISK_WINDOW_DAYS, "half_life_days",
	        RISK_HALF_LIFE_DAYS, "rule",
	        "score = sum of 2^(-age/half-life) over defect reports within "
	        "the radius and window; suggested interval = interval / "
	        "(1 + score)",
	        "pieces", out));
	risk_job_free(j);
}

static void
risk_defects_cb(struct db_result *r, void *arg)
{
	struct risk_job *j = arg;
	struct app *app = http_req_owner(j->req);

	if (r->status != DB_OK) {
		api_db_error(j->req, r, "risk.defects");
		risk_job_free(j);
		return;
	}
	/* Kept past this callback: the pieces come next. */
	j->defects = r->res;
	r->res = NULL;
	store_risk_pieces(app->db, j->ward, risk_pieces_cb, j);
}

static void
risk_get(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	struct risk_job *j;
	char *ward;

	if (api_query_ward(req, &ward) != 0)
		return;
	j = xcalloc(1, sizeof *j);
	j->req = req;
	http_req_ref(req);
	j->ward = ward;
	store_risk_defects(app->db, risk_defects_cb, j);
}

const struct http_route api_risk_routes[] = {
    {"risk", EVHTTP_REQ_GET | HTTP_ROUTE_ROLES(AUTH_ANY), "/api/v1/risk", 0, 0,
        risk_get, NULL},
    {0},
};
