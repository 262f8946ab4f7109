/* The command handler: a parsed, range-checked request (sb_command_parse) is checked against the
 * clip's state and applied; the answer is a result code and, for TIME_SYNC and LOG_SELECT, a value.
 * Settings that survive a reboot are written first and applied only when storage accepted them, so
 * the clip never runs with settings it would lose (STORAGE_ERROR otherwise). */
#ifndef SB_CONTROL_H
#define SB_CONTROL_H

#include "sb_clip.h"
#include "sb_protocol.h"

/* Fills response (opcode, token, result, value) for command; command must have parsed OK. */
void sb_control_execute(sb_clip_t *clip, const sb_command_t *command, sb_response_t *response);

#endif
