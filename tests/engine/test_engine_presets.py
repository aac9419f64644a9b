import json

import pytest

from studio.engine import presets, registry
from studio.errors import StudioError


@pytest.fixture(autouse=True)
def config_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config"


def test_save_list_load_delete_round_trip(config_home):
    path = presets.save_preset("edit.gain", "Quieter", {"db": "-6"})
    assert path.is_relative_to(config_home) and path.name == "Quieter.json"
    assert json.loads(path.read_text())["params"] == {"db": -6.0}
    assert [p.name for p in presets.list_presets("edit.gain")] == ["Quieter"]
    assert presets.load_preset("edit.gain", "Quieter") == {"db": -6.0}
    presets.delete_preset("edit.gain", "Quieter")
    assert presets.list_presets("edit.gain") == []
    with pytest.raises(StudioError, match="no preset 'Quieter'"):
        presets.load_preset("edit.gain", "Quieter")


def test_presets_are_validated_on_save_and_load(config_home):
    with pytest.raises(StudioError, match="outside"):
        presets.save_preset("edit.gain", "Too loud", {"db": 300})
    with pytest.raises(StudioError, match="not allowed"):
        presets.save_preset("edit.gain", "../escape", {"db": 1})
    # a preset file edited by hand (or from an older version) fails with one line
    folder = presets.user_dir("edit.gain")
    folder.mkdir(parents=True)
    (folder / "Old.json").write_text(json.dumps({"op": "edit.gain", "params": {"gain": 3}}))
    with pytest.raises(StudioError, match="preset 'Old' for edit.gain: unknown parameter"):
        presets.load_preset("edit.gain", "Old")
    (folder / "Broken.json").write_text("{not json")
    with pytest.raises(StudioError, match="cannot be read"):
        presets.load_preset("edit.gain", "Broken")


def test_bundled_presets_are_listed_and_protected(config_home):
    bundled = [p for p in presets.list_presets("edit.normalize") if p.bundled]
    assert "EBU R128 broadcast" in [p.name for p in bundled]
    assert presets.load_preset("edit.normalize", "EBU R128 broadcast")["lufs"] == -23.0
    with pytest.raises(StudioError, match="bundled"):
        presets.delete_preset("edit.normalize", "EBU R128 broadcast")
    # a user preset of the same name hides the bundled one, and deleting it shows it again
    presets.save_preset("edit.normalize", "EBU R128 broadcast", {"mode": "loudness",
                                                                 "lufs": -24})
    assert presets.load_preset("edit.normalize", "EBU R128 broadcast")["lufs"] == -24.0
    presets.delete_preset("edit.normalize", "EBU R128 broadcast")
    assert presets.load_preset("edit.normalize", "EBU R128 broadcast")["lufs"] == -23.0


def test_every_bundled_preset_is_valid():
    root = presets.bundled_dir("x").parent
    files = sorted(root.glob("*.*/*.json"))  # <op_id>/<name>.json (op ids have a dot)
    assert files, "no bundled presets found"
    for f in files:
        op_id = f.parent.name
        registry.get(op_id)
        assert json.loads(f.read_text())["op"] == op_id
        presets.load_preset(op_id, f.stem)
