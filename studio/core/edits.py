"""Edits: pure functions AudioState -> AudioState (commands.py wraps each in an undoable command).

Every edit works on Sequences, so it copies only the blocks it touches: cutting an hour of
audio shares every block but the few at the cut. Each takes the Selection it acts on (frames
[start, end) and `channels`, None = all). Edits that change the length (cut, delete, paste,
trim, insert silence, a replace of a different length) must apply to every channel: on a
subset they raise one StudioError, since channels of a document always have equal lengths.
"""
from __future__ import annotations

import numpy as np

from studio.core.clip import Clip
from studio.core.document import AudioState, check_rate
from studio.core.loudness import LoudnessMeter
from studio.core.resample import ratio, resample_sequence
from studio.core.selection import Selection
from studio.core.sequence import Sequence, SequenceBuilder
from studio.core.shapes import db_to_gain, fade_in_gain, fade_times
from studio.errors import StudioError


# ----- helpers
def _span(state: AudioState, sel: Selection) -> tuple[int, int, tuple[int, ...]]:
    sel = sel.clamp(state.n_frames, state.n_channels)
    chans = sel.channel_list(state.n_channels)
    if not chans:
        raise StudioError("No channel is selected")
    return sel.start, sel.end, chans


def _need_all_channels(state: AudioState, chans, what: str) -> None:
    if len(chans) != state.n_channels:
        raise StudioError(f"{what} changes the length, so it must apply to every channel")


def _apply(state: AudioState, chans, fn) -> AudioState:
    """A state whose channels in `chans` are fn(seq, index); the others are shared as they are."""
    seqs = list(state.channels)
    for c in chans:
        seqs[c] = fn(seqs[c], c)
    if all(new is old for new, old in zip(seqs, state.channels)):
        return state  # nothing changed: the command is a no-op, not an undo step
    lengths = {len(s) for s in seqs}
    if len(lengths) != 1:
        raise StudioError("This edit changes the length, so it must apply to every channel")
    return state.with_channels(seqs)


# ----- clipboard and length-changing edits
def copy(state: AudioState, sel: Selection) -> Clip:
    a, b, chans = _span(state, sel)
    return Clip(tuple(state.channels[c].slice(a, b) for c in chans), state.sample_rate)


def cut(state: AudioState, sel: Selection) -> tuple[AudioState, Clip]:
    clip = copy(state, sel)
    return delete(state, sel), clip


def delete(state: AudioState, sel: Selection) -> AudioState:
    a, b, chans = _span(state, sel)
    if a == b:
        return state
    _need_all_channels(state, chans, "Deleting")
    return _apply(state, chans, lambda s, c: s.delete(a, b))


def trim(state: AudioState, sel: Selection) -> AudioState:
    """Keep only the selected range."""
    a, b, chans = _span(state, sel)
    _need_all_channels(state, chans, "Trimming")
    return _apply(state, chans, lambda s, c: s.slice(a, b))


def insert_silence(state: AudioState, at: int, frames: int) -> AudioState:
    at, frames = int(at), int(frames)
    if not 0 <= at <= state.n_frames or frames < 0:
        raise StudioError(f"Cannot insert {frames} frames of silence at {at}")
    gap = Sequence.silence(frames)
    return _apply(state, range(state.n_channels), lambda s, c: s.insert(at, gap))


def paste(state: AudioState, sel: Selection, clip: Clip) -> AudioState:
    """Insert `clip` at sel.start, replacing [start, end) when the selection is a range. A mono
    clip goes to every selected channel; a clip at another rate is resampled first."""
    a, b, chans = _span(state, sel)
    seqs = clip.audio
    if clip.sample_rate != state.sample_rate:
        up, down = ratio(clip.sample_rate, state.sample_rate)
        seqs = tuple(resample_sequence(s, up, down) for s in seqs)
    if len(seqs) == 1 and len(chans) > 1:
        seqs = seqs * len(chans)
    if len(seqs) != len(chans):
        raise StudioError(f"Cannot paste {len(seqs)} channels into {len(chans)} selected channels")
    new = dict(zip(chans, seqs))
    if len(seqs[0]) != b - a:
        _need_all_channels(state, chans, "Pasting")
    return _apply(state, chans, lambda s, c: s.replace(a, b, new[c]))


def replace_range(state: AudioState, a: int, b: int, audio, channels=None) -> AudioState:
    """Frames [a, b) of `channels` (default all) replaced by audio (C, N); N may differ from
    b - a when every channel is replaced. This is how processing results are applied."""
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim == 1:
        audio = audio[None, :]
    chans = tuple(range(state.n_channels)) if channels is None else tuple(int(c) for c in channels)
    if audio.ndim != 2 or audio.shape[0] != len(chans):
        raise StudioError(f"Result has {audio.shape[0]} channels for {len(chans)} target channels")
    if not 0 <= a <= b <= state.n_frames:
        raise StudioError(f"Range [{a}, {b}) is outside the document")
    if audio.shape[1] != b - a:
        _need_all_channels(state, chans, "A result of another length")
    new = {c: Sequence.from_array(row) for c, row in zip(chans, audio)}
    return _apply(state, chans, lambda s, c: s.replace(a, b, new[c]))


