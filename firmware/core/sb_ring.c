#include "sb_ring.h"

static uint32_t saturating_add(uint32_t a, uint32_t b) { return a > UINT32_MAX - b ? UINT32_MAX : a + b; }

sb_err_t sb_ring_init(sb_ring_t *ring, sb_sample_packet_t *slots, size_t capacity)
{
    if (ring == NULL || slots == NULL) {
        return SB_ERR_NULL;
    }
    if (capacity == 0u) {
        return SB_ERR_ARG;
    }
    *ring = (sb_ring_t){.slots = slots, .capacity = capacity};
    return SB_OK;
}

sb_err_t sb_ring_push(sb_ring_t *ring, const sb_sample_packet_t *packet)
{
    if (ring == NULL || packet == NULL || ring->slots == NULL) {
        return SB_ERR_NULL;
    }
    if (ring->count == ring->capacity) {
        const sb_sample_packet_t *oldest = &ring->slots[ring->head];
        ring->dropped_packets = saturating_add(ring->dropped_packets, 1u);
        ring->dropped_samples = saturating_add(ring->dropped_samples, oldest->count);
        ring->head = (ring->head + 1u) % ring->capacity;
        ring->count--;
        size_t tail = (ring->head + ring->count) % ring->capacity;
        ring->slots[tail] = *packet;
        ring->count++;
        ring->slots[ring->head].flags |= SB_FLAG_RING_OVERFLOW; /* first packet after the gap */
        return SB_OK;
    }
    size_t tail = (ring->head + ring->count) % ring->capacity;
    ring->slots[tail] = *packet;
    ring->count++;
    return SB_OK;
}

sb_err_t sb_ring_peek(const sb_ring_t *ring, const sb_sample_packet_t **packet)
{
    if (ring == NULL || packet == NULL) {
        return SB_ERR_NULL;
    }
    if (ring->count == 0u) {
        return SB_ERR_EMPTY;
    }
    *packet = &ring->slots[ring->head];
    return SB_OK;
}

sb_err_t sb_ring_pop(sb_ring_t *ring)
{
    if (ring == NULL) {
        return SB_ERR_NULL;
    }
    if (ring->count == 0u) {
        return SB_ERR_EMPTY;
    }
    ring->head = (ring->head + 1u) % ring->capacity;
    ring->count--;
    return SB_OK;
}

size_t sb_ring_count(const sb_ring_t *ring) { return ring == NULL ? 0u : ring->count; }

void sb_ring_clear(sb_ring_t *ring)
{
    if (ring != NULL) {
        ring->head = 0;
        ring->count = 0;
    }
}
