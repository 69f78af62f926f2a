/*
 * Hand-overs (issue 16): POST /api/v1/requests/{id}/handover sends the
 * case ahead to a directory entry by e-mail with a receipt link; the
 * request waits in handing_over until the link is used (no log-in), then
 * closes as handed over. The link is a signed, expiring token
 * (handover_token.c) whose hash the database keeps and marks used once.
 *
 * Also the directory itself: GET /api/v1/directory for staff, POST and
 * DELETE for admins (patrolctl directory does the same).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <sodium.h>

#include "api.h"
#include "api_routes.h"
#include "app.h"
#include "auth.h"
#include "config.h"
#include "handover_token.h"
#include "http.h"
#include "field_limits.h"
#include "lifecycle.h"
#include "log.h"
#include "mail.h"
#include "photos.h"
#include "store_handover.h"
#include "store_result.h"
#include "utf8.h"
#include "xmalloc.h"

/* The app comes with each request (http_req_owner) or send (s->app). */
static struct {
	struct mailer *mailer;
	unsigned char key[HANDOVER_KEY_LEN];
	int have_key;
} ho;

/* ---- The receipt key, loaded once from the database ------------------ */

struct ho_keywait {
	struct http_req *req;
	void (*then)(struct http_req *, void *);
	void (*give_up)(void *); /* frees arg after an error reply */
	void *arg;
};

static void
ho_key_cb(struct db_result *r, void *arg)
{
	struct ho_keywait *w = arg;
	const char *hex = store_result_text(r->res);
	size_t len;

	if (r->status == DB_OK && hex != NULL &&
	    sodium_hex2bin(ho.key, sizeof ho.key, hex, strlen(hex), NULL, &len,
	        NULL) == 0 &&
	    len == sizeof ho.key)
		ho.have_key = 1;
	if (ho.have_key)
		w->then(w->req, w->arg);
	else {
		if (r->status != DB_OK)
			api_db_error(w->req, r, "handover.key");
		else
			api_error(
			    w->req, 500, "internal", NULL, "no receipt key");
		w->give_up(w->arg);
	}
	http_req_unref(w->req);
	free(w);
}

/*
 * Runs then(req, arg) once the key is known (maybe at once); if it cannot
 * be had, answers the error and calls give_up(arg).
 */
static void
ho_with_key(struct http_req *req, void (*then)(struct http_req *, void *),
    void (*give_up)(void *), void *arg)
{
	struct app *app = http_req_owner(req);
	struct ho_keywait *w;
	unsigned char k[HANDOVER_KEY_LEN];
	char hex[2 * HANDOVER_KEY_LEN + 1];

	if (ho.have_key) {
		then(req, arg);
		return;
	}
	crypto_auth_keygen(k);
	sodium_bin2hex(hex, sizeof hex, k, sizeof k);
	sodium_memzero(k, sizeof k);
	w = xcalloc(1, sizeof *w);
	w->req = req;
	w->then = then;
	w->give_up = give_up;
	w->arg = arg;
	http_req_ref(req);
	store_secret_get(app->db, "handover_receipt", hex, ho_key_cb, w);
	sodium_memzero(hex, sizeof hex);
}

/* The address receipt links start with: public_url, else where we listen. */
static char *
ho_base_url(const struct app *app)
{
	const struct config *c = app->cfg;
	size_t n = strlen(c->public_url);

	if (n > 0)
		return xasprintf("%.*s",
		    (int)(c->public_url[n - 1] == '/' ? n - 1 : n),
		    c->public_url);
	return xasprintf("%s://%s:%d", app->tls != NULL ? "https" : "http",
	    c->listen_address, http_port(app->http));
}

/* ---- POST /api/v1/requests/{id}/handover ------------------------------ */

struct ho_send {
	struct app *app; /* the mail outlives the request */
	struct http_req *req;
	struct auth_user user;
	long long id, recipient_id;
	char *note;
	json_t *prep; /* store_handover_prepare's row */
	char token[HANDOVER_TOKEN_LEN + 1];
	long long handover_id;
	char *to, *subject, *body;
};

static void
ho_send_free(struct ho_send *s)
{
	if (s->req != NULL)
		http_req_unref(s->req);
	json_decref(s->prep);
	sodium_memzero(s->token, sizeof s->token);
	free(s->note);
	free(s->to);
	free(s->subject);
	if (s->body != NULL) {
		sodium_memzero(s->body, strlen(s->body));
		free(s->body);
	}
	free(s);
}

