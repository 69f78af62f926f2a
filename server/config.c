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
static const struct config_option config_options[] = {
    {"config", "PATROL_CONFIG", CONFIG_STRING, OFF(config_file),
        PATROL_CONFIG_FILE, 0, 0,
        "configuration file (key = value lines); the default is read only "
        "if it exists, empty: none"},
    {"listen_address", "PATROL_LISTEN_ADDRESS", CONFIG_STRING,
        OFF(listen_address), "127.0.0.1", 0, 0, "address to listen on"},
    {"port", "PATROL_PORT", CONFIG_INT, OFF(port), "8080", 0, 65535,
        "TCP port to listen on (0: any free port)"},
    {"database_url", "DATABASE_URL", CONFIG_STRING, OFF(database_url), "", 0, 0,
        "libpq connection string or URI (empty: libpq defaults)"},
    {"database_read_url", "PATROL_DATABASE_READ_URL", CONFIG_STRING,
        OFF(database_read_url), "", 0, 0,
        "a hot standby of database_url for the read-only routes (empty: none)"},
    {"database_read_max_lag_ms", "PATROL_DATABASE_READ_MAX_LAG_MS", CONFIG_INT,
        OFF(database_read_max_lag_ms), "5000", 0, 3600000,
        "reads go to the primary while the standby is this far behind"},
    {"db_pool_size", "PATROL_DB_POOL_SIZE", CONFIG_INT, OFF(db_pool_size), "4",
        1, 64, "database connections in the pool"},
    {"db_connect_timeout_ms", "PATROL_DB_CONNECT_TIMEOUT_MS", CONFIG_INT,
        OFF(db_connect_timeout_ms), "3000", 100, 600000,
        "give up a database connection attempt after this long"},
    {"db_statement_timeout_ms", "PATROL_DB_STATEMENT_TIMEOUT_MS", CONFIG_INT,
        OFF(db_statement_timeout_ms), "5000", 100, 3600000,
        "server-side statement_timeout for every query"},
    {"db_queue_max", "PATROL_DB_QUEUE_MAX", CONFIG_INT, OFF(db_queue_max),
        "1000", 1, 1000000, "queries waiting for a connection, at most"},
    {"db_queue_timeout_ms", "PATROL_DB_QUEUE_TIMEOUT_MS", CONFIG_INT,
        OFF(db_queue_timeout_ms), "2000", 10, 600000,
        "fail a query (503) that waited this long for a connection"},
    {"http_timeout_s", "PATROL_HTTP_TIMEOUT_S", CONFIG_INT, OFF(http_timeout_s),
        "30", 1, 3600,
        "read/write timeout of HTTP connections, and request deadline"},
    {"http_max_body", "PATROL_HTTP_MAX_BODY", CONFIG_INT, OFF(http_max_body),
        "33554432", 1024, 1073741824,
        "largest request body accepted by any route, in bytes"},
    /* Hostile clients (issue 10): see http_gate.h. */
    {"http_max_connections", "PATROL_HTTP_MAX_CONNECTIONS", CONFIG_INT,
        OFF(http_max_connections), "1024", 1, 100000,
        "open connections at most; more are answered 503 and closed"},
    {"http_max_connections_per_address",
        "PATROL_HTTP_MAX_CONNECTIONS_PER_ADDRESS", CONFIG_INT,
        OFF(http_max_connections_per_address), "64", 1, 100000,
        "open connections from one client address at most (503)"},
    {"http_header_timeout_s", "PATROL_HTTP_HEADER_TIMEOUT_S", CONFIG_INT,
        OFF(http_header_timeout_s), "10", 1, 600,
        "a request head must arrive within this (else 408)"},
    {"http_request_timeout_s", "PATROL_HTTP_REQUEST_TIMEOUT_S", CONFIG_INT,
        OFF(http_request_timeout_s), "300", 1, 86400,
        "a whole request (head and body) must arrive within this (408)"},
    {"http_body_min_rate", "PATROL_HTTP_BODY_MIN_RATE", CONFIG_INT,
        OFF(http_body_min_rate), "1024", 1, 100000000,
        "bytes/s a request body must average after 5 s (else 408)"},
    {"http_spool_max_mb", "PATROL_HTTP_SPOOL_MAX_MB", CONFIG_INT,
        OFF(http_spool_max_mb), "512", 1, 1048576,
        "MiB of large request bodies on disk at once (more: 503)"},
    {"http_spool_dir", "PATROL_HTTP_SPOOL_DIR", CONFIG_STRING,
        OFF(http_spool_dir), "", 0, 0,
        "where bodies over 64 KiB are written as they arrive "
        "(empty: $TMPDIR or /var/tmp)"},
    {"events_streams_per_user", "PATROL_EVENTS_STREAMS_PER_USER", CONFIG_INT,
        OFF(events_streams_per_user), "8", 1, 10000,
        "live feed streams one user may hold open (more: 429)"},
    {"events_replay_max", "PATROL_EVENTS_REPLAY_MAX", CONFIG_INT,
        OFF(events_replay_max), "5000", 1, 10000000,
        "events a live feed stream replays at most; older: paged API"},
    {"events_stall_timeout_s", "PATROL_EVENTS_STALL_TIMEOUT_S", CONFIG_INT,
        OFF(events_stall_timeout_s), "60", 1, 3600,
        "a live feed stream whose client reads nothing this long is closed"},
    {"drain_timeout_s", "PATROL_DRAIN_TIMEOUT_S", CONFIG_INT,
        OFF(drain_timeout_s), "10", 0, 600,
        "on SIGTERM, wait this long for in-flight requests"},
    {"crs", "PATROL_CRS", CONFIG_STRING, OFF(crs), "EPSG:6677", 0, 0,
        "projected metric CRS for distances and coverage"},
    {"service_area", "PATROL_SERVICE_AREA", CONFIG_STRING, OFF(service_area),
        "139.0,35.1,140.0,36.3", 0, 0,
        "accepted WGS84 box: lon_min,lat_min,lon_max,lat_max"},
    {"timezone", "PATROL_TIMEZONE", CONFIG_STRING, OFF(timezone), "Asia/Tokyo",
        0, 0, "local time zone: shifts, and dates in replies (+09:00)"},
    {"dup_radius_m", "PATROL_DUP_RADIUS_M", CONFIG_INT, OFF(dup_radius_m),
        "250", 1, 10000,
        "open requests of the same category this near are duplicates"},
    {"dup_window_h", "PATROL_DUP_WINDOW_H", CONFIG_INT, OFF(dup_window_h), "72",
        1, 8760, "...if created within this many hours"},
    {"speed_kmh", "PATROL_SPEED_KMH", CONFIG_INT, OFF(speed_kmh), "20", 1, 200,
        "average crew driving speed for arrival estimates"},
    {"detour_pct", "PATROL_DETOUR_PCT", CONFIG_INT, OFF(detour_pct), "140", 100,
        400, "road distance as a share of the straight line, in %"},
    {"escalation_check_ms", "PATROL_ESCALATION_CHECK_MS", CONFIG_INT,
        OFF(escalation_check_ms), "15000", 100, 3600000,
        "how often unaccepted assignments are checked for escalation"},
    {"timer_lease_ms", "PATROL_TIMER_LEASE_MS", CONFIG_INT, OFF(timer_lease_ms),
        "15000", 300, 3600000,
        "with several patrold on one database, each timer runs on one; "
        "another takes it over this long after that one stops"},
    {"piece_m", "PATROL_PIECE_M", CONFIG_INT, OFF(piece_m), "100", 10, 1000,
        "patrol network pieces are cut to about this length"},
    {"coverage_distance_m", "PATROL_COVERAGE_DISTANCE_M", CONFIG_INT,
        OFF(coverage_distance_m), "20", 1, 200,
        "a track this near a piece inspects it"},
    {"coverage_share_pct", "PATROL_COVERAGE_SHARE_PCT", CONFIG_INT,
        OFF(coverage_share_pct), "80", 1, 100,
        "...along at least this share of the piece's length"},
    {"coverage_speed_kmh", "PATROL_COVERAGE_SPEED_KMH", CONFIG_INT,
        OFF(coverage_speed_kmh), "30", 1, 200, "...at no more than this speed"},
    {"coverage_gap_s", "PATROL_COVERAGE_GAP_S", CONFIG_INT, OFF(coverage_gap_s),
        "60", 1, 3600, "fixes further apart in time are not joined"},
    {"coverage_gap_m", "PATROL_COVERAGE_GAP_M", CONFIG_INT, OFF(coverage_gap_m),
        "300", 1, 10000, "fixes further apart in distance are not joined"},
    {"wayback_m", "PATROL_WAYBACK_M", CONFIG_INT, OFF(wayback_m), "300", 10,
        5000,
        "overdue pieces this near the way back to the office are suggested"},
    {"log_level", "PATROL_LOG_LEVEL", CONFIG_STRING, OFF(log_level), "info", 0,
        0, "debug, info, warn or error"},
    {"log_repeat_window_s", "PATROL_LOG_REPEAT_WINDOW_S", CONFIG_INT,
        OFF(log_repeat_window_s), "10", 0, 3600,
        "an identical log line is shown at most log_repeat_burst times in "
        "this many seconds, the rest counted (suppressed=N); 0: off"},
    {"log_repeat_burst", "PATROL_LOG_REPEAT_BURST", CONFIG_INT,
        OFF(log_repeat_burst), "5", 1, 100000,
        "...this many times"},
    {"data_dir", "PATROL_DATA_DIR", CONFIG_STRING, OFF(data_dir),
        PATROL_DATA_DIR, 0, 0, "directory of shipped data (demo, wards)"},
    {"schema_dir", "PATROL_SCHEMA_DIR", CONFIG_STRING, OFF(schema_dir),
        PATROL_SCHEMA_DIR, 0, 0, "directory of numbered SQL migrations"},
    {"photo_dir", "PATROL_PHOTO_DIR", CONFIG_STRING, OFF(photo_dir),
        PATROL_STATE_DIR "/photos", 0, 0,
        "where photos are kept, each under its SHA-256 (made if missing)"},
    {"photo_max_bytes", "PATROL_PHOTO_MAX_BYTES", CONFIG_INT,
        OFF(photo_max_bytes), "10485760", 1024, 104857600,
        "largest photo accepted, in bytes"},
    {"console_dir", "PATROL_CONSOLE_DIR", CONFIG_STRING, OFF(console_dir),
        PATROL_CONSOLE_DIR, 0, 0, "directory of the console's files"},
    {"api_doc", "PATROL_API_DOC", CONFIG_STRING, OFF(api_doc),
        PATROL_OPENAPI_FILE, 0, 0, "OpenAPI document of the JSON API"},
    /* The browser console (issue 6): map tiles, vendored scripts, log-in. */
    {"vendor_dir", "PATROL_VENDOR_DIR", CONFIG_STRING, OFF(vendor_dir),
        PATROL_VENDOR_DIR, 0, 0,
        "npm packages for the console (node_modules: leaflet)"},
    {"tile_url", "PATROL_TILE_URL", CONFIG_STRING, OFF(tile_url),
        "https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png", 0, 0,
        "XYZ map tile URL for the console (empty: no tiles)"},
    {"tile_attribution", "PATROL_TILE_ATTRIBUTION", CONFIG_STRING,
        OFF(tile_attribution), "地理院タイル", 0, 0,
        "credit shown under the tiles"},
    {"tile_attribution_url", "PATROL_TILE_ATTRIBUTION_URL", CONFIG_STRING,
        OFF(tile_attribution_url),
        "https://maps.gsi.go.jp/development/ichiran.html", 0, 0,
        "link of the tile credit"},
    {"session_hours", "PATROL_SESSION_HOURS", CONFIG_INT, OFF(session_hours),
        "12", 1, 168, "console log-ins last this long"},
    {"cookie_secure", "PATROL_COOKIE_SECURE", CONFIG_INT, OFF(cookie_secure),
        "0", 0, 1,
        "1: session cookie only over HTTPS (also when X-Forwarded-Proto "
        "is https)"},
    {"login_free_failures", "PATROL_LOGIN_FREE_FAILURES", CONFIG_INT,
        OFF(login_free_failures), "3", 0, 10000,
        "failed log-ins per user name before each try has to wait "
        "(growing delays, never a lock-out)"},
    {"login_free_failures_address", "PATROL_LOGIN_FREE_FAILURES_ADDRESS",
        CONFIG_INT, OFF(login_free_failures_address), "20", 0, 100000,
        "...per client address"},
    {"login_delay_first_s", "PATROL_LOGIN_DELAY_FIRST_S", CONFIG_INT,
        OFF(login_delay_first_s), "1", 1, 3600,
        "the first delay after the free failures; each further failure "
        "doubles it (429 with Retry-After meanwhile)"},
    {"login_delay_max_s", "PATROL_LOGIN_DELAY_MAX_S", CONFIG_INT,
        OFF(login_delay_max_s), "60", 1, 86400,
        "the longest delay between log-in tries of a name or address"},
    {"login_forget_s", "PATROL_LOGIN_FORGET_S", CONFIG_INT,
        OFF(login_forget_s), "900", 1, 86400,
        "failures of a name or address are forgotten this long after the "
        "last one"},
    {"trusted_proxies", "PATROL_TRUSTED_PROXIES", CONFIG_STRING,
        OFF(trusted_proxies), "", 0, 0,
        "reverse proxies (addresses or networks, comma-separated) whose "
        "X-Forwarded-For names the client; others' is ignored"},
    {"metrics_allow", "PATROL_METRICS_ALLOW", CONFIG_STRING,
        OFF(metrics_allow), "", 0, 0,
        "only these client addresses or networks may read /metrics "
        "(empty: any)"},
    {"metrics_token", "PATROL_METRICS_TOKEN", CONFIG_STRING,
        OFF(metrics_token), "", 0, 0,
        "/metrics needs \"Authorization: Bearer\" with this token (empty: "
        "none)"},
    /* The crews' handhelds (issue 4): settings sent with every sync. */
    {"agent_track_interval_s", "PATROL_AGENT_TRACK_INTERVAL_S", CONFIG_INT,
        OFF(agent_track_interval_s), "5", 1, 3600,
        "handhelds record a GPS fix this often"},
    {"agent_sync_interval_s", "PATROL_AGENT_SYNC_INTERVAL_S", CONFIG_INT,
        OFF(agent_sync_interval_s), "30", 1, 3600,
        "handhelds sync this often while the link is up"},
    {"agent_photo_resize_bytes", "PATROL_AGENT_PHOTO_RESIZE_BYTES", CONFIG_INT,
        OFF(agent_photo_resize_bytes), "2097152", 65536, 104857600,
        "handhelds scale JPEG photos larger than this down before upload"},
    {"tls_cert", "PATROL_TLS_CERT", CONFIG_STRING, OFF(tls_cert), "", 0, 0,
        "serve HTTPS with this PEM certificate chain (empty: plain HTTP)"},
    {"tls_key", "PATROL_TLS_KEY", CONFIG_STRING, OFF(tls_key), "", 0, 0,
        "...and this PEM private key"},
    {"tls_hsts_max_age_s", "PATROL_TLS_HSTS_MAX_AGE_S", CONFIG_INT,
        OFF(tls_hsts_max_age_s), "31536000", 0, 315360000,
        "with HTTPS, replies carry Strict-Transport-Security: max-age= "
        "this (0: none)"},
    /* Open311 GeoReport v2 for residents' apps (issue 7). */
    {"open311_jurisdiction", "PATROL_OPEN311_JURISDICTION", CONFIG_STRING,
        OFF(open311_jurisdiction), "", 0, 0,
        "Open311 jurisdiction_id; when set, any other given is 404"},
    {"open311_locale", "PATROL_OPEN311_LOCALE", CONFIG_STRING,
        OFF(open311_locale), "ja", 0, 0,
        "Open311 language without a locale parameter: ja or en"},
    {"open311_contact", "PATROL_OPEN311_CONTACT", CONFIG_STRING,
        OFF(open311_contact), "", 0, 0,
        "contact shown in Open311 discovery (e.g. the office's phone)"},
    /* Retention (issue 18): the daily purge (retention_purge in SQL). */
    {"retention_caller_days", "PATROL_RETENTION_CALLER_DAYS", CONFIG_INT,
        OFF(retention_caller_days), "180", 1, 36500,
        "callers' personal data is emptied this many days after the "
        "request closed"},
    {"retention_fix_months", "PATROL_RETENTION_FIX_MONTHS", CONFIG_INT,
        OFF(retention_fix_months), "13", 1, 1200,
        "GPS fixes are kept this many months (whole monthly partitions)"},
    {"retention_batch_days", "PATROL_RETENTION_BATCH_DAYS", CONFIG_INT,
        OFF(retention_batch_days), "30", 1, 36500,
        "finished sync batches (retry answers) are kept this many days"},
    {"retention_upload_hours", "PATROL_RETENTION_UPLOAD_HOURS", CONFIG_INT,
        OFF(retention_upload_hours), "168", 1, 87600,
        "announced photos not uploaded within this many hours are "
        "dropped"},
    {"metrics_coverage_s", "PATROL_METRICS_COVERAGE_S", CONFIG_INT,
        OFF(metrics_coverage_s), "600", 1, 86400,
        "recompute the week's coverage share for /metrics this often"},
    /* Acting before people ask (issue 17). */
    {"recurring_radius_m", "PATROL_RECURRING_RADIUS_M", CONFIG_INT,
        OFF(recurring_radius_m), "30", 5, 500,
        "requests of a category this near each other form one site"},
    {"outlook_per_crew_day", "PATROL_OUTLOOK_PER_CREW_DAY", CONFIG_INT,
        OFF(outlook_per_crew_day), "6", 1, 100,
        "jobs a crew does in a day when the history cannot tell"},
    {"personal_retention_days", "PATROL_PERSONAL_RETENTION_DAYS", CONFIG_INT,
        OFF(personal_retention_days), "1095", 1, 36500,
        "callers older than this are never listed for notices"},
    {"consent_text", "PATROL_CONSENT_TEXT", CONFIG_STRING, OFF(consent_text),
        "同じ件について、次の季節以降に区役所から案内を受け取ることに同意します"
        "。/ I agree that the ward office may contact me about the same "
        "matter in future seasons.",
        0, 0, "the consent read out at intake and recorded with it"},
    /* The dispatcher's workflow (issue 16): call-backs and hand-overs. */
    {"callback_outcome_minutes", "PATROL_CALLBACK_OUTCOME_MINUTES", CONFIG_INT,
        OFF(callback_outcome_minutes), "120", 0, 10080,
        "the caller is told the outcome within this long after closing"},
    {"callback_retry_minutes", "PATROL_CALLBACK_RETRY_MINUTES", CONFIG_INT,
        OFF(callback_retry_minutes), "30", 1, 1440,
        "a call-back nobody answered is proposed again after this long"},
    {"idempotency_ttl_s", "PATROL_IDEMPOTENCY_TTL_S", CONFIG_INT,
        OFF(idempotency_ttl_s), "86400", 60, 2592000,
        "a retry of POST requests with the same Idempotency-Key gets the "
        "first answer for this long (seconds)"},
    {"smtp_url", "PATROL_SMTP_URL", CONFIG_STRING, OFF(smtp_url), "", 0, 0,
        "SMTP relay for hand-over e-mail, e.g. smtp://relay.example:25 "
        "(empty: none)"},
    {"smtp_from", "PATROL_SMTP_FROM", CONFIG_STRING, OFF(smtp_from),
        "patrol@localhost", 0, 0, "sender address of hand-over e-mail"},
    {"public_url", "PATROL_PUBLIC_URL", CONFIG_STRING, OFF(public_url), "", 0,
        0,
        "address recipients reach patrold at, for receipt links (empty: "
        "the listen address)"},
    {"handover_receipt_hours", "PATROL_HANDOVER_RECEIPT_HOURS", CONFIG_INT,
        OFF(handover_receipt_hours), "72", 1, 2160,
        "a hand-over's receipt link works this long"},
    {"petition_survey_hours", "PATROL_PETITION_SURVEY_HOURS", CONFIG_INT,
        OFF(petition_survey_hours), "24", 1, 720,
        "a petition's site survey is due this long after it came in"},
    {"handover_return_s", "PATROL_HANDOVER_RETURN_S", CONFIG_INT,
        OFF(handover_return_s), "14400", 1, 2592000,
        "an unconfirmed hand-over returns to the queue after this long"},
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
