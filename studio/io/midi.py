"""Standard MIDI file pieces the material recipes share (the benchmark's and the restorer's
renders through fluidsynth)."""
from __future__ import annotations


def vlq(n: int) -> bytes:
    """A MIDI variable-length quantity: 7 bits a byte, most significant first, the high bit
    set on every byte but the last."""
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    return bytes(reversed(out))
