"""Calibration math and procedures: neutral pose, mounting axes, sensor intrinsics.

Pure functions on numpy arrays plus the procedures that use them; no radio, no screen.
"""
