#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "xmalloc.h"

/*
 * The defaults are the installed layout (CMakeLists.txt sets them from the
 * install prefix); these fallbacks are the Debian package's.
 */
#ifndef PATROL_SCHEMA_DIR
#define PATROL_SCHEMA_DIR "/usr/share/patrol/schema"
#endif
#ifndef PATROL_DATA_DIR
#define PATROL_DATA_DIR "/usr/share/patrol/data"
#endif
#ifndef PATROL_CONSOLE_DIR
#define PATROL_CONSOLE_DIR "/usr/share/patrol/console"
#endif
#ifndef PATROL_VENDOR_DIR
#define PATROL_VENDOR_DIR "/usr/share/patrol/vendor"
#endif
#ifndef PATROL_OPENAPI_FILE
#define PATROL_OPENAPI_FILE "/usr/share/patrol/openapi.yaml"
#endif
#ifndef PATROL_CONFIG_FILE
#define PATROL_CONFIG_FILE "/etc/patrol/patrold.conf"
#endif
#ifndef PATROL_STATE_DIR
#define PATROL_STATE_DIR "/var/lib/patrol"
#endif

enum config_type { CONFIG_STRING, CONFIG_INT };

struct config_option {
	const char *name; /* file key; the flag is --name with '_' as '-' */
	const char *env;
	enum config_type type;
	size_t offset;
	const char *def;
	long min, max;
	const char *help;
};

#define OFF(f) offsetof(struct config, f)
/*
 * Most options: file key name (--name), environment PATROL_ENV, field name
 * of struct config.
 */
