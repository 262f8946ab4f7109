#include "sb_clip.h"

#include <string.h>

#include "sb_clip_internal.h"
#include "sb_control.h"


sb_clip_config_t sb_clip_default_config(void)
{
    return (sb_clip_config_t){
        .fw_major = 0,
        .fw_minor = 1,
        .fw_patch = 0,
        .clock = sb_clock_default_settings,
        .power = sb_power_default_settings,
        .pairing = sb_pairing_default_settings,
        .haptics = sb_haptics_default_settings,
        .realert_s = sb_watcher_default_settings.realert_s,
        .bonded = false,
    };
}

uint32_t sb_clip_saturating_add(uint32_t a, uint32_t b) { return a > UINT32_MAX - b ? UINT32_MAX : a + b; }

uint64_t sb_clip_now_us(sb_clip_t *clip) { return sb_clock_update(&clip->clock, sb_platform_counter()); }

uint64_t sb_clip_now_ms(sb_clip_t *clip) { return sb_clip_now_us(clip) / 1000u; }

static sb_watcher_settings_t watcher_settings(const sb_clip_t *clip)
{
    const sb_device_settings_t *s = &clip->settings;
    return (sb_watcher_settings_t){
        .neutral = {s->neutral[0], s->neutral[1], s->neutral[2]},
        .angle_cdeg = s->angle_cdeg,
        .dwell_s = s->dwell_s,
        .motion_mdps = s->motion_mdps,
        .realert_s = clip->config.realert_s,
    };
}

sb_batcher_settings_t sb_clip_batcher_settings(const sb_clip_t *clip)
{
    uint8_t per_packet = sb_samples_per_packet(clip->att_mtu);
    return (sb_batcher_settings_t){
        .role = clip->settings.role,
        .rate_hz = clip->settings.rate_hz,
        .ranges = clip->settings.ranges,
        .samples_per_packet = per_packet > 0u ? per_packet : 1u,
    };
}

sb_err_t sb_clip_apply_settings(sb_clip_t *clip)
{
    if (clip == NULL) {
        return SB_ERR_NULL;
    }
    sb_watcher_settings_t ws = watcher_settings(clip);
    sb_err_t err = sb_watcher_set(&clip->watcher, &ws);
    if (err != SB_OK) {
        return err;
    }
    sb_batcher_settings_t bs = sb_clip_batcher_settings(clip);
    err = sb_batcher_set(&clip->batcher, &bs);
    if (err != SB_OK) {
        return err;
    }
    if (clip->imu_ok && (clip->imu_state == SB_STATE_STREAMING || clip->imu_state == SB_STATE_STANDALONE)) {
        return sb_clip_configure_imu(clip, clip->imu_state);
    }
    return SB_OK;
}

sb_err_t sb_clip_init(sb_clip_t *clip, const sb_clip_config_t *config)
{
    if (clip == NULL || config == NULL) {
        return SB_ERR_NULL;
    }
    memset(clip, 0, sizeof(*clip));
    clip->config = *config;
    clip->att_mtu = 23; /* BLE default until the exchange */
    sb_err_t err = sb_clock_init(&clip->clock, &config->clock);
    if (err != SB_OK) {
        return err;
    }
    uint64_t now = sb_clip_now_ms(clip);
    /* Missing or corrupt settings fall back to the defaults (sb_device_settings_load sets them). */
    (void)sb_device_settings_load(&clip->settings);
    sb_watcher_settings_t ws = watcher_settings(clip);
    if (sb_watcher_init(&clip->watcher, &ws) != SB_OK) {
        clip->settings = sb_device_default_settings; /* a stored neutral the watcher refuses */
        ws = watcher_settings(clip);
        err = sb_watcher_init(&clip->watcher, &ws);
        if (err != SB_OK) {
            return err;
        }
    }
    if (sb_posture_log_init(&clip->log) != SB_OK) {
        clip->log_write_errors = sb_clip_saturating_add(clip->log_write_errors, 1u);
    }
    if ((err = sb_ring_init(&clip->ring, clip->ring_slots, SB_CLIP_RING_PACKETS)) != SB_OK) {
        return err;
    }
    sb_batcher_settings_t bs = sb_clip_batcher_settings(clip);
    if ((err = sb_batcher_init(&clip->batcher, &bs, &clip->ring)) != SB_OK ||
        (err = sb_haptics_init(&clip->haptics, &config->haptics)) != SB_OK ||
        (err = sb_power_init(&clip->power, &config->power, now)) != SB_OK ||
        (err = sb_pairing_init(&clip->pairing, &config->pairing, config->bonded, now)) != SB_OK) {
        return err;
    }
    err = sb_lsm6_init(&clip->imu, &config->imu_bus);
    clip->imu.settings = sb_lsm6_default_settings; /* what sleep mode uses until a configure succeeds */
    clip->imu_ok = err == SB_OK;
    if (!clip->imu_ok) {
        clip->imu_errors = sb_clip_saturating_add(clip->imu_errors, 1u);
        clip->imu_state = SB_STATE_STANDALONE;
        return err;
    }
    return sb_clip_configure_imu(clip, SB_STATE_STANDALONE);
}

