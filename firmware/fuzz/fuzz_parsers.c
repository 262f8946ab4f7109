/* libFuzzer target for every parser of external bytes. The first input byte picks the parser, the rest
 * is the message. Beyond "no crash, no sanitizer report", each accepted message must re-encode to the
 * very same bytes: a decoder that accepts what its encoder would never write is a bug too. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fake_platform.h"
#include "sb_persist.h"
#include "sb_posture_log.h"
#include "sb_protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    if (alen != blen || memcmp(a, b, alen) != 0) {
        abort();
    }
}

static sb_posture_log_t fuzz_log;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    uint8_t selector = data[0];
    const uint8_t *msg = data + 1;
    size_t len = size - 1;
    uint8_t out[512];
    size_t out_len = 0;
    switch (selector % 8u) {
    case 0: {
        sb_command_t c;
        if (sb_command_parse(msg, len, &c) == SB_RESULT_OK) {
            if (sb_command_encode(&c, out, sizeof(out), &out_len) != SB_OK) {
                abort();
            }
            same_bytes(msg, len, out, out_len);
        }
        break;
    }
    case 1: {
        sb_sample_packet_t p;
        if (sb_packet_decode(msg, len, &p) == SB_OK) {
            if (sb_packet_encode(&p, out, sizeof(out), &out_len) != SB_OK) {
                abort();
            }
            same_bytes(msg, len, out, out_len);
        }
        break;
    }
    case 2: {
        sb_status_t s;
        if (sb_status_decode(msg, len, &s) == SB_OK) {
            if (sb_status_encode(&s, out, sizeof(out), &out_len) != SB_OK) {
                abort();
            }
            same_bytes(msg, len, out, out_len);
        }
        break;
    }
    case 3: {
        sb_log_page_t page;
        if (sb_log_page_decode(msg, len, &page) == SB_OK) {
            if (sb_log_page_encode(&page, out, sizeof(out), &out_len) != SB_OK) {
                abort();
            }
            same_bytes(msg, len, out, out_len);
        }
        break;
    }
    case 4: {
        sb_response_t r;
        if (sb_response_decode(msg, len, &r) == SB_OK) {
            if (sb_response_encode(&r, out, sizeof(out), &out_len) != SB_OK) {
                abort();
            }
            same_bytes(msg, len, out, out_len);
        }
        break;
    }
    case 5: {
        sb_manufacturer_data_t m;
        if (sb_manufacturer_data_decode(msg, len, &m) == SB_OK) {
            if (sb_manufacturer_data_encode(&m, out, sizeof(out), &out_len) != SB_OK) {
                abort();
            }
            same_bytes(msg, len, out, out_len);
        }
        break;
    }
    case 6: {
        /* Flash contents are external bytes too: settings as stored, whatever a brown-out left. */
        fake_platform_reset();
        if (len > 0) {
            size_t stored = len < FAKE_STORAGE_VALUE_MAX ? len : FAKE_STORAGE_VALUE_MAX;
            (void)sb_platform_storage_write(SB_KEY_SETTINGS, msg, stored);
        }
        sb_device_settings_t s;
        if (sb_device_settings_load(&s) == SB_OK && sb_device_settings_save(&s) != SB_OK) {
            abort(); /* loaded settings must be savable */
        }
        break;
    }
    default: {
        /* The posture log's meta and blocks: the input is split into the meta record and block 0..n. */
        fake_platform_reset();
        size_t offset = 0;
        uint16_t key = SB_KEY_LOG_META;
        while (offset < len) {
            size_t chunk = msg[offset++];
            if (key >= SB_KEY_LOG_BLOCK_BASE + SB_LOG_BLOCKS) {
                break;
            }
            chunk = chunk * 2u <= len - offset ? chunk * 2u : len - offset;
            (void)sb_platform_storage_write(key, msg + offset, chunk);
            offset += chunk;
            key = key == SB_KEY_LOG_META ? SB_KEY_LOG_BLOCK_BASE : (uint16_t)(key + 1u);
        }
        if (sb_posture_log_init(&fuzz_log) == SB_OK) {
            if (fuzz_log.count > SB_LOG_CAPACITY || fuzz_log.head >= SB_LOG_CAPACITY) {
                abort();
            }
            for (uint16_t i = 0; i < fuzz_log.count; i++) {
                sb_log_record_t r;
                if (sb_posture_log_get(&fuzz_log, i, &r) != SB_OK || !sb_log_record_valid(&r)) {
                    abort(); /* only valid records survive a load */
                }
            }
        }
        break;
    }
    }
    return 0;
}
