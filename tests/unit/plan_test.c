/*
 * A crew's day (server/plan.c) and the ranking by insertion into it
 * (server/rank.c): pinned jobs stay in front, windows are kept or the late
 * minutes say so, skills bind in an office plan, a scarce crew is spared.
 * 20 km/h with detour 1.4: 1 km straight is 4.2 minutes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "plan.h"
#include "rank.h"
#include "roadnet.h"

static const struct rank_params params = {.speed_kmh = 20, .detour = 1.4};

static struct plan_job
job(long long id, double e, double n)
{
	struct plan_job j;

	memset(&j, 0, sizeof j);
	j.id = id;
	j.e = e;
	j.n = n;
	j.work = 30;
	j.due = 1e9;
	j.window_to = 1e9;
	j.priority = 3;
	j.fixed = PLAN_FREE;
	return j;
}

/*
 * The river town of fixture.h, 3 km long, its bridge at x = 2800 (issue 15
 * item 6).
 */
static struct roadnet *
river_town(void)
{
	return fixture_river_town(2800, 3000);
}

/*
 * The crew on the south bank: the job across the water is nearest as the
 * crow flies but 5.7 km by road, so on the road network the crew does the
 * job 1.5 km along its own bank first; a job far from any road is still
 * planned, measured straight, and says so.
 */
static void
test_road_network_day(void **state)
{
	struct plan_job j[3] = {
	    job(1, 100, 110), job(2, 1500, -100), job(3, 3000, 3000)};
	struct rank_params p = params;
	double mpm = 20 * 1000.0 / 60;

	(void)state;
	plan_crew_day(0, -100, 1e6, j, 2, &p);
	assert_int_equal(j[0].id, 1); /* straight: across first */
	assert_int_equal(j[0].travel_by, PLAN_TRAVEL_STRAIGHT);
	assert_true(fabs(j[0].travel - hypot(100, 210) * 1.4 / mpm) < 1e-9);
	j[0] = job(1, 100, 110), j[1] = job(2, 1500, -100);
	p.net = river_town();
	plan_crew_day(0, -100, 1e6, j, 3, &p);
	assert_int_equal(j[0].id, 2);
	assert_int_equal(j[0].travel_by, PLAN_TRAVEL_ROAD);
	assert_true(fabs(j[0].travel - 1500 / mpm) < 1e-6);
	assert_int_equal(j[1].id, 1);
	assert_int_equal(j[1].travel_by, PLAN_TRAVEL_ROAD);
	/* 1300 to the bridge, over it, 2700 back, 10 m to the house. */
	assert_true(fabs(j[1].travel - (1300 + 200 + 2700 + 10) / mpm) < 1e-3);
	assert_int_equal(j[2].id, 3);
	assert_int_equal(j[2].travel_by, PLAN_TRAVEL_STRAIGHT);
	assert_true(fabs(j[2].travel - hypot(2900, 2890) * 1.4 / mpm) < 1e-9);
	roadnet_free(p.net);
}

/* The recommendation measures by road too: the crew over the bridge wins. */
static void
test_road_network_rank(void **state)
{
	struct rank_crew c[2];
	struct rank_params p = params;

	(void)state;
	memset(c, 0, sizeof c);
	c[0].id = 1, c[0].easting = 200, c[0].northing = -100;
	c[1].id = 2, c[1].easting = 1500, c[1].northing = 100;
	c[0].shift_end = c[1].shift_end = 1e6;
	rank_crews(200, 100, c, 2, &p);
	assert_int_equal(c[0].id, 1); /* 200 m straight */
	assert_int_equal(c[0].travel_by, PLAN_TRAVEL_STRAIGHT);
	p.net = river_town();
	rank_crews(200, 100, c, 2, &p);
	assert_int_equal(c[0].id, 2); /* 1300 m by road, against 5400 */
	assert_int_equal(c[0].travel_by, PLAN_TRAVEL_ROAD);
	assert_true(fabs(c[1].travel_minutes - 5400 / (20000.0 / 60)) < 1e-3);
	roadnet_free(p.net);
}

