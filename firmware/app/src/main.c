/* sensorbridge clip on Zephyr: wires the Bluetooth stack, the IMU interrupt, a periodic tick and the
 * pairing button to the portable core (sb_clip), and does nothing the core could do.
 *
 * The core is not re-entrant: every sb_clip_* call holds clip_lock. They run on the clip's own work
 * queue (not the system one, which Bluetooth TX may need while a notification waits for a buffer);
 * Bluetooth callbacks and the GPIO interrupt only queue work, except the characteristic reads and the
 * pairing decision, which must answer at once and take the lock briefly. Every Zephyr call's error is
 * checked: fatal ones at boot stop the clip with a log line, later ones are logged. */
#include <errno.h>

#include <zephyr/bluetooth/bluetooth.h>
#include <zephyr/bluetooth/conn.h>
#include <zephyr/bluetooth/gatt.h>
#include <zephyr/drivers/gpio.h>
#include <zephyr/drivers/regulator.h>
#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>
#include <zephyr/settings/settings.h>

#include "battery.h"
#include "gatt.h"
#include "sb_clip.h"

LOG_MODULE_REGISTER(sb_main, LOG_LEVEL_INF);

#define TICK_MS 50
#define BATTERY_EVERY_TICKS 1200 /* once a minute */
#define CONTROL_QUEUE_DEPTH 4
#define CLIP_STACK_SIZE 3072
#define CLIP_PRIORITY 5
#define TEST_COMPANY_ID 0xFFFFu /* Bluetooth SIG's ID reserved for testing, as PROTOCOL.md says */

static sb_clip_t clip;
static K_MUTEX_DEFINE(clip_lock);
static struct bt_conn *conn;
static struct k_work_q clip_queue;
static K_THREAD_STACK_DEFINE(clip_stack, CLIP_STACK_SIZE);

#define LOCKED(statement)                                                                                  \
    do {                                                                                                   \
        (void)k_mutex_lock(&clip_lock, K_FOREVER);                                                         \
        statement;                                                                                         \
        (void)k_mutex_unlock(&clip_lock);                                                                  \
    } while (0)

static const struct gpio_dt_spec imu_int1 = GPIO_DT_SPEC_GET(DT_PATH(zephyr_user), imu_int1_gpios);
static const struct gpio_dt_spec button = GPIO_DT_SPEC_GET(DT_ALIAS(sb_pairing_button), gpios);
static const struct device *const imu_supply = DEVICE_DT_GET(DT_PATH(lsm6ds3tr_c_en));
static struct gpio_callback imu_cb, button_cb;

struct control_msg {
    uint8_t length;
    uint8_t data[GATT_CONTROL_MAX];
};
K_MSGQ_DEFINE(control_queue, sizeof(struct control_msg), CONTROL_QUEUE_DEPTH, 4);

static void tick_handler(struct k_work *work);
static void imu_handler(struct k_work *work);
static void control_handler(struct k_work *work);
static void button_handler(struct k_work *work);
static void link_handler(struct k_work *work);
static K_WORK_DELAYABLE_DEFINE(tick_work, tick_handler);
static K_WORK_DEFINE(imu_work, imu_handler);
static K_WORK_DEFINE(control_work, control_handler);
static K_WORK_DEFINE(button_work, button_handler);
static K_WORK_DEFINE(link_work, link_handler);

/* Link events from the Bluetooth thread, applied on the clip's queue in the order they happened. */
enum link_event_type { EV_CONNECTED, EV_DISCONNECTED, EV_SECURITY, EV_MTU, EV_SUBSCRIBE };
struct link_event {
    uint8_t type;           /* enum link_event_type */
    uint8_t characteristic; /* EV_SUBSCRIBE: sb_characteristic_t */
    uint16_t value;         /* EV_SECURITY: encrypted; EV_MTU: ATT MTU; EV_SUBSCRIBE: enabled */
};
K_MSGQ_DEFINE(link_queue, sizeof(struct link_event), 8, 2);

static void start_advertising(void);

/* ---- work queue side: the only place sb_clip_* is called --------------------------------------- */

