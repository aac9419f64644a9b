"""Open an audio file as an AudioState, streaming: frames come from io.audiofile.iter_frames
one block-sized chunk at a time, are de-interleaved per channel into Blocks, and the chunk is
dropped; the file is never held twice. Summaries are computed while the next chunk decodes.
"""
from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable

import numpy as np

from studio.core import blocks as _blocks
from studio.core.blocks import Block
from studio.core.document import AudioState, Document
from studio.core.sequence import Sequence
from studio.io import audiofile

Progress = Callable[[float, str], None]


def _blocks_of(frames: np.ndarray, size: int) -> list[list[Block]]:
    """(frames, channels) -> per channel, Blocks of at most `size` (the column copy is the
    de-interleave; numpy's reductions in Block.from_array release the GIL)."""
    out = []
    for c in range(frames.shape[1]):
        col = frames[:, c]
        out.append([Block.from_array(col[s:s + size]).ensure_summaries()
                    for s in range(0, len(col), size)])
    return out


def load_state(path: os.PathLike | str, progress: Progress | None = None, cancelled=None,
               *, on_warning: Callable[[str], None] | None = None,
               nonfinite: str = "zero") -> tuple[AudioState, audiofile.AudioInfo]:
    """Read `path` into an AudioState; returns it with the file's AudioInfo. Errors are io's
    (AudioFileError, BadAudioError); `cancelled` (callable or Event) raises Cancelled."""
    info = audiofile.probe(path)
    size = _blocks.BLOCK_SAMPLES
    futures: list[Future] = []
    # The only threads core ever starts: a short-lived pool that computes block summaries
    # while the main thread decodes (numpy and libsndfile release the GIL, so both cores
    # work). It is joined before this function returns, even when reading fails or is
    # cancelled; the engine still owns every long-lived thread.
    with ThreadPoolExecutor(max_workers=max(1, min(2, (os.cpu_count() or 1))),
                            thread_name_prefix="load-summaries") as pool:
        pending: list[np.ndarray] = []
        count = 0
        try:
            for chunk in audiofile.iter_frames(path, size, progress, cancelled, info=info,
                                               nonfinite=nonfinite, on_warning=on_warning):
                pending.append(chunk)
                count += len(chunk)
                if count < size:
                    continue  # short chunks (read carefully after damage): gather a block
                joined = pending[0] if len(pending) == 1 else np.concatenate(pending)
                whole = (count // size) * size
                futures.append(pool.submit(_blocks_of, joined[:whole], size))
                pending = [joined[whole:]] if count > whole else []
                count -= whole
            if count:
                joined = pending[0] if len(pending) == 1 else np.concatenate(pending)
                futures.append(pool.submit(_blocks_of, joined, size))
        except BaseException:
            for f in futures:
                f.cancel()
            raise
        per_channel: list[list[Block]] = [[] for _ in range(info.channels)]
        for f in futures:
            for c, blks in enumerate(f.result()):
                per_channel[c].extend(blks)
    state = AudioState(info.samplerate, tuple(Sequence(b) for b in per_channel))
    return state, info


def load_document(path: os.PathLike | str, progress: Progress | None = None, cancelled=None,
                  **kw) -> Document:
    """A Document for `path` (path and source_info set, unmodified)."""
    state, info = load_state(path, progress, cancelled, **kw)
    return Document(state, path=os.fspath(path), source_info=info.as_dict())
