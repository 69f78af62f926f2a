#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <sodium.h>

#include "log.h"
#include "mail.h"
#include "xmalloc.h"

#define MAIL_TRIES 3

struct mail {
	struct mailer *m;
	struct mail *next;
	CURL *easy;
	struct curl_slist *rcpt;
	char *from, *to, *text;
	size_t len, off;
	int tries;
	struct event *retry;
	mail_cb cb;
	void *arg;
	char err[CURL_ERROR_SIZE];
};

struct mailer {
	struct event_base *base;
	char *url;
	int timeout_s;
	CURLM *multi;
	struct event *tick;
	struct mail *list; /* every message not yet reported */
};

static void mail_start(struct mail *);

static int
mail_address_ok(const char *a)
{
	const char *at = strchr(a, '@');

	if (at == NULL || at == a || at[1] == '\0' || strchr(at + 1, '@'))
		return 0;
	for (; *a != '\0'; a++) {
		if ((unsigned char)*a <= ' ' || strchr("<>,;\"\\()[]", *a))
			return 0;
	}
	return 1;
}

/* s as one line of standard base64 (caller frees). */
static char *
mail_base64(const char *s)
{
	size_t n = strlen(s),
	       cap =
	           sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *b = xmalloc(cap);

	sodium_bin2base64(b, cap, (const unsigned char *)s, n,
	    sodium_base64_VARIANT_ORIGINAL);
	return b;
}

/* RFC 2047: an encoded word per line-sized piece of UTF-8. */
static char *
mail_header_encode(const char *s)
{
	char *b = mail_base64(s), *out;

	out = xasprintf("=?UTF-8?B?%s?=", b);
	free(b);
	return out;
}

/* The body as base64 in 76-character lines. */
static char *
mail_body_encode(const char *s)
{
	char *b = mail_base64(s), *out, *p;
	size_t len, i;

	len = strlen(b);
	out = p = xmalloc(len + (len / 76 + 1) * 2 + 1);
	for (i = 0; i < len; i += 76) {
		size_t k = len - i < 76 ? len - i : 76;

		memcpy(p, b + i, k);
		p += k;
		*p++ = '\r';
		*p++ = '\n';
	}
	*p = '\0';
	free(b);
	return out;
}

static size_t
mail_read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct mail *x = arg;
	size_t n = size * nitems;

	if (n > x->len - x->off)
		n = x->len - x->off;
	memcpy(buf, x->text + x->off, n);
	x->off += n;
	return n;
}

static void
mail_unlink(struct mail *x)
{
	struct mail **p;

	for (p = &x->m->list; *p != NULL; p = &(*p)->next) {
		if (*p == x) {
			*p = x->next;
			break;
		}
	}
}

static void
mail_free(struct mail *x)
{
	if (x->easy != NULL) {
		curl_multi_remove_handle(x->m->multi, x->easy);
		curl_easy_cleanup(x->easy);
	}
	curl_slist_free_all(x->rcpt);
	if (x->retry != NULL)
		event_free(x->retry);
	free(x->from);
	free(x->to);
	free(x->text);
	free(x);
}

/* Reports and frees: the callback may send more mail. */
static void
mail_finish(struct mail *x, int ok, const char *error)
{
	char why[CURL_ERROR_SIZE + 32];
	mail_cb cb = x->cb;
	void *arg = x->arg;

	snprintf(why, sizeof why, "%s", error != NULL ? error : "");
	mail_unlink(x);
	mail_free(x);
	cb(ok, ok ? NULL : why, arg);
}

static void
mail_retry_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	mail_start(arg);
}

static void
mail_schedule_tick(struct mailer *m)
{
	struct timeval tv = {0, 20000};

	if (!evtimer_pending(m->tick, NULL))
		evtimer_add(m->tick, &tv);
}

