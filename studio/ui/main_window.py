"""The main window: views in the centre (overview, waveform, spectrogram, kept in sync), docks
for operations, takes, history, jobs and the array editor, the transport toolbar, menus and the
status bar. Menus and handlers live in menus.py and edit_actions.py; this class wires parts.

Background work: operations go to the engine host (JobController); file loading, saving,
exporting and spectrogram tiles go to the engine's TaskRunner (`self.tasks`); autosave is the
engine's Autosaver. `shutdown()` stops all three and leaves no thread behind."""
from __future__ import annotations

import os

import shiboken6
from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtWidgets import (QDockWidget, QLabel, QMainWindow, QMessageBox, QSplitter,
                               QVBoxLayout, QWidget)

from studio.engine.tasks import TaskRunner

from studio.ui import theme
from studio.ui.doc_model import DocumentModel
from studio.ui.file_ops import FileTasks
from studio.ui.docks.array import EXTENSION_KEY, ArrayDock
from studio.ui.docks.history import HistoryPanel
from studio.ui.docks.jobs import JobsPanel
from studio.ui.docks.operations import OperationsPanel
from studio.ui.docks.takes import TakesPanel
from studio.ui.jobs import JobController
from studio.ui.overview import OverviewStrip
from studio.ui.playback import Player
from studio.ui.ruler import format_band, format_frequency, format_time
from studio.ui.settings import Settings
from studio.ui.spectrogram_view import SpectrogramView
from studio.ui.task_progress import TaskProgress
from studio.ui.transport import Transport
from studio.ui.waveform_view import WaveformView
from studio.ui.views.notice_bar import NoticeBar

APP_TITLE = "Audio Diffusion Studio"
AUTOSAVE_INTERVAL_S = 30.0


