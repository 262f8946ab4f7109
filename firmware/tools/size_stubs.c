/* Empty platform functions so `make size` can link the core alone for the Cortex-M4F and report what
 * the device image gains from it, libm included (the real port is app/platform_zephyr.c). */
#include "sb_platform.h"

uint32_t sb_platform_counter(void) { return 0; }

int sb_platform_i2c_read(uint8_t address, uint8_t reg, uint8_t *data, size_t length)
{
    (void)address, (void)reg, (void)data, (void)length;
    return -1;
}

int sb_platform_i2c_write(uint8_t address, uint8_t reg, const uint8_t *data, size_t length)
{
    (void)address, (void)reg, (void)data, (void)length;
    return -1;
}

int sb_platform_notify(sb_characteristic_t characteristic, const uint8_t *data, size_t length)
{
    (void)characteristic, (void)data, (void)length;
    return -1;
}

int sb_platform_storage_read(uint16_t key, uint8_t *data, size_t capacity)
{
    (void)key, (void)data, (void)capacity;
    return 0;
}

int sb_platform_storage_write(uint16_t key, const uint8_t *data, size_t length)
{
    (void)key, (void)data, (void)length;
    return -1;
}

int sb_platform_vibrate(uint8_t duty_percent)
{
    (void)duty_percent;
    return -1;
}
