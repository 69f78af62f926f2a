#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <jansson.h>

#include "http.h"
#include "log.h"
#include "tls.h"
#include "xmalloc.h"

#define TLS_CIPHERS_12 "ECDHE+AESGCM:ECDHE+CHACHA20"

struct tls {
	SSL_CTX *ctx;
};

static char *
tls_error(const char *what, const char *file)
{
	char buf[256];
	unsigned long e = ERR_get_error();

	ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	return xasprintf("%s %s: %s", what, file, e != 0 ? buf : "failed");
}

struct tls *
tls_new(const char *cert_file, const char *key_file, char **cause)
{
	struct tls *t = xcalloc(1, sizeof *t);

	if ((t->ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		*cause =
		    tls_error("cannot create the TLS context for", cert_file);
		goto fail;
	}
	/* TLS 1.2 at least: what every supported handheld speaks. */
	SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(
	    t->ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	/*
	 * TLS 1.2 only with forward secrecy and AEAD (issue 10): ECDHE with
	 * AES-GCM or ChaCha20-Poly1305. TLS 1.3's suites are all of that kind
	 * and stay OpenSSL's defaults.
	 */
	if (SSL_CTX_set_cipher_list(t->ctx, TLS_CIPHERS_12) != 1) {
		*cause = tls_error("cannot set the ciphers for", cert_file);
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(t->ctx, cert_file) != 1) {
		*cause = tls_error("cannot load the certificate", cert_file);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(t->ctx, key_file, SSL_FILETYPE_PEM) !=
	    1) {
		*cause = tls_error("cannot load the key", key_file);
		goto fail;
	}
	if (SSL_CTX_check_private_key(t->ctx) != 1) {
		*cause = tls_error("the key does not match", cert_file);
		goto fail;
	}
	return t;
fail:
	tls_free(t);
	return NULL;
}

void
tls_free(struct tls *t)
{
	if (t == NULL)
		return;
	SSL_CTX_free(t->ctx);
	free(t);
}

/*
 * Plain HTTP sent to the TLS port: OpenSSL recognises it in the first
 * record ("GET ", "POST", ...) and fails the handshake without an alert.
 * Answer in plain HTTP so that the client sees why (400) rather than a
 * closed connection or TLS bytes; the connection is then closed by the
 * bufferevent's error path. What the client sent is read first, so that
 * the close does not reset the answer away.
 */
static void
tls_info_cb(const SSL *ssl, int where, int ret)
{
	char head[256], sink[4096], *body;
	json_t *j;
	unsigned long e;
	int fd, reason, n, i;

	if ((where & SSL_CB_ACCEPT_EXIT) == 0 || ret > 0)
		return;
	e = ERR_peek_last_error();
	reason = ERR_GET_REASON(e);
	if (ERR_GET_LIB(e) != ERR_LIB_SSL ||
	    (reason != SSL_R_HTTP_REQUEST &&
	        reason != SSL_R_HTTPS_PROXY_REQUEST &&
	        reason != SSL_R_WRONG_VERSION_NUMBER))
		return;
	if ((fd = SSL_get_fd(ssl)) < 0)
		return;
	for (i = 0; i < 16; i++) { /* at most 64 KiB, never waiting */
		if (recv(fd, sink, sizeof sink, MSG_DONTWAIT) <= 0)
			break;
	}
	j = http_error_body("tls_required", NULL,
	    "this port speaks HTTPS only; use https://", NULL);
	body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (body == NULL) {
		shutdown(fd, SHUT_WR);
		return;
	}
	n = snprintf(head, sizeof head,
	    "HTTP/1.1 400 Bad Request\r\n"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n",
	    strlen(body));
	if (send(fd, head, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) == n)
		(void)send(fd, body, strlen(body), MSG_DONTWAIT | MSG_NOSIGNAL);
	free(body);
	shutdown(fd, SHUT_WR);
	log_info("event=tls_plain_http status=400");
}

struct bufferevent *
tls_bev_cb(struct event_base *base, void *arg)
{
	struct tls *t = arg;
	SSL *ssl = SSL_new(t->ctx);

	/* NULL would make evhttp fall back to plain text: never. */
	if (ssl == NULL)
		fatalx("event=tls_ssl_new_failed");
	SSL_set_info_callback(ssl, tls_info_cb);
	/* The bufferevent frees the SSL (and the socket) with itself. */
	return bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
}
