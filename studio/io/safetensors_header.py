"""The shapes a safetensors file holds, read from its header alone (8 bytes of length, then
JSON), so a model or preset can be compared with its config before anything is built or
loaded. Every way the header can lie (a length past the file, offsets that overlap or run
out, a shape whose size is not its byte count) is one StudioError line."""
from __future__ import annotations

import os
import struct

from studio.errors import StudioError
from studio.io import jsonfile

MAX_HEADER_BYTES = 16 << 20
ITEM_BYTES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1,
              "U8": 1, "BOOL": 1, "U16": 2, "U32": 4, "U64": 8}


def read_shapes(path: os.PathLike | str, what: str) -> dict[str, tuple[str, tuple[int, ...]]]:
    """name -> (dtype, shape) of every tensor in the file (metadata left out)."""
    p = os.fspath(path)
    try:
        size = os.path.getsize(p)
        with open(p, "rb") as f:
            head = f.read(8)
            n = struct.unpack("<Q", head)[0] if len(head) == 8 else -1
            if not 2 <= n <= min(MAX_HEADER_BYTES, size - 8):
                raise StudioError(f"cannot read {what}: not a safetensors file (bad header length)")
            raw = f.read(n)
    except OSError as e:
        raise StudioError(f"cannot read {what}: {e.strerror or e}") from None
    header = jsonfile.loads(raw, what)
    if not isinstance(header, dict):
        raise StudioError(f"cannot read {what}: not a safetensors file (header is not an object)")
    data_bytes = size - 8 - n
    out, spans = {}, []
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype, shape, (a, b) = entry["dtype"], entry["shape"], entry["data_offsets"]
            ok = (dtype in ITEM_BYTES and isinstance(shape, list)
                  and all(type(d) is int and 0 <= d < 1 << 40 for d in shape)
                  and type(a) is int and type(b) is int and 0 <= a <= b <= data_bytes)
            count = 1
            for d in shape:
                count *= d
            ok = ok and (b - a) == count * ITEM_BYTES[dtype]
        except (TypeError, KeyError, ValueError):
            ok = False
        if not ok:
            raise StudioError(f"cannot read {what}: it is damaged (tensor {str(name)[:60]!r} has "
                              f"an impossible header entry)")
        out[name] = (dtype, tuple(shape))
        spans.append((a, b))
    spans.sort()
    if any(spans[i][1] > spans[i + 1][0] for i in range(len(spans) - 1)):
        raise StudioError(f"cannot read {what}: it is damaged (its tensors overlap)")
    return out


def compare(found: dict[str, tuple[str, tuple[int, ...]]], expected: dict[str, tuple[int, ...]],
            what: str) -> None:
    """Refuse unless `found` holds exactly the tensors `expected` names, with those shapes."""
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    if missing or extra:
        first = (f"lacks {missing[0]!r}" if missing else f"has an unexpected {extra[0][:60]!r}")
        raise StudioError(f"{what} does not match its config: it {first} "
                          f"({len(missing)} missing, {len(extra)} unexpected)")
    for name, shape in expected.items():
        if found[name][1] != tuple(shape):
            raise StudioError(f"{what} does not match its config: {name} is "
                              f"{list(found[name][1])}, the config makes {list(shape)}")
