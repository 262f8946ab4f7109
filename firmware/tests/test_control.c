/* The composed clip (sb_clip + sb_control) over the host fakes: the command handler's result codes and
 * state machine, streaming end to end (FIFO -> packets -> notifications, only after subscribe),
 * ring overflow reaching the host, settings surviving a reboot, storage failures, the standalone
 * watcher logging and vibrating, and sleep/wake. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_lsm6.h"
#include "fake_platform.h"
#include "sb_clip.h"

static sb_clip_t clip, rebooted; /* ~24 KB each: static, as on the device */

static sb_clip_config_t config(void)
{
    sb_clip_config_t c = sb_clip_default_config();
    c.imu_bus = (sb_i2c_bus_t){.read = fake_lsm6_read, .write = fake_lsm6_write, .address = SB_LSM6_ADDRESS};
    return c;
}

static int setup(void **state)
{
    (void)state;
    fake_platform_reset();
    fake_counter_set(0xFFF000u); /* the RTC wraps a few ms into every test */
    sb_clip_config_t c = config();
    assert_int_equal(sb_clip_init(&clip, &c), SB_OK);
    return 0;
}

static void advance_ms(uint32_t ms)
{
    fake_counter_advance((uint32_t)(((uint64_t)ms * 32768u) / 1000u));
}

/* Sends a request; returns the result byte and copies the response. */
static uint8_t send(const uint8_t *req, size_t len, uint8_t *resp, size_t *resp_len)
{
    uint8_t buf[SB_MAX_RESPONSE_SIZE];
    size_t n = 0;
    assert_int_equal(sb_clip_on_control_write(&clip, req, len, buf, sizeof(buf), &n), SB_OK);
    assert_true(n >= 3);
    if (resp != NULL) {
        memcpy(resp, buf, n);
        *resp_len = n;
    }
    return buf[2];
}

static uint8_t send_cmd(const sb_command_t *c)
{
    uint8_t req[16];
    size_t len = 0;
    assert_int_equal(sb_command_encode(c, req, sizeof(req), &len), SB_OK);
    return send(req, len, NULL, NULL);
}

static void connect_secure(uint16_t mtu)
{
    sb_clip_on_connect(&clip);
    sb_clip_on_security(&clip, true);
    sb_clip_on_mtu(&clip, mtu);
    sb_clip_on_subscribe(&clip, SB_CHAR_CONTROL, true);
}

static sb_status_t status(void)
{
    uint8_t buf[SB_STATUS_SIZE];
    size_t n = 0;
    sb_status_t s;
    assert_int_equal(sb_clip_read_status(&clip, buf, sizeof(buf), &n), SB_OK);
    assert_int_equal(sb_status_decode(buf, n, &s), SB_OK);
    return s;
}

static void push_samples(size_t n, int16_t ax, int16_t az, int16_t gy)
{
    for (size_t i = 0; i < n; i++) {
        int16_t a[3] = {ax, (int16_t)i, az}, g[3] = {0, gy, 0};
        fake_lsm6_push(a, g);
    }
}

/* Standalone wear at 52 Hz: every 0.5 s, 26 samples, an interrupt and a tick. */
static void wear(uint32_t seconds, int16_t ax, int16_t az, int16_t gy)
{
    for (uint32_t half = 0; half < seconds * 2u; half++) {
        advance_ms(500);
        push_samples(26, ax, az, gy);
        sb_clip_on_imu_interrupt(&clip);
        sb_clip_tick(&clip);
    }
}

static void test_misuse(void **state)
{
    (void)state;
    uint8_t buf[64];
    size_t n = 0;
    sb_clip_config_t c = config();
    assert_int_equal(sb_clip_init(NULL, &c), SB_ERR_NULL);
    assert_int_equal(sb_clip_init(&clip, NULL), SB_ERR_NULL);
    assert_int_equal(sb_clip_on_control_write(NULL, buf, 2, buf, sizeof(buf), &n), SB_ERR_NULL);
    assert_int_equal(sb_clip_on_control_write(&clip, buf, 2, NULL, sizeof(buf), &n), SB_ERR_NULL);
    assert_int_equal(sb_clip_on_control_write(&clip, buf, 2, buf, 2, &n), SB_ERR_NO_SPACE);
    assert_int_equal(sb_clip_read_status(NULL, buf, sizeof(buf), &n), SB_ERR_NULL);
    assert_int_equal(sb_clip_read_status(&clip, buf, 15, &n), SB_ERR_NO_SPACE);
    assert_int_equal(sb_clip_read_log(&clip, buf, sizeof(buf), &n), SB_ERR_STATE); /* not encrypted */
    sb_clip_on_connect(NULL);
    sb_clip_tick(NULL);
    sb_clip_on_imu_interrupt(NULL);
    assert_false(sb_clip_accept_bond(NULL, true));
}

