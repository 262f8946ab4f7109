#include "sb_power.h"

#include <stddef.h>

const sb_power_settings_t sb_power_default_settings = {.still_mdps = 300, .sleep_after_s = 600};

sb_err_t sb_power_init(sb_power_t *power, const sb_power_settings_t *settings, uint64_t now_ms)
{
    if (power == NULL || settings == NULL) {
        return SB_ERR_NULL;
    }
    if (settings->sleep_after_s == 0u) {
        return SB_ERR_ARG;
    }
    *power = (sb_power_t){.settings = *settings, .state = SB_STATE_STANDALONE, .still_since_ms = now_ms};
    return SB_OK;
}

sb_err_t sb_power_set(sb_power_t *power, const sb_power_settings_t *settings)
{
    if (power == NULL || settings == NULL) {
        return SB_ERR_NULL;
    }
    if (settings->sleep_after_s == 0u) {
        return SB_ERR_ARG;
    }
    power->settings = *settings;
    return SB_OK;
}

sb_err_t sb_power_update(sb_power_t *power, const sb_power_inputs_t *inputs, uint64_t now_ms)
{
    if (power == NULL || inputs == NULL) {
        return SB_ERR_NULL;
    }
    if (inputs->motion_seen || inputs->woken || inputs->connected || now_ms < power->still_since_ms) {
        power->still_since_ms = now_ms;
    }
    if (inputs->connected) {
        power->state = inputs->streaming_requested ? SB_STATE_STREAMING : SB_STATE_IDLE;
        return SB_OK;
    }
    if (power->state == SB_STATE_SLEEP && !inputs->woken) {
        return SB_OK;
    }
    uint64_t still_ms = now_ms - power->still_since_ms;
    power->state = still_ms >= (uint64_t)power->settings.sleep_after_s * 1000u ? SB_STATE_SLEEP
                                                                               : SB_STATE_STANDALONE;
    return SB_OK;
}

sb_clip_state_t sb_power_get_state(const sb_power_t *power)
{
    return power == NULL ? SB_STATE_IDLE : power->state;
}
