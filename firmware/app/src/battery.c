#include "battery.h"

#include <errno.h>

#include <zephyr/bluetooth/services/bas.h>
#include <zephyr/devicetree.h>
#include <zephyr/drivers/adc.h>
#include <zephyr/drivers/gpio.h>

#include "sb_battery.h"

/* The board's divider: 1 MOhm over 510 kOhm, so the cell is 1510 / 510 of the pin's voltage. */
#define DIVIDER_TOP_KOHM 1000
#define DIVIDER_BOTTOM_KOHM 510

static const struct adc_dt_spec vbat = ADC_DT_SPEC_GET(DT_PATH(zephyr_user));
static const struct gpio_dt_spec vbat_enable = GPIO_DT_SPEC_GET(DT_PATH(zephyr_user), battery_enable_gpios);
static sb_battery_t filter;
static uint8_t level = 100;

int battery_init(void)
{
    if (!adc_is_ready_dt(&vbat) || !gpio_is_ready_dt(&vbat_enable)) {
        return -ENODEV;
    }
    int err = gpio_pin_configure_dt(&vbat_enable, GPIO_OUTPUT_ACTIVE); /* divider on, see the overlay */
    if (err == 0) {
        err = adc_channel_setup_dt(&vbat);
    }
    if (err == 0 && sb_battery_init(&filter, &sb_battery_default_settings) != SB_OK) {
        err = -EINVAL;
    }
    return err;
}

int battery_update(void)
{
    int16_t raw = 0;
    struct adc_sequence sequence = {.buffer = &raw, .buffer_size = sizeof(raw)};
    int err = adc_sequence_init_dt(&vbat, &sequence);
    if (err == 0) {
        err = adc_read_dt(&vbat, &sequence);
    }
    int32_t pin_mv = raw;
    if (err == 0) {
        err = adc_raw_to_millivolts_dt(&vbat, &pin_mv);
    }
    if (err < 0) {
        return err;
    }
    int32_t cell_mv = pin_mv * (DIVIDER_TOP_KOHM + DIVIDER_BOTTOM_KOHM) / DIVIDER_BOTTOM_KOHM;
    uint8_t percent = 0;
    if (cell_mv < 0 || sb_battery_update(&filter, (uint16_t)cell_mv, &percent) != SB_OK) {
        return -ERANGE;
    }
    err = bt_bas_set_battery_level(percent);
    if (err < 0) {
        return err;
    }
    level = percent;
    return percent;
}

uint8_t battery_level(void) { return level; }
