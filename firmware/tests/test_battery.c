/* sb_battery: misuse, the curve's points and interpolation, clamping, and the smoothing filter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sb_battery.h"

static void test_misuse(void **state)
{
    (void)state;
    sb_battery_t b;
    sb_battery_settings_t s = {.smoothing_shift = 7};
    uint8_t percent = 77;
    assert_int_equal(sb_battery_init(NULL, &sb_battery_default_settings), SB_ERR_NULL);
    assert_int_equal(sb_battery_init(&b, NULL), SB_ERR_NULL);
    assert_int_equal(sb_battery_init(&b, &s), SB_ERR_ARG);
    assert_int_equal(sb_battery_init(&b, &sb_battery_default_settings), SB_OK);
    assert_int_equal(sb_battery_set(&b, &s), SB_ERR_ARG);
    assert_int_equal(sb_battery_update(&b, 3800, NULL), SB_ERR_NULL);
    assert_int_equal(sb_battery_update(&b, 6001, &percent), SB_ERR_ARG);
    assert_int_equal(percent, 77); /* untouched */
}

static void test_curve(void **state)
{
    (void)state;
    assert_int_equal(sb_battery_percent(0), 0);
    assert_int_equal(sb_battery_percent(3300), 0);
    assert_int_equal(sb_battery_percent(3400), 3);  /* halfway 0..5, rounded */
    assert_int_equal(sb_battery_percent(3800), 42);
    assert_int_equal(sb_battery_percent(3950), 71); /* between 62 and 79 */
    assert_int_equal(sb_battery_percent(4200), 100);
    assert_int_equal(sb_battery_percent(4350), 100); /* charging */
    for (uint16_t mv = 3300; mv < 4200; mv++) {
        assert_true(sb_battery_percent(mv) <= sb_battery_percent((uint16_t)(mv + 1))); /* monotonic */
    }
}

static void test_smoothing(void **state)
{
    (void)state;
    sb_battery_t b;
    uint8_t percent = 0;
    assert_int_equal(sb_battery_init(&b, &sb_battery_default_settings), SB_OK);
    assert_int_equal(sb_battery_update(&b, 3800, &percent), SB_OK);
    assert_int_equal(percent, 42);
    assert_int_equal(sb_battery_update(&b, 3600, &percent), SB_OK); /* one dip: 3800 - 200/4 */
    assert_int_equal(percent, sb_battery_percent(3750));
    for (int i = 0; i < 60; i++) {
        assert_int_equal(sb_battery_update(&b, 4200, &percent), SB_OK);
    }
    assert_int_equal(percent, 100);
    sb_battery_settings_t none = {.smoothing_shift = 0};
    assert_int_equal(sb_battery_set(&b, &none), SB_OK);
    assert_int_equal(sb_battery_update(&b, 3300, &percent), SB_OK);
    assert_int_equal(percent, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_curve),
        cmocka_unit_test(test_smoothing),
    };
    return cmocka_run_group_tests_name("battery", tests, NULL, NULL);
}
