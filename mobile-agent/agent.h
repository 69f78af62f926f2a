/*
 * patrol-agent: the crews' handheld program. Offline first: every command
 * that records something writes it to the SQLite outbox (WAL,
 * synchronous=FULL) before it prints OK; sync sends the outbox in batches
 * that the server applies exactly once, however often the link breaks.
 *
 * One header for the program, prototypes grouped by the file that defines
 * them (tmux style).
 */
#ifndef PATROL_AGENT_H
#define PATROL_AGENT_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include <sqlite3.h>

#include "args.h"
#include "compiler.h"
#include "sync_v1.pb-c.h"
#include "track_codec.h"
#include "xmalloc.h"

#define AGENT_VERSION "0.2.0"

/* Exit codes: 0 done, 1 failed (try again later), 2 usage, 3 revoked. */
#define AGENT_EXIT_FAIL    1
#define AGENT_EXIT_USAGE   2
#define AGENT_EXIT_REVOKED 3

struct agent_command;

struct agent {
	char *dir;   /* state directory: agent.db, token, photos/ */
	sqlite3 *db; /* outbox and job list */
	int verbose;
	/*
	 * The command table, handed down by main() so that agent_usage reads
	 * it without the commands' depending on main.c.
	 */
	const struct agent_command *commands;
	size_t ncommands;
};

/* main.c: main() and the command table. */
struct agent_command {
	const char *name;
	int (*run)(struct agent *, int argc, char **argv);
	const char *usage; /* its arguments, the one place they are written */
	const char *help;  /* what it does, or "" */
};

/* agent.c: helpers every file uses */
/*
 * Allocation that never fails (it exits: out of memory, we are done) is the
 * server's, common/xmalloc.h, included above.
 */
