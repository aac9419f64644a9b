"""The microphone-array layout editor (Qt). The main window docks `ArrayEditor` lazily."""
from studio.ui.arrays.editor import ArrayEditor

__all__ = ["ArrayEditor"]
