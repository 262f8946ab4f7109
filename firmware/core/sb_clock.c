#include "sb_clock.h"

#include <stddef.h>
#include <string.h>

const sb_clock_settings_t sb_clock_default_settings = {.counter_bits = 24, .counter_hz = 32768};

sb_err_t sb_clock_init(sb_clock_t *clock, const sb_clock_settings_t *settings)
{
    if (clock == NULL || settings == NULL) {
        return SB_ERR_NULL;
    }
    if (settings->counter_bits < 1u || settings->counter_bits > 32u || settings->counter_hz < 1u ||
        settings->counter_hz > 1000000000u) {
        return SB_ERR_ARG;
    }
    memset(clock, 0, sizeof(*clock));
    clock->settings = *settings;
    clock->mask = settings->counter_bits == 32u ? 0xFFFFFFFFu : ((1u << settings->counter_bits) - 1u);
    return SB_OK;
}

static uint64_t ticks_to_us(const sb_clock_t *clock, uint64_t ticks)
{
    /* Split so ticks * 1e6 cannot overflow: whole seconds, then the remainder (< hz <= 1e9). */
    uint64_t hz = clock->settings.counter_hz;
    return (ticks / hz) * 1000000u + ((ticks % hz) * 1000000u) / hz;
}

uint64_t sb_clock_update(sb_clock_t *clock, uint32_t raw)
{
    if (clock == NULL || clock->mask == 0u) {
        return 0;
    }
    raw &= clock->mask;
    if (clock->started) {
        clock->ticks += (raw - clock->last_raw) & clock->mask; /* modular: one wrap is exact */
    }
    clock->started = true;
    clock->last_raw = raw;
    return ticks_to_us(clock, clock->ticks);
}

uint64_t sb_clock_get_us(const sb_clock_t *clock)
{
    return clock == NULL ? 0u : ticks_to_us(clock, clock->ticks);
}

sb_err_t sb_clock_set_sync(sb_clock_t *clock, uint64_t device_us, uint64_t host_unix_us)
{
    if (clock == NULL) {
        return SB_ERR_NULL;
    }
    if (host_unix_us > (uint64_t)INT64_MAX || device_us > (uint64_t)INT64_MAX) {
        return SB_ERR_ARG;
    }
    clock->offset_us = (int64_t)host_unix_us - (int64_t)device_us;
    clock->synced = true;
    return SB_OK;
}

bool sb_clock_to_unix_s(const sb_clock_t *clock, uint64_t device_us, uint64_t *unix_s)
{
    if (clock == NULL || unix_s == NULL || !clock->synced || device_us > (uint64_t)INT64_MAX) {
        return false;
    }
    if (clock->offset_us > 0 && (int64_t)device_us > INT64_MAX - clock->offset_us) {
        return false; /* beyond year 292277: refuse rather than overflow */
    }
    int64_t unix_us = (int64_t)device_us + clock->offset_us;
    if (unix_us < 0) {
        return false;
    }
    *unix_s = (uint64_t)unix_us / 1000000u;
    return true;
}
