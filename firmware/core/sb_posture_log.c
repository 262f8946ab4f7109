#include "sb_posture_log.h"

#include <string.h>

#include "sb_le.h"
#include "sb_persist.h"

#define META_SIZE 4u
#define BLOCK_SIZE (SB_LOG_BLOCK_RECORDS * SB_LOG_RECORD_SIZE) /* 256 bytes */

static uint16_t slot_of(const sb_posture_log_t *log, uint32_t index)
{
    return (uint16_t)((log->head + index) % SB_LOG_CAPACITY);
}

static sb_err_t save_meta(sb_posture_log_t *log, uint16_t head, uint16_t count)
{
    uint8_t meta[META_SIZE];
    sb_le_put_u16(&meta[0], head);
    sb_le_put_u16(&meta[2], count);
    sb_err_t err = sb_persist_save(SB_KEY_LOG_META, meta, sizeof(meta));
    if (err != SB_OK) {
        log->storage_errors++;
    }
    return err;
}

static sb_err_t save_block(sb_posture_log_t *log, uint16_t block)
{
    uint8_t buf[BLOCK_SIZE];
    for (uint32_t i = 0; i < SB_LOG_BLOCK_RECORDS; i++) {
        sb_log_record_put(&buf[i * SB_LOG_RECORD_SIZE], &log->records[block * SB_LOG_BLOCK_RECORDS + i]);
    }
    sb_err_t err = sb_persist_save((uint16_t)(SB_KEY_LOG_BLOCK_BASE + block), buf, sizeof(buf));
    if (err != SB_OK) {
        log->storage_errors++;
    }
    return err;
}

/* Loads one block into RAM; a block whose records are not all valid counts as corrupt. */
static sb_err_t load_block(sb_posture_log_t *log, uint16_t block)
{
    uint8_t buf[BLOCK_SIZE];
    sb_err_t err = sb_persist_load((uint16_t)(SB_KEY_LOG_BLOCK_BASE + block), buf, sizeof(buf));
    if (err != SB_OK) {
        return err;
    }
    for (uint32_t i = 0; i < SB_LOG_BLOCK_RECORDS; i++) {
        sb_log_record_t *r = &log->records[block * SB_LOG_BLOCK_RECORDS + i];
        sb_log_record_get(&buf[i * SB_LOG_RECORD_SIZE], r);
        if (!sb_log_record_valid(r)) {
            return SB_ERR_CORRUPT;
        }
    }
    return SB_OK;
}

sb_err_t sb_posture_log_init(sb_posture_log_t *log)
{
    if (log == NULL) {
        return SB_ERR_NULL;
    }
    memset(log, 0, sizeof(*log));
    uint8_t meta[META_SIZE];
    sb_err_t err = sb_persist_load(SB_KEY_LOG_META, meta, sizeof(meta));
    if (err == SB_ERR_EMPTY) {
        return SB_OK; /* a new clip */
    }
    if (err == SB_ERR_CORRUPT) {
        log->dropped_on_load = 1; /* unknown how many: at least the meta record */
        return SB_OK;
    }
    if (err != SB_OK) {
        return err;
    }
    uint16_t head = sb_le_get_u16(&meta[0]);
    uint16_t count = sb_le_get_u16(&meta[2]);
    if (head >= SB_LOG_CAPACITY || count > SB_LOG_CAPACITY) {
        log->dropped_on_load = 1;
        return SB_OK;
    }
    log->head = head;
    log->count = count;
    /* Walk the live range oldest first, block by block; a bad block drops everything up to its end. */
    uint32_t index = 0;
    while (index < log->count) {
        uint16_t slot = slot_of(log, index);
        uint16_t block = (uint16_t)(slot / SB_LOG_BLOCK_RECORDS);
        uint32_t in_block = SB_LOG_BLOCK_RECORDS - slot % SB_LOG_BLOCK_RECORDS;
        uint32_t span = in_block < log->count - index ? in_block : log->count - index;
        err = load_block(log, block);
        if (err == SB_ERR_STORAGE) {
            memset(log, 0, sizeof(*log));
            return err;
        }
        if (err != SB_OK) {
            uint32_t drop = index + span;
            log->dropped_on_load += drop;
            log->head = slot_of(log, drop);
            log->count = (uint16_t)(log->count - drop);
            index = 0;
            continue;
        }
        index += span;
    }
    return SB_OK;
}

sb_err_t sb_posture_log_append(sb_posture_log_t *log, const sb_log_record_t *record)
{
    if (log == NULL || record == NULL) {
        return SB_ERR_NULL;
    }
    if (!sb_log_record_valid(record)) {
        return SB_ERR_ARG;
    }
    uint16_t slot;
    if (log->count == SB_LOG_CAPACITY) {
        slot = log->head;
        log->head = (uint16_t)((log->head + 1u) % SB_LOG_CAPACITY);
        log->overwritten++;
    } else {
        slot = slot_of(log, log->count);
        log->count++;
    }
    log->records[slot] = *record;
    /* Block first, meta second: a reboot between the two loses this record, never corrupts others. */
    sb_err_t err = save_block(log, (uint16_t)(slot / SB_LOG_BLOCK_RECORDS));
    sb_err_t meta_err = save_meta(log, log->head, log->count);
    return err != SB_OK ? err : meta_err;
}

sb_err_t sb_posture_log_get(const sb_posture_log_t *log, uint16_t index, sb_log_record_t *record)
{
    if (log == NULL || record == NULL) {
        return SB_ERR_NULL;
    }
    if (index >= log->count) {
        return SB_ERR_ARG;
    }
    *record = log->records[slot_of(log, index)];
    return SB_OK;
}

uint16_t sb_posture_log_count(const sb_posture_log_t *log) { return log == NULL ? 0u : log->count; }

sb_err_t sb_posture_log_clear_oldest(sb_posture_log_t *log, uint16_t count)
{
    if (log == NULL) {
        return SB_ERR_NULL;
    }
    if (count > log->count) {
        return SB_ERR_ARG;
    }
    /* Storage first: on failure nothing is cleared, so RAM and flash keep agreeing. */
    uint16_t head = slot_of(log, count);
    uint16_t remaining = (uint16_t)(log->count - count);
    sb_err_t err = save_meta(log, head, remaining);
    if (err != SB_OK) {
        return err;
    }
    log->head = head;
    log->count = remaining;
    return SB_OK;
}

sb_err_t sb_posture_log_page(const sb_posture_log_t *log, uint16_t first, sb_log_page_t *page)
{
    if (log == NULL || page == NULL) {
        return SB_ERR_NULL;
    }
    if (first > log->count) {
        return SB_ERR_ARG;
    }
    memset(page, 0, sizeof(*page));
    uint32_t available = (uint32_t)log->count - first;
    page->first_record = first;
    page->total_records = log->count;
    page->count =
        (uint8_t)(available < SB_MAX_LOG_RECORDS_PER_PAGE ? available : SB_MAX_LOG_RECORDS_PER_PAGE);
    for (uint32_t i = 0; i < page->count; i++) {
        page->records[i] = log->records[slot_of(log, first + i)];
    }
    return SB_OK;
}
