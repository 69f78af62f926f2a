/*
 * /agent/v1: the crews' handhelds (patrol-agent). Bodies are protobuf
 * (proto/sync_v1.proto), errors an Error message with the same code words
 * as the JSON API's. api_sync.c: enrollment and sync; api_sync_photos.c:
 * resumable photo uploads.
 */
#ifndef PATROL_API_SYNC_H
#define PATROL_API_SYNC_H

struct app;
struct http_req;

#define API_SYNC_TYPE "application/x-protobuf"

/* Answers with an Error message (code, optional field, message). */
void api_sync_error(struct http_req *, int status, const char *code,
    const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* 503 with Retry-After: 2: the agent keeps its outbox and tries again. */
void api_sync_unavailable(struct http_req *);
/* 401, with the header that tells the agent to forget its token. */
void api_sync_unauthorized(struct http_req *, const char *why);
/*
 * The SHA-256 of the request's device token, or -1 after answering 401.
 */
int api_sync_token_hash(struct http_req *, char hash[65]);

#endif
