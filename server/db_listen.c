/*
 * LISTEN and the NOTIFY fan-out. The pool's last connection is its
 * listener: it runs no queries, LISTENs to every subscribed channel after
 * each (re)connect, and hands each notification to the channel's
 * subscribers.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/event.h>

#include "db_int.h"
#include "xmalloc.h"

void
db_listen_all(struct db_conn *c)
{
	struct db_sub *s;
	char *sql = xstrdup(""), *n;

	c->db->listen_dirty = 0;
	TAILQ_FOREACH(s, &c->db->subs, entry)
	{
		/* Channel names are checked to be [a-z0-9_]: safe as is. */
		n = xasprintf("%sLISTEN %s;", sql, s->channel);
		free(sql);
		sql = n;
	}
	if (*sql != '\0')
		db_conn_internal(c, sql);
	free(sql);
}

void
db_listen_notify(struct db *db, const char *channel, const char *payload)
{
	struct db_sub *s;

	/* Subscriptions are never removed while the pool runs. */
	TAILQ_FOREACH(s, &db->subs, entry)
	{
		if (channel == NULL || strcmp(s->channel, channel) == 0)
			s->cb(s->channel, payload, s->arg);
	}
}

int
db_listen(struct db *db, const char *channel, db_notify_cb cb, void *arg,
    char **cause)
{
	struct db_conn *l = &db->conns[db->nconns - 1];
	struct db_sub *s;
	const char *p;

	if (*channel == '\0' || strlen(channel) > 63) {
		*cause = xasprintf("channel name must be 1..63 characters");
		return -1;
	}
	for (p = channel; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		        *p == '_')) {
			*cause = xasprintf(
			    "channel '%s': only a-z, 0-9, _", channel);
			return -1;
		}
	}
	s = xcalloc(1, sizeof *s);
	s->channel = xstrdup(channel);
	s->cb = cb;
	s->arg = arg;
	TAILQ_INSERT_TAIL(&db->subs, s, entry);
	db->listen_dirty = 1;
	if (l->state == DB_CONN_IDLE)
		db_listen_all(l);
	else if (l->state == DB_CONN_DOWN && l->pg == NULL &&
	    !event_pending(l->ev_timer, EV_TIMEOUT, NULL))
		db_conn_start(l); /* first subscriber opens the listener */
	/* Busy or connecting: LISTENs once idle (listen_dirty). */
	return 0;
}

int
db_listening(const struct db *db)
{
	const struct db_conn *l = &db->conns[db->nconns - 1];

	/* Busy only with a barrier: its LISTENs are done. */
	return (l->state == DB_CONN_IDLE ||
	           (l->state == DB_CONN_BUSY && l->barrier)) &&
	    !db->listen_dirty;
}

/* Sends the barrier for those waiting, when the listener is free. */
static void
db_listen_kick(struct db *db)
{
	struct db_conn *l = &db->conns[db->nconns - 1];

	if (l->state != DB_CONN_IDLE || db->listen_dirty ||
	    !TAILQ_EMPTY(&db->sync_sent) || TAILQ_EMPTY(&db->sync_next))
		return;
	TAILQ_CONCAT(&db->sync_sent, &db->sync_next, entry);
	l->barrier = 1;
	db_conn_internal(l, ""); /* on failure, db_conn_fail answers them */
}

static void
db_listen_answer(struct db_syncs *list, int heard)
{
	struct db_syncs now = TAILQ_HEAD_INITIALIZER(now);
	struct db_sync *s;

	/* Taken off first: a callback may wait again. */
	TAILQ_CONCAT(&now, list, entry);
	while ((s = TAILQ_FIRST(&now)) != NULL) {
		struct db_scope saved = db_scope_now();

		TAILQ_REMOVE(&now, s, entry);
		/* In the waiter's scope: a read route's queries go on to the
		 * replica, as they would from a query's callback. */
		db_scope_set(&s->scope);
		s->cb(heard, s->arg);
		db_scope_set(&saved);
		free(s);
	}
}

int
db_listen_sync(struct db *db, db_sync_cb cb, void *arg)
{
	struct db_sync *s;

	if (db->freeing || !db_listening(db))
		return -1;
	s = xmalloc(sizeof *s);
	s->cb = cb;
	s->arg = arg;
	s->scope = db_scope_now();
	TAILQ_INSERT_TAIL(&db->sync_next, s, entry);
	db_listen_kick(db);
	return 0;
}

void
db_listen_done(struct db_conn *l, int barrier)
{
	PGnotify *n;

	if (barrier) {
		/* Sent before its answer, maybe parsed with it: hand over. */
		while (l->pg != NULL && (n = PQnotifies(l->pg)) != NULL) {
			db_listen_notify(l->db, n->relname, n->extra);
			PQfreemem(n);
		}
		db_listen_answer(&l->db->sync_sent, 1);
	}
	if (!l->db->freeing)
		db_listen_kick(l->db);
}

void
db_listen_lost(struct db *db)
{
	db_listen_answer(&db->sync_sent, 0);
	db_listen_answer(&db->sync_next, 0);
}

void
db_listen_free(struct db *db)
{
	struct db_sub *s;

	while ((s = TAILQ_FIRST(&db->subs)) != NULL) {
		TAILQ_REMOVE(&db->subs, s, entry);
		free(s->channel);
		free(s);
	}
}
