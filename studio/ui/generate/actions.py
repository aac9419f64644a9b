"""The window's side of the Clips bin (clip_bin.py explains the design): the dock, and what a
clip does to the window — land in the bin, go into the open document as one undo step, be
written as a file in the background, open as a document."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from studio.ui.generate.clip_bin import BinClip, ClipBin, clips_of
from studio.ui.generate.other_clip import OtherClip, OtherClipPanel, takes_clip

# the Generate menu: what makes new clips from nothing first, then what works from a clip
MENU_ORDER = ("generate.sample", "generate.variation", "generate.interpolate")
SHORTCUTS = {"generate.sample": "Ctrl+G"}  # opens Generate clip; Enter then generates


def makes_new_clips(op) -> bool:
    """A generator, or a generate op whose result is not as long as its selection
    (Interpolate: N clips end to end): its results are new clips for the Clips bin, never
    a replacement of the selection (Apply would change the document's length)."""
    from studio.engine.operation import InputKind
    return op.category == "generate" and (op.inputs == InputKind.NONE or op.changes_length)


def to_clip_bin(op) -> bool:
    """Whether the operations dock offers Generate (results to the Clips bin) for `op`: every
    generate op; Variation also keeps Preview/Apply, its takes A/B against the selection."""
    return op.category == "generate"


def menu_order(ops) -> list:
    gen = [op for op in ops if op.category == "generate"]
    rank = {op_id: k for k, op_id in enumerate(MENU_ORDER)}
    return sorted(gen, key=lambda op: rank.get(op.id, len(rank)))


def menu_tip(op) -> str:
    return ("New clips into the Clips bin" if makes_new_clips(op) else
            "Clips like the selection into the Clips bin, or takes to A/B against it")


def open_in_dock(w, op_id: str) -> None:
    """A Generate menu entry: the op's form in the operations dock, its Generate button
    focused (Enter runs it)."""
    w.operations.select(op_id)
    w.ops_dock.show()
    w.ops_dock.raise_()
    w.operations.generate_btn.setFocus()


def install(w) -> QDockWidget:
    """Build the bin and its dock ("Clips", tabbed with Takes) on window `w`."""
    panel = ClipBin(output_device=lambda: w.player.device_id)
    dock = QDockWidget("Clips", w)
    dock.setObjectName("clipsDock")
    dock.setWidget(panel)
    dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable |
                     QDockWidget.DockWidgetClosable)
    w.addDockWidget(Qt.RightDockWidgetArea, dock)
    w.tabifyDockWidget(w.takes_dock, dock)
    w.takes_dock.raise_()
    w.clip_bin, w.clips_dock = panel, dock
    panel.notice.connect(w.notify)
    panel.insert_requested.connect(lambda clip: insert_clip(w, clip))
    panel.export_requested.connect(lambda clip, path: export_clip(w, clip, path))
    panel.open_requested.connect(lambda clip: open_clip(w, clip))
    # Interpolate's clip B: chosen in the bin ("Use as B"), shown above its form
    w.other_clip = OtherClip(w)
    other_panel = OtherClipPanel(w.other_clip)
    w.operations.add_side_panel(other_panel)
    w.other_clip_panel = other_panel
    panel.use_as_b_requested.connect(w.other_clip.choose_bin_clip)

    def _on_operation_changed(*_):
        op = w.operations.operation
        other_panel.setVisible(op is not None and takes_clip(op))
    w.operations.combo.currentIndexChanged.connect(_on_operation_changed)
    _on_operation_changed()
    return dock


def add_generated(w, gen) -> list[BinClip]:
    """A generator's result (jobs.Generated) into the bin, which comes to the front."""
    clips = clips_of(gen)
    w.clip_bin.add(clips)
    w.clips_dock.show()
    w.clips_dock.raise_()
    what = clips[0].name if len(clips) == 1 else f"{len(clips)} clips ({gen.stem or gen.name})"
    w.notify(f"Generated {what}: in the Clips bin to play, compare, insert or export")
    return clips


def insert_clip(w, clip: BinClip, at: int | None = None) -> bool:
    """Insert `clip` at the cursor (or `at`) on every channel, resampled to the document's
    rate, as one undoable step; the inserted audio is selected after."""
    from studio.core import edits
    from studio.core.clip import Clip
    from studio.core.commands import StateCommand
    from studio.core.selection import Selection
    from studio.errors import StudioError
    doc = w.model.document
    if doc is None:
        w.notify("Open a document to insert the clip into (or use Open)")
        return False
    before = doc.state
    at = min(doc.selection.start if at is None else int(at), before.n_frames)
    try:
        after = edits.paste(before, Selection.cursor(at), Clip.from_array(clip.audio, clip.rate))
    except StudioError as e:
        w.notify(str(e))
        return False
    n = after.n_frames - before.n_frames
    doc.execute(StateCommand(f"Insert {clip.name}", before, after, doc.selection,
                             Selection(at, at + n)))
    w.clip_bin.kept.add(clip.id)
    w.notify(f"Inserted {clip.name} ({n / before.sample_rate:.2f} s) at "
             f"{at / before.sample_rate:.3f} s")
    return True


def confirm_close(w) -> bool:
    """Before the window closes: generated clips that were neither exported, inserted nor
    opened exist nowhere else, so ask before they go. True when the window may close."""
    left = w.clip_bin.unkept()
    if not left or getattr(w, "quiet", False):
        return True
    from PySide6.QtWidgets import QMessageBox
    r = QMessageBox.question(
        w, "Generated clips",
        f"{len(left)} generated clip{'s are' if len(left) > 1 else ' is'} only in the Clips "
        "bin (not exported, inserted or opened). Close and lose "
        f"{'them' if len(left) > 1 else 'it'}?",
        QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Cancel)
    return r == QMessageBox.Discard


def accepts_drop(w, ev) -> bool:
    """A drag from the Clips bin over the window (the window's dragEnterEvent asks)."""
    return bool(w.clip_bin.from_mime(ev.mimeData()))


def drop(w, ev) -> bool:
    """Insert the dragged clips where they are dropped on the waveform (at the cursor when
    dropped elsewhere), one after another, each its own undo step. False: not a bin drag."""
    clips = w.clip_bin.from_mime(ev.mimeData())
    if not clips or w.model.document is None:
        if clips:
            w.notify("Open a document to drop the clip into")
        return bool(clips)
    at = None
    wave = w.waveform
    pos = wave.mapFrom(w, ev.position().toPoint())
    if wave.rect().contains(pos) and wave.master is not None:
        seconds = wave.master.mapSceneToView(wave.mapToScene(pos)).x()
        at = max(0, int(round(seconds * w.model.rate)))
    for clip in clips:
        if insert_clip(w, clip, at):
            at = w.model.selection.end  # the next one follows the last
    ev.acceptProposedAction()
    return True


def export_clip(w, clip: BinClip, path: str) -> int:
    """Write the clip to `path` in the background (the task lane reports the end)."""
    from studio.core.document import AudioState
    state = AudioState.from_array(clip.audio, clip.rate)
    return w.files.export(state, path, 0, state.n_frames, None, None, None)


def open_clip(w, clip: BinClip) -> None:
    """The clip as the window's document (unsaved: closing asks before it is lost)."""
    from studio.core.document import Document
    if not w.actions_.confirm_discard():
        return
    doc = Document.from_array(clip.audio, clip.rate,
                              source_info={"title": clip.name, "generated_by": clip.op_id})
    doc.mark_unsaved()
    w.set_document(doc)
    w.clip_bin.kept.add(clip.id)  # the document asks before it is lost
