"""Float32 WAV headers written before the data, for streaming audio into a zip member that
cannot be seeked back. The size is known upfront, so RIFF (or RF64 past 4 GiB) headers can be
complete from the start; any audio tool opens the member once extracted."""
from __future__ import annotations

import struct

WAVE_FORMAT_IEEE_FLOAT = 3
_U32_MAX = 0xFFFFFFFF


def header(channels: int, rate: int, frames: int) -> bytes:
    block = 4 * channels
    data_bytes = frames * block
    fmt = struct.pack("<HHIIHHH", WAVE_FORMAT_IEEE_FLOAT, channels, rate, rate * block, block, 32, 0)
    fact = b"fact" + struct.pack("<II", 4, min(frames, _U32_MAX))
    fmt_chunk = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    riff_size = 4 + len(fmt_chunk) + len(fact) + 8 + data_bytes
    if riff_size <= _U32_MAX:
        return (b"RIFF" + struct.pack("<I", riff_size) + b"WAVE" + fmt_chunk + fact
                + b"data" + struct.pack("<I", data_bytes))
    ds64 = b"ds64" + struct.pack("<IQQQI", 28, riff_size + 36, data_bytes, frames, 0)
    return (b"RF64" + struct.pack("<I", _U32_MAX) + b"WAVE" + ds64 + fmt_chunk + fact
            + b"data" + struct.pack("<I", _U32_MAX))


def parse(head: bytes) -> tuple[int, int, int, int]:
    """(channels, rate, frames, data offset) of a header made by `header` (or any float32
    RIFF/RF64 WAV whose data chunk is within the bytes given)."""
    if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
        raise ValueError("not a WAV member")
    pos, ds64_data, channels, rate, data = 12, None, None, None, None
    while pos + 8 <= len(head):
        cid, size = head[pos:pos + 4], struct.unpack("<I", head[pos + 4:pos + 8])[0]
        body = pos + 8
        if cid == b"ds64":
            ds64_data = struct.unpack("<Q", head[body + 8:body + 16])[0]
        elif cid == b"fmt ":
            tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", head[body:body + 16])
            if tag not in (WAVE_FORMAT_IEEE_FLOAT, 0xFFFE) or bits != 32:
                raise ValueError("not float32 WAV")
        elif cid == b"data":
            size = ds64_data if size == _U32_MAX and ds64_data is not None else size
            data = (body, size)
            break
        pos = body + size + (size & 1)
    if channels is None or data is None:
        raise ValueError("WAV member without fmt or data chunk")
    return channels, rate, data[1] // (4 * channels), data[0]
