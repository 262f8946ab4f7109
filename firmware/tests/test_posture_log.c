/* sb_posture_log: misuse, append/get/page, the 2048-record ring wrapping, surviving a "reboot" (a fresh
 * init over the same fake storage), corrupt storage, and storage refusing writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_platform.h"
#include "sb_persist.h"
#include "sb_posture_log.h"

static sb_posture_log_t log_a, log_b; /* 16 KB each: static, as on the device */

static int setup(void **state)
{
    (void)state;
    fake_platform_reset();
    assert_int_equal(sb_posture_log_init(&log_a), SB_OK);
    return 0;
}

static sb_log_record_t record(uint32_t i)
{
    return (sb_log_record_t){.hour_start = 3600u * i,
                             .upright_min = (uint8_t)(i % 41u),
                             .slouched_min = (uint8_t)(i % 19u),
                             .alerts = (uint8_t)i,
                             .flags = (uint8_t)(i & 1u)};
}

static void append_n(sb_posture_log_t *log, uint32_t from, uint32_t n)
{
    for (uint32_t i = from; i < from + n; i++) {
        sb_log_record_t r = record(i);
        assert_int_equal(sb_posture_log_append(log, &r), SB_OK);
    }
}

static void test_misuse(void **state)
{
    (void)state;
    sb_log_record_t r = record(1);
    sb_log_page_t page;
    assert_int_equal(sb_posture_log_init(NULL), SB_ERR_NULL);
    assert_int_equal(sb_posture_log_append(NULL, &r), SB_ERR_NULL);
    assert_int_equal(sb_posture_log_append(&log_a, NULL), SB_ERR_NULL);
    r.upright_min = 50;
    r.slouched_min = 11;
    assert_int_equal(sb_posture_log_append(&log_a, &r), SB_ERR_ARG); /* 61 minutes */
    assert_int_equal(sb_posture_log_get(&log_a, 0, &r), SB_ERR_ARG);   /* empty */
    assert_int_equal(sb_posture_log_clear_oldest(&log_a, 1), SB_ERR_ARG);
    assert_int_equal(sb_posture_log_page(&log_a, 1, &page), SB_ERR_ARG);
    assert_int_equal(sb_posture_log_page(&log_a, 0, &page), SB_OK);
    assert_int_equal(page.count, 0);
    assert_int_equal(sb_posture_log_count(NULL), 0);
}

static void test_append_page_and_reboot(void **state)
{
    (void)state;
    append_n(&log_a, 0, 40);
    sb_log_page_t page;
    assert_int_equal(sb_posture_log_page(&log_a, 0, &page), SB_OK);
    assert_int_equal(page.count, 29);
    assert_int_equal(page.total_records, 40);
    assert_int_equal(page.records[28].hour_start, 28u * 3600u);
    assert_int_equal(sb_posture_log_page(&log_a, 29, &page), SB_OK);
    assert_int_equal(page.count, 11);
    assert_int_equal(sb_posture_log_page(&log_a, 40, &page), SB_OK);
    assert_int_equal(page.count, 0);
    /* Reboot: a new log loads the same records from storage. */
    assert_int_equal(sb_posture_log_init(&log_b), SB_OK);
    assert_int_equal(sb_posture_log_count(&log_b), 40);
    for (uint16_t i = 0; i < 40; i++) {
        sb_log_record_t r;
        assert_int_equal(sb_posture_log_get(&log_b, i, &r), SB_OK);
        assert_int_equal(r.hour_start, 3600u * i);
        assert_int_equal(r.alerts, i);
    }
}

