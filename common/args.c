/* A command's options and positionals (args.h). */
#include <stddef.h>
#include <string.h>

#include "args.h"
#include "xmalloc.h"

/*
 * The option that word a names ("--name", "--name=VALUE", "-n"), or NULL.
 * *eq: the value given with '=', else NULL. A flag takes no "=VALUE".
 */
static struct args_opt *
args_find(struct args_opt *opts, const char *a, const char **eq)
{
	const char *name = a[1] == '-' ? a + 2 : a + 1;
	struct args_opt *o;
	size_t len;

	if (opts == NULL)
		return NULL;
	/* A single dash names a one-letter option only ("-o", not "-abc"). */
	if (name == a + 1 && a[2] != '\0')
		return NULL;
	*eq = name == a + 2 ? strchr(name, '=') : NULL;
	len = *eq != NULL ? (size_t)(*eq - name) : strlen(name);
	for (o = opts; o->name != NULL; o++) {
		if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return o->flag && *eq != NULL ? NULL : o;
	}
	return NULL;
}

int
args_parse(int argc, char **argv, struct args_opt *opts, const char **pos,
    int npos, char **cause)
{
	struct args_opt *o;
	const char *a, *eq;
	int i, n = 0;

	for (o = opts; o != NULL && o->name != NULL; o++) {
		o->value = NULL;
		o->n = 0;
	}
	for (i = 0; i < argc; i++) {
		a = argv[i];
		if (a[0] != '-' || a[1] == '\0') {
			if (n == npos) {
				*cause =
				    xasprintf("unexpected argument '%s'", a);
				return -1;
			}
			pos[n++] = a;
			continue;
		}
		if ((o = args_find(opts, a, &eq)) == NULL) {
			*cause = xasprintf("unknown option '%s'", a);
			return -1;
		}
		if (o->flag) {
			o->value = "1";
			continue;
		}
		if (eq != NULL)
			o->value = eq + 1;
		else if (i + 1 < argc)
			o->value = argv[++i];
		else {
			*cause = xasprintf("%s needs a value", a);
			return -1;
		}
		if (o->n == ARGS_MAX) {
			*cause =
			    xasprintf("too many %.*s", (int)strcspn(a, "="), a);
			return -1;
		}
		o->values[o->n++] = o->value;
	}
	return n;
}
