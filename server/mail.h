/*
 * Outgoing e-mail through an SMTP relay (libcurl's smtp:// or smtps://),
 * without blocking the event loop: transfers run in a curl multi handle
 * that a timer drives while any is in flight. A message that fails is
 * tried again twice (after 2 s and 10 s) before its callback hears of it.
 */
#ifndef PATROL_MAIL_H
#define PATROL_MAIL_H

struct event_base;
struct mailer;

/*
 * Called once per message: ok 1, or 0 with error (English, no personal
 * data; valid only during the call). Also called with ok 0 for messages
 * still queued when the mailer is freed.
 */
typedef void (*mail_cb)(int ok, const char *error, void *arg);

/* url "" means no relay: every message fails at once with that reason. */
struct mailer *mailer_new(struct event_base *, const char *url, int timeout_s);
void mailer_free(struct mailer *);
/*
 * Sends a text/plain UTF-8 message. The strings are copied. to and from
 * must be bare addresses (checked: no spaces, angle brackets or line
 * breaks); the subject and body are encoded here.
 */
void mailer_send(struct mailer *, const char *from, const char *to,
    const char *subject, const char *body, mail_cb, void *arg);

#endif
