"""What the repair journeys add to the window, wired in one place: the noise profile (keeper,
panel in the operations dock, side input of the ops that declare Extra(source=
"noise_profile")), the names takes get from their side inputs, and the dropout finder."""
from __future__ import annotations

from studio.ui.repair.dropouts import DropoutFinder
from studio.ui.repair.noise_profile import (SOURCE, NoiseProfileKeeper, NoiseProfilePanel,
                                            file_param_given)


class RepairTools:
    def __init__(self, window):
        self.w = window
        self.noise = NoiseProfileKeeper(window)
        self.noise_panel = NoiseProfilePanel(self.noise)
        ops = window.operations
        ops.add_side_panel(self.noise_panel)
        ops.combo.currentIndexChanged.connect(self._on_operation_changed)
        self._on_operation_changed()
        self.dropouts = DropoutFinder(window)

    def _on_operation_changed(self, *_) -> None:
        op = self.w.operations.operation
        self.noise_panel.setVisible(op is not None and _takes_profile(op))

    def side_input(self, extra, op, params: dict):
        """(audio (C, N), rate) for an Extra the document provides, or None. A profile file
        named in the op's form is the user's explicit choice: then the document's is not
        sent (the op would prefer the clip)."""
        if extra.source == SOURCE and not file_param_given(op, params):
            return self.noise.provide()
        return None

    def used_instead_of_file(self, op, params: dict) -> str:
        """What an empty file parameter of `op` stands for when it runs from this window
        ('learned profile 0.1–0.9 s', 'noise estimated from the audio'); '' when the op takes no
        side input from the document or the user named a file."""
        if not _takes_profile(op) or file_param_given(op, params):
            return ""
        return ("learned " + self.noise.label()) if self.noise.label() else \
            "noise estimated from the audio"

    def title_for(self, op, params: dict) -> str:
        """The op's title and the side input it runs with, so takes say what made them:
        'Noise reduction · profile 2.1–2.6 s', '… · estimated noise'."""
        if not _takes_profile(op):
            return op.title
        given = file_param_given(op, params)
        what = f"profile {given}" if given else (self.noise.label() or "estimated noise")
        return f"{op.title} · {what}"


def _takes_profile(op) -> bool:
    return any(e.source == SOURCE for e in op.extras)
