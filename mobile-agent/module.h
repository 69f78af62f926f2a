/*
 * The agent's optional parts, loaded only when used (module.c): TLS for
 * an https:// server (tls.c: mbedTLS, a relay on the exchange's loop) and
 * gpsd (gpsd.c: libgps, which on Debian brings libstdc++, D-Bus and
 * libsystemd). A handheld syncing over http or replaying NMEA never maps
 * those libraries: they are most of the daemon's resident memory
 * (BENCHMARKS.md section 8). Each module is a shared object beside the
 * executable (patrol-agent-tls.so, patrol-agent-gpsd.so) exporting one
 * table; a module only calls libc and its own libraries, and every
 * string it returns is malloc'ed (the caller frees it).
 */
#ifndef PATROL_AGENT_MODULE_H
#define PATROL_AGENT_MODULE_H

#include <stdint.h>

/* Raised when a table changes shape: an old module is then refused. */
#define MODULE_ABI 2

struct bufferevent;
struct event_base;
struct tls_conn;

/*
 * A TLS relay for one exchange on base (tls.c: mbedTLS): it connects to
 * host:port with TLS >= 1.2, the server's certificate verified against
 * the CA file ca (the system's CAs when ca is NULL or empty) and its name
 * checked, and carries the bytes of one plain connection to it: the one
 * that client (a socket bufferevent of the caller's) makes to
 * 127.0.0.1:*relay_port, and no other.
 */
struct tls_module {
	int abi;
	/* The relay, listening; NULL and *cause in words when it cannot be
	 * made. */
	struct tls_conn *(*open)(struct event_base *,
	    struct bufferevent *client, const char *host, int port,
	    const char *ca, int *relay_port, char **cause);
	/* Why the relay failed (a certificate not trusted, a handshake
	 * refused, the server unreachable), in words; NULL when it did not. */
	char *(*why)(struct tls_conn *);
	/* Closes the relay and its connections (before base is freed). */
	void (*close)(struct tls_conn *);
	/* The TLS library's name and version. */
	const char *(*version)(void);
};

/* What gpsd sent that the agent keeps: a 2D/3D fix with its time. */
struct gpsd_fix {
	int64_t t_ms;
	double lat, lon;
};

struct gpsd_conn;

struct gpsd_module {
	int abi;
	struct gpsd_conn *(*open)(
	    const char *host, const char *port, char **cause);
	/* 1 with *fix for a new fix, 0 when none came within timeout_us,
	 * -1 with *cause when gpsd went away. */
	int (*next)(struct gpsd_conn *, int timeout_us, struct gpsd_fix *,
	    char **cause);
	int (*fd)(struct gpsd_conn *);
	void (*close)(struct gpsd_conn *);
};

/*
 * module.c: the module "name" (patrol-agent-NAME.so beside the executable)
 * and its table "symbol"; NULL with *cause in words when it is missing or
 * of another ABI. A module stays loaded until the process ends.
 */
const void *module_load(const char *name, const char *symbol, char **cause);
const struct tls_module *module_tls(char **cause);
const struct gpsd_module *module_gpsd(char **cause);

/* Inside a module: a malloc'ed formatted string (module_printf.c, linked
 * into each module; the agent itself uses xasprintf). */
char *module_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
