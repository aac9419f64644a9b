"""`studio bench NAME [options]`: run the benchmark studio.bench.NAME (its main(argv))."""
from __future__ import annotations

import importlib
import pkgutil

from studio.errors import StudioError


def _available() -> list[str]:
    import studio.bench as pkg
    return sorted(i.name for i in pkgutil.iter_modules(pkg.__path__) if not i.name.startswith("_"))


def _run(args) -> int:
    names = _available()
    if args.name not in names:
        raise StudioError(f"unknown benchmark '{args.name}' (available: {', '.join(names) or 'none'})")
    module = importlib.import_module(f"studio.bench.{args.name}")
    return int(module.main(list(args.rest)) or 0)


def register(subparsers) -> None:
    p = subparsers.add_parser("bench", help="run a benchmark (prints markdown tables)")
    p.add_argument("name", help="benchmark name, e.g. restore")
    p.add_argument("rest", nargs="...", help="options passed to the benchmark")
    p.set_defaults(func=_run)
