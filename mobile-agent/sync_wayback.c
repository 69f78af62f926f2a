/*
 * The way back: the server's suggestions of overdue pieces near the way to
 * the office (GET /agent/v1/wayback), as JSON for the screen and as lines
 * for the command line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sync_int.h"

/* A JSON API error ({"error": {code, message}}) for the crew, else HTTP n. */
static char *
sync_json_error(struct sync_resp *r)
{
	json_t *j, *e;
	char *s;

	if (r->status == 401)
		return sync_http_error(r); /* a protobuf Error */
	j = json_loadb((const char *)r->body, r->len, 0, NULL);
	e = json_object_get(j, "error");
	if (json_is_string(json_object_get(e, "code")))
		s = xasprintf("HTTP %ld %s: %s", r->status,
		    json_string_value(json_object_get(e, "code")),
		    json_is_string(json_object_get(e, "message"))
		        ? json_string_value(json_object_get(e, "message"))
		        : "");
	else
		s = xasprintf("HTTP %ld", r->status);
	json_decref(j);
	return s;
}

static const char *
sync_json_text(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL && *s != '\0' ? s : "-";
}

/* "神奈川県川崎市多摩区" -> "多摩区"; the code when no name came. */
static const char *
sync_ward_short(json_t *p)
{
	const char *name = json_string_value(json_object_get(p, "ward_name"));
	const char *s, *last = NULL;

	if (name == NULL)
		return json_is_string(json_object_get(p, "ward_code"))
		    ? json_string_value(json_object_get(p, "ward_code"))
		    : "区外";
	for (s = name; (s = strstr(s, "市")) != NULL; s += strlen("市"))
		last = s + strlen("市");
	return last != NULL && *last != '\0' ? last : name;
}

int
sync_wayback_fetch(struct agent *a, int has_from, double lat, double lon,
    char **json, char **cause)
{
	struct sync_resp r;
	char *server, *ca, *path;
	json_t *j;
	int rc = AGENT_EXIT_FAIL;

	*json = NULL;
	if ((server = outbox_get(a, "server")) == NULL) {
		*cause =
		    xstrdup("not enrolled: run 'patrol-agent enroll' first");
		return AGENT_EXIT_USAGE;
	}
	ca = outbox_get(a, "ca_file");
	path = has_from
	    ? xasprintf("/agent/v1/wayback?lat=%.7f&lon=%.7f", lat, lon)
	    : xstrdup("/agent/v1/wayback");
	if (sync_http(a, server, ca, "GET", path, NULL, 0, -1, &r, cause) != 0)
		goto out;
	if (r.status != 200) {
		*cause = sync_json_error(&r);
		if (r.status == 401)
			rc = AGENT_EXIT_REVOKED;
		sync_resp_free(&r);
		goto out;
	}
	j = json_loadb((const char *)r.body, r.len, 0, NULL);
	sync_resp_free(&r);
	if (!json_is_array(json_object_get(j, "pieces"))) {
		*cause = xstrdup("the server's answer is not a list");
		json_decref(j);
		goto out;
	}
	*json = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	rc = *json != NULL ? 0 : AGENT_EXIT_FAIL;
out:
	free(path);
	free(server);
	free(ca);
	return rc;
}

int
sync_wayback(struct agent *a, int has_from, double lat, double lon)
{
	char *cause = NULL, *text;
	json_t *j, *pieces, *p;
	size_t i;
	int rc;

	if ((rc = sync_wayback_fetch(a, has_from, lat, lon, &text, &cause)) !=
	    0) {
		fprintf(stderr, "patrol-agent: wayback: %s\n",
		    cause != NULL ? cause : "failed");
		free(cause);
		return rc;
	}
	j = json_loads(text, 0, NULL);
	free(text);
	pieces = json_object_get(j, "pieces");
	/*
	 * One line per piece, nearest to the way back first: the crew knows
	 * the river or road by its name and the ward by its name; the piece
	 * number is what "wayback take" needs.
	 */
	printf("%-8s %8s  %-6s %s\n", "piece", "off (m)", "kind",
	    "name (ward) / 名称（区）");
	json_array_foreach(pieces, i, p)
	{
		printf("%-8lld %8.0f  %-6s %s（%s）\n",
		    (long long)json_integer_value(
		        json_object_get(p, "piece_id")),
		    json_number_value(json_object_get(p, "off_route_m")),
		    sync_json_text(p, "kind"),
		    json_is_string(json_object_get(p, "name"))
		        ? sync_json_text(p, "name")
		        : "名称なし",
		    sync_ward_short(p));
	}
	if (json_array_size(pieces) == 0)
		printf("(nothing overdue within %.0f m of the way back)\n",
		    json_number_value(json_object_get(j, "within_m")));
	json_decref(j);
	return 0;
}
