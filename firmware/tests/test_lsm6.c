/* sb_lsm6 against the fake register map: misuse, WHO_AM_I, reset, configuration bits and read-back,
 * FIFO bursts in the right axis order, realignment after an overrun, and injected bus failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_lsm6.h"
#include "fake_platform.h"
#include "sb_lsm6.h"

static const sb_i2c_bus_t bus = {
    .read = fake_lsm6_read, .write = fake_lsm6_write, .address = SB_LSM6_ADDRESS};

static int setup(void **state)
{
    (void)state;
    fake_platform_reset();
    return 0;
}

static void push_n(size_t n, int16_t base)
{
    for (size_t i = 0; i < n; i++) {
        int16_t a[3] = {(int16_t)(base + (int16_t)i), 2, 3}, g[3] = {-4, -5, (int16_t)(-base - (int16_t)i)};
        fake_lsm6_push(a, g);
    }
}

static void test_misuse(void **state)
{
    (void)state;
    sb_lsm6_t imu;
    sb_i2c_bus_t no_read = bus;
    no_read.read = NULL;
    assert_int_equal(sb_lsm6_init(NULL, &bus), SB_ERR_NULL);
    assert_int_equal(sb_lsm6_init(&imu, NULL), SB_ERR_NULL);
    assert_int_equal(sb_lsm6_init(&imu, &no_read), SB_ERR_NULL);
    assert_int_equal(sb_lsm6_init(&imu, &bus), SB_OK);
    int16_t out[4][SB_AXES];
    size_t n = 9, left = 9;
    bool over = true;
    assert_int_equal(sb_lsm6_read_fifo(&imu, out, 4, &n, &left, &over), SB_ERR_STATE); /* not configured */
    assert_int_equal(n, 0);
    assert_int_equal(sb_lsm6_read_fifo(&imu, NULL, 4, &n, &left, &over), SB_ERR_NULL);
    sb_lsm6_settings_t s = sb_lsm6_default_settings;
    assert_int_equal(sb_lsm6_configure(&imu, NULL), SB_ERR_NULL);
    s.rate_hz = 100;
    assert_int_equal(sb_lsm6_configure(&imu, &s), SB_ERR_ARG);
    s = sb_lsm6_default_settings;
    s.watermark_samples = 0;
    assert_int_equal(sb_lsm6_configure(&imu, &s), SB_ERR_ARG);
    s.watermark_samples = SB_LSM6_MAX_WATERMARK + 1;
    assert_int_equal(sb_lsm6_configure(&imu, &s), SB_ERR_ARG);
    s = sb_lsm6_default_settings;
    s.gyro_code = 5;
    assert_int_equal(sb_lsm6_configure(&imu, &s), SB_ERR_ARG);
    s = sb_lsm6_default_settings;
    s.wake_threshold_mg = 4001; /* above ±4 g */
    assert_int_equal(sb_lsm6_configure(&imu, &s), SB_ERR_ARG);
}

static void test_platform_bus_reaches_the_part(void **state)
{
    (void)state;
    sb_lsm6_t imu;
    sb_i2c_bus_t platform = sb_lsm6_platform_bus();
    assert_int_equal(platform.address, 0x6A);
    assert_int_equal(sb_lsm6_init(&imu, &platform), SB_OK); /* through sb_platform_i2c_* to the fake */
    assert_int_equal(sb_lsm6_configure(&imu, &sb_lsm6_default_settings), SB_OK);
    assert_int_equal(fake_lsm6_reg(SB_LSM6_CTRL1_XL), 0x48);
}

static void test_wrong_part_and_address(void **state)
{
    (void)state;
    sb_lsm6_t imu;
    fake_lsm6_set_who_am_i(0x69); /* an LSM6DS3 (not TR-C) */
    assert_int_equal(sb_lsm6_init(&imu, &bus), SB_ERR_ID);
    sb_i2c_bus_t other = bus;
    other.address = 0x6B;
    fake_lsm6_set_who_am_i(0x6A);
    assert_int_equal(sb_lsm6_init(&imu, &other), SB_ERR_IO);
    assert_int_equal(imu.io_errors, 1);
}

