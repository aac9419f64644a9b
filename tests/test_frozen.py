"""What a frozen (PyInstaller) app relies on, checked fast without building one: the spec's own
declarations (read by running build_spec/studio.spec with PyInstaller's build steps recorded
instead of run), resources under sys._MEIPASS, every module that pkgutil discovers listed for
the bundle, and QtMultimedia's backend plugin collected. The built bundle itself is checked by
tests/test_bundle.py (slow) through build_spec/smoke.py."""
import os
import pkgutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "build_spec" / "studio.spec"


class _Recorded:
    """Stands for one of PyInstaller's build steps (Analysis, PYZ, EXE, COLLECT)."""

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs

    def __getattr__(self, name):  # a.pure, a.scripts, a.binaries ...: handed on, not used
        return (self, name)


@pytest.fixture(scope="module")
def spec():
    steps = {}

    def record(name):
        def step(*args, **kwargs):
            steps[name] = _Recorded(*args, **kwargs)
            return steps[name]
        return step

    code = compile(SPEC.read_text(), str(SPEC), "exec")
    exec(code, {"SPECPATH": str(SPEC.parent), "__file__": str(SPEC),
                **{n: record(n) for n in ("Analysis", "PYZ", "EXE", "COLLECT")}})
    return steps


def _meipass(tmp_path, spec):
    """A bundle's data folder laid out as the spec's `datas` says (links, not copies)."""
    base = tmp_path / "_internal"
    for src, dest in spec["Analysis"].kwargs["datas"]:
        target = base / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(src, target)
    return base


def test_resources_resolve_under_meipass(tmp_path, spec, monkeypatch):
    from studio import paths
    from studio.app import demo_path
    from studio.models.diffusion import catalog

    base = _meipass(tmp_path, spec)
    monkeypatch.delenv("STUDIO_RESOURCES", raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(base), raising=False)
    assert paths.resources_dir() == base / "resources"
    assert Path(demo_path()).is_file() and str(demo_path()).startswith(str(base))
    assert (paths.resource("themes", "dark.qss")).is_file()
    models = sorted(p.name for p in catalog.bundled_dir().glob("*.json"))
    assert models and models == sorted(p.name for p in (ROOT / "resources" / "models").glob("*.json"))


def test_every_discovered_module_is_in_the_bundle(spec):
    """pkgutil finds operations, sub-commands and benches at run time; PyInstaller only packs
    what it sees imported, so each must be a hidden import of the spec."""
    import studio.bench
    import studio.cli
    import studio.ops
    hidden = set(spec["Analysis"].kwargs["hiddenimports"])
    found = [i.name for i in pkgutil.walk_packages(studio.ops.__path__, prefix="studio.ops.")]
    found += [f"studio.cli.{i.name}" for i in pkgutil.iter_modules(studio.cli.__path__)]
    found += [f"studio.bench.{i.name}" for i in pkgutil.iter_modules(studio.bench.__path__)]
    assert len(found) > 30
    assert sorted(set(found) - hidden) == []
    # the window's feature folders too (imported inside functions)
    assert {"studio.ui.main_window", "studio.ui.playback", "studio.app"} <= hidden
    excluded = set(spec["Analysis"].kwargs["excludes"])
    assert not {m.split(".")[0] for m in hidden} & excluded


def test_qtmultimedia_backend_plugin_is_collected(spec):
    """Playback (QAudioSink) needs Qt's media backend plugin; PyInstaller's QtMultimedia hook
    collects the `multimedia` plugin folder when the app imports QtMultimedia."""
    import studio.ui.playback as playback
    from PyInstaller.utils.hooks.qt import pyside6_library_info

    assert "QAudioSink" in vars(playback)  # imported from PySide6.QtMultimedia: the hook runs
    plugins = pyside6_library_info.collect_plugins("multimedia")
    names = {(Path(src).name, Path(dest).as_posix()) for src, dest in plugins}
    assert ("libffmpegmediaplugin.so", "PySide6/Qt/plugins/multimedia") in names
    assert "PySide6" not in spec["Analysis"].kwargs["excludes"]


def test_the_frozen_app_starts_training_through_itself(monkeypatch):
    """In a bundle there is no `python -m studio`: the window's trainer runs the executable."""
    from studio.ui._training_process import studio_command
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/opt/ads/studio")
    assert studio_command(["train", "--json"]) == ("/opt/ads/studio", ["train", "--json"])