static void test_boot_state(void **state)
{
    (void)state;
    sb_status_t s = status();
    assert_int_equal(s.state, SB_STATE_STANDALONE);
    assert_int_equal(s.rate_hz, 104);
    assert_int_equal(s.ranges, 0x21);
    assert_int_equal(s.status_flags, SB_STATUS_PAIRING_WINDOW); /* first minute after power-on */
    assert_int_equal(fake_lsm6_reg(SB_LSM6_CTRL1_XL) >> 4, 0x3); /* standalone at 52 Hz */
    advance_ms(61000);
    sb_clip_tick(&clip);
    assert_int_equal(status().status_flags, 0);
}

static void test_requests_need_encryption_and_length(void **state)
{
    (void)state;
    uint8_t resp[16];
    size_t n = 0;
    sb_clip_on_connect(&clip);
    const uint8_t start[] = {0x01, 0x33};
    assert_int_equal(send(start, 2, resp, &n), SB_RESULT_NOT_AUTHORIZED);
    assert_int_equal(resp[0], 0x81);
    assert_int_equal(resp[1], 0x33);
    assert_int_equal(send(start, 0, resp, &n), SB_RESULT_BAD_LENGTH);
    assert_int_equal(resp[0], 0x80); /* empty request: opcode 0 */
    assert_int_equal(send(start, 1, resp, &n), SB_RESULT_BAD_LENGTH);
    assert_int_equal(resp[0], 0x81);
    assert_int_equal(resp[1], 0);
    sb_clip_on_security(&clip, true);
    const uint8_t unknown[] = {0xFF, 0x10};
    assert_int_equal(send(unknown, 2, resp, &n), SB_RESULT_UNKNOWN_OPCODE);
    assert_int_equal(resp[0], 0xFF);
    const uint8_t rate_short[] = {0x03, 1, 104};
    assert_int_equal(send(rate_short, 3, resp, &n), SB_RESULT_BAD_LENGTH);
    const uint8_t rate_bad[] = {0x03, 1, 105, 0};
    assert_int_equal(send(rate_bad, 4, resp, &n), SB_RESULT_INVALID_PARAM);
}

static void test_streaming_end_to_end(void **state)
{
    (void)state;
    connect_secure(23);
    sb_command_t start = {.opcode = SB_OP_START_STREAM, .token = 1};
    assert_int_equal(send_cmd(&start), SB_RESULT_BAD_STATE); /* MTU 23 holds no sample */
    sb_clip_on_mtu(&clip, 247);
    assert_int_equal(send_cmd(&start), SB_RESULT_OK);
    assert_int_equal(status().state, SB_STATE_STREAMING);
    assert_int_equal(fake_lsm6_reg(SB_LSM6_CTRL1_XL), 0x48);  /* 104 Hz, ±4 g */
    assert_int_equal(fake_lsm6_reg(SB_LSM6_FIFO_CTRL1), 108); /* one packet per interrupt */
    push_samples(36, 8000, -100, 5);
    advance_ms(346);
    sb_clip_on_imu_interrupt(&clip);
    sb_clip_tick(&clip);
    assert_int_equal(fake_notify_count(SB_CHAR_STREAM), 0); /* not subscribed: nothing sent */
    sb_clip_on_subscribe(&clip, SB_CHAR_STREAM, true);
    sb_clip_tick(&clip);
    assert_int_equal(fake_notify_count(SB_CHAR_STREAM), 2);
    uint8_t buf[256];
    sb_sample_packet_t p0, p1;
    size_t n = fake_notify_get(SB_CHAR_STREAM, 0, buf, sizeof(buf));
    assert_int_equal(n, 236);
    assert_int_equal(sb_packet_decode(buf, n, &p0), SB_OK);
    n = fake_notify_get(SB_CHAR_STREAM, 1, buf, sizeof(buf));
    assert_int_equal(sb_packet_decode(buf, n, &p1), SB_OK);
    assert_int_equal(p0.seq, 0);
    assert_int_equal(p1.seq, 1);
    assert_int_equal(p0.flags, SB_FLAG_CLOCK_RESET);
    assert_int_equal(p1.flags, 0);
    assert_int_equal(p0.samples[5][0], 8000);
    assert_int_equal(p0.samples[5][1], 5);
    assert_int_equal(p0.samples[5][4], 5);
    assert_true(p1.t0_us - p0.t0_us >= 173000 && p1.t0_us - p0.t0_us <= 173100); /* 18 periods */
    sb_command_t stop = {.opcode = SB_OP_STOP_STREAM, .token = 2};
    assert_int_equal(send_cmd(&stop), SB_RESULT_OK);
    assert_int_equal(status().state, SB_STATE_IDLE);
    assert_int_equal(fake_lsm6_reg(SB_LSM6_CTRL1_XL), 0); /* IMU off while idle */
    sb_clip_on_disconnect(&clip);
    assert_int_equal(status().state, SB_STATE_STANDALONE);
}