/* Three jobs on a line: nearest first; pinning the far one puts it first. */
static void
test_order_and_pin(void **state)
{
	struct plan_job j[3] = {
	    job(1, 3000, 0), job(2, 1000, 0), job(3, 2000, 0)};

	(void)state;
	plan_crew_day(0, 0, 1e6, j, 3, &params);
	assert_int_equal(j[0].id, 2);
	assert_int_equal(j[1].id, 3);
	assert_int_equal(j[2].id, 1);
	assert_true(fabs(j[0].arrive - 4.2) < 1e-6);
	assert_true(fabs(j[1].arrive - (4.2 + 30 + 4.2)) < 1e-6);
	for (int i = 0; i < 3; i++) {
		if (j[i].id == 1) {
			j[i].fixed = PLAN_PINNED;
			j[i].pin = 1;
		}
	}
	plan_crew_day(0, 0, 1e6, j, 3, &params);
	assert_int_equal(j[0].id, 1);
	assert_int_equal(j[0].order, 1);
	/* On site beats a pin: the job it is at comes first. */
	j[2].fixed = PLAN_ON_SITE;
	plan_crew_day(0, 0, 1e6, j, 3, &params);
	assert_int_equal(j[0].fixed, PLAN_ON_SITE);
	assert_int_equal(j[1].id, 1);
}

/* A window that opens later: the job waits for it and keeps it; one that
 * closes too soon is planned last and says by how much it is missed. */
static void
test_windows(void **state)
{
	struct plan_job j[3] = {
	    job(1, 1000, 0), job(2, 2000, 0), job(3, 1500, 0)};
	int i;

	(void)state;
	j[0].ready = 180; /* 「15時以降」, three hours from now */
	j[0].window_to = j[0].due = 240;
	j[1].window_to = j[1].due = 2; /* cannot be reached in 2 minutes */
	plan_crew_day(0, 0, 1e6, j, 3, &params);
	for (i = 0; i < 3; i++) {
		if (j[i].id == 1) {
			assert_true(j[i].start >= 180);
			assert_true(j[i].late == 0);
		}
		if (j[i].id == 2) {
			assert_int_equal(j[i].order, 3);
			assert_true(j[i].late > 0);
		}
	}
	/* Job 3 is done before the crew waits for job 1's window. */
	assert_int_equal(j[0].id, 3);
}

/* The shift ends: a job that would finish after it is marked so. */
static void
test_shift_end(void **state)
{
	struct plan_job j[2] = {job(1, 1000, 0), job(2, 2000, 0)};

	(void)state;
	plan_crew_day(0, 0, 50, j, 2, &params);
	assert_false(j[0].after_shift);
	assert_true(j[1].after_shift);
}

/* Insertion: arrival at the new job and the delay to the others. */
static void
test_insert_cost(void **state)
{
	struct plan_job j[1] = {job(1, 1000, 0)};
	struct plan_job add = job(9, 2000, 0);
	double arrive, delay;
	int pos, broken;

	(void)state;
	plan_times(0, 0, 1e6, j, 1, &params);
	arrive = plan_insert_cost(
	    0, 0, 1e6, j, 1, &add, &params, &pos, &delay, &broken, NULL);
	/* Beyond the job: after it, arriving when it is done plus 1 km. */
	assert_int_equal(pos, 1);
	assert_true(fabs(arrive - (4.2 + 30 + 4.2)) < 1e-6);
	assert_true(delay == 0 && broken == 0);
	/* A job on site stays first whatever it costs. */
	j[0].fixed = PLAN_ON_SITE;
	add.e = 0;
	arrive = plan_insert_cost(
	    0, 0, 1e6, j, 1, &add, &params, &pos, &delay, &broken, NULL);
	assert_int_equal(pos, 1);
}

