/* sb_clock: misuse, then conversion, then counter roll-over (24-bit RTC and a full 32-bit counter). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sb_clock.h"

static void test_misuse(void **state)
{
    (void)state;
    sb_clock_t c;
    sb_clock_settings_t s = sb_clock_default_settings;
    assert_int_equal(sb_clock_init(NULL, &s), SB_ERR_NULL);
    assert_int_equal(sb_clock_init(&c, NULL), SB_ERR_NULL);
    s.counter_bits = 0;
    assert_int_equal(sb_clock_init(&c, &s), SB_ERR_ARG);
    s.counter_bits = 33;
    assert_int_equal(sb_clock_init(&c, &s), SB_ERR_ARG);
    s = sb_clock_default_settings;
    s.counter_hz = 0;
    assert_int_equal(sb_clock_init(&c, &s), SB_ERR_ARG);
    assert_true(sb_clock_update(NULL, 5) == 0);
    assert_int_equal(sb_clock_set_sync(NULL, 0, 0), SB_ERR_NULL);
    uint64_t unix_s = 7;
    assert_int_equal(sb_clock_init(&c, &sb_clock_default_settings), SB_OK);
    assert_false(sb_clock_to_unix_s(&c, 0, &unix_s)); /* not synced */
    assert_true(unix_s == 7);
}

static void test_converts_ticks(void **state)
{
    (void)state;
    sb_clock_t c;
    assert_int_equal(sb_clock_init(&c, &sb_clock_default_settings), SB_OK);
    assert_true(sb_clock_update(&c, 1000) == 0); /* the first reading is time zero */
    assert_true(sb_clock_update(&c, 1000 + 32768) == 1000000);
    assert_true(sb_clock_update(&c, 1000 + 32768 + 1) == 1000030); /* 30.5 µs, floored */
    assert_true(sb_clock_get_us(&c) == 1000030);
}

static void test_rolls_over_24_bits(void **state)
{
    (void)state;
    sb_clock_t c;
    assert_int_equal(sb_clock_init(&c, &sb_clock_default_settings), SB_OK);
    uint32_t raw = 0xFFFF00u; /* 256 ticks before the wrap */
    sb_clock_update(&c, raw);
    uint64_t total = 0;
    /* 10 000 wraps of 512 s each, in steps of 3/4 of a wrap: ~59 days, never losing a tick. */
    for (int i = 0; i < 40000; i++) {
        raw = (raw + 12582912u) & 0xFFFFFFu;
        total += 12582912u;
        sb_clock_update(&c, raw | 0xAB000000u); /* bits above the width are ignored */
    }
    assert_true(c.ticks == total);
    assert_true(sb_clock_get_us(&c) == (total / 32768u) * 1000000u + ((total % 32768u) * 1000000u) / 32768u);
}

static void test_rolls_over_32_bits_and_u64_is_exact(void **state)
{
    (void)state;
    sb_clock_t c;
    /* A 1 MHz 32-bit counter: wraps every 71 minutes. */
    sb_clock_settings_t s = {.counter_bits = 32, .counter_hz = 1000000};
    assert_int_equal(sb_clock_init(&c, &s), SB_OK);
    sb_clock_update(&c, 0xFFFFFFF0u);
    assert_true(sb_clock_update(&c, 0x00000010u) == 0x20);
    /* Jump the extended count near 2^63 ticks: the µs conversion must not overflow. */
    c.ticks = (1ull << 62);
    uint64_t us = sb_clock_update(&c, 0x10);
    assert_true(us == (1ull << 62));
}

static void test_sync(void **state)
{
    (void)state;
    sb_clock_t c;
    assert_int_equal(sb_clock_init(&c, &sb_clock_default_settings), SB_OK);
    assert_int_equal(sb_clock_set_sync(&c, 5000000, 1795000000123456ull), SB_OK);
    uint64_t unix_s = 0;
    assert_true(sb_clock_to_unix_s(&c, 5000000 + 3600000000ull, &unix_s));
    assert_true(unix_s == 1795000000ull + 3600);
    assert_int_equal(sb_clock_set_sync(&c, 0, UINT64_MAX), SB_ERR_ARG);
    /* A device time before the host epoch offset maps below zero: refused, not wrapped. */
    assert_int_equal(sb_clock_set_sync(&c, 10000000, 0), SB_OK);
    assert_false(sb_clock_to_unix_s(&c, 0, &unix_s));
    assert_int_equal(sb_clock_set_sync(&c, 0, (uint64_t)INT64_MAX), SB_OK);
    assert_false(sb_clock_to_unix_s(&c, 1000, &unix_s)); /* would overflow */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_converts_ticks),
        cmocka_unit_test(test_rolls_over_24_bits),
        cmocka_unit_test(test_rolls_over_32_bits_and_u64_is_exact),
        cmocka_unit_test(test_sync),
    };
    return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}