/* clang-format off */
#define OPT_INT(name, ENV, def, min, max, help) \
	{#name, "PATROL_" #ENV, CONFIG_INT, OFF(name), def, min, max, help}
#define OPT_STR(name, ENV, def, help) \
	{#name, "PATROL_" #ENV, CONFIG_STRING, OFF(name), def, 0, 0, help}
/* clang-format on */
static const struct config_option config_options[] = {
    {"config", "PATROL_CONFIG", CONFIG_STRING, OFF(config_file),
        PATROL_CONFIG_FILE, 0, 0,
        "configuration file (key = value lines); the default is read only "
        "if it exists, empty: none"},
    OPT_STR(
        listen_address, LISTEN_ADDRESS, "127.0.0.1", "address to listen on"),
    OPT_INT(port, PORT, "8080", 0, 65535,
        "TCP port to listen on (0: any free port)"),
    {"database_url", "DATABASE_URL", CONFIG_STRING, OFF(database_url), "", 0, 0,
        "libpq connection string or URI (empty: libpq defaults)"},
    OPT_STR(database_read_url, DATABASE_READ_URL, "",
        "a hot standby of database_url for the read-only routes (empty: none)"),
    OPT_INT(database_read_max_lag_ms, DATABASE_READ_MAX_LAG_MS, "5000", 0,
        3600000,
        "reads go to the primary while the standby is this far behind"),
    OPT_INT(db_pool_size, DB_POOL_SIZE, "4", 1, 64,
        "database connections in the pool"),
    OPT_INT(db_connect_timeout_ms, DB_CONNECT_TIMEOUT_MS, "3000", 100, 600000,
        "give up a database connection attempt after this long"),
    OPT_INT(db_statement_timeout_ms, DB_STATEMENT_TIMEOUT_MS, "5000", 100,
        3600000, "server-side statement_timeout for every query"),
    OPT_INT(db_queue_max, DB_QUEUE_MAX, "1000", 1, 1000000,
        "queries waiting for a connection, at most"),
    OPT_INT(db_queue_timeout_ms, DB_QUEUE_TIMEOUT_MS, "2000", 10, 600000,
        "fail a query (503) that waited this long for a connection"),
    /* issue 19: see auth_cache.h. */
    OPT_INT(auth_cache_entries, AUTH_CACHE_ENTRIES, "4096", 0, 1000000,
        "API tokens and log-in sessions whose look-up is kept (0: look "
        "each call up); a revocation reaches every instance by NOTIFY"),
    OPT_INT(auth_cache_ttl_s, AUTH_CACHE_TTL_S, "30", 1, 60,
        "a kept token or session is looked up again after this long"),
    OPT_INT(http_timeout_s, HTTP_TIMEOUT_S, "30", 1, 3600,
        "read/write timeout of HTTP connections, and request deadline"),
    OPT_INT(http_max_body, HTTP_MAX_BODY, "33554432", 1024, 1073741824,
        "largest request body accepted by any route, in bytes"),
    /* Hostile clients (issue 10): see http_gate.h. */
    OPT_INT(http_max_connections, HTTP_MAX_CONNECTIONS, "1024", 1, 100000,
        "open connections at most; more are answered 503 and closed"),
    OPT_INT(http_max_connections_per_address, HTTP_MAX_CONNECTIONS_PER_ADDRESS,
        "64", 1, 100000,
        "open connections from one client address at most (503)"),
    OPT_INT(http_header_timeout_s, HTTP_HEADER_TIMEOUT_S, "10", 1, 600,
        "a request head must arrive within this (else 408)"),
    OPT_INT(http_request_timeout_s, HTTP_REQUEST_TIMEOUT_S, "300", 1, 86400,
        "a whole request (head and body) must arrive within this (408)"),
    OPT_INT(http_body_min_rate, HTTP_BODY_MIN_RATE, "1024", 1, 100000000,
        "bytes/s a request body must average after 5 s (else 408)"),
    OPT_INT(http_spool_max_mb, HTTP_SPOOL_MAX_MB, "512", 1, 1048576,
        "MiB of large request bodies on disk at once (more: 503)"),
    OPT_STR(http_spool_dir, HTTP_SPOOL_DIR, "",
        "where bodies over 64 KiB are written as they arrive "
        "(empty: $TMPDIR or /var/tmp)"),
    OPT_INT(events_streams_per_user, EVENTS_STREAMS_PER_USER, "8", 1, 10000,
        "live feed streams one user may hold open (more: 429)"),
    OPT_INT(events_replay_max, EVENTS_REPLAY_MAX, "5000", 1, 10000000,
        "events a live feed stream replays at most; older: paged API"),
    OPT_INT(events_stall_timeout_s, EVENTS_STALL_TIMEOUT_S, "60", 1, 3600,
        "a live feed stream whose client reads nothing this long is closed"),
    OPT_INT(drain_timeout_s, DRAIN_TIMEOUT_S, "10", 0, 600,
        "on SIGTERM, wait this long for in-flight requests"),
    OPT_STR(crs, CRS, "EPSG:6677",
        "projected metric CRS for distances and coverage"),
    OPT_STR(service_area, SERVICE_AREA, "139.0,35.1,140.0,36.3",
        "accepted WGS84 box: lon_min,lat_min,lon_max,lat_max"),
    OPT_STR(timezone, TIMEZONE, "Asia/Tokyo",
        "local time zone: shifts, and dates in replies (+09:00)"),
    OPT_INT(dup_radius_m, DUP_RADIUS_M, "250", 1, 10000,
        "open requests of the same category this near are duplicates"),
    OPT_INT(dup_window_h, DUP_WINDOW_H, "72", 1, 8760,
        "...if created within this many hours"),
    OPT_INT(speed_kmh, SPEED_KMH, "20", 1, 200,
        "average crew driving speed for arrival estimates"),
    OPT_INT(detour_pct, DETOUR_PCT, "140", 100, 400,
        "road distance as a share of the straight line, in %"),
    OPT_INT(escalation_check_ms, ESCALATION_CHECK_MS, "15000", 100, 3600000,
        "how often unaccepted assignments are checked for escalation"),
    OPT_INT(timer_lease_ms, TIMER_LEASE_MS, "15000", 300, 3600000,
        "with several patrold on one database, each timer runs on one; "
        "another takes it over this long after that one stops"),
    OPT_INT(piece_m, PIECE_M, "100", 10, 1000,
        "patrol network pieces are cut to about this length"),
    OPT_INT(coverage_distance_m, COVERAGE_DISTANCE_M, "20", 1, 200,
        "a track this near a piece inspects it"),
    OPT_INT(coverage_share_pct, COVERAGE_SHARE_PCT, "80", 1, 100,
        "...along at least this share of the piece's length"),
    OPT_INT(coverage_speed_kmh, COVERAGE_SPEED_KMH, "30", 1, 200,
        "...at no more than this speed"),
    OPT_INT(coverage_gap_s, COVERAGE_GAP_S, "60", 1, 3600,
        "fixes further apart in time are not joined"),
    OPT_INT(coverage_gap_m, COVERAGE_GAP_M, "300", 1, 10000,
        "fixes further apart in distance are not joined"),
    OPT_INT(wayback_m, WAYBACK_M, "300", 10, 5000,
        "overdue pieces this near the way back to the office are suggested"),
    OPT_STR(log_level, LOG_LEVEL, "info", "debug, info, warn or error"),
    OPT_INT(log_repeat_window_s, LOG_REPEAT_WINDOW_S, "10", 0, 3600,
        "an identical log line is shown at most log_repeat_burst times in "
        "this many seconds, the rest counted (suppressed=N); 0: off"),
    OPT_INT(log_repeat_burst, LOG_REPEAT_BURST, "5", 1, 100000,
        "...this many times"),
    OPT_STR(data_dir, DATA_DIR, PATROL_DATA_DIR,
        "directory of shipped data (demo, wards)"),
    OPT_STR(schema_dir, SCHEMA_DIR, PATROL_SCHEMA_DIR,
        "directory of numbered SQL migrations"),
    OPT_STR(photo_dir, PHOTO_DIR, PATROL_STATE_DIR "/photos",
        "where photos are kept, each under its SHA-256 (made if missing)"),
    OPT_INT(photo_max_bytes, PHOTO_MAX_BYTES, "10485760", 1024, 104857600,
        "largest photo accepted, in bytes"),
    OPT_STR(console_dir, CONSOLE_DIR, PATROL_CONSOLE_DIR,
        "directory of the console's files"),
    OPT_STR(api_doc, API_DOC, PATROL_OPENAPI_FILE,
        "OpenAPI document of the JSON API"),
    /* The browser console (issue 6): map tiles, vendored scripts, log-in. */
    OPT_STR(vendor_dir, VENDOR_DIR, PATROL_VENDOR_DIR,
        "npm packages for the console (node_modules: leaflet)"),
    OPT_STR(tile_url, TILE_URL,
        "https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png",
        "XYZ map tile URL for the console (empty: no tiles)"),
    OPT_STR(tile_attribution, TILE_ATTRIBUTION, "地理院タイル",
        "credit shown under the tiles"),
    OPT_STR(tile_attribution_url, TILE_ATTRIBUTION_URL,
        "https://maps.gsi.go.jp/development/ichiran.html",
        "link of the tile credit"),
    OPT_INT(session_hours, SESSION_HOURS, "12", 1, 168,
        "console log-ins last this long"),
    OPT_INT(cookie_secure, COOKIE_SECURE, "0", 0, 1,
        "1: session cookie only over HTTPS (also when X-Forwarded-Proto "
        "is https)"),
    OPT_INT(login_free_failures, LOGIN_FREE_FAILURES, "3", 0, 10000,
        "failed log-ins per user name before each try has to wait "
        "(growing delays, never a lock-out)"),
    OPT_INT(login_free_failures_address, LOGIN_FREE_FAILURES_ADDRESS, "20", 0,
        100000, "...per client address"),
    OPT_INT(login_delay_first_s, LOGIN_DELAY_FIRST_S, "1", 1, 3600,
        "the first delay after the free failures; each further failure "
        "doubles it (429 with Retry-After meanwhile)"),
    OPT_INT(login_delay_max_s, LOGIN_DELAY_MAX_S, "60", 1, 86400,
        "the longest delay between log-in tries of a name or address"),
    OPT_INT(login_forget_s, LOGIN_FORGET_S, "900", 1, 86400,
        "failures of a name or address are forgotten this long after the "
        "last one"),
    OPT_STR(trusted_proxies, TRUSTED_PROXIES, "",
        "reverse proxies (addresses or networks, comma-separated) whose "
        "X-Forwarded-For names the client; others' is ignored"),
    OPT_STR(metrics_allow, METRICS_ALLOW, "",
        "only these client addresses or networks may read /metrics "
        "(empty: any)"),
    OPT_STR(metrics_token, METRICS_TOKEN, "",
        "/metrics needs \"Authorization: Bearer\" with this token (empty: "
        "none)"),
    /* The crews' handhelds (issue 4): settings sent with every sync. */
    OPT_INT(agent_track_interval_s, AGENT_TRACK_INTERVAL_S, "5", 1, 3600,
        "handhelds record a GPS fix this often"),
    OPT_INT(agent_sync_interval_s, AGENT_SYNC_INTERVAL_S, "30", 1, 3600,
        "handhelds sync this often while the link is up"),
    OPT_INT(agent_photo_resize_bytes, AGENT_PHOTO_RESIZE_BYTES, "2097152",
        65536, 104857600,
        "handhelds scale JPEG photos larger than this down before upload"),
    OPT_STR(tls_cert, TLS_CERT, "",
        "serve HTTPS with this PEM certificate chain (empty: plain HTTP)"),
    OPT_STR(tls_key, TLS_KEY, "", "...and this PEM private key"),
    OPT_INT(tls_hsts_max_age_s, TLS_HSTS_MAX_AGE_S, "31536000", 0, 315360000,
        "with HTTPS, replies carry Strict-Transport-Security: max-age= "
        "this (0: none)"),
    /* Open311 GeoReport v2 for residents' apps (issue 7). */
    OPT_STR(open311_jurisdiction, OPEN311_JURISDICTION, "",
        "Open311 jurisdiction_id; when set, any other given is 404"),
    OPT_STR(open311_locale, OPEN311_LOCALE, "ja",
        "Open311 language without a locale parameter: ja or en"),
    OPT_STR(open311_contact, OPEN311_CONTACT, "",
        "contact shown in Open311 discovery (e.g. the office's phone)"),
    /* Retention (issue 18): the daily purge (retention_purge in SQL). */
    OPT_INT(retention_caller_days, RETENTION_CALLER_DAYS, "180", 1, 36500,
        "callers' personal data is emptied this many days after the "
        "request closed"),
    OPT_INT(retention_fix_months, RETENTION_FIX_MONTHS, "13", 1, 1200,
        "GPS fixes are kept this many months (whole monthly partitions)"),
    OPT_INT(retention_batch_days, RETENTION_BATCH_DAYS, "30", 1, 36500,
        "finished sync batches (retry answers) are kept this many days"),
    OPT_INT(retention_upload_hours, RETENTION_UPLOAD_HOURS, "168", 1, 87600,
        "announced photos not uploaded within this many hours are "
        "dropped"),
    OPT_INT(metrics_coverage_s, METRICS_COVERAGE_S, "600", 1, 86400,
        "recompute the week's coverage share for /metrics this often"),
    /* Acting before people ask (issue 17). */
    OPT_INT(recurring_radius_m, RECURRING_RADIUS_M, "30", 5, 500,
        "requests of a category this near each other form one site"),
    OPT_INT(outlook_per_crew_day, OUTLOOK_PER_CREW_DAY, "6", 1, 100,
        "jobs a crew does in a day when the history cannot tell"),
    OPT_INT(personal_retention_days, PERSONAL_RETENTION_DAYS, "1095", 1, 36500,
        "callers older than this are never listed for notices"),
    OPT_STR(consent_text, CONSENT_TEXT,
        "同じ件について、次の季節以降に区役所から案内を受け取ることに同意します"
        "。/ I agree that the ward office may contact me about the same "
        "matter in future seasons.",
        "the consent read out at intake and recorded with it"),
    /* The dispatcher's workflow (issue 16): call-backs and hand-overs. */
    OPT_INT(callback_outcome_minutes, CALLBACK_OUTCOME_MINUTES, "120", 0, 10080,
        "the caller is told the outcome within this long after closing"),
    OPT_INT(callback_retry_minutes, CALLBACK_RETRY_MINUTES, "30", 1, 1440,
        "a call-back nobody answered is proposed again after this long"),
    OPT_INT(idempotency_ttl_s, IDEMPOTENCY_TTL_S, "86400", 60, 2592000,
        "a retry of POST requests with the same Idempotency-Key gets the "
        "first answer for this long (seconds)"),
    OPT_STR(smtp_url, SMTP_URL, "",
        "SMTP relay for hand-over e-mail, e.g. smtp://relay.example:25 "
        "(empty: none)"),
    OPT_STR(smtp_from, SMTP_FROM, "patrol@localhost",
        "sender address of hand-over e-mail"),
    OPT_STR(public_url, PUBLIC_URL, "",
        "address recipients reach patrold at, for receipt links (empty: "
        "the listen address)"),
    OPT_INT(handover_receipt_hours, HANDOVER_RECEIPT_HOURS, "72", 1, 2160,
        "a hand-over's receipt link works this long"),
    OPT_INT(petition_survey_hours, PETITION_SURVEY_HOURS, "24", 1, 720,
        "a petition's site survey is due this long after it came in"),
    OPT_INT(handover_return_s, HANDOVER_RETURN_S, "14400", 1, 2592000,
        "an unconfirmed hand-over returns to the queue after this long"),
};
#define NOPTIONS (sizeof config_options / sizeof config_options[0])

static const struct config_option *
config_find(const char *key, size_t len)
{
	size_t i, j;

	for (i = 0; i < NOPTIONS; i++) {
		const char *n = config_options[i].name;

		if (strlen(n) != len)
			continue;
		/* Flags spell '_' as '-'; accept both everywhere. */
		for (j = 0; j < len; j++) {
			if (n[j] != key[j] && !(n[j] == '_' && key[j] == '-'))
				break;
		}
		if (j == len)
			return &config_options[i];
	}
	return NULL;
}

static int
config_parse_area(struct config *c, const char *v, char **cause)
{
	double d[4];
	const char *p = v;
	char *end;
	int i;

	for (i = 0; i < 4; i++) {
		errno = 0;
		d[i] = strtod(p, &end);
		if (end == p || errno != 0 || !isfinite(d[i]))
			goto bad;
		p = end;
		while (*p == ' ')
			p++;
		if (i < 3) {
			if (*p++ != ',')
				goto bad;
			while (*p == ' ')
				p++;
		}
	}
	if (*p != '\0')
		goto bad;
	if (d[0] < -180 || d[2] > 180 || d[1] < -90 || d[3] > 90 ||
	    d[0] >= d[2] || d[1] >= d[3]) {
		*cause = xasprintf("option service_area: '%s' is not a box "
		                   "lon_min,lat_min,lon_max,lat_max within "
		                   "-180..180, -90..90 with min < max",
		    v);
		return -1;
	}
	c->area_lon_min = d[0];
	c->area_lat_min = d[1];
	c->area_lon_max = d[2];
	c->area_lat_max = d[3];
	return 0;
bad:
	*cause = xasprintf("option service_area: '%s' is not four numbers "
	                   "lon_min,lat_min,lon_max,lat_max",
	    v);
	return -1;
}

static int
config_apply(struct config *c, const struct config_option *o, const char *v,
    char **cause)
{
	char *end, **sp;
	long n;

	switch (o->type) {
	case CONFIG_STRING:
		if (strcmp(o->name, "service_area") == 0 &&
		    config_parse_area(c, v, cause) != 0)
			return -1;
		if (strcmp(o->name, "timezone") == 0 &&
		    (*v == '\0' ||
		        strspn(v,
		            "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		            "abcdefghijklmnopqrstuvwxyz"
		            "0123456789/_+-") != strlen(v))) {
			*cause = xasprintf("option timezone: '%s' is not a "
			                   "time zone name",
			    v);
			return -1;
		}
		if (strcmp(o->name, "log_level") == 0 &&
		    strcmp(v, "debug") != 0 && strcmp(v, "info") != 0 &&
		    strcmp(v, "warn") != 0 && strcmp(v, "error") != 0) {
			*cause = xasprintf("option log_level: '%s' is not one "
			                   "of debug, info, warn, error",
			    v);
			return -1;
		}
		/* Both go into the console's CSP header: no separators. */
		if ((strcmp(o->name, "tile_url") == 0 ||
		        strcmp(o->name, "tile_attribution_url") == 0) &&
		    *v != '\0' &&
		    ((strncmp(v, "https://", 8) != 0 &&
		         strncmp(v, "http://", 7) != 0) ||
		        strcspn(v, " \t\r\n;,'\"\\<>") != strlen(v))) {
			*cause = xasprintf("option %s: '%s' is not an http(s) "
			                   "URL",
			    o->name, v);
			return -1;
		}
		sp = (char **)((char *)c + o->offset);
		free(*sp);
		*sp = xstrdup(v);
		return 0;
	case CONFIG_INT:
		errno = 0;
		n = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || errno != 0) {
			*cause = xasprintf("option %s: '%s' is not a whole "
			                   "number",
			    o->name, v);
			return -1;
		}
		if (n < o->min || n > o->max) {
			*cause = xasprintf("option %s: %ld is out of range "
			                   "%ld..%ld",
			    o->name, n, o->min, o->max);
			return -1;
		}
		*(int *)((char *)c + o->offset) = (int)n;
		return 0;
	}
	return -1;
}

int
config_set(struct config *c, const char *key, const char *value, char **cause)
{
	const struct config_option *o;

	if ((o = config_find(key, strlen(key))) == NULL) {
		*cause = xasprintf("unknown option '%s'", key);
		return -1;
	}
	return config_apply(c, o, value, cause);
}

void
config_init(struct config *c)
{
	size_t i;
	char *cause;

	memset(c, 0, sizeof *c);
	for (i = 0; i < NOPTIONS; i++) {
		if (config_apply(c, &config_options[i], config_options[i].def,
		        &cause) != 0)
			abort(); /* a bad built-in default is a bug */
	}
}

void
config_free(struct config *c)
{
	size_t i;

	for (i = 0; i < NOPTIONS; i++) {
		if (config_options[i].type == CONFIG_STRING)
			free(*(char **)((char *)c + config_options[i].offset));
	}
	memset(c, 0, sizeof *c);
}

int
config_parse_buffer(struct config *c, const char *buf, size_t len,
    const char *name, char **cause)
{
	const char *p = buf, *end = buf + len, *eol, *k, *ke, *v, *ve;
	const struct config_option *o;
	unsigned line = 0;
	char *value, *why;
	int rc;

	while (p < end) {
		line++;
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		k = p;
		p = eol + 1;
		while (k < eol && isspace((unsigned char)*k))
			k++;
		if (k == eol || *k == '#')
			continue;
		if (memchr(k, '\0', (size_t)(eol - k)) != NULL) {
			*cause =
			    xasprintf("%s:%u: NUL byte in line", name, line);
			return -1;
		}
		for (ke = k; ke < eol &&
		     (isalnum((unsigned char)*ke) || *ke == '_' || *ke == '-');
		     ke++)
			;
		v = ke;
		while (v < eol && (*v == ' ' || *v == '\t'))
			v++;
		if (ke == k || v == eol || *v != '=') {
			*cause = xasprintf(
			    "%s:%u: expected 'key = value'", name, line);
			return -1;
		}
		if ((o = config_find(k, (size_t)(ke - k))) == NULL ||
		    strcmp(o->name, "config") == 0) {
			*cause = xasprintf("%s:%u: unknown option '%.*s'", name,
			    line, (int)(ke - k), k);
			return -1;
		}
		v++;
		ve = eol;
		while (v < ve && isspace((unsigned char)*v))
			v++;
		while (ve > v && isspace((unsigned char)ve[-1]))
			ve--;
		if (ve - v >= 2 && *v == '"' && ve[-1] == '"') {
			v++;
			ve--;
		} else if (v < ve && (*v == '"' || ve[-1] == '"')) {
			*cause =
			    xasprintf("%s:%u: unbalanced quote", name, line);
			return -1;
		}
		value = xstrndup(v, (size_t)(ve - v));
		rc = config_apply(c, o, value, &why);
		free(value);
		if (rc != 0) {
			*cause = xasprintf("%s:%u: %s", name, line, why);
			free(why);
			return -1;
		}
	}
	return 0;
}

static int
config_read_file(struct config *c, const char *path, char **cause)
{
	FILE *f;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int rc;

	if ((f = fopen(path, "r")) == NULL) {
		*cause = xasprintf("config file %s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (cap - len < 4096) {
			cap = cap * 2 + 4096;
			if (cap > 1 << 20) {
				*cause = xasprintf("config file %s: larger "
				                   "than 1 MiB",
				    path);
				free(buf);
				fclose(f);
				return -1;
			}
			buf = xreallocarray(buf, 1, cap);
		}
		if ((n = fread(buf + len, 1, cap - len, f)) == 0)
			break;
		len += n;
	}
	rc = ferror(f) ? -1 : 0;
	fclose(f);
	if (rc != 0)
		*cause = xasprintf("config file %s: read error", path);
	else
		rc = config_parse_buffer(c, buf, len, path, cause);
	free(buf);
	return rc;
}

/*
 * Finds the value of --config (or PATROL_CONFIG) before anything else;
 * without either, the built-in default, which may be missing (*optional).
 */
static const char *
config_file_arg(int argc, char **argv, int *optional)
{
	const char *env;
	int i;

	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			return argv[i + 1];
		if (strncmp(argv[i], "--config=", 9) == 0)
			return argv[i] + 9;
		if (strchr(argv[i], '=') == NULL)
			i++;
	}
	if ((env = getenv("PATROL_CONFIG")) != NULL)
		return env;
	*optional = 1;
	return PATROL_CONFIG_FILE;
}

