/* sb_protocol / sb_command: misuse first (NULL, zero length, short buffers, out-of-range fields), then
 * round trips, then the edges (seq and clock at their limits, every opcode's length). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sb_protocol.h"

static sb_sample_packet_t make_packet(uint8_t count)
{
    sb_sample_packet_t p;
    memset(&p, 0, sizeof(p));
    p.role = SB_ROLE_HEAD;
    p.seq = 0xFFFF;
    p.t0_us = UINT64_MAX;
    p.period_ns = 9615385;
    p.count = count;
    p.flags = SB_FLAG_RING_OVERFLOW;
    p.ranges = 0x43;
    for (uint8_t k = 0; k < count; k++) {
        for (uint8_t a = 0; a < SB_AXES; a++) {
            p.samples[k][a] = (int16_t)(k * 1000 - a * 7919);
        }
    }
    return p;
}

static void test_packet_misuse(void **state)
{
    (void)state;
    sb_sample_packet_t p = make_packet(3);
    uint8_t buf[SB_MAX_PACKET_SIZE];
    size_t length = 99;
    assert_int_equal(sb_packet_encode(NULL, buf, sizeof(buf), &length), SB_ERR_NULL);
    assert_int_equal(sb_packet_encode(&p, NULL, sizeof(buf), &length), SB_ERR_NULL);
    assert_int_equal(sb_packet_encode(&p, buf, sizeof(buf), NULL), SB_ERR_NULL);
    assert_int_equal(sb_packet_encode(&p, buf, 0, &length), SB_ERR_NO_SPACE);
    assert_int_equal(sb_packet_encode(&p, buf, 20 + 3 * 12 - 1, &length), SB_ERR_NO_SPACE);
    assert_int_equal(length, 99); /* untouched on failure */
    p.count = 0;
    assert_int_equal(sb_packet_encode(&p, buf, sizeof(buf), &length), SB_ERR_FIELD);
    p.count = SB_MAX_SAMPLES_PER_PACKET + 1;
    assert_int_equal(sb_packet_encode(&p, buf, sizeof(buf), &length), SB_ERR_FIELD);
    p = make_packet(3);
    p.flags = 0x10;
    assert_int_equal(sb_packet_encode(&p, buf, sizeof(buf), &length), SB_ERR_FIELD);
    p = make_packet(3);
    p.period_ns = 0;
    assert_int_equal(sb_packet_encode(&p, buf, sizeof(buf), &length), SB_ERR_FIELD);
    p = make_packet(3);
    p.ranges = 0x50; /* gyro code 5 */
    assert_int_equal(sb_packet_encode(&p, buf, sizeof(buf), &length), SB_ERR_FIELD);
    p = make_packet(3);
    p.ranges = 0x04; /* accel code 4 */
    assert_int_equal(sb_packet_encode(&p, buf, sizeof(buf), &length), SB_ERR_FIELD);
    p = make_packet(3);
    p.role = 2;
    assert_int_equal(sb_packet_encode(&p, buf, sizeof(buf), &length), SB_ERR_FIELD);

    sb_sample_packet_t out;
    assert_int_equal(sb_packet_decode(NULL, 10, &out), SB_ERR_NULL);
    assert_int_equal(sb_packet_decode(buf, 10, NULL), SB_ERR_NULL);
    assert_int_equal(sb_packet_decode(buf, 0, &out), SB_ERR_LENGTH);
    assert_int_equal(sb_packet_decode(buf, SB_HEADER_SIZE - 1, &out), SB_ERR_LENGTH);
}