static void test_reset_that_never_clears(void **state)
{
    (void)state;
    sb_lsm6_t imu;
    fake_lsm6_reset_polls(3);
    assert_int_equal(sb_lsm6_init(&imu, &bus), SB_OK); /* clears on the third poll */
    fake_lsm6_reset_polls(1000);
    assert_int_equal(sb_lsm6_init(&imu, &bus), SB_ERR_VERIFY);
}

static void test_configure_writes_datasheet_bits(void **state)
{
    (void)state;
    sb_lsm6_t imu;
    assert_int_equal(sb_lsm6_init(&imu, &bus), SB_OK);
    sb_lsm6_settings_t s = sb_lsm6_default_settings; /* 104 Hz, ±4 g, ±500 dps, 18 samples */
    assert_int_equal(sb_lsm6_configure(&imu, &s), SB_OK);
    assert_int_equal(fake_lsm6_reg(SB_LSM6_CTRL1_XL), 0x48); /* ODR 0100, FS_XL 10 (±4 g) */
    assert_int_equal(fake_lsm6_reg(SB_LSM6_CTRL2_G), 0x44);  /* ODR 0100, FS_G 01 (500 dps) */
    assert_int_equal(fake_lsm6_reg(SB_LSM6_CTRL3_C), 0x44);  /* BDU, IF_INC */
    assert_int_equal(fake_lsm6_reg(SB_LSM6_FIFO_CTRL1), 108); /* 18 samples * 6 words */
    assert_int_equal(fake_lsm6_reg(SB_LSM6_FIFO_CTRL2), 0);
    assert_int_equal(fake_lsm6_reg(SB_LSM6_FIFO_CTRL3), 0x09);
    assert_int_equal(fake_lsm6_reg(SB_LSM6_FIFO_CTRL5), 0x26); /* ODR_FIFO 0100, continuous 110 */
    assert_int_equal(fake_lsm6_reg(SB_LSM6_INT1_CTRL), 0x08);
    s.rate_hz = 208;
    s.accel_code = 3; /* ±16 g is FS_XL 01 */
    s.gyro_code = 0;  /* ±125 dps is FS_125 */
    s.watermark_samples = SB_LSM6_MAX_WATERMARK;
    assert_int_equal(sb_lsm6_configure(&imu, &s), SB_OK);
    assert_int_equal(fake_lsm6_reg(SB_LSM6_CTRL1_XL), 0x54);
    assert_int_equal(fake_lsm6_reg(SB_LSM6_CTRL2_G), 0x52);
    assert_int_equal(fake_lsm6_reg(SB_LSM6_FIFO_CTRL1), (341 * 6) & 0xFF);
    assert_int_equal(fake_lsm6_reg(SB_LSM6_FIFO_CTRL2), (341 * 6) >> 8);
}

static void test_configure_detects_a_register_that_did_not_take(void **state)
{
    (void)state;
    sb_lsm6_t imu;
    assert_int_equal(sb_lsm6_init(&imu, &bus), SB_OK);
    fake_lsm6_stick(SB_LSM6_CTRL2_G, 0x00);
    assert_int_equal(sb_lsm6_configure(&imu, &sb_lsm6_default_settings), SB_ERR_VERIFY);
    assert_false(imu.configured);
}

