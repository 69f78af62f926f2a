/*
 * Map tiles on the device (issue 14 item 3): "patrol-agent tiles fetch"
 * fills DIR/tiles/Z/X/Y.png from a tile server while the handheld is
 * online (a bounding box, a zoom range, a bounded count); the screen's
 * maps then draw them through "serve" (GET /tiles/Z/X/Y.png), and show
 * the plain background with a notice where there are none.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "image.h"

#define TILES_MAX_DEFAULT 5000
#define TILES_MAX_HARD    50000
#define TILE_BYTES_MAX    (1 << 20)

static int
tiles_x(double lon, int z)
{
	int n = 1 << z, x = (int)floor((lon + 180.0) / 360.0 * n);

	return x < 0 ? 0 : x >= n ? n - 1 : x;
}

static int
tiles_y(double lat, int z)
{
	double r = lat * M_PI / 180.0;
	int n = 1 << z, y = (int)floor((1.0 - asinh(tan(r)) / M_PI) / 2.0 * n);

	return y < 0 ? 0 : y >= n ? n - 1 : y;
}

/* "https://host[:port]/a/{z}/{x}/{y}.png" with z, x, y filled in. */
static char *
tiles_url(const char *tpl, int z, int x, int y)
{
	char *out = xcalloc(1, strlen(tpl) + 64), *o = out;
	const char *p;

	for (p = tpl; *p != '\0'; p++) {
		if (strncmp(p, "{z}", 3) == 0)
			o += sprintf(o, "%d", z), p += 2;
		else if (strncmp(p, "{x}", 3) == 0)
			o += sprintf(o, "%d", x), p += 2;
		else if (strncmp(p, "{y}", 3) == 0)
			o += sprintf(o, "%d", y), p += 2;
		else
			*o++ = *p;
	}
	*o = '\0';
	return out;
}