static const char *
ho_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* The e-mail: what was said, where, photos as links, the receipt link. */
static void
ho_compose(struct ho_send *s, json_t *started)
{
	json_t *p = s->prep, *h = json_object_get(started, "handover"), *v;
	struct evbuffer *b = evbuffer_new();
	char *base = ho_base_url(s->app), *link;
	double lat = json_real_value(json_object_get(p, "lat")),
	       lon = json_real_value(json_object_get(p, "lon"));
	size_t i, len;

	link = xasprintf("%s/handover/%s", base, s->token);
	s->to = xstrdup(ho_str(h, "email"));
	s->subject = xasprintf("【引継ぎ依頼】#%lld %s / Hand-over #%lld",
	    s->id, ho_str(p, "category_ja"), s->id);
	evbuffer_add_printf(b, "%s 御中\n\n", ho_str(h, "to"));
	evbuffer_add_printf(b,
	    "次の案件を引き継ぎます。内容をご確認のうえ、下のリンクから受領を"
	    "確認してください（ログインは不要です）。\n\n受領確認: %s\n"
	    "リンクの期限: %s。%s "
	    "までに受領の確認がない場合、案件はこちらの受付に"
	    "戻ります。\n\n",
	    link, ho_str(h, "expires_local"), ho_str(h, "return_local"));
	evbuffer_add_printf(
	    b, "案件番号: #%lld\n種別: %s\n", s->id, ho_str(p, "category_ja"));
	evbuffer_add_printf(
	    b, "場所: %s %s\n", ho_str(p, "address"), ho_str(p, "ward_name"));
	evbuffer_add_printf(b,
	    "地図: https://www.openstreetmap.org/?mlat=%.6f&mlon=%.6f#map=18/"
	    "%.6f/%.6f\n",
	    lat, lon, lat, lon);
	evbuffer_add_printf(b, "受付: %s\n", ho_str(p, "created_local"));
	if (*ho_str(p, "description") != '\0')
		evbuffer_add_printf(
		    b, "通報内容: %s\n", ho_str(p, "description"));
	json_array_foreach(json_object_get(p, "answers"), i, v)
	    evbuffer_add_printf(b, "%s: %s\n", ho_str(v, "q"), ho_str(v, "a"));
	json_array_foreach(json_object_get(p, "notes"), i, v)
	{
		if (json_is_string(v))
			evbuffer_add_printf(
			    b, "メモ: %s\n", json_string_value(v));
	}
	if (s->note != NULL && *s->note != '\0')
		evbuffer_add_printf(b, "引継ぎメモ: %s\n", s->note);
	json_array_foreach(json_object_get(p, "photos"), i, v)
	    evbuffer_add_printf(b, "写真 %zu: %s/photos/%s\n", i + 1, link,
	        json_string_value(v));
	evbuffer_add_printf(b, "送付者: %s\n\n", s->user.name);
	evbuffer_add_printf(b,
	    "---\nHand-over of request #%lld (%s) at %s. Please confirm "
	    "receipt (no log-in needed): %s\nThe link expires %s; without a "
	    "confirmation by %s the case returns to our queue.\n",
	    s->id, ho_str(p, "category_en"), ho_str(p, "address"), link,
	    ho_str(h, "expires_local"), ho_str(h, "return_local"));
	len = evbuffer_get_length(b);
	s->body = xmalloc(len + 1);
	evbuffer_remove(b, s->body, len);
	s->body[len] = '\0';
	evbuffer_free(b);
	free(link);
	free(base);
}

static void
ho_mail_done_cb(int ok, const char *error, void *arg)
{
	struct ho_send *s = arg;

	if (!ok)
		log_warnx("event=handover_mail_failed handover=%lld error=%s",
		    s->handover_id, log_q(error));
	else
		log_info("event=handover_mailed handover=%lld", s->handover_id);
	/* Stopping: the database pool may be gone with the mailer. */
	if (!s->app->stopping)
		store_handover_mailed(s->app->db, s->handover_id,
		    ok ? NULL : error, api_db_warn_cb,
		    "handover_mail_record_failed");
	ho_send_free(s);
}

