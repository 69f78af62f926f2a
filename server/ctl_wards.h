/* patrolctl's ward commands: "import wards" and "wards list". */
#ifndef PATROL_CTL_WARDS_H
#define PATROL_CTL_WARDS_H

struct ctl;

int ctl_wards_import(struct ctl *, int argc, char **argv);
/*
 * Replaces the wards with a GeoJSON file's polygons and says how many on
 * stdout: 0, else 1 after saying why on stderr (the demo load calls it).
 */
int ctl_wards_load(struct ctl *, const char *path, const char *name_field,
    const char *code_field);
int ctl_wards_list(struct ctl *, int argc, char **argv);

#endif
