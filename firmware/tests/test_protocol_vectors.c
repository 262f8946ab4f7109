/* Every golden vector of protocol/vectors/vectors.json (written by the host's codec): valid ones decode
 * to the listed fields and re-encode to the same bytes, byte for byte; invalid ones fail with the
 * error the host raises (for commands: the result code the clip answers with). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sb_protocol.h"
#include "vectors_table.h"

static void assert_bytes(const sb_vector_t *v, const uint8_t *out, size_t length)
{
    if (length != v->length || memcmp(out, v->bytes, length) != 0) {
        fail_msg("vector %s: re-encoded bytes differ (%zu vs %zu bytes)", v->name, length, v->length);
    }
}

static void check_packet(const sb_vector_t *v)
{
    sb_sample_packet_t got;
    sb_err_t err = sb_packet_decode(v->bytes, v->length, &got);
    if (v->fields == NULL) {
        if ((int)err != v->expected) {
            fail_msg("vector %s: got error %d, want %d", v->name, err, v->expected);
        }
        return;
    }
    const sb_sample_packet_t *want = v->fields;
    assert_int_equal(err, SB_OK);
    assert_int_equal(got.role, want->role);
    assert_int_equal(got.seq, want->seq);
    assert_true(got.t0_us == want->t0_us);
    assert_int_equal(got.period_ns, want->period_ns);
    assert_int_equal(got.count, want->count);
    assert_int_equal(got.flags, want->flags);
    assert_int_equal(got.ranges, want->ranges);
    assert_memory_equal(got.samples, want->samples, sizeof(int16_t) * SB_AXES * want->count);
    uint8_t out[SB_MAX_PACKET_SIZE];
    size_t length = 0;
    assert_int_equal(sb_packet_encode(want, out, sizeof(out), &length), SB_OK);
    assert_bytes(v, out, length);
}

static void check_status(const sb_vector_t *v)
{
    sb_status_t got;
    sb_err_t err = sb_status_decode(v->bytes, v->length, &got);
    if (v->fields == NULL) {
        assert_int_equal(err, v->expected);
        return;
    }
    const sb_status_t *want = v->fields;
    assert_int_equal(err, SB_OK);
    assert_int_equal(got.state, want->state);
    assert_int_equal(got.role, want->role);
    assert_int_equal(got.ranges, want->ranges);
    assert_int_equal(got.rate_hz, want->rate_hz);
    assert_int_equal(got.fw_major, want->fw_major);
    assert_int_equal(got.fw_minor, want->fw_minor);
    assert_int_equal(got.fw_patch, want->fw_patch);
    assert_int_equal(got.status_flags, want->status_flags);
    assert_int_equal(got.dropped_samples, want->dropped_samples);
    assert_int_equal(got.log_records, want->log_records);
    uint8_t out[SB_STATUS_SIZE];
    size_t length = 0;
    assert_int_equal(sb_status_encode(want, out, sizeof(out), &length), SB_OK);
    assert_bytes(v, out, length);
}

static void check_command(const sb_vector_t *v)
{
    sb_command_t got;
    sb_result_t result = sb_command_parse(v->bytes, v->length, &got);
    if (v->fields == NULL) {
        if ((int)result != v->expected) {
            fail_msg("vector %s: parsed with result %d, want %d", v->name, result, v->expected);
        }
        return;
    }
    const sb_command_t *want = v->fields;
    assert_int_equal(result, SB_RESULT_OK);
    assert_int_equal(got.opcode, want->opcode);
    assert_int_equal(got.token, want->token);
    assert_memory_equal(&got.args, &want->args, sizeof(got.args));
    uint8_t out[16];
    size_t length = 0;
    assert_int_equal(sb_command_encode(want, out, sizeof(out), &length), SB_OK);
    assert_bytes(v, out, length);
}

static void check_response(const sb_vector_t *v)
{
    sb_response_t got;
    sb_err_t err = sb_response_decode(v->bytes, v->length, &got);
    if (v->fields == NULL) {
        assert_int_equal(err, v->expected);
        return;
    }
    const sb_response_t *want = v->fields;
    assert_int_equal(err, SB_OK);
    assert_int_equal(got.opcode, want->opcode);
    assert_int_equal(got.token, want->token);
    assert_int_equal(got.result, want->result);
    assert_true(got.value == want->value);
    uint8_t out[SB_MAX_RESPONSE_SIZE];
    size_t length = 0;
    assert_int_equal(sb_response_encode(want, out, sizeof(out), &length), SB_OK);
    assert_bytes(v, out, length);
}

static void check_log_page(const sb_vector_t *v)
{
    sb_log_page_t got;
    sb_err_t err = sb_log_page_decode(v->bytes, v->length, &got);
    if (v->fields == NULL) {
        assert_int_equal(err, v->expected);
        return;
    }
    const sb_log_page_t *want = v->fields;
    assert_int_equal(err, SB_OK);
    assert_int_equal(got.first_record, want->first_record);
    assert_int_equal(got.total_records, want->total_records);
    assert_int_equal(got.count, want->count);
    for (size_t i = 0; i < want->count; i++) {
        assert_int_equal(got.records[i].hour_start, want->records[i].hour_start);
        assert_int_equal(got.records[i].upright_min, want->records[i].upright_min);
        assert_int_equal(got.records[i].slouched_min, want->records[i].slouched_min);
        assert_int_equal(got.records[i].alerts, want->records[i].alerts);
        assert_int_equal(got.records[i].flags, want->records[i].flags);
    }
    uint8_t out[SB_MAX_LOG_PAGE_SIZE];
    size_t length = 0;
    assert_int_equal(sb_log_page_encode(want, out, sizeof(out), &length), SB_OK);
    assert_bytes(v, out, length);
}

static void check_manufacturer(const sb_vector_t *v)
{
    sb_manufacturer_data_t got;
    sb_err_t err = sb_manufacturer_data_decode(v->bytes, v->length, &got);
    if (v->fields == NULL) {
        assert_int_equal(err, v->expected);
        return;
    }
    const sb_manufacturer_data_t *want = v->fields;
    assert_int_equal(err, SB_OK);
    assert_int_equal(got.role, want->role);
    assert_int_equal(got.battery_percent, want->battery_percent);
    assert_int_equal(got.state, want->state);
    uint8_t out[SB_MANUFACTURER_DATA_SIZE];
    size_t length = 0;
    assert_int_equal(sb_manufacturer_data_encode(want, out, sizeof(out), &length), SB_OK);
    assert_bytes(v, out, length);
}

static void test_protocol_version_matches(void **state)
{
    (void)state;
    assert_int_equal(SB_VECTORS_PROTOCOL_VERSION, SB_PROTOCOL_VERSION);
}

static void test_every_vector(void **state)
{
    (void)state;
    size_t per_kind[SB_VECTOR_MANUFACTURER_DATA + 1] = {0};
    for (size_t i = 0; i < SB_VECTOR_COUNT; i++) {
        const sb_vector_t *v = &sb_vectors[i];
        per_kind[v->kind]++;
        switch (v->kind) {
        case SB_VECTOR_SAMPLE_PACKET: check_packet(v); break;
        case SB_VECTOR_STATUS: check_status(v); break;
        case SB_VECTOR_COMMAND: check_command(v); break;
        case SB_VECTOR_RESPONSE: check_response(v); break;
        case SB_VECTOR_LOG_PAGE: check_log_page(v); break;
        case SB_VECTOR_MANUFACTURER_DATA: check_manufacturer(v); break;
        }
    }
    for (size_t k = 0; k <= SB_VECTOR_MANUFACTURER_DATA; k++) {
        assert_true(per_kind[k] > 0); /* every kind has at least one vector */
    }
    print_message("checked %u golden vectors\n", (unsigned)SB_VECTOR_COUNT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_protocol_version_matches),
        cmocka_unit_test(test_every_vector),
    };
    return cmocka_run_group_tests_name("protocol_vectors", tests, NULL, NULL);
}