static void test_packet_round_trip_and_layout(void **state)
{
    (void)state;
    for (uint8_t count = 1; count <= SB_MAX_SAMPLES_PER_PACKET; count++) {
        sb_sample_packet_t p = make_packet(count);
        uint8_t buf[SB_MAX_PACKET_SIZE];
        size_t length = 0;
        assert_int_equal(sb_packet_encode(&p, buf, sizeof(buf), &length), SB_OK);
        assert_int_equal(length, SB_HEADER_SIZE + count * SB_SAMPLE_SIZE);
        /* Little-endian fields at their PROTOCOL.md offsets. */
        assert_int_equal(buf[0], 1);
        assert_int_equal(buf[1], 1);
        assert_int_equal(buf[2], 0xFF);
        assert_int_equal(buf[3], 0xFF);
        assert_int_equal(buf[12], 0x19); /* 9615385 = 0x0092B819 */
        assert_int_equal(buf[13], 0xB8);
        assert_int_equal(buf[14], 0x92);
        assert_int_equal(buf[16], count);
        assert_int_equal(buf[17], SB_FLAG_RING_OVERFLOW);
        assert_int_equal(buf[18], 0x43);
        assert_int_equal(buf[19], 0);
        assert_int_equal(buf[20], (uint8_t)p.samples[0][0]);
        sb_sample_packet_t q;
        assert_int_equal(sb_packet_decode(buf, length, &q), SB_OK);
        assert_true(q.t0_us == UINT64_MAX);
        assert_int_equal(q.seq, 0xFFFF);
        assert_memory_equal(q.samples, p.samples, sizeof(int16_t) * SB_AXES * count);
        /* One byte more or less is refused, never truncated. */
        assert_int_equal(sb_packet_decode(buf, length - 1, &q), SB_ERR_LENGTH);
        assert_int_equal(sb_packet_decode(buf, length + 1, &q), SB_ERR_LENGTH);
    }
}

static void test_packet_decode_checks_each_field(void **state)
{
    (void)state;
    sb_sample_packet_t p = make_packet(2);
    uint8_t good[SB_MAX_PACKET_SIZE], buf[SB_MAX_PACKET_SIZE];
    size_t length = 0;
    assert_int_equal(sb_packet_encode(&p, good, sizeof(good), &length), SB_OK);
    sb_sample_packet_t q;
    const struct {
        size_t offset;
        uint8_t value;
        sb_err_t want;
    } cases[] = {
        {0, 2, SB_ERR_VERSION}, {1, 2, SB_ERR_FIELD},    {16, 0, SB_ERR_FIELD}, {16, 19, SB_ERR_FIELD},
        {16, 3, SB_ERR_LENGTH}, {17, 0x80, SB_ERR_FIELD}, {18, 0x05, SB_ERR_FIELD}, {19, 1, SB_ERR_FIELD},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memcpy(buf, good, length);
        buf[cases[i].offset] = cases[i].value;
        assert_int_equal(sb_packet_decode(buf, length, &q), cases[i].want);
    }
    memcpy(buf, good, length);
    memset(&buf[12], 0, 4); /* period 0 */
    assert_int_equal(sb_packet_decode(buf, length, &q), SB_ERR_FIELD);
}

static void test_samples_per_packet(void **state)
{
    (void)state;
    assert_int_equal(sb_samples_per_packet(0), 0);
    assert_int_equal(sb_samples_per_packet(23), 0);
    assert_int_equal(sb_samples_per_packet(34), 0);
    assert_int_equal(sb_samples_per_packet(35), 1);
    assert_int_equal(sb_samples_per_packet(46), 1);
    assert_int_equal(sb_samples_per_packet(47), 2);
    assert_int_equal(sb_samples_per_packet(247), 18);
    assert_int_equal(sb_samples_per_packet(512), 18);
    assert_int_equal(sb_samples_per_packet(65535), 18);
    assert_int_equal(sb_period_ns(104), 9615385);
    assert_int_equal(sb_period_ns(52), 19230769);
    assert_int_equal(sb_period_ns(208), 4807692);
    assert_int_equal(sb_period_ns(100), 0);
}

static void test_status(void **state)
{
    (void)state;
    sb_status_t s = {.state = 3, .role = 1, .ranges = 0x40, .rate_hz = 208, .fw_major = 1, .fw_minor = 2,
                     .fw_patch = 3, .status_flags = 0x0F, .dropped_samples = 0xFFFFFFFFu,
                     .log_records = 2048};
    uint8_t buf[SB_STATUS_SIZE];
    size_t length = 0;
    assert_int_equal(sb_status_encode(NULL, buf, sizeof(buf), &length), SB_ERR_NULL);
    assert_int_equal(sb_status_encode(&s, buf, SB_STATUS_SIZE - 1, &length), SB_ERR_NO_SPACE);
    assert_int_equal(sb_status_encode(&s, buf, sizeof(buf), &length), SB_OK);
    assert_int_equal(length, 16);
    sb_status_t q;
    assert_int_equal(sb_status_decode(buf, 15, &q), SB_ERR_LENGTH);
    assert_int_equal(sb_status_decode(buf, 0, &q), SB_ERR_LENGTH);
    assert_int_equal(sb_status_decode(buf, 16, &q), SB_OK);
    assert_int_equal(q.dropped_samples, 0xFFFFFFFFu);
    assert_int_equal(q.log_records, 2048);
    s.status_flags = 0x10;
    assert_int_equal(sb_status_encode(&s, buf, sizeof(buf), &length), SB_ERR_FIELD);
    s.status_flags = 0;
    s.state = 4;
    assert_int_equal(sb_status_encode(&s, buf, sizeof(buf), &length), SB_ERR_FIELD);
}

