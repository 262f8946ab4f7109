/* A ring of sample packets between the sampler and the radio. When the radio stalls and the ring is
 * full, a push drops the OLDEST packet (the newest data matters most for live feedback), counts it
 * and its samples, and marks the packet that is now oldest with SB_FLAG_RING_OVERFLOW: that is the
 * first packet the host receives after the sequence gap. The caller owns the slot array. */
#ifndef SB_RING_H
#define SB_RING_H

#include <stddef.h>
#include <stdint.h>

#include "sb_err.h"
#include "sb_protocol.h"

typedef struct {
    sb_sample_packet_t *slots; /* caller's array of capacity packets */
    size_t capacity;           /* >= 1 */
    size_t head;               /* index of the oldest packet */
    size_t count;              /* packets held */
    uint32_t dropped_packets;  /* since init, saturating */
    uint32_t dropped_samples;  /* since init, saturating */
} sb_ring_t;

sb_err_t sb_ring_init(sb_ring_t *ring, sb_sample_packet_t *slots, size_t capacity);

/* Copies packet in; when full, drops the oldest first (returns SB_OK, counts the drop). */
sb_err_t sb_ring_push(sb_ring_t *ring, const sb_sample_packet_t *packet);

/* The oldest packet without removing it (so a failed notify can retry); SB_ERR_EMPTY when none. */
sb_err_t sb_ring_peek(const sb_ring_t *ring, const sb_sample_packet_t **packet);

/* Removes the oldest packet; SB_ERR_EMPTY when none. */
sb_err_t sb_ring_pop(sb_ring_t *ring);

size_t sb_ring_count(const sb_ring_t *ring);

/* Forgets every packet held (streaming stopped); the drop counters stay. */
void sb_ring_clear(sb_ring_t *ring);

#endif
