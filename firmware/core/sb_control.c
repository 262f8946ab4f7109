#include "sb_control.h"

#include <stddef.h>

/* Persists candidate settings and adopts them only when storage took them. */
static sb_result_t commit_settings(sb_clip_t *clip, const sb_device_settings_t *candidate)
{
    if (sb_device_settings_save(candidate) != SB_OK) {
        return SB_RESULT_STORAGE_ERROR;
    }
    sb_device_settings_t previous = clip->settings;
    clip->settings = *candidate;
    if (sb_clip_apply_settings(clip) != SB_OK) {
        /* The IMU refused (bus error): keep running on the previous settings, saved back. */
        clip->settings = previous;
        (void)sb_device_settings_save(&previous);
        (void)sb_clip_apply_settings(clip);
        return SB_RESULT_BAD_STATE;
    }
    return SB_RESULT_OK;
}

static sb_result_t start_stream(sb_clip_t *clip)
{
    if (!clip->connected || sb_samples_per_packet(clip->att_mtu) == 0u) {
        return SB_RESULT_BAD_STATE;
    }
    if (!clip->imu_ok) {
        return SB_RESULT_BAD_STATE; /* nothing to stream: the IMU failed its checks */
    }
    clip->streaming_requested = true;
    return SB_RESULT_OK; /* the next tick moves to STREAMING and configures the IMU */
}

void sb_control_execute(sb_clip_t *clip, const sb_command_t *command, sb_response_t *response)
{
    if (clip == NULL || command == NULL || response == NULL) {
        return;
    }
    *response = (sb_response_t){.opcode = command->opcode, .token = command->token, .result = SB_RESULT_OK};
    sb_device_settings_t next = clip->settings;
    sb_result_t result = SB_RESULT_OK;
    switch ((sb_opcode_t)command->opcode) {
    case SB_OP_START_STREAM:
        result = start_stream(clip);
        break;
    case SB_OP_STOP_STREAM:
        clip->streaming_requested = false;
        break;
    case SB_OP_SET_RATE:
        next.rate_hz = command->args.rate_hz;
        result = commit_settings(clip, &next);
        break;
    case SB_OP_SET_ROLE:
        next.role = command->args.role;
        result = commit_settings(clip, &next);
        break;
    case SB_OP_SET_RANGES:
        next.ranges = command->args.ranges;
        result = commit_settings(clip, &next);
        break;
    case SB_OP_SET_NEUTRAL:
        next.neutral[0] = command->args.neutral.x;
        next.neutral[1] = command->args.neutral.y;
        next.neutral[2] = command->args.neutral.z;
        next.neutral_set = 1;
        result = commit_settings(clip, &next);
        break;
    case SB_OP_SET_THRESHOLDS:
        next.angle_cdeg = command->args.thresholds.angle_cdeg;
        next.dwell_s = command->args.thresholds.dwell_s;
        next.motion_mdps = command->args.thresholds.motion_mdps;
        result = commit_settings(clip, &next);
        break;
    case SB_OP_VIBRATE:
        if (sb_haptics_start(&clip->haptics, command->args.vibrate.pattern, command->args.vibrate.intensity,
                             sb_clip_now_us(clip) / 1000u) != SB_OK) {
            result = SB_RESULT_INVALID_PARAM;
        }
        break;
    case SB_OP_TIME_SYNC: {
        uint64_t device_us = sb_clip_now_us(clip);
        if (sb_clock_set_sync(&clip->clock, device_us, command->args.host_unix_us) != SB_OK) {
            result = SB_RESULT_INVALID_PARAM; /* beyond year 292277 */
        } else {
            response->value = device_us;
        }
        break;
    }
    case SB_OP_LOG_SELECT:
        if (command->args.first_record > sb_posture_log_count(&clip->log)) {
            result = SB_RESULT_INVALID_PARAM;
        } else {
            clip->log_cursor = command->args.first_record;
            response->value = sb_posture_log_count(&clip->log);
        }
        break;
    case SB_OP_LOG_CLEAR: {
        uint16_t n = command->args.clear_count;
        if (n > sb_posture_log_count(&clip->log)) {
            result = SB_RESULT_INVALID_PARAM;
        } else if (sb_posture_log_clear_oldest(&clip->log, n) != SB_OK) {
            result = SB_RESULT_STORAGE_ERROR; /* nothing cleared */
        } else {
            /* The cursor keeps pointing at the same record, or at the new oldest one. */
            clip->log_cursor = clip->log_cursor > n ? (uint16_t)(clip->log_cursor - n) : 0u;
        }
        break;
    }
    default:
        result = SB_RESULT_UNKNOWN_OPCODE;
        break;
    }
    response->result = (uint8_t)result;
    if (result != SB_RESULT_OK) {
        response->value = 0;
    }
}
