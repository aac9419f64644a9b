"""Checkpoints as safetensors plus JSON: nothing is ever unpickled.

A model is two files side by side, NAME.safetensors (the EMA weights the samplers use) and
NAME.json (its `ModelConfig`). A training run directory also holds train_state.safetensors
and train_state.json: raw weights, EMA, optimiser moments, random-generator states and the
step, which is everything an exact resume needs.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import torch

from studio.errors import StudioError
from studio.io.atomic import atomic_path
from studio.models.diffusion.config import ModelConfig, model_files

def save_tensors(path: Path, tensors: dict[str, torch.Tensor],
                 metadata: dict[str, str] | None = None) -> None:
    from safetensors.torch import save_file
    flat = {k: v.detach().contiguous().cpu() for k, v in tensors.items()}
    with atomic_path(path) as tmp:
        save_file(flat, str(tmp), metadata=metadata)


def load_tensors(path: Path) -> dict[str, torch.Tensor]:
    from safetensors import SafetensorError
    from safetensors.torch import load_file
    try:
        return load_file(str(path))
    except (OSError, SafetensorError, ValueError) as e:
        raise StudioError(f"cannot read weights {path}: {e}") from None


def write_json(path: Path, data: Any) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1))


def save_model(path: str | Path, weights: dict[str, torch.Tensor], cfg: ModelConfig,
               dtype: torch.dtype = torch.float32, fmt: str = "studio-diffusion"
               ) -> tuple[Path, Path]:
    """Write a model (weights of the `Denoiser`, usually the EMA) and its config (any config
    with `to_json`: the restorer's too, with its own `fmt`)."""
    st, js = model_files(path)
    st.parent.mkdir(parents=True, exist_ok=True)
    cast = {k: v.to(dtype) if v.is_floating_point() else v for k, v in weights.items()}
    save_tensors(st, cast, metadata={"format": fmt})
    write_json(js, cfg.to_json())
    return st, js


def load_model(path: str | Path, device: torch.device | str = "cpu"):
    """The `Denoiser` a model's files describe, in eval mode, float32, on `device`."""
    from studio.models.diffusion.edm import Denoiser
    st, js = model_files(path)
    if not js.exists() or not st.exists():
        raise StudioError(f"diffusion model '{st.with_suffix('')}' needs both {st.name} "
                          f"and {js.name}")
    cfg = ModelConfig.load(js)  # bounded (limits.check) before anything is built
    _check_weights_fit(cfg, st)
    model = Denoiser(cfg)
    weights = {k: v.float() if v.is_floating_point() else v
               for k, v in load_tensors(st).items()}
    if not all(bool(torch.isfinite(v).all()) for v in weights.values() if v.is_floating_point()):
        raise StudioError(f"model '{st.stem}' has NaN or infinite weights")
    try:
        model.load_state_dict(weights)
    except RuntimeError as e:
        first = str(e).strip().splitlines()[0]
        raise StudioError(f"model '{st.stem}' does not match its config: {first}") from None
    return model.to(device).eval()


def _check_weights_fit(cfg: ModelConfig, st: Path) -> None:
    """Compare the network `cfg` describes, built on torch's meta device (shapes only, no
    memory), with the tensors the weights' header lists, before the real network is built."""
    from studio.io.safetensors_header import compare, read_shapes
    from studio.models.diffusion.edm import Denoiser
    from studio.models.diffusion.limits import MAX_PARAMS
    found = read_shapes(st, f"weights {st.name}")
    total = sum(math.prod(shape) for _, shape in found.values())
    if total > MAX_PARAMS:
        raise StudioError(f"model '{st.stem}' holds {total} weights (at most {MAX_PARAMS})")
    try:
        with torch.device("meta"):
            expected = {k: tuple(v.shape) for k, v in Denoiser(cfg).state_dict().items()}
    except StudioError:
        raise
    except (ValueError, RuntimeError, ZeroDivisionError, IndexError) as e:
        raise StudioError(f"model '{st.stem}': its network config does not fit together "
                          f"({type(e).__name__}: {str(e)[:120]})") from None
    if sum(math.prod(s) for s in expected.values()) > MAX_PARAMS:
        raise StudioError(f"model '{st.stem}': its config describes more than {MAX_PARAMS} "
                          f"weights")
    compare(found, expected, f"model '{st.stem}'")


def flatten_optimizer(opt: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict]:
    """An optimiser's state as named tensors plus JSON (its param groups and scalar state)."""
    sd = opt.state_dict()
    tensors, scalars = {}, {}
    for idx, state in sd["state"].items():
        for name, value in state.items():
            if torch.is_tensor(value):
                tensors[f"opt.{idx}.{name}"] = value
            else:
                scalars[f"{idx}.{name}"] = value
    return tensors, {"param_groups": sd["param_groups"], "scalars": scalars}


def unflatten_optimizer(opt: torch.optim.Optimizer, tensors: dict[str, torch.Tensor],
                        meta: dict) -> None:
    state: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        if key.startswith("opt."):
            _, idx, name = key.split(".", 2)
            state.setdefault(int(idx), {})[name] = value
    for key, value in meta.get("scalars", {}).items():
        idx, name = key.split(".", 1)
        state.setdefault(int(idx), {})[name] = value
    opt.load_state_dict({"state": state, "param_groups": meta["param_groups"]})
