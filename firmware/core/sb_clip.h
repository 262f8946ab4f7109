/* The whole clip as one value: every core module's state, composed, with the events the device port
 * forwards (connection, security, MTU, subscriptions, IMU interrupt, a periodic tick, characteristic
 * reads and control writes). firmware/app/main.c owns one static sb_clip_t and does nothing else but
 * forward Zephyr's callbacks here, so all behaviour is host-tested.
 *
 * Threading: the core is not re-entrant; sb_clip_* calls must not overlap (the app makes them from its
 * work queue, and locks the scheduler around the few it must answer from the Bluetooth thread). */
#ifndef SB_CLIP_H
#define SB_CLIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sb_batcher.h"
#include "sb_clock.h"
#include "sb_err.h"
#include "sb_haptics.h"
#include "sb_lsm6.h"
#include "sb_pairing.h"
#include "sb_persist.h"
#include "sb_platform.h"
#include "sb_posture_log.h"
#include "sb_power.h"
#include "sb_protocol.h"
#include "sb_ring.h"
#include "sb_watcher.h"

#define SB_CLIP_RING_PACKETS 24u       /* ~4 s of 104 Hz samples at 18 per packet */
#define SB_CLIP_FIFO_BATCH 32u         /* samples drained per IMU interrupt pass */
#define SB_CLIP_STANDALONE_RATE_HZ 52u /* enough for posture, half the current of 104 Hz */
#define SB_CLIP_STANDALONE_WATERMARK 26u /* one wake-up every 0.5 s */
#define SB_CLIP_PUMP_PACKETS 4u         /* notifications queued per tick at most */

typedef struct {
    uint8_t fw_major, fw_minor, fw_patch;
    sb_clock_settings_t clock;
    sb_i2c_bus_t imu_bus;
    sb_power_settings_t power;
    sb_pairing_settings_t pairing;
    sb_haptics_settings_t haptics;
    uint16_t realert_s; /* standalone re-alert interval, s; 0: once per slouch episode */
    bool bonded;        /* the BLE stack holds at least one bond */
} sb_clip_config_t;

/* The configuration with the defaults of every module; imu_bus must still be filled in. */
sb_clip_config_t sb_clip_default_config(void);

typedef struct {
    sb_clip_config_t config;
    sb_device_settings_t settings; /* persisted */
    sb_clock_t clock;
    sb_lsm6_t imu;
    sb_ring_t ring;
    sb_sample_packet_t ring_slots[SB_CLIP_RING_PACKETS];
    sb_batcher_t batcher;
    sb_posture_log_t log;
    sb_watcher_t watcher;
    sb_haptics_t haptics;
    sb_power_t power;
    sb_pairing_t pairing;

    /* Link. */
    bool connected;
    bool encrypted;
    uint16_t att_mtu;
    bool stream_subscribed;
    bool control_subscribed;
    bool streaming_requested;
    uint16_t log_cursor; /* first record of the next log page read */

    /* What the IMU is set up for (the state it was last configured for). */
    sb_clip_state_t imu_state;
    bool imu_ok;
    bool woken;
    bool motion_seen;
    uint64_t last_fifo_us;   /* device time of the previous FIFO read */
    uint32_t watch_residual_ns;
    int16_t fifo_rows[SB_CLIP_FIFO_BATCH][SB_AXES]; /* scratch for one FIFO pass */

    /* Counters, each shown in the status or the logs. */
    uint32_t fifo_lost_samples; /* estimated from the time gap around each FIFO overrun */
    uint32_t imu_errors;
    uint32_t notify_retries;
    uint32_t log_write_errors;
} sb_clip_t;

/* Loads settings and the posture log from storage (corrupt or missing ones fall back to defaults and
 * are counted), checks the IMU and starts in STANDALONE. Returns SB_OK, or the IMU's error (the clip
 * keeps running without samples; status and log still work). */
sb_err_t sb_clip_init(sb_clip_t *clip, const sb_clip_config_t *config);

void sb_clip_on_connect(sb_clip_t *clip);
void sb_clip_on_disconnect(sb_clip_t *clip);
void sb_clip_on_security(sb_clip_t *clip, bool encrypted);
void sb_clip_on_mtu(sb_clip_t *clip, uint16_t att_mtu);
void sb_clip_on_subscribe(sb_clip_t *clip, sb_characteristic_t characteristic, bool enabled);

/* The IMU's INT1 fired (FIFO watermark, or wake-up in SLEEP). */
void sb_clip_on_imu_interrupt(sb_clip_t *clip);

/* Periodic work, every 20..100 ms: clock, state transitions, vibration, notifications. */
void sb_clip_tick(sb_clip_t *clip);

/* A control write: fills the response (always: even malformed requests get one). */
sb_err_t sb_clip_on_control_write(sb_clip_t *clip, const uint8_t *request, size_t length, uint8_t *response,
                                  size_t capacity, size_t *response_length);

sb_err_t sb_clip_read_status(sb_clip_t *clip, uint8_t *out, size_t capacity, size_t *length);

/* The log characteristic: a page from the LOG_SELECT cursor. */
sb_err_t sb_clip_read_log(sb_clip_t *clip, uint8_t *out, size_t capacity, size_t *length);

/* Asked by the BLE stack when a peer pairs; see sb_pairing_accept. */
bool sb_clip_accept_bond(sb_clip_t *clip, bool known_peer);
void sb_clip_on_button(sb_clip_t *clip);

uint64_t sb_clip_now_us(sb_clip_t *clip);

/* Used by sb_control: re-applies settings to the IMU, batcher and watcher after a command. */
sb_err_t sb_clip_apply_settings(sb_clip_t *clip);

#endif
