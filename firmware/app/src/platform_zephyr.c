/* sb_platform.h on Zephyr: the device side of the core's board seam. Nothing here decides anything;
 * each function maps one core request onto one Zephyr API and returns its error code. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <zephyr/device.h>
#include <zephyr/devicetree.h>
#include <zephyr/drivers/i2c.h>
#include <zephyr/drivers/pwm.h>
#include <zephyr/kernel.h>
#include <zephyr/settings/settings.h>

#include "gatt.h"
#include "sb_platform.h"

static const struct device *const imu_i2c = DEVICE_DT_GET(DT_PHANDLE(DT_PATH(zephyr_user), imu_i2c));
static const struct pwm_dt_spec motor = PWM_DT_SPEC_GET(DT_ALIAS(sb_motor));

uint32_t sb_platform_counter(void)
{
    return k_cycle_get_32(); /* the RTC-based system timer, extended to 32 bits by the driver */
}

int sb_platform_i2c_read(uint8_t address, uint8_t reg, uint8_t *data, size_t length)
{
    return i2c_burst_read(imu_i2c, address, reg, data, (uint32_t)length);
}

int sb_platform_i2c_write(uint8_t address, uint8_t reg, const uint8_t *data, size_t length)
{
    return i2c_burst_write(imu_i2c, address, reg, data, (uint32_t)length);
}

int sb_platform_notify(sb_characteristic_t characteristic, const uint8_t *data, size_t length)
{
    return gatt_notify(characteristic, data, length);
}

/* Storage keys live under "sb/<key>" in Zephyr settings (NVS), next to the Bluetooth bonds. */
struct read_request {
    uint8_t *data;
    size_t capacity;
    int result;
};

static int read_one(const char *key, size_t length, settings_read_cb read_cb, void *cb_arg, void *param)
{
    struct read_request *request = param;
    if (key != NULL && key[0] != '\0') {
        return 0; /* a longer name under the same prefix: not ours */
    }
    if (length > request->capacity) {
        request->result = -ENOSPC;
        return 0;
    }
    ssize_t got = read_cb(cb_arg, request->data, length);
    request->result = (int)got; /* bytes read, or the negative errno */
    return 0;
}

int sb_platform_storage_read(uint16_t key, uint8_t *data, size_t capacity)
{
    char name[16];
    snprintf(name, sizeof(name), "sb/%u", (unsigned)key);
    struct read_request request = {.data = data, .capacity = capacity, .result = 0};
    int err = settings_load_subtree_direct(name, read_one, &request);
    return err != 0 ? err : request.result;
}

int sb_platform_storage_write(uint16_t key, const uint8_t *data, size_t length)
{
    char name[16];
    snprintf(name, sizeof(name), "sb/%u", (unsigned)key);
    return settings_save_one(name, data, length);
}

int sb_platform_vibrate(uint8_t duty_percent)
{
    if (!pwm_is_ready_dt(&motor)) {
        return -ENODEV;
    }
    uint32_t pulse = (uint32_t)(((uint64_t)motor.period * duty_percent) / 100u);
    return pwm_set_pulse_dt(&motor, pulse);
}
