/*
 * The agent's optional parts, loaded only when used (module.c): TLS for
 * an https:// server (tls.c: bufferevent_openssl, libssl, libcrypto) and
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
#define MODULE_ABI 1

struct bufferevent;
struct event_base;

struct tls_module {
	int abi;
	/*
	 * A bufferevent that connects with TLS >= 1.2 to host (its
	 * certificate verified against the CA file ca, or the system's CAs
	 * when ca is NULL or empty; its name or address checked); NULL and
	 * *cause in words when it cannot be made.
	 */
	struct bufferevent *(*client_new)(struct event_base *, const char *host,
	    const char *ca, char **cause);
	/* Why a failed exchange on bev failed, when it was a TLS matter (a
	 * certificate not trusted, a handshake refused); NULL otherwise. */
	char *(*why)(struct bufferevent *bev);
	/* Forgets the thread's TLS errors. */
	void (*clear)(void);
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
