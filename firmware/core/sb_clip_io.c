/* The data path of the clip: the IMU set up for each state, FIFO reads into the batcher (streaming) or
 * the watcher (standalone), and the packet ring drained into notifications. */
#include "sb_clip.h"
#include "sb_clip_internal.h"

#define ALERT_PATTERN SB_PATTERN_DOUBLE
#define ALERT_INTENSITY 80u /* percent */
#define MAX_FIFO_PASSES 16u /* bounded work per interrupt: 16 * 32 samples > the whole FIFO */

sb_err_t sb_clip_configure_imu(sb_clip_t *clip, sb_clip_state_t state)
{
    sb_lsm6_settings_t s = sb_lsm6_default_settings;
    s.accel_code = clip->settings.ranges & 0x0Fu;
    s.gyro_code = (uint8_t)(clip->settings.ranges >> 4);
    sb_err_t err = SB_OK;
    switch (state) {
    case SB_STATE_STREAMING:
        s.rate_hz = clip->settings.rate_hz;
        s.watermark_samples = sb_clip_batcher_settings(clip).samples_per_packet;
        err = sb_lsm6_configure(&clip->imu, &s);
        break;
    case SB_STATE_STANDALONE:
        s.rate_hz = SB_CLIP_STANDALONE_RATE_HZ;
        s.watermark_samples = SB_CLIP_STANDALONE_WATERMARK;
        err = sb_lsm6_configure(&clip->imu, &s);
        break;
    case SB_STATE_SLEEP:
        err = sb_lsm6_enter_wake_mode(&clip->imu);
        break;
    case SB_STATE_IDLE:
        err = sb_lsm6_power_down(&clip->imu);
        break;
    }
    clip->imu_state = state;
    clip->last_fifo_us = sb_clip_now_us(clip);
    clip->watch_residual_ns = 0;
    if (err != SB_OK) {
        clip->imu_errors = sb_clip_saturating_add(clip->imu_errors, 1u);
    }
    return err;
}

static void watch_samples(sb_clip_t *clip, int16_t (*rows)[SB_AXES], size_t n, uint64_t now_us)
{
    uint64_t seconds = now_us / 1000000u;
    uint8_t flags = 0;
    if (!sb_clock_to_unix_s(&clip->clock, now_us, &seconds)) {
        flags = SB_RECORD_CLOCK_UNSYNCED;
    }
    uint32_t hour = sb_watcher_hour(seconds);
    uint32_t period_ns = sb_period_ns(SB_CLIP_STANDALONE_RATE_HZ);
    uint8_t gyro_code = (uint8_t)(clip->settings.ranges >> 4);
    for (size_t i = 0; i < n; i++) {
        uint32_t total_ns = clip->watch_residual_ns + period_ns;
        clip->watch_residual_ns = total_ns % 1000000u;
        sb_watcher_output_t out;
        if (sb_watcher_update(&clip->watcher, &rows[i][0], &rows[i][3], gyro_code, total_ns / 1000000u, hour,
                              flags,
                              &out) != SB_OK) {
            continue;
        }
        if (out.record_ready) {
            sb_clip_append_record(clip, &out.record);
        }
        if (out.alert) {
            (void)sb_haptics_start(&clip->haptics, ALERT_PATTERN, ALERT_INTENSITY, now_us / 1000u);
        }
        if (sb_gyro_norm_mdps(&rows[i][3], gyro_code) > (float)clip->config.power.still_mdps) {
            clip->motion_seen = true;
        }
    }
}

void sb_clip_on_imu_interrupt(sb_clip_t *clip)
{
    if (clip == NULL || !clip->imu_ok) {
        return;
    }
    if (clip->imu_state == SB_STATE_SLEEP) {
        bool woken = false;
        if (sb_lsm6_check_wake(&clip->imu, &woken) != SB_OK) {
            clip->imu_errors = sb_clip_saturating_add(clip->imu_errors, 1u);
        }
        clip->woken = woken;
        sb_clip_update_state(clip);
        return;
    }
    if (clip->imu_state != SB_STATE_STREAMING && clip->imu_state != SB_STATE_STANDALONE) {
        return;
    }
    int16_t(*rows)[SB_AXES] = clip->fifo_rows;
    uint32_t period_ns = sb_period_ns(clip->imu.settings.rate_hz);
    for (unsigned pass = 0; pass < MAX_FIFO_PASSES; pass++) {
        size_t n = 0, remaining = 0;
        bool overrun = false;
        sb_err_t err = sb_lsm6_read_fifo(&clip->imu, rows, SB_CLIP_FIFO_BATCH, &n, &remaining, &overrun);
        uint64_t now_us = sb_clip_now_us(clip);
        if (err != SB_OK) {
            clip->imu_errors = sb_clip_saturating_add(clip->imu_errors, 1u);
        }
        if (overrun && period_ns > 0u) {
            /* The FIFO lost samples: estimate how many from the time since the last read. */
            uint64_t expected = (now_us - clip->last_fifo_us) * 1000u / period_ns;
            uint64_t got = (uint64_t)n + remaining;
            uint64_t lost = expected > got ? expected - got : 0u;
            uint32_t lost32 = lost > UINT32_MAX ? UINT32_MAX : (uint32_t)lost;
            clip->fifo_lost_samples = sb_clip_saturating_add(clip->fifo_lost_samples, lost32);
        }
        clip->last_fifo_us = now_us;
        if (n > 0u) {
            uint64_t newest_us = now_us - ((uint64_t)remaining * period_ns) / 1000u;
            if (clip->imu_state == SB_STATE_STREAMING) {
                const int16_t(*batch)[SB_AXES] = (const int16_t(*)[SB_AXES])clip->fifo_rows;
                (void)sb_batcher_update(&clip->batcher, batch, n, newest_us, overrun);
            } else {
                watch_samples(clip, rows, n, newest_us);
            }
        }
        if (err != SB_OK || remaining == 0u) {
            break;
        }
    }
}

void sb_clip_pump_stream(sb_clip_t *clip)
{
    if (!clip->connected || !clip->encrypted || !clip->stream_subscribed) {
        return; /* notify only after the central subscribed, on an encrypted link */
    }
    for (unsigned i = 0; i < SB_CLIP_PUMP_PACKETS; i++) {
        const sb_sample_packet_t *packet = NULL;
        if (sb_ring_peek(&clip->ring, &packet) != SB_OK) {
            return;
        }
        uint8_t buf[SB_MAX_PACKET_SIZE];
        size_t length = 0;
        if (sb_packet_encode(packet, buf, sizeof(buf), &length) != SB_OK ||
            length > (size_t)clip->att_mtu - SB_ATT_HEADER_SIZE) {
            (void)sb_ring_pop(&clip->ring); /* cannot be sent (MTU shrank): drop it, counted by the seq gap */
            continue;
        }
        if (sb_platform_notify(SB_CHAR_STREAM, buf, length) != 0) {
            /* The radio is busy: keep the packet, retry on the next tick. */
            clip->notify_retries = sb_clip_saturating_add(clip->notify_retries, 1u);
            return;
        }
        (void)sb_ring_pop(&clip->ring);
    }
}