int
config_load(struct config *c, int argc, char **argv, int *optind, int *help,
    char **cause)
{
	const struct config_option *o;
	const char *file, *env, *arg, *eq, *value;
	size_t i;
	int n, optional = 0;
	struct stat sb;

	*help = 0;
	file = config_file_arg(argc, argv, &optional);
	if (*file != '\0' &&
	    !(optional && stat(file, &sb) != 0 && errno == ENOENT)) {
		if (config_read_file(c, file, cause) != 0)
			return -1;
		free(c->config_file);
		c->config_file = xstrdup(file);
	} else {
		free(c->config_file);
		c->config_file = xstrdup("");
	}
	for (i = 0; i < NOPTIONS; i++) {
		o = &config_options[i];
		if ((env = getenv(o->env)) == NULL)
			continue;
		if (config_apply(c, o, env, cause) != 0) {
			char *why = *cause;

			*cause = xasprintf("environment %s: %s", o->env, why);
			free(why);
			return -1;
		}
	}
	for (n = 1; n < argc; n++) {
		arg = argv[n];
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			*help = 1;
			break;
		}
		if (strcmp(arg, "--") == 0) {
			n++;
			break;
		}
		if (strncmp(arg, "--", 2) != 0)
			break;
		arg += 2;
		eq = strchr(arg, '=');
		if ((o = config_find(
		         arg, eq != NULL ? (size_t)(eq - arg) : strlen(arg))) ==
		    NULL) {
			*cause = xasprintf(
			    "unknown flag '%s' (see --help)", argv[n]);
			return -1;
		}
		if (eq != NULL)
			value = eq + 1;
		else if (n + 1 < argc)
			value = argv[++n];
		else {
			*cause = xasprintf("flag --%s needs a value", arg);
			return -1;
		}
		if (config_apply(c, o, value, cause) != 0)
			return -1;
	}
	if (optind != NULL)
		*optind = n;
	return 0;
}

void
config_usage(FILE *f)
{
	const struct config_option *o;
	char flag[64];
	size_t i, j;

	fprintf(f, "options (flag, environment, default):\n");
	for (i = 0; i < NOPTIONS; i++) {
		o = &config_options[i];
		snprintf(flag, sizeof flag, "--%s", o->name);
		for (j = 2; flag[j] != '\0'; j++) {
			if (flag[j] == '_')
				flag[j] = '-';
		}
		fprintf(f, "  %-26s %s\n  %-26s env %s, default '%s'\n", flag,
		    o->help, "", o->env, o->def);
	}
}

void
config_example(FILE *f)
{
	const struct config_option *o;
	size_t i;

	fprintf(f,
	    "# patrold and patrolctl configuration: key = value lines.\n"
	    "# Every option is shown with its built-in default, commented\n"
	    "# out; the environment and --flags override this file.\n"
	    "# Keep it readable only by root and the patrol group when\n"
	    "# database_url holds a password.\n");
	for (i = 0; i < NOPTIONS; i++) {
		o = &config_options[i];
		if (strcmp(o->name, "config") == 0)
			continue;
		fprintf(f, "\n# %s (env %s)\n# %s = %s\n", o->help, o->env,
		    o->name, o->def);
	}
}
