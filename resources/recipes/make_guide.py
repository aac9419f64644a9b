"""Write the user guide (resources/guide/guide.md) with a screenshot of every step, taken from
the real window as it walks its journeys: repairing the demo, generating clips, placing
microphones, redrawing what is missing with the diffusion restorer. The guide is made, never drawn by hand, so that it stays true as the window
changes: re-run it after a change to the UI and look at the pictures.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python resources/recipes/make_guide.py
    (or `make guide`; with QT_QPA_PLATFORM=offscreen it runs without an X server)

Each step drives the window the way a user does (menus, the Operations dock's buttons, the
selection), waits until the engine has answered and the views have painted, then saves a PNG.
A step whose result does not appear stops the script with the step's name: a guide must not
show a picture of something that did not happen.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # guide_journeys beside this file

OUT = ROOT / "resources" / "guide"
SIZE = (1500, 900)
STEP_TIMEOUT_S = 180.0


@dataclass
class Journey:
    number: int  # its place in guide_journeys.JOURNEYS, from 1: its pictures' prefix
    title: str
    intro: str
    steps: list[tuple[str, str]] = field(default_factory=list)  # (png name, caption)

    def markdown(self) -> str:
        lines = [f"## {self.title}", "", self.intro, ""]
        for k, (png, caption) in enumerate(self.steps, 1):
            lines += [f"{k}. {caption}", "", f"   ![{self.title}, step {k}]({png})", ""]
        return "\n".join(lines)


HEADER = ("# User guide\n\nMade by `resources/recipes/make_guide.py` from the real window; every "
          "picture is the window as the step left it.\n")


def _sections(text: str) -> dict[int, str]:
    """The journeys of a written guide by number (read from their first picture's name)."""
    out = {}
    for block in text.split("\n## ")[1:]:
        m = re.search(r"\]\((\d+)-\d\d-", block)
        if m:
            out[int(m.group(1))] = "## " + block.rstrip("\n") + "\n"
    return out


class Guide:
    """The window, and helpers that wait for it the way a user waits for the screen."""

    def __init__(self, out: Path):
        from PySide6.QtCore import QSettings

        from studio.app import make_app
        from studio.ui import theme
        from studio.ui.main_window import MainWindow
        from studio.ui.settings import Settings
        self.app = make_app()
        tmp = tempfile.mkdtemp(prefix="studio-guide-")
        os.environ.setdefault("STUDIO_RECOVERY_DIR", os.path.join(tmp, "recovery"))
        theme.apply("dark")
        self.w = MainWindow(Settings(QSettings(os.path.join(tmp, "s.ini"), QSettings.IniFormat)))
        self.w.quiet = True  # message boxes open non-modally; nothing waits for a click
        self.w.resize(*SIZE)
        self.w.show()
        self.out = out
        self.journeys: list[Journey] = []
        self.number = 0  # the journey being walked (main sets it)
        self.tmp = Path(tmp)

    def pump(self, seconds: float = 0.2) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.app.processEvents()
            time.sleep(0.01)

    def wait(self, what: str, done, timeout: float = STEP_TIMEOUT_S) -> None:
        end = time.monotonic() + timeout
        while not done():
            if time.monotonic() > end:
                raise SystemExit(f"make_guide: gave up waiting for: {what}")
            self.app.processEvents()
            time.sleep(0.02)
        self.pump(0.3)

    def idle(self) -> None:
        """Every job and file task ended, and the views painted."""
        self.wait("the engine to finish", lambda: not self.w.jobs.jobs and
                  not self.w.files.busy() and self.w.is_rendered())

    def journey(self, title: str, intro: str) -> None:
        self.journeys.append(Journey(self.number or len(self.journeys) + 1, title, intro))

    def shot(self, name: str, caption: str, widget=None) -> None:
        self.idle()
        if (self.w.width(), self.w.height()) != SIZE:
            self.w.resize(*SIZE)
            self.pump(0.3)
        j = self.journeys[-1]
        png = f"{j.number}-{len(j.steps) + 1:02d}-{name}.png"
        if not (widget or self.w).grab().save(str(self.out / png), "PNG"):
            raise SystemExit(f"make_guide: cannot write {png}")
        j.steps.append((png, caption))
        print(f"{png}: {caption}")

    def write(self, keep_others: bool = False) -> Path:
        """guide.md with the journeys walked; with `keep_others`, the other journeys' sections
        of the guide already written stay (a run of some journeys only)."""
        path = self.out / "guide.md"
        sections = _sections(path.read_text()) if keep_others and path.exists() else {}
        sections.update({j.number: j.markdown() for j in self.journeys})
        path.write_text(HEADER + "\n" + "\n".join(sections[k] for k in sorted(sections)))
        return path

    def close(self) -> None:
        from studio.app import close_window
        close_window(self.w)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--only", default="", help="comma-separated journeys: repair, generate, "
                    "arrays, redraw (the guide keeps the others' sections)")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from guide_journeys import JOURNEYS
    only = [s for s in args.only.split(",") if s]
    names = list(JOURNEYS)
    for number, name in enumerate(names, 1):
        if not only or name in only:  # no picture of a step that is gone stays behind
            for old in args.out.glob(f"{number}-[0-9][0-9]-*.png"):
                old.unlink()
    g = Guide(args.out)
    try:
        for number, name in enumerate(names, 1):
            if not only or name in only:
                g.number = number
                JOURNEYS[name](g)
        print(g.write(keep_others=bool(only)))
    finally:
        g.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
