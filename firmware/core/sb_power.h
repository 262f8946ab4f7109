/* Which of the four clip states to be in, from the link and from motion:
 *   connected and streaming requested -> STREAMING;  connected otherwise -> IDLE;
 *   not connected -> STANDALONE (the clip watches posture itself), until the clip has been still
 *   (gyroscope below still_mdps) for sleep_after_s -> SLEEP (IMU in wake-up mode, radio advertising
 *   slowly); the IMU's wake-up interrupt or a connection leaves SLEEP.
 * A seated wearer breathes and sways well above still_mdps; a clip lying on a desk does not. */
#ifndef SB_POWER_H
#define SB_POWER_H

#include <stdbool.h>
#include <stdint.h>

#include "sb_err.h"
#include "sb_protocol.h"

typedef struct {
    uint32_t still_mdps;    /* below this gyroscope norm the clip is still, milli-degree/s */
    uint32_t sleep_after_s; /* still this long without a host: sleep, s, >= 1 */
} sb_power_settings_t;

extern const sb_power_settings_t sb_power_default_settings; /* 300 mdps, 600 s */

typedef struct {
    bool connected;
    bool streaming_requested; /* START_STREAM received and not stopped */
    bool woken;               /* the IMU's wake-up interrupt fired */
    bool motion_seen;         /* since the last update, some sample exceeded still_mdps */
} sb_power_inputs_t;

typedef struct {
    sb_power_settings_t settings;
    sb_clip_state_t state;
    uint64_t still_since_ms;
} sb_power_t;

sb_err_t sb_power_init(sb_power_t *power, const sb_power_settings_t *settings, uint64_t now_ms);
/* New thresholds; the stillness timer keeps running. */
sb_err_t sb_power_set(sb_power_t *power, const sb_power_settings_t *settings);
sb_err_t sb_power_update(sb_power_t *power, const sb_power_inputs_t *inputs, uint64_t now_ms);
sb_clip_state_t sb_power_get_state(const sb_power_t *power);

#endif
