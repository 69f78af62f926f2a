/*
 * HTTPS for patrold (tls_cert and tls_key set): an OpenSSL context made
 * once at start-up, and a bufferevent per connection for evhttp. The
 * handhelds verify the server against their CA file (patrol-agent enroll
 * --ca); certificates are the operator's, never made here.
 */
#ifndef PATROL_TLS_H
#define PATROL_TLS_H

struct bufferevent;
struct event_base;
struct tls;

/* Loads the certificate chain and key. NULL with *cause. */
struct tls *tls_new(const char *cert_file, const char *key_file, char **cause);
void tls_free(struct tls *);
/* For http_set_bevcb: a TLS bufferevent accepting on a new connection. */
struct bufferevent *tls_bev_cb(struct event_base *, void *tls);

#endif
