#include "sb_lsm6.h"

#include <string.h>

#include "sb_platform.h"

const sb_lsm6_settings_t sb_lsm6_default_settings = {
    .rate_hz = 104,
    .accel_code = 1,
    .gyro_code = 2,
    .watermark_samples = SB_MAX_SAMPLES_PER_PACKET,
    .wake_threshold_mg = 125,
};

/* Register bits and field codes (datasheet section 9). */
#define CTRL3_C_BDU 0x40u      /* block data update: no torn high/low bytes */
#define CTRL3_C_IF_INC 0x04u   /* address auto-increment for bursts */
#define CTRL3_C_SW_RESET 0x01u
#define CTRL6_C_XL_HM_MODE 0x10u /* 1: accelerometer high-performance mode disabled (low power) */
#define FIFO_MODE_BYPASS 0x00u
#define FIFO_MODE_CONTINUOUS 0x06u
#define FIFO_NO_DECIMATION 0x09u /* gyro (bits 5:3) and accel (bits 2:0) both 001 */
#define INT1_FTH 0x08u
#define TAP_CFG_INTERRUPTS_ENABLE 0x80u
#define MD1_CFG_INT1_WU 0x20u
#define WAKE_UP_SRC_WU_IA 0x08u
#define FIFO_STATUS2_OVER_RUN 0x40u
#define FIFO_STATUS2_EMPTY 0x10u
#define ODR_26HZ 0x2u
#define RESET_POLLS 10u
#define BURST_SAMPLES 8u /* samples per I2C burst: 96 bytes on the stack */

static uint8_t odr_code(uint16_t rate_hz)
{
    switch (rate_hz) {
    case 52: return 0x3u;
    case 104: return 0x4u;
    case 208: return 0x5u;
    default: return 0u;
    }
}

/* Protocol accelerometer code (±2, 4, 8, 16 g) to FS_XL bits: the part orders them 2, 16, 4, 8 g. */
static const uint8_t fs_xl_bits[SB_ACCEL_CODE_MAX + 1] = {0x0u, 0x2u, 0x3u, 0x1u};
/* Protocol gyroscope code to CTRL2_G bits 3:1 (FS_G in 3:2, FS_125 in 1). */
static const uint8_t fs_g_bits[SB_GYRO_CODE_MAX + 1] = {0x1u, 0x0u, 0x2u, 0x4u, 0x6u};
static const uint16_t accel_full_scale_mg[SB_ACCEL_CODE_MAX + 1] = {2000, 4000, 8000, 16000};

static int platform_read(void *context, uint8_t address, uint8_t reg, uint8_t *data, size_t length)
{
    (void)context;
    return sb_platform_i2c_read(address, reg, data, length);
}

static int platform_write(void *context, uint8_t address, uint8_t reg, const uint8_t *data, size_t length)
{
    (void)context;
    return sb_platform_i2c_write(address, reg, data, length);
}

sb_i2c_bus_t sb_lsm6_platform_bus(void)
{
    return (sb_i2c_bus_t){
        .read = platform_read, .write = platform_write, .context = NULL, .address = SB_LSM6_ADDRESS};
}

static bool settings_valid(const sb_lsm6_settings_t *s)
{
    return odr_code(s->rate_hz) != 0u && s->accel_code <= SB_ACCEL_CODE_MAX &&
           s->gyro_code <= SB_GYRO_CODE_MAX && s->watermark_samples >= 1u &&
           s->watermark_samples <= SB_LSM6_MAX_WATERMARK && s->wake_threshold_mg >= 1u &&
           s->wake_threshold_mg <= accel_full_scale_mg[s->accel_code];
}

static sb_err_t read_regs(sb_lsm6_t *imu, uint8_t reg, uint8_t *data, size_t length)
{
    if (imu->bus.read(imu->bus.context, imu->bus.address, reg, data, length) != 0) {
        imu->io_errors++;
        return SB_ERR_IO;
    }
    return SB_OK;
}

static sb_err_t write_reg(sb_lsm6_t *imu, uint8_t reg, uint8_t value)
{
    if (imu->bus.write(imu->bus.context, imu->bus.address, reg, &value, 1u) != 0) {
        imu->io_errors++;
        return SB_ERR_IO;
    }
    return SB_OK;
}

typedef struct {
    uint8_t reg;
    uint8_t value;
} reg_value_t;

/* Writes each register in order, then reads each back: the self-check of what was written. */
static sb_err_t write_and_verify(sb_lsm6_t *imu, const reg_value_t *table, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        sb_err_t err = write_reg(imu, table[i].reg, table[i].value);
        if (err != SB_OK) {
            return err;
        }
    }
    for (size_t i = 0; i < count; i++) {
        bool rewritten = false; /* a later entry sets this register again: check that one */
        for (size_t j = i + 1u; j < count; j++) {
            rewritten = rewritten || table[j].reg == table[i].reg;
        }
        if (rewritten) {
            continue;
        }
        uint8_t got = 0;
        sb_err_t err = read_regs(imu, table[i].reg, &got, 1u);
        if (err != SB_OK) {
            return err;
        }
        if (got != table[i].value) {
            return SB_ERR_VERIFY;
        }
    }
    return SB_OK;
}

