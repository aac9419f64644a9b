"""Change instrument's Model field offers the bundled instruments and the presets the user
learned, in an editable combo (a preset file's path can still be typed)."""
import shutil

from PySide6.QtWidgets import QComboBox

from studio.paths import resource
from tests.ui.test_form_hints import _fresh

BUNDLED = sorted(p.stem for p in resource("presets", "timbre").glob("*.json"))


def test_instrument_field_lists_bundled_and_learned_presets(window, qtbot, tmp_path,
                                                             monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))  # the user's learned presets
    assert len(BUNDLED) == 8 and "violin" in BUNDLED
    form = _fresh(window.operations, "convert.timbre")
    combo = form.editors["model"].widget
    assert isinstance(combo, QComboBox) and combo.isEditable()
    items = [combo.itemText(i) for i in range(combo.count())]
    assert items == BUNDLED and combo.currentText() == "violin"
    # a preset learned meanwhile is offered the next time the list opens
    from studio.models.timbre.catalog import user_dir
    learned = user_dir()
    assert str(learned).startswith(str(tmp_path))
    learned.mkdir(parents=True)
    shutil.copy(resource("presets", "timbre", "cello.json"), learned / "my_cello.json")
    combo.showPopup()
    combo.hidePopup()
    assert [combo.itemText(i) for i in range(combo.count())] == BUNDLED + ["my_cello"]
    combo.setCurrentIndex(combo.findText("flute"))
    assert form.values()["model"] == "flute"
    combo.setEditText("/some/where/bowed.json")  # free text still goes through
    assert form.values()["model"] == "/some/where/bowed.json"
