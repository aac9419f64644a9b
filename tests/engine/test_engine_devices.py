import pytest
import torch

from studio.engine import devices
from studio.errors import StudioError


def test_auto_picks_the_best_available(monkeypatch):
    monkeypatch.delenv("STUDIO_DEVICE", raising=False)
    best = devices.available()[0]
    assert devices.resolve("auto").type == best
    assert devices.available()[-1] == "cpu"
    if not torch.cuda.is_available():
        assert "no CUDA" in devices.describe("auto") or "MPS" in devices.describe("auto")


def test_cuda_is_chosen_first_when_present(monkeypatch):
    monkeypatch.setattr(devices, "_cuda_ok", lambda: True)
    monkeypatch.setattr(devices, "_mps_ok", lambda: True)
    monkeypatch.delenv("STUDIO_DEVICE", raising=False)
    assert devices.available() == ["cuda", "mps", "cpu"]
    assert devices.resolve("auto") == torch.device("cuda:0")
    monkeypatch.setattr(devices, "_cuda_ok", lambda: False)
    assert devices.resolve("auto") == torch.device("mps")


def test_forcing_a_missing_device_is_an_error(monkeypatch):
    monkeypatch.setattr(devices, "_cuda_ok", lambda: False)
    monkeypatch.setattr(devices, "_mps_ok", lambda: False)
    with pytest.raises(StudioError, match="'cuda' was requested but is not available"):
        devices.resolve("cuda")
    with pytest.raises(StudioError, match="unknown device"):
        devices.resolve("tpu")
    assert devices.resolve("cpu") == torch.device("cpu")
    assert "chosen by the user" in devices.describe("cpu")
    assert "not available" in devices.describe("mps")


def test_environment_forces_a_device(monkeypatch):
    monkeypatch.setenv("STUDIO_DEVICE", "cpu")
    assert devices.resolve(None).type == "cpu"
    assert "chosen by the user" in devices.describe(None)


def test_out_of_memory_is_recognised():
    assert devices.is_out_of_memory(torch.cuda.OutOfMemoryError("CUDA out of memory"))
    assert devices.is_out_of_memory(RuntimeError("CUDA error: out of memory"))
    assert devices.is_out_of_memory(RuntimeError("MPS backend out of memory"))
    assert not devices.is_out_of_memory(RuntimeError("size mismatch"))
    assert not devices.is_out_of_memory(ValueError("out of memory"))  # not a runtime error
