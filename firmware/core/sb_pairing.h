/* Pairing policy. The stream, control and log characteristics require an encrypted link (LE Secure
 * Connections); a NEW bond is accepted only while the pairing window is open: the first
 * boot_window_s after power-on, or button_window_s after a button press. A successful new bond closes
 * the window. Known bonds reconnect at any time. */
#ifndef SB_PAIRING_H
#define SB_PAIRING_H

#include <stdbool.h>
#include <stdint.h>

#include "sb_err.h"

typedef struct {
    uint16_t boot_window_s;   /* window after power-on, s */
    uint16_t button_window_s; /* window after a button press, s, >= 1 */
} sb_pairing_settings_t;

extern const sb_pairing_settings_t sb_pairing_default_settings; /* 60 s, 60 s */

typedef struct {
    sb_pairing_settings_t settings;
    uint64_t open_until_ms;
    bool bonded;             /* at least one bond stored */
    uint32_t refused_bonds;  /* new bonds refused with the window closed */
} sb_pairing_t;

sb_err_t sb_pairing_init(sb_pairing_t *pairing, const sb_pairing_settings_t *settings, bool bonded,
                         uint64_t now_ms);
/* New window lengths, from the next window on. */
sb_err_t sb_pairing_set(sb_pairing_t *pairing, const sb_pairing_settings_t *settings);
sb_err_t sb_pairing_button(sb_pairing_t *pairing, uint64_t now_ms);
bool sb_pairing_window_open(const sb_pairing_t *pairing, uint64_t now_ms);

/* Asked by the BLE stack before it keeps a bond: true for a known peer, or a new one inside the
 * window (which then closes). */
bool sb_pairing_accept(sb_pairing_t *pairing, bool known_peer, uint64_t now_ms);

/* Control, stream and log access: only on an encrypted link. */
bool sb_pairing_link_allowed(bool encrypted);

#endif
