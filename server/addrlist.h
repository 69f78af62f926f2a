/*
 * Lists of client addresses and networks ("127.0.0.1, 10.0.0.0/8, ::1"),
 * for the trusted reverse proxies (trusted_proxies) and the addresses
 * allowed to read /metrics (metrics_allow). Pure: no I/O, no libevent.
 */
#ifndef PATROL_ADDRLIST_H
#define PATROL_ADDRLIST_H

#include <stddef.h>

struct addrlist;

/*
 * Parses a comma- or space-separated list of IPv4/IPv6 addresses, each
 * optionally with "/prefix". An empty or NULL text gives an empty list.
 * NULL with *cause (caller frees) naming the bad entry.
 */
struct addrlist *addrlist_parse(const char *text, char **cause)
    __attribute__((warn_unused_result));
void addrlist_free(struct addrlist *);
/* Entries held (0: the list is empty). */
size_t addrlist_count(const struct addrlist *);
/* 1 when the textual address addr lies in the list. */
int addrlist_match(const struct addrlist *, const char *addr);
/*
 * The client's address: the peer, unless the peer is a trusted proxy; then
 * X-Forwarded-For (xff, may be NULL) is read from the right, skipping
 * trusted proxies, and the first other address is the client. A malformed
 * entry stops the walk at the last address vouched for. Written into out.
 */
void addrlist_client(const struct addrlist *trusted, const char *peer,
    const char *xff, char *out, size_t outlen);

#endif
