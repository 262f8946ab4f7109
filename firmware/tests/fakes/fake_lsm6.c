#include "fake_lsm6.h"

#include <string.h>

#define ADDRESS 0x6Au
#define WORDS 2048u
#define REG_FIFO_CTRL5 0x0Au
#define REG_WHO_AM_I 0x0Fu
#define REG_CTRL3_C 0x12u
#define REG_WAKE_UP_SRC 0x1Bu
#define REG_FIFO_STATUS1 0x3Au
#define REG_FIFO_STATUS4 0x3Du
#define REG_FIFO_DATA_L 0x3Eu

static uint8_t regs[128];
static bool stuck[128];
static uint16_t fifo[WORDS];
static size_t fifo_head, fifo_count;
static unsigned pattern; /* position of the next word to read within a sample, 0 = gx */
static bool overrun;
static unsigned reset_polls_left, reset_polls;
static int fail_countdown; /* -1: none */
static bool fail_all;
static unsigned bursts, transfers;

void fake_lsm6_reset(void)
{
    memset(regs, 0, sizeof(regs));
    memset(stuck, 0, sizeof(stuck));
    regs[REG_WHO_AM_I] = 0x6A;
    regs[REG_CTRL3_C] = 0x04; /* IF_INC by default */
    fifo_head = fifo_count = 0;
    pattern = 0;
    overrun = false;
    reset_polls = reset_polls_left = 0;
    fail_countdown = -1;
    fail_all = false;
    bursts = transfers = 0;
}

static bool failing(void)
{
    transfers++;
    if (fail_all) {
        return true;
    }
    if (fail_countdown == 0) {
        fail_countdown = -1;
        return true;
    }
    if (fail_countdown > 0) {
        fail_countdown--;
    }
    return false;
}

static uint16_t pop_word(void)
{
    if (fifo_count == 0) {
        return 0; /* the part returns stale data; the driver must not ask */
    }
    uint16_t w = fifo[fifo_head];
    fifo_head = (fifo_head + 1u) % WORDS;
    fifo_count--;
    pattern = (pattern + 1u) % 6u;
    return w;
}

static uint8_t read_one(uint8_t reg)
{
    switch (reg) {
    case REG_FIFO_STATUS1:
        return (uint8_t)(fifo_count & 0xFFu);
    case REG_FIFO_STATUS1 + 1u: {
        uint8_t s = (uint8_t)((fifo_count >> 8) & 0x07u);
        s |= overrun ? 0x40u : 0u;
        s |= fifo_count == 0 ? 0x10u : 0u;
        overrun = false;
        return s;
    }
    case REG_FIFO_STATUS1 + 2u:
        return (uint8_t)(pattern & 0xFFu);
    case REG_FIFO_STATUS4:
        return (uint8_t)(pattern >> 8);
    case REG_WAKE_UP_SRC: {
        uint8_t v = regs[REG_WAKE_UP_SRC];
        regs[REG_WAKE_UP_SRC] = 0;
        return v;
    }
    case REG_CTRL3_C:
        if (reset_polls_left > 0) {
            reset_polls_left--;
            if (reset_polls_left == 0) {
                regs[REG_CTRL3_C] &= (uint8_t)~0x01u;
            }
        }
        return regs[REG_CTRL3_C];
    default:
        return regs[reg & 0x7Fu];
    }
}

int fake_lsm6_read(void *context, uint8_t address, uint8_t reg, uint8_t *data, size_t length)
{
    (void)context;
    if (address != ADDRESS) {
        return -6;
    }
    if (failing()) {
        return -5;
    }
    if (reg == REG_FIFO_DATA_L) {
        if (length > 2u) {
            bursts++;
        }
        for (size_t i = 0; i + 1u < length; i += 2u) {
            uint16_t w = pop_word();
            data[i] = (uint8_t)w;
            data[i + 1u] = (uint8_t)(w >> 8);
        }
        return 0;
    }
    for (size_t i = 0; i < length; i++) {
        data[i] = read_one((uint8_t)(reg + i));
    }
    return 0;
}

int fake_lsm6_write(void *context, uint8_t address, uint8_t reg, const uint8_t *data, size_t length)
{
    (void)context;
    if (address != ADDRESS) {
        return -6;
    }
    if (failing()) {
        return -5;
    }
    for (size_t i = 0; i < length; i++) {
        uint8_t r = (uint8_t)((reg + i) & 0x7Fu);
        if (stuck[r] || r == REG_WHO_AM_I) {
            continue;
        }
        if (r == REG_CTRL3_C && (data[i] & 0x01u)) {
            uint8_t who = regs[REG_WHO_AM_I];
            memset(regs, 0, sizeof(regs));
            regs[REG_WHO_AM_I] = who;
            regs[REG_CTRL3_C] = (uint8_t)(0x04u | (reset_polls > 0 ? 0x01u : 0u));
            reset_polls_left = reset_polls;
            fifo_head = fifo_count = 0;
            pattern = 0;
            continue;
        }
        regs[r] = data[i];
        if (r == REG_FIFO_CTRL5 && (data[i] & 0x07u) == 0u) {
            fifo_head = fifo_count = 0; /* bypass mode empties the FIFO */
            pattern = 0;
        }
    }
    return 0;
}

uint8_t fake_lsm6_reg(uint8_t reg) { return regs[reg & 0x7Fu]; }
void fake_lsm6_set_who_am_i(uint8_t value) { regs[REG_WHO_AM_I] = value; }

void fake_lsm6_stick(uint8_t reg, uint8_t value)
{
    stuck[reg & 0x7Fu] = true;
    regs[reg & 0x7Fu] = value;
}

void fake_lsm6_reset_polls(unsigned polls) { reset_polls = polls; }

static void push_word(uint16_t w)
{
    if (fifo_count == WORDS) {
        fifo_head = (fifo_head + 1u) % WORDS;
        fifo_count--;
        pattern = (pattern + 1u) % 6u;
        overrun = true;
    }
    fifo[(fifo_head + fifo_count) % WORDS] = w;
    fifo_count++;
}

void fake_lsm6_push(const int16_t accel[3], const int16_t gyro[3])
{
    for (int i = 0; i < 3; i++) {
        push_word((uint16_t)gyro[i]);
    }
    for (int i = 0; i < 3; i++) {
        push_word((uint16_t)accel[i]);
    }
}

void fake_lsm6_drop_words(size_t words)
{
    while (words-- > 0 && fifo_count > 0) {
        (void)pop_word();
    }
}

size_t fake_lsm6_fifo_words(void) { return fifo_count; }
void fake_lsm6_set_overrun(void) { overrun = true; }
void fake_lsm6_set_wake(void) { regs[REG_WAKE_UP_SRC] = 0x08u; }
void fake_lsm6_fail_after(unsigned skip) { fail_countdown = (int)skip; }
void fake_lsm6_fail_all(bool fail) { fail_all = fail; }
unsigned fake_lsm6_fifo_bursts(void) { return bursts; }
unsigned fake_lsm6_transfers(void) { return transfers; }
