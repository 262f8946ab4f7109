/* sb_batcher: misuse, packets sized to the MTU, timestamps, flags (CLOCK_RESET once, SATURATED,
 * FIFO_OVERFLOW on the packet after the gap), settings changes, and seq wrap at 65536. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sb_batcher.h"

typedef struct {
    sb_ring_t ring;
    sb_sample_packet_t slots[64];
    sb_batcher_t b;
} fixture_t;

static int setup(void **state)
{
    static fixture_t f;
    memset(&f, 0, sizeof(f));
    assert_int_equal(sb_ring_init(&f.ring, f.slots, 64), SB_OK);
    assert_int_equal(sb_batcher_init(&f.b, &sb_batcher_default_settings, &f.ring), SB_OK);
    *state = &f;
    return 0;
}

static void rows(int16_t (*out)[SB_AXES], size_t n, int16_t base)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t a = 0; a < SB_AXES; a++) {
            out[i][a] = (int16_t)(base + (int16_t)(i * 10 + a));
        }
    }
}

static const sb_sample_packet_t *take(fixture_t *f)
{
    static sb_sample_packet_t copy;
    const sb_sample_packet_t *p = NULL;
    assert_int_equal(sb_ring_peek(&f->ring, &p), SB_OK);
    copy = *p;
    assert_int_equal(sb_ring_pop(&f->ring), SB_OK);
    return &copy;
}

static void test_misuse(void **state)
{
    fixture_t *f = *state;
    sb_batcher_settings_t s = sb_batcher_default_settings;
    assert_int_equal(sb_batcher_init(NULL, &s, &f->ring), SB_ERR_NULL);
    assert_int_equal(sb_batcher_init(&f->b, NULL, &f->ring), SB_ERR_NULL);
    assert_int_equal(sb_batcher_init(&f->b, &s, NULL), SB_ERR_NULL);
    s.samples_per_packet = 0;
    assert_int_equal(sb_batcher_init(&f->b, &s, &f->ring), SB_ERR_ARG);
    s.samples_per_packet = 19;
    assert_int_equal(sb_batcher_init(&f->b, &s, &f->ring), SB_ERR_ARG);
    s = sb_batcher_default_settings;
    s.rate_hz = 100;
    assert_int_equal(sb_batcher_init(&f->b, &s, &f->ring), SB_ERR_ARG);
    s = sb_batcher_default_settings;
    s.ranges = 0x05;
    assert_int_equal(sb_batcher_init(&f->b, &s, &f->ring), SB_ERR_ARG);
    assert_int_equal(sb_batcher_init(&f->b, &sb_batcher_default_settings, &f->ring), SB_OK);
    assert_int_equal(sb_batcher_update(&f->b, NULL, 3, 0, false), SB_ERR_NULL);
    assert_int_equal(sb_batcher_update(&f->b, NULL, 0, 0, false), SB_OK); /* zero samples: nothing */
    assert_int_equal(sb_ring_count(&f->ring), 0);
    assert_int_equal(sb_batcher_set(&f->b, &s), SB_ERR_ARG);
}

static void test_packets_sized_and_timed(void **state)
{
    fixture_t *f = *state;
    int16_t in[40][SB_AXES];
    rows(in, 40, 0);
    /* 40 samples whose newest was taken at t = 10 s: sample 0 at 10 s - 39 periods. */
    assert_int_equal(sb_batcher_update(&f->b, (const int16_t(*)[SB_AXES])in, 40, 10000000u, false), SB_OK);
    assert_int_equal(sb_ring_count(&f->ring), 2); /* 18 + 18, 4 pending */
    const sb_sample_packet_t *p = take(f);
    assert_int_equal(p->seq, 0);
    assert_int_equal(p->count, 18);
    assert_int_equal(p->flags, SB_FLAG_CLOCK_RESET);
    assert_int_equal(p->period_ns, 9615385);
    assert_int_equal(p->ranges, 0x21);
    assert_true(p->t0_us == 10000000u - (39u * 9615385u) / 1000u);
    assert_memory_equal(p->samples, in, sizeof(int16_t) * SB_AXES * 18);
    p = take(f);
    assert_int_equal(p->seq, 1);
    assert_int_equal(p->flags, 0); /* CLOCK_RESET only once */
    assert_true(p->t0_us == 10000000u - (21u * 9615385u) / 1000u);
    assert_int_equal(sb_batcher_flush(&f->b), SB_OK);
    p = take(f);
    assert_int_equal(p->count, 4);
    assert_int_equal(p->samples[3][5], in[39][5]);
    assert_int_equal(sb_batcher_flush(&f->b), SB_OK); /* nothing pending: no empty packet */
    assert_int_equal(sb_ring_count(&f->ring), 0);
}

