#include <stdlib.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "log.h"
#include "tls.h"
#include "xmalloc.h"

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
	SSL_CTX_set_options(t->ctx, SSL_OP_NO_RENEGOTIATION);
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

struct bufferevent *
tls_bev_cb(struct event_base *base, void *arg)
{
	struct tls *t = arg;
	SSL *ssl = SSL_new(t->ctx);

	/* NULL would make evhttp fall back to plain text: never. */
	if (ssl == NULL)
		fatalx("event=tls_ssl_new_failed");
	/* The bufferevent frees the SSL (and the socket) with itself. */
	return bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
}
