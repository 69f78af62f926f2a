#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <libpq-fe.h>

#include "app.h"
#include "config.h"
#include "db.h"
#include "lease.h"
#include "log.h"
#include "retention.h"
#include "store_ops.h"
#include "store_result.h"
#include "xmalloc.h"

/*
 * patrold asks every hour, the first time an hour after it started (a
 * server restarted in a loop does not purge each time); the SQL does the
 * purge only when none finished in the last 20 hours, so it runs about once
 * a day across all servers.
 */
#define RETENTION_FIRST_S 3600
#define RETENTION_CHECK_S 3600

struct retention {
	struct app *app;
	struct event *ev;
	int running;
};

void
retention_params(const struct config *cfg, struct retention_params *p)
{
	p->caller_days = cfg->retention_caller_days;
	p->fix_months = cfg->retention_fix_months;
	p->batch_days = cfg->retention_batch_days;
	p->upload_hours = cfg->retention_upload_hours;
}

int
retention_prune_partials(
    const char *photo_dir, int upload_hours, int *removed, char **cause)
{
	char *dir = xasprintf("%s/.partial", photo_dir), *path;
	time_t cut = time(NULL) - (time_t)upload_hours * 3600;
	struct dirent *e;
	struct stat sb;
	DIR *d;

	*removed = 0;
	if ((d = opendir(dir)) == NULL) {
		free(dir);
		if (errno == ENOENT)
			return 0;
		*cause =
		    xasprintf("%s/.partial: %s", photo_dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    sb.st_mtime < cut && unlink(path) == 0)
			(*removed)++;
		free(path);
	}
	closedir(d);
	free(dir);
	return 0;
}

static void
retention_done_cb(struct db_result *r, void *arg)
{
	struct retention *t = arg;
	struct retention_params p;
	const char *result;
	char *cause;
	int removed;

	t->running = 0;
	if (r->status != DB_OK) {
		log_warnx("event=retention_failed error=%s", log_q(r->error));
		return;
	}
	/* Counts only: never which caller or request. */
	if ((result = store_result_text(r->res)) == NULL)
		result = "";
	log_info("event=retention result=%s", log_q(result));
	if (strstr(result, "\"skipped\"") != NULL)
		return;
	retention_params(t->app->cfg, &p);
	if (retention_prune_partials(t->app->cfg->photo_dir, p.upload_hours,
	        &removed, &cause) != 0) {
		log_warnx(
		    "event=retention_partials_failed error=%s", log_q(cause));
		free(cause);
	} else
		log_info("event=retention_partials removed=%d", removed);
}

static void
retention_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct retention *t = arg;
	struct timeval tv = {RETENTION_CHECK_S, 0};
	struct retention_params p;

	(void)fd;
	(void)ev;
	evtimer_add(t->ev, &tv);
	if (t->running || t->app->stopping || !lease_held(LEASE_RETENTION))
		return;
	t->running = 1;
	retention_params(t->app->cfg, &p);
	store_ops_purge_q(t->app->db, &p, "system", 0, retention_done_cb, t);
}

struct retention *
retention_start(struct app *a)
{
	struct retention *t = xcalloc(1, sizeof *t);
	struct timeval tv = {RETENTION_FIRST_S, 0};

	t->app = a;
	t->ev = evtimer_new(a->base, retention_tick_cb, t);
	evtimer_add(t->ev, &tv);
	return t;
}

void
retention_stop(struct retention *t)
{
	if (t == NULL)
		return;
	event_free(t->ev);
	free(t);
}
