"""JSON files the app did not write itself (presets, model and layout configs, chains): read
with a size bound, refused in one line when damaged, too deeply nested, or holding NaN or
Infinity (not JSON, but Python's reader accepts them, and a NaN scale makes silence)."""
from __future__ import annotations

import json
import os
from typing import Any

from studio.errors import StudioError
from studio.io.failures import one_line, os_reason

MAX_JSON_BYTES = 4 << 20  # the largest config the app writes is a few KB


def _no_constants(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def loads(text: str | bytes, what: str) -> Any:
    """Parse JSON text; `what` names it in the one-line error ("preset 'x'")."""
    try:
        return json.loads(text, parse_constant=_no_constants)
    except RecursionError:
        raise StudioError(f"{what} cannot be read: it is nested too deeply to be a real one") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise StudioError(f"{what} cannot be read: it is not valid JSON ({one_line(e)[:120]})") from None


def read(path: os.PathLike | str, what: str, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """Read and parse a JSON file of at most `max_bytes`."""
    p = os.fspath(path)
    try:
        with open(p, "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as e:
        raise StudioError(f"{what} cannot be read: {os_reason(e)}") from None
    if len(data) > max_bytes:
        raise StudioError(f"{what} cannot be read: it is larger than {max_bytes >> 10} KiB")
    return loads(data, what)
