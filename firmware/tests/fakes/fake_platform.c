#include "fake_platform.h"

#include <string.h>

#include "fake_lsm6.h"

static uint32_t counter;

typedef struct {
    bool present;
    size_t length;
    uint8_t data[FAKE_STORAGE_VALUE_MAX];
} stored_t;
static stored_t storage[FAKE_STORAGE_KEYS];
static int storage_write_failures;
static bool storage_read_failure;
static size_t storage_writes;

typedef struct {
    sb_characteristic_t characteristic;
    size_t length;
    uint8_t data[256];
} captured_t;
static captured_t captured[FAKE_NOTIFY_CAPTURE];
static size_t captured_count;
static int notify_failures;

static uint8_t vibrate_level;
static size_t vibrate_changes;
static bool vibrate_failure;

void fake_platform_reset(void)
{
    counter = 0;
    memset(storage, 0, sizeof(storage));
    storage_write_failures = 0;
    storage_read_failure = false;
    storage_writes = 0;
    captured_count = 0;
    notify_failures = 0;
    vibrate_level = 0;
    vibrate_changes = 0;
    vibrate_failure = false;
    fake_lsm6_reset();
}

void fake_counter_set(uint32_t value) { counter = value; }
void fake_counter_advance(uint32_t ticks) { counter += ticks; }
uint32_t sb_platform_counter(void) { return counter; }

int sb_platform_i2c_read(uint8_t address, uint8_t reg, uint8_t *data, size_t length)
{
    return fake_lsm6_read(NULL, address, reg, data, length);
}

int sb_platform_i2c_write(uint8_t address, uint8_t reg, const uint8_t *data, size_t length)
{
    return fake_lsm6_write(NULL, address, reg, data, length);
}

int sb_platform_notify(sb_characteristic_t characteristic, const uint8_t *data, size_t length)
{
    if (notify_failures != 0) {
        if (notify_failures > 0) {
            notify_failures--;
        }
        return -12;
    }
    if (length > sizeof(captured[0].data)) {
        return -22;
    }
    captured_t *slot = &captured[captured_count % FAKE_NOTIFY_CAPTURE];
    slot->characteristic = characteristic;
    slot->length = length;
    memcpy(slot->data, data, length);
    captured_count++;
    return 0;
}

void fake_notify_fail(int count) { notify_failures = count; }

size_t fake_notify_count(sb_characteristic_t characteristic)
{
    size_t n = 0;
    size_t first = captured_count > FAKE_NOTIFY_CAPTURE ? captured_count - FAKE_NOTIFY_CAPTURE : 0;
    for (size_t i = first; i < captured_count; i++) {
        n += captured[i % FAKE_NOTIFY_CAPTURE].characteristic == characteristic;
    }
    return n;
}

size_t fake_notify_get(sb_characteristic_t characteristic, size_t index, uint8_t *out, size_t capacity)
{
    size_t first = captured_count > FAKE_NOTIFY_CAPTURE ? captured_count - FAKE_NOTIFY_CAPTURE : 0;
    for (size_t i = first; i < captured_count; i++) {
        const captured_t *c = &captured[i % FAKE_NOTIFY_CAPTURE];
        if (c->characteristic != characteristic) {
            continue;
        }
        if (index-- == 0) {
            if (c->length > capacity) {
                return 0;
            }
            memcpy(out, c->data, c->length);
            return c->length;
        }
    }
    return 0;
}

int sb_platform_storage_read(uint16_t key, uint8_t *data, size_t capacity)
{
    if (storage_read_failure) {
        return -5;
    }
    if (key >= FAKE_STORAGE_KEYS || !storage[key].present) {
        return 0;
    }
    size_t n = storage[key].length < capacity ? storage[key].length : capacity;
    memcpy(data, storage[key].data, n);
    return (int)n;
}

int sb_platform_storage_write(uint16_t key, const uint8_t *data, size_t length)
{
    if (storage_write_failures != 0) {
        if (storage_write_failures > 0) {
            storage_write_failures--;
        }
        return -5;
    }
    if (key >= FAKE_STORAGE_KEYS || length > FAKE_STORAGE_VALUE_MAX) {
        return -28;
    }
    storage[key].present = true;
    storage[key].length = length;
    memcpy(storage[key].data, data, length);
    storage_writes++;
    return 0;
}

void fake_storage_fail_writes(int count) { storage_write_failures = count; }
void fake_storage_fail_reads(bool fail) { storage_read_failure = fail; }

void fake_storage_corrupt(uint16_t key, size_t byte)
{
    if (key < FAKE_STORAGE_KEYS && storage[key].present && byte < storage[key].length) {
        storage[key].data[byte] ^= 0x10u;
    }
}

void fake_storage_erase(uint16_t key)
{
    if (key < FAKE_STORAGE_KEYS) {
        storage[key].present = false;
    }
}

size_t fake_storage_writes(void) { return storage_writes; }

int sb_platform_vibrate(uint8_t duty_percent)
{
    if (vibrate_failure) {
        return -5;
    }
    if (duty_percent != vibrate_level) {
        vibrate_changes++;
    }
    vibrate_level = duty_percent;
    return 0;
}

uint8_t fake_vibrate_level(void) { return vibrate_level; }
size_t fake_vibrate_changes(void) { return vibrate_changes; }
void fake_vibrate_fail(bool fail) { vibrate_failure = fail; }