static void test_command_parse_misuse(void **state)
{
    (void)state;
    sb_command_t c;
    assert_int_equal(sb_command_parse(NULL, 0, &c), SB_RESULT_BAD_LENGTH);
    assert_int_equal(c.opcode, 0);
    assert_int_equal(sb_command_parse(NULL, 5, &c), SB_RESULT_BAD_LENGTH);
    const uint8_t one[] = {0x03};
    assert_int_equal(sb_command_parse(one, 1, &c), SB_RESULT_BAD_LENGTH);
    assert_int_equal(c.opcode, 0x03); /* echoed in the answer */
    assert_int_equal(c.token, 0);
    assert_int_equal(sb_command_parse(one, 1, NULL), SB_RESULT_BAD_LENGTH);
    const uint8_t unknown[] = {0x0C, 0x77};
    assert_int_equal(sb_command_parse(unknown, 2, &c), SB_RESULT_UNKNOWN_OPCODE);
    assert_int_equal(c.token, 0x77);
    const uint8_t response_bit[] = {0x81, 0x01};
    assert_int_equal(sb_command_parse(response_bit, 2, &c), SB_RESULT_UNKNOWN_OPCODE);
}

static void test_command_lengths_for_every_opcode(void **state)
{
    (void)state;
    const size_t payload[] = {0, 0, 0, 2, 1, 2, 6, 8, 8, 2, 2, 1};
    uint8_t buf[16] = {0};
    for (uint8_t op = 1; op <= 0x0B; op++) {
        buf[0] = op;
        buf[1] = 9;
        for (size_t len = 2; len < sizeof(buf); len++) {
            sb_command_t c;
            sb_result_t r = sb_command_parse(buf, len, &c);
            if (len - 2 != payload[op]) {
                assert_int_equal(r, SB_RESULT_BAD_LENGTH);
            } else {
                assert_int_not_equal(r, SB_RESULT_BAD_LENGTH);
            }
        }
    }
}

