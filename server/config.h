/*
 * Configuration: one declarative option table drives the file parser, the
 * environment, the command-line flags and --help. Precedence, lowest first:
 * built-in default, config file, environment, flag.
 */
#ifndef PATROL_CONFIG_H
#define PATROL_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "compiler.h"

struct config {
	char *config_file;
	char *listen_address;
	int port;
	char *database_url;
	char *database_read_url;
	int database_read_max_lag_ms;
	int db_pool_size;
	int db_connect_timeout_ms;
	int db_statement_timeout_ms;
	int db_queue_max;
	int db_queue_timeout_ms;
	int auth_cache_entries;
	int auth_cache_ttl_s;
	int http_timeout_s;
	int http_max_body;
	int http_max_connections;
	int http_max_connections_per_address;
	int http_header_timeout_s;
	int http_request_timeout_s;
	int http_body_min_rate;
	int http_spool_max_mb;
	char *http_spool_dir;
	int events_streams_per_user;
	int events_replay_max;
	int events_stall_timeout_s;
	int drain_timeout_s;
	char *crs;
	char *service_area;
	/* service_area parsed: lon/lat bounds in WGS84 degrees. */
	double area_lon_min, area_lat_min, area_lon_max, area_lat_max;
	char *timezone;
	int dup_radius_m;
	int dup_window_h;
	int speed_kmh;
	int detour_pct;
	int escalation_check_ms;
	int timer_lease_ms;
	int piece_m;
	int coverage_distance_m;
	int coverage_share_pct;
	int coverage_speed_kmh;
	int coverage_gap_s;
	int coverage_gap_m;
	int wayback_m;
	char *log_level;
	int log_repeat_window_s; /* identical lines: burst per window */
	int log_repeat_burst;
	char *schema_dir;
	char *data_dir;
	char *console_dir;
	char *photo_dir;
	int photo_max_bytes;
	char *api_doc;
	/* The browser console. */
	char *vendor_dir;
	char *tile_url;
	char *tile_attribution;
	char *tile_attribution_url;
	int session_hours;
	int cookie_secure;
	int login_free_failures; /* growing delays, issue 10 */
	int login_free_failures_address;
	int login_delay_first_s;
	int login_delay_max_s;
	int login_forget_s;
	char *trusted_proxies; /* believe their X-Forwarded-For */
	char *metrics_allow;   /* addresses that may read /metrics */
	char *metrics_token;   /* bearer token /metrics needs */
	/* The crews' handhelds (patrol-agent, issue 4). */
	int agent_track_interval_s;
	int agent_sync_interval_s;
	int agent_photo_resize_bytes;
	char *tls_cert; /* HTTPS for everyone, handhelds first */
	char *tls_key;
	int tls_hsts_max_age_s;
	/* Open311 GeoReport v2 (issue 7). */
	char *open311_jurisdiction;
	char *open311_locale;
	char *open311_contact;
	/* Retention (issue 18): how long things are kept. */
	int retention_caller_days;
	int retention_fix_months;
	int retention_batch_days;
	int retention_upload_hours;
	int metrics_coverage_s; /* the week's coverage on /metrics */
	/* Acting before people ask (issue 17). */
	int recurring_radius_m;
	int outlook_per_crew_day;
	int personal_retention_days;
	char *consent_text;
	/* The dispatcher's workflow (issue 16). */
	int callback_outcome_minutes;
	int callback_retry_minutes;
	/* How long an Idempotency-Key answers retries (issue 10). */
	int idempotency_ttl_s;
	char *smtp_url;
	char *smtp_from;
	char *public_url;
	int handover_receipt_hours;
	int handover_return_s;
	int petition_survey_hours;
};

/* Sets every option to its built-in default. */
void config_init(struct config *);
/* Frees the strings; the struct may be config_init'ed again. */
void config_free(struct config *);

/*
 * Loads the configuration: the file named by --config or PATROL_CONFIG, then
 * the environment, then flags. Flags are read from argv[1..] up to the first
 * argument that is not a flag (patrolctl's command); *optind is set to its
 * index. Returns -1 with *cause set (caller frees) on any bad value, unknown
 * key or unknown flag. "--help" sets *help to 1 and stops.
 */
PATROL_MUSTCHECK int config_load(struct config *, int argc, char **argv,
    int *optind, int *help, char **cause);

/*
 * Parses config file text (key = value lines, # comments, optional double
 * quotes). name is used in messages. Exposed for tests and the fuzz target.
 */
PATROL_MUSTCHECK int config_parse_buffer(struct config *, const char *buf,
    size_t len, const char *name, char **cause);

/* Sets one option by name from text, as the file and flags do. */
PATROL_MUSTCHECK int config_set(
    struct config *, const char *key, const char *value, char **cause);

/* Writes the option list for --help, generated from the table. */
void config_usage(FILE *);
/*
 * Writes a commented example configuration file (every option, its help
 * and its default), generated from the table: etc/patrol/patrold.conf.
 */
void config_example(FILE *);

#endif
