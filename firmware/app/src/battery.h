/* The LiPo cell voltage through the XIAO's divider on AIN7, smoothed by sb_battery, published to the
 * Battery Service. */
#ifndef SB_APP_BATTERY_H
#define SB_APP_BATTERY_H

#include <stdint.h>

/* Sets up the ADC channel and the divider enable; 0 or a negative errno. */
int battery_init(void);

/* Reads the cell once, updates the Battery Service; returns the state of charge (0..100) or a
 * negative errno (the previous level stays published). */
int battery_update(void);

/* The last published level, percent (100 until the first reading). */
uint8_t battery_level(void);

#endif
