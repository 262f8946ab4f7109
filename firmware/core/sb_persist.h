/* Checked records over the storage seam: each record is stored as
 * [u8 format, u16 length, payload, u16 CRC-16 of the preceding bytes], so a reader can tell a record
 * that was never written (SB_ERR_EMPTY) from one that is torn or from another firmware format
 * (SB_ERR_CORRUPT), and never uses either as data. */
#ifndef SB_PERSIST_H
#define SB_PERSIST_H

#include <stddef.h>
#include <stdint.h>

#include "sb_err.h"

/* Storage keys of the core (the device maps them to NVS ids). */
#define SB_KEY_SETTINGS 1u
#define SB_KEY_LOG_META 2u
#define SB_KEY_LOG_BLOCK_BASE 16u /* + block index */

#define SB_PERSIST_FORMAT 1u
#define SB_PERSIST_OVERHEAD 5u    /* format, length, CRC */
#define SB_PERSIST_MAX_PAYLOAD 256u

sb_err_t sb_persist_save(uint16_t key, const uint8_t *payload, size_t length);

/* Reads a record whose payload is exactly length bytes. */
sb_err_t sb_persist_load(uint16_t key, uint8_t *payload, size_t length);

/* The device's persistent settings (role, standalone thresholds, neutral, rate, ranges). */
typedef struct {
    uint8_t role;          /* SB_ROLE_* */
    uint16_t rate_hz;      /* 52, 104, 208 */
    uint8_t ranges;        /* full-scale codes as on the wire */
    uint8_t neutral_set;   /* 1 when neutral holds a calibrated vector */
    int16_t neutral[3];    /* neutral up direction, sensor frame, Q14 */
    uint16_t angle_cdeg;   /* slouch threshold, 0.01 degree */
    uint16_t dwell_s;      /* s beyond the threshold before an alert */
    uint32_t motion_mdps;  /* motion gate, milli-degree per second */
} sb_device_settings_t;

#define SB_DEVICE_SETTINGS_SIZE 20u

extern const sb_device_settings_t sb_device_default_settings;

sb_err_t sb_device_settings_save(const sb_device_settings_t *settings);

/* Loads the stored settings; on SB_ERR_EMPTY or SB_ERR_CORRUPT *settings is the default. */
sb_err_t sb_device_settings_load(sb_device_settings_t *settings);

#endif
