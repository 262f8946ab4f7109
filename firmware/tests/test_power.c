/* sb_power: misuse, the link decides while connected, stillness leads to sleep, only the wake-up
 * interrupt or a connection leaves it, and a clock that goes backwards does not cause sleep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sb_power.h"

static void test_misuse(void **state)
{
    (void)state;
    sb_power_t p;
    sb_power_settings_t s = sb_power_default_settings;
    sb_power_inputs_t in = {0};
    assert_int_equal(sb_power_init(NULL, &s, 0), SB_ERR_NULL);
    assert_int_equal(sb_power_init(&p, NULL, 0), SB_ERR_NULL);
    s.sleep_after_s = 0;
    assert_int_equal(sb_power_init(&p, &s, 0), SB_ERR_ARG);
    assert_int_equal(sb_power_init(&p, &sb_power_default_settings, 0), SB_OK);
    assert_int_equal(sb_power_update(NULL, &in, 0), SB_ERR_NULL);
    assert_int_equal(sb_power_update(&p, NULL, 0), SB_ERR_NULL);
    assert_int_equal(sb_power_get_state(NULL), SB_STATE_IDLE);
    s.sleep_after_s = 0;
    assert_int_equal(sb_power_set(&p, &s), SB_ERR_ARG);
    assert_int_equal(sb_power_set(NULL, &s), SB_ERR_NULL);
}

static void test_set_shortens_the_wait(void **state)
{
    (void)state;
    sb_power_t p;
    assert_int_equal(sb_power_init(&p, &sb_power_default_settings, 0), SB_OK);
    sb_power_settings_t s = {.still_mdps = 300, .sleep_after_s = 5};
    assert_int_equal(sb_power_set(&p, &s), SB_OK);
    sb_power_inputs_t in = {0};
    assert_int_equal(sb_power_update(&p, &in, 5000), SB_OK);
    assert_int_equal(sb_power_get_state(&p), SB_STATE_SLEEP);
}

static void test_states(void **state)
{
    (void)state;
    sb_power_t p;
    assert_int_equal(sb_power_init(&p, &sb_power_default_settings, 1000), SB_OK);
    assert_int_equal(sb_power_get_state(&p), SB_STATE_STANDALONE);
    sb_power_inputs_t in = {.connected = true};
    sb_power_update(&p, &in, 2000);
    assert_int_equal(sb_power_get_state(&p), SB_STATE_IDLE);
    in.streaming_requested = true;
    sb_power_update(&p, &in, 3000);
    assert_int_equal(sb_power_get_state(&p), SB_STATE_STREAMING);
    sb_power_update(&p, &in, 10000000); /* connected: never sleeps */
    assert_int_equal(sb_power_get_state(&p), SB_STATE_STREAMING);
    in = (sb_power_inputs_t){0};
    sb_power_update(&p, &in, 10000000);
    assert_int_equal(sb_power_get_state(&p), SB_STATE_STANDALONE);
    in.motion_seen = true;
    sb_power_update(&p, &in, 10300000); /* moved at 10 300 s */
    in.motion_seen = false;
    sb_power_update(&p, &in, 10300000 + 599999);
    assert_int_equal(sb_power_get_state(&p), SB_STATE_STANDALONE);
    sb_power_update(&p, &in, 10300000 + 600000);
    assert_int_equal(sb_power_get_state(&p), SB_STATE_SLEEP);
    in.motion_seen = true; /* sleeping: samples are not watched, only the interrupt wakes */
    sb_power_update(&p, &in, 10300000 + 700000);
    assert_int_equal(sb_power_get_state(&p), SB_STATE_SLEEP);
    in = (sb_power_inputs_t){.woken = true};
    sb_power_update(&p, &in, 10300000 + 800000);
    assert_int_equal(sb_power_get_state(&p), SB_STATE_STANDALONE);
    in = (sb_power_inputs_t){0};
    sb_power_update(&p, &in, 1000); /* clock went backwards: restart the stillness timer */
    assert_int_equal(sb_power_get_state(&p), SB_STATE_STANDALONE);
    sb_power_update(&p, &in, 2000);
    assert_int_equal(sb_power_get_state(&p), SB_STATE_STANDALONE);
    in.connected = true;
    sb_power_update(&p, &in, 1000000000);
    assert_int_equal(sb_power_get_state(&p), SB_STATE_IDLE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_states),
        cmocka_unit_test(test_set_shortens_the_wait),
    };
    return cmocka_run_group_tests_name("power", tests, NULL, NULL);
}
