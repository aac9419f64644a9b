"""Exporting a clip from the bin offers a name in the user's Music (or home) folder, never a
path relative to wherever the app happened to be started."""
import os

import numpy as np
from PySide6.QtWidgets import QFileDialog

from studio.ui.dialogs.save_places import user_folder
from studio.ui.generate.clip_bin import BinClip


def test_clip_export_suggests_the_users_folder(window, monkeypatch):
    clip = BinClip("sample kick seed 3", np.zeros((1, 1600), np.float32), 16000)
    window.clip_bin.add([clip])
    window.clip_bin.list.setCurrentRow(window.clip_bin.list.count() - 1)
    offered = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(
        lambda parent, title, base, *a: offered.append(base) or ("", "")))
    window.clip_bin._on_export_changed()
    assert offered == [os.path.join(user_folder(), "sample-kick-seed-3.wav")]
