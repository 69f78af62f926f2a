/*
 * patrol-agent-tls.so: the agent's TLS client (module.h), loaded by
 * http.c only for an https:// server. mbedTLS, not OpenSSL: after one
 * handshake libcrypto alone kept 3.9 MB of the daemon's pages resident,
 * which put it over its 8 MB target (BENCHMARKS.md section 8); mbedTLS's
 * three libraries are a few hundred kB in all.
 *
 * libevent 2.1 has no mbedTLS bufferevent and evhttp's client always
 * connects its own TCP socket, so the module is a relay on the exchange's
 * event_base: evhttp connects in plain HTTP to a listener on 127.0.0.1
 * that the relay opens for this one exchange; the relay accepts that one
 * connection (only from the agent's own socket, checked by its address),
 * closes the listener and carries the bytes over TLS to the server, on a
 * socket bufferevent that mbedTLS reads and writes through
 * mbedtls_ssl_set_bio(). The peer is verified against the system's CAs or
 * a pinned CA file (--ca), its name checked (SNI too), TLS 1.2 at least.
 * Only libc, libevent and mbedTLS are called here: every string returned
 * is malloc'ed for the agent to free.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <mbedtls/asn1.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>

#include "module.h"

#define TLS_CHUNK  16384      /* one TLS record's plaintext, at most */
#define TLS_HIGH   (64 << 10) /* ciphertext queued to the server, at most */
#define TLS_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
#define TLS_CADIR  "/etc/ssl/certs"

struct tls_conn {
	struct event_base *base;
	struct bufferevent *client; /* http.c's side: not ours */
	struct evconnlistener *lis;
	struct bufferevent *plain; /* the accepted end of the client's */
	struct bufferevent *tcp;   /* to the server */
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_x509_crt ca;
	mbedtls_ssl_config conf;
	mbedtls_ssl_context ssl;
	int connected, handshaken, tcp_eof, ending, failed;
	int has_ip; /* the server is named by an address: */
	unsigned char ip[16];
	size_t iplen;
	char *cause; /* why it failed, in words */
};

static char *
tls_words(int rc)
{
	char buf[160];

	mbedtls_strerror(rc, buf, sizeof buf);
	return module_printf("%s", buf);
}

/* The first failure is the one kept; the client sees its socket close. */
static void
tls_fail(struct tls_conn *t, char *cause)
{
	if (t->cause == NULL)
		t->cause = cause;
	else
		free(cause);
	t->failed = 1;
	/* A client still waiting in the backlog is reset with it. */
	if (t->lis != NULL) {
		evconnlistener_free(t->lis);
		t->lis = NULL;
	}
	if (t->plain != NULL) {
		bufferevent_free(t->plain);
		t->plain = NULL;
	}
	if (t->tcp != NULL)
		bufferevent_disable(t->tcp, EV_READ | EV_WRITE);
}

static void
tls_handshake_failed(struct tls_conn *t, int rc)
{
	uint32_t flags = mbedtls_ssl_get_verify_result(&t->ssl);
	char info[256] = "", *nl, *w;

	if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED && flags != 0 &&
	    flags != (uint32_t)-1) {
		mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
		/* One line per reason: the first says enough. */
		if ((nl = strchr(info, '\n')) != NULL)
			*nl = '\0';
		tls_fail(t,
		    module_printf(
		        "TLS handshake failed: server certificate not "
		        "trusted: %s",
		        info));
		return;
	}
	w = tls_words(rc);
	tls_fail(t, module_printf("TLS handshake failed: %s", w));
	free(w);
}

/*
 * A server named by its address: mbedTLS 2.28 checks only names, so the
 * certificate's iPAddress entries are compared here. 1 when one matches.
 */
static int
tls_ip_named(struct tls_conn *t)
{
	const mbedtls_x509_crt *crt = mbedtls_ssl_get_peer_cert(&t->ssl);
	const mbedtls_x509_sequence *s;

	for (s = crt != NULL ? &crt->subject_alt_names : NULL; s != NULL;
	     s = s->next) {
		if (s->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) &&
		    s->buf.len == t->iplen &&
		    memcmp(s->buf.p, t->ip, t->iplen) == 0)
			return 1;
	}
	return 0;
}