static void test_fifo_reads_in_bursts_accel_first(void **state)
{
    (void)state;
    sb_lsm6_t imu;
    assert_int_equal(sb_lsm6_init(&imu, &bus), SB_OK);
    assert_int_equal(sb_lsm6_configure(&imu, &sb_lsm6_default_settings), SB_OK);
    push_n(20, 100);
    int16_t out[32][SB_AXES];
    size_t n = 0, left = 0;
    bool over = true;
    unsigned transfers_before = fake_lsm6_transfers();
    assert_int_equal(sb_lsm6_read_fifo(&imu, out, 32, &n, &left, &over), SB_OK);
    assert_int_equal(n, 20);
    assert_int_equal(left, 0);
    assert_false(over);
    assert_int_equal(fake_lsm6_fifo_bursts(), 3); /* 8 + 8 + 4 samples, not 20 single reads */
    assert_int_equal(fake_lsm6_transfers() - transfers_before, 4); /* status + 3 bursts */
    for (size_t i = 0; i < 20; i++) {
        assert_int_equal(out[i][0], 100 + (int)i);
        assert_int_equal(out[i][1], 2);
        assert_int_equal(out[i][3], -4);
        assert_int_equal(out[i][5], -100 - (int)i);
    }
    push_n(10, 0);
    assert_int_equal(sb_lsm6_read_fifo(&imu, out, 4, &n, &left, &over), SB_OK);
    assert_int_equal(n, 4);
    assert_int_equal(left, 6); /* the caller dates the newest sample it got from this */
}

static void test_fifo_overrun_realigns(void **state)
{
    (void)state;
    sb_lsm6_t imu;
    assert_int_equal(sb_lsm6_init(&imu, &bus), SB_OK);
    assert_int_equal(sb_lsm6_configure(&imu, &sb_lsm6_default_settings), SB_OK);
    push_n(5, 10);
    fake_lsm6_drop_words(2); /* the next word is gz of sample 0 */
    fake_lsm6_set_overrun();
    int16_t out[8][SB_AXES];
    size_t n = 0, left = 0;
    bool over = false;
    assert_int_equal(sb_lsm6_read_fifo(&imu, out, 8, &n, &left, &over), SB_OK);
    assert_true(over);
    assert_int_equal(imu.fifo_overruns, 1);
    assert_int_equal(imu.words_discarded, 4);
    assert_int_equal(n, 4);
    assert_int_equal(out[0][0], 11); /* sample 1 is the first whole one */
}

static void test_full_fifo_overflows(void **state)
{
    (void)state;
    sb_lsm6_t imu;
    assert_int_equal(sb_lsm6_init(&imu, &bus), SB_OK);
    assert_int_equal(sb_lsm6_configure(&imu, &sb_lsm6_default_settings), SB_OK);
    push_n(400, 0); /* 341 fit (2046 words); the oldest are lost */
    static int16_t out[400][SB_AXES];
    size_t n = 0, left = 0;
    bool over = false;
    assert_int_equal(sb_lsm6_read_fifo(&imu, out, 400, &n, &left, &over), SB_OK);
    assert_true(over);
    assert_true(n >= 340);
    assert_int_equal(out[n - 1][0], 399); /* the newest survived */
}

static void test_io_failure_mid_read_keeps_what_was_read(void **state)
{
    (void)state;
    sb_lsm6_t imu;
    assert_int_equal(sb_lsm6_init(&imu, &bus), SB_OK);
    assert_int_equal(sb_lsm6_configure(&imu, &sb_lsm6_default_settings), SB_OK);
    push_n(20, 0);
    fake_lsm6_fail_after(2); /* status ok, burst 1 ok, burst 2 fails */
    int16_t out[32][SB_AXES];
    size_t n = 0, left = 0;
    bool over = false;
    assert_int_equal(sb_lsm6_read_fifo(&imu, out, 32, &n, &left, &over), SB_ERR_IO);
    assert_int_equal(n, 8);
    assert_int_equal(imu.io_errors, 1);
}

