/* Sample packets, status record, log page and manufacturer data of PROTOCOL.md. The checks run in the
 * same order as sensorbridge/protocol.py so both sides name the same error for the same bytes. */
#include "sb_protocol.h"

#include <string.h>

#include "sb_le.h"

uint8_t sb_samples_per_packet(uint16_t att_mtu)
{
    if (att_mtu < SB_MIN_STREAM_MTU) {
        return 0;
    }
    uint32_t fit = ((uint32_t)att_mtu - SB_ATT_HEADER_SIZE - SB_HEADER_SIZE) / SB_SAMPLE_SIZE;
    return (uint8_t)(fit < SB_MAX_SAMPLES_PER_PACKET ? fit : SB_MAX_SAMPLES_PER_PACKET);
}

bool sb_rate_supported(uint16_t rate_hz) { return rate_hz == 52u || rate_hz == 104u || rate_hz == 208u; }

uint32_t sb_period_ns(uint16_t rate_hz)
{
    if (!sb_rate_supported(rate_hz)) {
        return 0;
    }
    return (1000000000u + rate_hz / 2u) / rate_hz; /* rounded to the nearest ns, as the host does */
}

bool sb_ranges_valid(uint8_t ranges)
{
    return (ranges & 0x0Fu) <= SB_ACCEL_CODE_MAX && (ranges >> 4) <= SB_GYRO_CODE_MAX;
}

/* ---- sample packets ---------------------------------------------------------------------------- */

static sb_err_t check_packet_fields(uint8_t role, uint32_t period_ns, uint8_t count, uint8_t flags,
                                    uint8_t ranges)
{
    if (count < 1u || count > SB_MAX_SAMPLES_PER_PACKET || (flags & ~SB_PACKET_FLAGS_KNOWN) != 0u ||
        period_ns == 0u || !sb_ranges_valid(ranges) || role > SB_ROLE_HEAD) {
        return SB_ERR_FIELD;
    }
    return SB_OK;
}

sb_err_t sb_packet_encode(const sb_sample_packet_t *packet, uint8_t *out, size_t capacity, size_t *length)
{
    if (packet == NULL || out == NULL || length == NULL) {
        return SB_ERR_NULL;
    }
    sb_err_t err = check_packet_fields(packet->role, packet->period_ns, packet->count, packet->flags,
                                       packet->ranges);
    if (err != SB_OK) {
        return err;
    }
    size_t size = SB_HEADER_SIZE + (size_t)packet->count * SB_SAMPLE_SIZE;
    if (capacity < size) {
        return SB_ERR_NO_SPACE;
    }
    out[0] = SB_PROTOCOL_VERSION;
    out[1] = packet->role;
    sb_le_put_u16(&out[2], packet->seq);
    sb_le_put_u64(&out[4], packet->t0_us);
    sb_le_put_u32(&out[12], packet->period_ns);
    out[16] = packet->count;
    out[17] = packet->flags;
    out[18] = packet->ranges;
    out[19] = 0;
    uint8_t *p = &out[SB_HEADER_SIZE];
    for (size_t k = 0; k < packet->count; k++) {
        for (size_t axis = 0; axis < SB_AXES; axis++) {
            sb_le_put_i16(p, packet->samples[k][axis]);
            p += 2;
        }
    }
    *length = size;
    return SB_OK;
}

sb_err_t sb_packet_decode(const uint8_t *data, size_t length, sb_sample_packet_t *packet)
{
    if (data == NULL || packet == NULL) {
        return SB_ERR_NULL;
    }
    if (length < SB_HEADER_SIZE) {
        return SB_ERR_LENGTH;
    }
    if (data[0] != SB_PROTOCOL_VERSION) {
        return SB_ERR_VERSION;
    }
    uint8_t count = data[16];
    if (count < 1u || count > SB_MAX_SAMPLES_PER_PACKET) {
        return SB_ERR_FIELD;
    }
    if (length != SB_HEADER_SIZE + (size_t)count * SB_SAMPLE_SIZE) {
        return SB_ERR_LENGTH;
    }
    if (data[19] != 0u) {
        return SB_ERR_FIELD;
    }
    uint32_t period_ns = sb_le_get_u32(&data[12]);
    sb_err_t err = check_packet_fields(data[1], period_ns, count, data[17], data[18]);
    if (err != SB_OK) {
        return err;
    }
    memset(packet, 0, sizeof(*packet));
    packet->role = data[1];
    packet->seq = sb_le_get_u16(&data[2]);
    packet->t0_us = sb_le_get_u64(&data[4]);
    packet->period_ns = period_ns;
    packet->count = count;
    packet->flags = data[17];
    packet->ranges = data[18];
    const uint8_t *p = &data[SB_HEADER_SIZE];
    for (size_t k = 0; k < count; k++) {
        for (size_t axis = 0; axis < SB_AXES; axis++) {
            packet->samples[k][axis] = sb_le_get_i16(p);
            p += 2;
        }
    }
    return SB_OK;
}

