/*
 * Loading the agent's optional parts (module.h): dlopen of
 * patrol-agent-NAME.so from the executable's own directory, once per
 * process (the table is kept; libcrypto cannot be unloaded anyway).
 */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "module.h"

static pthread_mutex_t module_mu = PTHREAD_MUTEX_INITIALIZER;

const void *
module_load(const char *name, const char *symbol, char **cause)
{
	char exe[PATH_MAX], *slash, *path;
	const int *table = NULL;
	void *h;
	ssize_t n;

	if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) <= 0) {
		*cause = xstrdup("cannot find the agent's own directory");
		return NULL;
	}
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) != NULL)
		*slash = '\0';
	path = xasprintf("%s/patrol-agent-%s.so", exe, name);
	/* RTLD_NOW: a missing symbol is said here, not at the first call. */
	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		*cause = xasprintf("cannot load %s: %s", path, dlerror());
		free(path);
		return NULL;
	}
	if ((table = dlsym(h, symbol)) == NULL || *table != MODULE_ABI) {
		*cause = xasprintf("%s: not a module of this agent (%s)", path,
		    table == NULL ? "no table" : "another version");
		free(path);
		table = NULL;
	} else
		free(path);
	/* Not dlclose()d: a module stays until the process ends. */
	return table;
}

static const void *
module_once(
    const void **slot, const char *name, const char *symbol, char **cause)
{
	const void *t;

	pthread_mutex_lock(&module_mu);
	if ((t = *slot) == NULL)
		t = *slot = module_load(name, symbol, cause);
	pthread_mutex_unlock(&module_mu);
	return t;
}

const struct tls_module *
module_tls(char **cause)
{
	static const void *t;

	return module_once(&t, "tls", "patrol_agent_tls", cause);
}

const struct gpsd_module *
module_gpsd(char **cause)
{
	static const void *t;

	return module_once(&t, "gpsd", "patrol_agent_gpsd", cause);
}