sb_err_t sb_lsm6_init(sb_lsm6_t *imu, const sb_i2c_bus_t *bus)
{
    if (imu == NULL || bus == NULL || bus->read == NULL || bus->write == NULL) {
        return SB_ERR_NULL;
    }
    memset(imu, 0, sizeof(*imu));
    imu->bus = *bus;
    uint8_t id = 0;
    sb_err_t err = read_regs(imu, SB_LSM6_WHO_AM_I, &id, 1u);
    if (err != SB_OK) {
        return err;
    }
    if (id != SB_LSM6_WHO_AM_I_VALUE) {
        return SB_ERR_ID;
    }
    err = write_reg(imu, SB_LSM6_CTRL3_C, CTRL3_C_SW_RESET | CTRL3_C_IF_INC);
    if (err != SB_OK) {
        return err;
    }
    /* The reset takes ~50 µs; the bit clears itself. A few polls cover it on any I2C speed. */
    for (unsigned poll = 0; poll < RESET_POLLS; poll++) {
        uint8_t ctrl3 = 0;
        err = read_regs(imu, SB_LSM6_CTRL3_C, &ctrl3, 1u);
        if (err != SB_OK) {
            return err;
        }
        if ((ctrl3 & CTRL3_C_SW_RESET) == 0u) {
            return SB_OK;
        }
    }
    return SB_ERR_VERIFY;
}

sb_err_t sb_lsm6_configure(sb_lsm6_t *imu, const sb_lsm6_settings_t *settings)
{
    if (imu == NULL || settings == NULL || imu->bus.read == NULL) {
        return SB_ERR_NULL;
    }
    if (!settings_valid(settings)) {
        return SB_ERR_ARG;
    }
    imu->configured = false;
    uint8_t odr = odr_code(settings->rate_hz);
    uint16_t threshold_words = (uint16_t)(settings->watermark_samples * 6u);
    const reg_value_t table[] = {
        {SB_LSM6_CTRL3_C, CTRL3_C_BDU | CTRL3_C_IF_INC},
        {SB_LSM6_FIFO_CTRL5, FIFO_MODE_BYPASS}, /* empties the FIFO */
        {SB_LSM6_CTRL1_XL,
         (uint8_t)(((unsigned)odr << 4) | ((unsigned)fs_xl_bits[settings->accel_code] << 2))},
        {SB_LSM6_CTRL2_G, (uint8_t)(((unsigned)odr << 4) | ((unsigned)fs_g_bits[settings->gyro_code] << 1))},
        {SB_LSM6_CTRL6_C, 0x00u}, /* high-performance accelerometer */
        {SB_LSM6_FIFO_CTRL1, (uint8_t)(threshold_words & 0xFFu)},
        {SB_LSM6_FIFO_CTRL2, (uint8_t)(threshold_words >> 8)},
        {SB_LSM6_FIFO_CTRL3, FIFO_NO_DECIMATION},
        {SB_LSM6_FIFO_CTRL4, 0x00u},
        {SB_LSM6_INT1_CTRL, INT1_FTH},
        {SB_LSM6_MD1_CFG, 0x00u},
        {SB_LSM6_TAP_CFG, 0x00u},
        {SB_LSM6_FIFO_CTRL5, (uint8_t)(((unsigned)odr << 3) | FIFO_MODE_CONTINUOUS)},
    };
    sb_err_t err = write_and_verify(imu, table, sizeof(table) / sizeof(table[0]));
    if (err != SB_OK) {
        return err;
    }
    imu->settings = *settings;
    imu->configured = true;
    return SB_OK;
}

/* FIFO_STATUS1..4: unread words (11 bits), overrun flag, pattern (next word's position, 0 = gx). */
static sb_err_t read_fifo_status(sb_lsm6_t *imu, uint16_t *words, bool *overrun, uint16_t *pattern)
{
    uint8_t s[4];
    sb_err_t err = read_regs(imu, SB_LSM6_FIFO_STATUS1, s, sizeof(s));
    if (err != SB_OK) {
        return err;
    }
    *words = (uint16_t)(s[0] | ((s[1] & 0x07u) << 8));
    if (*words == 0u && (s[1] & FIFO_STATUS2_EMPTY) == 0u) {
        *words = SB_LSM6_FIFO_WORDS; /* 11 bits cannot say 2048: a full FIFO reads 0 but not empty */
    }
    *overrun = (s[1] & FIFO_STATUS2_OVER_RUN) != 0u;
    *pattern = (uint16_t)(s[2] | ((s[3] & 0x03u) << 8));
    return SB_OK;
}

