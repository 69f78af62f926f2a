/*
 * The route tables patrold serves, one per route group (api_*.c,
 * open311.c, static.c). Each ends with a zeroed row, {0} (name NULL);
 * app_run.c adds them all, in the order a request's path is matched.
 */
#ifndef PATROL_API_ROUTES_H
#define PATROL_API_ROUTES_H

#include "http.h"

extern const struct http_route api_ops_routes[];
extern const struct http_route api_openapi_routes[];
extern const struct http_route api_me_routes[];
extern const struct http_route api_wards_routes[];
/* Call intake and dispatch. */
extern const struct http_route api_photos_routes[];
extern const struct http_route api_coverage_routes[];
extern const struct http_route api_patrols_routes[];
extern const struct http_route api_devices_routes[];
extern const struct http_route api_requests_routes[];
/* Hand-overs and the directory (issue 16). */
extern const struct http_route api_handover_routes[];
/* Callers added to a request, petition surveys, scripts. */
extern const struct http_route api_workflow_routes[];
extern const struct http_route api_actions_routes[];
extern const struct http_route api_recommend_routes[];
extern const struct http_route api_plan_routes[];
extern const struct http_route api_replan_routes[];
extern const struct http_route api_reference_routes[];
/* Address and place search (issue 13). */
extern const struct http_route api_geocode_routes[];
/* Acting before people ask (issue 17). */
extern const struct http_route api_recurring_routes[];
extern const struct http_route api_outlook_routes[];
extern const struct http_route api_risk_routes[];
extern const struct http_route api_events_routes[];
/* Open311 GeoReport v2 for residents' apps (issue 7). */
extern const struct http_route open311_routes[];
/* The crews' handhelds (issue 4): /agent/v1. */
extern const struct http_route api_sync_routes[];
extern const struct http_route api_sync_photos_routes[];
/* The browser console (issue 6): log-in, users, its settings, files. */
extern const struct http_route api_session_routes[];
extern const struct http_route api_users_routes[];
extern const struct http_route api_console_routes[];
extern const struct http_route static_routes[];

#endif
