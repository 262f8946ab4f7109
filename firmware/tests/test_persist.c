/* sb_persist: misuse, round trip, and every way stored bytes can be wrong (absent, torn, bit flip,
 * other format, out-of-range values under a good CRC), plus storage refusing reads and writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_platform.h"
#include "sb_crc.h"
#include "sb_persist.h"

static int setup(void **state)
{
    (void)state;
    fake_platform_reset();
    return 0;
}

static void test_crc_known_value(void **state)
{
    (void)state;
    const uint8_t check[] = "123456789";
    assert_int_equal(sb_crc16(check, 9), 0x29B1); /* CRC-16/CCITT-FALSE check value */
    assert_int_equal(sb_crc16(NULL, 5), 0xFFFF);
}

static void test_misuse(void **state)
{
    (void)state;
    uint8_t buf[8] = {0};
    assert_int_equal(sb_persist_save(1, NULL, 4), SB_ERR_NULL);
    assert_int_equal(sb_persist_save(1, buf, 0), SB_ERR_ARG);
    assert_int_equal(sb_persist_save(1, buf, SB_PERSIST_MAX_PAYLOAD + 1), SB_ERR_ARG);
    assert_int_equal(sb_persist_load(1, NULL, 4), SB_ERR_NULL);
    assert_int_equal(sb_persist_load(1, buf, 0), SB_ERR_ARG);
    assert_int_equal(sb_device_settings_save(NULL), SB_ERR_NULL);
    assert_int_equal(sb_device_settings_load(NULL), SB_ERR_NULL);
}

static void test_round_trip_and_failures(void **state)
{
    (void)state;
    uint8_t in[SB_PERSIST_MAX_PAYLOAD], out[SB_PERSIST_MAX_PAYLOAD];
    for (size_t i = 0; i < sizeof(in); i++) {
        in[i] = (uint8_t)(i * 37u);
    }
    assert_int_equal(sb_persist_load(5, out, sizeof(out)), SB_ERR_EMPTY);
    assert_int_equal(sb_persist_save(5, in, sizeof(in)), SB_OK);
    assert_int_equal(sb_persist_load(5, out, sizeof(out)), SB_OK);
    assert_memory_equal(in, out, sizeof(in));
    assert_int_equal(sb_persist_load(5, out, 100), SB_ERR_CORRUPT); /* another length */
    fake_storage_corrupt(5, 77);
    assert_int_equal(sb_persist_load(5, out, sizeof(out)), SB_ERR_CORRUPT);
    fake_storage_fail_writes(1);
    assert_int_equal(sb_persist_save(5, in, sizeof(in)), SB_ERR_STORAGE);
    fake_storage_fail_reads(true);
    assert_int_equal(sb_persist_load(5, out, sizeof(out)), SB_ERR_STORAGE);
}

static void test_device_settings(void **state)
{
    (void)state;
    sb_device_settings_t s;
    assert_int_equal(sb_device_settings_load(&s), SB_ERR_EMPTY);
    assert_int_equal(s.rate_hz, 104); /* defaults on a new clip */
    s.role = 1;
    s.rate_hz = 208;
    s.ranges = 0x43;
    s.neutral_set = 1;
    s.neutral[0] = 1000;
    s.neutral[1] = -2000;
    s.neutral[2] = 16200;
    s.angle_cdeg = 9000;
    s.dwell_s = 3600;
    s.motion_mdps = 500000;
    assert_int_equal(sb_device_settings_save(&s), SB_OK);
    sb_device_settings_t t;
    assert_int_equal(sb_device_settings_load(&t), SB_OK);
    assert_int_equal(t.role, 1);
    assert_int_equal(t.ranges, 0x43);
    assert_int_equal(t.neutral[1], -2000);
    assert_int_equal(t.motion_mdps, 500000);
    s.dwell_s = 0;
    assert_int_equal(sb_device_settings_save(&s), SB_ERR_ARG);
    fake_storage_corrupt(SB_KEY_SETTINGS, 3);
    assert_int_equal(sb_device_settings_load(&t), SB_ERR_CORRUPT);
    assert_int_equal(t.role, 0); /* the defaults, not half-read values */
    /* Values no firmware writes, under a valid CRC: refused too. */
    uint8_t payload[SB_DEVICE_SETTINGS_SIZE] = {0};
    payload[1] = 100; /* rate 100 Hz */
    assert_int_equal(sb_persist_save(SB_KEY_SETTINGS, payload, sizeof(payload)), SB_OK);
    assert_int_equal(sb_device_settings_load(&t), SB_ERR_CORRUPT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_crc_known_value, setup),
        cmocka_unit_test_setup(test_misuse, setup),
        cmocka_unit_test_setup(test_round_trip_and_failures, setup),
        cmocka_unit_test_setup(test_device_settings, setup),
    };
    return cmocka_run_group_tests_name("persist", tests, NULL, NULL);
}
