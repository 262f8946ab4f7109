/* CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF): guards each stored record, so flash that was torn by
 * a brown-out reads as absent instead of as garbage settings. */
#ifndef SB_CRC_H
#define SB_CRC_H

#include <stddef.h>
#include <stdint.h>

uint16_t sb_crc16(const uint8_t *data, size_t length);

#endif
