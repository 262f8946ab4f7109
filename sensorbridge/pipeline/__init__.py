"""Estimation pipeline: orientation, posture angles, states, slouch episodes, stretch verification.

One streaming engine (:mod:`.engine`) serves both entry points, so a day re-analysed offline gives
what the wearer saw live (same states, same angles):

- :class:`.live.LivePipeline` ``update(batch) -> list[PostureSample]``, events via ``drain()``;
- :func:`.analysis.analyze` feeds a whole recording through the same engine in time-ordered chunks.

Per node (:mod:`.node`), vectorised over each chunk: sensor intrinsics, the regulariser
(:mod:`.resample`: jitter passes, holes up to 0.1 s are interpolated, longer ones are gaps), VQF 6D
(:mod:`.orientation`; reset with the bias kept after a gap over 60 s, bias seeded by the calibration
hold), then reduction to decision ticks (10 Hz: the quaternion of each tick's middle sample, the peak
rate and acceleration). Everything after that runs per tick: tilt angles of the thorax and the neck
relative to the thorax with an explicit relative-heading loop (:mod:`.angles`), the state machine with
slouch and forward-head episodes and alerts (:mod:`.states`), stretch verification (:mod:`.exercises`),
and, offline, the timeline, intervals and summary (:mod:`.timeline`, built as ticks settle by
:mod:`.timeline_builder`). :mod:`.broad` measures the
orientation against BROAD's optical truth. Settings: :mod:`.settings`; values: :mod:`.values`.
"""