/* ---- status ------------------------------------------------------------------------------------- */

static sb_err_t check_status_fields(const sb_status_t *s)
{
    if (s->state > SB_STATE_SLEEP || (s->status_flags & ~SB_STATUS_FLAGS_KNOWN) != 0u ||
        !sb_ranges_valid(s->ranges) || s->role > SB_ROLE_HEAD) {
        return SB_ERR_FIELD;
    }
    return SB_OK;
}

sb_err_t sb_status_encode(const sb_status_t *status, uint8_t *out, size_t capacity, size_t *length)
{
    if (status == NULL || out == NULL || length == NULL) {
        return SB_ERR_NULL;
    }
    sb_err_t err = check_status_fields(status);
    if (err != SB_OK) {
        return err;
    }
    if (capacity < SB_STATUS_SIZE) {
        return SB_ERR_NO_SPACE;
    }
    out[0] = SB_PROTOCOL_VERSION;
    out[1] = status->state;
    out[2] = status->role;
    out[3] = status->ranges;
    sb_le_put_u16(&out[4], status->rate_hz);
    out[6] = status->fw_major;
    out[7] = status->fw_minor;
    out[8] = status->fw_patch;
    out[9] = status->status_flags;
    sb_le_put_u32(&out[10], status->dropped_samples);
    sb_le_put_u16(&out[14], status->log_records);
    *length = SB_STATUS_SIZE;
    return SB_OK;
}

sb_err_t sb_status_decode(const uint8_t *data, size_t length, sb_status_t *status)
{
    if (data == NULL || status == NULL) {
        return SB_ERR_NULL;
    }
    if (length != SB_STATUS_SIZE) {
        return SB_ERR_LENGTH;
    }
    if (data[0] != SB_PROTOCOL_VERSION) {
        return SB_ERR_VERSION;
    }
    sb_status_t s = {
        .state = data[1],
        .role = data[2],
        .ranges = data[3],
        .rate_hz = sb_le_get_u16(&data[4]),
        .fw_major = data[6],
        .fw_minor = data[7],
        .fw_patch = data[8],
        .status_flags = data[9],
        .dropped_samples = sb_le_get_u32(&data[10]),
        .log_records = sb_le_get_u16(&data[14]),
    };
    sb_err_t err = check_status_fields(&s);
    if (err != SB_OK) {
        return err;
    }
    *status = s;
    return SB_OK;
}

/* ---- posture log page --------------------------------------------------------------------------- */

bool sb_log_record_valid(const sb_log_record_t *record)
{
    return record != NULL && (unsigned)record->upright_min + record->slouched_min <= 60u &&
           (record->flags & ~SB_RECORD_FLAGS_KNOWN) == 0u;
}

void sb_log_record_put(uint8_t *out, const sb_log_record_t *record)
{
    sb_le_put_u32(&out[0], record->hour_start);
    out[4] = record->upright_min;
    out[5] = record->slouched_min;
    out[6] = record->alerts;
    out[7] = record->flags;
}

void sb_log_record_get(const uint8_t *in, sb_log_record_t *record)
{
    record->hour_start = sb_le_get_u32(&in[0]);
    record->upright_min = in[4];
    record->slouched_min = in[5];
    record->alerts = in[6];
    record->flags = in[7];
}

