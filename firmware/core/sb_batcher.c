#include "sb_batcher.h"

#include <string.h>

const sb_batcher_settings_t sb_batcher_default_settings = {
    .role = SB_ROLE_BACK,
    .rate_hz = 104,
    .ranges = 0x21, /* ±4 g (code 1), ±500 dps (code 2) */
    .samples_per_packet = SB_MAX_SAMPLES_PER_PACKET,
};

static bool settings_valid(const sb_batcher_settings_t *s)
{
    return s->role <= SB_ROLE_HEAD && sb_rate_supported(s->rate_hz) && sb_ranges_valid(s->ranges) &&
           s->samples_per_packet >= 1u && s->samples_per_packet <= SB_MAX_SAMPLES_PER_PACKET;
}

sb_err_t sb_batcher_init(sb_batcher_t *batcher, const sb_batcher_settings_t *settings, sb_ring_t *ring)
{
    if (batcher == NULL || settings == NULL || ring == NULL) {
        return SB_ERR_NULL;
    }
    if (!settings_valid(settings)) {
        return SB_ERR_ARG;
    }
    memset(batcher, 0, sizeof(*batcher));
    batcher->settings = *settings;
    batcher->ring = ring;
    batcher->pending_flags = SB_FLAG_CLOCK_RESET; /* the first packet after boot says so */
    return SB_OK;
}

static bool saturated(const int16_t *row)
{
    for (size_t axis = 0; axis < SB_AXES; axis++) {
        if (row[axis] == INT16_MAX || row[axis] == INT16_MIN) {
            return true;
        }
    }
    return false;
}

sb_err_t sb_batcher_flush(sb_batcher_t *batcher)
{
    if (batcher == NULL) {
        return SB_ERR_NULL;
    }
    if (batcher->current.count == 0u) {
        return SB_OK;
    }
    sb_sample_packet_t *p = &batcher->current;
    p->role = batcher->settings.role;
    p->seq = batcher->next_seq;
    p->period_ns = sb_period_ns(batcher->settings.rate_hz);
    p->ranges = batcher->settings.ranges;
    p->flags |= batcher->pending_flags;
    sb_err_t err = sb_ring_push(batcher->ring, p);
    if (err != SB_OK) {
        return err;
    }
    batcher->pending_flags = 0;
    batcher->next_seq = (uint16_t)(batcher->next_seq + 1u);
    batcher->packets_emitted++;
    p->count = 0;
    p->flags = 0;
    return SB_OK;
}

sb_err_t sb_batcher_set(sb_batcher_t *batcher, const sb_batcher_settings_t *settings)
{
    if (batcher == NULL || settings == NULL) {
        return SB_ERR_NULL;
    }
    if (!settings_valid(settings)) {
        return SB_ERR_ARG;
    }
    sb_err_t err = sb_batcher_flush(batcher);
    if (err != SB_OK) {
        return err;
    }
    batcher->settings = *settings;
    return SB_OK;
}

sb_err_t sb_batcher_update(sb_batcher_t *batcher, const int16_t (*samples)[SB_AXES], size_t n,
                           uint64_t t_newest_us, bool fifo_overflow)
{
    if (batcher == NULL || (samples == NULL && n > 0u)) {
        return SB_ERR_NULL;
    }
    if (fifo_overflow) {
        /* Samples already batched came before the gap: close their packet so the flag sits on the
         * first packet after it. */
        sb_err_t err = sb_batcher_flush(batcher);
        if (err != SB_OK) {
            return err;
        }
        batcher->pending_flags |= SB_FLAG_FIFO_OVERFLOW;
    }
    uint64_t period_ns = sb_period_ns(batcher->settings.rate_hz);
    for (size_t i = 0; i < n; i++) {
        sb_sample_packet_t *p = &batcher->current;
        if (p->count == 0u) {
            uint64_t back_us = ((uint64_t)(n - 1u - i) * period_ns) / 1000u;
            p->t0_us = t_newest_us > back_us ? t_newest_us - back_us : 0u;
        }
        memcpy(p->samples[p->count], samples[i], sizeof(p->samples[0]));
        if (saturated(samples[i])) {
            p->flags |= SB_FLAG_SATURATED;
        }
        p->count++;
        if (p->count >= batcher->settings.samples_per_packet) {
            sb_err_t err = sb_batcher_flush(batcher);
            if (err != SB_OK) {
                return err;
            }
        }
    }
    return SB_OK;
}
