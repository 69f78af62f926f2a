/*
 * A sample for structure.app_globals_refuses: each of the three shapes of
 * a module-level app pointer, which scripts/app_globals.py must report,
 * and the shapes it must let be (a per-use struct, a parameter, a local).
 */
struct app;

static struct app *module_app; /* refused: a file-level pointer */

static struct { /* refused: module state holding the app */
	struct app *app;
	int busy;
} mod;

struct loader {
	struct app *app;
	int stale;
};
static struct loader ld; /* refused: a file-level struct that holds it */

/* Fine: allocated per use and freed with its work. */
struct mail {
	struct app *app;
	char *to;
};

static void
module_run(struct app *app)
{
	struct app *local = app;

	(void)local;
}
