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