static void test_small_mtu(void **state)
{
    fixture_t *f = *state;
    sb_batcher_settings_t s = sb_batcher_default_settings;
    s.samples_per_packet = sb_samples_per_packet(35);
    assert_int_equal(sb_batcher_set(&f->b, &s), SB_OK);
    int16_t in[5][SB_AXES];
    rows(in, 5, 0);
    assert_int_equal(sb_batcher_update(&f->b, (const int16_t(*)[SB_AXES])in, 5, 1000000, false), SB_OK);
    assert_int_equal(sb_ring_count(&f->ring), 5);
    for (uint16_t i = 0; i < 5; i++) {
        const sb_sample_packet_t *p = take(f);
        uint8_t buf[SB_MAX_PACKET_SIZE];
        size_t length = 0;
        assert_int_equal(sb_packet_encode(p, buf, sizeof(buf), &length), SB_OK);
        assert_true(length <= 35 - SB_ATT_HEADER_SIZE);
        assert_int_equal(p->seq, i);
    }
}

static void test_flags(void **state)
{
    fixture_t *f = *state;
    int16_t in[6][SB_AXES];
    rows(in, 6, 0);
    assert_int_equal(sb_batcher_update(&f->b, (const int16_t(*)[SB_AXES])in, 6, 1000000, false), SB_OK);
    /* The FIFO overflowed before the next read: the 6 pending samples close their own packet. */
    in[2][4] = INT16_MIN;
    assert_int_equal(sb_batcher_update(&f->b, (const int16_t(*)[SB_AXES])in, 6, 2000000, true), SB_OK);
    assert_int_equal(sb_batcher_flush(&f->b), SB_OK);
    const sb_sample_packet_t *p = take(f);
    assert_int_equal(p->count, 6);
    assert_int_equal(p->flags, SB_FLAG_CLOCK_RESET);
    p = take(f);
    assert_int_equal(p->count, 6);
    assert_int_equal(p->flags, SB_FLAG_FIFO_OVERFLOW | SB_FLAG_SATURATED);
    in[2][4] = INT16_MAX;
    assert_int_equal(sb_batcher_update(&f->b, (const int16_t(*)[SB_AXES])in, 6, 3000000, false), SB_OK);
    assert_int_equal(sb_batcher_flush(&f->b), SB_OK);
    p = take(f);
    assert_int_equal(p->flags, SB_FLAG_SATURATED);
}

static void test_settings_change_closes_packet(void **state)
{
    fixture_t *f = *state;
    int16_t in[3][SB_AXES];
    rows(in, 3, 0);
    assert_int_equal(sb_batcher_update(&f->b, (const int16_t(*)[SB_AXES])in, 3, 1000000, false), SB_OK);
    sb_batcher_settings_t s = sb_batcher_default_settings;
    s.rate_hz = 208;
    s.role = SB_ROLE_HEAD;
    assert_int_equal(sb_batcher_set(&f->b, &s), SB_OK);
    assert_int_equal(sb_batcher_update(&f->b, (const int16_t(*)[SB_AXES])in, 3, 2000000, false), SB_OK);
    assert_int_equal(sb_batcher_flush(&f->b), SB_OK);
    const sb_sample_packet_t *p = take(f);
    assert_int_equal(p->period_ns, 9615385);
    assert_int_equal(p->role, SB_ROLE_BACK);
    p = take(f);
    assert_int_equal(p->period_ns, 4807692);
    assert_int_equal(p->role, SB_ROLE_HEAD);
}

static void test_seq_wraps(void **state)
{
    fixture_t *f = *state;
    sb_batcher_settings_t s = sb_batcher_default_settings;
    s.samples_per_packet = 1;
    assert_int_equal(sb_batcher_set(&f->b, &s), SB_OK);
    f->b.next_seq = 65534;
    int16_t in[3][SB_AXES];
    rows(in, 3, 0);
    assert_int_equal(sb_batcher_update(&f->b, (const int16_t(*)[SB_AXES])in, 3, 1000000, false), SB_OK);
    assert_int_equal(take(f)->seq, 65534);
    assert_int_equal(take(f)->seq, 65535);
    assert_int_equal(take(f)->seq, 0);
}

static void test_t0_never_negative(void **state)
{
    fixture_t *f = *state;
    int16_t in[18][SB_AXES];
    rows(in, 18, 0);
    assert_int_equal(sb_batcher_update(&f->b, (const int16_t(*)[SB_AXES])in, 18, 1000, false), SB_OK);
    assert_true(take(f)->t0_us == 0); /* clamped, not wrapped to 2^64 - x */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_misuse, setup),
        cmocka_unit_test_setup(test_packets_sized_and_timed, setup),
        cmocka_unit_test_setup(test_small_mtu, setup),
        cmocka_unit_test_setup(test_flags, setup),
        cmocka_unit_test_setup(test_settings_change_closes_packet, setup),
        cmocka_unit_test_setup(test_seq_wraps, setup),
        cmocka_unit_test_setup(test_t0_never_negative, setup),
    };
    return cmocka_run_group_tests_name("batcher", tests, NULL, NULL);
}
