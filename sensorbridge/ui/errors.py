"""Errors the dashboard raises on purpose."""

from __future__ import annotations

from sensorbridge.errors import SensorbridgeError


class UiError(SensorbridgeError):
    """The dashboard cannot do what was asked (e.g. a virtual-wearer key with real clips)."""
