/*
 * patrold's address index (addr.h), read from the database on first use
 * and again after every 'addresses_changed' notification. Handlers ask
 * for it with a callback; the index they get is valid until they return.
 */
#ifndef PATROL_GEOCODER_H
#define PATROL_GEOCODER_H

struct db;
struct addr_index;

/* idx is NULL when the towns could not be read (the error is logged). */
typedef void (*geocoder_cb)(const struct addr_index *idx, void *arg);

/* Subscribes to the channel; the first load waits for the first use. */
int geocoder_start(struct db *, char **cause);
void geocoder_stop(void);
/*
 * Calls cb at once when the index is current, else once it is loaded
 * from db (the caller's pool: the app the request came to).
 */
void geocoder_with_index(struct db *, geocoder_cb, void *arg);

#endif
