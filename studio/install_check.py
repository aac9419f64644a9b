"""Checks that torch and torchaudio are the pinned releases and load together.

torchaudio's compiled extension is built against one torch release; a torchaudio built for
another torch imports, then fails when its library loads ("undefined symbol ..."). `make` runs
this after installing (`python -m studio.install_check`) so that such a drift stops the install
with one line naming both versions, instead of failing later in every command and test.
"""
from __future__ import annotations

import sys
import tomllib
from importlib import metadata
from pathlib import Path

PINNED = ("torch", "torchaudio")  # must move in lockstep, so pinned exactly in pyproject.toml


def pinned_versions(pyproject: Path | None = None) -> dict[str, str]:
    """The exact versions pyproject.toml pins for torch and torchaudio ({} when absent)."""
    path = pyproject or Path(__file__).resolve().parent.parent / "pyproject.toml"
    if not path.is_file():  # an installed wheel or a bundle carries no pyproject
        return {}
    deps = tomllib.loads(path.read_text())["project"]["dependencies"]
    out = {}
    for dep in deps:
        name, sep, version = dep.partition("==")
        if sep and name.strip() in PINNED:
            out[name.strip()] = version.split(";")[0].strip()
    return out


def installed_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in PINNED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def load_extension() -> None:
    """Import both and run a function that goes through torchaudio's compiled library.

    `import torchaudio` alone can succeed where the library does not load: lfilter's CPU
    kernel is an operator that libtorchaudio registers with torch."""
    import torch
    import torchaudio
    import torchaudio.functional as F
    from torchaudio import _extension  # noqa: F401 - loads libtorchaudio with its symbols
    x = torch.zeros(1, 8)
    F.lfilter(x, torch.tensor([1.0, 0.0]), torch.tensor([1.0, 0.0]))
    del torchaudio


def problems() -> list[str]:
    """One line per problem: a version that differs from its pin, or a library that fails."""
    pins, have = pinned_versions(), installed_versions()
    found = []
    for name in PINNED:
        if have[name] is None:
            found.append(f"{name} is not installed (pinned {pins.get(name, '?')})")
        elif name in pins and have[name] != pins[name]:
            found.append(f"{name} {have[name]} is installed, but pyproject.toml pins "
                         f"{pins[name]}")
    if any(v is None for v in have.values()):
        return found
    try:
        load_extension()
    except Exception as e:  # noqa: BLE001 - any load failure is the message we give
        # torch wraps the loader's reason ("undefined symbol: ...") as the cause
        reasons = [str(x).strip().splitlines()[0] for x in (e, e.__cause__)
                   if x is not None and str(x).strip()]
        first = ": ".join(reasons) or type(e).__name__
        found.append(f"torchaudio {have['torchaudio']} does not load with torch "
                     f"{have['torch']}: {first}")
    return found


def main() -> int:
    found = problems()
    if found:
        print("studio: " + "; ".join(found) + " (reinstall from requirements.lock: "
              "rm -rf .venv && make test)", file=sys.stderr)
        return 1
    have = installed_versions()
    print(f"torch {have['torch']} and torchaudio {have['torchaudio']} load together")
    return 0


if __name__ == "__main__":
    sys.exit(main())
