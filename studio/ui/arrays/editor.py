"""The microphone-array layout editor: top and side views, the coordinate table, presets,
transforms, undo, and the array's figures recomputed while microphones are dragged.

Figures come from `studio.arrays.live.ArrayFigures` (numpy out; a few milliseconds with its
caches), computed in the GUI thread at most once per event-loop pass: every change only
marks them stale and starts a 0 ms single-shot timer, so a burst of drag events between two
frames costs one computation on the latest layout.
"""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QHBoxLayout,
                               QLabel, QMenu, QPushButton, QSlider, QSpinBox, QSplitter,
                               QTabWidget, QToolButton, QVBoxLayout, QWidget, QWidgetAction)

from studio.arrays import formats, presets
from studio.arrays.geometry import Layout, Microphone, Room, Source
from studio.arrays.live import METHODS, ArrayFigures
from studio.errors import StudioError
from studio.ui.arrays.located import AzimuthMapPlot, LocatedMarkers
from studio.ui.arrays.plan_view import PlanView
from studio.ui.arrays.plots import FiguresPanel
from studio.ui.arrays.preset_boxes import PresetBoxes
from studio.ui.arrays.table import UNITS, CoordinateTable

SNAPS = {"off": 0.0, "1 mm": 0.001, "5 mm": 0.005, "1 cm": 0.01, "5 cm": 0.05}
LOADING_RANGE = (-5.0, 1.0)  # log10 of the diagonal loading on the slider


def default_layout() -> Layout:
    lay = presets.circular(6, 0.0463).translated([3.0, 2.5, 1.2])
    lay.room = Room((6.0, 5.0, 3.0), 0.3)
    lay.sources = [Source(4.5, 3.5, 1.2, "source 1")]
    lay.name = "UCA 6"
    return lay


class _LayoutCommand(QUndoCommand):
    def __init__(self, editor: "ArrayEditor", before: dict, after: dict, text: str):
        super().__init__(text)
        self._editor, self._before, self._after = editor, before, after

    def redo(self):
        self._editor._apply_dict(self._after)

    def undo(self):
        self._editor._apply_dict(self._before)


