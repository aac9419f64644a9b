"""Report values as people read them: a label and a unit taken from the value's key, the
number rounded to what the unit deserves ("integrated_lufs": -23.0441 -> "Integrated",
"-23.0 LUFS"; "gap (ms)": 60.0 -> "Gap", "60.0 ms"), and the one-line summary a finished job
leaves in the status bar. Also used for plot hover text, so no raw float reaches the user."""
from __future__ import annotations

import math
import re

from studio.engine.params import label_from_name

# key suffix (after the last "_") -> unit shown
_SUFFIX_UNITS = {"lufs": "LUFS", "lu": "LU", "dbfs": "dBFS", "dbtp": "dBTP", "db": "dB",
                 "hz": "Hz", "khz": "kHz", "s": "s", "ms": "ms", "deg": "°", "pct": "%"}
_DB_UNITS = {"LUFS", "LU", "dBFS", "dBTP", "dB", "dB/Hz"}
_SIGNED = {"dBFS", "dBTP", "dB"}  # levels read against 0: "+4.8 dBFS"
_PAREN = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")


def split_key(key: str) -> tuple[str, str]:
    """("Loudness range", "LU") from "loudness_range_lu"; ("Clipped", "%") from
    "clipped (%)"; ("Clicks", "") from "clicks"."""
    m = _PAREN.match(key)
    if m:
        name, unit = m.group(1), m.group(2)
    else:
        parts = key.split("_")
        unit = _SUFFIX_UNITS.get(parts[-1].lower(), "") if len(parts) > 1 else ""
        name = " ".join(parts[:-1] if unit else parts)
    name = name.replace("_", " ").strip()
    # the forms' word map: "rt60" reads "RT60", "snr" "SNR", as in the parameter labels
    return label_from_name("_".join(name.split())) if name else key, unit


def unit_of_label(label: str) -> str:
    """"frequency (Hz)" -> "Hz"; a label without a unit in brackets -> ""."""
    m = _PAREN.match(label or "")
    return m.group(2) if m else ""


def format_number(v: float, unit: str = "") -> str:
    """A number rounded for its unit, with the unit: "-23.0 LUFS", "997.0 Hz", "1.25 kHz"."""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        # a quantity reads in groups ("48 000 Hz"); a bare integer may be a name (a seed)
        text = f"{v:,}".replace(",", " ") if unit and abs(v) >= 10000 else str(v)
        return f"{text} {unit}".strip() if unit != "%" else f"{text} %"
    v = float(v)
    if math.isnan(v):
        return "–"
    if math.isinf(v):
        text = "-∞" if v < 0 else "+∞"
    elif unit == "Hz":
        if abs(round(v, 1)) >= 1000:  # 999.97 Hz reads "1.00 kHz", not "1000.0 Hz"
            return f"{v / 1000:.2f} kHz"
        text = f"{v:.1f}"
    elif unit in _DB_UNITS:
        text = f"{v:+.1f}" if unit in _SIGNED else f"{v:.1f}"
    elif unit == "s":
        text = f"{v:.3f}"
    elif unit in ("ms", "%", "°"):
        text = f"{v:.1f}" if abs(v) < 1000 else f"{v:.0f}"
    elif abs(v) >= 1000:
        text = f"{v:.0f}"
    else:
        text = f"{v:.3g}"
    return f"{text} {unit}".strip() if unit not in ("°",) else f"{text}{unit}"


def format_value(key: str, value) -> tuple[str, str]:
    """(label, text) for a report value: numbers rounded with their unit, strings as they
    are, None (a level of silence, nothing found) as "–"."""
    label, unit = split_key(key)
    if value is None:
        return label, "–"
    if isinstance(value, (int, float)):
        return label, format_number(value, unit)
    text = str(value)  # a range or a name: "19.70–20.00" still says it is seconds
    return label, f"{text} {unit}" if unit and not text.endswith(unit) else text


def headline_keys(report) -> list[str]:
    """The values shown large and in the summary: the op's headline, else the first three."""
    keys = [k for k in (getattr(report, "headline", None) or []) if k in report.values]
    return keys or list(report.values)[:3]


def summary_line(title: str, report) -> str:
    """"Loudness: integrated -23.0 LUFS, loudness range 0.0 LU, true peak -20.0 dBTP"; the
    op's own summary when it gave one; "<title>: done" when the report says nothing."""
    if report is None:
        return f"{title}: done"
    if getattr(report, "summary", ""):
        return f"{title}: {report.summary}"
    parts = []
    for key in headline_keys(report):
        label, text = format_value(key, report.values[key])
        parts.append(f"{label[:1].lower() + label[1:]} {text}")
    if report.markers and not parts:
        parts.append(f"{len(report.markers)} marker{'s' if len(report.markers) != 1 else ''}")
    if not parts and report.curves:
        parts.append("plot in the Reports dock")
    return f"{title}: " + (", ".join(parts) if parts else "done")