static void test_radio_stall_drops_oldest_and_says_so(void **state)
{
    (void)state;
    connect_secure(247);
    sb_clip_on_subscribe(&clip, SB_CHAR_STREAM, true);
    sb_command_t start = {.opcode = SB_OP_START_STREAM, .token = 1};
    assert_int_equal(send_cmd(&start), SB_RESULT_OK);
    fake_notify_fail(-1); /* the radio has no buffers */
    for (int i = 0; i < 30; i++) {      /* 30 packets into a 24-packet ring */
        push_samples(18, 1, 2, 3);
        advance_ms(173);
        sb_clip_on_imu_interrupt(&clip);
        sb_clip_tick(&clip);
    }
    assert_true(clip.notify_retries >= 30);
    assert_int_equal(status().dropped_samples, 6 * 18);
    fake_notify_fail(0);
    for (int i = 0; i < 10; i++) {
        sb_clip_tick(&clip);
    }
    assert_int_equal(fake_notify_count(SB_CHAR_STREAM), 24);
    uint8_t buf[256];
    sb_sample_packet_t p;
    size_t n = fake_notify_get(SB_CHAR_STREAM, 0, buf, sizeof(buf));
    assert_int_equal(sb_packet_decode(buf, n, &p), SB_OK);
    assert_int_equal(p.seq, 6); /* 0..5 were dropped */
    assert_true(p.flags & SB_FLAG_RING_OVERFLOW);
    n = fake_notify_get(SB_CHAR_STREAM, 1, buf, sizeof(buf));
    assert_int_equal(sb_packet_decode(buf, n, &p), SB_OK);
    assert_int_equal(p.flags, 0);
}

static void test_fifo_overrun_is_counted(void **state)
{
    (void)state;
    connect_secure(247);
    sb_command_t start = {.opcode = SB_OP_START_STREAM, .token = 1};
    assert_int_equal(send_cmd(&start), SB_RESULT_OK);
    sb_clip_on_imu_interrupt(&clip);
    push_samples(400, 1, 2, 3); /* 341 fit */
    advance_ms(3846);           /* 400 periods at 104 Hz */
    sb_clip_on_imu_interrupt(&clip);
    sb_status_t s = status();
    assert_true(s.dropped_samples >= 55 && s.dropped_samples <= 62);
    sb_clip_on_subscribe(&clip, SB_CHAR_STREAM, true);
    sb_clip_tick(&clip);
    uint8_t buf[256];
    sb_sample_packet_t p;
    size_t n = fake_notify_get(SB_CHAR_STREAM, 0, buf, sizeof(buf));
    assert_int_equal(sb_packet_decode(buf, n, &p), SB_OK);
    assert_true(p.flags & SB_FLAG_FIFO_OVERFLOW);
}

