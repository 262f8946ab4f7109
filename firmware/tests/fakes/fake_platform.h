/* Host fakes of sb_platform.h, with controls for the tests: a settable counter, an in-memory storage
 * with injected failures and corruption, captured notifications, a recorded motor, and I2C routed to the
 * fake LSM6DS3TR-C register map (fake_lsm6.h). */
#ifndef FAKE_PLATFORM_H
#define FAKE_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sb_platform.h"

#define FAKE_STORAGE_KEYS 128u
#define FAKE_STORAGE_VALUE_MAX 300u
#define FAKE_NOTIFY_CAPTURE 64u

void fake_platform_reset(void);

/* Time. */
void fake_counter_set(uint32_t value);
void fake_counter_advance(uint32_t ticks);

/* Storage. */
void fake_storage_fail_writes(int count);     /* the next count writes fail (-5); -1: all */
void fake_storage_fail_reads(bool fail);
void fake_storage_corrupt(uint16_t key, size_t byte); /* flips a bit of a stored value */
void fake_storage_erase(uint16_t key);
size_t fake_storage_writes(void);              /* successful writes since reset */

/* Notify. */
void fake_notify_fail(int count); /* the next count notifications fail (-12, no buffer); -1: all */
size_t fake_notify_count(sb_characteristic_t characteristic);
/* The index-th captured notification on a characteristic (oldest first); length or 0. */
size_t fake_notify_get(sb_characteristic_t characteristic, size_t index, uint8_t *out, size_t capacity);

/* Vibration. */
uint8_t fake_vibrate_level(void);
size_t fake_vibrate_changes(void);
void fake_vibrate_fail(bool fail);

#endif
