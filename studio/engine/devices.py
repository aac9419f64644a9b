"""Where jobs run: CUDA when there is a usable GPU, then Apple's MPS, then the CPU. The user can
force one (`--device cuda`, a settings choice, or STUDIO_DEVICE); forcing one that is not there
is an error, not a silent fallback. `describe()` is the line the status bar shows.
"""
from __future__ import annotations

import os

import torch

from studio.errors import StudioError

CHOICES = ("auto", "cuda", "mps", "cpu")


def _cuda_ok() -> bool:
    try:
        return bool(torch.cuda.is_available()) and torch.cuda.device_count() > 0
    except Exception:  # noqa: BLE001 - a broken driver means "no CUDA", not a crash
        return False


def _mps_ok() -> bool:
    mps = getattr(torch.backends, "mps", None)
    try:
        return bool(mps is not None and mps.is_available())
    except Exception:  # noqa: BLE001
        return False


def available() -> list[str]:
    """Device kinds usable on this machine, best first."""
    out = []
    if _cuda_ok():
        out.append("cuda")
    if _mps_ok():
        out.append("mps")
    out.append("cpu")
    return out


def _requested(requested: str | None) -> str:
    req = (requested or os.environ.get("STUDIO_DEVICE") or "auto").strip().lower()
    kind = req.split(":", 1)[0]
    if kind not in CHOICES:
        raise StudioError(f"unknown device '{req}' (choose one of {', '.join(CHOICES)})")
    return req


def resolve(requested: str | None = "auto") -> torch.device:
    """The torch.device a job should use; `requested` is auto, cpu, cuda, cuda:N or mps."""
    req = _requested(requested)
    if req == "auto":
        best = available()[0]
        return torch.device("cuda:0" if best == "cuda" else best)
    kind = req.split(":", 1)[0]
    if kind not in available():
        raise StudioError(f"device '{req}' was requested but is not available here "
                          f"(available: {', '.join(available())})")
    if kind == "cuda":
        dev = torch.device(req if ":" in req else "cuda:0")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise StudioError(f"device '{req}' does not exist "
                              f"({torch.cuda.device_count()} CUDA device(s))")
        return dev
    return torch.device(kind)


def _name(dev: torch.device) -> str:
    if dev.type == "cuda":
        props = torch.cuda.get_device_properties(dev.index or 0)
        return f"CUDA {props.name} ({props.total_memory / 2**30:.0f} GiB)"
    if dev.type == "mps":
        return "Apple GPU (MPS)"
    return f"CPU ({torch.get_num_threads()} threads)"


def describe(requested: str | None = "auto") -> str:
    """Which device jobs will use and why, in one line (for the status bar and `studio ops`)."""
    try:
        dev = resolve(requested)
    except StudioError as e:
        return str(e)
    req = _requested(requested)
    if req != "auto":
        why = "chosen by the user"
    elif dev.type == "cuda":
        why = "automatic: first CUDA GPU"
    elif dev.type == "mps":
        why = "automatic: no CUDA GPU, Apple MPS available"
    else:
        why = "automatic: no CUDA or MPS GPU found"
    return f"{_name(dev)}, {why}"


def is_out_of_memory(exc: BaseException) -> bool:
    """True for a GPU (or CPU allocator) out-of-memory error the engine can retry smaller."""
    oom = getattr(torch.cuda, "OutOfMemoryError", None)
    if oom is not None and isinstance(exc, oom):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


def release_memory(dev: torch.device) -> None:
    """Give cached GPU blocks back after an out-of-memory error, before retrying."""
    if dev.type == "cuda" and _cuda_ok():
        torch.cuda.empty_cache()
    elif dev.type == "mps" and _mps_ok():
        torch.mps.empty_cache()