static void
mail_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct mailer *m = arg;
	struct mail *x;
	CURLMsg *msg;
	int running, left;

	(void)fd;
	(void)ev;
	curl_multi_perform(m->multi, &running);
	while ((msg = curl_multi_info_read(m->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &x);
		if (msg->data.result == CURLE_OK) {
			log_info("event=mail_sent tries=%d", x->tries);
			mail_finish(x, 1, NULL);
		} else if (x->tries < MAIL_TRIES) {
			struct timeval tv = {x->tries == 1 ? 2 : 10, 0};

			log_warnx("event=mail_retry tries=%d error=%s",
			    x->tries,
			    log_q(x->err[0]
			            ? x->err
			            : curl_easy_strerror(msg->data.result)));
			curl_multi_remove_handle(m->multi, x->easy);
			curl_easy_cleanup(x->easy);
			x->easy = NULL;
			x->retry = evtimer_new(m->base, mail_retry_cb, x);
			evtimer_add(x->retry, &tv);
		} else {
			char why[CURL_ERROR_SIZE];

			snprintf(why, sizeof why, "%s",
			    x->err[0] ? x->err
			              : curl_easy_strerror(msg->data.result));
			log_warnx("event=mail_failed tries=%d error=%s",
			    x->tries, log_q(why));
			mail_finish(x, 0, why);
		}
	}
	if (running > 0)
		mail_schedule_tick(m);
}

static void
mail_start(struct mail *x)
{
	struct mailer *m = x->m;

	if (x->retry != NULL) {
		event_free(x->retry);
		x->retry = NULL;
	}
	x->tries++;
	x->off = 0;
	x->err[0] = '\0';
	if ((x->easy = curl_easy_init()) == NULL) {
		mail_finish(x, 0, "cannot make a transfer");
		return;
	}
	curl_easy_setopt(x->easy, CURLOPT_URL, m->url);
	curl_easy_setopt(x->easy, CURLOPT_MAIL_FROM, x->from);
	curl_easy_setopt(x->easy, CURLOPT_MAIL_RCPT, x->rcpt);
	curl_easy_setopt(x->easy, CURLOPT_READFUNCTION, mail_read_cb);
	curl_easy_setopt(x->easy, CURLOPT_READDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(x->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->len);
	curl_easy_setopt(x->easy, CURLOPT_TIMEOUT, (long)m->timeout_s);
	curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->err);
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
	/* Upgrade to TLS when the relay offers it (smtps:// always is). */
	curl_easy_setopt(x->easy, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	curl_multi_add_handle(m->multi, x->easy);
	mail_schedule_tick(m);
}

struct mailer *
mailer_new(struct event_base *base, const char *url, int timeout_s)
{
	struct mailer *m = xcalloc(1, sizeof *m);

	curl_global_init(CURL_GLOBAL_DEFAULT);
	m->base = base;
	m->url = xstrdup(url != NULL ? url : "");
	m->timeout_s = timeout_s > 0 ? timeout_s : 30;
	m->multi = curl_multi_init();
	m->tick = evtimer_new(base, mail_tick_cb, m);
	return m;
}

void
mailer_free(struct mailer *m)
{
	if (m == NULL)
		return;
	while (m->list != NULL)
		mail_finish(m->list, 0, "the server is stopping");
	event_free(m->tick);
	curl_multi_cleanup(m->multi);
	free(m->url);
	free(m);
	curl_global_cleanup();
}

void
mailer_send(struct mailer *m, const char *from, const char *to,
    const char *subject, const char *body, mail_cb cb, void *arg)
{
	struct mail *x;
	char *subj, *enc, date[64], id[33];
	unsigned char rnd[16];
	time_t now = time(NULL);
	struct tm tm;

	if (*m->url == '\0') {
		cb(0, "no SMTP relay is configured (smtp_url)", arg);
		return;
	}
	if (!mail_address_ok(from) || !mail_address_ok(to)) {
		cb(0, "not a plain e-mail address", arg);
		return;
	}
	x = xcalloc(1, sizeof *x);
	x->m = m;
	x->cb = cb;
	x->arg = arg;
	x->from = xasprintf("<%s>", from);
	x->to = xasprintf("<%s>", to);
	x->rcpt = curl_slist_append(NULL, x->to);
	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2hex(id, sizeof id, rnd, sizeof rnd);
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	subj = mail_header_encode(subject);
	enc = mail_body_encode(body);
	x->text = xasprintf("Date: %s\r\nFrom: %s\r\nTo: %s\r\n"
	                    "Message-ID: <%s@patrol>\r\nSubject: %s\r\n"
	                    "MIME-Version: 1.0\r\n"
	                    "Content-Type: text/plain; charset=UTF-8\r\n"
	                    "Content-Transfer-Encoding: base64\r\n\r\n%s",
	    date, x->from, x->to, id, subj, enc);
	x->len = strlen(x->text);
	free(subj);
	free(enc);
	x->next = m->list;
	m->list = x;
	mail_start(x);
}