static void tick_handler(struct k_work *work)
{
    ARG_UNUSED(work);
    /* A level the edge interrupt missed (FIFO refilled during the drain) is picked up here. */
    if (gpio_pin_get_dt(&imu_int1) > 0) {
        LOCKED(sb_clip_on_imu_interrupt(&clip));
    }
    LOCKED(sb_clip_tick(&clip));
    static unsigned ticks;
    if (ticks++ % BATTERY_EVERY_TICKS == 0u) {
        int level = battery_update();
        if (level < 0) {
            LOG_WRN("battery not read (%d)", level);
        }
    }
    int err = k_work_reschedule_for_queue(&clip_queue, &tick_work, K_MSEC(TICK_MS));
    if (err < 0) {
        LOG_ERR("tick reschedule failed (%d)", err);
    }
}

static void imu_handler(struct k_work *work)
{
    ARG_UNUSED(work);
    LOCKED(sb_clip_on_imu_interrupt(&clip));
}

static void control_handler(struct k_work *work)
{
    ARG_UNUSED(work);
    struct control_msg msg;
    while (k_msgq_get(&control_queue, &msg, K_NO_WAIT) == 0) {
        uint8_t response[SB_MAX_RESPONSE_SIZE];
        size_t length = 0;
        sb_err_t core_err;
        LOCKED(core_err = sb_clip_on_control_write(&clip, msg.data, msg.length, response, sizeof(response),
                                                   &length));
        if (core_err != SB_OK) {
            LOG_ERR("control response could not be encoded");
            continue;
        }
        int err = gatt_notify(SB_CHAR_CONTROL, response, length);
        if (err < 0) {
            LOG_WRN("control response not sent (%d)", err);
        }
    }
}

static void button_handler(struct k_work *work)
{
    ARG_UNUSED(work);
    LOCKED(sb_clip_on_button(&clip));
    LOG_INF("pairing window open");
}

static void link_handler(struct k_work *work)
{
    ARG_UNUSED(work);
    struct link_event ev;
    while (k_msgq_get(&link_queue, &ev, K_NO_WAIT) == 0) {
        (void)k_mutex_lock(&clip_lock, K_FOREVER);
        switch (ev.type) {
        case EV_CONNECTED:
            sb_clip_on_connect(&clip);
            break;
        case EV_DISCONNECTED:
            sb_clip_on_disconnect(&clip);
            start_advertising();
            break;
        case EV_SECURITY:
            sb_clip_on_security(&clip, ev.value != 0u);
            break;
        case EV_MTU:
            sb_clip_on_mtu(&clip, ev.value);
            break;
        case EV_SUBSCRIBE:
            sb_clip_on_subscribe(&clip, (sb_characteristic_t)ev.characteristic, ev.value != 0u);
            break;
        default:
            break;
        }
        (void)k_mutex_unlock(&clip_lock);
    }
}

/* ---- Bluetooth thread side: copy and queue ------------------------------------------------------ */

static void queue_link(uint8_t type, uint8_t characteristic, uint16_t value)
{
    struct link_event ev = {.type = type, .characteristic = characteristic, .value = value};
    if (k_msgq_put(&link_queue, &ev, K_NO_WAIT) != 0) {
        LOG_ERR("link event %u lost: queue full", type);
        return;
    }
    int err = k_work_submit_to_queue(&clip_queue, &link_work);
    if (err < 0) {
        LOG_ERR("link work not queued (%d)", err);
    }
}

static void on_control_write(const uint8_t *data, size_t length)
{
    struct control_msg msg = {.length = (uint8_t)length};
    memcpy(msg.data, data, length);
    if (k_msgq_put(&control_queue, &msg, K_NO_WAIT) != 0) {
        LOG_WRN("control queue full: request dropped"); /* the host times out and retries */
        return;
    }
    int err = k_work_submit_to_queue(&clip_queue, &control_work);
    if (err < 0) {
        LOG_ERR("control work not queued (%d)", err);
    }
}

static void on_subscribed(sb_characteristic_t characteristic, bool enabled)
{
    queue_link(EV_SUBSCRIBE, (uint8_t)characteristic, enabled ? 1u : 0u);
}

/* Characteristic reads arrive on the Bluetooth thread and need an answer now. */
static int on_read_status(uint8_t *out, size_t capacity)
{
    size_t length = 0;
    sb_err_t err;
    LOCKED(err = sb_clip_read_status(&clip, out, capacity, &length));
    return err == SB_OK ? (int)length : -EIO;
}

