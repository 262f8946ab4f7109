/* libFuzzer target for the whole command path of a clip: the input is a script of link events and
 * control writes (the bytes a central can send), run against one freshly booted clip over the fakes.
 * Invariants: every write gets a well-formed response echoing opcode and token, the status record
 * always encodes, and the log page always encodes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fake_lsm6.h"
#include "fake_platform.h"
#include "sb_clip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sb_clip_t clip;

static void check_views(void)
{
    uint8_t out[SB_MAX_LOG_PAGE_SIZE];
    size_t n = 0;
    sb_status_t s;
    if (sb_clip_read_status(&clip, out, sizeof(out), &n) != SB_OK || sb_status_decode(out, n, &s) != SB_OK) {
        abort();
    }
    sb_err_t err = sb_clip_read_log(&clip, out, sizeof(out), &n);
    sb_log_page_t page;
    if (err == SB_OK ? sb_log_page_decode(out, n, &page) != SB_OK : err != SB_ERR_STATE) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fake_platform_reset();
    sb_clip_config_t config = sb_clip_default_config();
    config.imu_bus = (sb_i2c_bus_t){
        .read = fake_lsm6_read, .write = fake_lsm6_write, .address = SB_LSM6_ADDRESS};
    if (sb_clip_init(&clip, &config) != SB_OK) {
        abort();
    }
    size_t i = 0;
    while (i < size) {
        uint8_t op = data[i++];
        switch (op & 0x07u) {
        case 0:
            sb_clip_on_connect(&clip);
            break;
        case 1:
            sb_clip_on_disconnect(&clip);
            break;
        case 2:
            sb_clip_on_security(&clip, (op & 0x08u) != 0u);
            break;
        case 3:
            if (i + 2 <= size) {
                sb_clip_on_mtu(&clip, (uint16_t)(data[i] | (data[i + 1] << 8)));
                i += 2;
            }
            break;
        case 4: {
            fake_counter_advance((uint32_t)op << 8);
            int16_t a[3] = {(int16_t)(op * 64), 100, -(int16_t)op}, g[3] = {(int16_t)op, 0, 0};
            for (int k = 0; k < (op >> 3); k++) {
                fake_lsm6_push(a, g);
            }
            sb_clip_on_imu_interrupt(&clip);
            sb_clip_tick(&clip);
            break;
        }
        case 5:
            sb_clip_on_subscribe(&clip, (sb_characteristic_t)((op >> 3) % 3u), (op & 0x40u) != 0u);
            break;
        default: {
            /* A control write of the next (op >> 3) bytes, up to the end of the input. */
            size_t len = op >> 3;
            if (len > size - i) {
                len = size - i;
            }
            uint8_t resp[SB_MAX_RESPONSE_SIZE];
            size_t n = 0;
            if (sb_clip_on_control_write(&clip, data + i, len, resp, sizeof(resp), &n) != SB_OK) {
                abort();
            }
            sb_response_t r;
            if (sb_response_decode(resp, n, &r) != SB_OK) {
                abort();
            }
            uint8_t opcode = len > 0 ? (uint8_t)(data[i] & 0x7Fu) : 0u;
            uint8_t token = len > 1 ? data[i + 1] : 0u;
            if (r.opcode != opcode || r.token != token) {
                abort();
            }
            i += len;
            break;
        }
        }
        check_views();
    }
    return 0;
}
