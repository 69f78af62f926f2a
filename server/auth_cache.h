/*
 * What a token or session look-up found, kept per patrold (issue 19): the
 * look-up was a round trip and a statement on every authenticated call.
 *
 * Kept by the SHA-256 of the token or session id (never the secret
 * itself), only when the look-up found an active user, for at most
 * auth_cache_ttl_s seconds (and never past the session's expiry), at most
 * auth_cache_entries of them (the least recently used go first).
 *
 * Every change that can alter a verdict (a token revoked, a session ended,
 * a user disabled, renamed, given another role or crew, by anyone on any
 * instance) is NOTIFYed on STORE_AUTH_CHANNEL by schema/0340's triggers
 * with the user's id; each patrold then forgets that user's verdicts. A
 * reconnect of the pool's listening connection forgets everything (what
 * happened meanwhile is unknown); nothing is used while the listener is
 * down; a look-up that began before a change is not kept. A kept
 * verdict is used only after db_listen_sync (auth.c): every change
 * committed before the call arrived has then been heard, so the very next
 * call after a revocation is refused by every instance.
 */
#ifndef PATROL_AUTH_CACHE_H
#define PATROL_AUTH_CACHE_H

#include "db.h"
#include "role.h"

struct auth_cache;

/*
 * Listens on db; entries 0 keeps nothing (every call looks up). NULL with
 * *cause when it cannot listen.
 */
struct auth_cache *auth_cache_start(
    struct db *, int entries, int ttl_s, char **cause);
void auth_cache_stop(struct auth_cache *);

/*
 * 1 with *u when a verdict for this hash (a session's when session, else
 * a bearer token's) is kept, fresh, and nothing since can have changed
 * it; else 0.
 */
int auth_cache_get(struct auth_cache *, int session, const char hash_hex[65],
    struct auth_user *u);

/*
 * Taken before a look-up and given back to auth_cache_put with its
 * result: 0 means "do not keep" (the listener is down).
 */
unsigned long auth_cache_begin(struct auth_cache *);
/*
 * Keeps what the look-up begun at ticket found, for at most left_s
 * seconds (a session's remaining life; < 0: no limit of its own), unless
 * a change was notified since ticket.
 */
void auth_cache_put(struct auth_cache *, unsigned long ticket, int session,
    const char hash_hex[65], const struct auth_user *u, double left_s);

#endif
