/* The board services the core needs, declared once. Implemented by the Zephyr port
 * (firmware/app/platform_zephyr.c) and by host fakes with test controls
 * (firmware/tests/fakes/fake_platform.c); the linker picks one, the core never knows which. */
#ifndef SB_PLATFORM_H
#define SB_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

/* Time: a free-running counter that wraps; sb_clock extends it to 64-bit microseconds. Its width and
 * rate are given to sb_clock_init (on the nRF52840: the 24-bit RTC at 32768 Hz). */
uint32_t sb_platform_counter(void);

/* I2C: register reads and writes to a 7-bit device address. Return 0 or a negative errno. */
int sb_platform_i2c_read(uint8_t address, uint8_t reg, uint8_t *data, size_t length);
int sb_platform_i2c_write(uint8_t address, uint8_t reg, const uint8_t *data, size_t length);

/* Notify: send one notification on a characteristic. Returns 0, or a negative errno when the radio
 * has no buffer now (the caller keeps the data and retries) or nobody subscribed. */
typedef enum {
    SB_CHAR_STREAM = 0,
    SB_CHAR_CONTROL = 1,
    SB_CHAR_STATUS = 2,
} sb_characteristic_t;
int sb_platform_notify(sb_characteristic_t characteristic, const uint8_t *data, size_t length);

/* Storage: small records under numeric keys that survive a reboot (Zephyr NVS on the device).
 * read returns the number of bytes read (0 when the key is absent) or a negative errno;
 * write returns 0 or a negative errno. */
int sb_platform_storage_read(uint16_t key, uint8_t *data, size_t capacity);
int sb_platform_storage_write(uint16_t key, const uint8_t *data, size_t length);

/* Vibration motor: duty cycle in percent, 0 stops it. */
int sb_platform_vibrate(uint8_t duty_percent);

#endif