sb_err_t sb_log_page_encode(const sb_log_page_t *page, uint8_t *out, size_t capacity, size_t *length)
{
    if (page == NULL || out == NULL || length == NULL) {
        return SB_ERR_NULL;
    }
    if (page->count > SB_MAX_LOG_RECORDS_PER_PAGE ||
        (uint32_t)page->first_record + page->count > page->total_records) {
        return SB_ERR_FIELD;
    }
    for (size_t i = 0; i < page->count; i++) {
        if (!sb_log_record_valid(&page->records[i])) {
            return SB_ERR_FIELD;
        }
    }
    size_t size = SB_LOG_HEADER_SIZE + (size_t)page->count * SB_LOG_RECORD_SIZE;
    if (capacity < size) {
        return SB_ERR_NO_SPACE;
    }
    out[0] = SB_PROTOCOL_VERSION;
    out[1] = SB_LOG_RECORD_SIZE;
    sb_le_put_u16(&out[2], page->first_record);
    sb_le_put_u16(&out[4], page->total_records);
    out[6] = page->count;
    out[7] = 0;
    for (size_t i = 0; i < page->count; i++) {
        sb_log_record_put(&out[SB_LOG_HEADER_SIZE + i * SB_LOG_RECORD_SIZE], &page->records[i]);
    }
    *length = size;
    return SB_OK;
}

sb_err_t sb_log_page_decode(const uint8_t *data, size_t length, sb_log_page_t *page)
{
    if (data == NULL || page == NULL) {
        return SB_ERR_NULL;
    }
    if (length < SB_LOG_HEADER_SIZE) {
        return SB_ERR_LENGTH;
    }
    if (data[0] != SB_PROTOCOL_VERSION) {
        return SB_ERR_VERSION;
    }
    uint8_t count = data[6];
    if (data[1] != SB_LOG_RECORD_SIZE || count > SB_MAX_LOG_RECORDS_PER_PAGE || data[7] != 0u) {
        return SB_ERR_FIELD;
    }
    if (length != SB_LOG_HEADER_SIZE + (size_t)count * SB_LOG_RECORD_SIZE) {
        return SB_ERR_LENGTH;
    }
    uint16_t first = sb_le_get_u16(&data[2]);
    uint16_t total = sb_le_get_u16(&data[4]);
    if ((uint32_t)first + count > total) {
        return SB_ERR_FIELD;
    }
    sb_log_page_t p;
    memset(&p, 0, sizeof(p));
    p.first_record = first;
    p.total_records = total;
    p.count = count;
    for (size_t i = 0; i < count; i++) {
        sb_log_record_get(&data[SB_LOG_HEADER_SIZE + i * SB_LOG_RECORD_SIZE], &p.records[i]);
        if (!sb_log_record_valid(&p.records[i])) {
            return SB_ERR_FIELD;
        }
    }
    *page = p;
    return SB_OK;
}

/* ---- manufacturer data (scan response) ---------------------------------------------------------- */

static sb_err_t check_manufacturer_fields(const sb_manufacturer_data_t *m)
{
    if (m->battery_percent > 100u || m->state > SB_STATE_SLEEP || m->role > SB_ROLE_HEAD) {
        return SB_ERR_FIELD;
    }
    return SB_OK;
}

sb_err_t sb_manufacturer_data_encode(const sb_manufacturer_data_t *data, uint8_t *out, size_t capacity,
                                     size_t *length)
{
    if (data == NULL || out == NULL || length == NULL) {
        return SB_ERR_NULL;
    }
    sb_err_t err = check_manufacturer_fields(data);
    if (err != SB_OK) {
        return err;
    }
    if (capacity < SB_MANUFACTURER_DATA_SIZE) {
        return SB_ERR_NO_SPACE;
    }
    out[0] = SB_PROTOCOL_VERSION;
    out[1] = data->role;
    out[2] = data->battery_percent;
    out[3] = data->state;
    *length = SB_MANUFACTURER_DATA_SIZE;
    return SB_OK;
}

sb_err_t sb_manufacturer_data_decode(const uint8_t *data, size_t length, sb_manufacturer_data_t *out)
{
    if (data == NULL || out == NULL) {
        return SB_ERR_NULL;
    }
    if (length != SB_MANUFACTURER_DATA_SIZE) {
        return SB_ERR_LENGTH;
    }
    if (data[0] != SB_PROTOCOL_VERSION) {
        return SB_ERR_VERSION;
    }
    sb_manufacturer_data_t m = {.role = data[1], .battery_percent = data[2], .state = data[3]};
    sb_err_t err = check_manufacturer_fields(&m);
    if (err != SB_OK) {
        return err;
    }
    *out = m;
    return SB_OK;
}
