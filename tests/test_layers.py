"""The layer rules of DESIGN.md, checked on the source: arrows point down, never up.

- core, io, arrays, dsp, ops, models never import Qt (they must run headless, in the CLI and CI);
- ui never imports torch (results reach it as numpy arrays and plain dataclasses);
- io is the bottom layer: it imports nothing else from studio but errors;
- core imports only io (and errors) from studio.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

STUDIO = Path(__file__).resolve().parents[1] / "studio"
QT = ("PySide6", "pyqtgraph", "shiboken6")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _files(layer: str):
    return sorted((STUDIO / layer).rglob("*.py"))


def _violations(layers, forbidden):
    bad = []
    for layer in layers:
        for f in _files(layer):
            for name in _imports(f):
                if any(name == p or name.startswith(p + ".") for p in forbidden):
                    bad.append(f"{f.relative_to(STUDIO.parent)} imports {name}")
    return bad


def test_headless_layers_never_import_qt():
    assert _violations(["core", "io", "arrays", "dsp", "ops", "models"], QT) == []


def test_ui_never_imports_torch():
    assert _violations(["ui"], ("torch", "torchaudio")) == []


def test_io_is_the_bottom_layer():
    assert _violations(["io"], ("studio.core", "studio.engine", "studio.ui", "studio.ops",
                                "studio.dsp", "studio.models", "studio.arrays", "studio.cli")) == []


def test_core_imports_only_io_from_studio():
    assert _violations(["core"], ("studio.engine", "studio.ui", "studio.ops", "studio.dsp",
                                  "studio.models", "studio.arrays", "studio.cli")) == []


@pytest.mark.parametrize("layer", ["core", "io", "arrays", "dsp", "ops", "models"])
def test_layer_checker_sees_the_files(layer):
    # a checker that scans nothing would pass every rule above
    assert (STUDIO / layer / "__init__.py").exists()
