/* sb_haptics: misuse, each pattern's on/off timing, replacement mid-pattern, a motor that refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fake_platform.h"
#include "sb_haptics.h"
#include "sb_protocol.h"

static sb_haptics_t h;

static int setup(void **state)
{
    (void)state;
    fake_platform_reset();
    assert_int_equal(sb_haptics_init(&h, &sb_haptics_default_settings), SB_OK);
    return 0;
}

static void test_misuse(void **state)
{
    (void)state;
    sb_haptics_settings_t s = sb_haptics_default_settings;
    assert_int_equal(sb_haptics_init(NULL, &s), SB_ERR_NULL);
    assert_int_equal(sb_haptics_init(&h, NULL), SB_ERR_NULL);
    s.short_ms = 0;
    assert_int_equal(sb_haptics_init(&h, &s), SB_ERR_ARG);
    assert_int_equal(sb_haptics_init(&h, &sb_haptics_default_settings), SB_OK);
    assert_int_equal(sb_haptics_start(&h, 4, 50, 0), SB_ERR_ARG);
    assert_int_equal(sb_haptics_start(&h, SB_PATTERN_SHORT, 0, 0), SB_ERR_ARG);
    assert_int_equal(sb_haptics_start(&h, SB_PATTERN_SHORT, 101, 0), SB_ERR_ARG);
    assert_int_equal(sb_haptics_start(NULL, SB_PATTERN_SHORT, 1, 0), SB_ERR_NULL);
    assert_int_equal(sb_haptics_update(NULL, 0), SB_ERR_NULL);
    assert_int_equal(fake_vibrate_changes(), 0);
    assert_false(sb_haptics_busy(&h));
    s = sb_haptics_default_settings;
    s.gap_ms = 0;
    assert_int_equal(sb_haptics_set(&h, &s), SB_ERR_ARG);
    assert_int_equal(sb_haptics_set(NULL, &s), SB_ERR_NULL);
}

static void test_set_changes_the_next_pattern(void **state)
{
    (void)state;
    sb_haptics_settings_t s = {.short_ms = 40, .long_ms = 400, .gap_ms = 40};
    assert_int_equal(sb_haptics_set(&h, &s), SB_OK);
    assert_int_equal(sb_haptics_start(&h, SB_PATTERN_SHORT, 20, 0), SB_OK);
    assert_int_equal(sb_haptics_update(&h, 39), SB_OK);
    assert_int_equal(fake_vibrate_level(), 20);
    assert_int_equal(sb_haptics_update(&h, 40), SB_OK);
    assert_int_equal(fake_vibrate_level(), 0);
}

static void test_double_pattern_timing(void **state)
{
    (void)state;
    assert_int_equal(sb_haptics_start(&h, SB_PATTERN_DOUBLE, 80, 1000), SB_OK);
    assert_int_equal(fake_vibrate_level(), 80);
    const struct {
        uint64_t t;
        uint8_t level;
    } expect[] = {{1149, 80}, {1150, 0}, {1299, 0}, {1300, 80}, {1449, 80}, {1450, 0}, {5000, 0}};
    for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
        assert_int_equal(sb_haptics_update(&h, expect[i].t), SB_OK);
        assert_int_equal(fake_vibrate_level(), expect[i].level);
    }
    assert_int_equal(fake_vibrate_changes(), 4);
    assert_false(sb_haptics_busy(&h));
}

static void test_late_update_skips_whole_pattern(void **state)
{
    (void)state;
    assert_int_equal(sb_haptics_start(&h, SB_PATTERN_LONG, 100, 0), SB_OK);
    assert_true(sb_haptics_busy(&h));
    assert_int_equal(sb_haptics_update(&h, 10000), SB_OK);
    assert_int_equal(fake_vibrate_level(), 0);
}

static void test_stop_and_replace(void **state)
{
    (void)state;
    assert_int_equal(sb_haptics_start(&h, SB_PATTERN_LONG, 60, 0), SB_OK);
    assert_int_equal(sb_haptics_start(&h, SB_PATTERN_SHORT, 30, 100), SB_OK);
    assert_int_equal(fake_vibrate_level(), 30);
    assert_int_equal(sb_haptics_start(&h, SB_PATTERN_STOP, 0, 120), SB_OK);
    assert_int_equal(fake_vibrate_level(), 0);
}

static void test_motor_refusal_is_counted_and_retried(void **state)
{
    (void)state;
    fake_vibrate_fail(true);
    assert_int_equal(sb_haptics_start(&h, SB_PATTERN_LONG, 50, 0), SB_OK);
    assert_int_equal(h.motor_errors, 1);
    fake_vibrate_fail(false);
    assert_int_equal(sb_haptics_update(&h, 10), SB_OK);
    assert_int_equal(fake_vibrate_level(), 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_misuse, setup),
        cmocka_unit_test_setup(test_set_changes_the_next_pattern, setup),
        cmocka_unit_test_setup(test_double_pattern_timing, setup),
        cmocka_unit_test_setup(test_late_update_skips_whole_pattern, setup),
        cmocka_unit_test_setup(test_stop_and_replace, setup),
        cmocka_unit_test_setup(test_motor_refusal_is_counted_and_retried, setup),
    };
    return cmocka_run_group_tests_name("haptics", tests, NULL, NULL);
}
