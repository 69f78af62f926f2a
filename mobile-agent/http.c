/*
 * The agent's HTTP/1.1 client: one blocking exchange per connection
 * (Connection: close), over TCP or TLS (OpenSSL's libssl, verifying the
 * server's certificate and name). It replaces libcurl, whose Debian build
 * maps some 35 libraries (GnuTLS, Kerberos, LDAP, RTMP, SSH...) that a
 * handheld never uses: they were most of the daemon's resident memory.
 *
 * The answer is read into one buffer and judged by http_resp_parse(), a
 * pure function (fuzzed in tests/fuzz/fuzz_agent_wire.c): status line,
 * headers, then a body by Content-Length, chunked, or up to the close.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "agent.h"

#define HTTP_HEAD_MAX (64 << 10) /* status line and headers, at most */
#define HTTP_READ     16384

/* A status-line or header line [p, end) without its CRLF. */
static int
http_header(
    const char *p, size_t n, struct http_resp *r, long long *clen, int *chunked)
{
	const char *colon = memchr(p, ':', n), *v;
	size_t name, vn;
	char num[32];

	if (colon == NULL || colon == p)
		return -1;
	name = (size_t)(colon - p);
	v = colon + 1;
	vn = n - name - 1;
	while (vn > 0 && (*v == ' ' || *v == '\t'))
		v++, vn--;
	while (vn > 0 && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
		vn--;
	if (name == 14 && strncasecmp(p, "Content-Length", 14) == 0) {
		char *end;
		if (vn == 0 || vn >= sizeof num)
			return -1;
		memcpy(num, v, vn);
		num[vn] = '\0';
		errno = 0;
		*clen = strtoll(num, &end, 10);
		if (errno != 0 || *end != '\0' || *clen < 0 || num[0] == '-' ||
		    num[0] == '+')
			return -1;
	} else if (name == 17 && strncasecmp(p, "Transfer-Encoding", 17) == 0) {
		if (vn == 7 && strncasecmp(v, "chunked", 7) == 0)
			*chunked = 1;
		else if (!(vn == 8 && strncasecmp(v, "identity", 8) == 0))
			return -1; /* gzip and friends: never asked for */
	} else if (name == 13 && strncasecmp(p, "Upload-Offset", 13) == 0) {
		if (vn == 0 || vn >= sizeof num)
			return -1;
		memcpy(num, v, vn);
		num[vn] = '\0';
		r->offset = strtoll(num, NULL, 10);
	} else if (name == 15 && strncasecmp(p, "Upload-Complete", 15) == 0)
		r->complete = vn >= 1 && v[0] == '1';
	return 0;
}

/* Hex chunk size at p (up to CRLF); -1 malformed. */
static long long
http_chunk_size(const char *p, size_t n)
{
	long long v = 0;
	size_t i;
	int d;

	for (i = 0; i < n; i++) {
		char c = p[i];
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else if (c == ';' || c == ' ' || c == '\t')
			break; /* extensions ignored */
		else
			return -1;
		if (v > (1LL << 40))
			return -1;
		v = v * 16 + d;
	}
	return i == 0 ? -1 : v;
}

static const char *
http_crlf(const char *p, const char *end)
{
	const char *q;

	for (q = p; q + 1 < end; q++)
		if (q[0] == '\r' && q[1] == '\n')
			return q;
	return NULL;
}

int
http_resp_parse(const uint8_t *buf, size_t len, int eof, int head,
    size_t max_body, struct http_resp *r, char **cause)
{
	const char *p = (const char *)buf, *end = p + len, *eol, *body;
	long long clen = -1;
	int chunked = 0, first = 1;
	size_t n;

	r->status = 0;
	r->offset = -1;
	r->complete = 0;
	free(r->body);
	r->body = NULL;
	r->len = 0;
	for (;;) {
		if ((eol = http_crlf(p, end)) == NULL) {
			if (len > HTTP_HEAD_MAX) {
				*cause = agent_strdup("headers too long");
				return -1;
			}
			goto more;
		}
		n = (size_t)(eol - p);
		if (first) {
			/* HTTP/1.x NNN reason */
			if (n < 12 || memcmp(p, "HTTP/1.", 7) != 0 ||
			    p[8] != ' ' || p[9] < '1' || p[9] > '5' ||
			    p[10] < '0' || p[10] > '9' || p[11] < '0' ||
			    p[11] > '9' || (n > 12 && p[12] != ' ')) {
				*cause = agent_strdup("not an HTTP answer");
				return -1;
			}
			r->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 +
			    (p[11] - '0');
			first = 0;
		} else if (n == 0) {
			p = eol + 2;
			break;
		} else if (http_header(p, n, r, &clen, &chunked) != 0) {
			*cause = agent_printf(
			    "bad header line: %.*s", (int)(n < 60 ? n : 60), p);
			return -1;
		}
		p = eol + 2;
		if ((size_t)(p - (const char *)buf) > HTTP_HEAD_MAX) {
			*cause = agent_strdup("headers too long");
			return -1;
		}
	}
	if (r->status < 200 && r->status >= 100) {
		/* 1xx (never asked for, Expect is not sent): skip it. */
		size_t used = (size_t)(p - (const char *)buf);
		return http_resp_parse(
		    buf + used, len - used, eof, head, max_body, r, cause);
	}
	body = p;
	if (head || r->status == 204 || r->status == 304)
		return 1;
	if (chunked) {
		size_t out = 0;
		uint8_t *b = NULL;
		long long sz;

		for (;;) {
			if ((eol = http_crlf(p, end)) == NULL)
				goto more_free;
			if ((sz = http_chunk_size(p, (size_t)(eol - p))) < 0) {
				free(b);
				*cause = agent_strdup("bad chunk size");
				return -1;
			}
			p = eol + 2;
			if (sz == 0)
				break;
			if ((size_t)sz > max_body - out) {
				free(b);
				*cause = agent_strdup("answer too large");
				return -1;
			}
			if ((size_t)(end - p) < (size_t)sz + 2)
				goto more_free;
			if (p[sz] != '\r' || p[sz + 1] != '\n') {
				free(b);
				*cause = agent_strdup("bad chunk end");
				return -1;
			}
			b = realloc(b, out + (size_t)sz + 1);
			if (b == NULL)
				agent_alloc((size_t)-1); /* exits */
			memcpy(b + out, p, (size_t)sz);
			out += (size_t)sz;
			p += sz + 2;
		}
		/* Trailers, up to an empty line. */
		for (;;) {
			if ((eol = http_crlf(p, end)) == NULL)
				goto more_free;
			if (eol == p)
				break;
			p = eol + 2;
		}
		if (b == NULL)
			b = agent_alloc(1);
		b[out] = '\0';
		r->body = b;
		r->len = out;
		return 1;
	more_free:
		free(b);
		goto more;
	}
	n = (size_t)(end - body);
	if (clen >= 0) {
		if ((unsigned long long)clen > max_body) {
			*cause = agent_strdup("answer too large");
			return -1;
		}
		if (n < (size_t)clen)
			goto more;
		n = (size_t)clen;
	} else {
		if (n > max_body) {
			*cause = agent_strdup("answer too large");
			return -1;
		}
		if (!eof)
			return 0;
	}
	r->body = agent_alloc(n + 1);
	memcpy(r->body, body, n);
	r->body[n] = '\0';
	r->len = n;
	return 1;
more:
	if (eof) {
		*cause = agent_strdup("the answer was cut short");
		return -1;
	}
	return 0;
}

/* https://host:port/base -> pieces; 0 or -1 with *cause. */
struct http_url {
	int tls;
	char host[256];
	char port[8];
	const char *base; /* path prefix, may be "" */
};

static int
http_url_parse(const char *url, struct http_url *u, char **cause)
{
	const char *p, *h, *hend, *slash;
	size_t n;

	memset(u, 0, sizeof *u);
	if (strncasecmp(url, "https://", 8) == 0) {
		u->tls = 1;
		p = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0)
		p = url + 7;
	else {
		*cause = agent_printf("%s: only http:// and https://", url);
		return -1;
	}
	slash = p + strcspn(p, "/?#");
	u->base = slash;
	if (*p == '[') {
		h = p + 1;
		if ((hend = memchr(h, ']', (size_t)(slash - h))) == NULL)
			goto bad;
		p = hend + 1;
	} else {
		h = p;
		hend = memchr(h, ':', (size_t)(slash - h));
		if (hend == NULL)
			hend = slash;
		p = hend;
	}
	n = (size_t)(hend - h);
	if (n == 0 || n >= sizeof u->host)
		goto bad;
	memcpy(u->host, h, n);
	if (*p == ':') {
		n = (size_t)(slash - p - 1);
		if (n == 0 || n >= sizeof u->port ||
		    strspn(p + 1, "0123456789") < n)
			goto bad;
		memcpy(u->port, p + 1, n);
	} else if (p == slash)
		strcpy(u->port, u->tls ? "443" : "80");
	else
		goto bad;
	if (*slash == '?' || *slash == '#')
		goto bad;
	return 0;
bad:
	*cause = agent_printf("%s: not a server address", url);
	return -1;
}

static int64_t
http_left_ms(int64_t deadline)
{
	int64_t left = deadline - agent_now_ms();

	return left > 0 ? left : 0;
}

static int
http_connect(const struct http_url *u, int64_t deadline, char **cause)
{
	struct addrinfo hints = {0}, *ai, *res;
	int fd = -1, rc, err = 0;

	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	if ((rc = getaddrinfo(u->host, u->port, &hints, &res)) != 0) {
		*cause = agent_printf(
		    "cannot resolve %s: %s", u->host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		struct pollfd pfd;
		socklen_t sl = sizeof err;
		int64_t until = agent_now_ms() + 10000; /* connect timeout */

		if (until > deadline)
			until = deadline;
		fd = socket(ai->ai_family,
		    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd == -1) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno != EINPROGRESS) {
			err = errno;
			close(fd);
			fd = -1;
			continue;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		do
			rc = poll(&pfd, 1, (int)http_left_ms(until));
		while (rc == -1 && errno == EINTR);
		if (rc == 1 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) == 0 &&
		    err == 0)
			break;
		if (rc == 0)
			err = ETIMEDOUT;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		*cause = agent_printf("cannot connect to %s:%s: %s", u->host,
		    u->port, strerror(err != 0 ? err : ECONNREFUSED));
		return -1;
	}
	/* Blocking from here on; every read and write waits at most what
	 * is left of the exchange's time. */
	if ((rc = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, rc & ~O_NONBLOCK) == -1) {
		*cause = agent_printf("socket: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void
http_timeouts(int fd, int64_t deadline)
{
	int64_t left = http_left_ms(deadline);
	struct timeval tv = {(time_t)(left / 1000), (long)(left % 1000) * 1000};

	if (left <= 0)
		tv.tv_usec = 1000; /* 0 would mean forever */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/* The first OpenSSL error in words, with the verification result. */
static char *
http_tls_error(SSL *ssl, const char *what)
{
	long v = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;
	unsigned long e = ERR_get_error();
	char buf[256] = "";

	if (e != 0)
		ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	if (v != X509_V_OK)
		return agent_printf("%s: server certificate not trusted: %s",
		    what, X509_verify_cert_error_string(v));
	return agent_printf("%s: %s", what, buf[0] != '\0' ? buf : "TLS error");
}

struct http_conn {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
};

static int
http_tls_start(
    struct http_conn *c, const struct http_url *u, const char *ca, char **cause)
{
	X509_VERIFY_PARAM *vp;

	if ((c->ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		*cause = http_tls_error(NULL, "cannot start TLS");
		return -1;
	}
	SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
	if (ca != NULL && *ca != '\0'
	        ? SSL_CTX_load_verify_locations(c->ctx, ca, NULL) != 1
	        : SSL_CTX_set_default_verify_paths(c->ctx) != 1) {
		*cause =
		    http_tls_error(NULL, "cannot read the CA certificates");
		return -1;
	}
	if ((c->ssl = SSL_new(c->ctx)) == NULL ||
	    SSL_set_fd(c->ssl, c->fd) != 1) {
		*cause = http_tls_error(NULL, "cannot start TLS");
		return -1;
	}
	vp = SSL_get0_param(c->ssl);
	if (X509_VERIFY_PARAM_set1_ip_asc(vp, u->host) != 1) {
		/* A name, not an address: SNI and a name check. */
		SSL_set_tlsext_host_name(c->ssl, u->host);
		if (SSL_set1_host(c->ssl, u->host) != 1) {
			*cause = http_tls_error(NULL, "cannot start TLS");
			return -1;
		}
	}
	if (SSL_connect(c->ssl) != 1) {
		*cause = http_tls_error(c->ssl, "TLS handshake failed");
		return -1;
	}
	return 0;
}

static int
http_write(struct http_conn *c, const void *p, size_t n)
{
	const char *s = p;

	while (n > 0) {
		ssize_t w;
		if (c->ssl != NULL) {
			size_t done = 0;
			if (SSL_write_ex(c->ssl, s, n, &done) != 1)
				return -1;
			w = (ssize_t)done;
		} else if ((w = send(c->fd, s, n, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* >0 bytes read, 0 at the end, -1 failed (timeout, reset). */
static ssize_t
http_read(struct http_conn *c, void *p, size_t n)
{
	ssize_t got;

	if (c->ssl != NULL) {
		size_t done = 0;
		int e;
		if (SSL_read_ex(c->ssl, p, n, &done) == 1)
			return (ssize_t)done;
		e = SSL_get_error(c->ssl, 0);
		if (e == SSL_ERROR_ZERO_RETURN)
			return 0;
		/* A close without close_notify: the body's length says
		 * whether anything is missing. */
		if (e == SSL_ERROR_SSL &&
		    ERR_GET_REASON(ERR_peek_error()) ==
		        SSL_R_UNEXPECTED_EOF_WHILE_READING) {
			ERR_clear_error();
			return 0;
		}
		return -1;
	}
	do
		got = recv(c->fd, p, n, 0);
	while (got == -1 && errno == EINTR);
	return got;
}

static void
http_conn_close(struct http_conn *c)
{
	if (c->ssl != NULL) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	if (c->ctx != NULL)
		SSL_CTX_free(c->ctx);
	if (c->fd != -1)
		close(c->fd);
}

int
http_exchange(const struct http_req *q, struct http_resp *r, char **cause)
{
	struct http_url u;
	struct http_conn c = {-1, NULL, NULL};
	int64_t deadline = agent_now_ms() + q->timeout_s * 1000;
	char *head, *hostport;
	uint8_t *raw = NULL;
	size_t rawlen = 0, cap = 0;
	int done = 0, eof = 0;
	char *why = NULL, clen[48] = "";

	memset(r, 0, sizeof *r);
	r->offset = -1;
	if (http_url_parse(q->server, &u, cause) != 0)
		return -1;
	if ((c.fd = http_connect(&u, deadline, cause)) == -1)
		return -1;
	http_timeouts(c.fd, deadline);
	if (u.tls && http_tls_start(&c, &u, q->ca, cause) != 0) {
		char *s = agent_printf("%s%s: %s", q->server, q->path, *cause);
		free(*cause);
		*cause = s;
		http_conn_close(&c);
		return -1;
	}
	hostport = strchr(u.host, ':') != NULL
	    ? agent_printf("[%s]:%s", u.host, u.port)
	    : agent_printf("%s:%s", u.host, u.port);
	if (strcmp(q->method, "GET") != 0 && strcmp(q->method, "HEAD") != 0)
		snprintf(clen, sizeof clen, "Content-Length: %zu\r\n", q->len);
	head = agent_printf("%s %s%s HTTP/1.1\r\nHost: %s\r\n"
	                    "User-Agent: patrol-agent/" AGENT_VERSION "\r\n"
	                    "Accept: */*\r\nConnection: close\r\n%s%s\r\n",
	    q->method, u.base, q->path, hostport,
	    q->headers != NULL ? q->headers : "", clen);
	free(hostport);
	if (http_write(&c, head, strlen(head)) != 0 ||
	    (q->len > 0 && http_write(&c, q->body, q->len) != 0)) {
		why = agent_printf("sending failed: %s",
		    errno == EAGAIN ? "timed out" : strerror(errno));
		goto fail;
	}
	while (!done) {
		ssize_t got;
		if (cap - rawlen < HTTP_READ) {
			cap = cap == 0 ? HTTP_READ * 2 : cap * 2;
			raw = realloc(raw, cap);
			if (raw == NULL)
				agent_alloc((size_t)-1); /* exits */
		}
		http_timeouts(c.fd, deadline);
		got = http_read(&c, raw + rawlen, cap - rawlen);
		if (got < 0) {
			why = agent_printf("no answer: %s",
			    errno == EAGAIN || http_left_ms(deadline) == 0
			        ? "timed out"
			        : strerror(errno));
			goto fail;
		}
		if (got == 0)
			eof = 1;
		rawlen += (size_t)got;
		switch (http_resp_parse(raw, rawlen, eof,
		    strcmp(q->method, "HEAD") == 0, q->max_body, r, &why)) {
		case 1:
			done = 1;
			break;
		case -1:
			goto fail;
		}
	}
	free(raw);
	free(head);
	http_conn_close(&c);
	return 0;
fail:
	*cause = agent_printf("%s%s: %s", q->server, q->path, why);
	free(why);
	free(raw);
	free(head);
	http_resp_free(r);
	http_conn_close(&c);
	return -1;
}

void
http_resp_free(struct http_resp *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}
