/*
 * Open311 GeoReport v2 with the mySociety updates extension, under
 * /open311/v2/. Shared between the open311*.c files only:
 *   open311.c          routes, discovery, services
 *   open311_requests.c GET requests and servicerequestupdates
 *   open311_post.c     POST requests and POST servicerequestupdates
 *   open311_reply.c    replies, errors, formats, keys (open311_reply.h):
 *                      the handlers above call down to it
 *   open311_form.c     form-urlencoded and multipart bodies, dates
 *   open311_xml.c      the reply tree written as XML (libxml2)
 *   open311_status.c   what each life-cycle event tells a resident
 * Every reply is first built as one jansson tree in the shape of the JSON
 * format; the XML format is written from the same tree, so the two can
 * never disagree on names or order.
 */
#ifndef PATROL_OPEN311_H
#define PATROL_OPEN311_H

#include <stddef.h>

#include <jansson.h>

#include "open311_codec.h"
#include "open311_reply.h"

struct http_req;

/* open311_requests.c: GET requests, requests/{id}, servicerequestupdates */

void open311_requests_get(struct http_req *);
void open311_request_get(struct http_req *);
void open311_updates_get(struct http_req *);

/* open311_post.c */

void open311_post_request(struct http_req *, enum open311_format);
void open311_post_update(struct http_req *, enum open311_format);

#endif
