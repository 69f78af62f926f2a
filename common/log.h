/*
 * The one logging path. Every line is "ts=... level=... " followed by the
 * caller's key=value pairs, so journald and grep can read it. libevent's,
 * libpq's and PROJ's messages are routed here too. Never pass personal data
 * or tokens: values logged are ids, codes and counts.
 */
#ifndef PATROL_LOG_H
#define PATROL_LOG_H

#include <stdio.h>
#include <time.h>

enum log_level {
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARN,
	LOG_LEVEL_ERROR,
};

/* Sets the threshold and the stream (NULL: stderr). Safe to call again. */
void log_init(enum log_level, FILE *);
/* Parses "debug", "info", "warn", "error"; returns -1 on anything else. */
int log_level_parse(const char *, enum log_level *);
/*
 * Repeated identical lines: at most burst per window_s seconds each; the
 * rest are counted and reported (suppressed=N) when the line is shown
 * again or, failing that, with the next other line. window_s 0: off.
 * Defaults: 10 s, 5 lines.
 */
void log_repeat_set(int window_s, int burst);
/*
 * Reports lines whose window has ended with some held back, without
 * waiting for another line to be logged: patrold calls it each second.
 */
void log_repeat_flush(void);
/* For tests: the clock the windows run on (NULL: CLOCK_MONOTONIC). */
void log_clock_set(time_t (*now)(void));

void log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
/* log_warn appends err="strerror(errno)"; log_warnx does not. */
void log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
/* For start-up failures and broken invariants only: log and exit(1). */
void fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * Quotes a value for a key=value line when it needs it (spaces, quotes,
 * '=', control characters) and cuts it to 200 bytes. The result lives in
 * one of a few static buffers: use it in the same log call only.
 */
const char *log_q(const char *);

#endif
