"""Timbre models (the networks and rendering live in studio.dsp.voice.timbre_model)."""
