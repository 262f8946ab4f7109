/* The wire protocol of firmware/PROTOCOL.md (version 1): sample packets, the status record, commands
 * and their responses, the posture log page and the scan response's manufacturer data.
 *
 * Pure: bytes in, values out, and back; no state, no platform calls. Every decoder checks the exact
 * length and every field range and returns the sb_err_t that names what is wrong (SB_ERR_LENGTH,
 * SB_ERR_VERSION, SB_ERR_FIELD), never a truncated value. Every encoder checks its input the same way
 * and the capacity of the caller's buffer (SB_ERR_NO_SPACE). */
#ifndef SB_PROTOCOL_H
#define SB_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sb_err.h"

#define SB_PROTOCOL_VERSION 1u
#define SB_ATT_HEADER_SIZE 3u  /* opcode and handle of a notification */
#define SB_MAX_ATT_MTU 247u    /* the nRF52840's largest */
#define SB_MIN_STREAM_MTU 35u  /* one sample per packet */
#define SB_HEADER_SIZE 20u
#define SB_SAMPLE_SIZE 12u
#define SB_AXES 6u             /* ax, ay, az, gx, gy, gz */
#define SB_MAX_SAMPLES_PER_PACKET 18u
#define SB_MAX_PACKET_SIZE (SB_HEADER_SIZE + SB_SAMPLE_SIZE * SB_MAX_SAMPLES_PER_PACKET) /* 236 */
#define SB_STATUS_SIZE 16u
#define SB_LOG_HEADER_SIZE 8u
#define SB_LOG_RECORD_SIZE 8u
#define SB_MAX_LOG_RECORDS_PER_PAGE 29u
#define SB_MAX_LOG_PAGE_SIZE (SB_LOG_HEADER_SIZE + SB_LOG_RECORD_SIZE * SB_MAX_LOG_RECORDS_PER_PAGE)
#define SB_MANUFACTURER_DATA_SIZE 4u
#define SB_REQUEST_HEADER_SIZE 2u  /* opcode, token */
#define SB_RESPONSE_HEADER_SIZE 3u /* opcode | 0x80, token, result */
#define SB_MAX_RESPONSE_SIZE (SB_RESPONSE_HEADER_SIZE + 8u)
#define SB_RESPONSE_BIT 0x80u
#define SB_Q14_ONE 16384

/* Node roles. */
#define SB_ROLE_BACK 0u
#define SB_ROLE_HEAD 1u

/* Full-scale codes (PROTOCOL.md table; not the IMU's register encoding, see sb_lsm6.c). */
#define SB_ACCEL_CODE_MAX 3u /* ±2, 4, 8, 16 g */
#define SB_GYRO_CODE_MAX 4u  /* ±125, 250, 500, 1000, 2000 dps */

/* Packet flags. */
#define SB_FLAG_FIFO_OVERFLOW 0x01u
#define SB_FLAG_RING_OVERFLOW 0x02u
#define SB_FLAG_SATURATED 0x04u
#define SB_FLAG_CLOCK_RESET 0x08u
#define SB_PACKET_FLAGS_KNOWN 0x0Fu

/* Status flags. */
#define SB_STATUS_BONDED 0x01u
#define SB_STATUS_NEUTRAL_SET 0x02u
#define SB_STATUS_PAIRING_WINDOW 0x04u
#define SB_STATUS_CLOCK_SYNCED 0x08u
#define SB_STATUS_FLAGS_KNOWN 0x0Fu

/* Log record flags. */
#define SB_RECORD_CLOCK_UNSYNCED 0x01u
#define SB_RECORD_FLAGS_KNOWN 0x01u

typedef enum {
    SB_STATE_IDLE = 0,
    SB_STATE_STREAMING = 1,
    SB_STATE_STANDALONE = 2,
    SB_STATE_SLEEP = 3,
} sb_clip_state_t;

typedef enum {
    SB_OP_START_STREAM = 0x01,
    SB_OP_STOP_STREAM = 0x02,
    SB_OP_SET_RATE = 0x03,
    SB_OP_SET_ROLE = 0x04,
    SB_OP_VIBRATE = 0x05,
    SB_OP_SET_NEUTRAL = 0x06,
    SB_OP_SET_THRESHOLDS = 0x07,
    SB_OP_TIME_SYNC = 0x08,
    SB_OP_LOG_SELECT = 0x09,
    SB_OP_LOG_CLEAR = 0x0A,
    SB_OP_SET_RANGES = 0x0B,
} sb_opcode_t;

typedef enum {
    SB_RESULT_OK = 0,
    SB_RESULT_UNKNOWN_OPCODE = 1,
    SB_RESULT_BAD_LENGTH = 2,
    SB_RESULT_INVALID_PARAM = 3,
    SB_RESULT_BAD_STATE = 4,
    SB_RESULT_NOT_AUTHORIZED = 5,
    SB_RESULT_STORAGE_ERROR = 6,
} sb_result_t;

typedef enum {
    SB_PATTERN_STOP = 0,
    SB_PATTERN_SHORT = 1,
    SB_PATTERN_DOUBLE = 2,
    SB_PATTERN_LONG = 3,
} sb_pattern_t;

/* One notification of the stream characteristic. */
typedef struct {
    uint8_t role;       /* SB_ROLE_* */
    uint16_t seq;       /* +1 per packet generated, wraps at 65536 */
    uint64_t t0_us;     /* device clock at the first sample, µs since boot */
    uint32_t period_ns; /* sample period, ns, > 0 */
    uint8_t count;      /* samples, 1..SB_MAX_SAMPLES_PER_PACKET */
    uint8_t flags;      /* SB_FLAG_* */
    uint8_t ranges;     /* bits 0-3 accelerometer code, bits 4-7 gyroscope code */
    int16_t samples[SB_MAX_SAMPLES_PER_PACKET][SB_AXES]; /* raw counts, sensor frame */
} sb_sample_packet_t;