/* The server closed: the client reads what is left, then its end. */
static void
tls_end(struct tls_conn *t)
{
	t->ending = 1;
	if (t->plain != NULL &&
	    evbuffer_get_length(bufferevent_get_output(t->plain)) == 0) {
		bufferevent_free(t->plain);
		t->plain = NULL;
	}
}

/* Moves what can move: the handshake, the request out, the answer in. */
static void
tls_pump(struct tls_conn *t)
{
	unsigned char buf[TLS_CHUNK];
	struct evbuffer *in;
	size_t len;
	int n;

	if (!t->connected || t->failed || t->ending)
		return;
	if (!t->handshaken) {
		n = mbedtls_ssl_handshake(&t->ssl);
		if (n == MBEDTLS_ERR_SSL_WANT_READ ||
		    n == MBEDTLS_ERR_SSL_WANT_WRITE)
			return;
		if (n != 0) {
			tls_handshake_failed(t, n);
			return;
		}
		if (t->has_ip && !tls_ip_named(t)) {
			tls_fail(t,
			    module_printf("TLS handshake failed: server "
			                  "certificate not trusted: it "
			                  "does not name this address"));
			return;
		}
		t->handshaken = 1;
		/* Checked: the CAs are not needed again (no renegotiation). */
		mbedtls_x509_crt_free(&t->ca);
	}
	while (t->plain != NULL &&
	    (len = evbuffer_get_length(in = bufferevent_get_input(t->plain))) >
	        0) {
		if (len > TLS_CHUNK)
			len = TLS_CHUNK;
		/* Retried with the same bytes after WANT_*, as mbedTLS asks. */
		n = mbedtls_ssl_write(&t->ssl, evbuffer_pullup(in, len), len);
		if (n == MBEDTLS_ERR_SSL_WANT_READ ||
		    n == MBEDTLS_ERR_SSL_WANT_WRITE)
			break;
		if (n < 0) {
			tls_fail(t, tls_words(n));
			return;
		}
		evbuffer_drain(in, (size_t)n);
	}
	for (;;) {
		n = mbedtls_ssl_read(&t->ssl, buf, sizeof buf);
		if (n > 0) {
			if (t->plain != NULL)
				bufferevent_write(t->plain, buf, (size_t)n);
			continue;
		}
		if (n == MBEDTLS_ERR_SSL_WANT_READ ||
		    n == MBEDTLS_ERR_SSL_WANT_WRITE)
			return;
		/* A close without close_notify too: the body's length says
		 * whether anything is missing (http.c). */
		if (n == 0 || n == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ||
		    n == MBEDTLS_ERR_SSL_CONN_EOF) {
			tls_end(t);
			return;
		}
		tls_fail(t, tls_words(n));
		return;
	}
}

/* mbedTLS's socket: the server's bufferevent's buffers. */
static int
tls_send_cb(void *arg, const unsigned char *buf, size_t len)
{
	struct tls_conn *t = arg;

	if (evbuffer_get_length(bufferevent_get_output(t->tcp)) > TLS_HIGH)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	if (bufferevent_write(t->tcp, buf, len) != 0)
		return MBEDTLS_ERR_NET_SEND_FAILED;
	return (int)len;
}

static int
tls_recv_cb(void *arg, unsigned char *buf, size_t len)
{
	struct tls_conn *t = arg;
	int n = evbuffer_remove(bufferevent_get_input(t->tcp), buf, len);

	if (n > 0)
		return n;
	return t->tcp_eof ? 0 : MBEDTLS_ERR_SSL_WANT_READ;
}

static void
tls_tcp_data_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	tls_pump(arg);
}

static void
tls_tcp_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct tls_conn *t = arg;
	int err = EVUTIL_SOCKET_ERROR(), dns;

	if (what & BEV_EVENT_CONNECTED) {
		t->connected = 1;
		tls_pump(t);
		return;
	}
	if (what & BEV_EVENT_EOF) {
		t->tcp_eof = 1;
		tls_pump(t);
		if (!t->ending && !t->failed)
			tls_fail(t,
			    module_printf("the server closed the "
			                  "connection during the "
			                  "TLS handshake"));
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		if ((dns = bufferevent_socket_get_dns_error(bev)) != 0)
			tls_fail(t,
			    module_printf("cannot find the server: %s",
			        evutil_gai_strerror(dns)));
		else
			tls_fail(t,
			    module_printf("%s: %s",
			        t->connected ? "connection lost"
			                     : "cannot connect",
			        evutil_socket_error_to_string(err)));
	}
}

