/* Control requests and responses of PROTOCOL.md: parsing is the first thing external bytes meet on
 * the clip, so it checks the length against a table before it reads a payload byte. */
#include <string.h>

#include "sb_le.h"
#include "sb_protocol.h"

/* Neutral vector norm limits, 0.9..1.1 in Q14, compared as squared integers: ceil(0.81 * 2^28) and
 * floor(1.21 * 2^28). These are exactly the integers the host's float test accepts
 * (sqrt(n2) / 16384 within 0.9..1.1), so both sides agree on every boundary vector. */
#define NEUTRAL_NORM2_MIN 217432720u
#define NEUTRAL_NORM2_MAX 324806901u

#define OPCODE_MAX SB_OP_SET_RANGES

/* Payload bytes per opcode; index 0 is unused (no opcode 0). */
static const uint8_t payload_size[OPCODE_MAX + 1] = {
    [SB_OP_START_STREAM] = 0, [SB_OP_STOP_STREAM] = 0, [SB_OP_SET_RATE] = 2,
    [SB_OP_SET_ROLE] = 1,     [SB_OP_VIBRATE] = 2,     [SB_OP_SET_NEUTRAL] = 6,
    [SB_OP_SET_THRESHOLDS] = 8, [SB_OP_TIME_SYNC] = 8, [SB_OP_LOG_SELECT] = 2,
    [SB_OP_LOG_CLEAR] = 2,    [SB_OP_SET_RANGES] = 1,
};

static bool opcode_known(uint8_t opcode) { return opcode >= SB_OP_START_STREAM && opcode <= OPCODE_MAX; }

static bool args_valid(const sb_command_t *c)
{
    switch ((sb_opcode_t)c->opcode) {
    case SB_OP_SET_RATE:
        return sb_rate_supported(c->args.rate_hz);
    case SB_OP_SET_ROLE:
        return c->args.role <= SB_ROLE_HEAD;
    case SB_OP_VIBRATE: {
        unsigned low = c->args.vibrate.pattern == SB_PATTERN_STOP ? 0u : 1u;
        return c->args.vibrate.pattern <= SB_PATTERN_LONG && c->args.vibrate.intensity >= low &&
               c->args.vibrate.intensity <= 100u;
    }
    case SB_OP_SET_NEUTRAL: {
        int32_t x = c->args.neutral.x, y = c->args.neutral.y, z = c->args.neutral.z;
        uint32_t n2 = (uint32_t)(x * x) + (uint32_t)(y * y) + (uint32_t)(z * z); /* < 2^32: 3 * 2^30 */
        return n2 >= NEUTRAL_NORM2_MIN && n2 <= NEUTRAL_NORM2_MAX;
    }
    case SB_OP_SET_THRESHOLDS:
        return c->args.thresholds.angle_cdeg >= 100u && c->args.thresholds.angle_cdeg <= 9000u &&
               c->args.thresholds.dwell_s >= 1u && c->args.thresholds.dwell_s <= 3600u &&
               c->args.thresholds.motion_mdps >= 1000u && c->args.thresholds.motion_mdps <= 500000u;
    case SB_OP_SET_RANGES:
        return sb_ranges_valid(c->args.ranges);
    case SB_OP_START_STREAM:
    case SB_OP_STOP_STREAM:
    case SB_OP_TIME_SYNC:
    case SB_OP_LOG_SELECT:
    case SB_OP_LOG_CLEAR:
        return true; /* any value; LOG_* bounds depend on the log, checked by sb_control */
    }
    return false;
}

static void read_args(const uint8_t *p, sb_command_t *c)
{
    switch ((sb_opcode_t)c->opcode) {
    case SB_OP_SET_RATE:
        c->args.rate_hz = sb_le_get_u16(p);
        break;
    case SB_OP_SET_ROLE:
        c->args.role = p[0];
        break;
    case SB_OP_VIBRATE:
        c->args.vibrate.pattern = p[0];
        c->args.vibrate.intensity = p[1];
        break;
    case SB_OP_SET_NEUTRAL:
        c->args.neutral.x = sb_le_get_i16(&p[0]);
        c->args.neutral.y = sb_le_get_i16(&p[2]);
        c->args.neutral.z = sb_le_get_i16(&p[4]);
        break;
    case SB_OP_SET_THRESHOLDS:
        c->args.thresholds.angle_cdeg = sb_le_get_u16(&p[0]);
        c->args.thresholds.dwell_s = sb_le_get_u16(&p[2]);
        c->args.thresholds.motion_mdps = sb_le_get_u32(&p[4]);
        break;
    case SB_OP_TIME_SYNC:
        c->args.host_unix_us = sb_le_get_u64(p);
        break;
    case SB_OP_LOG_SELECT:
        c->args.first_record = sb_le_get_u16(p);
        break;
    case SB_OP_LOG_CLEAR:
        c->args.clear_count = sb_le_get_u16(p);
        break;
    case SB_OP_SET_RANGES:
        c->args.ranges = p[0];
        break;
    case SB_OP_START_STREAM:
    case SB_OP_STOP_STREAM:
        break;
    }
}

