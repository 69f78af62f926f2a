/*
 * patrol-agent run: the daemon of a handheld. Records the GPS track (from
 * gpsd, or an NMEA log with --nmea) and syncs every sync_interval_s; a
 * failed sync is retried with exponential back-off and jitter, so a
 * hundred handhelds coming out of a tunnel do not all call at once.
 * SIGTERM or SIGINT ends it between two steps: nothing half-written.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "agent.h"

#define RUN_BACKOFF_BASE_MS 1000
#define RUN_GPSD_RETRY_MS   30000 /* at most; from 1 s, doubling */

static volatile sig_atomic_t run_stop;

static void
run_signal(int sig)
{
	(void)sig;
	run_stop = 1;
}

static int64_t
run_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
run_sleep_ms(int64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000};

	if (ms > 0)
		nanosleep(&ts, NULL); /* a signal cuts it short: good */
}

static struct gps_src *
run_gps_open(struct agent *a, const char *gpsd, const char *nmea, double speed)
{
	struct gps_src *s;
	char *cause = NULL;

	if (nmea != NULL)
		s = gps_src_open_nmea(nmea, speed, &cause);
	else {
		s = gps_src_open_addr(gpsd, &cause);
	}
	if (s == NULL) {
		fprintf(stderr, "patrol-agent: run: %s\n", cause);
		free(cause);
	} else
		agent_log(a, "positions from %s", nmea != NULL ? nmea : gpsd);
	return s;
}

/* What run's loop keeps from one turn to the next. */
struct run_loop {
	const char *gpsd, *nmea; /* the source: gpsd's address or a log */
	double speed;
	int once, no_gps;
	int64_t backoff_max;
	struct gps_src *src; /* open, or NULL */
	int eof;             /* the NMEA log ended */
	int failures, fixes;
	int64_t next_sync, next_gps, gps_retry;
};

/*
 * Opens the GPS source when it is due: 0, or -1 when an NMEA log cannot
 * be read (there is nothing to try again).
 */
static int
run_gps_due(struct agent *a, struct run_loop *l, int64_t now)
{
	if (l->src != NULL || l->eof || l->no_gps || now < l->next_gps)
		return 0;
	if ((l->src = run_gps_open(a, l->gpsd, l->nmea, l->speed)) != NULL) {
		l->gps_retry = 1000;
		return 0;
	}
	if (l->nmea != NULL)
		return -1;
	/* gpsd may be starting too (boot): soon. */
	l->next_gps = now + l->gps_retry;
	if (l->gps_retry < RUN_GPSD_RETRY_MS)
		l->gps_retry *= 2;
	return 0;
}

/*
 * A sync, and when the next one is due (back-off after a failure): 1 to
 * go on, 0 to stop with *status (revoked, not enrolled, or --once done).
 */
static int
run_sync(struct agent *a, struct run_loop *l, int *status)
{
	int rc = sync_run(a);

	if (rc == AGENT_EXIT_REVOKED || rc == AGENT_EXIT_USAGE) {
		*status = rc;
		return 0;
	}
	if (rc != 0) {
		l->failures++;
		l->next_sync = run_clock_ms() +
		    agent_backoff_ms(
		        l->failures, RUN_BACKOFF_BASE_MS, l->backoff_max);
		return 1;
	}
	l->failures = 0;
	l->next_sync =
	    run_clock_ms() + outbox_get_int(a, "sync_interval_s", 30) * 1000;
	if (l->eof && l->once) {
		if (outbox_pending(a) == 0)
			return 0;
		l->next_sync = 0;
	}
	return 1;
}

/*
 * Waits up to wait ms for a fix and keeps it; a source that ended is
 * closed (gpsd is tried again later, a log is over). Without a source it
 * only waits.
 */
static void
run_gps_read(struct agent *a, struct run_loop *l, int64_t wait)
{
	struct gps_fix fix;
	char *cause = NULL;
	int r;

	if (l->src == NULL) {
		run_sleep_ms(wait);
		return;
	}
	if ((r = gps_src_next(l->src, (int)wait, &fix, &cause)) == 1) {
		if (track_record(a, &fix) == 1)
			l->fixes++;
	}
	if (r >= 0)
		return;
	agent_log(a, "gps: %s (%d fixes kept)", cause, l->fixes);
	free(cause);
	gps_src_close(l->src);
	l->src = NULL;
	if (l->nmea != NULL) {
		l->eof = 1; /* a replay ends; gpsd is retried */
		if (l->once)
			l->next_sync = 0; /* send it all now */
	} else
		l->next_gps = run_clock_ms() + RUN_GPSD_RETRY_MS;
}

int
run_main(struct agent *a, int argc, char **argv)
{
	struct args_opt o[] = {{.name = "gpsd"}, {.name = "nmea"},
	    {.name = "speed"}, {.name = "once", .flag = 1},
	    {.name = "backoff-max"}, {.name = "no-gps", .flag = 1},
	    {.name = NULL}};
	struct run_loop l = {.gps_retry = 1000};
	struct sigaction sa;
	int64_t now, wait;
	int status = 0;

	if (agent_args("run", argc, argv, o, NULL, 0) != 0 ||
	    (o[0].value != NULL && o[1].value != NULL))
		return agent_usage(a, "run");
	l.gpsd = o[0].value != NULL ? o[0].value : "localhost:2947";
	l.nmea = o[1].value;
	l.speed = o[2].value != NULL ? atof(o[2].value) : 0;
	l.once = o[3].value != NULL;
	l.backoff_max =
	    (o[4].value != NULL ? atol(o[4].value) : 300) * (int64_t)1000;
	if (l.backoff_max < RUN_BACKOFF_BASE_MS)
		l.backoff_max = RUN_BACKOFF_BASE_MS;
	l.no_gps = o[5].value != NULL;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = run_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	while (!run_stop) {
		now = run_clock_ms();
		if (run_gps_due(a, &l, now) != 0)
			return AGENT_EXIT_USAGE;
		if (now >= l.next_sync) {
			if (!run_sync(a, &l, &status))
				break;
			continue;
		}
		wait = l.next_sync - now;
		run_gps_read(a, &l, wait > 1000 ? 1000 : wait);
	}
	gps_src_close(l.src);
	track_flush_last(a);
	return status;
}
