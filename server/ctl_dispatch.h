/* patrolctl's office, crew and demo commands (ctl_dispatch.c). */
#ifndef PATROL_CTL_DISPATCH_H
#define PATROL_CTL_DISPATCH_H

struct ctl;

#define CTL_OFFICE_ADD_USAGE                                                   \
	"CODE --name-ja TEXT --name-en TEXT --lat N --lon N "                  \
	"[--wards 14135,14136] [--skills road,park]"
#define CTL_CREW_ADD_USAGE                                                     \
	"CODE --office CODE --name TEXT --skills wasp,road "                   \
	"[--members a,b] [--shift 08:30-17:15] [--lat N --lon N]"

int ctl_dispatch_office_add(struct ctl *, int argc, char **argv);
int ctl_dispatch_crew_add(struct ctl *, int argc, char **argv);
int ctl_dispatch_demo_load(struct ctl *, int argc, char **argv);
int ctl_dispatch_category_list(struct ctl *, int argc, char **argv);
int ctl_dispatch_category_import(struct ctl *, int argc, char **argv);

#endif