void sb_clip_append_record(sb_clip_t *clip, const sb_log_record_t *record)
{
    if (sb_posture_log_append(&clip->log, record) != SB_OK) {
        clip->log_write_errors = sb_clip_saturating_add(clip->log_write_errors, 1u); /* kept in RAM */
    }
}

static void notify_status(sb_clip_t *clip)
{
    if (!clip->connected) {
        return;
    }
    uint8_t buf[SB_STATUS_SIZE];
    size_t length = 0;
    if (sb_clip_read_status(clip, buf, sizeof(buf), &length) == SB_OK) {
        (void)sb_platform_notify(SB_CHAR_STATUS, buf, length); /* best effort: status is also readable */
    }
}

void sb_clip_update_state(sb_clip_t *clip)
{
    sb_power_inputs_t in = {
        .connected = clip->connected,
        .streaming_requested = clip->streaming_requested,
        .woken = clip->woken,
        .motion_seen = clip->motion_seen,
    };
    clip->woken = false;
    clip->motion_seen = false;
    (void)sb_power_update(&clip->power, &in, sb_clip_now_ms(clip));
    sb_clip_state_t next = sb_power_get_state(&clip->power);
    if (next == clip->imu_state) {
        return;
    }
    if (clip->imu_state == SB_STATE_STREAMING) {
        (void)sb_batcher_flush(&clip->batcher);
    }
    if (next == SB_STATE_STREAMING) {
        sb_batcher_settings_t bs = sb_clip_batcher_settings(clip);
        (void)sb_batcher_set(&clip->batcher, &bs);
    }
    if (clip->imu_ok) {
        (void)sb_clip_configure_imu(clip, next);
    } else {
        clip->imu_state = next;
    }
    notify_status(clip);
}

void sb_clip_on_connect(sb_clip_t *clip)
{
    if (clip == NULL) {
        return;
    }
    clip->connected = true;
    clip->encrypted = false;
    clip->streaming_requested = false;
    clip->att_mtu = 23;
    /* The host will read the log: close the open hour so it includes the minutes up to now. */
    sb_log_record_t record;
    bool ready = false;
    if (sb_watcher_close_hour(&clip->watcher, &record, &ready) == SB_OK && ready) {
        sb_clip_append_record(clip, &record);
    }
    sb_clip_update_state(clip);
}

void sb_clip_on_disconnect(sb_clip_t *clip)
{
    if (clip == NULL) {
        return;
    }
    clip->connected = false;
    clip->encrypted = false;
    clip->stream_subscribed = false;
    clip->control_subscribed = false;
    clip->streaming_requested = false;
    sb_clip_update_state(clip);
    sb_ring_clear(&clip->ring); /* nobody to send them to */
}

void sb_clip_on_security(sb_clip_t *clip, bool encrypted)
{
    if (clip != NULL) {
        clip->encrypted = encrypted;
    }
}

void sb_clip_on_mtu(sb_clip_t *clip, uint16_t att_mtu)
{
    if (clip == NULL) {
        return;
    }
    clip->att_mtu = att_mtu;
    if (sb_samples_per_packet(att_mtu) == 0u) {
        clip->streaming_requested = false; /* cannot stream at this MTU */
    }
    sb_batcher_settings_t bs = sb_clip_batcher_settings(clip);
    (void)sb_batcher_set(&clip->batcher, &bs);
    sb_clip_update_state(clip);
}