static void write_args(uint8_t *p, const sb_command_t *c)
{
    switch ((sb_opcode_t)c->opcode) {
    case SB_OP_SET_RATE:
        sb_le_put_u16(p, c->args.rate_hz);
        break;
    case SB_OP_SET_ROLE:
        p[0] = c->args.role;
        break;
    case SB_OP_VIBRATE:
        p[0] = c->args.vibrate.pattern;
        p[1] = c->args.vibrate.intensity;
        break;
    case SB_OP_SET_NEUTRAL:
        sb_le_put_i16(&p[0], c->args.neutral.x);
        sb_le_put_i16(&p[2], c->args.neutral.y);
        sb_le_put_i16(&p[4], c->args.neutral.z);
        break;
    case SB_OP_SET_THRESHOLDS:
        sb_le_put_u16(&p[0], c->args.thresholds.angle_cdeg);
        sb_le_put_u16(&p[2], c->args.thresholds.dwell_s);
        sb_le_put_u32(&p[4], c->args.thresholds.motion_mdps);
        break;
    case SB_OP_TIME_SYNC:
        sb_le_put_u64(p, c->args.host_unix_us);
        break;
    case SB_OP_LOG_SELECT:
        sb_le_put_u16(p, c->args.first_record);
        break;
    case SB_OP_LOG_CLEAR:
        sb_le_put_u16(p, c->args.clear_count);
        break;
    case SB_OP_SET_RANGES:
        p[0] = c->args.ranges;
        break;
    case SB_OP_START_STREAM:
    case SB_OP_STOP_STREAM:
        break;
    }
}

sb_result_t sb_command_parse(const uint8_t *data, size_t length, sb_command_t *command)
{
    if (command == NULL) {
        return SB_RESULT_BAD_LENGTH; /* nothing to answer into; callers always pass one */
    }
    memset(command, 0, sizeof(*command));
    if (data == NULL || length < SB_REQUEST_HEADER_SIZE) {
        /* No token: the answer is opcode|0x80, 0, BAD_LENGTH (opcode 0 when the request is empty). */
        command->opcode = (data != NULL && length == 1u) ? data[0] : 0u;
        return SB_RESULT_BAD_LENGTH;
    }
    command->opcode = data[0];
    command->token = data[1];
    if (!opcode_known(data[0])) {
        return SB_RESULT_UNKNOWN_OPCODE;
    }
    if (length - SB_REQUEST_HEADER_SIZE != payload_size[data[0]]) {
        return SB_RESULT_BAD_LENGTH;
    }
    read_args(&data[SB_REQUEST_HEADER_SIZE], command);
    if (!args_valid(command)) {
        memset(&command->args, 0, sizeof(command->args));
        return SB_RESULT_INVALID_PARAM;
    }
    return SB_RESULT_OK;
}

sb_err_t sb_command_encode(const sb_command_t *command, uint8_t *out, size_t capacity, size_t *length)
{
    if (command == NULL || out == NULL || length == NULL) {
        return SB_ERR_NULL;
    }
    if (!opcode_known(command->opcode) || !args_valid(command)) {
        return SB_ERR_FIELD;
    }
    size_t size = SB_REQUEST_HEADER_SIZE + payload_size[command->opcode];
    if (capacity < size) {
        return SB_ERR_NO_SPACE;
    }
    out[0] = command->opcode;
    out[1] = command->token;
    write_args(&out[SB_REQUEST_HEADER_SIZE], command);
    *length = size;
    return SB_OK;
}

/* Response payload size for an OK answer to this opcode. */
static size_t response_payload_size(uint8_t opcode)
{
    if (opcode == SB_OP_TIME_SYNC) {
        return 8;
    }
    if (opcode == SB_OP_LOG_SELECT) {
        return 2;
    }
    return 0;
}

sb_err_t sb_response_encode(const sb_response_t *response, uint8_t *out, size_t capacity, size_t *length)
{
    if (response == NULL || out == NULL || length == NULL) {
        return SB_ERR_NULL;
    }
    if (response->result > SB_RESULT_STORAGE_ERROR || (response->opcode & SB_RESPONSE_BIT) != 0u) {
        return SB_ERR_FIELD;
    }
    size_t payload = response->result == SB_RESULT_OK ? response_payload_size(response->opcode) : 0u;
    if (payload == 2u && response->value > 0xFFFFu) {
        return SB_ERR_FIELD;
    }
    if (capacity < SB_RESPONSE_HEADER_SIZE + payload) {
        return SB_ERR_NO_SPACE;
    }
    out[0] = (uint8_t)(response->opcode | SB_RESPONSE_BIT);
    out[1] = response->token;
    out[2] = response->result;
    if (payload == 8u) {
        sb_le_put_u64(&out[3], response->value);
    } else if (payload == 2u) {
        sb_le_put_u16(&out[3], (uint16_t)response->value);
    }
    *length = SB_RESPONSE_HEADER_SIZE + payload;
    return SB_OK;
}

sb_err_t sb_response_decode(const uint8_t *data, size_t length, sb_response_t *response)
{
    if (data == NULL || response == NULL) {
        return SB_ERR_NULL;
    }
    if (length < SB_RESPONSE_HEADER_SIZE) {
        return SB_ERR_LENGTH;
    }
    if ((data[0] & SB_RESPONSE_BIT) == 0u || data[2] > SB_RESULT_STORAGE_ERROR) {
        return SB_ERR_FIELD;
    }
    sb_response_t r = {.opcode = (uint8_t)(data[0] & ~SB_RESPONSE_BIT), .token = data[1], .result = data[2]};
    size_t payload = r.result == SB_RESULT_OK ? response_payload_size(r.opcode) : 0u;
    if (length != SB_RESPONSE_HEADER_SIZE + payload) {
        return SB_ERR_LENGTH;
    }
    if (payload == 8u) {
        r.value = sb_le_get_u64(&data[3]);
    } else if (payload == 2u) {
        r.value = sb_le_get_u16(&data[3]);
    }
    *response = r;
    return SB_OK;
}
