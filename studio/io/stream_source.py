"""A file read as a lazy source of [a, b) frame ranges, through the same reader as every other
command (`audiofile.iter_frames`): damaged FLAC/MP3 stretches are bridged with silence,
NaN/Inf become silence, and every warning reaches `on_warning` once, as `studio convert`
says it. Chunked operations read ranges that move forward with a small overlap back; the
source keeps only the frames from the lowest start it may still be asked for, so a long
recording is never held whole.

Reads past where decoding ended (a truncated file whose header announced more) are silence,
and the reader's warning says where the audio stopped."""
from __future__ import annotations

from typing import Callable

import numpy as np

from studio.io.audiofile import CHUNK_FRAMES, AudioInfo, ReadStats, iter_frames


class StreamSource:
    def __init__(self, info: AudioInfo, on_warning: Callable[[str], None] | None = None):
        self.info = info
        self.n_channels, self.n_frames = info.channels, info.frames
        self._said: set[str] = set()
        self._on_warning = on_warning
        self._restart()

    def _warn(self, message: str) -> None:
        if message not in self._said:  # a re-read (retry after out-of-memory) warns once
            self._said.add(message)
            if self._on_warning is not None:
                self._on_warning(message)

    def _restart(self) -> None:
        self.stats = ReadStats()
        self._it = iter_frames(self.info.path, CHUNK_FRAMES, stats=self.stats,
                               on_warning=self._warn, info=self.info)
        self._buf = np.zeros((0, self.n_channels), np.float32)
        self._start = 0          # frame of self._buf[0]
        self._ended = False

    def _fill(self, b: int) -> None:
        parts = [self._buf]
        end = self._start + len(self._buf)
        while end < b and not self._ended:
            try:
                chunk = next(self._it)
            except StopIteration:
                self._ended = True
                break
            parts.append(chunk)
            end += len(chunk)
        if len(parts) > 1:
            self._buf = np.concatenate(parts, axis=0)

    def read(self, a: int, b: int) -> np.ndarray:
        """(channels, b - a) float32; `a` must not go back before an earlier read's start
        (it may: the source then reads the file again from the top)."""
        a, b = max(0, int(a)), min(int(b), self.n_frames)
        if a < self._start:
            self._restart()
        self._fill(b)
        lo, hi = a - self._start, b - self._start
        out = np.zeros((self.n_channels, max(0, b - a)), np.float32)
        have = self._buf[lo:hi]
        out[:, :len(have)] = have.T
        # keep from `a` on: the next read starts at or after this one's start
        self._buf, self._start = self._buf[lo:].copy() if lo else self._buf, max(self._start, a)
        return out

    def finish(self) -> None:
        """Drain the reader so its end-of-file warnings (truncation, NaN counts) are said
        even when the last read stopped short of the file's end."""
        if self._ended:
            return
        for _ in self._it:
            pass
        self._ended = True

    def close(self) -> None:
        self._it.close()
