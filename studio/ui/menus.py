"""Menus, shortcuts, context menus and the handlers behind them (files, view, process, help).
`build(window)` returns the Actions object the window keeps as `window.actions_`."""
from __future__ import annotations

import json
import os

import shiboken6

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from studio.errors import Cancelled, StudioError
from studio.paths import resource
from studio.ui import file_ops, theme
from studio.ui.edit_actions import EditActions

DEMO_NOTES = ("demo", "README.md")


class Actions:
    def __init__(self, window):
        self.w = window
        self.edit = EditActions(window)
        self.all: dict[str, QAction] = {}

    # helpers -------------------------------------------------------------------------------
    def add(self, menu: QMenu, key: str, text: str, slot, shortcut=None, checkable=False,
            checked=False, tip: str = "") -> QAction:
        a = QAction(text, self.w)
        if shortcut:
            a.setShortcuts(shortcut if isinstance(shortcut, list) else [QKeySequence(shortcut)])
        a.setCheckable(checkable)
        if checkable:
            a.setChecked(checked)
            a.toggled.connect(slot)
        else:
            a.triggered.connect(lambda _=False: slot())
        if tip:
            a.setStatusTip(tip)
        menu.addAction(a)
        self.all[key] = a
        return a

    def guarded(self, fn):
        """Run fn; a StudioError becomes one line in the status bar and a message box."""
        try:
            return fn()
        except Cancelled:
            self.w.notify("Cancelled")
        except StudioError as e:
            self.w.notify(str(e))
            if not getattr(self.w, "quiet", False):
                QMessageBox.warning(self.w, "Audio Diffusion Studio", str(e))
        return None

    # files ---------------------------------------------------------------------------------
    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.w, "Open audio or session", "",
                                              file_ops.AUDIO_FILTER)
        if path:
            self.open_path(path)

    def open_path(self, path: str, wait: bool = False) -> bool:
        """Start opening `path` in the background (True when started; the window fills in when
        it arrives). `wait=True` runs a local event loop until it ends and returns whether it
        opened (screenshots, tests)."""
        if not self.confirm_discard():
            return False
        tid = self.w.files.open(path)
        return self.w.files.wait(tid) if wait else True

    def refresh_recent(self) -> None:
        m = self.recent_menu
        if not shiboken6.isValid(m):  # the window is being torn down
            return
        m.clear()
        files = self.w.settings.recent_files()
        for p in files:
            a = m.addAction(os.path.basename(p))
            a.setToolTip(p)
            a.triggered.connect(lambda _=False, p=p: self.open_path(p))
        m.addSeparator()
        clear = m.addAction("Clear recent files")
        clear.triggered.connect(lambda: (self.w.settings.clear_recent(), self.refresh_recent()))
        clear.setEnabled(bool(files))

    def save_session(self, path: str | None = None, wait: bool = False) -> bool:
        """Write a snapshot of the document in the background (the user may keep editing)."""
        doc = self.w.model.document
        if doc is None:
            return False
        if not path:
            from studio.ui.dialogs.save_places import app_owned, suggested_path
            base = getattr(doc, "session_path", None)
            if not base or app_owned(base):
                base = suggested_path(doc.path, file_ops.SESSION_SUFFIX)
            path, _ = QFileDialog.getSaveFileName(self.w, "Save session", base,
                                                  file_ops.SESSION_FILTER)
            if not path:
                return False
            if not self._may_replace(file_ops.with_session_suffix(path), typed=path):
                return False
        tid = self.w.files.save_session(doc, path)
        return self.w.files.wait(tid) if wait else True

    def _may_replace(self, target: str, typed: str) -> bool:
        """The save dialog asked about the name typed; when the suffix is added to it, the
        file written is another one, which may exist: ask about that one too."""
        if target == typed or not os.path.exists(target) or getattr(self.w, "quiet", False):
            return True
        r = QMessageBox.question(self.w, "Replace session?",
                                 f"{os.path.basename(target)} already exists. Replace it?",
                                 QMessageBox.Yes | QMessageBox.Cancel, QMessageBox.Cancel)
        return r == QMessageBox.Yes

    def open_session(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.w, "Open session", "",
                                              file_ops.AUDIO_FILTER.split(";;")[1])
        if path:
            self.open_path(path)

    def export(self, options: dict | None = None, wait: bool = False) -> bool:
        """Export in the background from the current AudioState (immutable: edits made
        meanwhile do not reach the file)."""
        from studio.ui.dialogs.export import NORMALISE_DBFS, ExportDialog
        from studio.ui.views import levels
        doc = self.w.model.document
        if doc is None:
            return False
        sel = doc.selection
        state = doc.state

        def span(selection_only):
            return (sel.start, sel.end) if selection_only and not sel.is_empty \
                else (0, state.n_frames)
        counted: dict = {}

        def overs(selection_only):  # counted once per range: the dialog asks on every change
            key = bool(selection_only)
            if key not in counted:
                counted[key] = levels.count_over(state, *span(key))
            return counted[key]
        if options is None:
            from studio.ui.dialogs.save_places import suggested_path
            base = suggested_path(doc.path, "-export.wav")
            dlg = ExportDialog(base, state.sample_rate, not sel.is_empty, self.w,
                               overs=overs)
            if not dlg.exec():
                return False
            options = dlg.options()
        a, b = span(options.get("selection_only"))
        gain = 1.0
        if options.get("overs") == "normalise":  # one gain: the peak lands at -0.1 dBFS
            peak = overs(options.get("selection_only"))[1]
            target = 10 ** (NORMALISE_DBFS / 20)
            gain = target / peak if peak > target else 1.0
        tid = self.w.files.export(state, options["path"], a, b, options.get("format"),
                                  options.get("subtype"), options.get("rate"), gain=gain)
        return self.w.files.wait(tid) if wait else True

    def confirm_discard(self) -> bool:
        doc = self.w.model.document
        if doc is None or not doc.is_modified or getattr(self.w, "quiet", False):
            return True
        r = QMessageBox.question(self.w, "Unsaved changes",
                                 "The document has unsaved changes. Save them as a session?",
                                 QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel,
                                 QMessageBox.Save)
        if r == QMessageBox.Save:
            return self.save_session(wait=True)
        return r == QMessageBox.Discard

    def close_document(self) -> None:
        if self.confirm_discard():
            self.w.set_document(None)

    # process -------------------------------------------------------------------------------
    def _op_params(self):
        op = self.w.operations.operation
        if op is None:
            return None, None
        try:
            return op, dict(op.schema.validate(self.w.operations.values()))
        except StudioError as e:
            self.w.notify(str(e))
            return None, None

    def _extras(self, op, params: dict | None = None) -> dict | None:
        """The further clips `op` declares, each chosen as a file, taken from the document
        when the op says so (a learned noise profile), or the clip the user picked in the
        window (interpolate's clip B: generate/other_clip.py); None when the user cancels
        or a clip cannot be used."""
        out = {}
        from studio.ui.generate import other_clip
        for extra in op.extras:
            if extra.source == other_clip.SOURCE:  # a bin clip, a take or a file: the form's
                got = self.w.other_clip.provide()
                if got is None:
                    return None
                out[extra.name] = got
                continue
            if extra.source != "file":  # from the document: never a file prompt
                got = self.w.repair.side_input(extra, op, params or {})
                if got is not None:
                    out[extra.name] = got
                elif extra.required:
                    self.w.notify(f"{op.title} needs the document's {extra.help or extra.name}")
                    return None
                continue
            path, _ = QFileDialog.getOpenFileName(
                self.w, f"{op.title}: {extra.help or extra.name}", "",
                file_ops.AUDIO_FILTER)
            if not path:
                if extra.required:
                    return None
                continue
            got = self.guarded(lambda path=path: other_clip.read_clip_file(path))
            if got is None:
                return None
            out[extra.name] = got
        return out

    def _submit(self, kind: str, op, params, **kw):
        if op.category == "array":  # on the Array dock's layout; a simulation asks its sources
            return self.w.array_tools.route(kind, op, params)
        from studio.ui.docks.operations import measures
        from studio.ui.generate.actions import makes_new_clips
        if makes_new_clips(op):  # whatever was asked: new clips go to the Clips bin
            kind = "generate"
        elif measures(op):  # a measurement (the Analyze button) changes nothing
            kind = "analyze"
        extras = self._extras(op, params) if op.extras else {}
        if extras is None:
            return None
        if "title" not in kw:  # named after its side inputs ("… · profile 2.1–2.6 s")
            kw["title"] = self.w.repair.title_for(op, params)
        return self.w.jobs.submit(kind, op, params, extras=extras, **kw)

    def preview(self, op=None, params=None) -> None:
        if op is None:
            op, params = self._op_params()
        if op is not None:
            self._submit("preview", op, params)

    def apply(self, op=None, params=None) -> None:
        if op is None:
            op, params = self._op_params()
        if op is not None:
            self._submit("apply", op, params)

    def render_new(self, op=None, params=None) -> None:
        if op is None:
            op, params = self._op_params()
        if op is not None:
            self._submit("render", op, params, title=f"{op.title} render")

    def compare(self, op=None, params=None, sets: list | None = None) -> None:
        from studio.ui.dialogs.compare import CompareDialog
        from studio.ui.dialogs.compare_sets import difference_labels
        if op is None:
            op, params = self._op_params()
        if op is None:
            return
        from studio.ui.docks.operations import measures
        from studio.ui.generate.actions import makes_new_clips
        if makes_new_clips(op):  # its results are new clips, not takes of the selection
            self.w.notify(f"{op.title} makes new clips: press Generate, then compare them "
                          "in the Clips bin (A/B)")
            return
        if sets is None:
            dlg = CompareDialog(op, params, parent=self.w,
                                uses=self.w.repair.used_instead_of_file(op, params))
            if not dlg.exec():
                return
            sets = dlg.parameter_sets()
        extras = self._extras(op, params) if op.extras else {}
        if extras is None:
            return
        valid = []
        for values in sets[:4]:
            try:
                valid.append(dict(op.schema.validate(values)))
            except StudioError as e:
                self.w.notify(str(e))
        # each take is named by what differs between the sets ("reduction 15 dB")
        for p, label in zip(valid, difference_labels(op, valid)):
            self.w.jobs.submit("compare", op, self.w.array_tools.with_layout(op, p),
                               extras=extras,
                               title=f"{self.w.repair.title_for(op, p)} · {label}")

    def run_chain(self, path: str | None = None, kind: str = "preview") -> None:
        from studio.engine import chain, registry
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.w, "Run a chain", "",
                                                  "Chains (*.json);;All files (*)")
            if not path:
                return
        steps = self.guarded(lambda: chain.load_chain(path))
        if not steps:
            return
        first = registry.get(steps[0].op_id)
        title = " → ".join(s.op_id for s in steps)
        self.w.jobs.submit(kind, first, dict(steps[0].params), title=f"Chain {title}",
                           steps=steps[1:])

    def _new_window(self):
        from studio.ui.main_window import MainWindow
        other = MainWindow(self.w.settings, host=self.w.jobs.host)
        other.quiet = getattr(self.w, "quiet", False)
        self.w.children_windows = getattr(self.w, "children_windows", []) + [other]
        return other

    def render_document(self, audio, rate: int, title: str) -> None:
        from studio.core.document import Document
        other = self._new_window()
        other.set_document(Document.from_array(audio, rate))
        other.setWindowTitle(f"{title} — Audio Diffusion Studio")
        other.show()

    def open_generated(self, gen):
        """A generator's result: its clips land in the Clips bin of this window (see
        studio/ui/generate/clip_bin.py for why a bin, not a window per clip); the operation
        form keeps its values."""
        if self.w.array_tools.makes_recording(gen.op_id):  # a simulated array recording:
            return self.w.array_tools.open_recording(gen)  # a multichannel document, not a clip
        from studio.ui.generate import actions as clip_actions
        return clip_actions.add_generated(self.w, gen)

    def generate(self, op=None, params=None) -> None:
        """A generator's one action (the Generate button): its clips go to the Clips bin."""
        if op is None:
            op, params = self._op_params()
        if op is not None:
            self._submit("generate", op, params)

    def train_dialog(self):
        """The "Train on folder…" dialog (one per window; it keeps its run while hidden)."""
        from studio.ui.dialogs.train_dialog import TrainDialog
        dlg = getattr(self.w, "train_dialog", None)
        if dlg is None or not shiboken6.isValid(dlg):
            dlg = TrainDialog(self.w, tasks=self.w.tasks,
                              output_device=lambda: self.w.player.device_id)
            dlg.quiet = getattr(self.w, "quiet", False)
            dlg.open_clip.connect(self.open_path)
            dlg.model_installed.connect(
                lambda name: self.w.notify(f"Installed model '{name}': choose it in Model"))
            self.w.train_dialog = dlg
        dlg.show()
        dlg.raise_()
        return dlg

    # view ----------------------------------------------------------------------------------
    def set_theme(self, name: str) -> None:
        theme.apply(name)  # re-styles every plot on screen, each view's own colours too
        self.w.settings.set("theme", name)

    def spectrogram_settings(self) -> None:
        from studio.ui.dialogs.spectrogram_settings import SpectrogramSettingsDialog
        dlg = SpectrogramSettingsDialog(self.w.spectrogram, self.w)
        dlg.setModal(False)
        dlg.show()
        self.w._spec_dialog = dlg

    def choose_output(self) -> None:
        from PySide6.QtWidgets import QInputDialog
        outs = self.w.player.outputs()
        if not outs:
            self.w.notify("No audio output devices")
            return
        names = [d for _, d in outs]
        name, ok = QInputDialog.getItem(self.w, "Audio output", "Device:", names, 0, False)
        if ok:
            self.w.player.set_output(outs[names.index(name)][0])

    def demo_notes(self) -> None:
        path = resource(*DEMO_NOTES)
        text = path.read_text() if path.exists() else "The demo notes are missing."
        box = QMessageBox(self.w)
        box.setWindowTitle("Demo notes")
        box.setTextFormat(Qt.MarkdownText)
        box.setText(text)
        box.setObjectName("demoNotes")
        box.open() if getattr(self.w, "quiet", False) else box.exec()
        self.w._notes_box = box

    def about(self) -> None:
        from studio import __version__
        box = QMessageBox(self.w)
        box.setWindowTitle("About")
        box.setText(f"Audio Diffusion Studio {__version__}\nRepair, generate and place "
                    "microphones — with a background torch engine.")
        box.open() if getattr(self.w, "quiet", False) else box.exec()
        self.w._about_box = box

    def channel_menu(self, pos, seconds: float, ch: int) -> None:
        m = QMenu(self.w)
        model = self.w.model
        en = m.addAction(f"Channel {ch + 1} enabled")
        en.setCheckable(True)
        en.setChecked(model.enabled[ch] if ch < len(model.enabled) else True)
        en.toggled.connect(lambda on: model.set_channel_enabled(ch, on))
        solo = m.addAction(f"Solo channel {ch + 1}")
        solo.setCheckable(True)
        solo.setChecked(model.solo == ch)
        solo.toggled.connect(lambda on: model.set_solo(ch if on else None))
        m.addSeparator()
        for key in ("cut", "copy", "paste", "delete", "silence", "zoom_sel", "preview", "apply"):
            m.addAction(self.all[key])
        m.popup(pos)
        self.w._context_menu = m