class MainWindow(QMainWindow):
    _autosave_failed = Signal(str)    # from the autosave thread, delivered queued
    _autosaved = Signal(float)

    def __init__(self, settings: Settings | None = None, host=None):
        super().__init__()
        self.settings = settings or Settings()
        self.tasks = TaskRunner(self)
        self.files = FileTasks(self.tasks, self)
        self._autosaver = None
        self._recovered_entry = None
        self._shut_down = False
        self.setWindowTitle(APP_TITLE)
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)
        self.model = DocumentModel(self)
        self._owns_host = host is None  # a "render to new window" window shares its parent's
        self.jobs = JobController(self.model, host=host, parent=self)
        self.player = Player(self.model, self)
        self._build_views()
        self.transport = Transport(self)
        self.addToolBar(Qt.TopToolBarArea, self.transport)
        self._build_docks()
        self._build_status()
        from studio.ui.repair import RepairTools
        self.repair = RepairTools(self)  # noise profile, dropouts: before the menus use them
        from studio.ui.arrays.tools import ArrayTools
        self.array_tools = ArrayTools(self)  # the Array menu, the dock's layout as side input
        from studio.ui import menus
        self.actions_ = menus.build(self)
        self._connect()
        from studio.ui import reports
        self.reports = reports.install(self)  # the Reports dock, marks on the views
        geometry, state = self.settings.layout()
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1500, 900)
        if isinstance(state, QByteArray):
            self.restoreState(state)
        else:  # dock sizes only hold once the window has its real size
            QTimer.singleShot(0, self._default_dock_sizes)
        self._update_title()

    # construction ------------------------------------------------------------------------
    def _build_views(self) -> None:
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.setSpacing(2)
        self.overview = OverviewStrip(self.model)
        self.waveform = WaveformView(self.model)
        self.spectrogram = SpectrogramView(self.model, self.tasks)
        self.waveform.link_time(self.spectrogram.vb)  # one time axis, kept across rebuilds
        self.splitter = QSplitter(Qt.Vertical)
        self.splitter.addWidget(self.waveform)
        self.splitter.addWidget(self.spectrogram)
        self.splitter.setStretchFactor(0, 5)
        self.splitter.setStretchFactor(1, 4)
        self.notice_bar = NoticeBar()  # load warnings, above the views, dismissable
        lay.addWidget(self.notice_bar)
        lay.addWidget(self.overview)
        lay.addWidget(self.splitter, 1)
        self.empty_hint = QLabel("Open a file (Ctrl+O) or drop one here", alignment=Qt.AlignCenter)
        lay.addWidget(self.empty_hint)
        self.setCentralWidget(central)

    def _dock(self, title: str, widget, area, name: str) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable |
                         QDockWidget.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self) -> None:
        self.operations = OperationsPanel()
        self.takes = TakesPanel(self.model)
        self.history = HistoryPanel(self.model)
        self.jobs_panel = JobsPanel(self.jobs)
        self.array_panel = ArrayDock()
        self.ops_dock = self._dock("Operations", self.operations, Qt.RightDockWidgetArea, "opsDock")
        self.takes_dock = self._dock("Takes / compare", self.takes, Qt.RightDockWidgetArea,
                                     "takesDock")
        self.history_dock = self._dock("History", self.history, Qt.RightDockWidgetArea,
                                       "historyDock")
        self.tabifyDockWidget(self.takes_dock, self.history_dock)
        from studio.ui.generate import actions as clip_actions
        clip_actions.install(self)  # self.clip_bin, self.clips_dock: generated clips land here
        self.takes_dock.raise_()
        self.jobs_dock = self._dock("Jobs", self.jobs_panel, Qt.BottomDockWidgetArea, "jobsDock")
        self.array_dock = self._dock("Array", self.array_panel, Qt.BottomDockWidgetArea,
                                     "arrayDock")
        self.tabifyDockWidget(self.jobs_dock, self.array_dock)
        self.jobs_dock.raise_()
        self.array_dock.visibilityChanged.connect(self.array_panel.on_dock_visibility_changed)
        self._default_dock_sizes()

    def _default_dock_sizes(self) -> None:
        """The views get the room: a narrow operations column, a short jobs strip."""
        h = max(600, self.height())
        self.resizeDocks([self.ops_dock], [400], Qt.Horizontal)
        self.resizeDocks([self.ops_dock, self.takes_dock], [int(h * 0.62), int(h * 0.26)],
                         Qt.Vertical)
        self.resizeDocks([self.jobs_dock], [120], Qt.Vertical)

    def _build_status(self) -> None:
        sb = self.statusBar()
        self.hover_label = QLabel("")
        self.selection_label = QLabel("")
        self.format_label = QLabel("")
        self.device_label = QLabel("")
        self.hover_label.setMinimumWidth(300)
        self.task_progress = TaskProgress(self.tasks)
        # all permanent: a temporary message (notify) hides the status bar's normal widgets,
        # and the selection and hover readouts must stay readable while one is shown
        for w in (self.hover_label, self.selection_label, self.task_progress,
                  self.format_label, self.device_label):
            sb.addPermanentWidget(w)
        self._show_device()

    def _connect(self) -> None:
        m = self.model
        m.document_replaced.connect(self._on_document_changed)
        m.state_changed.connect(self._on_format_changed)
        m.selection_changed.connect(self._on_selection_changed)
        m.history_changed.connect(self._update_title)
        m.state_changed.connect(self._update_title)
        m.playhead_changed.connect(self._on_playhead_changed)
        self.waveform.sigRangeChanged.connect(self.overview.set_window)
        self.overview.sigWindowChanged.connect(self.waveform.set_visible_range)
        self.waveform.sigHover.connect(self._on_wave_hover_changed)
        self.spectrogram.sigHover.connect(self._on_spec_hover_changed)
        self.player.playing_changed.connect(self.transport.set_playing)
        self.player.notice.connect(self.notify)
        self.jobs.notice.connect(self.notify)
        self.operations.notice.connect(self.notify)
        self.takes.take_chosen.connect(self.player.set_take)
        self.takes.ab_toggled.connect(self._on_ab_changed)
        self.transport.ab.toggled.connect(self._on_ab_changed)
        self.files.started.connect(self.task_progress.track)
        self.files.done.connect(self._on_file_task_done)
        self.files.ended_without_result.connect(self._on_file_task_ended)
        self._autosave_failed.connect(self.notify)
        self._autosaved.connect(self._on_autosaved)
        self.array_panel.layout_changed.connect(self._on_array_layout_changed)

    # document ----------------------------------------------------------------------------
    def set_document(self, doc) -> None:
        self.player.stop()
        self.model.set_document(doc)

    def _on_document_changed(self) -> None:
        has = self.model.document is not None
        self._restart_autosave()
        if has:
            ext = getattr(self.model.document, "extensions", None) or {}
            self.array_panel.set_layout_dict(ext.get(EXTENSION_KEY))
        self.empty_hint.setVisible(not has)
        self.notice_bar.clear()  # its notices were about the document that went
        self.hover_label.setText("")  # it described a point of that document
        self.splitter.setVisible(has)
        self.overview.setVisible(has)
        if has:
            self.spectrogram.schedule_refresh()
        self._on_format_changed()
        self._on_selection_changed()
        self._update_title()

    # background file work -----------------------------------------------------------------
    def _on_file_task_done(self, kind: str, info: dict, result) -> None:
        name = os.path.basename(info.get("path") or "")
        if kind in ("open", "recover"):
            if not self.actions_.confirm_discard():  # edited while the file was loading
                return
            self.set_document(result)
            if kind == "recover":
                self._recovered_entry = info["entry"]
                self.notify("Recovered unsaved work: save it as a session to keep it")
            else:
                self.settings.add_recent(info["path"])
                self.actions_.refresh_recent()
                self._show_load_warnings(name, info["path"], info.get("warnings") or [])
        elif kind == "save":
            doc = info["doc"]
            doc.session_path = info["path"]
            if doc.state is info["state"]:  # not edited while it was written
                doc.mark_saved()
            self.settings.add_recent(info["path"])
            self.actions_.refresh_recent()
            self.notify(f"Saved session {name}")
            self._update_title()
        elif kind == "export":
            self._show_export_result(name, info, result)

    def _show_load_warnings(self, name: str, path: str, warnings: list[str]) -> None:
        """What reading the file found wrong, in the status bar and the notice bar."""
        if not warnings:
            self.notify(f"Opened {name}")
            return
        # the reader names the full path; the window's title already says which file
        lines = [w.replace(f"{path}: ", "", 1) for w in warnings]
        more = f" (+{len(lines) - 1} more)" if len(lines) > 1 else ""
        self.notify(f"Opened {name} with a warning: {lines[0]}{more}", 20000)
        st = self.model.state
        self.notice_bar.show_messages(
            f"{name} opened with {len(lines)} warning{'s' if len(lines) > 1 else ''} "
            f"({format_time(st.duration, 1e-3)} of audio)", lines)

    def _show_export_result(self, name: str, info: dict, result) -> None:
        """What the export did to the level, in the status bar; samples it had to clip also in
        the notice bar (a file that differs from the document must not pass unnoticed)."""
        import math
        gain = info.get("gain", 1.0)
        done = f"Exported {name}"
        if gain != 1.0:
            done += f" normalised by {20 * math.log10(gain):+.1f} dB (the document is unchanged)"
        clipped = getattr(result, "clipped", 0)
        if clipped:
            line = (f"{clipped} samples over full scale were clipped: {result.subtype} cannot "
                    "hold them (export as 32-bit float, or normalise, to keep them)")
            self.notify(f"{done}; {line}", 20000)
            self.notice_bar.show_messages(f"{name} was written with clipping", [line])
        else:
            self.notify(done)

    def _on_file_task_ended(self, kind: str, info: dict, message: str) -> None:
        if not message:
            self.notify(f"Cancelled: {info['title'][0].lower()}{info['title'][1:]}; "
                        "nothing changed")
            return
        self.notify(message)
        if not getattr(self, "quiet", False):
            QMessageBox.warning(self, APP_TITLE, message)

    # autosave and recovery ---------------------------------------------------------------
    def _restart_autosave(self) -> None:
        """One Autosaver per open document; replacing or closing the document stops the old
        one cleanly (its recovery data goes: the user chose to let it go)."""
        old, self._autosaver = self._autosaver, None
        if old is not None:
            old.stop(clean=True)
            self._discard_recovered()
        doc = self.model.document
        if doc is None or self._shut_down:
            return
        from studio.engine import autosave
        interval = float(self.settings.value("autosave_interval", AUTOSAVE_INTERVAL_S))
        try:
            self._autosaver = autosave.Autosaver(
                doc, interval=interval, on_error=self._autosave_failed.emit,
                on_saved=self._autosaved.emit).start()
        except Exception as e:  # noqa: BLE001 - editing goes on without autosave
            self.notify(f"Autosave is off: {e}")

    def _on_autosaved(self, when: float) -> None:
        # the recovered work now lives in this session's own autosave
        self._discard_recovered()

    def _discard_recovered(self) -> None:
        entry, self._recovered_entry = self._recovered_entry, None
        if entry is not None:
            from studio.engine import autosave
            autosave.discard(entry)

    def _on_array_layout_changed(self) -> None:
        doc = self.model.document
        data = self.array_panel.layout_dict()
        if doc is None or data is None:
            return
        if getattr(doc, "extensions", None) is None:
            doc.extensions = {}
        old = doc.extensions.get(EXTENSION_KEY)
        doc.extensions[EXTENSION_KEY] = data
        # an edit of the layout the session holds is work to save; the editor's default
        # layout filled into a document that had none is not
        if old is not None and old != data:
            doc.mark_unsaved()

    def shutdown(self) -> None:
        """Stop autosave (cleanly), the task lanes, the player and the engine thread."""
        if self._shut_down:
            return
        self._shut_down = True
        self.player.stop()
        if self._autosaver is not None:
            self._autosaver.stop(clean=True)
            self._autosaver = None
        self._discard_recovered()
        train = getattr(self, "train_dialog", None)
        if train is not None and shiboken6.isValid(train):
            train.shutdown()  # the trainer saves its run (SIGINT), then exits
        for child in getattr(self, "children_windows", []):
            if shiboken6.isValid(child):
                child.quiet = True
                child.shutdown()
                child.close()
        self.tasks.shutdown()
        if self._owns_host:
            self.jobs.host.shutdown()

    def _update_title(self) -> None:
        doc = self.model.document
        if doc is None:
            self.setWindowTitle(APP_TITLE)
            return
        name = os.path.basename(doc.path) if doc.path else (
            (getattr(doc, "source_info", None) or {}).get("title") or "Untitled")
        self.setWindowTitle(f"{name}{' *' if doc.is_modified else ''} — {APP_TITLE}")

    # status bar --------------------------------------------------------------------------
    def notify(self, message: str, ms: int = 6000) -> None:
        self.statusBar().showMessage(message, ms)

    def _show_device(self) -> None:
        try:
            from studio.engine import devices
            dev = devices.resolve(self.jobs.device)
            self.device_label.setText(f"Engine: {dev}")
        except Exception:  # noqa: BLE001 - a missing torch build must not stop the window
            self.device_label.setText("Engine: cpu")

    def _on_format_changed(self) -> None:
        st = self.model.state
        if st is None:
            self.format_label.setText("")
            return
        info = getattr(self.model.document, "source_info", {}) or {}
        depth = info.get("subtype") or info.get("bit_depth") or "float"
        self.format_label.setText(f"{st.sample_rate} Hz · {st.n_channels} ch · {depth} · "
                                  f"{format_time(st.duration, 1e-3)}")

    def _on_selection_changed(self) -> None:
        sel = self.model.selection
        if sel is None:
            self.selection_label.setText("")
            return
        r = self.model.rate
        if sel.is_empty:  # a cursor, not a zero-length selection
            self.selection_label.setText(f"Cursor {format_time(sel.start / r)}")
            return
        text = (f"Sel {format_time(sel.start / r)}–{format_time(sel.end / r)} "
                f"({format_time(sel.length / r)})")
        if sel.has_freq_range:
            text += f" · {format_band(sel.f_lo, sel.f_hi)}"
        self.selection_label.setText(text)

    def _on_wave_hover_changed(self, seconds: float, ch: int, level: float) -> None:
        import math
        db = 20 * math.log10(abs(level)) if level else -math.inf
        self.hover_label.setText(f"{format_time(seconds)} · ch {ch + 1} · {level:+.4f} "
                                 f"({db:.1f} dBFS)")

    def _on_spec_hover_changed(self, seconds: float, hz: float, db: float) -> None:
        level = "" if db != db else f" · {db:.1f} dB"
        self.hover_label.setText(f"{format_time(seconds)} · {format_frequency(hz)}{level}")

    def _on_playhead_changed(self, frame: int) -> None:
        seconds = frame / self.model.rate
        self.transport.set_position(seconds)
        if self.player.playing and self.transport.follow.isChecked():
            rng = self.waveform.visible_range()
            if rng and not rng[0] <= seconds <= rng[1]:
                width = rng[1] - rng[0]
                self.waveform.set_visible_range(seconds - 0.05 * width, seconds + 0.95 * width)

    def _on_ab_changed(self, on: bool) -> None:
        for w in (self.transport.ab, self.takes.ab):
            if w.isChecked() != on:
                w.blockSignals(True)
                w.setChecked(on)
                w.blockSignals(False)
        self.takes.ab.setText("B: take" if on else "A/B")
        self.player.set_take(self.takes.current_take())
        self.player.set_use_take(on)
        if on and self.player.take is None:
            self.notify("No take to compare: Preview first")

    # window events -----------------------------------------------------------------------
    def is_rendered(self) -> bool:
        """Views painted and visible spectrogram tiles on screen (screenshots wait for it)."""
        if self.model.document is None:
            return True
        return self.waveform.paint_count > 0 and (
            not self.spectrogram.isVisible() or self.spectrogram.is_ready())

    def dragEnterEvent(self, ev):
        from studio.ui.generate import actions as clip_actions
        if ev.mimeData().hasUrls() or clip_actions.accepts_drop(self, ev):
            ev.acceptProposedAction()

    def dropEvent(self, ev):
        from studio.ui.generate import actions as clip_actions
        if clip_actions.drop(self, ev):  # a clip dragged from the Clips bin
            return
        urls = [u.toLocalFile() for u in ev.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.actions_.open_path(urls[0])

    def closeEvent(self, ev):
        from studio.ui.generate import actions as clip_actions
        if not self.actions_.confirm_discard() or not clip_actions.confirm_close(self):
            ev.ignore()
            return
        self.settings.save_layout(self.saveGeometry(), self.saveState())
        self.settings.set("theme", theme.current_name())
        self.settings.sync()
        self.shutdown()
        ev.accept()