static void
ho_started_cb(struct db_result *r, void *arg)
{
	struct ho_send *s = arg;
	json_t *j;

	if (r->status != DB_OK) {
		api_db_error(s->req, r, "handover.start");
		ho_send_free(s);
		return;
	}
	if ((j = api_result_json(r)) == NULL) {
		api_error(s->req, 409, "conflict", NULL,
		    "the request or the recipient was changed by someone "
		    "else first; reload it");
		ho_send_free(s);
		return;
	}
	s->handover_id = json_integer_value(
	    json_object_get(json_object_get(j, "handover"), "id"));
	ho_compose(s, j);
	json_object_set_new(j, "id", json_integer(s->id));
	json_object_set_new(j, "action", json_string("handover"));
	json_object_set_new(j, "mail", json_string("sending"));
	json_object_del(json_object_get(j, "handover"), "expires_local");
	json_object_del(json_object_get(j, "handover"), "return_local");
	api_reply(s->req, 200, j);
	http_req_unref(s->req);
	s->req = NULL;
	mailer_send(ho.mailer, s->app->cfg->smtp_from, s->to, s->subject,
	    s->body, ho_mail_done_cb, s);
}

static void
ho_prepared_cb(struct db_result *r, void *arg)
{
	struct ho_send *s = arg;
	struct store_handover h = {0};
	struct lc_verdict v;
	enum lc_state from;
	const char *state;
	char hash[65];
	time_t expires;

	s->prep = api_result_row(s->req, r, "handover.prepare", "request");
	if (s->prep == NULL)
		goto fail;
	if (json_is_null(json_object_get(s->prep, "recipient"))) {
		api_error(s->req, 422, "unknown_recipient", "recipient_id",
		    "no directory entry %lld (see GET /api/v1/directory)",
		    s->recipient_id);
		goto fail;
	}
	state = ho_str(s->prep, "state");
	if (lifecycle_state_parse(state, &from) != 0) {
		api_error(s->req, 500, "internal", NULL, "unknown state");
		goto fail;
	}
	if (lifecycle_check("handover", from, (int)s->user.role,
	        LC_F_RECIPIENT | (s->note != NULL ? LC_F_NOTE : 0), &v) != 0) {
		api_error_extra(s->req, v.http_status, v.code, v.field,
		    json_pack("{s:s}", "current_state", state), "%s",
		    v.message);
		goto fail;
	}
	expires =
	    time(NULL) + (time_t)s->app->cfg->handover_receipt_hours * 3600;
	handover_token_make(ho.key, expires, s->token, sizeof s->token);
	handover_token_hash(s->token, hash);
	h.request_id = s->id;
	h.version =
	    (int)json_integer_value(json_object_get(s->prep, "version"));
	h.crew_id = json_integer_value(json_object_get(s->prep, "crew_id"));
	h.actor = s->user.name;
	h.recipient_id = s->recipient_id;
	h.note = s->note;
	h.token_hash = hash;
	h.expires = (long long)expires;
	h.return_s = s->app->cfg->handover_return_s;
	store_handover_start(s->app->db, &h, ho_started_cb, s);
	return;
fail:
	ho_send_free(s);
}

static void
ho_send_give_up(void *arg)
{
	ho_send_free(arg);
}

static void
ho_send_keyed(struct http_req *req, void *arg)
{
	struct ho_send *s = arg;

	(void)req;
	store_handover_prepare(
	    s->app->db, s->id, s->recipient_id, ho_prepared_cb, s);
}

static const char *const ho_send_keys[] = {"recipient_id", "note", NULL};

static void
ho_send_post(struct http_req *req)
{
	const struct auth_user *user = auth_user_of(req);
	struct ho_send *s;
	const char *note;
	long long id, rid;
	json_t *body;

	if (api_path_id(req, 0, &id) != 0 || (body = api_body(req)) == NULL)
		return;
	if (api_only_keys(req, body, ho_send_keys) != 0 ||
	    api_id(req, body, "recipient_id", 1, &rid) != 0 ||
	    api_str(req, body, "note", 0, LIMIT_NOTE, &note) != 0) {
		json_decref(body);
		return;
	}
	s = xcalloc(1, sizeof *s);
	s->app = http_req_owner(req);
	s->req = req;
	http_req_ref(req);
	s->user = *user;
	s->id = id;
	s->recipient_id = rid;
	s->note = note != NULL ? xstrdup(note) : NULL;
	json_decref(body);
	/* The key wait holds its own reference; ours lasts until replied. */
	ho_with_key(req, ho_send_keyed, ho_send_give_up, s);
}

/* ---- The directory ---------------------------------------------------- */