static void test_ring_wraps_at_2048_and_survives_reboot(void **state)
{
    (void)state;
    append_n(&log_a, 0, SB_LOG_CAPACITY + 100);
    assert_int_equal(sb_posture_log_count(&log_a), SB_LOG_CAPACITY);
    assert_int_equal(log_a.overwritten, 100);
    sb_log_record_t r;
    assert_int_equal(sb_posture_log_get(&log_a, 0, &r), SB_OK);
    assert_int_equal(r.hour_start, 100u * 3600u); /* the oldest 100 were overwritten */
    assert_int_equal(sb_posture_log_get(&log_a, SB_LOG_CAPACITY - 1, &r), SB_OK);
    assert_int_equal(r.hour_start, (SB_LOG_CAPACITY + 99u) * 3600u);
    assert_int_equal(sb_posture_log_init(&log_b), SB_OK);
    assert_int_equal(sb_posture_log_count(&log_b), SB_LOG_CAPACITY);
    assert_int_equal(sb_posture_log_get(&log_b, 0, &r), SB_OK);
    assert_int_equal(r.hour_start, 100u * 3600u);
    assert_int_equal(sb_posture_log_clear_oldest(&log_b, 2000), SB_OK);
    assert_int_equal(sb_posture_log_init(&log_a), SB_OK);
    assert_int_equal(sb_posture_log_count(&log_a), 48);
    assert_int_equal(sb_posture_log_get(&log_a, 0, &r), SB_OK);
    assert_int_equal(r.hour_start, 2100u * 3600u);
}

static void test_corrupt_block_keeps_newest(void **state)
{
    (void)state;
    append_n(&log_a, 0, 100); /* blocks 0..3 */
    fake_storage_corrupt(SB_KEY_LOG_BLOCK_BASE + 1, 40);
    assert_int_equal(sb_posture_log_init(&log_b), SB_OK);
    assert_int_equal(log_b.dropped_on_load, 64); /* blocks 0 and 1 */
    assert_int_equal(sb_posture_log_count(&log_b), 36);
    sb_log_record_t r;
    assert_int_equal(sb_posture_log_get(&log_b, 0, &r), SB_OK);
    assert_int_equal(r.hour_start, 64u * 3600u);
}

static void test_corrupt_or_missing_meta(void **state)
{
    (void)state;
    append_n(&log_a, 0, 10);
    fake_storage_corrupt(SB_KEY_LOG_META, 4);
    assert_int_equal(sb_posture_log_init(&log_b), SB_OK);
    assert_int_equal(sb_posture_log_count(&log_b), 0);
    assert_true(log_b.dropped_on_load > 0);
    fake_storage_erase(SB_KEY_LOG_META);
    assert_int_equal(sb_posture_log_init(&log_b), SB_OK);
    assert_int_equal(sb_posture_log_count(&log_b), 0);
    assert_int_equal(log_b.dropped_on_load, 0);
    fake_storage_fail_reads(true);
    assert_int_equal(sb_posture_log_init(&log_b), SB_ERR_STORAGE);
    assert_int_equal(sb_posture_log_count(&log_b), 0);
}

static void test_storage_refusing_writes(void **state)
{
    (void)state;
    append_n(&log_a, 0, 3);
    fake_storage_fail_writes(-1);
    sb_log_record_t r = record(3);
    assert_int_equal(sb_posture_log_append(&log_a, &r), SB_ERR_STORAGE);
    assert_int_equal(sb_posture_log_count(&log_a), 4); /* kept in RAM */
    assert_int_equal(log_a.storage_errors, 2);           /* block and meta */
    assert_int_equal(sb_posture_log_clear_oldest(&log_a, 2), SB_ERR_STORAGE);
    assert_int_equal(sb_posture_log_count(&log_a), 4); /* nothing cleared */
    fake_storage_fail_writes(0);
    assert_int_equal(sb_posture_log_init(&log_b), SB_OK);
    assert_int_equal(sb_posture_log_count(&log_b), 3); /* what flash holds */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_misuse, setup),
        cmocka_unit_test_setup(test_append_page_and_reboot, setup),
        cmocka_unit_test_setup(test_ring_wraps_at_2048_and_survives_reboot, setup),
        cmocka_unit_test_setup(test_corrupt_block_keeps_newest, setup),
        cmocka_unit_test_setup(test_corrupt_or_missing_meta, setup),
        cmocka_unit_test_setup(test_storage_refusing_writes, setup),
    };
    return cmocka_run_group_tests_name("posture_log", tests, NULL, NULL);
}