void agent_log(struct agent *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
char *agent_path(struct agent *, const char *name);
/* Random hex id of 2*n characters (client ids, batch ids). */
void agent_random_id(char *out, size_t n);
int64_t agent_now_ms(void);
/*
 * The wait before the next try after failures in a row: base doubled per
 * failure up to max, with "equal jitter" (half for sure, half at random).
 */
int64_t agent_backoff_ms(int failures, int64_t base_ms, int64_t max_ms);
/*
 * Prints "usage: patrol-agent NAME ARGS" from the command table to stderr
 * and returns AGENT_EXIT_USAGE. name: the command, or the words a message
 * names it by ("status en-route"), whose first is the command.
 */
int agent_usage(const struct agent *, const char *name);
/*
 * Reads a command's options and positionals with args_parse
 * (common/args.h): how many positionals, or -1 after printing
 * "patrol-agent: CMD: what is wrong".
 */
int agent_args(const char *cmd, int argc, char **argv, struct args_opt *,
    const char **pos, int npos);
/*
 * Photos, answers or pieces of one step, at most: as many as an option may
 * be given on the command line, and the screen takes no more.
 */
#define AGENT_ARGS_MAX ARGS_MAX

/*
 * outbox.c: the SQLite database: opening it, its schema, the state
 * key-values and the outbox items. With store_*.c it is the agent's store:
 * no other file calls sqlite3_ or holds SQL (scripts/agent_sql_in_store.py).
 */
PATROL_MUSTCHECK int outbox_open(struct agent *, char **cause);
/* For a connection whose writes the server can give back (serve's sync
 * worker): commits without their own fsync (see outbox.c). */
PATROL_MUSTCHECK int outbox_relax(struct agent *, char **cause);
/* SQLite's version, for "version". */
const char *outbox_sqlite_version(void);
/* The last SQLite error in words (caller frees). */
char *outbox_errmsg(struct agent *);
void outbox_close(struct agent *);
PATROL_MUSTCHECK int outbox_begin(struct agent *, char **cause);
PATROL_MUSTCHECK int outbox_commit(struct agent *, char **cause);
void outbox_rollback(struct agent *);
/* Small key-value state: server, cursor, last_sync_ms, last_error... */
char *outbox_get(struct agent *, const char *key); /* caller frees */
long long outbox_get_int(struct agent *, const char *key, long long def);
PATROL_MUSTCHECK int outbox_set(
    struct agent *, const char *key, const char *value);
PATROL_MUSTCHECK int outbox_set_int(
    struct agent *, const char *key, long long value);
/*
 * Adds a recorded item (a packed protobuf of its kind) under a new client
 * id; seq orders the items as the crew recorded them. what (or NULL): the
 * step in words for the screen's history, e.g. "done:no_nest".
 */
PATROL_MUSTCHECK int outbox_add(struct agent *, const char *kind,
    const char *what, const char *client_id, long long request_id,
    const uint8_t *body, size_t len);
/* Items not yet acknowledged. */
long long outbox_pending(struct agent *);
/* "status": crew, server, outbox, last sync and error, refused items. */
PATROL_MUSTCHECK int outbox_report(struct agent *);
/* Deletes the callers of a job (personal data) once it is closed. */
PATROL_MUSTCHECK int outbox_forget_callers(
    struct agent *, long long request_id);
/* Revoked: the callers, jobs and token go; what the crew recorded stays. */
PATROL_MUSTCHECK int outbox_wipe_personal(struct agent *, char **cause);
#define AGENT_PHOTO_MAX (100 << 20) /* a photo, at most */

/*
 * A photo file scaled down when larger than the server asks for, hashed
 * (*sha) and kept durably as photos/SHA, nothing recorded yet: the slow
 * part of a photo (two fsyncs), which the screen does when the camera's
 * bytes arrive so that tapping done only commits.
 */
PATROL_MUSTCHECK int outbox_photo_keep(struct agent *, const char *file,
    char sha[65], const char **type, size_t *bytes, char **cause);
/*
 * A photo kept (outbox_photo_keep) and recorded with the step it goes
 * with: the job (0 for a finding) and the step in words ("done:no_nest").
 */
PATROL_MUSTCHECK int outbox_photo_add(struct agent *, const char *file,
    long long request_id, const char *what, char sha[65], char **cause);
/*
 * SHA-256 of f from its start, in hex (the name a photo is kept and sent
 * under), reading until len bytes are in or the file ends (len SIZE_MAX:
 * the whole file): the bytes read, or -1 on a read error.
 */
long long outbox_sha_file(FILE *f, size_t len, char sha[65]);
/* Removes the files in photos/ whose names start with one of the n tags. */
void outbox_photos_remove(struct agent *, const char *const *tags, size_t n);

/*
 * jobs.c: the crew's commands on jobs, findings and patrols. The
 * jobs_record_* functions (jobs_record.c, with jobs_rule.c: see
 * jobs_int.h) are what both the command line and the screen (screen.c)
 * call: each writes one outbox item durably or returns -1 with *cause
 * (caller frees) in words.
 */
struct jobs_rec {
	long long id; /* the job (request id) */
	const char *reason, *note, *outcome, *category, *address;
	int has_pos; /* lat, lon given; else the newest recent fix */
	double lat, lon;
	const char *const *photos; /* files, copied into the state dir */
	int nphotos;
	const char *const *answers; /* "CODE=VALUE" */
	int nanswers;
};
/* action: accept, reject, en_route, on_site, unable. */
PATROL_MUSTCHECK int jobs_record_step(
    struct agent *, const char *action, const struct jobs_rec *, char **cause);
PATROL_MUSTCHECK int jobs_record_done(
    struct agent *, const struct jobs_rec *, char **cause);
PATROL_MUSTCHECK int jobs_record_finding(
    struct agent *, const struct jobs_rec *, char **cause);
PATROL_MUSTCHECK int jobs_list(struct agent *, int argc, char **argv);
PATROL_MUSTCHECK int jobs_show(struct agent *, int argc, char **argv);
PATROL_MUSTCHECK int jobs_accept(struct agent *, int argc, char **argv);
PATROL_MUSTCHECK int jobs_reject(struct agent *, int argc, char **argv);
PATROL_MUSTCHECK int jobs_status(struct agent *, int argc, char **argv);
PATROL_MUSTCHECK int jobs_done(struct agent *, int argc, char **argv);
PATROL_MUSTCHECK int jobs_unable(struct agent *, int argc, char **argv);
PATROL_MUSTCHECK int jobs_finding(struct agent *, int argc, char **argv);
PATROL_MUSTCHECK int jobs_patrol(struct agent *, int argc, char **argv);
/* "wayback [--lat N --lon N]" lists; "wayback take PIECE" starts a patrol. */
PATROL_MUSTCHECK int jobs_wayback(struct agent *, int argc, char **argv);
/*
 * Records a patrol mark (start/stop) with the current session; a start
 * may name the patrol pieces chosen for it.
 */
PATROL_MUSTCHECK int jobs_patrol_mark(struct agent *, int start,
    const int64_t *pieces, size_t npieces, char **cause);

/*
 * sync.c: the protocol (over http.c), and the enroll and sync commands;
 * its parts are in sync_*.c (see sync_int.h).
 */
PATROL_MUSTCHECK int sync_enroll_main(struct agent *, int argc, char **argv);
PATROL_MUSTCHECK int sync_main(struct agent *, int argc, char **argv);
PATROL_MUSTCHECK int sync_enroll(struct agent *, const char *server,
    const char *code, const char *ca, const char *label);
/*
 * Sends everything pending (several batches if need be), applies the
 * replies, uploads photos. 0 when all went through, AGENT_EXIT_REVOKED
 * after a 401 (personal data wiped), else AGENT_EXIT_FAIL with
 * last_error set.
 */
PATROL_MUSTCHECK int sync_run(struct agent *);
/*
 * Prints the server's suggestions for the way back to the office (from
 * lat, lon when has_from, else from the crew's last fix on the server).
 */
PATROL_MUSTCHECK int sync_wayback(
    struct agent *, int has_from, double lat, double lon);
/*
 * The same suggestions as JSON text ({"within_m", "pieces": [...]}, the
 * server's answer) in *json (caller frees): 0, else an exit code with
 * *cause.
 */
PATROL_MUSTCHECK int sync_wayback_fetch(struct agent *, int has_from,
    double lat, double lon, char **json, char **cause);

/*
 * http.c: the HTTP client sync and tiles use: libevent's evhttp, over TCP
 * or bufferevent_openssl; one blocking exchange per connection.
 * headers: extra "Name: value\r\n" lines.
 */
struct http_req {
	const char *server; /* http(s)://host[:port][/base] */
	const char *path;
	const char *method;
	const char *headers;
	const uint8_t *body; /* sent as it is, not copied */
	size_t len;
	const char *ca; /* CA file, or NULL for the system's */
	long timeout_s; /* the whole exchange, connecting included */
	size_t max_body;
};
struct http_resp {
	long status;
	uint8_t *body; /* NUL-terminated */
	size_t len;
	long long offset; /* Upload-Offset, -1 when absent */
	int complete;     /* Upload-Complete: 1 */
};
/*
 * One exchange: 0 with r->status for any answer (even 5xx); -1 with
 * *cause when there was none (no route, reset, timeout, bad TLS, an
 * answer over max_body or not HTTP).
 */
PATROL_MUSTCHECK int http_exchange(
    const struct http_req *, struct http_resp *, char **cause);
void http_resp_free(struct http_resp *);

/*
 * store_*.c: the SQL of the agent's tables, one file per table group, with
 * typed rows. Functions return 0 (or a count, or 1 for a row found) and
 * -1 on a database error (outbox_errmsg says which). A row's strings
 * belong to the store and live only until the callback returns; a
 * callback returns 0 to go on, else the reading stops.
 */
/* store_fixes.c: the fixes table (GPS fixes not yet in a track piece) */
struct store_fix_row {
	int64_t t_ms;
	int32_t lat_e6, lon_e6;
	const char *session; /* the patrol's, or NULL */
};
/* Keeps a fix (one already kept at that time stays). */
PATROL_MUSTCHECK int store_fixes_add(
    struct agent *, const struct store_fix_row *);
/* The newest fix: 1 with *row (no session), 0 when there is none. */
PATROL_MUSTCHECK int store_fixes_newest(struct agent *, struct store_fix_row *);
/* The oldest fixes, at most max, in time order. */
PATROL_MUSTCHECK int store_fixes_oldest(struct agent *, int max,
    int (*cb)(const struct store_fix_row *, void *), void *arg);
PATROL_MUSTCHECK int store_fixes_delete(
    struct agent *, int64_t from_ms, int64_t to_ms);

/* store_jobs.c: the jobs table (with the day plan) and job_callers */
/* No server state: a job this crew gave back, closed here until synced. */
#define AGENT_STATE_GIVEN_BACK "rejected"
struct store_plan_row {
	long long request_id;
	int position;
	int has_from, has_to;
	int64_t from_ms, to_ms; /* the expected arrival window */
};
/* The plan's positions replace every job's (in the caller's transaction). */
/* A job as the last sync brought it; a NULL string is a column not set. */
struct store_job_row {
	long long id;
	const char *state, *category;
	const char *category_name, *category_name_en; /* Japanese, English */
	int priority;                                 /* 0 when not set */
	int has_pos;                                  /* lat and lon set */
	double lat, lon;
	const char *address, *description, *due;
	const char *answers;  /* JSON object text */
	const char *outcomes; /* "code\tname_ja\tname_en\n" lines */
	int has_plan_pos, has_from, has_to;
	long long plan_pos;
	int64_t from_ms, to_ms; /* the plan's expected arrival window */
	long long pending;      /* outbox items not acknowledged (planned) */
};
/* One job: 1 when found (cb called), 0 when not. */
PATROL_MUSTCHECK int store_jobs_get(struct agent *, long long id,
    int (*cb)(const struct store_job_row *, void *), void *arg);
/* Every job, open ones first, by priority (the command line's list). */
PATROL_MUSTCHECK int store_jobs_list(
    struct agent *, int (*cb)(const struct store_job_row *, void *), void *arg);
/*
 * Every job with its pending count, open ones first in the day plan's
 * order, then by priority and the time promised (the screen's list).
 */
PATROL_MUSTCHECK int store_jobs_planned(
    struct agent *, int (*cb)(const struct store_job_row *, void *), void *arg);
/* The job's local state after a step (in the caller's transaction). */
PATROL_MUSTCHECK int store_jobs_set_state(
    struct agent *, long long id, const char *state);
/* Who to contact about a job (personal data: shown, never logged). */
struct store_caller_row {
	const char *name, *phone; /* NULL when not given */
};
PATROL_MUSTCHECK int store_jobs_callers(struct agent *, long long id,
    int (*cb)(const struct store_caller_row *, void *), void *arg);
/* A job as a sync reply assigns it (the strings are the caller's). */
struct store_job_in {
	long long id;
	const char *category, *category_name, *category_name_en, *state;
	int has_pos;
	double lat, lon;
	const char *address, *description, *due, *outcomes, *answers;
	int priority;
	const struct store_caller_row *callers;
	size_t ncallers;
};
/* A job that is no longer the crew's, and the state it went to. */
struct store_job_gone {
	long long id;
	const char *state;
};
/*
 * A sync reply's jobs, in the caller's transaction: assigned ones are
 * added or updated with their callers (a step still in the outbox keeps
 * the job's local state; a closed job gets no callers); gone ones lose
 * their callers and take the state given unless a closing step waits.
 */
PATROL_MUSTCHECK int store_jobs_apply(struct agent *,
    const struct store_job_in *, size_t n, const struct store_job_gone *,
    size_t ngone);
/* Closed jobs older than a day with nothing pending are deleted. */
PATROL_MUSTCHECK int store_jobs_prune(struct agent *);
PATROL_MUSTCHECK int store_jobs_plan_replace(
    struct agent *, const struct store_plan_row *, size_t n);

/* store_outbox.c: reads of the outbox table */
struct store_outbox_row {
	const char *what;     /* the step in words, else the item's kind */
	long long request_id; /* 0 when none */
	int64_t created_ms;
	int acked; /* acked_ms set */
	int64_t acked_ms;
	const char *status, *message; /* the server's answer, or NULL */
	int has_ack_request_id;
	long long ack_request_id; /* the request a finding became */
};
/* The last ten items the server refused (conflict or rejected). */
PATROL_MUSTCHECK int store_outbox_refused(struct agent *,
    int (*cb)(const struct store_outbox_row *, void *), void *arg);
/* What was sent about job id in order; id 0: the last 30 patrols and
 * findings, newest first. */
PATROL_MUSTCHECK int store_outbox_history(struct agent *, long long id,
    int (*cb)(const struct store_outbox_row *, void *), void *arg);
/*
 * Marks up to max pending items not in a batch as batch_id's: how many,
 * or -1.
 */
PATROL_MUSTCHECK int store_outbox_batch_mark(
    struct agent *, const char *batch_id, int max);
/* An outbox item as it is sent: its kind and packed protobuf body. */
struct store_item_row {
	long long seq;
	const char *kind;
	const uint8_t *body;
	size_t len;
};
/* The batch's unacknowledged items in seq order. */
PATROL_MUSTCHECK int store_outbox_batch(struct agent *, const char *batch_id,
    int (*cb)(const struct store_item_row *, void *), void *arg);
/* Every pending item leaves its batch, and the batch id is forgotten. */
PATROL_MUSTCHECK int store_outbox_batch_reset(struct agent *);
/* The server's answer about one item. */
struct store_ack_row {
	const char *client_id, *status, *message;
	int has_request_id;
	long long request_id;
};
/*
 * Records the answers (the bodies go: the server has them); the batch's
 * items not answered leave it for a later one.
 */
PATROL_MUSTCHECK int store_outbox_ack(struct agent *, const char *batch_id,
    const struct store_ack_row *, size_t n);
/* Acknowledged items older than a week are deleted. */
PATROL_MUSTCHECK int store_outbox_prune(struct agent *);

/* store_photos.c: the photos table */
/* Photos neither uploaded nor given up on. */
long long store_photos_pending(struct agent *);
struct store_photo_row {
	const char *sha256;
	long long bytes;
	const char *content_type;
	const char *failed;   /* why it was given up on, or NULL */
	long long request_id; /* the job it went with, 0 for none */
	const char *what;     /* its step in words ("done:no_nest"), or NULL */
};
/* Up to 200 photos not uploaded nor given up on, to announce. */
PATROL_MUSTCHECK int store_photos_unsent(struct agent *,
    int (*cb)(const struct store_photo_row *, void *), void *arg);
/* Announced photos the server wants, not uploaded nor given up on. */
PATROL_MUSTCHECK int store_photos_to_upload(struct agent *,
    int (*cb)(const struct store_photo_row *, void *), void *arg);
/* Photos the server holds. */
PATROL_MUSTCHECK int store_photos_uploaded(struct agent *,
    int (*cb)(const struct store_photo_row *, void *), void *arg);
PATROL_MUSTCHECK int store_photos_delete_uploaded(struct agent *);
/* The n photos announced; uploaded[i]: the server has sha[i] already. */
PATROL_MUSTCHECK int store_photos_announce(
    struct agent *, const char *const *sha, const int *uploaded, size_t n);
/*
 * Photos given up on (the server refused them for good): job id's in the
 * order taken, or with id 0 the last ten of all, newest first.
 */
PATROL_MUSTCHECK int store_photos_given_up(struct agent *, long long id,
    int (*cb)(const struct store_photo_row *, void *), void *arg);
/* How many photos were given up on. */
long long store_photos_given_up_count(struct agent *);
/* Uploaded (failed NULL) or given up on with the reason failed. */
PATROL_MUSTCHECK int store_photos_mark(
    struct agent *, const char *sha, const char *failed);

/* store_places.c: the places table */
struct store_place_row {
	const char *name;
	double lat, lon;
	int block; /* a block (番, 番地), else a town */
};
/* rows replace every place (in the caller's transaction). */
PATROL_MUSTCHECK int store_places_replace(
    struct agent *, const struct store_place_row *, size_t n);
/* The nearest block within ~100 m, else town within ~5 km (caller frees). */
char *store_places_near(struct agent *, double lat, double lon);

/* plan.c: the crew's day plan, kept in jobs.plan_pos (in sync's
 * transaction) */
PATROL_MUSTCHECK int plan_apply(
    struct agent *, const Patrol__Sync__V1__SyncResponse *);

/* place.c: towns and blocks around the office, for naming a place
 * offline */
PATROL_MUSTCHECK int place_apply(
    struct agent *, const Patrol__Sync__V1__SyncResponse *);
/* The nearest place's name (caller frees), or NULL. */
char *place_near(struct agent *, double lat, double lon);

/* tiles.c: map tiles cached on the device (DIR/tiles/Z/X/Y.png) */
PATROL_MUSTCHECK int tiles_main(struct agent *, int argc, char **argv);
/* Whether any tiles were fetched (the screen draws them, else a notice). */
int tiles_any(struct agent *);

/* run.c: the daemon: GPS track and periodic sync with back-off */
PATROL_MUSTCHECK int run_main(struct agent *, int argc, char **argv);

/* track.c: recording GPS fixes and cutting them into pieces */
struct gps_fix {
	int64_t t_ms;
	double lat, lon;
};
/* Stores a fix if track_interval_s has passed since the last one kept. */
PATROL_MUSTCHECK int track_record(struct agent *, const struct gps_fix *);
/* 1 when a fix at t_ms is due for keeping, the last kept at last_ms. */
int track_due(struct agent *, int64_t last_ms, int64_t t_ms);
/* Keeps n fixes of one patrol (session, NULL for none) in one commit:
 * 0, else -1 with *cause (caller frees). */
PATROL_MUSTCHECK int track_keep(struct agent *, const struct gps_fix *,
    size_t n, const char *session, char **cause);
/* Latest fix recorded, if younger than max_age_ms. */
PATROL_MUSTCHECK int track_last(
    struct agent *, int64_t max_age_ms, struct gps_fix *);
/* Moves recorded fixes into outbox items (TrackPiece), in pieces. */
PATROL_MUSTCHECK int track_flush(struct agent *, char **cause);
/*
 * A daemon's last flush (run, serve) of the fixes into the outbox, which
 * survives, in its own commit; a failure, said on stderr, leaves them for
 * the next start.
 */
void track_flush_last(struct agent *);

/*
 * gps.c: positions from gpsd (through libgps) or an NMEA 0183 log.
 */
struct gps_src;
struct gps_src *gps_src_open_gpsd(
    const char *host, const char *port, char **cause);
/* speed: 0 as fast as the file reads, 1 at the pace of its times. */
/* gpsd at "host" or "host:port" (port 2947 when not given). */
struct gps_src *gps_src_open_addr(const char *addr, char **cause);
struct gps_src *gps_src_open_nmea(const char *path, double speed, char **cause);
/*
 * Waits up to timeout_ms for the next fix: 1 with *fix, 0 on timeout, -1
 * at the end of an NMEA file or when gpsd went away (*cause).
 */
PATROL_MUSTCHECK int gps_src_next(
    struct gps_src *, int timeout_ms, struct gps_fix *, char **cause);
void gps_src_close(struct gps_src *);
/* gpsd's socket, to wait on in an event loop; -1 for an NMEA log. */
int gps_src_fd(struct gps_src *);
/* nmea.c: one NMEA sentence (RMC) to a fix: 1 when it holds a valid fix. */
int gps_nmea_parse(const char *line, struct gps_fix *);

/*
 * serve*.c (private parts: serve_int.h): "patrol-agent serve": one
 * libevent loop that records the GPS track, syncs with back-off (in a worker
 * thread with its own database connection: sync.c's HTTP exchanges block) and
 * serves the screen on loopback only, to a browser holding the per-start token.
 */
struct serve;
PATROL_MUSTCHECK int serve_main(struct agent *, int argc, char **argv);
/* What the loop knows and the database does not. */
struct serve_live {
	int syncing;          /* a sync is running now */
	int failures;         /* failed syncs in a row */
	int revoked;          /* the server said 401: stopped */
	int64_t next_sync_ms; /* wall clock of the next try, 0 unknown */
	int has_fix;
	struct gps_fix fix; /* the newest fix received */
	const char *gps;    /* the source in words: gpsd, NMEA file, none */
};
/*
 * What the screen asks of the loop that serves it: serve fills this in and
 * hands it to screen_api, so the screen calls the loop through it and calls
 * run one way (serve -> screen), as a library's callbacks do.
 */
struct screen_host {
	struct serve *serve;
	/* A sync now (after an action, or the crew's tap). */
	void (*sync_soon)(struct serve *, int with_wayback);
	void (*live_get)(struct serve *, struct serve_live *);
	/* The current (or last) patrol's kept fixes, for the screen's map. */
	const int32_t *(*track)(struct serve *, size_t *n); /* lat,lon e6 */
	void (*track_reset)(struct serve *);
	/* Keeps the fixes held for the next commit now (before a patrol's
	 * start or end). */
	void (*fixes_flush)(struct serve *);
};

/* screen*.c (screen_int.h): the screen's JSON API under /api/ (see ui/app.js)
 */
struct evhttp_request;
void screen_api(const struct screen_host *, struct agent *,
    struct evhttp_request *, const char *path);
/* Leftover photos of an unfinished form are removed at start. */
void screen_photos_clean(struct agent *);

/*
 * photo.c: the JPEG in (len bytes, read from its position) over limit
 * bytes scaled down by 1/2, 1/4 or 1/8 (the long edge kept at 1600 px or
 * more), EXIF copied, written to out as it is decoded: 1 when out holds
 * the smaller photo, 0 when it stays as it is (out holds nothing to
 * keep), -1 with *cause when it is not a JPEG libjpeg can read.
 */
PATROL_MUSTCHECK int photo_shrink(
    FILE *in, size_t len, size_t limit, FILE *out, char **cause);

/* ui_files.c (generated from ui/ by embed.cmake) */
struct ui_file {
	const char *path; /* "/app.js" */
	const char *type;
	const unsigned char *data;
	size_t len;
};
extern const struct ui_file ui_files[];

#endif
