#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export_sample.h"
#include "xmalloc.h"

struct sample_piece {
	long long id;
	const char *kind, *class, *name, *ward;
	int interval_days;
	enum report_state state;
	int due;
	const char *last, *due_at;
	double lon, lat, dlon, dlat; /* a start and a step: three points */
};

/*
 * More decimals than the exports may write, so the tests see them cut to
 * seven; about 100 m per piece at this latitude.
 */
static const struct sample_piece sample_pieces[EXPORT_SAMPLE_PIECES] = {
    {101, "road", "primary", "府中街道", "14135", 7, REPORT_INSPECTED, 1,
        "2026-11-18T10:12:00+09:00", "2026-11-25T10:12:00+09:00",
        139.551234567891, 35.620987654321, 0.000551234, 0.000012345},
    {102, "road", "residential", "多摩川 \"左岸\", 登戸", "14135", 30,
        REPORT_OVERDUE, 1, "2026-10-01T09:00:00+09:00",
        "2026-10-31T09:00:00+09:00", 139.552345678912, 35.621876543219,
        0.000123456, 0.000412345},
    {103, "river", "river", NULL, "14135", 30, REPORT_NOT_DUE, 0,
        "2026-11-05T14:30:00+09:00", "2026-12-05T14:30:00+09:00",
        139.548765432109, 35.618765432198, 0.000512345, -0.000112345},
    {104, "park", "park", "生田緑地\r\n園路", "14135", 30, REPORT_INSPECTED, 1,
        "2026-11-20T08:05:00+09:00", "2026-12-20T08:05:00+09:00",
        139.553456789123, 35.616543210987, -0.000312345, 0.000312345},
    {105, "road", "residential", "=1+1 (outside)", NULL, 30, REPORT_OVERDUE, 1,
        NULL, NULL, 139.501234567891, 35.600123456789, 0.000551234,
        0.000051234},
};

static char *
sample_dup(const char *s)
{
	return s == NULL ? NULL : xstrdup(s);
}

static void
sample_summary(struct report_summary *s, const char *ward,
    const char *ward_name, const char *kind, const char *class, int pieces,
    int due, int on_time, int overdue, double km, double km_due,
    double km_on_time)
{
	s->ward_code = sample_dup(ward);
	s->ward_name = sample_dup(ward_name);
	s->kind = xstrdup(kind);
	s->class = xstrdup(class);
	s->pieces = pieces;
	s->due = due;
	s->on_time = on_time;
	s->overdue = overdue;
	s->km = km;
	s->km_due = km_due;
	s->km_on_time = km_on_time;
}

struct coverage_report *
export_sample_new(const struct ward_set *wards)
{
	struct coverage_report *r;
	const struct sample_piece *sp;
	struct report_piece *p;
	const char *tama = "神奈川県川崎市多摩区";
	size_t i, j;

	r = xcalloc(1, sizeof *r);
	snprintf(r->week, sizeof r->week, "2026-W47");
	r->start = xstrdup("2026-11-16T00:00:00+09:00");
	r->end = xstrdup("2026-11-23T00:00:00+09:00");
	r->crs = xstrdup("EPSG:6677");
	r->wards = wards;

	r->npieces = EXPORT_SAMPLE_PIECES;
	r->pieces = xcalloc(r->npieces, sizeof *r->pieces);
	for (i = 0; i < r->npieces; i++) {
		sp = &sample_pieces[i];
		p = &r->pieces[i];
		p->id = sp->id;
		p->kind = xstrdup(sp->kind);
		p->class = xstrdup(sp->class);
		p->name = sample_dup(sp->name);
		p->ward_code = sample_dup(sp->ward);
		p->interval_days = sp->interval_days;
		p->state = sp->state;
		p->due = sp->due;
		p->last_inspected = sample_dup(sp->last);
		p->due_at = sample_dup(sp->due_at);
		p->npoints = 3;
		p->lonlat = xcalloc(2 * p->npoints, sizeof *p->lonlat);
		for (j = 0; j < p->npoints; j++) {
			p->lonlat[2 * j] = sp->lon + (double)j * sp->dlon;
			p->lonlat[2 * j + 1] = sp->lat + (double)j * sp->dlat;
		}
		p->length_m = 100.04 + (double)i * 3.333;
	}

	r->nsummary = EXPORT_SAMPLE_SUMMARY;
	r->summary = xcalloc(r->nsummary, sizeof *r->summary);
	sample_summary(&r->summary[0], "14135", tama, "road", "primary", 1, 1,
	    1, 0, 0.100, 0.100, 0.100);
	sample_summary(&r->summary[1], "14135", tama, "road", "residential", 1,
	    1, 0, 1, 0.103, 0.103, 0);
	sample_summary(&r->summary[2], "14135", tama, "river", "river", 1, 0, 0,
	    0, 0.107, 0, 0);
	sample_summary(&r->summary[3], "14135", tama, "park", "park", 1, 1, 1,
	    0, 0.110, 0.110, 0.110);
	sample_summary(&r->summary[4], NULL, NULL, "road", "residential", 1, 1,
	    0, 1, 0.113, 0.113, 0);
	return r;
}
