/*
 * The users' roles as a bit mask: the domain core (life cycle, sync) decides
 * by role without knowing how a caller was authenticated (auth.h); the
 * stores decode users and sessions into struct auth_user.
 */
#ifndef PATROL_ROLE_H
#define PATROL_ROLE_H

enum auth_role {
	AUTH_VIEWER = 1,
	AUTH_CREW = 2,
	AUTH_DISPATCHER = 4,
	AUTH_SUPERVISOR = 8,
	AUTH_ADMIN = 16,
};
#define AUTH_ANY                                                               \
	(AUTH_VIEWER | AUTH_CREW | AUTH_DISPATCHER | AUTH_SUPERVISOR |         \
	    AUTH_ADMIN)
#define AUTH_STAFF (AUTH_DISPATCHER | AUTH_SUPERVISOR | AUTH_ADMIN)
/* Roles that may see callers' names, phones and addresses. */
#define AUTH_PERSONAL_DATA AUTH_STAFF

/* A console session's CSRF token: 43 base64url characters (32 bytes). */
#define AUTH_CSRF_LEN 43

struct auth_user {
	long long id;
	char name[64];
	enum auth_role role;
	/* Set when authenticated by the session cookie (not a bearer token). */
	int session;
	char csrf[AUTH_CSRF_LEN + 1];
	/* AUTH_CREW: the crew this user works in (users.crew_id); 0 = none. */
	long long crew_id;
};

/* "admin" -> AUTH_ADMIN; 0 for an unknown name. */
enum auth_role role_parse(const char *);
const char *role_name(enum auth_role);

#endif