sb_err_t sb_lsm6_read_fifo(sb_lsm6_t *imu, int16_t (*out)[SB_AXES], size_t max, size_t *n, size_t *remaining,
                           bool *overrun)
{
    if (imu == NULL || out == NULL || n == NULL || remaining == NULL || overrun == NULL) {
        return SB_ERR_NULL;
    }
    *n = 0;
    *remaining = 0;
    *overrun = false;
    if (!imu->configured) {
        return SB_ERR_STATE;
    }
    uint16_t words = 0, pattern = 0;
    sb_err_t err = read_fifo_status(imu, &words, overrun, &pattern);
    if (err != SB_OK) {
        return err;
    }
    if (*overrun) {
        imu->fifo_overruns++;
    }
    /* After an overrun the next word may sit mid-sample: drop words up to the next gx. */
    while (pattern != 0u && words > 0u) {
        uint8_t skip[2];
        err = read_regs(imu, SB_LSM6_FIFO_DATA_OUT_L, skip, sizeof(skip));
        if (err != SB_OK) {
            return err;
        }
        imu->words_discarded++;
        words--;
        pattern = (uint16_t)((pattern + 1u) % 6u);
    }
    size_t available = words / 6u;
    size_t todo = available < max ? available : max;
    *remaining = available - todo;
    while (*n < todo) {
        size_t burst = todo - *n < BURST_SAMPLES ? todo - *n : BURST_SAMPLES;
        uint8_t raw[BURST_SAMPLES * 12u];
        err = read_regs(imu, SB_LSM6_FIFO_DATA_OUT_L, raw, burst * 12u);
        if (err != SB_OK) {
            return err; /* *n already holds the samples read before the failure */
        }
        for (size_t k = 0; k < burst; k++) {
            const uint8_t *w = &raw[k * 12u];
            int16_t *row = out[*n + k];
            /* FIFO order is gyroscope then accelerometer; the protocol's row is accelerometer first. */
            for (size_t axis = 0; axis < 3u; axis++) {
                row[3u + axis] = (int16_t)(uint16_t)(w[2u * axis] | (w[2u * axis + 1u] << 8));
                row[axis] = (int16_t)(uint16_t)(w[6u + 2u * axis] | (w[6u + 2u * axis + 1u] << 8));
            }
        }
        *n += burst;
    }
    return SB_OK;
}

sb_err_t sb_lsm6_enter_wake_mode(sb_lsm6_t *imu)
{
    if (imu == NULL || imu->bus.read == NULL) {
        return SB_ERR_NULL;
    }
    imu->configured = false;
    const sb_lsm6_settings_t *s = &imu->settings;
    uint8_t accel_code = s->accel_code <= SB_ACCEL_CODE_MAX ? s->accel_code : 1u;
    /* WAKE_UP_THS: 6 bits, 1 LSB = full scale / 64. Round up so the threshold is never below the ask. */
    uint32_t full_scale_mg = accel_full_scale_mg[accel_code];
    uint32_t ths = ((uint32_t)s->wake_threshold_mg * 64u + full_scale_mg - 1u) / full_scale_mg;
    if (ths < 1u) {
        ths = 1u;
    }
    if (ths > 63u) {
        ths = 63u;
    }
    const reg_value_t table[] = {
        {SB_LSM6_FIFO_CTRL5, FIFO_MODE_BYPASS},
        {SB_LSM6_INT1_CTRL, 0x00u},
        {SB_LSM6_CTRL2_G, 0x00u}, /* gyroscope off */
        {SB_LSM6_CTRL6_C, CTRL6_C_XL_HM_MODE},
        {SB_LSM6_CTRL1_XL, (uint8_t)((unsigned)(ODR_26HZ << 4) | ((unsigned)fs_xl_bits[accel_code] << 2))},
        {SB_LSM6_WAKE_UP_DUR, 0x00u},
        {SB_LSM6_WAKE_UP_THS, (uint8_t)ths},
        {SB_LSM6_TAP_CFG, TAP_CFG_INTERRUPTS_ENABLE},
        {SB_LSM6_MD1_CFG, MD1_CFG_INT1_WU},
    };
    return write_and_verify(imu, table, sizeof(table) / sizeof(table[0]));
}

sb_err_t sb_lsm6_check_wake(sb_lsm6_t *imu, bool *woken)
{
    if (imu == NULL || woken == NULL || imu->bus.read == NULL) {
        return SB_ERR_NULL;
    }
    uint8_t src = 0;
    sb_err_t err = read_regs(imu, SB_LSM6_WAKE_UP_SRC, &src, 1u);
    *woken = err == SB_OK && (src & WAKE_UP_SRC_WU_IA) != 0u;
    return err;
}

sb_err_t sb_lsm6_power_down(sb_lsm6_t *imu)
{
    if (imu == NULL || imu->bus.read == NULL) {
        return SB_ERR_NULL;
    }
    imu->configured = false;
    const reg_value_t table[] = {
        {SB_LSM6_FIFO_CTRL5, FIFO_MODE_BYPASS},
        {SB_LSM6_INT1_CTRL, 0x00u},
        {SB_LSM6_MD1_CFG, 0x00u},
        {SB_LSM6_CTRL1_XL, 0x00u},
        {SB_LSM6_CTRL2_G, 0x00u},
    };
    return write_and_verify(imu, table, sizeof(table) / sizeof(table[0]));
}
