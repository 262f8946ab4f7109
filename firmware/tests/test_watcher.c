/* sb_watcher: misuse, the angle threshold on both sides, dwell and re-alert, motion gating, hourly
 * records (roll-over, clock sync changing the hour base, never more than 60 minutes). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sb_watcher.h"

#define DT 20u /* ms per sample in these tests */

static sb_watcher_t w;
static const int16_t still[3] = {0, 0, 0};

static int setup(void **state)
{
    (void)state;
    assert_int_equal(sb_watcher_init(&w, &sb_watcher_default_settings), SB_OK);
    return 0;
}

/* Accelerometer (±4 g counts) tilted by deg from the sensor x axis toward -z (the wearer leaning
 * forward: the clip's top tips away from the back). */
static void tilted(double deg, int16_t out[3])
{
    double r = deg * 3.14159265358979 / 180.0;
    out[0] = (int16_t)lround(8197.0 * cos(r));
    out[1] = 0;
    out[2] = (int16_t)lround(-8197.0 * sin(r));
}

/* Feeds seconds of one posture; returns the alerts raised. */
static unsigned feed(double deg, const int16_t gyro[3], uint32_t ms, uint32_t hour, uint8_t flags,
                     sb_log_record_t *record, unsigned *records)
{
    int16_t a[3];
    tilted(deg, a);
    unsigned alerts = 0;
    for (uint32_t t = 0; t < ms; t += DT) {
        sb_watcher_output_t out;
        assert_int_equal(sb_watcher_update(&w, a, gyro, 2, DT, hour, flags, &out), SB_OK);
        alerts += out.alert;
        if (out.record_ready) {
            *record = out.record;
            (*records)++;
        }
    }
    return alerts;
}

static void test_misuse(void **state)
{
    (void)state;
    sb_watcher_settings_t s = sb_watcher_default_settings;
    sb_watcher_output_t out;
    int16_t a[3] = {8192, 0, 0};
    assert_int_equal(sb_watcher_init(NULL, &s), SB_ERR_NULL);
    assert_int_equal(sb_watcher_init(&w, NULL), SB_ERR_NULL);
    s.neutral[0] = 0; /* zero vector */
    assert_int_equal(sb_watcher_init(&w, &s), SB_ERR_ARG);
    s = sb_watcher_default_settings;
    s.angle_cdeg = 99;
    assert_int_equal(sb_watcher_init(&w, &s), SB_ERR_ARG);
    s = sb_watcher_default_settings;
    s.dwell_s = 0;
    assert_int_equal(sb_watcher_init(&w, &s), SB_ERR_ARG);
    assert_int_equal(sb_watcher_set(&w, &s), SB_ERR_ARG);
    assert_int_equal(sb_watcher_init(&w, &sb_watcher_default_settings), SB_OK);
    assert_int_equal(sb_watcher_update(&w, NULL, still, 2, DT, 0, 0, &out), SB_ERR_NULL);
    assert_int_equal(sb_watcher_update(&w, a, still, 5, DT, 0, 0, &out), SB_ERR_ARG);
    assert_int_equal(sb_watcher_update(&w, a, still, 2, 60001, 0, 0, &out), SB_ERR_ARG);
    assert_int_equal(sb_watcher_update(&w, a, still, 2, DT, 0, 0x02, &out), SB_ERR_ARG);
    const int16_t zero[3] = {0, 0, 0}; /* free fall: no direction, not classified */
    assert_int_equal(sb_watcher_update(&w, zero, still, 2, DT, 0, 0, &out), SB_OK);
    assert_int_equal(sb_watcher_get_posture(&w), SB_POSTURE_UNKNOWN);
}

static void test_threshold_both_sides(void **state)
{
    (void)state;
    sb_log_record_t r;
    unsigned n = 0;
    feed(14.5, still, 1000, 0, 0, &r, &n);
    assert_int_equal(sb_watcher_get_posture(&w), SB_POSTURE_UPRIGHT);
    feed(15.5, still, 1000, 0, 0, &r, &n);
    assert_int_equal(sb_watcher_get_posture(&w), SB_POSTURE_SLOUCHED);
    feed(-15.5, still, 1000, 0, 0, &r, &n); /* leaning back is away from neutral too */
    assert_int_equal(sb_watcher_get_posture(&w), SB_POSTURE_SLOUCHED);
    feed(180.0, still, 1000, 0, 0, &r, &n); /* upside down */
    assert_int_equal(sb_watcher_get_posture(&w), SB_POSTURE_SLOUCHED);
    /* A calibrated neutral that is itself tilted 20°: 20° is now upright. */
    sb_watcher_settings_t s = sb_watcher_default_settings;
    int16_t n20[3];
    tilted(20.0, n20);
    s.neutral[0] = (int16_t)(n20[0] * 2); /* Q14: twice the ±4 g counts of 1 g */
    s.neutral[2] = (int16_t)(n20[2] * 2);
    assert_int_equal(sb_watcher_set(&w, &s), SB_OK);
    feed(20.0, still, 1000, 0, 0, &r, &n);
    assert_int_equal(sb_watcher_get_posture(&w), SB_POSTURE_UPRIGHT);
    feed(0.0, still, 1000, 0, 0, &r, &n);
    assert_int_equal(sb_watcher_get_posture(&w), SB_POSTURE_SLOUCHED);
}