void sb_clip_on_subscribe(sb_clip_t *clip, sb_characteristic_t characteristic, bool enabled)
{
    if (clip == NULL) {
        return;
    }
    if (characteristic == SB_CHAR_STREAM) {
        clip->stream_subscribed = enabled;
    } else if (characteristic == SB_CHAR_CONTROL) {
        clip->control_subscribed = enabled;
    }
}

void sb_clip_tick(sb_clip_t *clip)
{
    if (clip == NULL) {
        return;
    }
    sb_clip_update_state(clip);
    (void)sb_haptics_update(&clip->haptics, sb_clip_now_ms(clip));
    sb_clip_pump_stream(clip);
}

sb_err_t sb_clip_on_control_write(sb_clip_t *clip, const uint8_t *request, size_t length, uint8_t *response,
                                  size_t capacity, size_t *response_length)
{
    if (clip == NULL || response == NULL || response_length == NULL) {
        return SB_ERR_NULL;
    }
    sb_command_t command;
    sb_result_t parsed = sb_command_parse(request, length, &command);
    sb_response_t answer = {.opcode = command.opcode, .token = command.token, .result = (uint8_t)parsed};
    if (length >= SB_REQUEST_HEADER_SIZE && request != NULL) {
        if (!sb_pairing_link_allowed(clip->encrypted)) {
            answer.result = SB_RESULT_NOT_AUTHORIZED;
        } else if (parsed == SB_RESULT_OK) {
            sb_control_execute(clip, &command, &answer);
            sb_clip_update_state(clip);
        }
    }
    answer.opcode &= (uint8_t)~SB_RESPONSE_BIT; /* a request byte with the top bit set still gets an answer */
    return sb_response_encode(&answer, response, capacity, response_length);
}

sb_err_t sb_clip_read_status(sb_clip_t *clip, uint8_t *out, size_t capacity, size_t *length)
{
    if (clip == NULL || out == NULL || length == NULL) {
        return SB_ERR_NULL;
    }
    uint64_t now = sb_clip_now_ms(clip);
    uint8_t flags = 0;
    flags |= clip->pairing.bonded ? SB_STATUS_BONDED : 0u;
    flags |= clip->settings.neutral_set ? SB_STATUS_NEUTRAL_SET : 0u;
    flags |= sb_pairing_window_open(&clip->pairing, now) ? SB_STATUS_PAIRING_WINDOW : 0u;
    flags |= clip->clock.synced ? SB_STATUS_CLOCK_SYNCED : 0u;
    sb_status_t status = {
        .state = (uint8_t)sb_power_get_state(&clip->power),
        .role = clip->settings.role,
        .ranges = clip->settings.ranges,
        .rate_hz = clip->settings.rate_hz,
        .fw_major = clip->config.fw_major,
        .fw_minor = clip->config.fw_minor,
        .fw_patch = clip->config.fw_patch,
        .status_flags = flags,
        .dropped_samples = sb_clip_saturating_add(clip->ring.dropped_samples, clip->fifo_lost_samples),
        .log_records = sb_posture_log_count(&clip->log),
    };
    return sb_status_encode(&status, out, capacity, length);
}

sb_err_t sb_clip_read_log(sb_clip_t *clip, uint8_t *out, size_t capacity, size_t *length)
{
    if (clip == NULL || out == NULL || length == NULL) {
        return SB_ERR_NULL;
    }
    if (!sb_pairing_link_allowed(clip->encrypted)) {
        return SB_ERR_STATE;
    }
    uint16_t count = sb_posture_log_count(&clip->log);
    uint16_t first = clip->log_cursor <= count ? clip->log_cursor : count;
    sb_log_page_t page;
    sb_err_t err = sb_posture_log_page(&clip->log, first, &page);
    if (err != SB_OK) {
        return err;
    }
    return sb_log_page_encode(&page, out, capacity, length);
}

bool sb_clip_accept_bond(sb_clip_t *clip, bool known_peer)
{
    return clip != NULL && sb_pairing_accept(&clip->pairing, known_peer, sb_clip_now_ms(clip));
}

void sb_clip_on_button(sb_clip_t *clip)
{
    if (clip != NULL) {
        (void)sb_pairing_button(&clip->pairing, sb_clip_now_ms(clip));
    }
}