static void
tls_plain_read_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	tls_pump(arg);
}

static void
tls_plain_write_cb(struct bufferevent *bev, void *arg)
{
	struct tls_conn *t = arg;

	(void)bev;
	if (t->ending)
		tls_end(t); /* the answer is all out: the end follows */
}

static void
tls_plain_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct tls_conn *t = arg;

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		/* The client is done (or gone): nothing more to carry. */
		bufferevent_free(t->plain);
		t->plain = NULL;
		if (t->tcp != NULL)
			bufferevent_disable(t->tcp, EV_READ | EV_WRITE);
	}
}

/* 1 when the connection came from the client's own socket. */
static int
tls_from_client(struct tls_conn *t, const struct sockaddr *sa, int salen)
{
	struct sockaddr_storage own;
	socklen_t len = sizeof own;
	evutil_socket_t fd = bufferevent_getfd(t->client);

	if (fd < 0 || getsockname(fd, (struct sockaddr *)&own, &len) != 0 ||
	    sa->sa_family != AF_INET || own.ss_family != AF_INET ||
	    salen < (int)sizeof(struct sockaddr_in))
		return 0;
	return ((const struct sockaddr_in *)sa)->sin_port ==
	    ((struct sockaddr_in *)&own)->sin_port &&
	    ((const struct sockaddr_in *)sa)->sin_addr.s_addr ==
	    ((struct sockaddr_in *)&own)->sin_addr.s_addr;
}

static void
tls_accept_cb(struct evconnlistener *lis, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct tls_conn *t = arg;

	(void)lis;
	if (!tls_from_client(t, sa, salen)) {
		/* Another program on the device: not ours to carry. */
		evutil_closesocket(fd);
		return;
	}
	evconnlistener_free(t->lis);
	t->lis = NULL;
	if ((t->plain = bufferevent_socket_new(
	         t->base, fd, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		evutil_closesocket(fd);
		tls_fail(t, module_printf("cannot relay the connection"));
		return;
	}
	bufferevent_setcb(t->plain, tls_plain_read_cb, tls_plain_write_cb,
	    tls_plain_event_cb, t);
	bufferevent_enable(t->plain, EV_READ | EV_WRITE);
	tls_pump(t);
}

/* The CAs to trust: the pinned file, else the system's. */
static int
tls_load_cas(struct tls_conn *t, const char *ca, char **cause)
{
	const char *file = getenv("SSL_CERT_FILE"),
	           *dir = getenv("SSL_CERT_DIR");
	int rc;
	char *w;

	if (ca != NULL && *ca != '\0')
		rc = mbedtls_x509_crt_parse_file(&t->ca, ca);
	else if (file != NULL && *file != '\0')
		rc = mbedtls_x509_crt_parse_file(&t->ca, file);
	else if (dir == NULL && access(TLS_BUNDLE, R_OK) == 0)
		rc = mbedtls_x509_crt_parse_file(&t->ca, TLS_BUNDLE);
	else
		rc = mbedtls_x509_crt_parse_path(
		    &t->ca, dir != NULL ? dir : TLS_CADIR);
	/* Above 0: some were not certificates; enough if one was. */
	if (rc < 0 || t->ca.version == 0) {
		w = rc < 0 ? tls_words(rc) : module_printf("none found");
		*cause =
		    module_printf("cannot read the CA certificates: %s", w);
		free(w);
		return -1;
	}
	return 0;
}

static int
tls_setup(struct tls_conn *t, const char *host, const char *ca, char **cause)
{
	static const unsigned char who[] = "patrol-agent";
	int rc;
	char *w;

	if (tls_load_cas(t, ca, cause) != 0)
		return -1;
	if ((rc = mbedtls_ctr_drbg_seed(&t->drbg, mbedtls_entropy_func,
	         &t->entropy, who, sizeof who - 1)) != 0 ||
	    (rc = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT,
	         MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT)) !=
	        0)
		goto fail;
	mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ca_chain(&t->conf, &t->ca, NULL);
	mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
	mbedtls_ssl_conf_min_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	    MBEDTLS_SSL_MINOR_VERSION_3); /* TLS 1.2 */
	if ((rc = mbedtls_ssl_setup(&t->ssl, &t->conf)) != 0)
		goto fail;
	if (inet_pton(AF_INET, host, t->ip) == 1) {
		t->has_ip = 1;
		t->iplen = 4;
	} else if (inet_pton(AF_INET6, host, t->ip) == 1) {
		t->has_ip = 1;
		t->iplen = 16;
	} else if ((rc = mbedtls_ssl_set_hostname(&t->ssl, host)) != 0)
		goto fail; /* SNI, and the name the certificate must hold */
	mbedtls_ssl_set_bio(&t->ssl, t, tls_send_cb, tls_recv_cb, NULL);
	return 0;
fail:
	w = tls_words(rc);
	*cause = module_printf("cannot start TLS: %s", w);
	free(w);
	return -1;
}

