#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "log.h"

static enum log_level log_threshold = LOG_LEVEL_INFO;
static FILE *log_stream;

static const char *log_names[] = {"debug", "info", "warn", "error"};

void
log_init(enum log_level level, FILE *stream)
{
	log_threshold = level;
	log_stream = stream;
}

int
log_level_parse(const char *s, enum log_level *out)
{
	size_t i;

	for (i = 0; i < sizeof log_names / sizeof log_names[0]; i++) {
		if (strcmp(s, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

/*
 * Repeated lines (issue 10): while PostgreSQL is down every request would
 * log the same warning. Each distinct line (its text without time and
 * level) may appear log_repeat_burst times per log_repeat_window_s; the
 * rest are counted. The next time it is shown it carries suppressed=N;
 * if it does not come back, the next other line is preceded by
 * event=log_suppressed naming it. A small table: the lines that repeat
 * are few; a full table evicts the slot that was used longest ago.
 */
#define LOG_REPEAT_SLOTS  32
#define LOG_REPEAT_SAMPLE 160

struct log_repeat {
	uint64_t hash;
	time_t window_start;
	time_t last;
	int shown;       /* in this window */
	long suppressed; /* not shown in this window */
	enum log_level level;
	char sample[LOG_REPEAT_SAMPLE];
};

static struct log_repeat log_repeats[LOG_REPEAT_SLOTS];
static int log_repeat_window_s = 10;
static int log_repeat_burst = 5;
static time_t (*log_clock)(void);
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void
log_repeat_set(int window_s, int burst)
{
	pthread_mutex_lock(&log_lock);
	log_repeat_window_s = window_s;
	log_repeat_burst = burst > 0 ? burst : 1;
	memset(log_repeats, 0, sizeof log_repeats);
	pthread_mutex_unlock(&log_lock);
}

void
log_clock_set(time_t (*now)(void))
{
	log_clock = now;
}

static time_t
log_now(void)
{
	struct timespec ts;

	if (log_clock != NULL)
		return log_clock();
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static uint64_t
log_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h != 0 ? h : 1;
}

static void
log_emit(FILE *f, enum log_level level, const char *text, const char *err,
    long suppressed)
{
	struct timeval tv;
	struct tm tm;
	char ts[64], off[8];

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(off, sizeof off, "%z", &tm);
	/* One fprintf per part, under one lock, so lines never interleave. */
	flockfile(f);
	fprintf(f, "ts=%s.%03ld%.3s:%s level=%s %s", ts,
	    (long)tv.tv_usec / 1000, off, off + 3, log_names[level], text);
	if (err != NULL)
		fprintf(f, " err=%s", log_q(err));
	if (suppressed > 0)
		fprintf(f, " suppressed=%ld", suppressed);
	fputc('\n', f);
	funlockfile(f);
	fflush(f);
}

/* Lines whose window ended with some unshown: say so, once. */
static void
log_repeat_sweep(FILE *f, time_t now, uint64_t except)
{
	struct log_repeat *r;
	char line[LOG_REPEAT_SAMPLE + 64];
	int i;

	for (i = 0; i < LOG_REPEAT_SLOTS; i++) {
		r = &log_repeats[i];
		if (r->hash == 0 || r->hash == except || r->suppressed == 0 ||
		    now - r->window_start < log_repeat_window_s)
			continue;
		snprintf(line, sizeof line, "event=log_suppressed line=%s",
		    log_q(r->sample));
		log_emit(f, r->level, line, NULL, r->suppressed);
		r->suppressed = 0;
	}
}

/*
 * Whether text may be shown now; *suppressed gets the count to report
 * with it. Called with log_lock held.
 */
static int
log_repeat_pass(FILE *f, enum log_level level, const char *text,
    const char *err, long *suppressed)
{
	struct log_repeat *r = NULL, *victim = &log_repeats[0];
	time_t now = log_now();
	uint64_t h;
	int i;

	*suppressed = 0;
	if (log_repeat_window_s <= 0)
		return 1;
	h = log_hash(text) ^ (err != NULL ? log_hash(err) : 0);
	log_repeat_sweep(f, now, h);
	for (i = 0; i < LOG_REPEAT_SLOTS; i++) {
		if (log_repeats[i].hash == h) {
			r = &log_repeats[i];
			break;
		}
		if (log_repeats[i].last < victim->last)
			victim = &log_repeats[i];
	}
	if (r == NULL) {
		r = victim;
		if (r->hash != 0 && r->suppressed > 0) {
			char line[LOG_REPEAT_SAMPLE + 64];

			snprintf(line, sizeof line,
			    "event=log_suppressed line=%s", log_q(r->sample));
			log_emit(f, r->level, line, NULL, r->suppressed);
		}
		memset(r, 0, sizeof *r);
		r->hash = h;
		r->window_start = now;
		r->level = level;
		/* The first bytes are sample enough: cut, on purpose. */
		snprintf(r->sample, sizeof r->sample, "%.*s",
		    (int)sizeof r->sample - 1, text);
	}
	r->last = now;
	if (now - r->window_start >= log_repeat_window_s) {
		*suppressed = r->suppressed;
		r->window_start = now;
		r->shown = 0;
		r->suppressed = 0;
	}
	if (r->shown >= log_repeat_burst) {
		r->suppressed++;
		return 0;
	}
	r->shown++;
	return 1;
}

void
log_repeat_flush(void)
{
	FILE *f = log_stream != NULL ? log_stream : stderr;

	pthread_mutex_lock(&log_lock);
	if (log_repeat_window_s > 0)
		log_repeat_sweep(f, log_now(), 0);
	pthread_mutex_unlock(&log_lock);
}

static void log_vwrite(enum log_level, const char *, const char *, va_list)
    __attribute__((format(printf, 3, 0)));

static void
log_vwrite(enum log_level level, const char *err, const char *fmt, va_list ap)
{
	FILE *f = log_stream != NULL ? log_stream : stderr;
	char buf[1024], *text = buf;
	long suppressed;
	va_list copy;
	int n;

	if (level < log_threshold)
		return;
	va_copy(copy, ap);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	if (n >= (int)sizeof buf && (text = malloc((size_t)n + 1)) != NULL)
		vsnprintf(text, (size_t)n + 1, fmt, copy);
	else if (text == NULL)
		text = buf; /* cut, but still said */
	va_end(copy);
	pthread_mutex_lock(&log_lock);
	if (log_repeat_pass(f, level, text, err, &suppressed))
		log_emit(f, level, text, err, suppressed);
	pthread_mutex_unlock(&log_lock);
	if (text != buf)
		free(text);
}

/*
 * The public entry points differ only in level, whether they add
 * strerror(errno) (read first, before anything can change errno) and
 * whether they exit.
 */
#define LOG_BODY(level, errexpr)                                               \
	const char *err = (errexpr);                                           \
	va_list ap;                                                            \
	va_start(ap, fmt);                                                     \
	log_vwrite(level, err, fmt, ap);                                       \
	va_end(ap);
#define LOG_FUNC(name, level, errexpr)                                         \
	void name(const char *fmt, ...)                                        \
	{                                                                      \
		LOG_BODY(level, errexpr)                                       \
	}
#define LOG_FATAL(name, errexpr)                                               \
	void name(const char *fmt, ...)                                        \
	{                                                                      \
		LOG_BODY(LOG_LEVEL_ERROR, errexpr)                             \
		exit(1);                                                       \
	}
LOG_FUNC(log_debug, LOG_LEVEL_DEBUG, NULL)
LOG_FUNC(log_info, LOG_LEVEL_INFO, NULL)
LOG_FUNC(log_warnx, LOG_LEVEL_WARN, NULL)
LOG_FUNC(log_warn, LOG_LEVEL_WARN, strerror(errno))
LOG_FUNC(log_error, LOG_LEVEL_ERROR, NULL)
LOG_FATAL(fatal, strerror(errno))
LOG_FATAL(fatalx, NULL)

const char *
log_q(const char *s)
{
	static char bufs[8][256];
	static unsigned next;
	char *b = bufs[next++ % 8], *p = b, *end = b + 200;
	const char *c;
	int quote;

	if (s == NULL)
		return "-";
	quote = (*s == '\0');
	for (c = s; *c != '\0' && !quote; c++) {
		if ((unsigned char)*c <= ' ' || *c == '"' || *c == '=' ||
		    *c == '\\' || *c == 0x7f)
			quote = 1;
	}
	if (!quote) {
		snprintf(b, 204, "%s", s);
		if (strlen(s) > 200)
			strcpy(b + 200, "...");
		return b;
	}
	*p++ = '"';
	for (c = s; *c != '\0' && p < end; c++) {
		unsigned char u = (unsigned char)*c;

		if (u == '"' || u == '\\') {
			*p++ = '\\';
			*p++ = (char)u;
		} else if (u == '\n') {
			*p++ = '\\';
			*p++ = 'n';
		} else if (u < ' ' || u == 0x7f)
			*p++ = '?';
		else
			*p++ = (char)u;
	}
	if (*c != '\0') {
		memcpy(p, "...", 3);
		p += 3;
	}
	*p++ = '"';
	*p = '\0';
	return b;
}
