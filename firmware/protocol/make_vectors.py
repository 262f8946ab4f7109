"""Write the protocol's golden vectors: ``vectors/vectors.json``.

Run once when PROTOCOL.md changes (``python firmware/protocol/make_vectors.py``); the file is checked in and
both the Python tests and the C tests decode every vector and re-encode it byte for byte. Invalid vectors
carry the error the host raises and, for commands, the result code the clip answers with.

Each entry: ``name``, ``kind`` (sample_packet, status, command, response, log_page, manufacturer_data),
``hex``, and either ``fields`` (the decoded values) or ``error`` (+ ``result`` for commands).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from sensorbridge import protocol as p
from sensorbridge.conventions import Role

OUT = Path(__file__).parent / "vectors" / "vectors.json"


def _packet_fields(pkt: p.SamplePacket) -> dict[str, Any]:
    return {
        "version": p.PROTOCOL_VERSION,
        "role": int(pkt.role),
        "seq": pkt.seq,
        "t0_us": pkt.t0_us,
        "period_ns": pkt.period_ns,
        "count": pkt.count,
        "flags": int(pkt.flags),
        "ranges": p.encode_ranges(pkt.accel_range, pkt.gyro_range),
        "samples": pkt.samples.tolist(),
    }


def _sample_packets() -> list[dict[str, Any]]:
    rng = np.random.default_rng(20261124)
    out = []
    cases = [
        ("packet_back_full_mtu247", Role.BACK, 0, 1_000_000, 104, 18, p.PacketFlags.NONE),
        ("packet_head_one_sample", Role.HEAD, 65535, 2**40 + 7, 52, 1, p.PacketFlags.CLOCK_RESET),
        ("packet_back_flags_all", Role.BACK, 12345, 0, 208, 5, p.PacketFlags(0x0F)),
        ("packet_back_u64_clock", Role.BACK, 7, 2**64 - 1, 104, 2, p.PacketFlags.FIFO_OVERFLOW),
    ]
    for name, role, seq, t0, rate, count, flags in cases:
        samples = rng.integers(-32768, 32768, size=(count, 6)).astype(np.int16)
        samples[0] = [-32768, 32767, 0, 1, -1, 16384]
        pkt = p.SamplePacket(
            role, seq, t0, p.period_ns(rate), samples, flags, p.AccelRange.G8, p.GyroRange.DPS2000
        )
        out.append(
            {"name": name, "kind": "sample_packet", "hex": pkt.encode().hex(), "fields": _packet_fields(pkt)}
        )
    good = bytes.fromhex(out[0]["hex"])
    invalid = [
        ("packet_empty", b"", "MessageLengthError"),
        ("packet_short_header", good[:19], "MessageLengthError"),
        ("packet_missing_last_byte", good[:-1], "MessageLengthError"),
        ("packet_extra_byte", good + b"\x00", "MessageLengthError"),
        ("packet_version_2", bytes([2]) + good[1:], "VersionError"),
        ("packet_count_zero", good[:16] + b"\x00" + good[17:20], "FieldError"),
        ("packet_count_19", good[:16] + b"\x13" + good[17:] + bytes(12), "FieldError"),
        ("packet_unknown_flag", good[:17] + b"\x10" + good[18:], "FieldError"),
        ("packet_reserved_set", good[:19] + b"\x01" + good[20:], "FieldError"),
        ("packet_bad_gyro_range", good[:18] + b"\x52" + good[19:], "FieldError"),
        ("packet_bad_role", good[:1] + b"\x02" + good[2:], "FieldError"),
        ("packet_zero_period", good[:12] + bytes(4) + good[16:], "FieldError"),
    ]
    for name, data, error in invalid:
        out.append({"name": name, "kind": "sample_packet", "hex": data.hex(), "error": error})
    return out


def _status() -> list[dict[str, Any]]:
    st = p.Status(
        p.ClipState.STREAMING,
        Role.HEAD,
        104,
        (1, 2, 3),
        dropped_samples=0xDEADBEEF,
        log_records=2048,
        flags=p.StatusFlags.BONDED | p.StatusFlags.CLOCK_SYNCED,
    )
    fields = {
        "version": 1,
        "state": int(st.state),
        "role": int(st.role),
        "ranges": p.encode_ranges(st.accel_range, st.gyro_range),
        "rate_hz": st.rate_hz,
        "fw_major": 1,
        "fw_minor": 2,
        "fw_patch": 3,
        "status_flags": int(st.flags),
        "dropped_samples": st.dropped_samples,
        "log_records": st.log_records,
    }
    data = st.encode()
    return [
        {"name": "status_streaming_head", "kind": "status", "hex": data.hex(), "fields": fields},
        {"name": "status_short", "kind": "status", "hex": data[:15].hex(), "error": "MessageLengthError"},
        {
            "name": "status_bad_state",
            "kind": "status",
            "hex": (data[:1] + b"\x09" + data[2:]).hex(),
            "error": "FieldError",
        },
    ]


def _commands() -> list[dict[str, Any]]:
    cmds: list[tuple[str, p.Command, dict[str, Any]]] = [
        ("cmd_start_stream", p.StartStream(), {}),
        ("cmd_stop_stream", p.StopStream(), {}),
        ("cmd_set_rate_208", p.SetRate(208), {"rate_hz": 208}),
        ("cmd_set_role_head", p.SetRole(Role.HEAD), {"role": 1}),
        ("cmd_vibrate_double", p.Vibrate(p.VibrationPattern.DOUBLE, 80), {"pattern": 2, "intensity": 80}),
        ("cmd_set_neutral", p.SetNeutral(1000, -2000, 16200), {"gx": 1000, "gy": -2000, "gz": 16200}),
        (
            "cmd_set_thresholds",
            p.SetThresholds(1500, 45, 40000),
            {"angle_cdeg": 1500, "dwell_s": 45, "motion_mdps": 40000},
        ),
        ("cmd_time_sync", p.TimeSync(1_795_000_000_123_456), {"host_unix_us": 1_795_000_000_123_456}),
        ("cmd_log_select", p.LogSelect(29), {"first_record": 29}),
        ("cmd_log_clear", p.LogClear(58), {"count": 58}),
        ("cmd_set_ranges", p.SetRanges(p.AccelRange.G16, p.GyroRange.DPS1000), {"ranges": 0x33}),
    ]
    out = []
    for i, (name, cmd, fields) in enumerate(cmds):
        token = 0x40 + i
        out.append(
            {
                "name": name,
                "kind": "command",
                "hex": cmd.encode(token).hex(),
                "fields": {"opcode": int(cmd.OPCODE), "token": token, **fields},
            }
        )
    invalid = [
        ("cmd_empty", b"", "BAD_LENGTH"),
        ("cmd_no_token", b"\x01", "BAD_LENGTH"),
        ("cmd_unknown_opcode", b"\x7f\x01", "UNKNOWN_OPCODE"),
        ("cmd_opcode_zero", b"\x00\x01", "UNKNOWN_OPCODE"),
        ("cmd_start_with_payload", b"\x01\x02\x00", "BAD_LENGTH"),
        ("cmd_set_rate_short", b"\x03\x02\x68", "BAD_LENGTH"),
        ("cmd_set_rate_100", b"\x03\x02\x64\x00", "INVALID_PARAM"),
        ("cmd_set_role_2", b"\x04\x02\x02", "INVALID_PARAM"),
        ("cmd_vibrate_pattern_9", b"\x05\x02\x09\x32", "INVALID_PARAM"),
        ("cmd_vibrate_zero_intensity", b"\x05\x02\x01\x00", "INVALID_PARAM"),
        ("cmd_vibrate_intensity_101", b"\x05\x02\x01\x65", "INVALID_PARAM"),
        ("cmd_neutral_zero", b"\x06\x02" + bytes(6), "INVALID_PARAM"),
        ("cmd_thresholds_angle_small", b"\x07\x02\x63\x00\x1e\x00\x30\x75\x00\x00", "INVALID_PARAM"),
        ("cmd_thresholds_dwell_zero", b"\x07\x02\xb0\x04\x00\x00\x30\x75\x00\x00", "INVALID_PARAM"),
        ("cmd_ranges_bad_accel", b"\x0b\x02\x04", "INVALID_PARAM"),
        ("cmd_time_sync_long", b"\x08\x02" + bytes(9), "BAD_LENGTH"),
    ]
    for name, data, result in invalid:
        out.append(
            {"name": name, "kind": "command", "hex": data.hex(), "error": "CommandError", "result": result}
        )
    return out


def _responses() -> list[dict[str, Any]]:
    cases = [
        ("resp_ok_start", p.Response(p.Opcode.START_STREAM, 5, p.Result.OK)),
        ("resp_time_sync", p.Response(p.Opcode.TIME_SYNC, 6, p.Result.OK, 123_456_789_012)),
        ("resp_log_select", p.Response(p.Opcode.LOG_SELECT, 7, p.Result.OK, 2048)),
        ("resp_time_sync_refused", p.Response(p.Opcode.TIME_SYNC, 8, p.Result.NOT_AUTHORIZED)),
        ("resp_unknown_opcode", p.Response(0x7F, 9, p.Result.UNKNOWN_OPCODE)),
    ]
    out = []
    for name, r in cases:
        fields = {"opcode": r.opcode, "token": r.token, "result": int(r.result), "value": r.value}
        out.append({"name": name, "kind": "response", "hex": r.encode().hex(), "fields": fields})
    out.append(
        {
            "name": "resp_time_sync_short",
            "kind": "response",
            "hex": "880600" + "00" * 7,
            "error": "MessageLengthError",
        }
    )
    out.append({"name": "resp_not_response", "kind": "response", "hex": "080600", "error": "FieldError"})
    return out


def _log_pages() -> list[dict[str, Any]]:
    records = tuple(
        p.LogRecord(
            1_795_000_000 + 3600 * i,
            (7 * i) % 40,
            (3 * i) % 20,
            i % 5,
            p.LogRecordFlags.CLOCK_UNSYNCED if i % 4 == 0 else p.LogRecordFlags.NONE,
        )
        for i in range(29)
    )
    full = p.LogPage(100, 2048, records)
    empty = p.LogPage(0, 0, ())

    def fields(page: p.LogPage) -> dict[str, Any]:
        return {
            "version": 1,
            "record_size": 8,
            "first_record": page.first_record,
            "total_records": page.total_records,
            "count": len(page.records),
            "records": [
                [r.hour_start, r.upright_min, r.slouched_min, r.alerts, int(r.flags)] for r in page.records
            ],
        }

    data = full.encode()
    return [
        {"name": "log_page_full", "kind": "log_page", "hex": data.hex(), "fields": fields(full)},
        {"name": "log_page_empty", "kind": "log_page", "hex": empty.encode().hex(), "fields": fields(empty)},
        {
            "name": "log_page_count_30",
            "kind": "log_page",
            "hex": (data[:6] + b"\x1e" + data[7:] + bytes(8)).hex(),
            "error": "FieldError",
        },
        {"name": "log_page_torn", "kind": "log_page", "hex": data[:-3].hex(), "error": "MessageLengthError"},
        {
            "name": "log_page_over_hour",
            "kind": "log_page",
            "hex": (data[:8] + bytes(4) + b"\x28\x15\x00\x00" + data[16:]).hex(),
            "error": "FieldError",
        },
    ]


def _manufacturer() -> list[dict[str, Any]]:
    md = p.ManufacturerData(Role.BACK, 87, p.ClipState.STANDALONE)
    return [
        {
            "name": "adv_back",
            "kind": "manufacturer_data",
            "hex": md.encode().hex(),
            "fields": {"version": 1, "role": 0, "battery_percent": 87, "state": 2},
        },
        {"name": "adv_battery_101", "kind": "manufacturer_data", "hex": "01006502", "error": "FieldError"},
    ]


def build() -> dict[str, Any]:
    return {
        "protocol_version": p.PROTOCOL_VERSION,
        "vectors": _sample_packets()
        + _status()
        + _commands()
        + _responses()
        + _log_pages()
        + _manufacturer(),
    }


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(build(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
