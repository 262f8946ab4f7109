#include "sb_haptics.h"

#include <stddef.h>
#include <string.h>

#include "sb_platform.h"
#include "sb_protocol.h"

const sb_haptics_settings_t sb_haptics_default_settings = {.short_ms = 150, .long_ms = 600, .gap_ms = 150};

static void drive(sb_haptics_t *h, uint8_t level)
{
    if (level == h->level) {
        return;
    }
    if (sb_platform_vibrate(level) != 0) {
        h->motor_errors++;
        return; /* level unchanged: the next update retries */
    }
    h->level = level;
}

sb_err_t sb_haptics_init(sb_haptics_t *haptics, const sb_haptics_settings_t *settings)
{
    if (haptics == NULL || settings == NULL) {
        return SB_ERR_NULL;
    }
    if (settings->short_ms == 0u || settings->long_ms == 0u || settings->gap_ms == 0u) {
        return SB_ERR_ARG;
    }
    memset(haptics, 0, sizeof(*haptics));
    haptics->settings = *settings;
    return SB_OK;
}

sb_err_t sb_haptics_set(sb_haptics_t *haptics, const sb_haptics_settings_t *settings)
{
    if (haptics == NULL || settings == NULL) {
        return SB_ERR_NULL;
    }
    if (settings->short_ms == 0u || settings->long_ms == 0u || settings->gap_ms == 0u) {
        return SB_ERR_ARG;
    }
    haptics->settings = *settings;
    return SB_OK;
}

sb_err_t sb_haptics_start(sb_haptics_t *haptics, uint8_t pattern, uint8_t intensity, uint64_t now_ms)
{
    if (haptics == NULL) {
        return SB_ERR_NULL;
    }
    unsigned low = pattern == SB_PATTERN_STOP ? 0u : 1u;
    if (pattern > SB_PATTERN_LONG || intensity < low || intensity > 100u) {
        return SB_ERR_ARG;
    }
    sb_haptics_t *h = haptics;
    h->step = 0;
    h->steps = 0;
    h->intensity = intensity;
    switch ((sb_pattern_t)pattern) {
    case SB_PATTERN_STOP:
        break;
    case SB_PATTERN_SHORT:
        h->step_ms[0] = h->settings.short_ms;
        h->steps = 1;
        break;
    case SB_PATTERN_DOUBLE:
        h->step_ms[0] = h->settings.short_ms;
        h->step_ms[1] = h->settings.gap_ms;
        h->step_ms[2] = h->settings.short_ms;
        h->steps = 3;
        break;
    case SB_PATTERN_LONG:
        h->step_ms[0] = h->settings.long_ms;
        h->steps = 1;
        break;
    }
    if (h->steps == 0u) {
        drive(h, 0);
        return SB_OK;
    }
    h->step_end_ms = now_ms + h->step_ms[0];
    drive(h, intensity);
    return SB_OK;
}

sb_err_t sb_haptics_update(sb_haptics_t *haptics, uint64_t now_ms)
{
    if (haptics == NULL) {
        return SB_ERR_NULL;
    }
    sb_haptics_t *h = haptics;
    while (h->step < h->steps && now_ms >= h->step_end_ms) {
        h->step++;
        if (h->step < h->steps) {
            h->step_end_ms += h->step_ms[h->step];
        }
    }
    /* Even steps buzz, odd steps pause; past the last step the motor is off. */
    uint8_t level = (h->step < h->steps && h->step % 2u == 0u) ? h->intensity : 0u;
    drive(h, level);
    return SB_OK;
}

bool sb_haptics_busy(const sb_haptics_t *haptics)
{
    return haptics != NULL && (haptics->step < haptics->steps || haptics->level != 0u);
}
