"""The benchmark's sections, in the order the table shows them."""

from __future__ import annotations

from bench.context import Section
from bench.sections import batch, firmware, live, orientation, store

SECTIONS: tuple[Section, ...] = (
    orientation.SECTION,
    batch.SECTION,
    live.SECTION,
    firmware.SIZE_SECTION,
    firmware.CODEC_SECTION,
    store.SECTION,
)
