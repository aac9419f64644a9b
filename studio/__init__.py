"""Audio Diffusion Studio: a desktop audio editor with a background torch engine."""

__version__ = "0.1.0"
