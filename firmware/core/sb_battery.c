#include "sb_battery.h"

#include <stddef.h>

const sb_battery_settings_t sb_battery_default_settings = {.smoothing_shift = 2};

#define MAX_CELL_MV 6000u

/* Open-circuit-ish voltage of a 3.7 V LiPo at light load (mV) against remaining charge (%); a
 * typical curve for small pouch cells, not one cell's calibration. */
static const struct {
    uint16_t mv;
    uint8_t percent;
} curve[] = {
    {3300, 0}, {3500, 5}, {3600, 10}, {3700, 22}, {3750, 32}, {3800, 42},
    {3850, 52}, {3900, 62}, {4000, 79}, {4100, 90}, {4200, 100},
};

uint8_t sb_battery_percent(uint16_t cell_mv)
{
    const size_t n = sizeof(curve) / sizeof(curve[0]);
    if (cell_mv <= curve[0].mv) {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if (cell_mv <= curve[i].mv) {
            uint32_t span_mv = (uint32_t)curve[i].mv - curve[i - 1].mv;
            uint32_t span_pc = (uint32_t)curve[i].percent - curve[i - 1].percent;
            uint32_t above = (uint32_t)cell_mv - curve[i - 1].mv;
            return (uint8_t)(curve[i - 1].percent + (above * span_pc + span_mv / 2u) / span_mv);
        }
    }
    return 100;
}

sb_err_t sb_battery_init(sb_battery_t *battery, const sb_battery_settings_t *settings)
{
    if (battery == NULL || settings == NULL) {
        return SB_ERR_NULL;
    }
    if (settings->smoothing_shift > 6u) {
        return SB_ERR_ARG;
    }
    *battery = (sb_battery_t){.settings = *settings};
    return SB_OK;
}

sb_err_t sb_battery_set(sb_battery_t *battery, const sb_battery_settings_t *settings)
{
    if (battery == NULL || settings == NULL) {
        return SB_ERR_NULL;
    }
    if (settings->smoothing_shift > 6u) {
        return SB_ERR_ARG;
    }
    battery->settings = *settings;
    return SB_OK;
}

sb_err_t sb_battery_update(sb_battery_t *battery, uint16_t cell_mv, uint8_t *percent)
{
    if (battery == NULL || percent == NULL) {
        return SB_ERR_NULL;
    }
    if (cell_mv > MAX_CELL_MV) {
        return SB_ERR_ARG; /* a broken divider or ADC reading, not a cell */
    }
    uint32_t sample = (uint32_t)cell_mv * 64u;
    if (!battery->started) {
        battery->filtered_mv_x64 = sample; /* the first reading sets the level */
        battery->started = true;
    } else {
        uint8_t shift = battery->settings.smoothing_shift;
        /* f += (x - f) / 2^shift, in signed arithmetic on the fixed-point value */
        int32_t delta = (int32_t)sample - (int32_t)battery->filtered_mv_x64;
        battery->filtered_mv_x64 = (uint32_t)((int32_t)battery->filtered_mv_x64 + delta / (1 << shift));
    }
    *percent = sb_battery_percent((uint16_t)((battery->filtered_mv_x64 + 32u) / 64u));
    return SB_OK;
}
