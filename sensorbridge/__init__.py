"""sensorbridge: a wearable posture monitor's host side."""

__version__ = "0.1.0"
