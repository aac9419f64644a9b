"""What Compare renders: parameter sets that differ in a useful way, and take labels that say
how they differ (no Qt here: plain dicts in, dicts and strings out).

Seeds: the op's main number (its first bounded Float/Int that is not zero) at 0.5x, 1x and
2x of the user's value, kept inside its bounds (0.25-0.5-1 or 1-2-4 when one end would
leave them); else each value of its first choice; else its first bounded number at 1/4,
1/2, 3/4 of its range. Labels name only the parameters whose values differ between the
sets ("reduction 15 dB"), so the one that matters is never cut off.
"""
from __future__ import annotations

from studio.engine import params as P

FACTORS = ((0.5, 1.0, 2.0), (0.25, 0.5, 1.0), (1.0, 2.0, 4.0))


def _numbers(op):
    return [p for p in op.schema if isinstance(p, (P.Float, P.Int)) and p.in_form
            and p.lo is not None and p.hi is not None]


def _scaled(p, v: float, factors) -> list | None:
    vals = [f * v for f in factors]
    if isinstance(p, P.Int):
        vals = [int(round(x)) for x in vals]
    if len(set(vals)) < len(vals) or any(not p.lo <= x <= p.hi for x in vals):
        return None
    return vals


def variants(op, current: dict, n: int = 3) -> tuple[str, list] | None:
    """(parameter name, its values for the sets), or None when nothing useful varies."""
    for p in _numbers(op):
        v = current.get(p.name, p.default)
        if v:
            for factors in FACTORS:
                vals = _scaled(p, float(v), factors[:n])
                if vals:
                    return p.name, vals
    for p in op.schema:
        if isinstance(p, P.Choice) and p.in_form and len(p.options) > 1:
            first = current.get(p.name, p.default)
            opts = [first] + [o for o in p.options if o != first]
            return p.name, opts[:n]
    for p in _numbers(op):
        vals = [p.lo + (p.hi - p.lo) * (k + 1) / (n + 1) for k in range(n)]
        return p.name, [int(round(x)) if isinstance(p, P.Int) else x for x in vals]
    return None


def seed_sets(op, current: dict, n: int = 3) -> list[dict]:
    """n parameter sets: the user's values, with the variant parameter changed in each."""
    got = variants(op, current, n)
    sets = [dict(current) for _ in range(n)]
    if got is not None:
        name, vals = got
        for s, v in zip(sets, vals):
            s[name] = v
    return sets


def _value(p, v) -> str:
    if isinstance(v, bool):
        return "on" if v else "off"
    if isinstance(v, float):
        v = f"{v:.3g}"
    unit = getattr(p, "unit", "")
    return f"{v} {unit}".rstrip() if unit else str(v)


def difference_labels(op, sets: list[dict]) -> list[str]:
    """For each (validated) set, the parameters whose values differ between the sets ("reduction 15
    dB, rule lsa"); "set A", "set B"… when none differs."""
    full = [dict(s) for s in sets]
    differ = [p for p in op.schema if len({repr(s.get(p.name)) for s in full}) > 1]
    if not differ:
        return [f"set {chr(65 + i)}" for i in range(len(sets))]
    return [", ".join(f"{p.title.lower()} {_value(p, s[p.name])}" for p in differ)
            for s in full]
