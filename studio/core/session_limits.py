"""What a session file may claim, checked against what it holds before anything is allocated,
read or written.

A session is a manifest plus stored blocks, and silence costs nothing to store: a block of
zeros is named in the manifest, not stored. That is what makes long silence cheap, and it is
also what lets a 1 KB file claim 52 G frames (one zero block named 200 000 times). So:

- the manifest itself is at most MAX_MANIFEST_BYTES once inflated (studio.io.project);
- a pool block is 1..MAX_POOL_BLOCK frames; the distinct zero blocks add up to at most
  MAX_DISTINCT_ZERO samples (each one is allocated when loaded);
- the audio a session claims (frames x channels) is at most REUSE_FACTOR times what it stores
  plus UNBACKED_SAMPLES of silence: a loop pasted a thousand times still loads, a bomb does not;
- external blocks (autosave) are plain names inside a folder beside the session file, never a
  path: a manifest cannot make the app read a file outside its own folder.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from studio.errors import AudioFileError
from studio.io.formats import MAX_CHANNELS, MAX_SAMPLERATE

MAX_POOL_BLOCK = 1 << 22          # frames; the document's blocks are 1 << 18
MAX_DISTINCT_ZERO = 1 << 26       # samples of distinct zero blocks (256 MiB as float32)
REUSE_FACTOR = 1024               # times a stored sample may be referenced, on average
UNBACKED_SAMPLES = 1 << 30        # silence a session may claim without storing it
                                  # (about 3 h of mono at 48 kHz; 4 GiB as float32)
_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")


class SessionRefused(AudioFileError):
    """A session that claims more than it holds, or points outside its folder."""


def _int(value, what: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise SessionRefused(f"{what} is {value!r}, not an integer in {lo}..{hi}")
    return value


def plain_name(value, what: str) -> str:
    """A file or folder name with no path in it (no '/', '\\', '..', drive or absolute path)."""
    if not isinstance(value, str) or not _PLAIN_NAME.fullmatch(value) or ".." in value:
        raise SessionRefused(f"{what} {value!r} is not a plain name inside the session's folder")
    return value


def inside(folder: Path, name: str, what: str) -> Path:
    """`folder / name`, refused unless it resolves inside `folder` (a symlink out is refused)."""
    path = folder / plain_name(name, what)
    try:
        real, root = os.path.realpath(path), os.path.realpath(folder)
    except (OSError, ValueError) as e:
        raise SessionRefused(f"{what} {name!r} cannot be resolved ({e})") from None
    if os.path.commonpath([real, root]) != root:
        raise SessionRefused(f"{what} {name!r} leads outside the session's folder")
    return path


def check_audio_claims(audio: dict, stored_samples: int) -> None:
    """Refuse an `audio` manifest section that claims more than `stored_samples` (float32
    samples the container or block folder actually holds) can justify."""
    if not isinstance(audio, dict) or not isinstance(audio.get("pool"), dict):
        raise SessionRefused("the audio section is missing or not an object")
    _int(audio.get("sample_rate"), "the sample rate", 1, MAX_SAMPLERATE)
    channels = audio.get("channels")
    if not isinstance(channels, list) or not 1 <= len(channels) <= MAX_CHANNELS:
        raise SessionRefused(f"the session must have 1..{MAX_CHANNELS} channels")
    names = audio.get("channel_names")
    if not isinstance(names, list) or len(names) != len(channels):
        raise SessionRefused("channel names do not match the channels")
    pool = audio["pool"]
    lengths, zero = pool.get("lengths"), pool.get("zero")
    if not isinstance(lengths, list) or not isinstance(zero, list):
        raise SessionRefused("the block pool has no lengths or zero list")
    lengths = [_int(n, "a block length", 1, MAX_POOL_BLOCK) for n in lengths]
    zero_set = {_int(i, "a zero block index", 0, max(0, len(lengths) - 1)) for i in zero}
    distinct_zero = sum(lengths[i] for i in zero_set)
    if distinct_zero > MAX_DISTINCT_ZERO:
        raise SessionRefused(f"its silent blocks add up to {distinct_zero} samples "
                             f"(at most {MAX_DISTINCT_ZERO})")
    frames = _int(audio.get("frames"), "the frame count", 0, 1 << 48)
    claimed = 0
    for refs in channels:
        if not isinstance(refs, list):
            raise SessionRefused("a channel is not a list of blocks")
        total = sum(lengths[_int(i, "a block reference", 0, max(0, len(lengths) - 1))]
                    for i in refs)
        if total != frames:
            raise SessionRefused(f"a channel holds {total} frames, the manifest says {frames}")
        claimed += total
    allowed = REUSE_FACTOR * stored_samples + UNBACKED_SAMPLES
    if claimed > allowed:
        raise SessionRefused(f"it claims {claimed} samples of audio but stores only "
                             f"{stored_samples} (at most {allowed} can be justified)")
