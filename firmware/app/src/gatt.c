#include "gatt.h"

#include <errno.h>

#include <zephyr/bluetooth/gatt.h>
#include <zephyr/bluetooth/uuid.h>
#include <zephyr/kernel.h>

#include "sb_protocol.h"

#define SB_UUID(n) BT_UUID_128_ENCODE(0x5b1e0000u + (n), 0x7a3c, 0x4d4e, 0x9f2b, 0x2c8a5e0d1f60)

static const struct bt_uuid_128 uuid_service = BT_UUID_INIT_128(SB_UUID(1));
static const struct bt_uuid_128 uuid_stream = BT_UUID_INIT_128(SB_UUID(2));
static const struct bt_uuid_128 uuid_control = BT_UUID_INIT_128(SB_UUID(3));
static const struct bt_uuid_128 uuid_status = BT_UUID_INIT_128(SB_UUID(4));
static const struct bt_uuid_128 uuid_log = BT_UUID_INIT_128(SB_UUID(5));

static const struct gatt_handlers *handlers;
static struct bt_conn *current;
/* The log page is produced at offset 0 and served from here for the following blob reads, so a
 * page longer than one ATT read stays consistent. */
static uint8_t log_page[SB_MAX_LOG_PAGE_SIZE];
static size_t log_page_length;

static void ccc_changed(sb_characteristic_t characteristic, uint16_t value)
{
    if (handlers != NULL) {
        handlers->subscribed(characteristic, value == BT_GATT_CCC_NOTIFY);
    }
}

static void stream_ccc(const struct bt_gatt_attr *attr, uint16_t value)
{
    ARG_UNUSED(attr);
    ccc_changed(SB_CHAR_STREAM, value);
}

static void control_ccc(const struct bt_gatt_attr *attr, uint16_t value)
{
    ARG_UNUSED(attr);
    ccc_changed(SB_CHAR_CONTROL, value);
}

static void status_ccc(const struct bt_gatt_attr *attr, uint16_t value)
{
    ARG_UNUSED(attr);
    ccc_changed(SB_CHAR_STATUS, value);
}

static ssize_t control_write(struct bt_conn *conn, const struct bt_gatt_attr *attr, const void *buf,
                             uint16_t len, uint16_t offset, uint8_t flags)
{
    ARG_UNUSED(conn);
    ARG_UNUSED(attr);
    ARG_UNUSED(flags);
    if (offset != 0u) {
        return BT_GATT_ERR(BT_ATT_ERR_INVALID_OFFSET);
    }
    if (len > GATT_CONTROL_MAX) {
        return BT_GATT_ERR(BT_ATT_ERR_INVALID_ATTRIBUTE_LEN);
    }
    handlers->control_write(buf, len);
    return len;
}

static ssize_t status_read(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
                           uint16_t offset)
{
    uint8_t status[SB_STATUS_SIZE];
    int n = handlers->read_status(status, sizeof(status));
    if (n < 0) {
        return BT_GATT_ERR(BT_ATT_ERR_UNLIKELY);
    }
    return bt_gatt_attr_read(conn, attr, buf, len, offset, status, (uint16_t)n);
}

static ssize_t log_read(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
                        uint16_t offset)
{
    if (offset == 0u) {
        int n = handlers->read_log(log_page, sizeof(log_page));
        if (n < 0) {
            return BT_GATT_ERR(BT_ATT_ERR_UNLIKELY);
        }
        log_page_length = (size_t)n;
    }
    return bt_gatt_attr_read(conn, attr, buf, len, offset, log_page, (uint16_t)log_page_length);
}

/* Attribute order matters for gatt_notify below: [2] stream value, [5] control value, [8] status value. */
BT_GATT_SERVICE_DEFINE(sb_service,
    BT_GATT_PRIMARY_SERVICE(&uuid_service),
    BT_GATT_CHARACTERISTIC(&uuid_stream.uuid, BT_GATT_CHRC_NOTIFY, BT_GATT_PERM_NONE, NULL, NULL, NULL),
    BT_GATT_CCC(stream_ccc, BT_GATT_PERM_READ | BT_GATT_PERM_WRITE_ENCRYPT),
    BT_GATT_CHARACTERISTIC(&uuid_control.uuid, BT_GATT_CHRC_WRITE | BT_GATT_CHRC_NOTIFY,
                           BT_GATT_PERM_WRITE_ENCRYPT, NULL, control_write, NULL),
    BT_GATT_CCC(control_ccc, BT_GATT_PERM_READ | BT_GATT_PERM_WRITE_ENCRYPT),
    BT_GATT_CHARACTERISTIC(&uuid_status.uuid, BT_GATT_CHRC_READ | BT_GATT_CHRC_NOTIFY, BT_GATT_PERM_READ,
                           status_read, NULL, NULL),
    BT_GATT_CCC(status_ccc, BT_GATT_PERM_READ | BT_GATT_PERM_WRITE),
    BT_GATT_CHARACTERISTIC(&uuid_log.uuid, BT_GATT_CHRC_READ, BT_GATT_PERM_READ_ENCRYPT, log_read, NULL,
                           NULL),
);

void gatt_init(const struct gatt_handlers *h) { handlers = h; }

void gatt_set_connection(struct bt_conn *conn) { current = conn; }

int gatt_notify(sb_characteristic_t characteristic, const uint8_t *data, size_t length)
{
    static const uint8_t value_index[] = {[SB_CHAR_STREAM] = 2, [SB_CHAR_CONTROL] = 5, [SB_CHAR_STATUS] = 8};
    if ((unsigned)characteristic >= ARRAY_SIZE(value_index)) {
        return -EINVAL;
    }
    const struct bt_gatt_attr *attr = &sb_service.attrs[value_index[characteristic]];
    if (current == NULL || !bt_gatt_is_subscribed(current, attr, BT_GATT_CCC_NOTIFY)) {
        return -ENOTCONN; /* notify only after the central subscribed */
    }
    return bt_gatt_notify(current, attr, data, (uint16_t)length);
}
