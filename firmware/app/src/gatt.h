/* The sensorbridge GATT service (firmware/PROTOCOL.md) on Zephyr. gatt.c only moves bytes between the
 * Bluetooth stack and main.c's work queue; every decision is the core's. */
#ifndef SB_APP_GATT_H
#define SB_APP_GATT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zephyr/bluetooth/conn.h>

#include "sb_platform.h"

/* Largest control write accepted (every command is <= 10 bytes; longer ones still get BAD_LENGTH). */
#define GATT_CONTROL_MAX 32u

/* What main.c provides to the service: called from the Bluetooth thread, they only queue work. */
struct gatt_handlers {
    void (*control_write)(const uint8_t *data, size_t length);
    void (*subscribed)(sb_characteristic_t characteristic, bool enabled);
    /* Fill out with the current status record / log page; return its length or a negative errno. */
    int (*read_status)(uint8_t *out, size_t capacity);
    int (*read_log)(uint8_t *out, size_t capacity);
};

void gatt_init(const struct gatt_handlers *handlers);
void gatt_set_connection(struct bt_conn *conn); /* NULL when disconnected */

/* Notify on a characteristic of the current connection; -ENOTCONN when no central subscribed,
 * -ENOMEM when the stack has no buffer now (the core retries). */
int gatt_notify(sb_characteristic_t characteristic, const uint8_t *data, size_t length);

#endif