/* An office: a wasp job goes to the wasp crew even if another is nearer. */
static void
test_office_skills(void **state)
{
	struct plan_crew c[2];
	struct plan_job j[2] = {job(1, 100, 0), job(2, 5000, 0)};

	(void)state;
	memset(c, 0, sizeof c);
	c[0] = (struct plan_crew){0, 0, 1e6, 0x2, NULL, 0, {0, 0, 0, 0}};
	c[1] = (struct plan_crew){5000, 0, 1e6, 0x1, NULL, 0, {0, 0, 0, 0}};
	j[0].skills = 0x1; /* wasp, next to the road crew */
	j[1].skills = 0x2;
	j[0].crew = j[1].crew = -1;
	plan_office(c, 2, j, 2, &params, 200, 0);
	assert_int_equal(j[0].crew, 1);
	assert_int_equal(j[1].crew, 0);
	assert_true(j[0].order > 0 && j[1].order > 0);
}

/* Crew 1 500 m east of the job at the origin, crew 2 3 km; both on shift. */
static void
two_crews(struct rank_crew c[2])
{
	memset(c, 0, 2 * sizeof *c);
	c[0].id = 1;
	c[0].easting = 500;
	c[0].shift_end = 1e6;
	c[1].id = 2;
	c[1].easting = 3000;
	c[1].shift_end = 1e6;
}

/* The scarce crew is nearer but spared: the other arrives in time. */
static void
test_scarce_spared(void **state)
{
	struct rank_crew c[2];
	struct plan_job add = job(0, 0, 0);
	struct rank_params p = params;

	(void)state;
	two_crews(c);
	c[0].scarce = 1;
	p.job = &add;
	p.in_time = 120;
	rank_crews(0, 0, c, 2, &p);
	assert_int_equal(c[0].id, 2);
	assert_true(c[1].spared);
	/* Nobody else in time: the scarce crew goes after all. */
	c[0].id = 1, c[0].easting = 500, c[0].scarce = 1;
	c[1].id = 2, c[1].easting = 30000, c[1].scarce = 0;
	p.in_time = 60;
	rank_crews(0, 0, c, 2, &p);
	assert_int_equal(c[0].id, 1);
	assert_false(c[0].spared);
}

/* No job and no drive overlaps the break [b0, b0 + len). */
static void
assert_clear_of(const struct plan_job *j, int n, double b0, double len)
{
	for (int i = 0; i < n; i++) {
		double drive = j[i].arrive - j[i].travel;

		assert_false(
		    j[i].start < b0 + len - 1e-6 && j[i].finish > b0 + 1e-6);
		assert_false(
		    drive < b0 + len - 1e-6 && j[i].arrive > b0 + 1e-6);
	}
}

/* Breaks: a fixed one (60 minutes at 100) and a floating one. */
static void
test_breaks(void **state)
{
	struct plan_job j[4] = {
	    job(1, 1000, 0), job(2, 2000, 0), job(3, 3000, 0), job(4, 4000, 0)};
	struct plan_break b = {100, 160, 60, 0};
	struct rank_params p = params;

	(void)state;
	p.brk = &b;
	/* 4.2 + 30 per job: without a break job 3 would run 76.8..106.8. */
	plan_crew_day(0, 0, 1e6, j, 4, &p);
	assert_true(fabs(b.start - 100) < 1e-6);
	assert_clear_of(j, 4, b.start, b.len);
	assert_true(j[2].start >= 160 - 1e-6); /* after the break */
	assert_true(j[1].finish <= 100 + 1e-6);

	/* Floating: 30 minutes within 50..200: taken at the first gap. */
	b = (struct plan_break){50, 200, 30, 0};
	plan_crew_day(0, 0, 1e6, j, 4, &p);
	assert_true(fabs(b.start - j[1].finish) < 1e-6);
	assert_clear_of(j, 4, b.start, b.len);
	assert_true(fabs(j[2].arrive - (j[1].finish + 30 + 4.2)) < 1e-6);

	/* A fixed break already begun (from -20): ends at 40; then work. */
	b = (struct plan_break){-20, 40, 60, 0};
	plan_crew_day(0, 0, 1e6, j, 4, &p);
	assert_true(fabs(b.start + 20) < 1e-6);
	assert_true(fabs(j[0].arrive - (40 + 4.2)) < 1e-6);

	/* A day that ends before the break has none. */
	b = (struct plan_break){500, 560, 60, 0};
	plan_crew_day(0, 0, 1e6, j, 4, &p);
	assert_true(b.start < -1e8);
}

