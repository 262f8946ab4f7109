/* LiPo state of charge from the cell voltage, for the Battery Service and the scan response. The
 * voltage is smoothed first (the radio's current pulses make single readings jump by tens of mV), then
 * mapped through a piecewise-linear discharge curve of a small LiPo cell at light load. */
#ifndef SB_BATTERY_H
#define SB_BATTERY_H

#include <stdbool.h>
#include <stdint.h>

#include "sb_err.h"

typedef struct {
    uint8_t smoothing_shift; /* exponential average weight 1 / 2^shift per reading, 0..6 (0: none) */
} sb_battery_settings_t;

extern const sb_battery_settings_t sb_battery_default_settings; /* 1/4 per reading */

typedef struct {
    sb_battery_settings_t settings;
    uint32_t filtered_mv_x64; /* smoothed cell voltage, mV * 64 (fixed point) */
    bool started;
} sb_battery_t;

sb_err_t sb_battery_init(sb_battery_t *battery, const sb_battery_settings_t *settings);
sb_err_t sb_battery_set(sb_battery_t *battery, const sb_battery_settings_t *settings);

/* One cell voltage reading, mV (0..6000); *percent receives the smoothed state of charge, 0..100. */
sb_err_t sb_battery_update(sb_battery_t *battery, uint16_t cell_mv, uint8_t *percent);

/* The curve alone: state of charge for a cell voltage, percent, clamped to 0..100. */
uint8_t sb_battery_percent(uint16_t cell_mv);

#endif
