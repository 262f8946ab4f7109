#include "sb_watcher.h"

#include <math.h>
#include <string.h>

const sb_watcher_settings_t sb_watcher_default_settings = {
    .neutral = {SB_Q14_ONE, 0, 0}, /* sensor x up the spine when worn upright */
    .angle_cdeg = 1500,
    .dwell_s = 30,
    .motion_mdps = 30000,
    .realert_s = 120,
};

/* Gyroscope sensitivity per protocol code, milli-degree/s per count (LSM6DS3TR-C table 3). */
static const float gyro_mdps_per_lsb[SB_GYRO_CODE_MAX + 1] = {4.375f, 8.75f, 17.5f, 35.0f, 70.0f};

#define MS_PER_HOUR 3600000u
#define PI_F 3.14159265f

static bool settings_valid(const sb_watcher_settings_t *s)
{
    int32_t x = s->neutral[0], y = s->neutral[1], z = s->neutral[2];
    uint32_t n2 = (uint32_t)(x * x) + (uint32_t)(y * y) + (uint32_t)(z * z);
    return n2 >= 217432720u && n2 <= 324806901u && /* 0.9..1.1 in Q14, as SET_NEUTRAL checks */
           s->angle_cdeg >= 100u && s->angle_cdeg <= 9000u && s->dwell_s >= 1u && s->dwell_s <= 3600u &&
           s->motion_mdps >= 1000u && s->motion_mdps <= 500000u;
}

static void derive(sb_watcher_t *w)
{
    float n = 0.0f;
    for (int i = 0; i < 3; i++) {
        n += (float)w->settings.neutral[i] * (float)w->settings.neutral[i];
    }
    n = sqrtf(n);
    for (int i = 0; i < 3; i++) {
        w->neutral_unit[i] = (float)w->settings.neutral[i] / n;
    }
    w->cos_threshold = cosf((float)w->settings.angle_cdeg * (PI_F / 18000.0f));
}

sb_err_t sb_watcher_init(sb_watcher_t *watcher, const sb_watcher_settings_t *settings)
{
    if (watcher == NULL || settings == NULL) {
        return SB_ERR_NULL;
    }
    if (!settings_valid(settings)) {
        return SB_ERR_ARG;
    }
    memset(watcher, 0, sizeof(*watcher));
    watcher->settings = *settings;
    derive(watcher);
    return SB_OK;
}

sb_err_t sb_watcher_set(sb_watcher_t *watcher, const sb_watcher_settings_t *settings)
{
    if (watcher == NULL || settings == NULL) {
        return SB_ERR_NULL;
    }
    if (!settings_valid(settings)) {
        return SB_ERR_ARG;
    }
    watcher->settings = *settings;
    watcher->slouched_run_ms = 0;
    watcher->alerted = false;
    derive(watcher);
    return SB_OK;
}

static uint32_t minutes(uint32_t ms) { return ms / 60000u; }

static bool take_record(sb_watcher_t *w, sb_log_record_t *record)
{
    bool any = w->hour_open && (w->upright_ms >= 60000u || w->slouched_ms >= 60000u || w->alerts > 0u);
    if (any) {
        record->hour_start = w->hour_start;
        record->upright_min = (uint8_t)minutes(w->upright_ms);
        record->slouched_min = (uint8_t)minutes(w->slouched_ms);
        record->alerts = w->alerts;
        record->flags = w->hour_flags;
    }
    w->hour_open = false;
    w->upright_ms = 0;
    w->slouched_ms = 0;
    w->alerts = 0;
    return any;
}

/* Adds dt to one of the hour's counters, never letting the hour exceed 60 minutes in total. */
static void account(sb_watcher_t *w, uint32_t *counter, uint32_t dt_ms)
{
    uint32_t used = w->upright_ms + w->slouched_ms;
    uint32_t room = used < MS_PER_HOUR ? MS_PER_HOUR - used : 0u;
    *counter += dt_ms < room ? dt_ms : room;
}

sb_err_t sb_watcher_update(sb_watcher_t *watcher, const int16_t accel[3], const int16_t gyro[3],
                           uint8_t gyro_code, uint32_t dt_ms, uint32_t hour_start, uint8_t hour_flags,
                           sb_watcher_output_t *out)
{
    if (watcher == NULL || accel == NULL || gyro == NULL || out == NULL) {
        return SB_ERR_NULL;
    }
    if (gyro_code > SB_GYRO_CODE_MAX || dt_ms > 60000u || (hour_flags & ~SB_RECORD_FLAGS_KNOWN) != 0u) {
        return SB_ERR_ARG;
    }
    memset(out, 0, sizeof(*out));
    sb_watcher_t *w = watcher;
    if (w->hour_open && (hour_start != w->hour_start || hour_flags != w->hour_flags)) {
        out->record_ready = take_record(w, &out->record);
    }
    if (!w->hour_open) {
        w->hour_open = true;
        w->hour_start = hour_start;
        w->hour_flags = hour_flags;
    }

    float g2 = 0.0f, a2 = 0.0f, dot = 0.0f;
    for (int i = 0; i < 3; i++) {
        float g = (float)gyro[i] * gyro_mdps_per_lsb[gyro_code];
        g2 += g * g;
        a2 += (float)accel[i] * (float)accel[i];
        dot += (float)accel[i] * w->neutral_unit[i];
    }
    float gate = (float)w->settings.motion_mdps;
    if (g2 > gate * gate || a2 == 0.0f) {
        w->posture = SB_POSTURE_UNKNOWN;
        return SB_OK;
    }
    /* cos(angle) = dot / |a|; compare without the square root's sign trouble. */
    bool slouched = dot < w->cos_threshold * sqrtf(a2);
    if (!slouched) {
        w->posture = SB_POSTURE_UPRIGHT;
        w->slouched_run_ms = 0;
        w->alerted = false;
        account(w, &w->upright_ms, dt_ms);
        return SB_OK;
    }
    w->posture = SB_POSTURE_SLOUCHED;
    account(w, &w->slouched_ms, dt_ms);
    w->slouched_run_ms += dt_ms;
    uint32_t due_s = w->alerted ? w->settings.realert_s : w->settings.dwell_s;
    uint32_t due_ms = due_s * 1000u;
    if (due_ms > 0u && w->slouched_run_ms >= due_ms) {
        out->alert = true;
        w->alerted = true;
        w->slouched_run_ms = 0;
        if (w->alerts < UINT8_MAX) {
            w->alerts++;
        }
    }
    return SB_OK;
}

sb_err_t sb_watcher_close_hour(sb_watcher_t *watcher, sb_log_record_t *record, bool *ready)
{
    if (watcher == NULL || record == NULL || ready == NULL) {
        return SB_ERR_NULL;
    }
    *ready = take_record(watcher, record);
    return SB_OK;
}

sb_posture_t sb_watcher_get_posture(const sb_watcher_t *watcher)
{
    return watcher == NULL ? SB_POSTURE_UNKNOWN : watcher->posture;
}

float sb_gyro_norm_mdps(const int16_t gyro[3], uint8_t gyro_code)
{
    if (gyro == NULL || gyro_code > SB_GYRO_CODE_MAX) {
        return 0.0f;
    }
    float g2 = 0.0f;
    for (int i = 0; i < 3; i++) {
        float g = (float)gyro[i] * gyro_mdps_per_lsb[gyro_code];
        g2 += g * g;
    }
    return sqrtf(g2);
}

uint32_t sb_watcher_hour(uint64_t seconds) { return (uint32_t)(seconds - seconds % 3600u); }
