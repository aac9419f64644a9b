"""One file of `studio batch`: read it, run the chain, write the audio and/or the report.

The same object runs in the local thread pool (`--jobs`) and on a cluster's workers
(`--cluster`): its fields are plain data, so it pickles, and the model cache is handed in by
whoever runs it (one per batch locally, one per worker process on a cluster).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

from studio.cli import _common as c
from studio.engine import chain as chains
from studio.errors import StudioError


@dataclass(frozen=True)
class FileJob:
    steps: tuple[chains.ChainStep, ...]
    root: str           # inputs keep their layout relative to this folder ...
    outdir: str         # ... under this one
    makes_audio: bool   # some step returns audio: write it; else only the <name>.json report
    device: str | None
    seed: int | None
    subtype: str | None

    def __call__(self, path: str, cache: dict,
                 on_warning: Callable[[str], None] = c.warn) -> str:
        """Process one file; returns where its output (or report) went. The reader's warnings
        (damage bridged, NaN replaced) go to `on_warning`: stderr here, the client's from a
        cluster worker."""
        rel = os.path.relpath(path, self.root)
        audio, rate, info = c.read_audio(path, on_warning)
        result = chains.run_chain(list(self.steps), audio, rate, device=self.device,
                                  seed=self.seed, cache=cache)
        dest = os.path.join(self.outdir, rel)
        if self.makes_audio:
            if os.path.abspath(dest) == path:
                raise StudioError("the output would overwrite the input (choose another -o)")
            c.write_audio(dest, result.audio, result.sample_rate,
                          c.output_subtype(self.subtype, dest, path, info))
        if not self.makes_audio or not result.report.is_empty():
            c.write_report(os.path.splitext(dest)[0] + ".json", result, path)
        return dest