static void test_command_ranges(void **state)
{
    (void)state;
    sb_command_t c;
    const uint8_t rate_ok[] = {0x03, 1, 52, 0};
    assert_int_equal(sb_command_parse(rate_ok, sizeof(rate_ok), &c), SB_RESULT_OK);
    assert_int_equal(c.args.rate_hz, 52);
    const uint8_t rate_bad[] = {0x03, 1, 53, 0};
    assert_int_equal(sb_command_parse(rate_bad, sizeof(rate_bad), &c), SB_RESULT_INVALID_PARAM);
    const uint8_t stop_zero[] = {0x05, 1, 0, 0};
    assert_int_equal(sb_command_parse(stop_zero, sizeof(stop_zero), &c), SB_RESULT_OK);
    const uint8_t stop_101[] = {0x05, 1, 0, 101};
    assert_int_equal(sb_command_parse(stop_101, sizeof(stop_101), &c), SB_RESULT_INVALID_PARAM);
    /* Neutral norm limits: 0.9 and 1.1 of Q14 (sqrt(217432720) / 16384 = 0.9000...). */
    const uint8_t neutral_x_14746[] = {0x06, 1, 0x9A, 0x39, 0, 0, 0, 0}; /* 14746 / 16384 = 0.90002 */
    assert_int_equal(sb_command_parse(neutral_x_14746, 8, &c), SB_RESULT_OK);
    const uint8_t neutral_x_14745[] = {0x06, 1, 0x99, 0x39, 0, 0, 0, 0}; /* 0.89996 */
    assert_int_equal(sb_command_parse(neutral_x_14745, 8, &c), SB_RESULT_INVALID_PARAM);
    const uint8_t neutral_x_18022[] = {0x06, 1, 0x66, 0x46, 0, 0, 0, 0}; /* 1.09998 */
    assert_int_equal(sb_command_parse(neutral_x_18022, 8, &c), SB_RESULT_OK);
    const uint8_t neutral_x_18023[] = {0x06, 1, 0x67, 0x46, 0, 0, 0, 0}; /* 1.10004 */
    assert_int_equal(sb_command_parse(neutral_x_18023, 8, &c), SB_RESULT_INVALID_PARAM);
    const uint8_t neutral_min[] = {0x06, 1, 0x00, 0x80, 0x00, 0x80, 0x00, 0x80}; /* no overflow */
    assert_int_equal(sb_command_parse(neutral_min, 8, &c), SB_RESULT_INVALID_PARAM);
    const uint8_t thresholds_max[] = {0x07, 1, 0x28, 0x23, 0x10, 0x0E, 0x20, 0xA1, 0x07, 0x00};
    assert_int_equal(sb_command_parse(thresholds_max, 10, &c), SB_RESULT_OK);
    assert_int_equal(c.args.thresholds.angle_cdeg, 9000);
    assert_int_equal(c.args.thresholds.dwell_s, 3600);
    assert_int_equal(c.args.thresholds.motion_mdps, 500000);
    const uint8_t thresholds_motion_over[] = {0x07, 1, 0x28, 0x23, 0x10, 0x0E, 0x21, 0xA1, 0x07, 0x00};
    assert_int_equal(sb_command_parse(thresholds_motion_over, 10, &c), SB_RESULT_INVALID_PARAM);
    const uint8_t ranges_gyro_5[] = {0x0B, 1, 0x50};
    assert_int_equal(sb_command_parse(ranges_gyro_5, 3, &c), SB_RESULT_INVALID_PARAM);
    const uint8_t sync_max[] = {0x08, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    assert_int_equal(sb_command_parse(sync_max, 10, &c), SB_RESULT_OK);
    assert_true(c.args.host_unix_us == UINT64_MAX);
}

static void test_command_encode_round_trip(void **state)
{
    (void)state;
    sb_command_t c = {.opcode = SB_OP_SET_THRESHOLDS, .token = 200};
    c.args.thresholds.angle_cdeg = 1234;
    c.args.thresholds.dwell_s = 17;
    c.args.thresholds.motion_mdps = 123456;
    uint8_t buf[16];
    size_t length = 0;
    assert_int_equal(sb_command_encode(&c, buf, 9, &length), SB_ERR_NO_SPACE);
    assert_int_equal(sb_command_encode(&c, buf, sizeof(buf), &length), SB_OK);
    sb_command_t d;
    assert_int_equal(sb_command_parse(buf, length, &d), SB_RESULT_OK);
    assert_int_equal(d.token, 200);
    assert_int_equal(d.args.thresholds.motion_mdps, 123456);
    c.args.thresholds.dwell_s = 0;
    assert_int_equal(sb_command_encode(&c, buf, sizeof(buf), &length), SB_ERR_FIELD);
    c.opcode = 0x20;
    assert_int_equal(sb_command_encode(&c, buf, sizeof(buf), &length), SB_ERR_FIELD);
}

static void test_response(void **state)
{
    (void)state;
    uint8_t buf[SB_MAX_RESPONSE_SIZE];
    size_t length = 0;
    sb_response_t r = {.opcode = SB_OP_TIME_SYNC, .token = 4, .result = SB_RESULT_OK, .value = UINT64_MAX};
    assert_int_equal(sb_response_encode(NULL, buf, sizeof(buf), &length), SB_ERR_NULL);
    assert_int_equal(sb_response_encode(&r, buf, 10, &length), SB_ERR_NO_SPACE);
    assert_int_equal(sb_response_encode(&r, buf, sizeof(buf), &length), SB_OK);
    assert_int_equal(length, 11);
    assert_int_equal(buf[0], 0x88);
    r.result = SB_RESULT_NOT_AUTHORIZED; /* no payload unless OK */
    assert_int_equal(sb_response_encode(&r, buf, sizeof(buf), &length), SB_OK);
    assert_int_equal(length, 3);
    r = (sb_response_t){.opcode = SB_OP_LOG_SELECT, .token = 1, .result = SB_RESULT_OK, .value = 0x10000};
    assert_int_equal(sb_response_encode(&r, buf, sizeof(buf), &length), SB_ERR_FIELD);
    r.value = 2048;
    assert_int_equal(sb_response_encode(&r, buf, sizeof(buf), &length), SB_OK);
    assert_int_equal(length, 5);
    r.result = 7;
    assert_int_equal(sb_response_encode(&r, buf, sizeof(buf), &length), SB_ERR_FIELD);
    sb_response_t q;
    const uint8_t short_one[] = {0x81, 0};
    assert_int_equal(sb_response_decode(short_one, 2, &q), SB_ERR_LENGTH);
    const uint8_t extra[] = {0x81, 0, 0, 0};
    assert_int_equal(sb_response_decode(extra, 4, &q), SB_ERR_LENGTH);
    const uint8_t bad_result[] = {0x81, 0, 9};
    assert_int_equal(sb_response_decode(bad_result, 3, &q), SB_ERR_FIELD);
}

static void test_log_page(void **state)
{
    (void)state;
    sb_log_page_t page;
    memset(&page, 0, sizeof(page));
    page.first_record = 2000;
    page.total_records = 2048;
    page.count = SB_MAX_LOG_RECORDS_PER_PAGE;
    for (uint8_t i = 0; i < page.count; i++) {
        page.records[i] = (sb_log_record_t){.hour_start = 3600u * i, .upright_min = i, .slouched_min = 60 - i,
                                            .alerts = 255, .flags = SB_RECORD_CLOCK_UNSYNCED};
    }
    uint8_t buf[SB_MAX_LOG_PAGE_SIZE];
    size_t length = 0;
    assert_int_equal(sb_log_page_encode(&page, buf, sizeof(buf) - 1, &length), SB_ERR_NO_SPACE);
    assert_int_equal(sb_log_page_encode(&page, buf, sizeof(buf), &length), SB_OK);
    assert_int_equal(length, 8 + 29 * 8);
    assert_true(length <= SB_MAX_ATT_MTU - SB_ATT_HEADER_SIZE);
    sb_log_page_t q;
    assert_int_equal(sb_log_page_decode(buf, length, &q), SB_OK);
    assert_int_equal(q.records[28].slouched_min, 32);
    page.first_record = 2020; /* 2020 + 29 > 2048 */
    assert_int_equal(sb_log_page_encode(&page, buf, sizeof(buf), &length), SB_ERR_FIELD);
    page.first_record = 0;
    page.records[3].upright_min = 61 - page.records[3].slouched_min; /* 61 minutes in an hour */
    assert_int_equal(sb_log_page_encode(&page, buf, sizeof(buf), &length), SB_ERR_FIELD);
    page.count = 0;
    assert_int_equal(sb_log_page_encode(&page, buf, sizeof(buf), &length), SB_OK);
    assert_int_equal(length, 8);
    assert_int_equal(sb_log_page_decode(buf, 7, &q), SB_ERR_LENGTH);
}

static void test_manufacturer_data(void **state)
{
    (void)state;
    sb_manufacturer_data_t m = {.role = 1, .battery_percent = 100, .state = 3};
    uint8_t buf[4];
    size_t length = 0;
    assert_int_equal(sb_manufacturer_data_encode(&m, buf, 3, &length), SB_ERR_NO_SPACE);
    assert_int_equal(sb_manufacturer_data_encode(&m, buf, 4, &length), SB_OK);
    sb_manufacturer_data_t q;
    assert_int_equal(sb_manufacturer_data_decode(buf, 4, &q), SB_OK);
    assert_int_equal(q.battery_percent, 100);
    assert_int_equal(sb_manufacturer_data_decode(buf, 5, &q), SB_ERR_LENGTH);
    buf[0] = 0;
    assert_int_equal(sb_manufacturer_data_decode(buf, 4, &q), SB_ERR_VERSION);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_packet_misuse),
        cmocka_unit_test(test_packet_round_trip_and_layout),
        cmocka_unit_test(test_packet_decode_checks_each_field),
        cmocka_unit_test(test_samples_per_packet),
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_command_parse_misuse),
        cmocka_unit_test(test_command_lengths_for_every_opcode),
        cmocka_unit_test(test_command_ranges),
        cmocka_unit_test(test_command_encode_round_trip),
        cmocka_unit_test(test_response),
        cmocka_unit_test(test_log_page),
        cmocka_unit_test(test_manufacturer_data),
    };
    return cmocka_run_group_tests_name("protocol", tests, NULL, NULL);
}
