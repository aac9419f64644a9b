"""The window's handle on the open document: adapts core's plain callbacks to Qt signals and
holds the view state every widget shares (channel enable/solo, playhead, cursor).

Core never imports Qt; this is the one place its `Document.subscribe` callbacks become signals.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class DocumentModel(QObject):
    document_replaced = Signal()          # a new document (or None) is open
    state_changed = Signal()              # audio changed (edit, undo, redo)
    selection_changed = Signal()
    takes_changed = Signal()
    history_changed = Signal()
    channels_changed = Signal()           # enable / solo
    playhead_changed = Signal(int)        # frames

    def __init__(self, parent=None):
        super().__init__(parent)
        self.document = None
        self._unsubscribe = None
        self.enabled: list[bool] = []
        self.solo: int | None = None
        self.playhead = 0

    # -- the document --------------------------------------------------------------------
    def set_document(self, document) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.document = document
        self.enabled = [True] * (document.state.n_channels if document else 0)
        self.solo = None
        self.playhead = 0
        if document is not None:
            self._unsubscribe = document.subscribe(self._on_document_changed)
        self.document_replaced.emit()
        # the selection, takes and playhead were replaced with the document's: a view that
        # draws them listens to these signals only, and would keep the old ones on screen
        self.selection_changed.emit()
        self.takes_changed.emit()
        self.playhead_changed.emit(self.playhead)

    def _on_document_changed(self, kind: str, detail=None) -> None:
        if kind == "state":
            n = self.state.n_channels if self.state else 0
            if n != len(self.enabled):
                self.enabled = [True] * n
                self.solo = None
            self.playhead = min(self.playhead, self.n_frames)
            self.state_changed.emit()
        elif kind == "selection":
            self.selection_changed.emit()
        elif kind == "takes":
            self.takes_changed.emit()
        elif kind == "history":
            self.history_changed.emit()

    @property
    def state(self):
        return None if self.document is None else self.document.state

    @property
    def rate(self) -> int:
        return self.state.sample_rate if self.state is not None else 48000

    @property
    def n_frames(self) -> int:
        return self.state.n_frames if self.state is not None else 0

    @property
    def n_channels(self) -> int:
        return self.state.n_channels if self.state is not None else 0

    @property
    def selection(self):
        return None if self.document is None else self.document.selection

    def set_selection(self, selection) -> None:
        if self.document is not None:
            self.document.set_selection(selection.clamp(self.n_frames, self.n_channels))

    # -- channels ------------------------------------------------------------------------
    def audible_channels(self) -> list[int]:
        """Channels that play and that operations act on: the soloed one, else the enabled."""
        if self.solo is not None:
            return [self.solo]
        return [i for i, on in enumerate(self.enabled) if on]

    def set_channel_enabled(self, channel: int, on: bool) -> None:
        if 0 <= channel < len(self.enabled) and self.enabled[channel] != on:
            self.enabled[channel] = on
            self.channels_changed.emit()

    def set_solo(self, channel: int | None) -> None:
        if channel != self.solo:
            self.solo = channel
            self.channels_changed.emit()

    # -- transport -----------------------------------------------------------------------
    def set_playhead(self, frame: int) -> None:
        frame = max(0, min(int(frame), self.n_frames))
        if frame != self.playhead:
            self.playhead = frame
            self.playhead_changed.emit(frame)
