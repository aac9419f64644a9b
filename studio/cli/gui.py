"""`studio gui [FILE] [--screenshot PATH] [--view waveform|spectrogram|array] [--size WxH]`."""
from __future__ import annotations

from studio.errors import StudioError


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise StudioError(f"--size expects WIDTHxHEIGHT, got '{text}'") from None
    if not (200 <= w <= 8000 and 200 <= h <= 8000):
        raise StudioError(f"--size {text} is outside 200x200 .. 8000x8000")
    return w, h


def register(subparsers) -> None:
    p = subparsers.add_parser("gui", help="open the editor window (the demo session by default)")
    p.add_argument("file", nargs="?", help="an audio file or a session (.adsession)")
    p.add_argument("--screenshot", metavar="PATH",
                   help="render the window, save it as a PNG and exit")
    p.add_argument("--view", choices=("waveform", "spectrogram", "array"), default="waveform")
    p.add_argument("--size", metavar="WxH", default=None, help="window size, e.g. 1600x900")
    p.add_argument("--theme", choices=("dark", "light"), default=None)
    p.set_defaults(func=_run)


def _run(args) -> int:
    import os
    import sys
    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if headless and "QT_QPA_PLATFORM" not in os.environ:
        if not args.screenshot:
            raise StudioError("no display: set DISPLAY (or run under xvfb-run), or use "
                              "--screenshot PATH to render without one")
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # a screenshot needs no screen
    from studio.app import run_gui
    size = _size(args.size) if args.size else ((1600, 900) if args.screenshot else None)
    return run_gui(args.file, screenshot=args.screenshot, view=args.view, size=size,
                   theme_name=args.theme)
