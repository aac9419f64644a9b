"""`studio ops [--json] [OP]`: every operation with its parameter schema."""
from __future__ import annotations

import json
import sys


def register(subparsers) -> None:
    p = subparsers.add_parser("ops", help="list operations and their parameters")
    p.add_argument("op", nargs="?", help="show only this operation")
    p.add_argument("--json", action="store_true", help="machine-readable schema")
    p.set_defaults(func=_run)


def _range(d: dict) -> str:
    if d["type"] == "choice":
        return "{" + "|".join(d["options"]) + "}"
    lo, hi = d.get("lo"), d.get("hi")
    unit = f" {d['unit']}" if d.get("unit") else ""
    if lo is None and hi is None:
        return unit.strip()
    return f"[{'' if lo is None else f'{lo:g}'}, {'' if hi is None else f'{hi:g}'}]{unit}"


def _run(args) -> int:
    from studio.engine import devices, presets, registry
    ops = [registry.get(args.op)] if args.op else registry.all_operations()
    if args.json:
        out = []
        for op in ops:
            d = op.describe()
            d["presets"] = [p.name for p in presets.list_presets(op.id)]
            out.append(d)
        json.dump(out if not args.op else out[0], sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    for op in ops:
        d = op.describe()
        inputs = d["inputs"] + "".join(f" + {e['name']}" for e in d["extras"])
        print(f"{op.id:<22} {op.title}  (input: {inputs})")
        if d["description"]:
            print(f"    {d['description'].splitlines()[0]}")
        for prm in d["params"]:
            print(f"    --set {prm['name']}=  {prm['type']} {_range(prm)}  "
                  f"default {prm['default']!r}  {prm['help']}".rstrip())
        names = [p.name for p in presets.list_presets(op.id)]
        if names:
            print(f"    presets: {', '.join(names)}")
    print(f"device: {devices.describe()}")
    return 0
