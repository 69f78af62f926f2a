/*
 * libevent's internal messages routed into the key=value log. Here rather
 * than in common/log.c so that the log links without libevent (the domain
 * core and the handheld use it too).
 */
#include <event2/event.h>

#include "http.h"
#include "log.h"

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