static void
dir_reply_cb(struct db_result *r, void *arg)
{
	struct http_req *req = arg;

	if (r->status != DB_OK && strcmp(r->sqlstate, "23505") == 0)
		api_error(req, 409, "duplicate", "name",
		    "the directory already has an entry of that name");
	else if (r->status != DB_OK && strcmp(r->sqlstate, "23514") == 0)
		api_error(req, 422, "invalid_value", "email",
		    "email must be one plain address, e.g. kasen@example.jp");
	else
		api_reply_row(req, r, "directory entry");
	http_req_unref(req);
}

static void
dir_list(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	const char *all = http_req_query(req, "removed");

	http_req_ref(req);
	store_directory_list(
	    app->db, all != NULL && strcmp(all, "1") == 0, dir_reply_cb, req);
}

static const char *const dir_keys[] = {
    "name", "handles", "phone", "email", "hours", NULL};

static void
dir_add(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	struct store_directory_entry e = {0};
	json_t *body;

	if ((body = api_body(req)) == NULL)
		return;
	if (api_only_keys(req, body, dir_keys) != 0 ||
	    api_str(req, body, "name", 1, 200, &e.name) != 0 ||
	    api_str(req, body, "handles", 0, 1000, &e.handles) != 0 ||
	    api_str(req, body, "phone", 0, 40, &e.phone) != 0 ||
	    api_str(req, body, "email", 1, 200, &e.email) != 0 ||
	    api_str(req, body, "hours", 0, 200, &e.hours) != 0)
		goto out;
	http_req_ref(req);
	store_directory_add(app->db, &e, dir_reply_cb, req);
out:
	json_decref(body);
}

static void
dir_remove(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	long long id;

	if (api_path_id(req, 0, &id) != 0)
		return;
	http_req_ref(req);
	store_directory_remove(app->db, id, dir_reply_cb, req);
}

/* ---- The receipt page: /handover/{token} ------------------------------ */

/* A whole page: title and message in Japanese, then in English. */
static void
ho_page(struct http_req *req, int status, const char *title_ja,
    const char *title_en, json_t *h, const char *token, int form)
{
	struct evbuffer *b = evbuffer_new();
	json_t *v;
	size_t i;

	evbuffer_add_printf(b,
	    "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width\">"
	    "<title>%s / %s</title></head><body>\n<h1 id=\"receipt-title\">%s"
	    "</h1>\n<p lang=\"en\">%s</p>\n",
	    title_ja, title_en, title_ja, title_en);
	if (h != NULL) {
		evbuffer_add_printf(b,
		    "<dl id=\"receipt-case\"><dt>案件 / Case"
		    "</dt><dd>#%lld ",
		    (long long)json_integer_value(
		        json_object_get(h, "request_id")));
		http_html_escape(b, ho_str(h, "category_ja"), 0);
		evbuffer_add_printf(b, "</dd><dt>場所 / Place</dt><dd>");
		http_html_escape(b, ho_str(h, "address"), 0);
		evbuffer_add_printf(
		    b, "</dd><dt>内容 / What was said</dt><dd>");
		http_html_escape(b, ho_str(h, "description"), 0);
		if (*ho_str(h, "note") != '\0') {
			evbuffer_add_printf(
			    b, "</dd><dt>引継ぎメモ / Note</dt><dd>");
			http_html_escape(b, ho_str(h, "note"), 0);
		}
		evbuffer_add_printf(b, "</dd><dt>宛先 / To</dt><dd>");
		http_html_escape(b, ho_str(h, "to"), 0);
		if (json_is_string(json_object_get(h, "received_at"))) {
			evbuffer_add_printf(b,
			    "</dd><dt>受領 / Received</dt><dd "
			    "id=\"receipt-by\">");
			http_html_escape(b, ho_str(h, "received_local"), 0);
			evbuffer_add(b, " ", 1);
			http_html_escape(b, ho_str(h, "received_by"), 0);
		}
		evbuffer_add_printf(b, "</dd></dl>\n");
		json_array_foreach(json_object_get(h, "photos"), i, v)
		{
			if (token == NULL)
				break;
			evbuffer_add_printf(b,
			    "<p><a href=\"/handover/%s/photos/%s\">写真 / "
			    "Photo "
			    "%zu</a></p>\n",
			    token, ho_str(v, "sha256"), i + 1);
		}
	}
	if (form)
		evbuffer_add_printf(b,
		    "<form method=\"post\" id=\"receipt-form\">"
		    "<label>受領者のお名前 / Your name <input "
		    "name=\"received_by\" "
		    "required maxlength=\"200\"></label> <button "
		    "type=\"submit\">"
		    "受領を確認する / Confirm receipt</button></form>\n");
	evbuffer_add_printf(b, "</body></html>\n");
	http_req_set_header(req, "Cache-Control", "no-store");
	http_req_set_header(req, "Referrer-Policy", "no-referrer");
	http_reply(req, status, "text/html; charset=utf-8", b);
}

