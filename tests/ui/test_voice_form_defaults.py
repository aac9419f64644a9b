"""Change voice opens on a change that is heard (male_to_female, its values in the fields), and
Reset all comes back to it; the form's values run as shown."""
from studio.ops.convert.voice import PRESETS
from tests.ui.test_form_hints import _fresh


def test_voice_form_opens_on_male_to_female_and_resets_to_it(window, qtbot):
    ops = window.operations
    form = _fresh(ops, "convert.voice")
    ratio, spread, formant, breath = PRESETS["male_to_female"]
    ed = form.editors
    assert ed["preset"].widget.currentText() == "male_to_female"
    assert (ed["pitch_ratio"].spin.text(), ed["formant_ratio"].spin.text()) == ("1.75", "1.17")
    ed["preset"].widget.setCurrentText("female_to_male")
    assert ed["pitch_ratio"].value() == PRESETS["female_to_male"][0]
    form.reset()
    shown = form.values()
    assert shown["preset"] == "male_to_female"
    assert (shown["pitch_ratio"], shown["pitch_range"], shown["formant_ratio"],
            shown["breathiness"]) == (ratio, spread, formant, breath)