static int
tiles_mkdirs(const char *base, int z, int x)
{
	char path[4096];

	snprintf(path, sizeof path, "%s", base);
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return -1;
	snprintf(path, sizeof path, "%s/%d", base, z);
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return -1;
	snprintf(path, sizeof path, "%s/%d/%d", base, z, x);
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* One tile: 1 fetched, 0 kept (already there), -1 failed (*cause). */
static int
tiles_one(struct agent *a, const char *base, const char *tpl, int z, int x,
    int y, char **cause)
{
	struct http_req q = {0};
	struct http_resp r;
	struct stat sb;
	char *url, *path, *tmp, *slash;
	int fd, rc = -1;

	path = xasprintf("%s/%d/%d/%d.png", base, z, x, y);
	if (stat(path, &sb) == 0 && sb.st_size > 0) {
		free(path);
		return 0;
	}
	url = tiles_url(tpl, z, x, y);
	/* http.c takes the server and the path apart. */
	slash = strchr(strstr(url, "://") + 3, '/');
	tmp = xstrdup(slash);
	*slash = '\0';
	q.server = url;
	q.path = tmp;
	q.method = "GET";
	q.headers = "";
	q.timeout_s = 30;
	q.max_body = TILE_BYTES_MAX;
	if (http_exchange(&q, &r, cause) != 0)
		goto out;
	if (r.status != 200 || image_sniff(r.body, r.len) == NULL) {
		*cause = xasprintf(
		    "%s%s: HTTP %ld, not an image", url, tmp, r.status);
		http_resp_free(&r);
		goto out;
	}
	free(tmp);
	tmp = xasprintf("%s.part", path);
	if (tiles_mkdirs(base, z, x) != 0 ||
	    (fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) ==
	        -1) {
		*cause = xasprintf("cannot write %s: %s", tmp, strerror(errno));
		http_resp_free(&r);
		goto out;
	}
	if (write(fd, r.body, r.len) != (ssize_t)r.len || close(fd) != 0 ||
	    rename(tmp, path) != 0) {
		*cause =
		    xasprintf("cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
	} else
		rc = 1;
	http_resp_free(&r);
out:
	(void)a;
	free(url);
	free(tmp);
	free(path);
	return rc;
}

/* What "tiles fetch" was asked for. */
struct tiles_ask {
	const char *url; /* the template */
	double w, s, e, n;
	int z0, z1;
	long long max;
};

/*
 * The options checked into k: 0, or AGENT_EXIT_USAGE after saying which
 * is wrong (o: url, bbox, zoom, max).
 */
static int
tiles_ask_parse(const struct args_opt *o, struct tiles_ask *k)
{
	int c;

	if (o[0].value == NULL || o[1].value == NULL) {
		fprintf(stderr,
		    "patrol-agent: tiles fetch: --url TEMPLATE and "
		    "--bbox W,S,E,N are needed\n");
		return AGENT_EXIT_USAGE;
	}
	k->url = o[0].value;
	if ((strncmp(k->url, "http://", 7) != 0 &&
	        strncmp(k->url, "https://", 8) != 0) ||
	    strchr(strstr(k->url, "://") + 3, '/') == NULL ||
	    strstr(k->url, "{z}") == NULL || strstr(k->url, "{x}") == NULL ||
	    strstr(k->url, "{y}") == NULL) {
		fprintf(stderr,
		    "patrol-agent: tiles fetch: --url must be http(s)://HOST/"
		    "...{z}/{x}/{y}...\n");
		return AGENT_EXIT_USAGE;
	}
	if (sscanf(o[1].value, "%lf,%lf,%lf,%lf%n", &k->w, &k->s, &k->e, &k->n,
	        &c) != 4 ||
	    o[1].value[c] != '\0' ||
	    !(k->w >= -180 && k->e <= 180 && k->w < k->e) ||
	    !(k->s >= -85 && k->n <= 85 && k->s < k->n)) {
		fprintf(stderr,
		    "patrol-agent: tiles fetch: --bbox must be "
		    "W,S,E,N in degrees (west < east, south < "
		    "north)\n");
		return AGENT_EXIT_USAGE;
	}
	k->z0 = 12;
	k->z1 = 17;
	if (o[2].value != NULL &&
	    (sscanf(o[2].value, "%d-%d%n", &k->z0, &k->z1, &c) != 2 ||
	        o[2].value[c] != '\0' || k->z0 < 0 || k->z1 > 19 ||
	        k->z0 > k->z1)) {
		fprintf(stderr,
		    "patrol-agent: tiles fetch: --zoom must be "
		    "FROM-TO within 0-19\n");
		return AGENT_EXIT_USAGE;
	}
	k->max = TILES_MAX_DEFAULT;
	if (o[3].value != NULL &&
	    ((k->max = atoll(o[3].value)) < 1 || k->max > TILES_MAX_HARD)) {
		fprintf(stderr,
		    "patrol-agent: tiles fetch: --max must be 1 to "
		    "%d\n",
		    TILES_MAX_HARD);
		return AGENT_EXIT_USAGE;
	}
	return 0;
}

/* How many tiles the box takes at its zoom levels. */
static long long
tiles_count(const struct tiles_ask *k)
{
	long long total = 0;
	int z;

	for (z = k->z0; z <= k->z1; z++)
		total += (long long)(tiles_x(k->e, z) - tiles_x(k->w, z) + 1) *
		    (tiles_y(k->s, z) - tiles_y(k->n, z) + 1);
	return total;
}

/* Tiles fetched, already here and failed, with the first failure. */
struct tiles_tally {
	long long got, kept, failed;
	char *first;
};

/* Every tile of the box into base (DIR/tiles), counted into t. */
static void
tiles_get_all(struct agent *a, const char *base, const struct tiles_ask *k,
    struct tiles_tally *t)
{
	char *cause = NULL;
	int z, x, y;

	for (z = k->z0; z <= k->z1; z++)
		for (x = tiles_x(k->w, z); x <= tiles_x(k->e, z); x++)
			for (y = tiles_y(k->n, z); y <= tiles_y(k->s, z); y++)
				switch (tiles_one(
				    a, base, k->url, z, x, y, &cause)) {
				case 1:
					t->got++;
					break;
				case 0:
					t->kept++;
					break;
				default:
					t->failed++;
					if (t->first == NULL)
						t->first = cause;
					else
						free(cause);
					cause = NULL;
				}
}

/* Whose map it is, shown on every map that draws the tiles. */
static const char *
tiles_credit(const char *credit, const char *url)
{
	if (credit != NULL)
		return credit;
	if (strstr(url, "gsi.go.jp") != NULL)
		return "地理院タイル";
	if (strstr(url, "openstreetmap") != NULL)
		return "© OpenStreetMap contributors";
	return "";
}

static int
tiles_fetch(struct agent *a, int argc, char **argv)
{
	struct args_opt o[] = {{.name = "url"}, {.name = "bbox"},
	    {.name = "zoom"}, {.name = "max"}, {.name = "credit"},
	    {.name = NULL}};
	struct tiles_ask k;
	struct tiles_tally t = {0};
	long long total;
	char *base, *why;
	int rc, credit;

	if (agent_args("tiles fetch", argc, argv, o, NULL, 0) != 0)
		return agent_usage(a, "tiles fetch");
	if ((rc = tiles_ask_parse(o, &k)) != 0)
		return rc;
	if ((total = tiles_count(&k)) > k.max) {
		fprintf(stderr,
		    "patrol-agent: tiles fetch: %lld tiles for that box and "
		    "zoom, more than --max %lld: nothing fetched (take a "
		    "smaller box or fewer zoom levels)\n",
		    total, k.max);
		return AGENT_EXIT_USAGE;
	}
	base = agent_path(a, "tiles");
	tiles_get_all(a, base, &k, &t);
	free(base);
	if ((credit = outbox_set(
	         a, "tiles_credit", tiles_credit(o[4].value, k.url))) != 0) {
		why = outbox_errmsg(a);
		fprintf(stderr,
		    "patrol-agent: tiles fetch: the map's credit: %s\n", why);
		free(why);
	}
	printf("%s tiles: %lld fetched, %lld already here, %lld failed (zoom "
	       "%d-%d)\n",
	    t.failed == 0 ? "OK" : "PARTLY", t.got, t.kept, t.failed, k.z0,
	    k.z1);
	if (t.first != NULL) {
		fprintf(stderr,
		    "patrol-agent: tiles fetch: first failure: %s\n", t.first);
		free(t.first);
	}
	return t.failed == 0 && credit == 0 ? 0 : AGENT_EXIT_FAIL;
}

int
tiles_main(struct agent *a, int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "fetch") == 0)
		return tiles_fetch(a, argc - 1, argv + 1);
	/* Any other word or option is named, then the usage. */
	(void)agent_args("tiles", argc, argv, NULL, NULL, 0);
	return agent_usage(a, "tiles");
}

int
tiles_any(struct agent *a)
{
	char *base = agent_path(a, "tiles");
	struct stat sb;
	int any = stat(base, &sb) == 0 && S_ISDIR(sb.st_mode);

	free(base);
	return any;
}