enum ho_step { HO_SHOW, HO_CONFIRM, HO_PHOTO };

struct ho_receipt {
	struct http_req *req;
	enum ho_step step;
	char token[HANDOVER_TOKEN_LEN + 1];
	char hash[65];
	char *received_by;
};

static void
ho_receipt_free(struct ho_receipt *x)
{
	http_req_unref(x->req);
	sodium_memzero(x->token, sizeof x->token);
	free(x->received_by);
	free(x);
}

static void
ho_received_cb(struct db_result *r, void *arg)
{
	struct ho_receipt *x = arg;
	json_t *j;

	if (r->status != DB_OK) {
		ho_page(x->req, 503, "ただいま記録できません",
		    "The receipt could not be recorded now; please try again",
		    NULL, NULL, 0);
	} else if ((j = api_result_json(r)) == NULL) {
		/* Someone else used it, or the timer returned it, meanwhile. */
		ho_page(x->req, 409,
		    "この引継ぎは受付済みか、取り下げられています",
		    "This hand-over was already confirmed or withdrawn", NULL,
		    NULL, 0);
	} else {
		log_info("event=handover_received request=%lld",
		    (long long)json_integer_value(
		        json_object_get(j, "request_id")));
		ho_page(x->req, 200,
		    "受領を記録しました。ありがとうございました",
		    "Receipt recorded. Thank you", NULL, NULL, 0);
		json_decref(j);
	}
	ho_receipt_free(x);
}

static void
ho_photo(struct ho_receipt *x, json_t *h)
{
	struct app *app = http_req_owner(x->req);
	const char *sha = http_req_param(x->req, 1);
	json_t *v;
	size_t i;
	char *path;

	json_array_foreach(json_object_get(h, "photos"), i, v)
	{
		if (strcmp(ho_str(v, "sha256"), sha) != 0)
			continue;
		path = photos_path(app->cfg->photo_dir, sha);
		if (path == NULL ||
		    http_reply_file(x->req, path, ho_str(v, "type"),
		        app->cfg->photo_max_bytes) != 0)
			http_reply_text(x->req, 404,
			    "text/plain; charset=utf-8",
			    "写真がありません / no such photo\n");
		free(path);
		return;
	}
	http_reply_text(x->req, 404, "text/plain; charset=utf-8",
	    "写真がありません / no such photo\n");
}

static void
ho_found_cb(struct db_result *r, void *arg)
{
	struct ho_receipt *x = arg;
	struct app *app = http_req_owner(x->req);
	json_t *h;

	if (r->status != DB_OK) {
		ho_page(x->req, 503, "ただいま表示できません",
		    "Not available now; please try again", NULL, NULL, 0);
		goto out;
	}
	if ((h = api_result_json(r)) == NULL) {
		ho_page(x->req, 404, "この受領確認リンクは見つかりません",
		    "No such receipt link", NULL, NULL, 0);
		goto out;
	}
	if (x->step == HO_PHOTO) {
		ho_photo(x, h);
	} else if (json_is_string(json_object_get(h, "received_at"))) {
		/* Used once already: a second use is refused. */
		ho_page(x->req, 409, "この引継ぎは既に受領済みです",
		    "This hand-over was already confirmed", h, NULL, 0);
	} else if (json_is_string(json_object_get(h, "returned_at")) ||
	    strcmp(ho_str(h, "state"), "handing_over") != 0) {
		ho_page(x->req, 410,
		    "この引継ぎは取り下げられました（受付に戻っています）",
		    "This hand-over was withdrawn: the case is back with the "
		    "sender",
		    NULL, NULL, 0);
	} else if (x->step == HO_CONFIRM) {
		json_decref(h);
		store_handover_receive(
		    app->db, x->hash, x->received_by, ho_received_cb, x);
		return;
	} else {
		ho_page(x->req, 200, "引継ぎの受領確認",
		    "Confirm receipt of a hand-over", h, x->token, 1);
	}
	json_decref(h);
out:
	ho_receipt_free(x);
}

static void
ho_receipt_give_up(void *arg)
{
	ho_receipt_free(arg);
}

