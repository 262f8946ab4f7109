/* Vibration patterns (PROTOCOL.md VIBRATE) as timed on/off steps, driven through
 * sb_platform_vibrate only when the level changes. */
#ifndef SB_HAPTICS_H
#define SB_HAPTICS_H

#include <stdbool.h>
#include <stdint.h>

#include "sb_err.h"

typedef struct {
    uint16_t short_ms; /* one short buzz, ms */
    uint16_t long_ms;  /* one long buzz, ms */
    uint16_t gap_ms;   /* pause between the two buzzes of DOUBLE, ms */
} sb_haptics_settings_t;

extern const sb_haptics_settings_t sb_haptics_default_settings; /* 150, 600, 150 ms */

typedef struct {
    sb_haptics_settings_t settings;
    uint8_t intensity;     /* percent while on */
    uint8_t step;          /* index into the pattern's steps */
    uint8_t steps;         /* steps in the pattern */
    uint16_t step_ms[3];   /* on, off, on ... */
    uint64_t step_end_ms;  /* when the current step ends */
    uint8_t level;         /* last duty sent to the motor */
    uint32_t motor_errors; /* platform refusals */
} sb_haptics_t;

sb_err_t sb_haptics_init(sb_haptics_t *haptics, const sb_haptics_settings_t *settings);

/* New pattern timings, from the next pattern on. */
sb_err_t sb_haptics_set(sb_haptics_t *haptics, const sb_haptics_settings_t *settings);

/* Starts pattern (sb_pattern_t: 0 stop, 1 short, 2 double, 3 long) at intensity percent 1..100
 * (0 with stop), replacing any pattern in progress. now_ms: monotonic ms. */
sb_err_t sb_haptics_start(sb_haptics_t *haptics, uint8_t pattern, uint8_t intensity, uint64_t now_ms);

/* Advances the pattern; call every few tens of ms while sb_haptics_busy. */
sb_err_t sb_haptics_update(sb_haptics_t *haptics, uint64_t now_ms);

bool sb_haptics_busy(const sb_haptics_t *haptics);

#endif
