/* Standalone posture watcher: while no host streams, the clip itself decides upright vs slouched from
 * the angle between the current gravity direction and the stored neutral one (both in the sensor
 * frame), alerts after a dwell time, and accumulates per-hour minutes for the posture log.
 *
 * Motion gating: when the gyroscope's rate exceeds motion_mdps the accelerometer carries body
 * acceleration, so the sample is not classified: it neither advances nor resets the dwell timer and its
 * time counts toward neither upright nor slouched minutes. */
#ifndef SB_WATCHER_H
#define SB_WATCHER_H

#include <stdbool.h>
#include <stdint.h>

#include "sb_err.h"
#include "sb_protocol.h"

typedef struct {
    int16_t neutral[3];   /* neutral up direction, sensor frame, Q14; norm 0.9..1.1 */
    uint16_t angle_cdeg;  /* slouched beyond this angle from neutral, 0.01 degree, 100..9000 */
    uint16_t dwell_s;     /* continuous slouched time before an alert, s, 1..3600 */
    uint32_t motion_mdps; /* gate: gyroscope norm above this is motion, milli-degree/s, 1000..500000 */
    uint16_t realert_s;   /* repeat the alert after this much more slouched time, s; 0: once per episode */
} sb_watcher_settings_t;

extern const sb_watcher_settings_t sb_watcher_default_settings; /* x up, 15°, 30 s, 30 dps, 120 s */

typedef enum {
    SB_POSTURE_UNKNOWN = 0, /* moving, or no sample yet */
    SB_POSTURE_UPRIGHT = 1,
    SB_POSTURE_SLOUCHED = 2,
} sb_posture_t;

typedef struct {
    sb_watcher_settings_t settings;
    float neutral_unit[3];   /* normalised neutral */
    float cos_threshold;     /* cos(angle) at the threshold */
    sb_posture_t posture;    /* last classification */
    uint32_t slouched_run_ms; /* slouched time toward the next alert */
    bool alerted;            /* this episode already alerted */
    /* The open hour. */
    bool hour_open;
    uint32_t hour_start;     /* s: Unix, or device with SB_RECORD_CLOCK_UNSYNCED */
    uint8_t hour_flags;
    uint32_t upright_ms;
    uint32_t slouched_ms;
    uint8_t alerts;
} sb_watcher_t;

typedef struct {
    bool alert;              /* vibrate now */
    bool record_ready;       /* an hour closed: append record to the log */
    sb_log_record_t record;
} sb_watcher_output_t;

sb_err_t sb_watcher_init(sb_watcher_t *watcher, const sb_watcher_settings_t *settings);

/* New thresholds or neutral; the open hour is kept, the dwell timer restarts. */
sb_err_t sb_watcher_set(sb_watcher_t *watcher, const sb_watcher_settings_t *settings);

/* One sample. accel: raw counts (any full scale: only the direction is used), sensor frame; gyro: raw
 * counts at gyro_code (0..4); dt_ms: time since the previous sample (<= 60000); hour_start and
 * hour_flags: the clock hour this sample belongs to (see sb_watcher_hour). */
sb_err_t sb_watcher_update(sb_watcher_t *watcher, const int16_t accel[3], const int16_t gyro[3],
                           uint8_t gyro_code, uint32_t dt_ms, uint32_t hour_start, uint8_t hour_flags,
                           sb_watcher_output_t *out);

/* Closes the open hour now (a host connected and will read the log); *ready false when it was empty. */
sb_err_t sb_watcher_close_hour(sb_watcher_t *watcher, sb_log_record_t *record, bool *ready);

sb_posture_t sb_watcher_get_posture(const sb_watcher_t *watcher);

/* Norm of a raw gyroscope sample at full-scale code gyro_code (0..4; others give 0), milli-degree/s. */
float sb_gyro_norm_mdps(const int16_t gyro[3], uint8_t gyro_code);

/* The hour start for a time in seconds (Unix when synced, else device): s - s % 3600. */
uint32_t sb_watcher_hour(uint64_t seconds);

#endif
