/* Reading an HTTP/1.1 request head: the gate judges it before evhttp. */
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

/* The next header line's name and value (NUL-terminated in place). */
static char *
gate_line(char **p)
{
	char *s = *p, *e = strchr(s, '\n');

	if (e == NULL)
		return NULL;
	*p = e + 1;
	if (e > s && e[-1] == '\r')
		e--;
	*e = '\0';
	return s;
}

static int
gate_method(const char *m)
{
	static const struct {
		const char *name;
		int m;
	} names[] = {{"GET", EVHTTP_REQ_GET}, {"HEAD", EVHTTP_REQ_HEAD},
	    {"POST", EVHTTP_REQ_POST}, {"PUT", EVHTTP_REQ_PUT},
	    {"PATCH", EVHTTP_REQ_PATCH}, {"DELETE", EVHTTP_REQ_DELETE},
	    {"OPTIONS", EVHTTP_REQ_OPTIONS}};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(m, names[i].name) == 0)
			return names[i].m;
	return 0;
}

/*
 * Parses a head (NUL-terminated copy in buf). 0, or -1 with *why. Leaves
 * the flags the gate itself needs in *te and *expect.
 */
int
gate_parse(
    char *buf, struct http_gate_head *h, int *te, int *expect, const char **why)
{
	char *p = buf, *line, *sp, *target, *v, *end;
	long long cl;

	memset(h, 0, sizeof *h);
	*te = *expect = 0;
	*why = "malformed request line";
	if ((line = gate_line(&p)) == NULL || (sp = strchr(line, ' ')) == NULL)
		return -1;
	*sp = '\0';
	h->method = gate_method(line);
	target = sp + 1;
	if ((sp = strchr(target, ' ')) == NULL ||
	    strncmp(sp + 1, "HTTP/1.", 7) != 0)
		return -1;
	*sp = '\0';
	if (strncmp(target, "http://", 7) == 0 ||
	    strncmp(target, "https://", 8) == 0) {
		target = strchr(strchr(target, ':') + 3, '/');
		if (target == NULL)
			target = "/";
	}
	if (*target != '/')
		return -1;
	if ((sp = strchr(target, '#')) != NULL)
		*sp = '\0';
	if ((sp = strchr(target, '?')) != NULL) {
		*sp = '\0';
		h->query = sp + 1;
	}
	h->path = target;
	h->content_length = 0;
	cl = -1;
	while ((line = gate_line(&p)) != NULL && *line != '\0') {
		if (*line == ' ' || *line == '\t')
			continue; /* obs-fold: evhttp joins it; none we need */
		if ((v = strchr(line, ':')) == NULL) {
			*why = "malformed header line";
			return -1;
		}
		*v++ = '\0';
		v += strspn(v, " \t");
		if (strcasecmp(line, "Content-Length") == 0) {
			long long n;

			errno = 0;
			n = strtoll(v, &end, 10);
			if (*v < '0' || *v > '9' || errno != 0 ||
			    end[strspn(end, " \t")] != '\0' ||
			    (cl >= 0 && n != cl)) {
				*why = "malformed Content-Length";
				return -1;
			}
			cl = n;
		} else if (strcasecmp(line, "Transfer-Encoding") == 0)
			*te = 1;
		else if (strcasecmp(line, "Expect") == 0)
			*expect = strcasecmp(v, "100-continue") == 0;
		else if (strcasecmp(line, "Authorization") == 0)
			h->authorization = v;
		else if (strcasecmp(line, "Cookie") == 0)
			h->cookie = v;
	}
	h->content_length = cl < 0 ? 0 : cl;
	return 0;
}

/*
 * The head handed over instead of the client's: the same request line and
 * headers without Content-Length, Transfer-Encoding, Expect and
 * Connection, then "Content-Length: 0" and, when close, "Connection:
 * close".
 */
char *
gate_rewrite(const char *head, size_t len, int close_after, size_t *outlen)
{
	struct evbuffer *b = evbuffer_new();
	const char *p = head, *end = head + len, *e;
	char *out;
	int first = 1;

	while (p < end && (e = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		size_t n = (size_t)(e - p) + 1;
		size_t l = n - 1 - (n > 1 && p[n - 2] == '\r');

		if (l == 0)
			break;
		if (first ||
		    (strncasecmp(p, "Content-Length:", 15) != 0 &&
		        strncasecmp(p, "Transfer-Encoding:", 18) != 0 &&
		        strncasecmp(p, "Expect:", 7) != 0 &&
		        strncasecmp(p, "Connection:", 11) != 0)) {
			evbuffer_add(b, p, l);
			evbuffer_add(b, "\r\n", 2);
		}
		first = 0;
		p = e + 1;
	}
	evbuffer_add_printf(b, "Content-Length: 0\r\n%s\r\n",
	    close_after ? "Connection: close\r\n" : "");
	*outlen = evbuffer_get_length(b);
	out = xmalloc(*outlen);
	evbuffer_remove(b, out, *outlen);
	evbuffer_free(b);
	return out;
}

/* The end of the head in src, or 0 when it is not all there. */
size_t
gate_head_end(struct evbuffer *src)
{
	struct evbuffer_ptr a = evbuffer_search(src, "\r\n\r\n", 4, NULL);
	struct evbuffer_ptr b = evbuffer_search(src, "\n\n", 2, NULL);

	if (a.pos != -1 && (b.pos == -1 || a.pos + 2 <= b.pos))
		return (size_t)a.pos + 4;
	if (b.pos != -1)
		return (size_t)b.pos + 2;
	return 0;
}
