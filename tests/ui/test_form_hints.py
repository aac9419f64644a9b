"""Forms generated from schemas, as a user meets them in the Operations dock: a class chosen
from the model's classes (notes for a pitched model), a seed box with a dice button, one
Generate button for generators, whole descriptions, and a choice that fills the fields it
sets (Change voice's presets) so the form shows the values that run."""
import json

import numpy as np
from PySide6.QtWidgets import QLabel

from studio.engine import registry
from studio.engine.operation import InputKind
from studio.engine.protocol import JobRequest
from studio.engine.runner import run_job
from studio.paths import resource

NOTES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def _fresh(ops, op_id):
    """Select `op_id` with a new form (the shared window keeps the last form of an op)."""
    other = next(op.id for op in ops.ops if op.id != op_id)
    ops.select(other)
    ops.select(op_id)
    return ops.form


def _bundled():
    return json.loads(resource("models", "oneshots.json").read_text())


def test_class_and_pitch_offer_what_the_chosen_model_has(window, qtbot, tmp_path):
    ops = window.operations
    form = _fresh(ops, "generate.sample")
    cfg = _bundled()
    assert form.editors["class"].items() == ["(none)"] + cfg["audio"]["classes"]
    # the bundled model is pitch-conditioned: its notes, low to high, after auto and none
    midis = sorted({int(m) for row in cfg["training"]["pitch"].values() for m in row["notes"]})
    names = [f"{NOTES[m % 12]}{m // 12 - 1}" for m in midis]
    assert form.editors["pitch"].items() == ["auto", "none"] + names
    # with a class chosen, the notes that class was trained on (a bass plays low)
    form.editors["class"].combo.setCurrentText("bass")
    bass = sorted(int(m) for m in cfg["training"]["pitch"]["bass"]["notes"])
    assert form.editors["pitch"].items() == ["auto", "none"] + [
        f"{NOTES[m % 12]}{m // 12 - 1}" for m in bass]
    assert len(bass) < len(midis)
    form.editors["pitch"].combo.setCurrentText("A3")
    assert form.values()["pitch"] == "A3"
    form.editors["class"].combo.setCurrentText("(none)")
    assert form.values()["class"] == ""  # "(none)" is the empty class the op expects
    # variation hears the class in the selection: "auto" is offered first
    _fresh(ops, "generate.variation")
    assert ops.form.editors["class"].items()[:2] == ["auto", "(none)"]
    assert ops.form.values()["class"] == "auto"
    # another model (a path typed in Model): its own classes, no notes without pitch
    from studio.models.diffusion.checkpoint import save_model
    from studio.models.diffusion.config import config_for
    from studio.models.diffusion.edm import Denoiser
    cfg2 = config_for("tiny", 8000, 0.25, ("boom", "tss"))
    save_model(tmp_path / "mine", Denoiser(cfg2).state_dict(), cfg2)
    form = _fresh(ops, "generate.sample")
    form.editors["class"].combo.setCurrentText("kick")
    form.set_values({"model": str(tmp_path / "mine.json")})
    assert form.editors["class"].items() == ["(none)", "boom", "tss"]
    assert form.editors["pitch"].items() == ["auto", "none"]
    assert form.values()["class"] == "kick"  # what the user typed is kept, not replaced


def test_seed_is_a_number_box_with_a_dice(window, qtbot):
    ops = window.operations
    seed = _fresh(ops, "generate.sample").editors["seed"]
    assert seed.spin.text() == "new each run" and ops.form.values()["seed"] == -1
    drawn = {seed.dice.click() or ops.form.values()["seed"] for _ in range(5)}
    assert len(drawn) >= 4 and all(0 <= s <= 999_999 for s in drawn)
    assert seed.spin.text() == str(ops.form.values()["seed"])  # the box shows the seed used
    seed.set_value(1234567890)  # any seed can be typed
    assert dict(ops.operation.schema.validate(ops.form.values()))["seed"] == 1234567890


def test_buttons_and_descriptions_for_every_operation(window, qtbot):
    ops = window.operations
    window.ops_dock.show()
    window.ops_dock.raise_()
    for op in ops.ops:
        ops.select(op.id)
        generator = op.inputs == InputKind.NONE
        # generate ops send clips to the bin; an op with no input has that one action
        assert ops.generate_btn.isVisible() == (generator or op.category == "generate"), op.id
        if generator:  # its one action; other ops keep theirs (Preview…, or Analyze)
            assert not any(b.isVisible() for b in (ops.preview_btn, ops.apply_btn,
                                                   ops.compare_btn, ops.render_btn)), op.id
        # the whole first paragraph of the description, as one line that wraps
        first = " ".join(op.description.strip().split("\n\n")[0].split())
        assert ops.description.text() == first, op.id
        qtbot.waitUntil(lambda: ops.description.height() >=
                        ops.description.heightForWidth(ops.description.width()), timeout=2000)
    ops.select("generate.sample")
    assert ops.description.text().endswith("several takes with consecutive seeds.")


def test_voice_preset_fills_the_fields_that_run(window, qtbot):
    ops = window.operations
    form = _fresh(ops, "convert.voice")
    labels = [w.text() for w in window.ops_dock.findChildren(QLabel) if w.isVisible()]
    assert labels.count("Preset") == 1 and "Voice change" in labels  # one "Preset" row
    from studio.ops.convert.voice import PRESETS
    form.editors["preset"].widget.setCurrentText("male_to_female")
    shown = form.values()
    ratio, spread, formant, breath = PRESETS["male_to_female"]
    assert (shown["pitch_ratio"], shown["pitch_range"], shown["formant_ratio"],
            shown["breathiness"]) == (ratio, spread, formant, breath)
    assert form.editors["formant_ratio"].spin.text() == "1.17"
    # what runs is what is shown: the op reports the formant ratio and range it used
    t = np.arange(8000) / 16000
    x = (0.3 * np.sign(np.sin(2 * np.pi * 120 * t))).astype(np.float32)[None]
    params = dict(ops.operation.schema.validate(form.values()), if_polyphonic="best_effort")
    r = run_job(JobRequest(op_id="convert.voice", params=params, inputs=x, sample_rate=16000,
                           device="cpu"))
    assert r.report.values["formant_ratio"] == shown["formant_ratio"]
    assert r.report.values["pitch_range"] == shown["pitch_range"]
    # editing a filled field makes the choice "custom": the preset no longer overrides it
    form.editors["formant_ratio"].set_value(1.3)
    assert form.values()["preset"] == "custom" and form.values()["formant_ratio"] == 1.3
    params = dict(ops.operation.schema.validate(form.values()), if_polyphonic="best_effort")
    r = run_job(JobRequest(op_id="convert.voice", params=params, inputs=x, sample_rate=16000,
                           device="cpu"))
    assert r.report.values["formant_ratio"] == 1.3
