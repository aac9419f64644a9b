"""Typed parameter schemas: declared once per operation, read by the UI form, the CLI flags,
presets and the docs.

A parameter knows its type, default, range, unit and one-line help, and converts a user's
value (a string from the command line, a number from a slider, a JSON value from a preset)
into the right Python value or raises `StudioError` with one clear line.
"""
from __future__ import annotations

import math

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping, Sequence

from studio.errors import StudioError


# how words of a parameter's name read in a label (one place for every form and flag list):
# acronyms in capitals, f0 and dB as written, a single letter as a name ("Class A")
LABEL_WORDS = {"fft": "FFT", "stft": "STFT", "rt60": "RT60", "snr": "SNR", "lpc": "LPC",
               "doa": "DOA", "mvdr": "MVDR", "lcmv": "LCMV", "f0": "f0", "lufs": "LUFS",
               "dbfs": "dBFS", "db": "dB", "rms": "RMS", "hz": "Hz"}


def label_from_name(name: str) -> str:
    """"fft_size" -> "FFT size", "target_f0" -> "Target f0", "class_a" -> "Class A"."""
    words = [w for w in name.split("_") if w]
    shown = [LABEL_WORDS.get(w.lower(), w.upper() if len(w) == 1 and i else w)
             for i, w in enumerate(words)]
    if shown and words[0].lower() not in LABEL_WORDS:
        shown[0] = shown[0][:1].upper() + shown[0][1:]
    return " ".join(shown)


@dataclass(frozen=True)
class Param:
    name: str
    default: Any = None
    help: str = ""
    label: str = ""  # shown in forms; defaults to the name with spaces
    # False: the window gives this value from the document the way a user gives it (a gap
    # by selecting it), so its form leaves the field out; presets and the CLI still set it
    in_form: bool = field(default=True, kw_only=True)
    # How a form shows the value beyond its type (the CLI ignores it): "seed" is a number box
    # with a new-seed button; "model:<what>" offers what the model named by the schema's Model
    # parameter provides ("model:classes", "model:notes"), after `suggestions`; "located:<what>"
    # offers what the window has found (a DOA's "located:azimuths").
    hint: str = field(default="", kw_only=True)
    suggestions: tuple[str, ...] = field(default=(), kw_only=True)  # always offered ("auto")

    kind = "any"

    @property
    def title(self) -> str:
        return self.label or label_from_name(self.name)

    def coerce(self, value: Any) -> Any:
        return value

    def describe(self) -> dict:
        """A JSON-able description of this parameter (for `studio ops --json` and the docs)."""
        d = {"name": self.name, "type": self.kind, "default": self.default, "help": self.help,
             "label": self.title}
        if self.hint:
            d["hint"] = self.hint
        if self.suggestions:
            d["suggestions"] = list(self.suggestions)
        d.update(self._extra())
        return d

    def _extra(self) -> dict:
        return {}

    def _fail(self, value: Any, why: str) -> StudioError:
        return StudioError(f"parameter '{self.name}': {value!r} {why}")


@dataclass(frozen=True)
class Float(Param):
    lo: float | None = None
    hi: float | None = None
    unit: str = ""
    step: float | None = None
    log: bool = False  # a log-scaled slider (frequencies, time constants)
    # (value, word): a value that means something else than its number, as the form shows it
    # ((0.0, "detect"): 0 = find the level; (-1, "auto")); the CLI takes the number
    special: tuple = field(default=(), kw_only=True)
    kind = "float"

    def coerce(self, value: Any) -> float:
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise self._fail(value, "is not a number") from None
        if not math.isfinite(v):  # inf would pass an open bound and overflow int(v * sr)
            raise self._fail(value, "is not a finite number")
        if self.lo is not None and v < self.lo or self.hi is not None and v > self.hi:
            raise self._fail(value, f"is outside [{self.lo}, {self.hi}] {self.unit}".rstrip())
        return v

    def _extra(self) -> dict:
        return {"lo": self.lo, "hi": self.hi, "unit": self.unit, "step": self.step, "log": self.log,
                **_special(self)}


@dataclass(frozen=True)
class Int(Param):
    lo: int | None = None
    hi: int | None = None
    unit: str = ""
    special: tuple = field(default=(), kw_only=True)  # (value, word): as Float's
    kind = "int"

    def coerce(self, value: Any) -> int:
        try:
            f = float(value)
            v = int(f)
        except (TypeError, ValueError, OverflowError):
            raise self._fail(value, "is not an integer") from None
        if f != v:
            raise self._fail(value, "is not an integer")
        if self.lo is not None and v < self.lo or self.hi is not None and v > self.hi:
            raise self._fail(value, f"is outside [{self.lo}, {self.hi}] {self.unit}".rstrip())
        return v

    def _extra(self) -> dict:
        return {"lo": self.lo, "hi": self.hi, "unit": self.unit, **_special(self)}