# ----- in-place (length-keeping) edits
def silence(state: AudioState, sel: Selection) -> AudioState:
    a, b, chans = _span(state, sel)
    gap = Sequence.silence(b - a)
    return _apply(state, chans, lambda s, c: s.replace(a, b, gap))


def gain(state: AudioState, sel: Selection, db: float) -> AudioState:
    a, b, chans = _span(state, sel)
    g = np.float32(db_to_gain(db))
    return _apply(state, chans, lambda s, c: s.transform(a, b, lambda x, off: x * g))


def peak(state: AudioState, sel: Selection) -> float:
    a, b, chans = _span(state, sel)
    return max((state.channels[c].peak(a, b) for c in chans), default=0.0)


def normalize_peak(state: AudioState, sel: Selection, target_dbfs: float = -1.0) -> AudioState:
    """Scale the selected channels together so the highest peak reaches target_dbfs."""
    p = peak(state, sel)
    if p <= 0.0:
        raise StudioError("Cannot normalize silence")
    return gain(state, sel, float(target_dbfs) - 20.0 * np.log10(p))


def loudness(state: AudioState, sel: Selection) -> float:
    """BS.1770-4 integrated loudness (LUFS) of the selected range and channels."""
    a, b, chans = _span(state, sel)
    meter = LoudnessMeter(state.sample_rate, len(chans))
    step = 1 << 18
    for s in range(a, b, step):
        meter.feed(state.read(s, min(b, s + step), chans))
    return meter.integrated()


def normalize_loudness(state: AudioState, sel: Selection, target_lufs: float = -23.0) -> AudioState:
    level = loudness(state, sel)
    if not np.isfinite(level):
        raise StudioError("The selection is too short or too quiet to measure its loudness")
    return gain(state, sel, float(target_lufs) - level)


def _fade(state: AudioState, sel: Selection, shape: str, out: bool) -> AudioState:
    a, b, chans = _span(state, sel)
    n = b - a
    fade_in_gain(shape, np.zeros(1))  # unknown shapes fail before any work

    def scale(x, off):
        t = fade_times(off, len(x), n)
        g = fade_in_gain(shape, 1.0 - t if out else t)
        return (x * g).astype(np.float32)
    return _apply(state, chans, lambda s, c: s.transform(a, b, scale))


def fade_in(state: AudioState, sel: Selection, shape: str = "linear") -> AudioState:
    return _fade(state, sel, shape, out=False)


def fade_out(state: AudioState, sel: Selection, shape: str = "linear") -> AudioState:
    return _fade(state, sel, shape, out=True)


def reverse(state: AudioState, sel: Selection) -> AudioState:
    a, b, chans = _span(state, sel)
    return _apply(state, chans, lambda s, c: s.replace(a, b, s.slice(a, b).reversed()))


# ----- whole-document conversions
def change_rate(state: AudioState, new_rate: int) -> AudioState:
    """Resample every channel to new_rate (polyphase, scipy.signal.resample_poly)."""
    new_rate = check_rate(new_rate)
    if new_rate == state.sample_rate:
        return state
    up, down = ratio(state.sample_rate, new_rate)
    seqs = tuple(resample_sequence(s, up, down) for s in state.channels)
    return AudioState(new_rate, seqs, state.channel_names)


def mix_down(state: AudioState, sel: Selection | None = None) -> AudioState:
    """One mono channel, the mean of the selected channels (all by default) over the whole
    length (the mean, not the sum, so a full-scale stereo mix cannot clip)."""
    chans = (sel or Selection()).channel_list(state.n_channels)
    if not chans:
        raise StudioError("No channel is selected")
    if len(chans) == 1:
        return AudioState(state.sample_rate, (state.channels[chans[0]],), ("Mono",))
    builder = SequenceBuilder()
    step = 1 << 18
    for s in range(0, state.n_frames, step):
        builder.append(state.read(s, min(state.n_frames, s + step), chans).mean(axis=0, dtype=np.float32))
    return AudioState(state.sample_rate, (builder.finish(),), ("Mono",))


def split_channels(state: AudioState) -> list[AudioState]:
    """One mono state per channel, sharing the blocks ("Split to new documents")."""
    return [AudioState(state.sample_rate, (s,), (name,))
            for s, name in zip(state.channels, state.channel_names)]