static int on_read_log(uint8_t *out, size_t capacity)
{
    size_t length = 0;
    sb_err_t err;
    LOCKED(err = sb_clip_read_log(&clip, out, capacity, &length));
    return err == SB_OK ? (int)length : -EACCES;
}

static const struct gatt_handlers handlers = {
    .control_write = on_control_write,
    .subscribed = on_subscribed,
    .read_status = on_read_status,
    .read_log = on_read_log,
};

static void connected(struct bt_conn *c, uint8_t err)
{
    if (err != 0u) {
        LOG_WRN("connection failed (0x%02x)", err);
        LOCKED(start_advertising());
        return;
    }
    conn = bt_conn_ref(c);
    gatt_set_connection(conn);
    queue_link(EV_CONNECTED, 0, 0);
}

static void disconnected(struct bt_conn *c, uint8_t reason)
{
    ARG_UNUSED(c);
    LOG_INF("disconnected (0x%02x)", reason);
    gatt_set_connection(NULL);
    if (conn != NULL) {
        bt_conn_unref(conn);
        conn = NULL;
    }
    queue_link(EV_DISCONNECTED, 0, 0);
}

static void security_changed(struct bt_conn *c, bt_security_t level, enum bt_security_err err)
{
    ARG_UNUSED(c);
    bool encrypted = err == BT_SECURITY_ERR_SUCCESS && level >= BT_SECURITY_L2;
    queue_link(EV_SECURITY, 0, encrypted ? 1u : 0u);
}

BT_CONN_CB_DEFINE(conn_callbacks) = {
    .connected = connected,
    .disconnected = disconnected,
    .security_changed = security_changed,
};

static void mtu_updated(struct bt_conn *c, uint16_t tx, uint16_t rx)
{
    ARG_UNUSED(c);
    queue_link(EV_MTU, 0, MIN(tx, rx));
}

static struct bt_gatt_cb gatt_callbacks = {.att_mtu_updated = mtu_updated};

/* A new bond only inside the pairing window (sb_pairing); bonded peers re-encrypt without pairing. */
static enum bt_security_err pairing_accept(struct bt_conn *c, const struct bt_conn_pairing_feat *feat)
{
    ARG_UNUSED(c);
    ARG_UNUSED(feat);
    bool ok;
    LOCKED(ok = sb_clip_accept_bond(&clip, false));
    if (!ok) {
        LOG_WRN("pairing refused: the pairing window is closed (press the button)");
        return BT_SECURITY_ERR_PAIR_NOT_ALLOWED;
    }
    return BT_SECURITY_ERR_SUCCESS;
}

static struct bt_conn_auth_cb auth_callbacks = {.pairing_accept = pairing_accept};

/* ---- advertising -------------------------------------------------------------------------------- */

static void start_advertising(void)
{
    static const uint8_t service_uuid[] = {
        BT_UUID_128_ENCODE(0x5b1e0001, 0x7a3c, 0x4d4e, 0x9f2b, 0x2c8a5e0d1f60)};
    const char *name = clip.settings.role == SB_ROLE_HEAD ? "SB-Head" : "SB-Back";
    uint8_t manufacturer[2 + SB_MANUFACTURER_DATA_SIZE] = {TEST_COMPANY_ID & 0xFF, TEST_COMPANY_ID >> 8};
    size_t length = 0;
    sb_manufacturer_data_t md = {.role = clip.settings.role, .battery_percent = battery_level(),
                                 .state = (uint8_t)sb_power_get_state(&clip.power)};
    if (sb_manufacturer_data_encode(&md, &manufacturer[2], SB_MANUFACTURER_DATA_SIZE, &length) != SB_OK) {
        LOG_ERR("manufacturer data refused");
        return;
    }
    const struct bt_data ad[] = {
        BT_DATA_BYTES(BT_DATA_FLAGS, BT_LE_AD_GENERAL | BT_LE_AD_NO_BREDR),
        BT_DATA(BT_DATA_UUID128_ALL, service_uuid, sizeof(service_uuid)),
        BT_DATA(BT_DATA_NAME_SHORTENED, name, 7),
    };
    const struct bt_data sd[] = {BT_DATA(BT_DATA_MANUFACTURER_DATA, manufacturer, sizeof(manufacturer))};
    int err = bt_set_name(name);
    if (err < 0) {
        LOG_WRN("name not set (%d)", err);
    }
    err = bt_le_adv_start(BT_LE_ADV_CONN_FAST_2, ad, ARRAY_SIZE(ad), sd, ARRAY_SIZE(sd));
    if (err < 0 && err != -EALREADY) {
        LOG_ERR("advertising failed (%d)", err);
    }
}

