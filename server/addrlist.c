#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrlist.h"
#include "xmalloc.h"

#define ADDRLIST_TEXT 64 /* longest entry: an IPv6 address and a prefix */

struct addrlist_net {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int prefix; /* bits */
};

struct addrlist {
	struct addrlist_net *n;
	size_t count;
};

/* An address as 16 bytes (IPv4 mapped into ::ffff:0:0/96); 0 if not one. */
static int
addrlist_bytes(const char *s, unsigned char out[16], int *family)
{
	unsigned char v4[4];

	if (inet_pton(AF_INET6, s, out) == 1) {
		*family = AF_INET6;
		/* ::ffff:a.b.c.d is the IPv4 address a.b.c.d. */
		if (memcmp(out, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
			*family = AF_INET;
		return 1;
	}
	if (inet_pton(AF_INET, s, v4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, v4, 4);
		*family = AF_INET;
		return 1;
	}
	return 0;
}

static int
addrlist_entry(const char *s, struct addrlist_net *n)
{
	char buf[ADDRLIST_TEXT], *slash, *end;
	long prefix;
	int max;

	if (strlen(s) >= sizeof buf)
		return -1;
	snprintf(buf, sizeof buf, "%s", s);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash = '\0';
	if (!addrlist_bytes(buf, n->addr, &n->family))
		return -1;
	max = n->family == AF_INET ? 32 : 128;
	n->prefix = max;
	if (slash != NULL) {
		prefix = strtol(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || prefix < 0 ||
		    prefix > max)
			return -1;
		n->prefix = (int)prefix;
	}
	if (n->family == AF_INET)
		n->prefix += 96; /* compared as a mapped address */
	return 0;
}

struct addrlist *
addrlist_parse(const char *text, char **cause)
{
	struct addrlist *l = xcalloc(1, sizeof *l);
	const char *p = text != NULL ? text : "";
	char tok[ADDRLIST_TEXT + 1];
	size_t len;

	while (*p != '\0') {
		len = strcspn(p, ", \t");
		if (len == 0) {
			p++;
			continue;
		}
		if (len > ADDRLIST_TEXT)
			len = ADDRLIST_TEXT; /* too long: refused below */
		memcpy(tok, p, len);
		tok[len] = '\0';
		l->n = xreallocarray(l->n, l->count + 1, sizeof *l->n);
		if (addrlist_entry(tok, &l->n[l->count]) != 0) {
			*cause =
			    xasprintf("not an address or network: %s", tok);
			addrlist_free(l);
			return NULL;
		}
		l->count++;
		p += strcspn(p, ", \t");
	}
	return l;
}

void
addrlist_free(struct addrlist *l)
{
	if (l == NULL)
		return;
	free(l->n);
	free(l);
}

size_t
addrlist_count(const struct addrlist *l)
{
	return l != NULL ? l->count : 0;
}

static int
addrlist_in(const struct addrlist_net *n, const unsigned char a[16])
{
	int full = n->prefix / 8, rest = n->prefix % 8;
	unsigned char mask;

	if (memcmp(n->addr, a, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (n->addr[full] & mask) == (a[full] & mask);
}

int
addrlist_match(const struct addrlist *l, const char *addr)
{
	unsigned char a[16];
	size_t i;
	int family;

	if (l == NULL || addr == NULL || !addrlist_bytes(addr, a, &family))
		return 0;
	for (i = 0; i < l->count; i++) {
		if (addrlist_in(&l->n[i], a))
			return 1;
	}
	return 0;
}

void
addrlist_client(const struct addrlist *trusted, const char *peer,
    const char *xff, char *out, size_t outlen)
{
	char hop[ADDRLIST_TEXT];
	unsigned char a[16];
	const char *end, *start;
	size_t len;
	int family;

	snprintf(out, outlen, "%s", peer != NULL ? peer : "");
	if (xff == NULL || !addrlist_match(trusted, out))
		return;
	end = xff + strlen(xff);
	while (end > xff) {
		while (end > xff && (end[-1] == ' ' || end[-1] == ','))
			end--;
		start = end;
		while (start > xff && start[-1] != ',' && start[-1] != ' ')
			start--;
		len = (size_t)(end - start);
		if (len == 0 || len >= sizeof hop)
			return;
		memcpy(hop, start, len);
		hop[len] = '\0';
		if (!addrlist_bytes(hop, a, &family))
			return; /* forged or garbled: keep the last vouched */
		snprintf(out, outlen, "%s", hop);
		if (!addrlist_match(trusted, hop))
			return;
		end = start;
	}
}
