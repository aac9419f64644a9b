"""Array layout files: JSON (everything), acoular's MicGeom XML and ODAS's .cfg microphone
list (positions, plus what each format can hold).

Numbers are written with `repr`, the shortest string that reads back to the same double,
so an exported layout re-imports identically.
"""
from __future__ import annotations

import json
import math
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from studio.arrays.geometry import Layout, Microphone
from studio.errors import StudioError

FORMATS = {".json": "JSON", ".xml": "acoular XML", ".cfg": "ODAS cfg"}


def _num(x: float) -> str:
    return repr(float(x))


# ---- JSON ---------------------------------------------------------------------------------
def to_json(layout: Layout) -> str:
    return json.dumps(layout.to_dict(), indent=2)


def from_json(text: str) -> Layout:
    from studio.io import jsonfile  # deep nesting and NaN are one line too
    d = jsonfile.loads(text, "array layout")
    if isinstance(d, list):  # a bare list of [x, y, z] rows
        d = {"mics": d}
    return Layout.from_dict(d)


# ---- acoular MicGeom XML ------------------------------------------------------------------
def to_acoular_xml(layout: Layout) -> str:
    root = ET.Element("MicArray", {"name": layout.name})
    for i, m in enumerate(layout.mics):
        ET.SubElement(root, "pos", {"Name": m.name or f"Point {i + 1}", "x": _num(m.x),
                                    "y": _num(m.y), "z": _num(m.z)})
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def from_acoular_xml(text: str) -> Layout:
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        raise StudioError(f"array layout: not valid XML ({e})") from None
    mics = []
    for i, pos in enumerate(root.iter("pos")):
        try:
            x, y, z = (float(pos.attrib[k]) for k in ("x", "y", "z"))
        except (KeyError, ValueError):
            raise StudioError(f"array layout: <pos> {i + 1} needs numeric x, y, z") from None
        name = pos.attrib.get("Name", "")
        mics.append(Microphone(x, y, z, name="" if name == f"Point {i + 1}" else name))
    if not mics:
        raise StudioError("array layout: the XML holds no <pos> elements (acoular MicGeom)")
    return Layout(mics=mics, name=root.attrib.get("name", "array"))


# ---- ODAS .cfg (libconfig) ----------------------------------------------------------------
# ODAS describes a microphone's directivity by an axis and two angles: full gain inside the
# first, none beyond the second. Omni is written (180, 180); cardioid-like (90, 180).
_ODAS_ANGLES = {"omni": (180.0, 180.0), "cardioid": (90.0, 180.0), "figure8": (90.0, 90.0)}
_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def to_odas_cfg(layout: Layout) -> str:
    lines = [f"# microphone array '{layout.name}' (positions in metres)", "mics = ("]
    for i, m in enumerate(layout.mics):
        a = m.axis()
        lo, hi = _ODAS_ANGLES[m.directivity]
        lines += [
            f"    # Microphone {i + 1}",
            "    {",
            f"        mu = ( {_num(m.x)}, {_num(m.y)}, {_num(m.z)} );",
            "        sigma2 = ( " + ", ".join(["0.0"] * 9) + " );",
            f"        direction = ( {_num(a[0])}, {_num(a[1])}, {_num(a[2])} );",
            f"        angle = ( {_num(lo)}, {_num(hi)} );",
            "    }" + ("," if i < len(layout.mics) - 1 else ""),
        ]
    lines.append(");")
    return "\n".join(lines) + "\n"


def _balanced(text: str, start: int) -> str:
    """The text inside the parenthesis that opens at text[start]."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return text[start + 1:i]
    raise StudioError("array layout: unbalanced parentheses in the ODAS 'mics' list")


def _vector(block: str, key: str, n: int) -> list[float] | None:
    m = re.search(rf"\b{key}\s*[=:]\s*\(([^)]*)\)", block)
    if m is None:
        return None
    vals = re.findall(_NUM, m.group(1))
    if len(vals) != n:
        raise StudioError(f"array layout: ODAS '{key}' needs {n} numbers, got {m.group(1).strip()!r}")
    return [float(v) for v in vals]


def from_odas_cfg(text: str) -> Layout:
    text = re.sub(r"(#|//)[^\n]*", "", text)  # libconfig comments
    m = re.search(r"\bmics\s*[=:]\s*\(", text)
    if m is None:
        raise StudioError("array layout: no 'mics = ( ... );' list in the ODAS file")
    body = _balanced(text, m.end() - 1)
    mics = []
    for i, block in enumerate(re.findall(r"\{([^{}]*)\}", body)):
        mu = _vector(block, "mu", 3)
        if mu is None:
            raise StudioError(f"array layout: ODAS microphone {i + 1} has no 'mu'")
        mic = Microphone(*mu)
        direction, angle = _vector(block, "direction", 3), _vector(block, "angle", 2)
        if angle is not None and angle[0] < 180.0:
            mic.directivity = "figure8" if angle[1] <= 90.0 else "cardioid"
        if direction is not None and any(direction):
            x, y, z = direction
            mic.azimuth = math.degrees(math.atan2(y, x))
            mic.elevation = math.degrees(math.atan2(z, math.hypot(x, y)))
        mics.append(mic)
    if not mics:
        raise StudioError("array layout: the ODAS 'mics' list is empty")
    return Layout(mics=mics, name="odas")


# ---- files and parameters -----------------------------------------------------------------
_READERS = {".json": from_json, ".xml": from_acoular_xml, ".cfg": from_odas_cfg}
_WRITERS = {".json": to_json, ".xml": to_acoular_xml, ".cfg": to_odas_cfg}


def _suffix(path: str | os.PathLike) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in _READERS:
        raise StudioError(f"array layout: '{path}' is not .json, .xml (acoular) or .cfg (ODAS)")
    return suffix


def load_layout(path: str | os.PathLike) -> Layout:
    suffix = _suffix(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise StudioError(f"array layout: cannot read '{path}': {e.strerror}") from None
    except UnicodeDecodeError:
        raise StudioError(f"array layout: '{path}' is not a text file") from None
    layout = _READERS[suffix](text)
    if layout.name in ("array", "odas"):
        layout.name = Path(path).stem
    return layout


def save_layout(layout: Layout, path: str | os.PathLike) -> None:
    """Write atomically (temp file, fsync, rename), in the format the suffix names."""
    from studio.io.atomic import write_text
    suffix = _suffix(path)
    write_text(path, _WRITERS[suffix](layout), action="write the array layout")


def parse_layout(value) -> Layout:
    """An operation's `layout` parameter: a Layout, a dict, JSON text, or a layout file path."""
    if isinstance(value, Layout):
        return value
    if isinstance(value, dict):
        return Layout.from_dict(value)
    text = str(value or "").strip()
    if not text:
        raise StudioError("no array layout given (a layout file or JSON)")
    if text[0] in "{[":
        return from_json(text)
    if text.lstrip().startswith("<"):
        return from_acoular_xml(text)
    if os.path.exists(text):
        return load_layout(text)
    raise StudioError(f"array layout: '{text[:60]}' is neither JSON nor an existing file")