/* ---- boot --------------------------------------------------------------------------------------- */

static void imu_isr(const struct device *port, struct gpio_callback *cb, uint32_t pins)
{
    ARG_UNUSED(port);
    ARG_UNUSED(cb);
    ARG_UNUSED(pins);
    (void)k_work_submit_to_queue(&clip_queue, &imu_work);
}

static void button_isr(const struct device *port, struct gpio_callback *cb, uint32_t pins)
{
    ARG_UNUSED(port);
    ARG_UNUSED(cb);
    ARG_UNUSED(pins);
    (void)k_work_submit_to_queue(&clip_queue, &button_work);
}

static int setup_gpio(const struct gpio_dt_spec *spec, struct gpio_callback *cb, gpio_callback_handler_t isr,
                      gpio_flags_t edge)
{
    if (!gpio_is_ready_dt(spec)) {
        return -ENODEV;
    }
    int err = gpio_pin_configure_dt(spec, GPIO_INPUT);
    if (err == 0) {
        err = gpio_pin_interrupt_configure_dt(spec, edge);
    }
    if (err == 0) {
        gpio_init_callback(cb, isr, BIT(spec->pin));
        err = gpio_add_callback(spec->port, cb);
    }
    return err;
}

static void count_bond(const struct bt_bond_info *info, void *data)
{
    ARG_UNUSED(info);
    (*(int *)data)++;
}

int main(void)
{
    int err = regulator_enable(imu_supply);
    if (err < 0 && err != -EALREADY) {
        LOG_ERR("IMU supply not enabled (%d)", err);
    }
    k_sleep(K_MSEC(5)); /* LSM6DS3TR-C boot time after power-up */
    err = battery_init();
    if (err < 0) {
        LOG_WRN("battery measurement not set up (%d): the Battery Service stays at 100 %%", err);
    }

    err = bt_enable(NULL);
    if (err < 0) {
        LOG_ERR("Bluetooth init failed (%d): stopping", err);
        return err;
    }
    err = settings_load(); /* bonds, and the storage the core reads through sb_platform */
    if (err < 0) {
        LOG_ERR("settings load failed (%d): starting with defaults", err);
    }
    int bonds = 0;
    bt_foreach_bond(BT_ID_DEFAULT, count_bond, &bonds);

    sb_clip_config_t config = sb_clip_default_config();
    config.clock = (sb_clock_settings_t){.counter_bits = 32, .counter_hz = sys_clock_hw_cycles_per_sec()};
    config.imu_bus = sb_lsm6_platform_bus();
    config.bonded = bonds > 0;
    sb_err_t core_err;
    LOCKED(core_err = sb_clip_init(&clip, &config));
    if (core_err != SB_OK) {
        LOG_ERR("core init: error %d (IMU missing or not answering); status and log still served", core_err);
    }

    k_work_queue_start(&clip_queue, clip_stack, K_THREAD_STACK_SIZEOF(clip_stack), CLIP_PRIORITY, NULL);
    gatt_init(&handlers);
    bt_gatt_cb_register(&gatt_callbacks);
    err = bt_conn_auth_cb_register(&auth_callbacks);
    if (err < 0) {
        LOG_ERR("auth callbacks not registered (%d): stopping", err);
        return err;
    }
    err = setup_gpio(&imu_int1, &imu_cb, imu_isr, GPIO_INT_EDGE_TO_ACTIVE);
    if (err < 0) {
        LOG_ERR("IMU interrupt not set up (%d): the tick polls INT1 instead", err);
    }
    err = setup_gpio(&button, &button_cb, button_isr, GPIO_INT_EDGE_TO_ACTIVE);
    if (err < 0) {
        LOG_WRN("pairing button not set up (%d): pairing only in the first minute after power-on", err);
    }
    LOCKED(start_advertising());
    err = k_work_schedule_for_queue(&clip_queue, &tick_work, K_MSEC(TICK_MS));
    if (err < 0) {
        LOG_ERR("tick not scheduled (%d): stopping", err);
        return err;
    }
    LOG_INF("sensorbridge clip %u.%u.%u up", config.fw_major, config.fw_minor, config.fw_patch);
    return 0;
}