def _special(p) -> dict:
    return {"special": {"value": p.special[0], "text": p.special[1]}} if p.special else {}


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Bool(Param):
    kind = "bool"

    def coerce(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        s = str(value).strip().lower()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
        raise self._fail(value, "is not true/false")


@dataclass(frozen=True)
class Choice(Param):
    options: tuple[str, ...] = ()
    # option -> ((param name, value), ...): choosing the option sets those parameters (a form
    # fills its fields, so it shows the values that run); options not listed set nothing
    fills: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    kind = "choice"

    def filled(self, option: str) -> dict[str, Any]:
        """The parameter values `option` sets ({} for an option that sets none)."""
        return dict(dict(self.fills).get(option, ()))

    def coerce(self, value: Any) -> str:
        s = str(value)
        if s not in self.options:
            raise self._fail(value, f"is not one of {', '.join(self.options)}")
        return s

    def _extra(self) -> dict:
        d = {"options": list(self.options)}
        if self.fills:
            d["fills"] = {o: dict(v) for o, v in self.fills}
        return d


@dataclass(frozen=True)
class File(Param):
    """A path: an extra input (a noise profile, a second clip) or a model/preset file."""
    filter: str = ""  # Qt file-dialog filter, e.g. "Audio (*.wav *.flac)"
    must_exist: bool = True
    kind = "file"

    def coerce(self, value: Any) -> str:
        if value in (None, ""):
            return ""
        import os
        s = os.fspath(value)
        if self.must_exist and not os.path.exists(s):
            raise self._fail(value, "does not exist")
        if self.must_exist and os.path.isdir(s):
            raise self._fail(value, "is a folder, not a file")
        return s

    def _extra(self) -> dict:
        return {"filter": self.filter, "must_exist": self.must_exist}


@dataclass(frozen=True)
class Model(Param):
    """A bundled or user-trained model, by name or path (resolved by the op)."""
    family: str = ""  # e.g. "diffusion", "timbre"
    kind = "model"

    def coerce(self, value: Any) -> str:
        return "" if value is None else str(value)

    def _extra(self) -> dict:
        return {"family": self.family}


@dataclass(frozen=True)
class FreqRange(Param):
    """A (low, high) frequency band in Hz; None means the full band."""
    lo: float = 0.0
    hi: float = 96000.0
    kind = "freq_range"

    def coerce(self, value: Any) -> tuple[float, float] | None:
        if value in (None, "", "none", "None"):
            return None
        if isinstance(value, str):
            parts = value.replace(":", ",").split(",")
        else:
            parts = list(value)
        try:
            a, b = (float(x) for x in parts)
        except (TypeError, ValueError):
            raise self._fail(value, "is not a 'low,high' band in Hz") from None
        if not (self.lo <= a < b <= self.hi):
            raise self._fail(value, f"must satisfy {self.lo} <= low < high <= {self.hi} Hz")
        return (a, b)

    def _extra(self) -> dict:
        return {"lo": self.lo, "hi": self.hi, "unit": "Hz"}


@dataclass(frozen=True)
class Text(Param):
    """Free text: JSON (an array layout, a list of positions) or a path. Forms show a line
    edit (`multiline` asks for a text box); the command line takes it as given. A dict or
    list value (from a preset) is kept as its JSON."""
    multiline: bool = False
    # ("", word): what an empty text means, shown in the empty box ("as in the layout")
    special: tuple = field(default=(), kw_only=True)
    kind = "text"

    def coerce(self, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, (dict, list)):
            import json
            return json.dumps(value)
        return str(value)

    def _extra(self) -> dict:
        return {"multiline": self.multiline, **_special(self)}


class Params(Mapping[str, Any]):
    """Validated parameter values, readable as `p.name` or `p["name"]`."""

    def __init__(self, values: Mapping[str, Any]):
        self._values = MappingProxyType(dict(values))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Params({dict(self._values)!r})"


@dataclass(frozen=True)
class Schema:
    params: tuple[Param, ...] = field(default_factory=tuple)

    def __post_init__(self):
        names = [p.name for p in self.params]
        if len(names) != len(set(names)):
            raise ValueError(f"duplicate parameter names in {names}")

    def __iter__(self):
        return iter(self.params)

    def get(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def validate(self, values: Mapping[str, Any] | None = None) -> Params:
        """Defaults overlaid with `values`, each coerced; unknown names are an error."""
        values = dict(values or {})
        unknown = [k for k in values if self.get(k) is None]
        if unknown:
            known = ", ".join(p.name for p in self.params) or "none"
            raise StudioError(f"unknown parameter '{unknown[0]}' (known: {known})")
        out = {}
        for p in self.params:
            out[p.name] = p.coerce(values[p.name]) if p.name in values else (
                p.coerce(p.default) if p.default is not None else None)
        return Params(out)

    def describe(self) -> list[dict]:
        return [p.describe() for p in self.params]


def parse_assignments(items: Sequence[str]) -> dict[str, str]:
    """Parse CLI `--set name=value` items into a dict (values stay strings until validated)."""
    out = {}
    for item in items:
        if "=" not in item:
            raise StudioError(f"--set expects name=value, got '{item}'")
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out
