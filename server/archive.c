/*
 * The Monday archive: from 06:00 local time on Mondays, last week's
 * coverage is exported in the four formats, for the whole network and for
 * each ward, and kept in the database, so that a week is downloaded later
 * exactly as it was on its Monday. A timer asks the database (whose
 * session time zone is the configured one) what day and week it is;
 * several patrold processes may race, and the keep-the-first insert makes
 * that harmless.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <sodium.h>

#include "app.h"
#include "archive.h"
#include "config.h"
#include "coverage.h"
#include "coverage_week.h"
#include "db.h"
#include "lease.h"
#include "log.h"
#include "export.h"
#include "store_network.h"
#include "wards.h"
#include "xmalloc.h"

#define ARCHIVE_CHECK_S 300

/* What is kept of each week: the key is the format, ":en" for English. */
static const struct {
	const char *format, *lang, *key;
} archive_formats[] = {
    {"geojson", NULL, "geojson"},
    {"kml", NULL, "kml"},
    {"csv", NULL, "csv"},
    {"csv", "en", "csv:en"},
    {"summary.csv", NULL, "summary.csv"},
    {"summary.csv", "en", "summary.csv:en"},
    {"png", NULL, "png"},
};
#define NARCHIVE (sizeof archive_formats / sizeof archive_formats[0])

struct archive_run {
	struct db *db;
	const struct ward_set *wards;
	char *crs;
	struct coverage_params params;
	char week[16];
	size_t next_ward;    /* 0: the whole network; i: ward i - 1 */
	char *ward_code;     /* of the report being stored, or NULL */
	char *b64[NARCHIVE]; /* each format's file, base64; NULL: failed */
	size_t next_store;
	size_t failed;         /* files not exported or not stored */
	char failed_what[160]; /* the first few, "ward/format" */
	void (*done)(const char *error, void *arg);
	void *arg;
};

static void archive_next(struct archive_run *);
static void archive_store_next(struct archive_run *);

/* One file of the week that is not kept: counted, and named in the error. */
static void
archive_failed(struct archive_run *a, const char *format)
{
	size_t used = strlen(a->failed_what);

	if (a->failed++ < 4)
		snprintf(a->failed_what + used, sizeof a->failed_what - used,
		    "%s%s/%s", used > 0 ? ", " : "",
		    a->ward_code != NULL ? a->ward_code : "all", format);
}

static void
archive_stored_cb(struct db_result *r, void *arg)
{
	struct archive_run *a = arg;

	if (r->status != DB_OK) {
		log_warnx("event=archive_store_failed week=%s format=%s "
		          "error=%s",
		    a->week, archive_formats[a->next_store - 1].key,
		    log_q(r->error));
		archive_failed(a, archive_formats[a->next_store - 1].key);
	}
	archive_store_next(a);
}

/*
 * One file at a time: queued all at once, a slow database would time out
 * the last ones in the queue (a command-line run has one connection).
 */
static void
archive_store_next(struct archive_run *a)
{
	size_t i;

	while (a->next_store < NARCHIVE && a->b64[a->next_store] == NULL)
		a->next_store++;
	if (a->next_store == NARCHIVE) {
		for (i = 0; i < NARCHIVE; i++) {
			free(a->b64[i]);
			a->b64[i] = NULL;
		}
		free(a->ward_code);
		a->ward_code = NULL;
		archive_next(a);
		return;
	}
	i = a->next_store++;
	store_export_put(a->db, a->week, a->ward_code, archive_formats[i].key,
	    a->b64[i], archive_stored_cb, a);
}

