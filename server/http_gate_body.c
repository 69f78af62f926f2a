/*
 * What a judged head leads to: a small body read in memory by evhttp, a
 * large one spooled to an unlinked file, or a refusal.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/sockios.h>
#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "http_gate_int.h"
#include "log.h"
#include "xmalloc.h"

void
gate_spool_close(struct http_gate_conn *c)
{
	if (c->spool_fd != -1)
		close(c->spool_fd);
	c->spool_fd = -1;
	c->g->spooled -= c->spool_reserved;
	c->spool_reserved = 0;
	free(c->spool_head);
	c->spool_head = NULL;
}

static int
gate_spool_open(struct http_gate_conn *c)
{
	char *path = xasprintf("%s/patrold-body-XXXXXX", c->g->spool_dir);
	int fd = mkstemp(path);

	if (fd == -1) {
		log_warn(
		    "event=http_spool_failed dir=%s", log_q(c->g->spool_dir));
		free(path);
		return -1;
	}
	unlink(path); /* gone from the disk with its last descriptor */
	free(path);
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* HTTP_GATE_CLOSE: the head (buf, head_len bytes) alone is handed over,
 * rewritten, for http.c to answer; the body is discarded and the
 * connection closes. */
static void
gate_head_close(struct http_gate_conn *c, struct evbuffer *src, const char *buf,
    size_t head_len)
{
	char *rw;
	size_t rwlen;

	rw = gate_rewrite(buf, head_len, 0, &rwlen);
	evbuffer_drain(src, head_len);
	gate_hand(c, NULL, rwlen, rw);
	free(rw);
	c->handed++;
	gate_discard(c);
	gate_drop(c, src);
}

/* A body too large for memory: spooled to a file, one at a time on a
 * connection and within the spool's room, or refused. */
static void
gate_head_spool(struct http_gate_conn *c, struct evbuffer *src, const char *buf,
    size_t head_len, int expect)
{
	struct http_gate *g = c->g;

	if (c->ready_fd != -1) {
		gate_refuse(c, 400, "bad_request",
		    "one large body at a time on a connection: wait for the "
		    "answer to the last one");
		return;
	}
	if (g->spooled + c->body_len > g->cfg.spool_max) {
		gate_refuse(c, 503, "busy",
		    "too many large uploads at once; try again later");
		return;
	}
	if ((c->spool_fd = gate_spool_open(c)) == -1) {
		gate_refuse(c, 503, "busy", "cannot store the upload now");
		return;
	}
	c->spool_reserved = c->body_len;
	g->spooled += c->body_len;
	c->spool_head = gate_rewrite(buf, head_len, 0, &c->spool_head_len);
	evbuffer_drain(src, head_len);
	c->state = GATE_SPOOL;
	if (expect)
		bufferevent_write(c->bev, "HTTP/1.1 100 Continue\r\n\r\n", 25);
}

/* A head is complete in src (head_len bytes): judge it and act. */
void
gate_head(struct http_gate_conn *c, struct evbuffer *src, size_t head_len)
{
	struct http_gate *g = c->g;
	struct http_gate_head h;
	struct http_gate_verdict v;
	const char *why;
	char *buf;
	int te, expect;

	buf = xmalloc(head_len + 1);
	evbuffer_copyout(src, buf, head_len);
	buf[head_len] = '\0';
	if (gate_parse(buf, &h, &te, &expect, &why) != 0) {
		gate_refuse(c, 400, "bad_request", "%s", why);
		goto out;
	}
	c->body_len = (size_t)h.content_length;
	c->body_got = 0;
	if (te) {
		c->body_len = 0;
		gate_refuse(c, 411, "length_required",
		    "send the body with a Content-Length; chunked request "
		    "bodies are not accepted");
		goto out;
	}
	c->body_len = (size_t)h.content_length;
	c->body_got = 0;
	memset(&v, 0, sizeof v);
	g->judge(&h, &v, g->judge_arg);
	if (v.action == HTTP_GATE_REFUSE) {
		gate_refuse_verdict(c, &v);
		goto out;
	}
	/* The judged copy was changed in place: reread the original. */
	evbuffer_copyout(src, buf, head_len);
	c->head_len = head_len;
	c->body_len = (size_t)h.content_length;
	c->body_got = 0;
	clock_gettime(CLOCK_MONOTONIC, &c->body_start);
	if (v.action == HTTP_GATE_CLOSE)
		gate_head_close(c, src, buf, head_len);
	else if (c->body_len <= HTTP_GATE_MEM_BODY) {
		c->state = GATE_BODY;
		if (expect && c->body_len > 0 &&
		    evbuffer_get_length(src) < head_len + c->body_len)
			bufferevent_write(
			    c->bev, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	} else
		gate_head_spool(c, src, buf, head_len, expect);
out:
	free(buf);
}

/* Writes what src holds of the spooled body; hands it over when whole. */
void
gate_spool(struct http_gate_conn *c, struct evbuffer *src)
{
	size_t want = c->body_len - c->body_got;
	int n;

	while (want > 0 && evbuffer_get_length(src) > 0) {
		n = evbuffer_write_atmost(src, c->spool_fd, (ev_ssize_t)want);
		if (n <= 0) {
			log_warn("event=http_spool_write_failed");
			gate_refuse(
			    c, 503, "busy", "cannot store the upload now");
			return;
		}
		c->body_got += (size_t)n;
		want -= (size_t)n;
	}
	if (want > 0)
		return;
	if (write(c->spool_fd, "", 1) != 1 ||
	    lseek(c->spool_fd, 0, SEEK_SET) != 0) {
		log_warn("event=http_spool_write_failed");
		gate_refuse(c, 503, "busy", "cannot store the upload now");
		return;
	}
	c->ready_fd = c->spool_fd;
	c->ready_len = c->body_len;
	c->ready_reserved = c->spool_reserved;
	c->ready_seq = c->handed++;
	c->spool_fd = -1;
	c->spool_reserved = 0;
	gate_hand(c, NULL, c->spool_head_len, c->spool_head);
	free(c->spool_head);
	c->spool_head = NULL;
	c->state = GATE_HEAD;
	gate_request_over(c);
}