typedef struct {
    uint8_t state;            /* sb_clip_state_t */
    uint8_t role;             /* SB_ROLE_* */
    uint8_t ranges;           /* as in the sample packet */
    uint16_t rate_hz;         /* output data rate, Hz */
    uint8_t fw_major, fw_minor, fw_patch;
    uint8_t status_flags;     /* SB_STATUS_* */
    uint32_t dropped_samples; /* samples lost since boot */
    uint16_t log_records;     /* records in the posture log */
} sb_status_t;

/* A parsed control request. Which member of args is valid depends on opcode. */
typedef struct {
    uint8_t opcode; /* sb_opcode_t once parsed; the raw byte when parsing failed */
    uint8_t token;  /* chosen by the host, echoed in the response */
    union {
        uint16_t rate_hz; /* SET_RATE: 52, 104 or 208 */
        uint8_t role;     /* SET_ROLE */
        struct {
            uint8_t pattern;   /* sb_pattern_t */
            uint8_t intensity; /* percent, 1..100; 0 only with STOP */
        } vibrate;
        struct {
            int16_t x, y, z; /* neutral up direction, sensor frame, Q14 (16384 = 1.0) */
        } neutral;
        struct {
            uint16_t angle_cdeg;  /* 100..9000, 0.01 degree */
            uint16_t dwell_s;     /* 1..3600, s */
            uint32_t motion_mdps; /* 1000..500000, milli-degree per second */
        } thresholds;
        uint64_t host_unix_us; /* TIME_SYNC, µs since the Unix epoch */
        uint16_t first_record; /* LOG_SELECT */
        uint16_t clear_count;  /* LOG_CLEAR */
        uint8_t ranges;        /* SET_RANGES */
    } args;
} sb_command_t;

typedef struct {
    uint8_t opcode; /* the request's opcode, without the response bit */
    uint8_t token;
    uint8_t result; /* sb_result_t */
    uint64_t value; /* OK TIME_SYNC: device µs; OK LOG_SELECT: log records; otherwise unused */
} sb_response_t;

typedef struct {
    uint32_t hour_start; /* Unix s of the hour's start, or device s with SB_RECORD_CLOCK_UNSYNCED */
    uint8_t upright_min;
    uint8_t slouched_min; /* upright_min + slouched_min <= 60 */
    uint8_t alerts;       /* vibrations given */
    uint8_t flags;        /* SB_RECORD_* */
} sb_log_record_t;

typedef struct {
    uint16_t first_record;
    uint16_t total_records;
    uint8_t count; /* 0..SB_MAX_LOG_RECORDS_PER_PAGE */
    sb_log_record_t records[SB_MAX_LOG_RECORDS_PER_PAGE];
} sb_log_page_t;

typedef struct {
    uint8_t role;
    uint8_t battery_percent; /* 0..100 */
    uint8_t state;           /* sb_clip_state_t */
} sb_manufacturer_data_t;

/* Samples a notification holds at this ATT MTU (bytes); 0 when it is too small to stream. */
uint8_t sb_samples_per_packet(uint16_t att_mtu);

/* Rounded sample period of an output data rate; 0 for rates other than 52, 104, 208 Hz. */
uint32_t sb_period_ns(uint16_t rate_hz);
bool sb_rate_supported(uint16_t rate_hz);
bool sb_ranges_valid(uint8_t ranges);

/* Sample packets: out receives SB_HEADER_SIZE + 12 * count bytes; *length says how many. */
sb_err_t sb_packet_encode(const sb_sample_packet_t *packet, uint8_t *out, size_t capacity, size_t *length);
sb_err_t sb_packet_decode(const uint8_t *data, size_t length, sb_sample_packet_t *packet);

sb_err_t sb_status_encode(const sb_status_t *status, uint8_t *out, size_t capacity, size_t *length);
sb_err_t sb_status_decode(const uint8_t *data, size_t length, sb_status_t *status);

/* Parses a control write. Returns the result code the clip answers with; command->opcode and
 * command->token are filled whenever the request carries them (for the response), the arguments only
 * on SB_RESULT_OK. Checks length and ranges; state-dependent checks belong to sb_control. */
sb_result_t sb_command_parse(const uint8_t *data, size_t length, sb_command_t *command);

/* Encodes a request (the host's side; used by tests and tools). Validates like sb_command_parse. */
sb_err_t sb_command_encode(const sb_command_t *command, uint8_t *out, size_t capacity, size_t *length);

/* Response payload: present only for OK answers to TIME_SYNC (u64) and LOG_SELECT (u16). */
sb_err_t sb_response_encode(const sb_response_t *response, uint8_t *out, size_t capacity, size_t *length);
sb_err_t sb_response_decode(const uint8_t *data, size_t length, sb_response_t *response);

sb_err_t sb_log_page_encode(const sb_log_page_t *page, uint8_t *out, size_t capacity, size_t *length);
sb_err_t sb_log_page_decode(const uint8_t *data, size_t length, sb_log_page_t *page);
bool sb_log_record_valid(const sb_log_record_t *record);
/* One 8-byte record, as stored on the wire and in flash. */
void sb_log_record_put(uint8_t *out, const sb_log_record_t *record);
void sb_log_record_get(const uint8_t *in, sb_log_record_t *record);

sb_err_t sb_manufacturer_data_encode(const sb_manufacturer_data_t *data, uint8_t *out, size_t capacity,
                                     size_t *length);
sb_err_t sb_manufacturer_data_decode(const uint8_t *data, size_t length, sb_manufacturer_data_t *out);

#endif
