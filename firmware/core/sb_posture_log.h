/* The on-device posture log: one record per clock hour of standalone wear, in a ring of 2048 records
 * (85 days) that survives a reboot. Records live in RAM (16 KB, owned by the caller) and in storage as
 * 64 blocks of 32 records plus a small meta record (oldest index, count), each a checked record
 * (sb_persist). Appending writes one block and the meta: one hour's record costs ~280 bytes of flash
 * writes, which NVS spreads over its sectors.
 *
 * On load, a meta record that is missing starts an empty log; one that is corrupt starts an empty log
 * and counts it; a corrupt block drops the records up to and including that block (the newest data is
 * kept) and counts them. */
#ifndef SB_POSTURE_LOG_H
#define SB_POSTURE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sb_err.h"
#include "sb_protocol.h"

#define SB_LOG_CAPACITY 2048u
#define SB_LOG_BLOCK_RECORDS 32u
#define SB_LOG_BLOCKS (SB_LOG_CAPACITY / SB_LOG_BLOCK_RECORDS)

typedef struct {
    sb_log_record_t records[SB_LOG_CAPACITY]; /* ring storage */
    uint16_t head;                            /* index of the oldest record */
    uint16_t count;                           /* records held, 0..SB_LOG_CAPACITY */
    uint32_t overwritten;                     /* oldest records overwritten since boot */
    uint32_t dropped_on_load;                 /* records lost to corrupt storage at load */
    uint32_t storage_errors;                  /* failed storage writes since boot */
} sb_posture_log_t;

/* Loads the log from storage (see the header comment for what is dropped). Returns SB_OK, or
 * SB_ERR_STORAGE when storage could not be read at all (the log is then empty). */
sb_err_t sb_posture_log_init(sb_posture_log_t *log);

/* Appends a record (valid per sb_log_record_valid), overwriting the oldest when full, and persists it.
 * The record stays in RAM even when storage fails (SB_ERR_STORAGE; counted). */
sb_err_t sb_posture_log_append(sb_posture_log_t *log, const sb_log_record_t *record);

/* Record index 0 is the oldest. */
sb_err_t sb_posture_log_get(const sb_posture_log_t *log, uint16_t index, sb_log_record_t *record);

uint16_t sb_posture_log_count(const sb_posture_log_t *log);

/* Deletes the oldest count records (count <= records held, else SB_ERR_ARG); storage first, so on
 * SB_ERR_STORAGE nothing was deleted. */
sb_err_t sb_posture_log_clear_oldest(sb_posture_log_t *log, uint16_t count);

/* Fills a page starting at record first (first <= count, else SB_ERR_ARG), up to 29 records. */
sb_err_t sb_posture_log_page(const sb_posture_log_t *log, uint16_t first, sb_log_page_t *page);

#endif