def build(w) -> Actions:
    A = Actions(w)
    E = A.edit
    mb = w.menuBar()
    f = mb.addMenu("&File")
    A.add(f, "open", "&Open…", A.open_dialog, QKeySequence.Open)
    A.recent_menu = f.addMenu("Open &recent")
    A.add(f, "open_session", "Open &session…", A.open_session)
    A.add(f, "save_session", "&Save session…", A.save_session, QKeySequence.Save)
    A.add(f, "export", "&Export audio…", A.export, "Ctrl+E")
    f.addSeparator()
    A.add(f, "close", "&Close", A.close_document, QKeySequence.Close)
    A.add(f, "quit", "&Quit", w.close, QKeySequence.Quit)
    A.refresh_recent()

    e = mb.addMenu("&Edit")
    A.add(e, "undo", "&Undo", lambda: w.model.document and w.model.document.undo(),
          QKeySequence.Undo)
    A.add(e, "redo", "&Redo", lambda: w.model.document and w.model.document.redo(),
          [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    e.addSeparator()
    A.add(e, "cut", "Cu&t", E.cut, QKeySequence.Cut)
    A.add(e, "copy", "&Copy", E.copy, QKeySequence.Copy)
    A.add(e, "paste", "&Paste", E.paste, QKeySequence.Paste)
    A.add(e, "delete", "&Delete", E.delete, [QKeySequence("Delete"), QKeySequence("Backspace")])
    A.add(e, "trim", "T&rim to selection", E.trim, "Ctrl+T")
    A.add(e, "silence", "&Silence", E.silence, "Ctrl+L")
    A.add(e, "insert_silence", "&Insert silence…", E.insert_silence)
    e.addSeparator()
    A.add(e, "select_all", "Select &all", E.select_all, QKeySequence.SelectAll)
    A.add(e, "select_none", "Select &none", E.select_none, "Ctrl+Shift+A")
    A.add(e, "snap", "Snap to &zero crossings", lambda on: setattr(w.waveform, "snap_to_zero", on),
          checkable=True)
    w.model.history_changed.connect(lambda: _update_undo(A, w))
    w.model.document_replaced.connect(lambda: _update_undo(A, w))

    au = mb.addMenu("&Audio")
    A.add(au, "gain", "&Gain…", E.gain)
    A.add(au, "normalize", "&Normalize peak…", E.normalize)
    A.add(au, "loudness", "Normalize &loudness…", E.normalize_loudness)
    A.add(au, "fade_in", "Fade &in", E.fade_in)
    A.add(au, "fade_out", "Fade &out", E.fade_out)
    A.add(au, "reverse", "&Reverse", E.reverse)
    au.addSeparator()
    A.add(au, "mix_down", "&Mix to mono", E.mix_down)
    A.add(au, "resample", "Change sample &rate…", E.change_rate)

    v = mb.addMenu("&View")
    wv = w.waveform
    A.add(v, "zoom_in", "Zoom &in", lambda: wv.zoom(2.0),
          [QKeySequence("+"), QKeySequence("="), QKeySequence.ZoomIn])
    A.add(v, "zoom_out", "Zoom &out", lambda: wv.zoom(0.5),
          [QKeySequence("-"), QKeySequence.ZoomOut])
    A.add(v, "zoom_sel", "Zoom to &selection", lambda: w.model.selection and
          wv.zoom_to_frames(w.model.selection.start, w.model.selection.end), "Ctrl+Shift+E")
    A.add(v, "fit", "&Fit to window", wv.fit, "Ctrl+0")
    v.addSeparator()
    units = v.addMenu("Ruler &units")
    group = QActionGroup(w)
    for key, label in (("time", "h:m:s.ms"), ("samples", "Samples"), ("beats", "Bars and beats")):
        a = A.add(units, f"unit_{key}", label, lambda on, k=key: on and _set_unit(w, k),
                  checkable=True, checked=key == "time")
        group.addAction(a)
    A.add(units, "tempo", "Tempo…", lambda: _ask_tempo(w))
    A.add(v, "spec_settings", "Spectrogram &settings…", A.spectrogram_settings)
    A.add(v, "show_spec", "Show s&pectrogram", lambda on: w.spectrogram.setVisible(on),
          checkable=True, checked=True)
    tm = v.addMenu("&Theme")
    tgroup = QActionGroup(w)
    for name in theme.THEMES:
        a = A.add(tm, f"theme_{name}", name.capitalize(), lambda on, n=name: on and A.set_theme(n),
                  checkable=True, checked=name == theme.current_name())
        tgroup.addAction(a)
    docks = v.addMenu("&Panels")
    for dock in (w.ops_dock, w.takes_dock, w.clips_dock, w.history_dock, w.jobs_dock,
                 w.array_dock):
        docks.addAction(dock.toggleViewAction())

    t = mb.addMenu("&Transport")
    tr = w.transport
    for key, act in (("play", tr.play), ("stop", tr.stop), ("home", tr.home), ("end", tr.end),
                     ("loop", tr.loop), ("follow", tr.follow), ("ab", tr.ab)):
        t.addAction(act)
        A.all[key] = act
    tr.play.triggered.connect(w.player.toggle)
    tr.stop.triggered.connect(lambda: w.player.stop())
    tr.home.triggered.connect(lambda: _go(w, 0))
    tr.end.triggered.connect(lambda: _go(w, w.model.n_frames))
    tr.loop.toggled.connect(lambda on: setattr(w.player, "loop_selection", on))
    t.addSeparator()
    A.add(t, "output", "Audio &output…", A.choose_output)

    p = mb.addMenu("&Process")
    A.add(p, "preview", "&Preview", A.preview, "Ctrl+P")
    A.add(p, "compare", "&Compare settings…", A.compare, "Ctrl+Shift+P")
    A.add(p, "apply", "&Apply", A.apply, "Ctrl+Return")
    A.add(p, "render", "&Render to new document", A.render_new)
    A.add(p, "chain", "Run &chain…", A.run_chain)
    A.add(p, "cancel_jobs", "Cancel all &jobs", w.jobs.cancel_all)
    p.addSeparator()
    A.add(p, "learn_noise", "&Learn noise profile", w.repair.noise.learn,
          tip="Learn the noise of the selection (a noise-only stretch) for Noise reduction")
    A.add(p, "find_dropouts", "Find &dropouts", w.repair.dropouts.find,
          tip="Mark the runs of digital silence or held samples")
    A.add(p, "next_dropout", "Select &next dropout", w.repair.dropouts.select_next,
          tip="Select the next dropout found, for Restore › Fill gap")
    p.addSeparator()
    ops_menu = p.addMenu("&Operations")
    by_cat: dict[str, QMenu] = {}
    for op in w.operations.ops:
        sub = by_cat.get(op.category) or ops_menu.addMenu(op.category.capitalize())
        by_cat[op.category] = sub
        a = sub.addAction(op.title)
        a.triggered.connect(lambda _=False, i=op.id: (w.operations.select(i), w.ops_dock.raise_(),
                                                      w.ops_dock.show()))

    g = mb.addMenu("&Generate")
    from studio.ui.generate import actions as clip_actions
    for op in clip_actions.menu_order(w.operations.ops):
        A.add(g, op.id, f"{op.title}…", lambda i=op.id: clip_actions.open_in_dock(w, i),
              clip_actions.SHORTCUTS.get(op.id), tip=clip_actions.menu_tip(op))
    g.addSeparator()
    A.add(g, "train", "&Train on folder…", A.train_dialog,
          tip="Train a diffusion model on a folder of clips (sub-folders are classes)")

    w.array_tools.build_menu(mb)
    h = mb.addMenu("&Help")
    A.add(h, "demo_notes", "&Demo notes", A.demo_notes)
    A.add(h, "about", "&About", A.about)

    w.operations.preview_requested.connect(A.preview)
    w.operations.apply_requested.connect(A.apply)
    w.operations.render_requested.connect(A.render_new)
    w.operations.compare_requested.connect(A.compare)
    w.operations.generate_requested.connect(A.generate)
    w.takes.apply_take.connect(E.apply_take)
    w.jobs.render_ready.connect(A.render_document)
    w.jobs.generated.connect(A.open_generated)
    w.waveform.sigContextMenu.connect(A.channel_menu)
    w.spectrogram.sigContextMenu.connect(lambda pos, x, y: A.channel_menu(pos, x, 0))
    return A


def _update_undo(A: Actions, w) -> None:
    doc = w.model.document
    u, r = A.all["undo"], A.all["redo"]
    u.setEnabled(bool(doc and doc.can_undo))
    r.setEnabled(bool(doc and doc.can_redo))
    u.setText(f"&Undo {doc.undo_name}" if doc and doc.can_undo else "&Undo")
    r.setText(f"&Redo {doc.redo_name}" if doc and doc.can_redo else "&Redo")


def _set_unit(w, unit: str) -> None:
    w.waveform.ruler.set_unit(unit)


def _ask_tempo(w) -> None:
    from PySide6.QtWidgets import QInputDialog
    bpm, ok = QInputDialog.getDouble(w, "Tempo", "Beats per minute:", w.waveform.ruler.tempo,
                                     20.0, 400.0, 1)
    if ok:
        w.waveform.ruler.set_unit(w.waveform.ruler.unit, bpm)


def _go(w, frame: int) -> None:
    w.player.stop(keep_position=True)
    w.model.set_playhead(frame)
    from studio.core.selection import Selection
    if w.model.document is not None:
        w.model.set_selection(Selection.cursor(min(frame, w.model.n_frames)))
    rng = w.waveform.visible_range()
    if rng:
        sec, width = frame / w.model.rate, rng[1] - rng[0]
        if not rng[0] <= sec <= rng[1]:
            w.waveform.set_visible_range(max(0.0, sec - width / 2), sec + width / 2)


__all__ = ["build", "Actions", "json"]