static void test_settings_persist_across_reboot(void **state)
{
    (void)state;
    connect_secure(247);
    sb_command_t c = {.opcode = SB_OP_SET_ROLE, .token = 1, .args.role = SB_ROLE_HEAD};
    assert_int_equal(send_cmd(&c), SB_RESULT_OK);
    c = (sb_command_t){.opcode = SB_OP_SET_RATE, .token = 2, .args.rate_hz = 208};
    assert_int_equal(send_cmd(&c), SB_RESULT_OK);
    c = (sb_command_t){.opcode = SB_OP_SET_NEUTRAL, .token = 3, .args.neutral = {16000, 0, -2000}};
    assert_int_equal(send_cmd(&c), SB_RESULT_OK);
    c = (sb_command_t){.opcode = SB_OP_SET_THRESHOLDS, .token = 4, .args.thresholds = {2000, 60, 45000}};
    assert_int_equal(send_cmd(&c), SB_RESULT_OK);
    c = (sb_command_t){.opcode = SB_OP_SET_RANGES, .token = 5, .args.ranges = 0x33};
    assert_int_equal(send_cmd(&c), SB_RESULT_OK);
    sb_clip_config_t cfg = config();
    assert_int_equal(sb_clip_init(&rebooted, &cfg), SB_OK);
    assert_int_equal(rebooted.settings.role, SB_ROLE_HEAD);
    assert_int_equal(rebooted.settings.rate_hz, 208);
    assert_int_equal(rebooted.settings.neutral[2], -2000);
    assert_int_equal(rebooted.settings.neutral_set, 1);
    assert_int_equal(rebooted.settings.angle_cdeg, 2000);
    assert_int_equal(rebooted.settings.motion_mdps, 45000);
    assert_int_equal(rebooted.settings.ranges, 0x33);
    assert_int_equal(rebooted.watcher.settings.dwell_s, 60);
    assert_true(status().status_flags & SB_STATUS_NEUTRAL_SET);
}

static void test_storage_refusal(void **state)
{
    (void)state;
    connect_secure(247);
    fake_storage_fail_writes(-1);
    sb_command_t c = {.opcode = SB_OP_SET_ROLE, .token = 1, .args.role = SB_ROLE_HEAD};
    assert_int_equal(send_cmd(&c), SB_RESULT_STORAGE_ERROR);
    assert_int_equal(status().role, SB_ROLE_BACK); /* not applied either */
}

static void test_imu_refusing_settings_keeps_old_ones(void **state)
{
    (void)state;
    connect_secure(247);
    sb_command_t start = {.opcode = SB_OP_START_STREAM, .token = 1};
    assert_int_equal(send_cmd(&start), SB_RESULT_OK);
    fake_lsm6_fail_all(true);
    sb_command_t c = {.opcode = SB_OP_SET_RATE, .token = 2, .args.rate_hz = 52};
    assert_int_equal(send_cmd(&c), SB_RESULT_BAD_STATE);
    assert_int_equal(status().rate_hz, 104);
    assert_true(clip.imu_errors > 0);
}

static void test_time_sync_and_log_commands(void **state)
{
    (void)state;
    connect_secure(247);
    uint8_t req[16], resp[16];
    size_t len = 0, n = 0;
    sb_command_t c = {.opcode = SB_OP_TIME_SYNC, .token = 9, .args.host_unix_us = 1795000000000000ull};
    assert_int_equal(sb_command_encode(&c, req, sizeof(req), &len), SB_OK);
    assert_int_equal(send(req, len, resp, &n), SB_RESULT_OK);
    sb_response_t r;
    assert_int_equal(sb_response_decode(resp, n, &r), SB_OK);
    assert_int_equal(r.token, 9);
    assert_true(r.value == clip.clock.ticks * 1000000u / 32768u);
    assert_true(status().status_flags & SB_STATUS_CLOCK_SYNCED);
    c = (sb_command_t){.opcode = SB_OP_LOG_SELECT, .token = 1, .args.first_record = 1};
    assert_int_equal(send_cmd(&c), SB_RESULT_INVALID_PARAM); /* empty log */
    c = (sb_command_t){.opcode = SB_OP_LOG_CLEAR, .token = 1, .args.clear_count = 1};
    assert_int_equal(send_cmd(&c), SB_RESULT_INVALID_PARAM);
    c = (sb_command_t){.opcode = SB_OP_VIBRATE, .token = 1, .args.vibrate = {SB_PATTERN_LONG, 70}};
    assert_int_equal(send_cmd(&c), SB_RESULT_OK);
    assert_int_equal(fake_vibrate_level(), 70);
    advance_ms(700);
    sb_clip_tick(&clip);
    assert_int_equal(fake_vibrate_level(), 0);
}