static void test_dwell_and_realert(void **state)
{
    (void)state;
    sb_log_record_t r;
    unsigned n = 0;
    assert_int_equal(feed(30.0, still, 29980, 0, 0, &r, &n), 0); /* just under 30 s */
    assert_int_equal(feed(30.0, still, 20, 0, 0, &r, &n), 1);
    assert_int_equal(feed(30.0, still, 119980, 0, 0, &r, &n), 0); /* re-alert after 120 s more */
    assert_int_equal(feed(30.0, still, 20, 0, 0, &r, &n), 1);
    feed(0.0, still, 20, 0, 0, &r, &n); /* sitting up resets the episode */
    assert_int_equal(feed(30.0, still, 29980, 0, 0, &r, &n), 0);
    assert_int_equal(feed(30.0, still, 20, 0, 0, &r, &n), 1);
}

static void test_motion_gates(void **state)
{
    (void)state;
    sb_log_record_t r;
    unsigned n = 0;
    const int16_t moving[3] = {0, 1800, 0}; /* 1800 * 17.5 mdps = 31.5 dps > 30 dps gate */
    const int16_t slow[3] = {0, 1700, 0};   /* 29.75 dps: classified */
    assert_int_equal(feed(30.0, still, 20000, 0, 0, &r, &n), 0);
    assert_int_equal(feed(30.0, moving, 60000, 0, 0, &r, &n), 0); /* moving: dwell paused, not reset */
    assert_int_equal(sb_watcher_get_posture(&w), SB_POSTURE_UNKNOWN);
    assert_int_equal(feed(30.0, slow, 10000, 0, 0, &r, &n), 1);
    assert_true(fabsf(sb_gyro_norm_mdps(moving, 2) - 31500.0f) < 1.0f);
    assert_true(sb_gyro_norm_mdps(moving, 9) == 0.0f);
}

static void test_hourly_records(void **state)
{
    (void)state;
    sb_log_record_t r;
    unsigned n = 0;
    const int16_t moving[3] = {0, 4000, 0};
    feed(0.0, still, 10 * 60000, 7200, SB_RECORD_CLOCK_UNSYNCED, &r, &n);   /* 10 min upright */
    feed(40.0, still, 5 * 60000 + 59000, 7200, SB_RECORD_CLOCK_UNSYNCED, &r, &n); /* 5 min 59 s slouched */
    feed(0.0, moving, 20 * 60000, 7200, SB_RECORD_CLOCK_UNSYNCED, &r, &n);  /* walking: neither */
    assert_int_equal(n, 0);
    feed(0.0, still, 60000, 10800, SB_RECORD_CLOCK_UNSYNCED, &r, &n); /* the next hour starts */
    assert_int_equal(n, 1);
    assert_int_equal(r.hour_start, 7200);
    assert_int_equal(r.upright_min, 10);
    assert_int_equal(r.slouched_min, 5);
    assert_int_equal(r.alerts, 3); /* at 30 s, then every 120 s: 30, 150, 270 s of 359 s */
    assert_int_equal(r.flags, SB_RECORD_CLOCK_UNSYNCED);
    /* The host syncs the clock: the hour base changes, the open hour closes. */
    feed(0.0, still, 60000, 1795000000u - 1795000000u % 3600u, 0, &r, &n);
    assert_int_equal(n, 2);
    assert_int_equal(r.hour_start, 10800);
    assert_int_equal(r.upright_min, 1);
    bool ready = true;
    assert_int_equal(sb_watcher_close_hour(&w, &r, &ready), SB_OK);
    assert_true(ready);
    assert_int_equal(r.flags, 0);
    assert_int_equal(sb_watcher_close_hour(&w, &r, &ready), SB_OK);
    assert_false(ready); /* nothing since */
    assert_int_equal(sb_watcher_hour(7199), 3600);
    assert_int_equal(sb_watcher_hour(7200), 7200);
}

static void test_hour_never_exceeds_sixty_minutes(void **state)
{
    (void)state;
    sb_log_record_t r;
    unsigned n = 0;
    /* A stuck clock keeps reporting the same hour for 90 minutes of samples. */
    feed(0.0, still, 50 * 60000, 0, 0, &r, &n);
    feed(40.0, still, 40 * 60000, 0, 0, &r, &n);
    feed(0.0, still, 20, 3600, 0, &r, &n);
    assert_int_equal(n, 1);
    assert_int_equal(r.upright_min + r.slouched_min, 60);
    assert_int_equal(r.slouched_min, 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_misuse, setup),
        cmocka_unit_test_setup(test_threshold_both_sides, setup),
        cmocka_unit_test_setup(test_dwell_and_realert, setup),
        cmocka_unit_test_setup(test_motion_gates, setup),
        cmocka_unit_test_setup(test_hourly_records, setup),
        cmocka_unit_test_setup(test_hour_never_exceeds_sixty_minutes, setup),
    };
    return cmocka_run_group_tests_name("watcher", tests, NULL, NULL);
}
