"""What the user has selected: a time range, optionally a frequency band, and a channel set."""
from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Selection:
    """Frames [start, end) (start == end is a cursor, not a range); `f_lo`/`f_hi` in Hz for a
    spectral selection; `channels` None means every channel."""
    start: int = 0
    end: int = 0
    f_lo: float | None = None
    f_hi: float | None = None
    channels: frozenset[int] | None = None

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError(f"selection end {self.end} before start {self.start}")
        if self.channels is not None and not isinstance(self.channels, frozenset):
            object.__setattr__(self, "channels", frozenset(int(c) for c in self.channels))

    @classmethod
    def all(cls, n_frames: int) -> "Selection":
        return cls(0, int(n_frames))

    @classmethod
    def cursor(cls, pos: int) -> "Selection":
        return cls(int(pos), int(pos))

    @property
    def is_empty(self) -> bool:
        return self.start == self.end

    @property
    def length(self) -> int:
        return self.end - self.start

    @property
    def has_freq_range(self) -> bool:
        return self.f_lo is not None or self.f_hi is not None

    def channel_list(self, n_channels: int) -> tuple[int, ...]:
        """The selected channel indices, sorted (all of them when `channels` is None)."""
        if self.channels is None:
            return tuple(range(n_channels))
        return tuple(sorted(c for c in self.channels if 0 <= c < n_channels))

    def covers_all_channels(self, n_channels: int) -> bool:
        return len(self.channel_list(n_channels)) == n_channels

    def clamp(self, n_frames: int, n_channels: int | None = None) -> "Selection":
        """The same selection limited to a document of n_frames (and n_channels)."""
        start = min(max(self.start, 0), n_frames)
        end = min(max(self.end, start), n_frames)
        chans = self.channels
        if chans is not None and n_channels is not None:
            chans = frozenset(c for c in chans if 0 <= c < n_channels)
        return replace(self, start=start, end=end, channels=chans)

    def moved(self, start: int, end: int) -> "Selection":
        """Same band and channels over another range."""
        return replace(self, start=int(start), end=int(end))
