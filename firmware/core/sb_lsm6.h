/* LSM6DS3TR-C accelerometer + gyroscope at register level, over an I2C seam of two function pointers
 * (the device port passes sb_platform_i2c_*, the tests a fake register map).
 *
 * Streaming: both sensors at one output data rate into the 4 KB FIFO in continuous mode; the INT1
 * watermark interrupt fires every watermark_samples and sb_lsm6_read_fifo drains it in bursts.
 * Sleep: gyroscope off, accelerometer in low-power mode at 26 Hz, wake-up interrupt on INT1. Every
 * configuration is read back and compared (a brown-out or a wrong part shows up as SB_ERR_VERIFY). */
#ifndef SB_LSM6_H
#define SB_LSM6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sb_err.h"
#include "sb_protocol.h"

#define SB_LSM6_ADDRESS 0x6Au /* SA0 high on the XIAO nRF52840 Sense */
#define SB_LSM6_WHO_AM_I_VALUE 0x6Au

/* Registers used (datasheet DocID 030071, section 8). */
#define SB_LSM6_FIFO_CTRL1 0x06u
#define SB_LSM6_FIFO_CTRL2 0x07u
#define SB_LSM6_FIFO_CTRL3 0x08u
#define SB_LSM6_FIFO_CTRL4 0x09u
#define SB_LSM6_FIFO_CTRL5 0x0Au
#define SB_LSM6_INT1_CTRL 0x0Du
#define SB_LSM6_WHO_AM_I 0x0Fu
#define SB_LSM6_CTRL1_XL 0x10u
#define SB_LSM6_CTRL2_G 0x11u
#define SB_LSM6_CTRL3_C 0x12u
#define SB_LSM6_CTRL6_C 0x15u
#define SB_LSM6_WAKE_UP_SRC 0x1Bu
#define SB_LSM6_FIFO_STATUS1 0x3Au
#define SB_LSM6_FIFO_DATA_OUT_L 0x3Eu
#define SB_LSM6_TAP_CFG 0x58u
#define SB_LSM6_WAKE_UP_THS 0x5Bu
#define SB_LSM6_WAKE_UP_DUR 0x5Cu
#define SB_LSM6_MD1_CFG 0x5Eu

#define SB_LSM6_FIFO_WORDS 2048u                      /* 4 KB of 16-bit words */
#define SB_LSM6_MAX_WATERMARK (SB_LSM6_FIFO_WORDS / 6u) /* 341 samples of 6 words */

typedef struct {
    /* Read length bytes starting at reg (auto-increment); 0 or a negative errno. */
    int (*read)(void *context, uint8_t address, uint8_t reg, uint8_t *data, size_t length);
    int (*write)(void *context, uint8_t address, uint8_t reg, const uint8_t *data, size_t length);
    void *context;
    uint8_t address; /* 7-bit */
} sb_i2c_bus_t;

typedef struct {
    uint16_t rate_hz;           /* output data rate of both sensors and the FIFO: 52, 104, 208 */
    uint8_t accel_code;         /* protocol full-scale code 0..3 (±2..16 g) */
    uint8_t gyro_code;          /* protocol full-scale code 0..4 (±125..2000 dps) */
    uint16_t watermark_samples; /* INT1 after this many samples, 1..SB_LSM6_MAX_WATERMARK */
    uint16_t wake_threshold_mg; /* sleep: wake-up slope threshold, mg, 1..(full scale) */
} sb_lsm6_settings_t;

extern const sb_lsm6_settings_t sb_lsm6_default_settings; /* 104 Hz, ±4 g, ±500 dps, 18, 125 mg */

typedef struct {
    sb_i2c_bus_t bus;
    sb_lsm6_settings_t settings;
    bool configured;
    uint32_t io_errors;        /* failed transfers since init */
    uint32_t words_discarded;  /* FIFO words dropped to realign to a sample boundary */
    uint32_t fifo_overruns;    /* reads that found the FIFO overrun flag */
} sb_lsm6_t;

/* A bus over sb_platform_i2c_read/write at SB_LSM6_ADDRESS: what the device port passes. */
sb_i2c_bus_t sb_lsm6_platform_bus(void);

/* Checks WHO_AM_I and software-resets the part. */
sb_err_t sb_lsm6_init(sb_lsm6_t *imu, const sb_i2c_bus_t *bus);

/* Streaming configuration, read back and compared. Empties the FIFO. */
sb_err_t sb_lsm6_configure(sb_lsm6_t *imu, const sb_lsm6_settings_t *settings);

/* Drains up to max whole samples (rows ax, ay, az, gx, gy, gz, raw counts, sensor frame), oldest first,
 * into out; *n receives how many, *remaining how many whole samples stayed in the FIFO (so the caller
 * can date the newest one read), *overrun whether the FIFO had overflowed (samples were lost before
 * these). */
sb_err_t sb_lsm6_read_fifo(sb_lsm6_t *imu, int16_t (*out)[SB_AXES], size_t max, size_t *n, size_t *remaining,
                           bool *overrun);

/* Sleep: gyroscope off, accelerometer low power at 26 Hz, wake-up interrupt on INT1; read back. */
sb_err_t sb_lsm6_enter_wake_mode(sb_lsm6_t *imu);

/* Reads (and so clears) the wake-up source; *woken says whether motion was detected. */
sb_err_t sb_lsm6_check_wake(sb_lsm6_t *imu, bool *woken);

/* Both sensors off (the board also switches the IMU's supply). */
sb_err_t sb_lsm6_power_down(sb_lsm6_t *imu);

#endif
