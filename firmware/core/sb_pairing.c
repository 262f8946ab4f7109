#include "sb_pairing.h"

#include <stddef.h>

const sb_pairing_settings_t sb_pairing_default_settings = {.boot_window_s = 60, .button_window_s = 60};

sb_err_t sb_pairing_init(sb_pairing_t *pairing, const sb_pairing_settings_t *settings, bool bonded,
                         uint64_t now_ms)
{
    if (pairing == NULL || settings == NULL) {
        return SB_ERR_NULL;
    }
    if (settings->button_window_s == 0u) {
        return SB_ERR_ARG;
    }
    *pairing = (sb_pairing_t){
        .settings = *settings,
        .open_until_ms = now_ms + (uint64_t)settings->boot_window_s * 1000u,
        .bonded = bonded,
    };
    return SB_OK;
}

sb_err_t sb_pairing_set(sb_pairing_t *pairing, const sb_pairing_settings_t *settings)
{
    if (pairing == NULL || settings == NULL) {
        return SB_ERR_NULL;
    }
    if (settings->button_window_s == 0u) {
        return SB_ERR_ARG;
    }
    pairing->settings = *settings;
    return SB_OK;
}

sb_err_t sb_pairing_button(sb_pairing_t *pairing, uint64_t now_ms)
{
    if (pairing == NULL) {
        return SB_ERR_NULL;
    }
    pairing->open_until_ms = now_ms + (uint64_t)pairing->settings.button_window_s * 1000u;
    return SB_OK;
}

bool sb_pairing_window_open(const sb_pairing_t *pairing, uint64_t now_ms)
{
    return pairing != NULL && now_ms < pairing->open_until_ms;
}

bool sb_pairing_accept(sb_pairing_t *pairing, bool known_peer, uint64_t now_ms)
{
    if (pairing == NULL) {
        return false;
    }
    if (known_peer) {
        return true;
    }
    if (!sb_pairing_window_open(pairing, now_ms)) {
        pairing->refused_bonds++;
        return false;
    }
    pairing->bonded = true;
    pairing->open_until_ms = now_ms; /* one new bond per window */
    return true;
}

bool sb_pairing_link_allowed(bool encrypted) { return encrypted; }
