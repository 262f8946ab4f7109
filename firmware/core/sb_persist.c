#include "sb_persist.h"

#include <stdbool.h>
#include <string.h>

#include "sb_crc.h"
#include "sb_le.h"
#include "sb_platform.h"
#include "sb_protocol.h"

const sb_device_settings_t sb_device_default_settings = {
    .role = 0,
    .rate_hz = 104,
    .ranges = 0x21,
    .neutral_set = 0,
    .neutral = {16384, 0, 0}, /* sensor x up the spine: upright until calibrated */
    .angle_cdeg = 1500,
    .dwell_s = 30,
    .motion_mdps = 30000,
};

sb_err_t sb_persist_save(uint16_t key, const uint8_t *payload, size_t length)
{
    if (payload == NULL) {
        return SB_ERR_NULL;
    }
    if (length == 0u || length > SB_PERSIST_MAX_PAYLOAD) {
        return SB_ERR_ARG;
    }
    uint8_t buf[SB_PERSIST_MAX_PAYLOAD + SB_PERSIST_OVERHEAD];
    buf[0] = SB_PERSIST_FORMAT;
    sb_le_put_u16(&buf[1], (uint16_t)length);
    memcpy(&buf[3], payload, length);
    sb_le_put_u16(&buf[3 + length], sb_crc16(buf, 3u + length));
    if (sb_platform_storage_write(key, buf, length + SB_PERSIST_OVERHEAD) != 0) {
        return SB_ERR_STORAGE;
    }
    return SB_OK;
}

sb_err_t sb_persist_load(uint16_t key, uint8_t *payload, size_t length)
{
    if (payload == NULL) {
        return SB_ERR_NULL;
    }
    if (length == 0u || length > SB_PERSIST_MAX_PAYLOAD) {
        return SB_ERR_ARG;
    }
    uint8_t buf[SB_PERSIST_MAX_PAYLOAD + SB_PERSIST_OVERHEAD];
    int got = sb_platform_storage_read(key, buf, sizeof(buf));
    if (got < 0) {
        return SB_ERR_STORAGE;
    }
    if (got == 0) {
        return SB_ERR_EMPTY;
    }
    if ((size_t)got != length + SB_PERSIST_OVERHEAD || buf[0] != SB_PERSIST_FORMAT ||
        sb_le_get_u16(&buf[1]) != length || sb_le_get_u16(&buf[3 + length]) != sb_crc16(buf, 3u + length)) {
        return SB_ERR_CORRUPT;
    }
    memcpy(payload, &buf[3], length);
    return SB_OK;
}

static void put_settings(uint8_t *p, const sb_device_settings_t *s)
{
    p[0] = s->role;
    sb_le_put_u16(&p[1], s->rate_hz);
    p[3] = s->ranges;
    p[4] = s->neutral_set;
    sb_le_put_i16(&p[5], s->neutral[0]);
    sb_le_put_i16(&p[7], s->neutral[1]);
    sb_le_put_i16(&p[9], s->neutral[2]);
    sb_le_put_u16(&p[11], s->angle_cdeg);
    sb_le_put_u16(&p[13], s->dwell_s);
    sb_le_put_u32(&p[15], s->motion_mdps);
    p[19] = 0;
}

static bool settings_valid(const sb_device_settings_t *s)
{
    return s->role <= SB_ROLE_HEAD && sb_rate_supported(s->rate_hz) && sb_ranges_valid(s->ranges) &&
           s->neutral_set <= 1u &&
           s->angle_cdeg >= 100u && s->angle_cdeg <= 9000u && s->dwell_s >= 1u && s->dwell_s <= 3600u &&
           s->motion_mdps >= 1000u && s->motion_mdps <= 500000u;
}

sb_err_t sb_device_settings_save(const sb_device_settings_t *settings)
{
    if (settings == NULL) {
        return SB_ERR_NULL;
    }
    if (!settings_valid(settings)) {
        return SB_ERR_ARG;
    }
    uint8_t p[SB_DEVICE_SETTINGS_SIZE];
    put_settings(p, settings);
    return sb_persist_save(SB_KEY_SETTINGS, p, sizeof(p));
}

sb_err_t sb_device_settings_load(sb_device_settings_t *settings)
{
    if (settings == NULL) {
        return SB_ERR_NULL;
    }
    *settings = sb_device_default_settings;
    uint8_t p[SB_DEVICE_SETTINGS_SIZE];
    sb_err_t err = sb_persist_load(SB_KEY_SETTINGS, p, sizeof(p));
    if (err != SB_OK) {
        return err;
    }
    sb_device_settings_t s = {
        .role = p[0],
        .rate_hz = sb_le_get_u16(&p[1]),
        .ranges = p[3],
        .neutral_set = p[4],
        .neutral = {sb_le_get_i16(&p[5]), sb_le_get_i16(&p[7]), sb_le_get_i16(&p[9])},
        .angle_cdeg = sb_le_get_u16(&p[11]),
        .dwell_s = sb_le_get_u16(&p[13]),
        .motion_mdps = sb_le_get_u32(&p[15]),
    };
    if (!settings_valid(&s) || p[19] != 0u) {
        return SB_ERR_CORRUPT; /* a valid CRC over values no firmware writes: refuse them */
    }
    *settings = s;
    return SB_OK;
}
