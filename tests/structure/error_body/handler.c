/*
 * A handler that packs its own error body: structure.error_body_refuses
 * runs scripts/error_body_once.py on this directory and must fail.
 */
#include <jansson.h>

#include "api.h"

void
handler_refuse(struct http_req *req)
{
	api_reply(req, 409,
	    json_pack("{s:{s:s,s:s}}", "error", "code", "conflict", "message",
	        "changed by someone else"));
}
