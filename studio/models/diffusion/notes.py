"""Note names without torch, so a form can list a pitched model's notes from its config
(pitch.py, which needs torch, names notes with the same function)."""
from __future__ import annotations

NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def midi_name(midi: int) -> str:
    """'A4' for MIDI note 69."""
    midi = int(midi)
    return f"{NOTE_NAMES[midi % 12]}{midi // 12 - 1}"
