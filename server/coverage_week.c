/*
 * The weekly coverage run: load the network and the week's tracks, compute
 * which pieces were inspected (coverage.c), record the inspections, then
 * read every piece's state for the week into a report for the exports.
 * Asynchronous, one step per database round trip; the computation itself
 * runs in the loop (a ward's week is well under a second; see BENCHMARKS).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "coverage.h"
#include "coverage_week.h"
#include "geo.h"
#include "log.h"
#include "report.h"
#include "store_network.h"
#include "store_result.h"
#include "wards.h"
#include "xmalloc.h"

struct week_run {
	struct db *db;
	char week[16];
	char *ward;
	const struct ward_set *wards;
	char *crs;
	struct coverage_params params;
	coverage_week_cb cb;
	void *arg;
	struct coverage_piece *pieces;
	double **xy;
	size_t npieces;
	struct coverage_fix *fixes;
	size_t nfixes;
	size_t inspected;
};

int
coverage_week_is_valid(const char *w)
{
	int week;

	if (strlen(w) != 8 || strspn(w, "0123456789") != 4 || w[4] != '-' ||
	    w[5] != 'W' || strspn(w + 6, "0123456789") != 2)
		return 0;
	week = atoi(w + 6);
	return week >= 1 && week <= 53;
}

static void
week_free(struct week_run *r)
{
	size_t i;

	for (i = 0; i < r->npieces; i++)
		free(r->xy[i]);
	free(r->xy);
	free(r->pieces);
	free(r->fixes);
	free(r->ward);
	free(r->crs);
	free(r);
}

static void
week_fail(struct week_run *r, const char *what, const struct db_result *res)
{
	char *e = xasprintf(
	    "%s: %s", what, res->error != NULL ? res->error : "failed");

	r->cb(NULL, e, r->arg);
	free(e);
	week_free(r);
}

static void
week_summarise(struct coverage_report *rep, const struct ward_set *wards)
{
	struct report_summary *s;
	const struct report_piece *p;
	size_t i, k, w;
	const char *name;

	for (i = 0; i < rep->npieces; i++) {
		p = &rep->pieces[i];
		for (k = 0; k < rep->nsummary; k++) {
			s = &rep->summary[k];
			if (((s->ward_code == NULL && p->ward_code == NULL) ||
			        (s->ward_code != NULL && p->ward_code != NULL &&
			            strcmp(s->ward_code, p->ward_code) == 0)) &&
			    strcmp(s->kind, p->kind) == 0 &&
			    strcmp(s->class, p->class) == 0)
				break;
		}
		if (k == rep->nsummary) {
			rep->summary = xreallocarray(
			    rep->summary, k + 1, sizeof *rep->summary);
			s = &rep->summary[rep->nsummary++];
			memset(s, 0, sizeof *s);
			s->ward_code =
			    p->ward_code != NULL ? xstrdup(p->ward_code) : NULL;
			name = NULL;
			for (w = 0; wards != NULL && p->ward_code != NULL &&
			     w < wards_count(wards);
			     w++) {
				if (strcmp(wards_get(wards, w)->code,
				        p->ward_code) == 0)
					name = wards_get(wards, w)->name;
			}
			s->ward_name = name != NULL ? xstrdup(name) : NULL;
			s->kind = xstrdup(p->kind);
			s->class = xstrdup(p->class);
		}
		s = &rep->summary[k];
		s->pieces++;
		s->km += p->length_m / 1000;
		if (p->due) {
			s->due++;
			s->km_due += p->length_m / 1000;
			if (p->state == REPORT_INSPECTED) {
				s->on_time++;
				s->km_on_time += p->length_m / 1000;
			}
		}
		if (p->state == REPORT_OVERDUE)
			s->overdue++;
	}
}

static char *
week_strdup_or_null(const char *s)
{
	return s == NULL ? NULL : xstrdup(s);
}

static void
week_status_cb(struct db_result *res, void *arg)
{
	struct week_run *r = arg;
	struct coverage_report *rep;
	struct report_piece *p;
	struct store_week_piece w;
	json_t *ll, *pt;
	size_t j;
	int i, n;

	if (res->status != DB_OK) {
		week_fail(r, "reading the week", res);
		return;
	}
	rep = xcalloc(1, sizeof *rep);
	snprintf(rep->week, sizeof rep->week, "%s", r->week);
	rep->ward_code = r->ward != NULL ? xstrdup(r->ward) : NULL;
	rep->crs = xstrdup(r->crs);
	rep->wards = r->wards;
	n = store_result_rows(res->res);
	rep->pieces = xcalloc((size_t)n + 1, sizeof *rep->pieces);
	for (i = 0; store_week_status_row(res->res, i, &w); i++) {
		p = &rep->pieces[rep->npieces];
		p->id = w.id;
		p->kind = xstrdup(w.kind);
		p->class = xstrdup(w.klass);
		p->name = week_strdup_or_null(w.name);
		p->ward_code = week_strdup_or_null(w.ward_code);
		p->length_m = w.length_m;
		p->interval_days = w.interval_days;
		ll = json_loads(w.lonlat, 0, NULL);
		p->npoints = json_array_size(ll);
		p->lonlat = xcalloc(p->npoints * 2 + 1, sizeof *p->lonlat);
		json_array_foreach(ll, j, pt)
		{
			p->lonlat[2 * j] =
			    json_number_value(json_array_get(pt, 0));
			p->lonlat[2 * j + 1] =
			    json_number_value(json_array_get(pt, 1));
		}
		json_decref(ll);
		p->state = strcmp(w.state, "inspected") == 0 ? REPORT_INSPECTED
		    : strcmp(w.state, "overdue") == 0        ? REPORT_OVERDUE
		                                             : REPORT_NOT_DUE;
		p->due = w.due;
		p->last_inspected = week_strdup_or_null(w.last_inspected);
		p->due_at = week_strdup_or_null(w.due_at);
		p->best_share = w.best_share;
		p->credit = week_strdup_or_null(w.credit);
		if (rep->start == NULL) {
			rep->start = xstrdup(w.week_start);
			rep->end = xstrdup(w.week_end);
		}
		rep->npieces++;
	}
	if (r->ward != NULL && r->wards != NULL) {
		for (j = 0; j < wards_count(r->wards); j++) {
			if (strcmp(wards_get(r->wards, j)->code, r->ward) == 0)
				rep->ward_name =
				    xstrdup(wards_get(r->wards, j)->name);
		}
	}
	week_summarise(rep, r->wards);
	log_info("event=coverage_week week=%s ward=%s pieces=%zu fixes=%zu "
	         "inspected=%zu",
	    r->week, r->ward != NULL ? r->ward : "-", rep->npieces, r->nfixes,
	    r->inspected);
	r->cb(rep, NULL, r->arg);
	week_free(r);
}

static void
week_saved_cb(struct db_result *res, void *arg)
{
	struct week_run *r = arg;

	if (res->status != DB_OK) {
		week_fail(r, "recording inspections", res);
		return;
	}
	store_week_status(
	    r->db, r->week, r->ward, r->params.share, week_status_cb, r);
}

static void
week_track_cb(struct db_result *res, void *arg)
{
	struct week_run *r = arg;
	struct coverage_touch *touch;
	struct store_track_fix f;
	json_t *ins;
	char *s, *cause;
	size_t i, k = 0, ntouch;
	int row, n;

	if (res->status != DB_OK) {
		week_fail(r, "reading tracks", res);
		return;
	}
	n = store_result_rows(res->res);
	r->fixes = xcalloc((size_t)n + 1, sizeof *r->fixes);
	for (row = 0; store_track_row(res->res, row, &f); row++) {
		r->fixes[k].session = f.track;
		r->fixes[k].at = f.at;
		if (f.projected) {
			r->fixes[k].e = f.e;
			r->fixes[k].n = f.n;
		} else if (geo_to_plane(f.lon, f.lat, &r->fixes[k].e,
		               &r->fixes[k].n, &cause) != 0) {
			free(cause); /* outside the area: not ours to cover */
			continue;
		}
		k++;
	}
	r->nfixes = k;
	r->inspected = coverage_compute_touches(r->pieces, r->npieces, r->fixes,
	    r->nfixes, &r->params, &touch, &ntouch);
	/* Every measurement is kept; the rule judges them when read. */
	ins = json_array();
	for (i = 0; i < ntouch; i++) {
		json_array_append_new(ins,
		    json_pack("{s:I,s:I,s:f,s:f}", "piece",
		        (json_int_t)r->pieces[touch[i].piece].id, "track",
		        (json_int_t)touch[i].session, "at", touch[i].at,
		        "share", touch[i].share));
	}
	free(touch);
	s = json_dumps(ins, JSON_COMPACT);
	json_decref(ins);
	store_inspections_put(
	    r->db, r->week, r->params.distance_m, s, week_saved_cb, r);
	free(s);
}

