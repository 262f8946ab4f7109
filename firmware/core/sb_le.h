/* Little-endian loads and stores, written once: the protocol is little-endian on every field and the
 * core must not depend on the CPU's byte order or on unaligned access. */
#ifndef SB_LE_H
#define SB_LE_H

#include <stdint.h>

static inline uint16_t sb_le_get_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

static inline uint32_t sb_le_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint64_t sb_le_get_u64(const uint8_t *p)
{
    return (uint64_t)sb_le_get_u32(p) | ((uint64_t)sb_le_get_u32(p + 4) << 32);
}

static inline int16_t sb_le_get_i16(const uint8_t *p) { return (int16_t)sb_le_get_u16(p); }

static inline void sb_le_put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void sb_le_put_u32(uint8_t *p, uint32_t v)
{
    sb_le_put_u16(p, (uint16_t)v);
    sb_le_put_u16(p + 2, (uint16_t)(v >> 16));
}

static inline void sb_le_put_u64(uint8_t *p, uint64_t v)
{
    sb_le_put_u32(p, (uint32_t)v);
    sb_le_put_u32(p + 4, (uint32_t)(v >> 32));
}

static inline void sb_le_put_i16(uint8_t *p, int16_t v) { sb_le_put_u16(p, (uint16_t)v); }

#endif
