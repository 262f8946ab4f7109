/* A fake LSM6DS3TR-C on the I2C bus: a 128-register map with the behaviour the driver relies on
 * (WHO_AM_I, self-clearing SW_RESET, FIFO status computed from a simulated 2048-word FIFO in
 * gyroscope-then-accelerometer order, bursts from FIFO_DATA_OUT that stay on the data register,
 * bypass mode emptying the FIFO, wake-up source cleared on read) plus failure injection. */
#ifndef FAKE_LSM6_H
#define FAKE_LSM6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void fake_lsm6_reset(void);

/* The I2C seam (sb_i2c_bus_t) over the fake. */
int fake_lsm6_read(void *context, uint8_t address, uint8_t reg, uint8_t *data, size_t length);
int fake_lsm6_write(void *context, uint8_t address, uint8_t reg, const uint8_t *data, size_t length);

uint8_t fake_lsm6_reg(uint8_t reg);
void fake_lsm6_set_who_am_i(uint8_t value);
void fake_lsm6_stick(uint8_t reg, uint8_t value); /* writes to reg are ignored; it reads value */
void fake_lsm6_reset_polls(unsigned polls);        /* reads of CTRL3_C before SW_RESET clears */

/* FIFO: one sample, pushed as gx gy gz ax ay az words; a full FIFO drops its oldest sample and sets
 * the overrun flag. */
void fake_lsm6_push(const int16_t accel[3], const int16_t gyro[3]);
void fake_lsm6_drop_words(size_t words); /* read words out of band: misaligns the pattern */
size_t fake_lsm6_fifo_words(void);
void fake_lsm6_set_overrun(void);

void fake_lsm6_set_wake(void);

/* Failures: the transfer after skip more transfers fails once (-5); fail_all keeps failing. */
void fake_lsm6_fail_after(unsigned skip);
void fake_lsm6_fail_all(bool fail);

unsigned fake_lsm6_fifo_bursts(void); /* reads of FIFO_DATA_OUT longer than one word */
unsigned fake_lsm6_transfers(void);

#endif
