/* Functions shared by sb_clip.c (events, commands, views) and sb_clip_io.c (the data path); not part
 * of the clip's public interface. */
#ifndef SB_CLIP_INTERNAL_H
#define SB_CLIP_INTERNAL_H

#include <stdint.h>

#include "sb_clip.h"

uint32_t sb_clip_saturating_add(uint32_t a, uint32_t b);
uint64_t sb_clip_now_ms(sb_clip_t *clip);
sb_batcher_settings_t sb_clip_batcher_settings(const sb_clip_t *clip);
void sb_clip_append_record(sb_clip_t *clip, const sb_log_record_t *record);

/* Moves to the state the power policy picks and sets the IMU up for it. */
void sb_clip_update_state(sb_clip_t *clip);

/* Sets the IMU up for a state (streaming, standalone, sleep, idle); counts a failure. */
sb_err_t sb_clip_configure_imu(sb_clip_t *clip, sb_clip_state_t state);

/* Sends queued packets while the link allows (encrypted, subscribed) and the radio takes them. */
void sb_clip_pump_stream(sb_clip_t *clip);

#endif