static void
tls_close(struct tls_conn *t)
{
	if (t == NULL)
		return;
	if (t->lis != NULL)
		evconnlistener_free(t->lis);
	if (t->plain != NULL)
		bufferevent_free(t->plain);
	if (t->tcp != NULL)
		bufferevent_free(t->tcp);
	mbedtls_ssl_free(&t->ssl);
	mbedtls_ssl_config_free(&t->conf);
	mbedtls_x509_crt_free(&t->ca);
	mbedtls_ctr_drbg_free(&t->drbg);
	mbedtls_entropy_free(&t->entropy);
	free(t->cause);
	free(t);
}

static struct tls_conn *
tls_open(struct event_base *base, struct bufferevent *client, const char *host,
    int port, const char *ca, int *relay_port, char **cause)
{
	struct tls_conn *t = calloc(1, sizeof *t);
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;

	if (t == NULL) {
		*cause = module_printf("out of memory");
		return NULL;
	}
	t->base = base;
	t->client = client;
	mbedtls_entropy_init(&t->entropy);
	mbedtls_ctr_drbg_init(&t->drbg);
	mbedtls_x509_crt_init(&t->ca);
	mbedtls_ssl_config_init(&t->conf);
	mbedtls_ssl_init(&t->ssl);
	if (tls_setup(t, host, ca, cause) != 0)
		goto fail;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	t->lis = evconnlistener_new_bind(base, tls_accept_cb, t,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 1,
	    (struct sockaddr *)&sin, sizeof sin);
	if (t->lis == NULL ||
	    getsockname(evconnlistener_get_fd(t->lis), (struct sockaddr *)&sin,
	        &len) != 0) {
		*cause = module_printf(
		    "cannot open the TLS relay: %s", strerror(errno));
		goto fail;
	}
	*relay_port = ntohs(sin.sin_port);
	if ((t->tcp = bufferevent_socket_new(
	         base, -1, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		*cause = module_printf("cannot open a connection");
		goto fail;
	}
	bufferevent_setcb(
	    t->tcp, tls_tcp_data_cb, tls_tcp_data_cb, tls_tcp_event_cb, t);
	/* Called back when the queue to the server is half empty again. */
	bufferevent_setwatermark(t->tcp, EV_WRITE, TLS_HIGH / 2, 0);
	bufferevent_enable(t->tcp, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect_hostname(
	        t->tcp, NULL, AF_UNSPEC, host, port) != 0) {
		*cause = module_printf("cannot connect to %s", host);
		goto fail;
	}
	return t;
fail:
	tls_close(t);
	return NULL;
}

static char *
tls_why(struct tls_conn *t)
{
	return t->cause != NULL ? module_printf("%s", t->cause) : NULL;
}

static const char *
tls_version(void)
{
	static char v[32];

	mbedtls_version_get_string_full(v);
	return v;
}

__attribute__((visibility("default")))
const struct tls_module patrol_agent_tls = {
    MODULE_ABI, tls_open, tls_why, tls_close, tls_version};