static void test_standalone_watch_log_and_read(void **state)
{
    (void)state;
    /* 3 min upright, then 2 min 20 s slouched (30° forward at ±4 g), then a host connects. */
    wear(181, 8197, 0, 0); /* 181: 26 samples at 52 Hz are 499.99 ms, and minutes are floored */
    assert_int_equal(fake_vibrate_changes(), 0);
    wear(140, 7099, -4098, 0);
    assert_true(fake_vibrate_changes() >= 2); /* vibrated after the dwell */
    connect_secure(247);
    assert_int_equal(status().log_records, 1); /* the open hour closed on connect */
    uint8_t buf[SB_MAX_LOG_PAGE_SIZE];
    size_t n = 0;
    assert_int_equal(sb_clip_read_log(&clip, buf, sizeof(buf), &n), SB_OK);
    sb_log_page_t page;
    assert_int_equal(sb_log_page_decode(buf, n, &page), SB_OK);
    assert_int_equal(page.count, 1);
    assert_int_equal(page.records[0].upright_min, 3);
    assert_int_equal(page.records[0].slouched_min, 2); /* 2 min 20 s, floored */
    assert_int_equal(page.records[0].alerts, 1);
    assert_int_equal(page.records[0].flags, SB_RECORD_CLOCK_UNSYNCED);
    sb_command_t c = {.opcode = SB_OP_LOG_SELECT, .token = 1, .args.first_record = 1};
    assert_int_equal(send_cmd(&c), SB_RESULT_OK);
    assert_int_equal(sb_clip_read_log(&clip, buf, sizeof(buf), &n), SB_OK);
    assert_int_equal(n, SB_LOG_HEADER_SIZE); /* past the end: an empty page */
    c = (sb_command_t){.opcode = SB_OP_LOG_CLEAR, .token = 2, .args.clear_count = 1};
    assert_int_equal(send_cmd(&c), SB_RESULT_OK);
    assert_int_equal(status().log_records, 0);
    assert_int_equal(clip.log_cursor, 0);
}

static void test_sleep_and_wake(void **state)
{
    (void)state;
    wear(30, 8197, 0, 100); /* worn: 1.75 dps of sway */
    assert_int_equal(status().state, SB_STATE_STANDALONE);
    wear(601, 8197, 0, 0);  /* on a desk: perfectly still for 10 minutes */
    assert_int_equal(status().state, SB_STATE_SLEEP);
    assert_int_equal(fake_lsm6_reg(SB_LSM6_CTRL2_G), 0);    /* gyroscope off */
    assert_int_equal(fake_lsm6_reg(SB_LSM6_MD1_CFG), 0x20); /* wake-up on INT1 */
    sb_clip_on_imu_interrupt(&clip);                         /* spurious: no wake source */
    assert_int_equal(status().state, SB_STATE_SLEEP);
    fake_lsm6_set_wake();
    sb_clip_on_imu_interrupt(&clip);
    assert_int_equal(status().state, SB_STATE_STANDALONE);
    assert_int_equal(fake_lsm6_reg(SB_LSM6_CTRL1_XL) >> 4, 0x3);
}

static void test_no_imu_still_answers(void **state)
{
    (void)state;
    fake_platform_reset();
    fake_lsm6_set_who_am_i(0x00);
    sb_clip_config_t c = config();
    assert_int_equal(sb_clip_init(&clip, &c), SB_ERR_ID);
    connect_secure(247);
    sb_command_t start = {.opcode = SB_OP_START_STREAM, .token = 1};
    assert_int_equal(send_cmd(&start), SB_RESULT_BAD_STATE);
    assert_int_equal(status().state, SB_STATE_IDLE);
}

static void test_bonding_policy(void **state)
{
    (void)state;
    assert_true(sb_clip_accept_bond(&clip, false));
    assert_false(sb_clip_accept_bond(&clip, false)); /* one new bond per window */
    assert_true(status().status_flags & SB_STATUS_BONDED);
    sb_clip_on_button(&clip);
    assert_true(sb_clip_accept_bond(&clip, false));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_misuse, setup),
        cmocka_unit_test_setup(test_boot_state, setup),
        cmocka_unit_test_setup(test_requests_need_encryption_and_length, setup),
        cmocka_unit_test_setup(test_streaming_end_to_end, setup),
        cmocka_unit_test_setup(test_radio_stall_drops_oldest_and_says_so, setup),
        cmocka_unit_test_setup(test_fifo_overrun_is_counted, setup),
        cmocka_unit_test_setup(test_settings_persist_across_reboot, setup),
        cmocka_unit_test_setup(test_storage_refusal, setup),
        cmocka_unit_test_setup(test_imu_refusing_settings_keeps_old_ones, setup),
        cmocka_unit_test_setup(test_time_sync_and_log_commands, setup),
        cmocka_unit_test_setup(test_standalone_watch_log_and_read, setup),
        cmocka_unit_test_setup(test_sleep_and_wake, setup),
        cmocka_unit_test_setup(test_no_imu_still_answers, setup),
        cmocka_unit_test_setup(test_bonding_policy, setup),
    };
    return cmocka_run_group_tests_name("control", tests, NULL, NULL);
}
