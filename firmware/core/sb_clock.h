/* A 64-bit microsecond clock from a free-running counter that wraps (the nRF52840's RTC is 24 bits at
 * 32768 Hz: it wraps every 512 s). Update must run at least once per wrap period; each call adds the
 * ticks since the previous call modulo the counter width, so one roll-over between calls is exact. */
#ifndef SB_CLOCK_H
#define SB_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "sb_err.h"

typedef struct {
    uint8_t counter_bits; /* width of the counter, 1..32 */
    uint32_t counter_hz;  /* ticks per second, 1..1e9 */
} sb_clock_settings_t;

extern const sb_clock_settings_t sb_clock_default_settings; /* 24 bits, 32768 Hz */

typedef struct {
    sb_clock_settings_t settings;
    uint32_t mask;       /* counter_bits ones */
    uint32_t last_raw;   /* counter at the previous update */
    uint64_t ticks;      /* ticks since the first update */
    bool started;
    /* Host time sync: unix_us = device_us + offset_us, valid when synced. */
    int64_t offset_us;
    bool synced;
} sb_clock_t;

sb_err_t sb_clock_init(sb_clock_t *clock, const sb_clock_settings_t *settings);

/* Feeds the raw counter; returns the extended time in µs since the first update (0 on error). */
uint64_t sb_clock_update(sb_clock_t *clock, uint32_t raw);

/* µs since the first update, as of the last update. */
uint64_t sb_clock_get_us(const sb_clock_t *clock);

/* Records that the host's Unix time was host_unix_us when the device clock read device_us. */
sb_err_t sb_clock_set_sync(sb_clock_t *clock, uint64_t device_us, uint64_t host_unix_us);

/* Unix seconds for a device time when synced (true), else leaves *unix_s untouched (false). */
bool sb_clock_to_unix_s(const sb_clock_t *clock, uint64_t device_us, uint64_t *unix_s);

#endif