/*
 * The solver knows the break (fixed 60..90). B (1.4 km from A) may start
 * only in 40..70; A takes 50 min. Without the break, A then B is the
 * better day (B starts at 60.1); with it, B would come after the break,
 * 25 min late. So B goes first, 40..55, and A after the break.
 */
static struct plan_job
break_job_b(void)
{
	struct plan_job b = job(2, 0, 1000);

	b.ready = 40;
	b.due = b.window_to = 70;
	b.work = 15;
	return b;
}

static void
test_solver_plans_around_break(void **state)
{
	struct plan_job j[2] = {job(1, 1000, 0), break_job_b()};
	struct plan_break b = {60, 90, 30, 0};
	struct rank_params p = params;

	(void)state;
	j[0].work = 50;
	p.brk = &b;
	plan_crew_day(0, 0, 1e6, j, 2, &p);
	assert_int_equal(j[0].id, 2);
	assert_true(j[0].late == 0);
	assert_true(fabs(j[0].start - 40) < 1e-6);
	assert_true(fabs(b.start - 60) < 1e-6);
	assert_true(j[1].break_before == 30 && j[0].break_before == 0);
	assert_true(j[1].start >= 90 - 1e-6);
	assert_clear_of(j, 2, b.start, b.len);
}

/* The same in an office plan: the solver's own times include the break. */
static void
test_office_plans_around_break(void **state)
{
	struct plan_crew c[1];
	struct plan_job j[2] = {job(1, 1000, 0), break_job_b()};
	int a = 0, bb = 1;

	(void)state;
	memset(c, 0, sizeof c);
	c[0] = (struct plan_crew){0, 0, 1e6, 0, NULL, 0, {60, 90, 30, 0}};
	j[0].work = 50;
	j[0].crew = j[1].crew = -1;
	plan_office(c, 1, j, 2, &params, 300, 0);
	assert_int_equal(j[bb].order, 1);
	assert_int_equal(j[a].order, 2);
	assert_true(fabs(j[bb].start - 40) < 1e-6);
	assert_true(fabs(c[0].brk.start - 60) < 1e-6);
	/* A after the break: 90 + 1.4 km (5.94 min). */
	assert_true(fabs(j[a].arrive - (90 + 1414.2136 * 4.2 / 1000)) < 1e-3);
	assert_true(j[a].break_before == 30 && j[bb].break_before == 0);
}

/* A job that fits the shift without the break but not with it says so. */
static void
test_break_pushes_past_shift(void **state)
{
	struct plan_job j[1] = {job(1, 1000, 0)};
	struct plan_break b = {10, 40, 30, 0};
	struct rank_params p = params;

	(void)state;
	j[0].work = 50;
	plan_crew_day(0, 0, 70, j, 1, &params);
	assert_false(j[0].after_shift); /* 4.2 .. 54.2 */
	p.brk = &b;
	plan_crew_day(0, 0, 70, j, 1, &p);
	assert_true(j[0].after_shift); /* break 10..40, then 44.2 .. 94.2 */
	assert_true(j[0].break_before == 30);
	assert_true(j[0].finish - j[0].break_before <= 70);
}

/*
 * Recommendation: the nearer crew is on its fixed break (began 5 min
 * ago, ends in 55); the one 3 km away arrives first and ranks first.
 * Each crew's break is its own (the other has none).
 */
