"""Errors a user sees: one clear line, never a traceback.

Every layer raises `StudioError` (or a subclass) for a problem the user can act on; the
command line prints `str(error)` on stderr and exits non-zero, the window shows it once.
"""


class StudioError(Exception):
    """A problem the user can understand and act on; `str()` is one line."""


class AudioFileError(StudioError):
    """A file could not be read or written (corrupt, unsupported, unwritable, disk full)."""


class BadAudioError(StudioError):
    """Audio content is unusable as given (zero length, absurd rate or channel count)."""


class Cancelled(Exception):
    """Raised inside long work when the user cancelled it; never shown as an error."""


class TooShort(BadAudioError):
    """The input is shorter than the work needs (one analysis frame, a 400 ms block). Raised
    with what is needed, in seconds or in samples, by whatever finds out; the engine's runner
    turns it into one line naming the operation and the input's length ("Loudness needs at
    least 0.4 s of audio; the input is 10 ms"). Raise it only about the op's main input: a
    side input that is too short says so in its own words."""

    def __init__(self, seconds: float | None = None, frames: int | None = None):
        if (seconds is None) == (frames is None):
            raise ValueError("TooShort needs seconds or frames")
        self.seconds, self.frames = seconds, frames
        need = f"{seconds:g} s" if seconds is not None else f"{frames} samples"
        super().__init__(f"needs at least {need} of audio")

    def needed_seconds(self, sample_rate: int) -> float:
        return self.seconds if self.seconds is not None else self.frames / sample_rate
