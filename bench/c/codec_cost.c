/* Host cost of the firmware core's codec: encode and decode a full sample packet (18 samples, the
 * size at MTU 247) and parse a control request, each timed over many iterations.
 *
 * Built and run by bench/sections/firmware.py against firmware/core/sb_protocol.c and sb_command.c:
 *   cc -std=c11 -O2 -Ifirmware/core bench/c/codec_cost.c firmware/core/sb_protocol.c \
 *      firmware/core/sb_command.c -o codec_cost && ./codec_cost 200000
 * Prints one JSON line with nanoseconds per call. */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sb_protocol.h"

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Everything a timed loop produces is folded in here, so the compiler cannot drop the work. */
static volatile uint64_t sink;

int main(int argc, char **argv) {
    long iterations = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
    if (iterations <= 0) {
        fprintf(stderr, "usage: %s ITERATIONS (a positive count)\n", argv[0]);
        return 2;
    }
    sb_sample_packet_t packet;
    memset(&packet, 0, sizeof packet);
    packet.role = SB_ROLE_BACK;
    packet.period_ns = 9615385u; /* 104 Hz */
    packet.count = SB_MAX_SAMPLES_PER_PACKET;
    packet.ranges = 0x21u; /* ±4 g, ±500 dps: the defaults */
    uint32_t state = 12345u; /* a fixed LCG: the same samples every run */
    for (unsigned i = 0; i < SB_MAX_SAMPLES_PER_PACKET; i++) {
        for (unsigned a = 0; a < SB_AXES; a++) {
            state = state * 1664525u + 1013904223u;
            packet.samples[i][a] = (int16_t)((state >> 16) % 20000u) - 10000;
        }
    }
    uint8_t bytes[SB_MAX_PACKET_SIZE];
    size_t length = 0;

    double t0 = now_ns();
    for (long i = 0; i < iterations; i++) {
        packet.seq = (uint16_t)i;
        packet.t0_us = (uint64_t)i * 173077u;
        if (sb_packet_encode(&packet, bytes, sizeof bytes, &length) != SB_OK) {
            fprintf(stderr, "sb_packet_encode failed\n");
            return 1;
        }
        sink += bytes[2] + length;
    }
    double encode_ns = (now_ns() - t0) / (double)iterations;

    sb_sample_packet_t decoded;
    t0 = now_ns();
    for (long i = 0; i < iterations; i++) {
        bytes[2] = (uint8_t)i; /* a different sequence number each time */
        if (sb_packet_decode(bytes, length, &decoded) != SB_OK) {
            fprintf(stderr, "sb_packet_decode failed\n");
            return 1;
        }
        sink += decoded.seq + (uint64_t)decoded.samples[17][5];
    }
    double decode_ns = (now_ns() - t0) / (double)iterations;

    /* SET_THRESHOLDS: the longest fixed request (opcode, token, u16, u16, u32). */
    uint8_t request[10] = {SB_OP_SET_THRESHOLDS, 0, 0xB0, 0x04, 0x1E, 0x00, 0x20, 0x4E, 0x00, 0x00};
    sb_command_t command;
    t0 = now_ns();
    for (long i = 0; i < iterations; i++) {
        request[1] = (uint8_t)i;
        if (sb_command_parse(request, sizeof request, &command) != SB_RESULT_OK) {
            fprintf(stderr, "sb_command_parse refused the request\n");
            return 1;
        }
        sink += command.token + command.args.thresholds.dwell_s;
    }
    double parse_ns = (now_ns() - t0) / (double)iterations;

    printf("{\"iterations\": %ld, \"packet_bytes\": %zu, \"encode_ns\": %.2f, \"decode_ns\": %.2f, "
           "\"command_parse_ns\": %.2f}\n",
           iterations, length, encode_ns, decode_ns, parse_ns);
    return 0;
}
