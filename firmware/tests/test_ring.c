/* sb_ring: misuse, FIFO order, drop-oldest with counting and the RING_OVERFLOW mark, index wrap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sb_ring.h"

static sb_sample_packet_t packet(uint16_t seq, uint8_t count)
{
    sb_sample_packet_t p;
    memset(&p, 0, sizeof(p));
    p.seq = seq;
    p.count = count;
    p.period_ns = 1;
    return p;
}

static void test_misuse(void **state)
{
    (void)state;
    sb_ring_t r;
    sb_sample_packet_t slots[2];
    assert_int_equal(sb_ring_init(NULL, slots, 2), SB_ERR_NULL);
    assert_int_equal(sb_ring_init(&r, NULL, 2), SB_ERR_NULL);
    assert_int_equal(sb_ring_init(&r, slots, 0), SB_ERR_ARG);
    assert_int_equal(sb_ring_init(&r, slots, 2), SB_OK);
    const sb_sample_packet_t *out = NULL;
    assert_int_equal(sb_ring_peek(&r, &out), SB_ERR_EMPTY);
    assert_int_equal(sb_ring_pop(&r), SB_ERR_EMPTY);
    assert_int_equal(sb_ring_push(&r, NULL), SB_ERR_NULL);
    assert_int_equal(sb_ring_push(NULL, out), SB_ERR_NULL);
    assert_int_equal(sb_ring_peek(NULL, &out), SB_ERR_NULL);
    assert_int_equal(sb_ring_count(NULL), 0);
}

static void test_order_and_wrap(void **state)
{
    (void)state;
    sb_ring_t r;
    sb_sample_packet_t slots[3];
    assert_int_equal(sb_ring_init(&r, slots, 3), SB_OK);
    uint16_t next_in = 0, next_out = 0;
    for (int round = 0; round < 100; round++) { /* indices wrap many times */
        for (int i = 0; i < 1 + round % 3; i++) {
            sb_sample_packet_t p = packet(next_in++, 1);
            assert_int_equal(sb_ring_push(&r, &p), SB_OK);
        }
        while (sb_ring_count(&r) > 0) {
            const sb_sample_packet_t *out = NULL;
            assert_int_equal(sb_ring_peek(&r, &out), SB_OK);
            assert_int_equal(out->seq, next_out++);
            assert_int_equal(out->flags, 0);
            assert_int_equal(sb_ring_pop(&r), SB_OK);
        }
    }
    assert_int_equal(r.dropped_packets, 0);
}

static void test_overflow_drops_oldest_and_marks_next(void **state)
{
    (void)state;
    sb_ring_t r;
    sb_sample_packet_t slots[4];
    assert_int_equal(sb_ring_init(&r, slots, 4), SB_OK);
    for (uint16_t s = 0; s < 7; s++) { /* 3 more than fit */
        sb_sample_packet_t p = packet(s, 18);
        assert_int_equal(sb_ring_push(&r, &p), SB_OK);
    }
    assert_int_equal(r.dropped_packets, 3);
    assert_int_equal(r.dropped_samples, 54);
    const sb_sample_packet_t *out = NULL;
    assert_int_equal(sb_ring_peek(&r, &out), SB_OK);
    assert_int_equal(out->seq, 3);
    assert_int_equal(out->flags, SB_FLAG_RING_OVERFLOW); /* the first packet after the gap says so */
    assert_int_equal(sb_ring_pop(&r), SB_OK);
    for (uint16_t s = 4; s < 7; s++) {
        assert_int_equal(sb_ring_peek(&r, &out), SB_OK);
        assert_int_equal(out->seq, s);
        assert_int_equal(out->flags, 0);
        assert_int_equal(sb_ring_pop(&r), SB_OK);
    }
    sb_ring_clear(&r);
    assert_int_equal(sb_ring_count(&r), 0);
    assert_int_equal(r.dropped_packets, 3); /* counters survive a clear */
}

static void test_capacity_one(void **state)
{
    (void)state;
    sb_ring_t r;
    sb_sample_packet_t slot;
    assert_int_equal(sb_ring_init(&r, &slot, 1), SB_OK);
    sb_sample_packet_t a = packet(1, 2), b = packet(2, 5);
    assert_int_equal(sb_ring_push(&r, &a), SB_OK);
    assert_int_equal(sb_ring_push(&r, &b), SB_OK);
    const sb_sample_packet_t *out = NULL;
    assert_int_equal(sb_ring_peek(&r, &out), SB_OK);
    assert_int_equal(out->seq, 2);
    assert_int_equal(out->flags, SB_FLAG_RING_OVERFLOW);
    assert_int_equal(r.dropped_samples, 2);
}

static void test_counters_saturate(void **state)
{
    (void)state;
    sb_ring_t r;
    sb_sample_packet_t slot;
    assert_int_equal(sb_ring_init(&r, &slot, 1), SB_OK);
    r.dropped_samples = UINT32_MAX - 3;
    sb_sample_packet_t a = packet(1, 18);
    sb_ring_push(&r, &a);
    sb_ring_push(&r, &a);
    assert_int_equal(r.dropped_samples, UINT32_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_order_and_wrap),
        cmocka_unit_test(test_overflow_drops_oldest_and_marks_next),
        cmocka_unit_test(test_capacity_one),
        cmocka_unit_test(test_counters_saturate),
    };
    return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