static void test_io_failure_in_every_configure_step(void **state)
{
    (void)state;
    /* Fail each transfer of configure in turn: every failure is reported, none is ignored. */
    for (unsigned k = 0; k < 25; k++) {
        sb_lsm6_t imu;
        fake_platform_reset();
        assert_int_equal(sb_lsm6_init(&imu, &bus), SB_OK);
        fake_lsm6_fail_after(k);
        assert_int_equal(sb_lsm6_configure(&imu, &sb_lsm6_default_settings), SB_ERR_IO);
        assert_false(imu.configured);
    }
    sb_lsm6_t imu;
    fake_platform_reset();
    assert_int_equal(sb_lsm6_init(&imu, &bus), SB_OK);
    fake_lsm6_fail_after(25); /* 13 writes + 12 read-backs (FIFO_CTRL5 is written twice, checked once) */
    assert_int_equal(sb_lsm6_configure(&imu, &sb_lsm6_default_settings), SB_OK);
}

static void test_wake_mode_and_power_down(void **state)
{
    (void)state;
    sb_lsm6_t imu;
    assert_int_equal(sb_lsm6_init(&imu, &bus), SB_OK);
    assert_int_equal(sb_lsm6_configure(&imu, &sb_lsm6_default_settings), SB_OK);
    assert_int_equal(sb_lsm6_enter_wake_mode(&imu), SB_OK);
    assert_int_equal(fake_lsm6_reg(SB_LSM6_CTRL2_G), 0);          /* gyroscope off */
    assert_int_equal(fake_lsm6_reg(SB_LSM6_CTRL1_XL), 0x28);      /* 26 Hz, ±4 g */
    assert_int_equal(fake_lsm6_reg(SB_LSM6_WAKE_UP_THS), 2);      /* 125 mg / 62.5 mg */
    assert_int_equal(fake_lsm6_reg(SB_LSM6_MD1_CFG), 0x20);
    assert_int_equal(fake_lsm6_reg(SB_LSM6_TAP_CFG), 0x80);
    bool woken = true;
    assert_int_equal(sb_lsm6_check_wake(&imu, &woken), SB_OK);
    assert_false(woken);
    fake_lsm6_set_wake();
    assert_int_equal(sb_lsm6_check_wake(&imu, &woken), SB_OK);
    assert_true(woken);
    assert_int_equal(sb_lsm6_check_wake(&imu, &woken), SB_OK); /* cleared by the read */
    assert_false(woken);
    int16_t out[1][SB_AXES];
    size_t n = 0, left = 0;
    bool over = false;
    assert_int_equal(sb_lsm6_read_fifo(&imu, out, 1, &n, &left, &over), SB_ERR_STATE);
    assert_int_equal(sb_lsm6_power_down(&imu), SB_OK);
    assert_int_equal(fake_lsm6_reg(SB_LSM6_CTRL1_XL), 0);
    fake_lsm6_fail_all(true);
    assert_int_equal(sb_lsm6_check_wake(&imu, &woken), SB_ERR_IO);
    assert_false(woken);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_misuse, setup),
        cmocka_unit_test_setup(test_platform_bus_reaches_the_part, setup),
        cmocka_unit_test_setup(test_wrong_part_and_address, setup),
        cmocka_unit_test_setup(test_reset_that_never_clears, setup),
        cmocka_unit_test_setup(test_configure_writes_datasheet_bits, setup),
        cmocka_unit_test_setup(test_configure_detects_a_register_that_did_not_take, setup),
        cmocka_unit_test_setup(test_fifo_reads_in_bursts_accel_first, setup),
        cmocka_unit_test_setup(test_fifo_overrun_realigns, setup),
        cmocka_unit_test_setup(test_full_fifo_overflows, setup),
        cmocka_unit_test_setup(test_io_failure_mid_read_keeps_what_was_read, setup),
        cmocka_unit_test_setup(test_io_failure_in_every_configure_step, setup),
        cmocka_unit_test_setup(test_wake_mode_and_power_down, setup),
    };
    return cmocka_run_group_tests_name("lsm6", tests, NULL, NULL);
}
