"""The operations dock: pick an operation (by category), edit its parameters in a form generated
from its schema, load/save named presets, then Preview, Compare, Apply or Render."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QInputDialog, QLabel, QPushButton,
                               QScrollArea, QSizePolicy, QVBoxLayout, QWidget)

from studio.engine import presets, registry
from studio.engine.operation import InputKind
from studio.errors import StudioError
from studio.ui.forms import ParamForm


class OperationsPanel(QWidget):
    preview_requested = Signal(object, dict)   # Operation, params
    apply_requested = Signal(object, dict)
    render_requested = Signal(object, dict)
    compare_requested = Signal(object, dict)
    generate_requested = Signal(object, dict)  # a generator (no audio input): its one action
    notice = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        # every category: an array op runs on the Array dock's layout (menus route it)
        self.ops = registry.all_operations()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        self.combo = QComboBox()
        self.combo.setMaxVisibleItems(30)
        for op in self.ops:
            self.combo.addItem(f"{op.category.capitalize()} › {op.title}", op.id)
        lay.addWidget(self.combo)
        self.description = QLabel(wordWrap=True)
        self.description.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Minimum)
        lay.addWidget(self.description)
        prow = QHBoxLayout()
        self.presets = QComboBox()
        self.presets.setToolTip("Named presets for this operation")
        save = QPushButton("Save…")
        save.setToolTip("Save the current values as a named preset")
        self.reset = QPushButton("Reset")
        self.reset.setToolTip("Reset every parameter to its default")
        prow.addWidget(QLabel("Preset"))
        prow.addWidget(self.presets, 1)
        prow.addWidget(save)
        prow.addWidget(self.reset)
        lay.addLayout(prow)
        # side panels (the noise profile) and the form scroll together: their heights must not
        # add up to a minimum that pushes the window past the screen
        self.scroll = QScrollArea(widgetResizable=True)
        self.scroll.setFrameShape(QScrollArea.NoFrame)
        self.body = QWidget()
        self._body = QVBoxLayout(self.body)
        self._body.setContentsMargins(0, 0, 0, 0)
        self.scroll.setWidget(self.body)
        lay.addWidget(self.scroll, 1)
        brow = QHBoxLayout()
        self.preview_btn = QPushButton("Preview")
        self.preview_btn.setToolTip("Render the selection (or the first 10 s) into a take")
        self.compare_btn = QPushButton("Compare…")
        self.compare_btn.setToolTip("Render up to 4 parameter sets side by side as takes")
        self.apply_btn = QPushButton("Apply")
        self.apply_btn.setToolTip("Replace the selection (undoable)")
        self.render_btn = QPushButton("Render new")
        self.render_btn.setToolTip("Render the result into a new document")
        # a generator has no selection to preview, apply to or render: Preview, Apply and
        # Render new would all do one thing, so it shows that one button instead
        self.generate_btn = QPushButton("Generate")
        self.generate_btn.setToolTip("Generate clips into the Clips bin (the form keeps its "
                                     "values for the next run)")
        self.generate_btn.hide()
        brow.addWidget(self.generate_btn)
        # an analysis changes no audio: one button measures the selection (or the whole
        # file, not the 10 s a preview takes) and its report opens in the Reports dock
        self.analyze_btn = QPushButton("Analyze")
        self.analyze_btn.setToolTip("Measure the selection, or the whole file when there is "
                                    "none; the results appear in the Reports dock")
        self.analyze_btn.hide()
        brow.addWidget(self.analyze_btn)
        for b in (self.preview_btn, self.compare_btn, self.apply_btn, self.render_btn):
            brow.addWidget(b)
        self.apply_btn.setDefault(True)
        lay.addLayout(brow)
        self.form: ParamForm | None = None
        self.combo.currentIndexChanged.connect(self._on_operation_changed)
        self.presets.activated.connect(self._on_preset_changed)
        save.clicked.connect(self._on_save_preset_changed)
        self.reset.clicked.connect(lambda: self.form and self.form.reset())
        self.preview_btn.clicked.connect(lambda: self._emit(self.preview_requested))
        self.apply_btn.clicked.connect(lambda: self._emit(self.apply_requested))
        self.render_btn.clicked.connect(lambda: self._emit(self.render_requested))
        self.compare_btn.clicked.connect(lambda: self._emit(self.compare_requested))
        self.generate_btn.clicked.connect(lambda: self._emit(self.generate_requested))
        self.analyze_btn.clicked.connect(lambda: self._emit(self.apply_requested))
        if self.ops:
            # open on a repair when there is one: it is what the demo asks the user to try
            first = next((i for i, op in enumerate(self.ops) if op.category == "restore"),
                         next((i for i, op in enumerate(self.ops) if op.category == "filter"), 0))
            self.combo.setCurrentIndex(first)
            self._on_operation_changed(first)

    @property
    def operation(self):
        i = self.combo.currentIndex()
        return self.ops[i] if 0 <= i < len(self.ops) else None

    def select(self, op_id: str) -> None:
        i = self.combo.findData(op_id)
        if i >= 0:
            self.combo.setCurrentIndex(i)

    def values(self) -> dict:
        return self.form.values() if self.form else {}

    def add_side_panel(self, panel: QWidget) -> None:
        """A panel shown above the form, scrolling with it (the noise profile); the panel
        shows or hides itself for the operations it serves."""
        self._body.insertWidget(self._body.count() - 1 if self.form else self._body.count(),
                                panel)

    def _emit(self, signal) -> None:
        op = self.operation
        if op is None:
            return
        try:
            params = dict(op.schema.validate(self.values()))
        except StudioError as e:
            self.notice.emit(str(e))
            return
        signal.emit(op, params)

    def _on_operation_changed(self, index: int) -> None:
        op = self.operation
        if op is None:
            return
        self.description.setText(summary(op.description))
        self.description.setToolTip(op.description)
        if self.form is not None:
            self._body.removeWidget(self.form)
            self.form.setParent(None)  # gone from the panel now, not at the next event turn
            self.form.deleteLater()
        self.form = ParamForm(op.schema)
        self._body.addWidget(self.form, 1)
        self.form.show()  # at once, not at the layout's next turn: the panel is complete now
        self.apply_btn.setEnabled(op.returns_audio)
        from studio.ui.generate.actions import makes_new_clips, to_clip_bin
        # a generate op's Generate sends its clips to the Clips bin; one that only makes new
        # clips (no take can replace the selection) offers nothing else
        # an op with no audio input (a generator, a room simulation) has one action, named for
        # what it does: there is no selection to preview, apply to or render from
        no_input = op.inputs == InputKind.NONE
        generator = makes_new_clips(op) or no_input
        one_action = to_clip_bin(op) or no_input
        self.generate_btn.setText("Generate" if to_clip_bin(op) else f"{op.title}…")
        self.generate_btn.setVisible(one_action)
        self.generate_btn.setDefault(one_action)
        analysis = measures(op)
        self.analyze_btn.setText("Analyze" if op.category == "analyze" else op.title)
        self.analyze_btn.setVisible(analysis)
        self.analyze_btn.setDefault(analysis)
        for b in (self.preview_btn, self.compare_btn, self.apply_btn, self.render_btn):
            b.setVisible(not generator and not analysis)
        self.compare_btn.setEnabled(op.returns_audio and len(op.schema.params) > 0)
        self._fill_presets()

    def _fill_presets(self) -> None:
        self.presets.clear()
        self.presets.addItem("(defaults)", None)
        op = self.operation
        try:
            for info in presets.list_presets(op.id):
                self.presets.addItem(info.name + (" (bundled)" if info.bundled else ""),
                                     info.name)
        except StudioError as e:
            self.notice.emit(str(e))

    def _on_preset_changed(self, index: int) -> None:
        name = self.presets.itemData(index)
        if self.form is None:
            return
        if name is None:
            self.form.reset()
            return
        try:
            self.form.set_values(presets.load_preset(self.operation.id, name))
        except StudioError as e:
            self.notice.emit(str(e))

    def _on_save_preset_changed(self, name: str | None = None) -> None:
        if not isinstance(name, str) or not name:
            name, ok = QInputDialog.getText(self, "Save preset", "Preset name:")
            if not ok or not name:
                return
        try:
            presets.save_preset(self.operation.id, name, self.values())
        except StudioError as e:
            self.notice.emit(str(e))
            return
        self._fill_presets()
        self.presets.setCurrentIndex(max(0, self.presets.findData(name)))
        self.notice.emit(f"Saved preset '{name}'")


def measures(op) -> bool:
    """An op that reads the selection and changes no audio (Loudness, Learn timbre): one
    button runs it, as an 'analyze' job. Array ops that return no audio still make takes
    (Separate) and keep their buttons."""
    return not op.returns_audio and op.category != "array" and op.inputs != InputKind.NONE


def summary(description: str) -> str:
    """An operation's first paragraph as one line: docstrings wrap at ~95 columns, so their
    first line stops mid-sentence ("...optionally of one class;")."""
    first = (description or "").strip().split("\n\n")[0]
    return " ".join(first.split())
