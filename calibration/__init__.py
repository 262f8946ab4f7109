"""Calibration math and procedures: neutral pose, mounting axes, sensor intrinsics.

Pure functions on numpy arrays plus the procedures that use them; no radio, no screen.

- :mod:`.model`: :class:`~calibration.model.ClipCalibration`, the versioned value stored per clip and
  wearer (``to_dict``/``to_json`` and back), and the equations the pipeline applies;
- :mod:`.neutral`: the neutral-pose hold (up direction, gyroscope bias; refusals with the reason);
- :mod:`.mounting`: the forward axis from the guided bend (back clip) or nod (head clip);
- :mod:`.intrinsics`: still windows, gyroscope bias, the six-position accelerometer fit (bench);
- :mod:`.procedure`: a calibration window split into the hold and the movement;
- :mod:`.errors`: :class:`~calibration.errors.CalibrationError` with a ``reason`` and a ``hint``.
"""
