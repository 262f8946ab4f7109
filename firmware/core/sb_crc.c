#include "sb_crc.h"

uint16_t sb_crc16(const uint8_t *data, size_t length)
{
    uint32_t crc = 0xFFFFu; /* 32-bit arithmetic: no implicit promotions to int */
    for (size_t i = 0; data != NULL && i < length; i++) {
        crc ^= (uint32_t)data[i] << 8;
        for (int bit = 0; bit < 8; bit++) {
            crc = (crc & 0x8000u) != 0u ? ((crc << 1) ^ 0x1021u) : (crc << 1);
            crc &= 0xFFFFu;
        }
    }
    return (uint16_t)crc;
}
