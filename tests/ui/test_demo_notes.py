"""The demo notes name only menu paths the window has: every "*A › B › C*" in them is walked
from the menu bar of a real window, so the notes cannot drift from the menus again."""
import re

from studio.paths import resource

NOTES = resource("demo", "README.md")
PATH = re.compile(r"\*([^*\n]*›[^*\n]*)\*")


def _name(text: str) -> str:
    return text.replace("&", "").rstrip("…").strip()


def _tree(menu) -> dict:
    out = {}
    for a in menu.actions():
        if not a.isSeparator():
            out[_name(a.text())] = _tree(a.menu()) if a.menu() else {}
    return out


def missing_paths(window, text: str) -> tuple[list[str], list[str]]:
    """(the "*A › B*" paths in text, those the window's menus lack)."""
    tree = {_name(a.text()): _tree(a.menu()) for a in window.menuBar().actions()}
    paths = PATH.findall(text)
    missing = []
    for path in paths:
        node = tree
        for part in (_name(p) for p in path.split("›")):
            if part not in node:
                missing.append(f"{path} (no '{part}')")
                break
            node = node[part]
    return paths, missing


def test_every_menu_path_in_the_demo_notes_exists(window):
    paths, missing = missing_paths(window, NOTES.read_text())
    assert len(paths) >= 5, "the notes walk the repairs through the menus"
    assert not missing, missing


def test_the_check_catches_a_path_that_does_not_exist(window):
    text = "select it, *Process › Operations › Restore › Denoise (old name)*, then *Edit › Undo*"
    paths, missing = missing_paths(window, text)
    assert len(paths) == 2 and len(missing) == 1 and "Denoise" in missing[0]