class ArrayEditor(QWidget):
    layout_changed = Signal(dict)  # the layout as get_layout() returns it

    def __init__(self, parent=None):
        super().__init__(parent)
        self._layout = default_layout()
        self._selected: set[int] = set()
        self._figures = ArrayFigures()
        self._steer = 0.0
        self._polar_hz = 1000.0
        self._drag: dict | None = None
        self._pending_rows: list[int] | None = None  # rows moved by a drag, not yet shown
        self.undo_stack = QUndoStack(self)
        self._timer = QTimer(self, singleShot=True, interval=0)
        self._timer.timeout.connect(self._update_figures)
        self._build()
        self.boxes.show_preset("Circular")  # what default_layout() is
        self._on_units_changed(self.units.currentText())
        self._refresh(full=True, fit=True)

    # ---- public API (the window stores the layout in the session) ---------------------------
    def get_layout(self) -> dict:
        return self._layout.to_dict()

    def set_layout(self, layout_dict: dict | None) -> None:
        """Show a stored layout (a fresh history: loading a session is not an edit)."""
        self._layout = Layout.from_dict(layout_dict) if layout_dict else default_layout()
        self._selected.clear()
        self.undo_stack.clear()
        self.boxes.show_preset("Circular" if not layout_dict else None, len(self._layout.mics))
        self.located.clear()
        self._refresh(full=True, fit=True)

    def show_located(self, azimuths_deg, grid_deg, spectrum, method: str = "") -> None:
        """A DOA result: rays from the array centre toward each found azimuth on the plan,
        labelled in degrees, and the azimuth map in the "Located" tab."""
        centre = self._layout.centroid()
        pos = self._layout.positions(enabled_only=True)
        extent = float(np.ptp(pos[:, :2], axis=0).max()) if len(pos) else 0.1
        self.located.show(centre[:2], azimuths_deg, 0.6 * extent + 0.01)
        self.azimuth_map.show(grid_deg, spectrum, azimuths_deg, method)
        self.tabs.setCurrentWidget(self.azimuth_map)

    def layout(self) -> Layout:  # noqa: D401 - the editor's current Layout object
        return self._layout

    # ---- construction -----------------------------------------------------------------------
    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(4, 2, 4, 2)
        root.setSpacing(2)
        root.addLayout(self._build_edit_bar())
        root.addLayout(self._build_figure_bar())
        self.top = PlanView((0, 1))
        self.side = PlanView((0, 2))
        self.located = LocatedMarkers(self.top)
        for view in (self.top, self.side):
            view.item_pressed.connect(self._on_item_pressed)
            view.empty_clicked.connect(self._on_empty_clicked)
            view.drag_started.connect(self._on_drag_started)
            view.drag_moved.connect(self._on_drag_moved)
            view.drag_finished.connect(self._on_drag_finished)
            view.band_selected.connect(self._on_band_selected)
        self.panel = FiguresPanel()
        self.panel.steer_moved.connect(self._on_steer_changed)
        self.panel.polar_freq_moved.connect(self._on_polar_freq_changed)
        self.table = CoordinateTable()
        self.table.edited.connect(self._on_table_edited)
        self.table.rejected.connect(self._on_table_rejected)
        # a docked editor is wide and short: plan | figures | table and results side by
        # side, so each keeps the dock's whole height (stacked, the map was a strip, and
        # the side view under the top view had a few pixels and spanned 1 km)
        self.top.setMinimumHeight(150)
        self.views = QTabWidget()
        self.views.addTab(self.top, "Top (x-y)")
        self.views.addTab(self.side, "Side (x-z)")
        fit_bar = QWidget()
        fit_bar.setLayout(self._build_fit_bar())
        self.views.setCornerWidget(fit_bar)
        plan = self.views
        self._stale_views: set = set()
        self.views.currentChanged.connect(self._on_view_tab_changed)
        self.azimuth_map = AzimuthMapPlot()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.table, "Microphones")
        self.tabs.addTab(self.panel.gains, "WNG / DI")
        self.tabs.addTab(self.azimuth_map, "Located")
        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(plan)
        main.addWidget(self.panel)
        main.addWidget(self.tabs)
        # the table's seven columns need ~360 px, the two figures share less (they scale)
        main.setSizes([285, 325, 390])
        main.setChildrenCollapsible(False)
        root.addWidget(main, 1)
        self.status = QLabel()
        root.addWidget(self.status)
        undo = self.undo_stack.createUndoAction(self, "Undo")
        redo = self.undo_stack.createRedoAction(self, "Redo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo.setShortcut(QKeySequence.StandardKey.Redo)
        delete = QAction("Delete", self, shortcut=QKeySequence.StandardKey.Delete)
        delete.triggered.connect(self.delete_selected)
        for action in (undo, redo, delete):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
        # the buttons keep a short text (the action's "Undo Move microphones" would widen the
        # dock's edit bar, and so the whole dock, under the mouse); the step is in the tip
        stack = self.undo_stack
        self.undo_button.setText("Undo")
        self.redo_button.setText("Redo")
        self.undo_button.clicked.connect(stack.undo)
        self.redo_button.clicked.connect(stack.redo)
        stack.canUndoChanged.connect(self.undo_button.setEnabled)
        stack.canRedoChanged.connect(self.redo_button.setEnabled)
        stack.indexChanged.connect(self._on_undo_index_changed)
        self._on_undo_index_changed()

    def _on_undo_index_changed(self, *_):
        stack = self.undo_stack
        self.undo_button.setEnabled(stack.canUndo())
        self.redo_button.setEnabled(stack.canRedo())
        self.undo_button.setToolTip(f"Undo {stack.undoText()}" if stack.canUndo() else "")
        self.redo_button.setToolTip(f"Redo {stack.redoText()}" if stack.canRedo() else "")

    def _build_edit_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.presets_button = QToolButton(
            text="Layout", popupMode=QToolButton.ToolButtonPopupMode.InstantPopup)
        self.presets_button.setToolTip("Array presets (each with its own count and size), "
                                       "or import / export a layout file")
        menu = QMenu(self.presets_button)
        for name in presets.PRESETS:
            menu.addAction(name, lambda n=name: self.apply_preset(n))
        menu.addSeparator()  # layout files live here too: the edit bar must stay short
        menu.addAction("Import layout…", self._on_import_clicked)
        menu.addAction("Export layout…", self._on_export_clicked)
        self.presets_button.setMenu(menu)
        self.boxes = PresetBoxes(self)
        self.count, self.size = self.boxes.count, self.boxes.size
        self.boxes.resized.connect(self._on_preset_resized)
        bar.addWidget(self.presets_button)
        bar.addWidget(self.boxes)
        for text, slot in (("Add mic", self.add_microphone), ("Delete", self.delete_selected),
                           ("Add source", self.add_source)):
            b = QPushButton(text)
            b.clicked.connect(slot)
            bar.addWidget(b)
        self.room_check = QCheckBox("room", checked=True)
        self.room_check.toggled.connect(self._on_room_toggled)
        bar.addWidget(self.room_check)
        self.transform_button = QToolButton(
            text="Transform", popupMode=QToolButton.ToolButtonPopupMode.InstantPopup)
        self.transform_button.setToolTip("Rotate, scale or move the selected microphones (or all)")
        popup = QMenu(self.transform_button)
        holder = QWidget()
        holder.setLayout(self._build_transform_bar())
        action = QWidgetAction(popup)
        action.setDefaultWidget(holder)
        popup.addAction(action)
        self.transform_button.setMenu(popup)
        bar.addWidget(self.transform_button)
        self.undo_button, self.redo_button = QToolButton(), QToolButton()
        bar.addWidget(self.undo_button)
        bar.addWidget(self.redo_button)
        bar.addStretch(1)
        bar.addWidget(QLabel("units"))
        self.units = QComboBox()
        self.units.addItems(list(UNITS))
        self.units.setCurrentText("cm")
        self.units.currentTextChanged.connect(self._on_units_changed)
        bar.addWidget(self.units)
        bar.addWidget(QLabel("snap"))
        self.snap = QComboBox()
        self.snap.addItems(list(SNAPS))
        self.snap.setCurrentText("1 mm")
        bar.addWidget(self.snap)
        return bar

    def _build_transform_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.addWidget(QLabel("selection (or all):"))
        self.rotate_by = QDoubleSpinBox(minimum=-360, maximum=360, value=15, suffix=" °")
        self.scale_by = QDoubleSpinBox(decimals=3, minimum=0.01, maximum=100, value=1.1,
                                       singleStep=0.1, prefix="× ")
        self.move_by = [QDoubleSpinBox(decimals=3, minimum=-1e4, maximum=1e4, prefix=f"d{a} ")
                        for a in "xyz"]  # in the editor's unit (suffix set by the units box)
        for widget, text, slot in ((self.rotate_by, "Rotate", self._on_rotate_clicked),
                                   (self.scale_by, "Scale", self._on_scale_clicked)):
            bar.addWidget(widget)
            b = QPushButton(text)
            b.clicked.connect(slot)
            bar.addWidget(b)
        for w in self.move_by:
            bar.addWidget(w)
        b = QPushButton("Move")
        b.clicked.connect(self._on_move_clicked)
        bar.addWidget(b)
        return bar

    def _build_fit_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        # no "frame:" label: beside the view tabs it squeezed "Side (x-z)" to "Side (:"
        for text, what, tip in (("Array", "array", "Frame the view on the microphones"),
                                ("Room", "room", "Frame the view on the room, the sources "
                                                 "and the array")):
            b = QToolButton(text=text, autoRaise=True)
            b.setToolTip(tip)
            b.clicked.connect(lambda _=False, w=what: self.fit_views(w))
            bar.addWidget(b)
        bar.addStretch(1)
        return bar

    def _on_view_tab_changed(self, _index: int) -> None:
        if self.views.currentWidget() in self._stale_views:
            self._show_layout(False, [])

    def fit_views(self, what: str = "array") -> None:
        for view in (self.top, self.side):
            view.fit_to(what)

    def _build_figure_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.method = QComboBox()
        self.method.addItems(list(METHODS))
        self.method.currentTextChanged.connect(self._schedule_figures)
        bar.addWidget(self.method)
        bar.addWidget(QLabel("steer"))
        self.steer_slider = QSlider(Qt.Orientation.Horizontal, minimum=-180, maximum=180, value=0)
        self.steer_slider.valueChanged.connect(lambda v: self._on_steer_changed(float(v)))
        bar.addWidget(self.steer_slider, 1)
        self.steer_label = QLabel("0°")
        bar.addWidget(self.steer_label)
        bar.addWidget(QLabel("loading"))
        self.loading_slider = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=600, value=300)
        self.loading_slider.valueChanged.connect(self._on_loading_changed)
        bar.addWidget(self.loading_slider, 1)
        self.loading_label = QLabel()
        self.loading_label.setToolTip("Diagonal loading of MVDR's noise covariance, relative "
                                      "to the mean microphone power")
        bar.addWidget(self.loading_label)
        bar.addSpacing(12)  # "-20 dB polar at" read as one phrase
        bar.addWidget(QLabel("polar at"))
        self.polar_freq = QDoubleSpinBox(decimals=0, minimum=20, maximum=8000, value=1000,
                                         singleStep=100, suffix=" Hz")
        self.polar_freq.valueChanged.connect(self._on_polar_freq_changed)
        bar.addWidget(self.polar_freq)
        self._on_loading_changed(self.loading_slider.value())
        return bar

    # ---- state changes ----------------------------------------------------------------------
    @property
    def loading(self) -> float:
        lo, hi = LOADING_RANGE
        return 10 ** (lo + (hi - lo) * self.loading_slider.value() / self.loading_slider.maximum())

    def _apply_dict(self, d: dict) -> None:
        self._layout = Layout.from_dict(d)
        self._selected = {i for i in self._selected if i < len(self._layout.mics)}
        self._refresh(full=True, fit=self._fit_next)
        self._fit_next = False

    _fit_next = False  # the next shown layout is a new geometry (a preset, an import): frame it

    def _edit(self, change, text: str, fit: bool | str = False) -> None:
        """Run `change(layout)` (which edits self._layout in place or returns a new one) as one
        undoable step; `fit` frames the views on the result (a new geometry)."""
        before = self._layout.to_dict()
        try:
            result = change(self._layout)
        except StudioError as e:
            self.status.setText(str(e))
            return
        if isinstance(result, Layout):
            self._layout = result
        after = self._layout.to_dict()
        self._fit_next = fit
        if after != before:
            self.undo_stack.push(_LayoutCommand(self, before, after, text))
        else:
            self._refresh(full=True, fit=fit)
        self._fit_next = False

    def _refresh(self, full: bool = False, rows=None, fit: bool | str = False) -> None:
        """Show the layout in the views and the table and schedule the figures. During a drag
        the views, the table rows and the figures are refreshed once per frame by the timer
        (a burst of mouse moves costs one refresh), and the layout is reported to the window
        only when the drag ends."""
        if self._drag is not None and not full:
            self._pending_rows = sorted(set(self._pending_rows or []) | set(rows or []))
            self._schedule_figures()
            return
        self._pending_rows = None
        self._show_layout(full, rows, fit)
        self._schedule_figures()
        self.layout_changed.emit(self._layout.to_dict())

    def _show_layout(self, full: bool, rows, fit: bool | str = False) -> None:
        lay = self._layout
        steer = (lay.centroid(), 0.3 * np.array([math.cos(math.radians(self._steer)),
                                                  math.sin(math.radians(self._steer)), 0.0]))
        for view in (self.top, self.side):
            if not (full or fit or view.isVisible()):  # the other tab: drawn when shown
                self._stale_views.add(view)
                continue
            self._stale_views.discard(view)
            view.set_scene(lay.positions(), [m.enabled for m in lay.mics], self._selected,
                           np.array([s.position for s in lay.sources]).reshape(-1, 3),
                           None if lay.room is None else lay.room.size, steer, fit=fit)
        self.table.fill(lay, None if full else rows)
        if full:
            self.room_check.blockSignals(True)
            self.room_check.setChecked(lay.room is not None)
            self.room_check.blockSignals(False)

    def _schedule_figures(self, *_) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def _update_figures(self) -> None:
        if self._pending_rows is not None:  # a drag's coalesced view and table refresh
            rows, self._pending_rows = self._pending_rows, None
            self._show_layout(False, rows)
        fig = self._figures.compute(self._layout, self._steer, self.method.currentText(),
                                    self.loading, self._polar_hz)
        self.panel.show_figures(fig, self._steer)
        self.last_figures = fig

    # ---- handlers: views ----------------------------------------------------------------------
    def _snap(self, v: float) -> float:
        step = SNAPS[self.snap.currentText()]
        return round(v / step) * step if step else v

    def _on_item_pressed(self, kind: str, index: int, modifiers) -> None:
        if kind != "mic":
            return
        if modifiers & Qt.KeyboardModifier.ControlModifier or modifiers & Qt.KeyboardModifier.ShiftModifier:
            self._selected ^= {index}
        else:
            self._selected = {index}
        self._refresh(rows=[])

    def _on_empty_clicked(self, modifiers) -> None:
        if not modifiers & Qt.KeyboardModifier.ControlModifier:
            self._selected = set()
            self._refresh(rows=[])

    def _on_band_selected(self, a0, b0, a1, b1, modifiers) -> None:
        view = self.sender() if isinstance(self.sender(), PlanView) else self.top
        found = set(view.mics_in(a0, b0, a1, b1))
        self._selected = (self._selected | found) if modifiers & Qt.KeyboardModifier.ControlModifier else found
        self._refresh(rows=[])

    def _on_drag_started(self, kind: str, index: int, modifiers) -> None:
        if kind == "mic" and index not in self._selected:
            if modifiers & Qt.KeyboardModifier.ControlModifier:
                self._selected.add(index)
            else:
                self._selected = {index}
        self._drag = {"before": self._layout.to_dict(), "positions": self._layout.positions(),
                      "sources": [s.position for s in self._layout.sources]}

    def _on_drag_moved(self, kind: str, index: int, a: float, b: float) -> None:
        if self._drag is None:
            return
        axes = self.sender().axes if isinstance(self.sender(), PlanView) else (0, 1)
        self.drag_item(kind, index, axes, a, b)

    def drag_item(self, kind: str, index: int, axes, a: float, b: float) -> None:
        """Move the grabbed item so it sits at (a, b) in the view's axes (snapped); selected
        microphones move along with a grabbed microphone."""
        if self._drag is None:
            self._on_drag_started(kind, index, Qt.KeyboardModifier.NoModifier)
        a, b = self._snap(a), self._snap(b)
        lay = self._layout
        if kind == "mic":
            start = self._drag["positions"]
            delta = np.zeros(3)
            delta[axes[0]] = a - start[index, axes[0]]
            delta[axes[1]] = b - start[index, axes[1]]
            rows = sorted(self._selected | {index})
            lay.set_positions(start[rows] + delta, rows)
            self._refresh(rows=rows)
        elif kind == "source":
            s = lay.sources[index]
            xyz = [s.x, s.y, s.z]
            xyz[axes[0]], xyz[axes[1]] = a, b
            s.x, s.y, s.z = xyz
            self._refresh(rows=[])
        elif kind == "room" and lay.room is not None:
            size = list(lay.room.size)
            size[axes[0]], size[axes[1]] = max(a, 0.5), max(b, 0.5)
            lay.room.size = tuple(size)
            self._refresh(rows=[])

    def _on_drag_finished(self, kind: str, index: int, a: float, b: float) -> None:
        if self._drag is None:
            return
        self._on_drag_moved(kind, index, a, b)
        self.finish_drag(kind)

    def finish_drag(self, kind: str = "mic") -> None:
        before, self._drag = self._drag["before"], None
        after = self._layout.to_dict()
        if after != before:
            what = {"mic": "Move microphones", "source": "Move source", "room": "Resize room"}
            self.undo_stack.push(_LayoutCommand(self, before, after, what.get(kind, "Move")))
        self._refresh(full=True)

    # ---- handlers: table, bars --------------------------------------------------------------
    def _on_table_edited(self, row: int, name: str, value) -> None:
        def change(lay):
            setattr(lay.mics[row], name, value)
        self._edit(change, f"Edit microphone {row + 1} {name}")

    def _on_table_rejected(self, message: str) -> None:
        self.status.setText(message)
        self.table.fill(self._layout)

    def _on_units_changed(self, units: str) -> None:
        """One unit everywhere: the table, the plan's axes, the size and move boxes."""
        self.table.set_units(units, self._layout)
        for view in (self.top, self.side):
            view.set_units(units, UNITS[units])
        self.boxes.set_units(units, UNITS[units])
        for w in self.move_by:
            w.setSuffix(f" {units}")

    def _indices(self) -> list[int] | None:
        return sorted(self._selected) or None

    def _on_rotate_clicked(self) -> None:
        self._edit(lambda lay: lay.rotated(self.rotate_by.value(), self._indices()), "Rotate")

    def _on_scale_clicked(self) -> None:
        self._edit(lambda lay: lay.scaled(self.scale_by.value(), self._indices()), "Scale")

    def _on_move_clicked(self) -> None:
        scale = UNITS[self.units.currentText()]
        offset = [w.value() / scale for w in self.move_by]
        self._edit(lambda lay: lay.translated(offset, self._indices()), "Move")

    def _on_room_toggled(self, on: bool) -> None:
        def change(lay):
            lay.room = Room((6.0, 5.0, 3.0), 0.3) if on else None
        self._edit(change, "Room" if on else "No room")

    def _on_steer_changed(self, degrees: float) -> None:
        self._steer = float((degrees + 180) % 360 - 180)
        self.steer_label.setText(f"{self._steer:.0f}°")
        self.steer_slider.blockSignals(True)
        self.steer_slider.setValue(int(round(self._steer)))
        self.steer_slider.blockSignals(False)
        self._refresh(rows=[])

    def _on_loading_changed(self, _value=None) -> None:
        # in dB relative to the mean power: "-20 dB", not "1.0e-02"
        self.loading_label.setText(f"{10 * math.log10(self.loading):.0f} dB".replace("-", "−"))
        self._schedule_figures()

    def _on_polar_freq_changed(self, hz: float) -> None:
        self._polar_hz = float(min(max(hz, 20.0), self._figures.freqs[-1]))
        self.polar_freq.blockSignals(True)
        self.polar_freq.setValue(self._polar_hz)
        self.polar_freq.blockSignals(False)
        self._schedule_figures()

    # ---- editing commands ---------------------------------------------------------------------
    def apply_preset(self, name: str) -> None:
        """The preset with its own geometry (its natural count and aperture); the boxes show
        them, and editing a box re-makes this preset at the new count or size."""
        self.boxes.show_preset(name)
        self._make_preset(name, self.boxes.overrides(), f"Preset: {name}")

    def _on_preset_resized(self) -> None:
        name = self.boxes.preset
        if name is not None:
            self._make_preset(name, self.boxes.overrides(),
                              f"Preset: {name} ({self.boxes.summary()})")

    def _make_preset(self, name: str, kwargs: dict, text: str) -> None:
        def change(lay):
            centre = lay.centroid() if lay.mics else (
                np.asarray(lay.room.size) / 2 if lay.room else np.zeros(3))
            new = presets.preset(name, **kwargs).translated(centre)
            new.room, new.sources = lay.room, lay.sources
            return new
        self._selected.clear()
        self._edit(change, text, fit=True)

    def add_microphone(self) -> None:
        def change(lay):
            c = lay.centroid()
            r = max(0.02, float(np.linalg.norm(lay.positions() - c, axis=1).max(initial=0.0)) + 0.02)
            lay.mics.append(Microphone(float(c[0] + r), float(c[1]), float(c[2])))
        self._edit(change, "Add microphone")

    def delete_selected(self) -> None:
        if not self._selected:
            return
        gone = set(self._selected)
        self._selected.clear()

        def change(lay):
            lay.mics = [m for i, m in enumerate(lay.mics) if i not in gone]
        self._edit(change, f"Delete {len(gone)} microphone(s)")

    def add_source(self) -> None:
        def change(lay):
            c = lay.centroid()
            lay.sources.append(Source(float(c[0] + 1.0), float(c[1] + 0.5), float(c[2]),
                                      f"source {len(lay.sources) + 1}"))
        self._edit(change, "Add source", fit="room")  # a metre away: out of the array's frame

    def _on_import_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import array layout", "",
                                              "Array layouts (*.json *.xml *.cfg)")
        if path:
            self.import_file(path)

    def import_file(self, path: str) -> None:
        def change(lay):
            new = formats.load_layout(path)
            if new.room is None and not new.sources:
                new.room, new.sources = lay.room, lay.sources
            return new
        self._edit(change, "Import layout", fit=True)
        self.boxes.show_preset(None, len(self._layout.mics))

    def _on_export_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export array layout", f"{self._layout.name}.json",
                                              "JSON (*.json);;acoular XML (*.xml);;ODAS (*.cfg)")
        if path:
            try:
                formats.save_layout(self._layout, path)
                self.status.setText(f"exported {path}")
            except StudioError as e:
                self.status.setText(str(e))
