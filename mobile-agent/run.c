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

int
run_main(struct agent *a, int argc, char **argv)
{
	struct args_opt o[] = {{.name = "gpsd"}, {.name = "nmea"},
	    {.name = "speed"}, {.name = "once", .flag = 1},
	    {.name = "backoff-max"}, {.name = "no-gps", .flag = 1},
	    {.name = NULL}};
	struct sigaction sa;
	struct gps_src *src = NULL;
	struct gps_fix fix;
	const char *gpsd;
	char *cause = NULL;
	int64_t now, next_sync = 0, next_gps = 0, wait, backoff_max;
	double speed;
	int failures = 0, eof = 0, rc, fixes = 0, r, status = 0;
	int64_t gps_retry = 1000;

	if (agent_args("run", argc, argv, o, NULL, 0) != 0 ||
	    (o[0].value != NULL && o[1].value != NULL))
		return agent_usage(a, "run");
	gpsd = o[0].value != NULL ? o[0].value : "localhost:2947";
	speed = o[2].value != NULL ? atof(o[2].value) : 0;
	backoff_max =
	    (o[4].value != NULL ? atol(o[4].value) : 300) * (int64_t)1000;
	if (backoff_max < RUN_BACKOFF_BASE_MS)
		backoff_max = RUN_BACKOFF_BASE_MS;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = run_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	while (!run_stop) {
		now = run_clock_ms();
		if (src == NULL && !eof && o[5].value == NULL &&
		    now >= next_gps) {
			src = run_gps_open(a, gpsd, o[1].value, speed);
			if (src == NULL) {
				if (o[1].value != NULL)
					return AGENT_EXIT_USAGE;
				/* gpsd may be starting too (boot): soon. */
				next_gps = now + gps_retry;
				if (gps_retry < RUN_GPSD_RETRY_MS)
					gps_retry *= 2;
			} else
				gps_retry = 1000;
		}
		if (now >= next_sync) {
			rc = sync_run(a);
			if (rc == AGENT_EXIT_REVOKED ||
			    rc == AGENT_EXIT_USAGE) {
				status = rc;
				break;
			}
			if (rc == 0) {
				failures = 0;
				next_sync = run_clock_ms() +
				    outbox_get_int(a, "sync_interval_s", 30) *
				        1000;
				if (eof && o[3].value != NULL) {
					if (outbox_pending(a) == 0)
						break;
					next_sync = 0;
				}
			} else {
				failures++;
				next_sync = run_clock_ms() +
				    agent_backoff_ms(failures,
				        RUN_BACKOFF_BASE_MS, backoff_max);
			}
			continue;
		}
		wait = next_sync - now;
		if (wait > 1000)
			wait = 1000;
		if (src == NULL) {
			run_sleep_ms(wait);
			continue;
		}
		r = gps_src_next(src, (int)wait, &fix, &cause);
		if (r == 1) {
			if (track_record(a, &fix) == 1)
				fixes++;
		} else if (r < 0) {
			agent_log(a, "gps: %s (%d fixes kept)", cause, fixes);
			free(cause);
			cause = NULL;
			gps_src_close(src);
			src = NULL;
			if (o[1].value != NULL) {
				eof = 1; /* a replay ends; gpsd is retried */
				if (o[3].value != NULL)
					next_sync = 0; /* send it all now */
			} else
				next_gps = run_clock_ms() + RUN_GPSD_RETRY_MS;
		}
	}
	gps_src_close(src);
	/* A last flush of the fixes into the outbox, which survives. */
	if (outbox_begin(a, &cause) == 0) {
		if (track_flush(a, &cause) == 0)
			outbox_commit(a, &cause);
		else
			outbox_rollback(a);
	}
	free(cause);
	return status;
}
