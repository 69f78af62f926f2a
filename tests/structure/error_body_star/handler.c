/*
 * An error body built by hand after a media-range string: the check must
 * still see it. Read comment-first, the string's star and slash opened a
 * comment that ran to the end of the next one and hid the builder.
 */
#include <jansson.h>

#include "api.h"
#include "http.h"

void
handler_accept(struct http_req *req)
{
	http_req_set_header(req, "Accept", "*/*");
	api_reply(req, 400,
	    json_pack("{s:{s:s,s:s}}", "error", "code", "bad_request",
	        "message", "no"));
	/* answered */
}
