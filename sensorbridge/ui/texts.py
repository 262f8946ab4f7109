"""The words the dashboard says to the wearer, in one place so they read as one voice.

The neutral pose and the stretches follow the article in /work/shared/reference, retold in our words.
"""

from __future__ import annotations

from sensorbridge.ui.model import CalibrationFailure, StretchFault, StretchKind

NEUTRAL_POSE = (
    "Sit tall with your back straight and its natural curve. Hips and shoulders stacked, "
    "shoulders down and back, arms resting. Head centred over the shoulders, neither pushed "
    "forward nor tipped back, chin level with the floor. Then keep still."
)

MOUNTING_MOVE = {
    "back": "Now bend forward slowly from the hips as far as is comfortable, then sit back up.",
    "head": "Then nod slowly: chin down toward the chest and back to level.",
}

CALIBRATION_FAILURES: dict[CalibrationFailure, tuple[str, str]] = {
    CalibrationFailure.MOVED: (
        "You moved during the hold.",
        "Hold still for 5 seconds: rest your arms and breathe normally.",
    ),
    CalibrationFailure.NOT_WORN: (
        "The clip does not seem to be on a body (it is lying flat and perfectly still).",
        "Clip it between your shoulder blades, sit in the neutral pose and start again.",
    ),
    CalibrationFailure.TOO_SHORT: (
        "The hold was too short.",
        "Keep the neutral pose until the countdown reaches zero.",
    ),
    CalibrationFailure.NO_MOVEMENT: (
        "No forward bend was seen, so how the clip is worn is unknown.",
        "When asked, bend forward slowly by at least 20 degrees and sit back up.",
    ),
    CalibrationFailure.OTHER: (
        "The calibration was refused.",
        "Follow the note above and try again.",
    ),
    CalibrationFailure.NO_DATA: (
        "No samples arrived from the clip.",
        "Check the Devices screen: the back clip must be connected and streaming.",
    ),
}

STRETCH_TITLES: dict[StretchKind, str] = {
    StretchKind.CHIN_TUCK: "Chin tuck",
    StretchKind.CERVICAL_FLEXION: "Cervical flexion",
    StretchKind.LATERAL_FLEXION: "Lateral flexion",
    StretchKind.SHOULDER_SQUEEZE: "Shoulder squeeze",
}

STRETCH_HOW: dict[StretchKind, str] = {
    StretchKind.CHIN_TUCK: (
        "From the neutral pose, draw your chin gently down toward your chest as if pulled by a "
        "string. Keep the head centred over the shoulders, not pushed forward."
    ),
    StretchKind.CERVICAL_FLEXION: (
        "Let the head roll slowly forward, chin toward the chest, until you feel the stretch "
        "between the shoulder blades."
    ),
    StretchKind.LATERAL_FLEXION: (
        "Tilt your head to one side, ear toward the shoulder, without lifting the shoulders. "
        "Stop short of pain. Then the other side."
    ),
    StretchKind.SHOULDER_SQUEEZE: (
        "Breathe in and squeeze the shoulder blades back toward the spine. Keep the head centred "
        "and the chin level."
    ),
}

FAULT_WORDS: dict[StretchFault, str] = {
    StretchFault.TOO_SHORT: "released before 5 s",
    StretchFault.HEAD_JUT: "head pushed forward: draw it back over the shoulders",
    StretchFault.SHOULDERS_HUNCHED: "shoulders lifted: let them drop",
    StretchFault.TRUNK_COMPENSATION: "trunk leaning: keep the back still, move only the head",
    StretchFault.NOT_FAR_ENOUGH: "not far enough: ease a little further into the stretch",
    StretchFault.OVERSHOOT: "too far: back off a little, stay short of pain",
    StretchFault.QUICK_NOD: "too quick: move slowly into the stretch",
    StretchFault.HEAD_TURN: "head turning: keep the nose pointing ahead",
}

NOT_VERIFIABLE = "Needs the head clip: without it this stretch cannot be verified (it is not counted)."