static void
archive_report_cb(struct coverage_report *rep, const char *error, void *arg)
{
	struct archive_run *a = arg;
	char *buf, *cause;
	size_t len, i, n;
	FILE *f;

	if (rep == NULL) {
		a->done(error, a->arg);
		free(a->crs);
		free(a);
		return;
	}
	a->ward_code = rep->ward_code != NULL ? xstrdup(rep->ward_code) : NULL;
	for (i = 0; i < NARCHIVE; i++) {
		buf = NULL;
		f = open_memstream(&buf, &len);
		if (export_write_lang(rep, archive_formats[i].format,
		        archive_formats[i].lang, f, &cause) != 0) {
			fclose(f);
			log_warnx("event=archive_export_failed format=%s "
			          "error=%s",
			    archive_formats[i].key, log_q(cause));
			free(cause);
			free(buf);
			archive_failed(a, archive_formats[i].key);
			continue;
		}
		fclose(f);
		n = sodium_base64_ENCODED_LEN(
		    len, sodium_base64_VARIANT_ORIGINAL);
		a->b64[i] = xmalloc(n);
		sodium_bin2base64(a->b64[i], n, (unsigned char *)buf, len,
		    sodium_base64_VARIANT_ORIGINAL);
		free(buf);
	}
	a->next_store = 0;
	report_free(rep);
	archive_store_next(a);
}

static void
archive_next(struct archive_run *a)
{
	const char *ward = NULL;
	size_t n = a->wards != NULL ? wards_count(a->wards) : 0;

	if (a->next_ward > n) {
		char error[512];

		log_info("event=archived week=%s wards=%zu failed=%zu", a->week,
		    n, a->failed);
		snprintf(error, sizeof error,
		    "%zu file(s) of week %s not archived (%s%s); run it "
		    "again to add them (the ones kept stay as they are)",
		    a->failed, a->week, a->failed_what,
		    a->failed > 4 ? ", ..." : "");
		a->done(a->failed > 0 ? error : NULL, a->arg);
		free(a->crs);
		free(a);
		return;
	}
	if (a->next_ward > 0)
		ward = wards_get(a->wards, a->next_ward - 1)->code;
	a->next_ward++;
	coverage_week_run(a->db, a->week, ward, a->wards, a->crs, &a->params,
	    archive_report_cb, a);
}

void
archive_week(struct db *db, const struct ward_set *wards,
    const struct config *cfg, const char *week,
    void (*done)(const char *error, void *arg), void *arg)
{
	struct archive_run *a = xcalloc(1, sizeof *a);

	a->db = db;
	a->wards = wards;
	a->crs = xstrdup(cfg->crs);
	coverage_week_params(cfg, &a->params);
	snprintf(a->week, sizeof a->week, "%s", week);
	a->done = done;
	a->arg = arg;
	archive_next(a);
}

/* The timer's and the due check's argument is the app. */
static struct {
	struct event *ev;
	int busy;
} arch;

static void
archive_done_cb(const char *error, void *arg)
{
	(void)arg;
	arch.busy = 0;
	if (error != NULL)
		log_warnx("event=archive_failed error=%s", log_q(error));
}

static void
archive_when_cb(struct db_result *r, void *arg)
{
	struct app *app = arg;
	struct store_export_due due;

	if (r->status != DB_OK || store_export_due_row(r->res, &due) != 0 ||
	    !due.due) {
		arch.busy = 0;
		return;
	}
	archive_week(
	    app->db, app->wards, app->cfg, due.week, archive_done_cb, NULL);
}

static void
archive_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct app *app = arg;

	(void)fd;
	(void)ev;
	if (arch.busy || !lease_held(LEASE_ARCHIVE))
		return;
	arch.busy = 1;
	/* Last week, and whether it is Monday 06:00 or later and not done. */
	store_export_due_q(app->db, archive_when_cb, app);
}

void
archive_start(struct app *a)
{
	struct timeval tv = {ARCHIVE_CHECK_S, 0};

	arch.ev = event_new(a->base, -1, EV_PERSIST, archive_tick_cb, a);
	event_add(arch.ev, &tv);
}

void
archive_stop(void)
{
	if (arch.ev != NULL)
		event_free(arch.ev);
	arch.ev = NULL;
}