static void
test_rank_knows_each_break(void **state)
{
	struct rank_crew c[2];
	struct plan_job add = job(0, 0, 0);
	struct rank_params p = params;

	(void)state;
	two_crews(c);
	c[0].brk = (struct plan_break){-5, 55, 60, 0};
	p.job = &add;
	rank_crews(0, 0, c, 2, &p);
	assert_int_equal(c[0].id, 2);
	assert_true(fabs(c[0].eta_minutes - 12.6) < 1e-6);
	assert_true(c[0].break_before == 0);
	assert_int_equal(c[1].id, 1);
	assert_true(fabs(c[1].eta_minutes - (55 + 2.1)) < 1e-6);
	assert_true(c[1].break_before == 60);
	/* A shift that ends at 60 is broken only by the break. */
	c[0].shift_end = c[1].shift_end = 60;
	rank_crews(0, 0, c, 2, &p);
	assert_true(c[0].id == 2 && !c[0].after_shift);
	assert_true(c[1].id == 1 && c[1].after_shift);
}

/* A break as a dispatcher types it: each refusal names its field. */
static void
test_break_check(void **state)
{
	static const struct {
		const char *start, *end;
		long minutes;
		const char *field; /* NULL: accepted */
	} cases[] = {
	    {"12:00", "13:00", 0, NULL},
	    {"9:30", "14:00", 45, NULL},
	    {"11:00", "14:00", 240, "minutes"},
	    {"11:00", "11:04", 0, "end"},
	    {"24:00", "13:00", 0, "start"},
	    {"12:60", "13:00", 0, "start"},
	    {"12:00", "13:0", 0, "end"},
	    {"12:00", "13:00x", 0, "end"},
	    {"", "13:00", 0, "start"},
	    {NULL, "13:00", 0, "start"},
	    {"13:00", "12:00", 0, "end"},
	    {"12:00", "13:00", 61, "minutes"},
	    {"12:00", "13:00", 4, "minutes"},
	    {"12:00", "13:00", -5, "minutes"},
	};
	struct plan_break_spec b;
	const char *field;
	char *cause;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = plan_break_check(cases[i].start, cases[i].end,
		    cases[i].minutes, &b, &field, &cause);

		if (cases[i].field == NULL) {
			assert_int_equal(rc, 0);
			assert_null(cause);
		} else {
			assert_int_equal(rc, -1);
			assert_string_equal(field, cases[i].field);
			assert_non_null(cause);
			assert_non_null(strstr(cause, cases[i].field) != NULL ||
			            strstr(cause, "minutes") != NULL
			        ? cause
			        : NULL);
			free(cause);
		}
	}
	assert_int_equal(
	    plan_break_check("9:30", "14:00", 45, &b, &field, &cause), 0);
	assert_string_equal(b.start, "09:30");
	assert_string_equal(b.end, "14:00");
	assert_int_equal(b.minutes, 45);
	assert_int_equal(
	    plan_break_check("12:00", "13:00", 0, &b, &field, &cause), 0);
	assert_int_equal(b.minutes, 60);
}

FIXTURE_MAIN(cmocka_unit_test(test_order_and_pin),
    cmocka_unit_test(test_road_network_day),
    cmocka_unit_test(test_road_network_rank), cmocka_unit_test(test_windows),
    cmocka_unit_test(test_shift_end), cmocka_unit_test(test_insert_cost),
    cmocka_unit_test(test_office_skills), cmocka_unit_test(test_scarce_spared),
    cmocka_unit_test(test_breaks),
    cmocka_unit_test(test_solver_plans_around_break),
    cmocka_unit_test(test_office_plans_around_break),
    cmocka_unit_test(test_break_pushes_past_shift),
    cmocka_unit_test(test_rank_knows_each_break),
    cmocka_unit_test(test_break_check))
