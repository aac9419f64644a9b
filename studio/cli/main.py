"""The `studio` command. Each sub-command is a module in studio/cli/ that defines
`register(subparsers)` and sets `func` on its parser; they are discovered, not listed.

Every error a user can cause ends as one line on stderr and a non-zero exit: `StudioError`
carries that line; anything else is reported as an internal error with a hint to re-run
with STUDIO_DEBUG=1 for the traceback.
"""
from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

from studio import __version__
from studio.errors import Cancelled, StudioError

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_CANCELLED = 130


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not argparse's usage dump
        print(f"studio: {message} (see 'studio --help')", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="studio", description="Audio Diffusion Studio")
    parser.add_argument("--version", action="version", version=f"studio {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    import studio.cli as cli_pkg
    for info in sorted(pkgutil.iter_modules(cli_pkg.__path__), key=lambda i: i.name):
        if info.name in ("main",) or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"studio.cli.{info.name}")
        if hasattr(module, "register"):
            module.register(sub)
    return parser


EXIT_TERMINATED = 143


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that every `finally` and atomic write on the
    way out runs (a half-written temporary file is removed, the destination kept)."""


def _on_sigterm(signum, frame) -> None:
    raise Terminated()


def _catch_sigterm():
    """Install the SIGTERM handler; returns a callable that puts the previous one back (a
    test calling main() in-process keeps its own)."""
    import signal
    import threading
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    return lambda: signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv:
        argv = ["gui"]  # `studio` alone opens the window
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return EXIT_USAGE
    # the window closes itself on its own terms
    restore = _catch_sigterm() if args.command != "gui" else (lambda: None)
    try:
        return _dispatch(args)
    finally:
        restore()


def _dispatch(args) -> int:
    try:
        return int(args.func(args) or 0)
    except Terminated:
        print("studio: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except StudioError as e:
        print(f"studio: {' '.join(str(e).split())}", file=sys.stderr)  # one line, always
        return EXIT_ERROR
    except Cancelled:
        print("studio: cancelled", file=sys.stderr)
        return EXIT_CANCELLED
    except KeyboardInterrupt:
        print("studio: interrupted", file=sys.stderr)
        return EXIT_CANCELLED
    except MemoryError:
        print("studio: out of memory", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as e:  # noqa: BLE001 - the last line of defence: no traceback for users
        if os.environ.get("STUDIO_DEBUG"):
            raise
        from studio.io.failures import one_line
        print(f"studio: internal error: {type(e).__name__}: {one_line(e)} "
              f"(set STUDIO_DEBUG=1 for details)", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    raise SystemExit(main())
