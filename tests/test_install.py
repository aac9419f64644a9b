"""The installed torch family is the pinned one and its compiled parts load together.

A drift (a torchaudio built for another torch) fails here as one named test with the two
versions in its message, instead of as collection errors all over the suite."""
from pathlib import Path

from studio import install_check

ROOT = Path(__file__).resolve().parent.parent


def test_torch_and_torchaudio_are_pinned_exactly():
    pins = install_check.pinned_versions(ROOT / "pyproject.toml")
    assert set(pins) == {"torch", "torchaudio"}, "pyproject.toml must pin both with =="
    lock = (ROOT / "requirements.lock").read_text().splitlines()
    for name, version in pins.items():
        assert f"{name}=={version}" in lock, f"requirements.lock does not hold {name}=={version}"


def test_installed_torch_family_matches_the_pins_and_loads():
    found = install_check.problems()
    assert not found, "; ".join(found)


def test_a_drifted_version_is_named(monkeypatch):
    monkeypatch.setattr(install_check, "installed_versions",
                        lambda: {"torch": "2.11.0", "torchaudio": "2.11.1"})
    monkeypatch.setattr(install_check, "pinned_versions",
                        lambda: {"torch": "2.11.0", "torchaudio": "2.11.0"})
    monkeypatch.setattr(install_check, "load_extension", lambda: (_ for _ in ()).throw(
        OSError("undefined symbol: torch_exception_get_what_without_backtrace")))
    found = install_check.problems()
    assert found[0] == "torchaudio 2.11.1 is installed, but pyproject.toml pins 2.11.0"
    assert "torchaudio 2.11.1 does not load with torch 2.11.0: undefined symbol" in found[1]
