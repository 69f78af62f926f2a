/*
 * patrol-agent-tls.so: the agent's TLS client (module.h), loaded by
 * http.c only for an https:// server, so that a handheld syncing over
 * http never maps libssl and libcrypto. bufferevent_openssl over a new
 * socket; the peer verified against the system's CAs or a pinned CA file
 * (--ca), its name (SNI and SSL_set1_host) or address checked, TLS >= 1.2.
 * Only libc, libevent and OpenSSL are called here: every string returned
 * is malloc'ed for the agent to free.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "module.h"

/* The first OpenSSL error in words, with the verification result. */
static char *
tls_error(SSL *ssl, unsigned long e, const char *what)
{
	long v = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;
	char buf[256] = "";

	if (e == 0)
		e = ERR_get_error();
	if (e != 0)
		ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	if (v != X509_V_OK)
		return module_printf("%s: server certificate not trusted: %s",
		    what, X509_verify_cert_error_string(v));
	return module_printf(
	    "%s: %s", what, buf[0] != '\0' ? buf : "TLS error");
}

/*
 * The system's CAs from the hashed directory (/etc/ssl/certs, or
 * $SSL_CERT_DIR): OpenSSL then reads the one CA that issued the server's
 * certificate when it checks it. SSL_CTX_set_default_verify_paths() would
 * also parse the whole bundle (Debian's cert.pem, some 150 certificates)
 * into memory at every exchange; it is used only when $SSL_CERT_FILE
 * names a bundle on purpose.
 */
static int
tls_system_cas(SSL_CTX *ctx)
{
	const char *dir = getenv(X509_get_default_cert_dir_env());

	if (getenv(X509_get_default_cert_file_env()) != NULL)
		return SSL_CTX_set_default_verify_paths(ctx);
	return SSL_CTX_load_verify_dir(
	    ctx, dir != NULL ? dir : X509_get_default_cert_dir());
}

/* A TLS client for host: peer and name verified, TLS >= 1.2. */
static SSL *
tls_ssl_new(const char *host, const char *ca, char **cause)
{
	SSL_CTX *ctx;
	SSL *ssl = NULL;
	X509_VERIFY_PARAM *vp;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		*cause = tls_error(NULL, 0, "cannot start TLS");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (ca != NULL && *ca != '\0'
	        ? SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1
	        : tls_system_cas(ctx) != 1) {
		*cause = tls_error(NULL, 0, "cannot read the CA certificates");
		goto out;
	}
	if ((ssl = SSL_new(ctx)) == NULL) {
		*cause = tls_error(NULL, 0, "cannot start TLS");
		goto out;
	}
	vp = SSL_get0_param(ssl);
	if (X509_VERIFY_PARAM_set1_ip_asc(vp, host) != 1) {
		/* A name, not an address: SNI and a name check. */
		SSL_set_tlsext_host_name(ssl, host);
		if (SSL_set1_host(ssl, host) != 1) {
			*cause = tls_error(NULL, 0, "cannot start TLS");
			SSL_free(ssl);
			ssl = NULL;
		}
	}
out:
	SSL_CTX_free(ctx); /* the SSL holds its own reference */
	return ssl;
}

static struct bufferevent *
tls_client_new(
    struct event_base *base, const char *host, const char *ca, char **cause)
{
	struct bufferevent *bev;
	SSL *ssl;

	if ((ssl = tls_ssl_new(host, ca, cause)) == NULL)
		return NULL;
	/* The bufferevent owns the SSL from here on. */
	bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_CONNECTING,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (bev == NULL) {
		SSL_free(ssl);
		*cause = module_printf("cannot open a connection");
		return NULL;
	}
	/* A close without close_notify: the body's length says whether
	 * anything is missing. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

static char *
tls_why(struct bufferevent *bev)
{
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	unsigned long e = 0;

	/* A verification failure, or an OpenSSL error (libevent keeps a
	 * socket's errno there too: lib 0, not a TLS matter). */
	if (ssl != NULL &&
	    (SSL_get_verify_result(ssl) != X509_V_OK ||
	        ((e = bufferevent_get_openssl_error(bev)) != 0 &&
	            ERR_GET_LIB(e) != 0)))
		return tls_error(ssl, e, "TLS handshake failed");
	return NULL;
}

static void
tls_clear(void)
{
	ERR_clear_error();
}

static const char *
tls_version(void)
{
	return OpenSSL_version(OPENSSL_VERSION);
}

__attribute__((visibility("default")))
const struct tls_module patrol_agent_tls = {
    MODULE_ABI, tls_client_new, tls_why, tls_clear, tls_version};