static void
week_pieces_cb(struct db_result *res, void *arg)
{
	struct week_run *r = arg;
	const char *plane;
	long long id;
	size_t n, i;

	if (res->status != DB_OK) {
		week_fail(r, "reading the network", res);
		return;
	}
	r->npieces = (size_t)store_result_rows(res->res);
	r->pieces = xcalloc(r->npieces + 1, sizeof *r->pieces);
	r->xy = xcalloc(r->npieces + 1, sizeof *r->xy);
	for (i = 0;
	     i < r->npieces && store_pieces_row(res->res, (int)i, &id, &plane);
	     i++) {
		r->xy[i] = store_result_float8_array(plane, &n);
		r->pieces[i].id = id;
		r->pieces[i].xy = r->xy[i];
		r->pieces[i].npoints = n / 2;
	}
	r->npieces = i;
	store_track_load(r->db, r->week, week_track_cb, r);
}

void
coverage_week_run(struct db *db, const char *week, const char *ward,
    const struct ward_set *wards, const char *crs,
    const struct coverage_params *params, coverage_week_cb cb, void *arg)
{
	struct week_run *r = xcalloc(1, sizeof *r);

	r->db = db;
	snprintf(r->week, sizeof r->week, "%s", week);
	r->ward = ward != NULL ? xstrdup(ward) : NULL;
	r->wards = wards;
	r->crs = xstrdup(crs);
	r->params = *params;
	r->cb = cb;
	r->arg = arg;
	store_pieces_load(db, week_pieces_cb, r);
}

void
coverage_week_params(const struct config *cfg, struct coverage_params *p)
{
	coverage_params_default(p);
	p->distance_m = cfg->coverage_distance_m;
	p->share = cfg->coverage_share_pct / 100.0;
	p->max_speed_ms = cfg->coverage_speed_kmh / 3.6;
	p->max_gap_s = cfg->coverage_gap_s;
	p->max_gap_m = cfg->coverage_gap_m;
}
