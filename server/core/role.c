/* Role names as the database and the API spell them. */
#include <string.h>

#include "role.h"

static const struct {
	enum auth_role role;
	const char *name;
} role_names[] = {
    {AUTH_ADMIN, "admin"},
    {AUTH_SUPERVISOR, "supervisor"},
    {AUTH_DISPATCHER, "dispatcher"},
    {AUTH_VIEWER, "viewer"},
    {AUTH_CREW, "crew"},
};

enum auth_role
role_parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof role_names / sizeof role_names[0]; i++) {
		if (strcmp(role_names[i].name, name) == 0)
			return role_names[i].role;
	}
	return 0;
}

const char *
role_name(enum auth_role role)
{
	size_t i;

	for (i = 0; i < sizeof role_names / sizeof role_names[0]; i++) {
		if (role_names[i].role == role)
			return role_names[i].name;
	}
	return "unknown";
}
