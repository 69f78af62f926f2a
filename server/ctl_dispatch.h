/* patrolctl's office, crew and demo commands (ctl_dispatch.c). */
#ifndef PATROL_CTL_DISPATCH_H
#define PATROL_CTL_DISPATCH_H

struct ctl;

int ctl_dispatch_office_add(struct ctl *, int argc, char **argv);
int ctl_dispatch_crew_add(struct ctl *, int argc, char **argv);
int ctl_dispatch_demo_load(struct ctl *, int argc, char **argv);
int ctl_dispatch_category_list(struct ctl *, int argc, char **argv);
int ctl_dispatch_category_import(struct ctl *, int argc, char **argv);

#endif
