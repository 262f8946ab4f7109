/* Turns IMU FIFO reads into protocol sample packets sized to the link's MTU, with sequence numbers,
 * device timestamps and flags, and pushes each full packet into the ring.
 *
 * Timing: the caller passes the device time of the NEWEST sample of each read (the FIFO is read right
 * after its watermark interrupt); sample i of n is placed at t_newest - (n - 1 - i) * period. A packet's
 * t0_us is the time of its first sample. */
#ifndef SB_BATCHER_H
#define SB_BATCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sb_err.h"
#include "sb_protocol.h"
#include "sb_ring.h"

typedef struct {
    uint8_t role;               /* SB_ROLE_* */
    uint16_t rate_hz;           /* 52, 104 or 208 */
    uint8_t ranges;             /* full-scale codes as on the wire */
    uint8_t samples_per_packet; /* 1..18, from sb_samples_per_packet(att_mtu) */
} sb_batcher_settings_t;

extern const sb_batcher_settings_t sb_batcher_default_settings; /* back, 104 Hz, ±4 g, ±500 dps, 18 */

typedef struct {
    sb_batcher_settings_t settings;
    sb_ring_t *ring;
    sb_sample_packet_t current; /* being filled; current.count samples so far */
    uint16_t next_seq;          /* wraps at 65536 */
    uint8_t pending_flags;      /* for the next packet: CLOCK_RESET after boot, FIFO_OVERFLOW */
    uint32_t packets_emitted;
} sb_batcher_t;

sb_err_t sb_batcher_init(sb_batcher_t *batcher, const sb_batcher_settings_t *settings, sb_ring_t *ring);

/* New settings apply from the next sample: a partial packet is pushed first (period and ranges are per
 * packet). */
sb_err_t sb_batcher_set(sb_batcher_t *batcher, const sb_batcher_settings_t *settings);

/* samples: n rows of raw ax, ay, az, gx, gy, gz (sensor frame); t_newest_us: device µs of the last row;
 * fifo_overflow: the IMU reported lost samples before this read. */
sb_err_t sb_batcher_update(sb_batcher_t *batcher, const int16_t (*samples)[SB_AXES], size_t n,
                           uint64_t t_newest_us, bool fifo_overflow);

/* Pushes a partial packet, if any (stream stopping). */
sb_err_t sb_batcher_flush(sb_batcher_t *batcher);

#endif
