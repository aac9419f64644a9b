"""Microphone arrays: geometry, presets, layout files, validation (numpy, no Qt) and the
array's figures (torch in `beam` and `live`; `live.ArrayFigures` hands numpy to the UI)."""
from studio.arrays.formats import load_layout, parse_layout, save_layout
from studio.arrays.geometry import Layout, Microphone, Room, Source, from_positions
from studio.arrays.presets import PRESETS, preset
from studio.arrays.validate import Issue, require_valid, validate

__all__ = ["Layout", "Microphone", "Room", "Source", "from_positions", "PRESETS", "preset",
           "load_layout", "save_layout", "parse_layout", "Issue", "validate", "require_valid"]