static void
ho_receipt_keyed(struct http_req *req, void *arg)
{
	struct app *app = http_req_owner(req);
	struct ho_receipt *x = arg;
	const char *token = http_req_param(req, 0);
	enum handover_token_status st;
	time_t expires;

	st = handover_token_check(
	    ho.key, token, strlen(token), time(NULL), &expires);
	if (st != HANDOVER_TOKEN_OK) {
		log_info("event=handover_receipt_refused reason=%s",
		    log_q(handover_token_status_text(st)));
		if (st == HANDOVER_TOKEN_EXPIRED)
			ho_page(req, 410, "この受領確認リンクは期限切れです",
			    "This receipt link has expired", NULL, NULL, 0);
		else if (st == HANDOVER_TOKEN_FORGED)
			ho_page(req, 403,
			    "この受領確認リンクは正しくありません",
			    "This receipt link is not valid", NULL, NULL, 0);
		else
			ho_page(req, 404, "この受領確認リンクは見つかりません",
			    "No such receipt link", NULL, NULL, 0);
		ho_receipt_free(x);
		return;
	}
	snprintf(x->token, sizeof x->token, "%s", token);
	handover_token_hash(x->token, x->hash);
	store_handover_find(app->db, x->hash, ho_found_cb, x);
}

static void
ho_receipt_start(struct http_req *req, enum ho_step step)
{
	struct ho_receipt *x = xcalloc(1, sizeof *x);

	x->req = req;
	http_req_ref(req);
	x->step = step;
	if (step == HO_CONFIRM) {
		struct evkeyvalq q;
		const char *body = http_req_body(req, NULL), *name;

		TAILQ_INIT(&q);
		name = NULL;
		if (body != NULL && evhttp_parse_query_str(body, &q) == 0)
			name = evhttp_find_header(&q, "received_by");
		if (name != NULL) {
			while (*name == ' ')
				name++;
		}
		if (name == NULL || *name == '\0' || !utf8_valid(name) ||
		    utf8_len(name) > 200) {
			evhttp_clear_headers(&q);
			ho_page(req, 422,
			    "受領者のお名前を入れてください（200字まで）",
			    "Please give your name (up to 200 characters)",
			    NULL, NULL, 0);
			ho_receipt_free(x);
			return;
		}
		x->received_by = xstrdup(name);
		evhttp_clear_headers(&q);
	}
	ho_with_key(req, ho_receipt_keyed, ho_receipt_give_up, x);
}

static void
ho_receipt_get(struct http_req *req)
{
	ho_receipt_start(req, HO_SHOW);
}

static void
ho_receipt_post(struct http_req *req)
{
	ho_receipt_start(req, HO_CONFIRM);
}

static void
ho_receipt_photo(struct http_req *req)
{
	ho_receipt_start(req, HO_PHOTO);
}

const struct http_route api_handover_routes[] = {
    {"requests.handover", EVHTTP_REQ_POST | HTTP_ROUTE_ROLES(AUTH_STAFF),
        "/api/v1/requests/{}/handover", 16 * 1024, 0, ho_send_post, NULL},
    {"directory.list", EVHTTP_REQ_GET | HTTP_ROUTE_ROLES(AUTH_STAFF),
        "/api/v1/directory", 0, 0, dir_list, NULL},
    {"directory.add", EVHTTP_REQ_POST | HTTP_ROUTE_ROLES(AUTH_ADMIN),
        "/api/v1/directory", 8 * 1024, 0, dir_add, NULL},
    {"directory.remove", EVHTTP_REQ_DELETE | HTTP_ROUTE_ROLES(AUTH_ADMIN),
        "/api/v1/directory/{}", 0, 0, dir_remove, NULL},
    {"handover.receipt", EVHTTP_REQ_GET, "/handover/{}", 0, 0, ho_receipt_get,
        NULL},
    {"handover.confirm", EVHTTP_REQ_POST | HTTP_ROUTE_PUBLIC, "/handover/{}",
        4 * 1024, 0, ho_receipt_post, NULL},
    {"handover.photo", EVHTTP_REQ_GET, "/handover/{}/photos/{}", 0, 0,
        ho_receipt_photo, NULL},
    {0},
};

void
api_handover_start(struct app *a)
{
	ho.mailer = mailer_new(a->base, a->cfg->smtp_url, 30);
}

void
api_handover_unregister(void)
{
	mailer_free(ho.mailer);
	ho.mailer = NULL;
	sodium_memzero(ho.key, sizeof ho.key);
	ho.have_key = 0;
}
