#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <event2/event.h>

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

static void log_vwrite(enum log_level, const char *, const char *, va_list)
    __attribute__((format(printf, 3, 0)));

static void
log_vwrite(enum log_level level, const char *err, const char *fmt, va_list ap)
{
	FILE *f = log_stream != NULL ? log_stream : stderr;
	struct timeval tv;
	struct tm tm;
	char ts[64], off[8];

	if (level < log_threshold)
		return;
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(off, sizeof off, "%z", &tm);
	/* One fprintf per part, under one lock, so lines never interleave. */
	flockfile(f);
	fprintf(f, "ts=%s.%03ld%.3s:%s level=%s ", ts, (long)tv.tv_usec / 1000,
	    off, off + 3, log_names[level]);
	vfprintf(f, fmt, ap);
	if (err != NULL)
		fprintf(f, " err=%s", log_q(err));
	fputc('\n', f);
	funlockfile(f);
	fflush(f);
}

#define LOG_FUNC(name, level)                                                  \
	void name(const char *fmt, ...)                                        \
	{                                                                      \
		va_list ap;                                                    \
		va_start(ap, fmt);                                             \
		log_vwrite(level, NULL, fmt, ap);                              \
		va_end(ap);                                                    \
	}
LOG_FUNC(log_debug, LOG_LEVEL_DEBUG)
LOG_FUNC(log_info, LOG_LEVEL_INFO)
LOG_FUNC(log_warnx, LOG_LEVEL_WARN)
LOG_FUNC(log_error, LOG_LEVEL_ERROR)

void
log_warn(const char *fmt, ...)
{
	const char *err = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_WARN, err, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	const char *err = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERROR, err, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERROR, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

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

static void
log_libevent_cb(int severity, const char *msg)
{
	switch (severity) {
	case EVENT_LOG_DEBUG:
		log_debug("src=libevent msg=%s", log_q(msg));
		break;
	case EVENT_LOG_MSG:
		log_info("src=libevent msg=%s", log_q(msg));
		break;
	case EVENT_LOG_WARN:
		log_warnx("src=libevent msg=%s", log_q(msg));
		break;
	default:
		log_error("src=libevent msg=%s", log_q(msg));
		break;
	}
}

void
log_route_libevent(void)
{
	event_set_log_callback(log_libevent_cb);
}
