"""The journeys of the user guide, each a function of the Guide (make_guide.py) that
drives the window as a user does and takes a screenshot after every step."""
from __future__ import annotations

from studio.app import demo_path
from studio.core.selection import Selection


def _select(g, start_s: float, end_s: float, zoom: tuple[float, float] | None = None) -> None:
    r = g.w.model.rate
    g.w.model.set_selection(Selection(int(start_s * r), int(end_s * r)))
    if zoom:
        g.w.waveform.set_visible_range(*zoom)


def repair(g) -> None:
    g.journey("Repairing a recording",
              "The bundled demo (`studio gui` opens it) is 20 s of music and speech damaged on "
              "purpose: hiss, hum, clicks, a clipped passage and a 60 ms dropout.")
    w = g.w
    assert w.actions_.open_path(demo_path(), wait=True)
    g.shot("open", "Open a file (File › Open…, or drop it on the window). The waveform and "
           "the spectrogram share one time axis; the strip on top shows the whole file.")

    _select(g, 19.7, 20.0)
    w.actions_.all["learn_noise"].trigger()
    g.wait("the noise profile", lambda: w.repair.noise.profile() is not None)
    w.operations.select("restore.denoise")
    g.shot("learn-noise", "Select a stretch that holds only noise and choose Process › Learn "
           "noise profile. The Operations dock shows the learned noise spectrum; the profile is "
           "kept with the session.")

    _select(g, 10.5, 13.0)
    w.operations.preview_btn.click()
    g.wait("the denoised take", lambda: len(w.model.document.takes) >= 1)
    w.takes_dock.raise_()
    g.shot("denoise-preview", "Select what to clean and press Preview: the result is a take "
           "named after the profile it used. A/B (`B`) switches playback between the original "
           "and the take; Apply replaces the selection (undo with Ctrl+Z).")

    w.model.set_selection(Selection.cursor(0))  # nothing selected: search the whole file
    w.actions_.all["find_dropouts"].trigger()
    g.wait("the dropouts", lambda: bool(w.repair.dropouts.runs))
    w.actions_.all["next_dropout"].trigger()
    g.shot("find-dropout", "Process › Find dropouts marks runs of digital silence on the views "
           "and lists them in the Reports dock; Select next dropout (or a click on the list) "
           "selects one and zooms to it.")

    w.operations.select("restore.inpaint")
    w.operations.apply_btn.click()
    g.wait("the filled gap", lambda: w.model.document.can_undo)
    g.shot("fill-gap", "Restore › Fill gap with the dropout selected and Apply: the gap is "
           "filled from the audio around the selection; nothing outside it changes.")

    w.model.set_selection(Selection.cursor(0))  # nothing selected: the whole file
    w.waveform.fit()
    w.operations.select("analyze.loudness")
    w.operations.analyze_btn.click()
    g.wait("the loudness readout", lambda: w.reports.panel.current() is not None and
           w.reports.panel.current().title.startswith("Loudness"))
    g.shot("loudness", "Analyze › Loudness on the whole file: integrated loudness, loudness "
           "range and true peak appear as a readout in the Reports dock, and the status bar "
           "sums it up.")


def generate(g) -> None:
    g.journey("Generating clips",
              "The bundled one-shot model (resources/models) generates drums and notes of 12 "
              "instruments; Generate › Train on folder… trains one on your own samples.")
    w = g.w
    w.set_document(None)
    w.operations.select("generate.sample")  # what Generate › Generate clip… does
    w.ops_dock.raise_()
    form = w.operations.form
    form.set_values({"model": ""})
    form.editors["class"].combo.setCurrentText("snare")
    form.set_values({"steps": 12, "duration": 0.75, "count": 1})
    g.shot("generate-form", "Generate › Generate clip (Ctrl+G): the class is chosen from the model's "
           "own classes (and the note, for a pitched model); the seed box has a dice for a "
           "new seed; one Generate button.")

    before = len(w.clip_bin.entries())
    for k, cls in enumerate(("snare", "kick", "piano")):
        form.editors["class"].combo.setCurrentText(cls)
        form.editors["seed"].dice.click()
        w.operations.generate_btn.click()
        g.wait("a generated clip", lambda k=k: len(w.clip_bin.entries()) == before + k + 1)
    w.clips_dock.raise_()
    g.shot("clips-bin", "Each Generate adds a clip to the Clips bin, named by class, seed and "
           "note; the form keeps its values. Play a clip, select two and A/B them, export "
           "one, or insert it into the open document at the cursor (or drag it onto the "
           "waveform); inserting is one undo step.")


def arrays(g) -> None:
    g.journey("Placing microphones",
              "The Array dock holds the layout: drag microphones on the plan and the beam "
              "pattern and the array's figures follow; the Array menu runs the array "
              "operations on it.")
    w = g.w
    w.set_document(None)
    w.array_tools.show_dock()
    g.shot("array-dock", "Array › (or View › Panels › Array): the plan frames the array, "
           "microphones are numbered and can be dragged; the beam pattern and the figures "
           "(aperture, spacing, directivity) change while dragging. Presets bring their own "
           "geometry.")

    sim = w.array_tools.open("array.simulate")
    sim.form.set_values({"rt60": 0.2, "rate": 16000, "snr": 40.0})
    sim.signals.seconds.setValue(2.0)
    g.pump(0.5)
    g.shot("simulate-dialog", "Array › Simulate array recording: the room, the sources and "
           "their signals (test noise, a chirp, the open selection or a file) and the "
           "layout from the dock.", widget=sim)
    sim.run()
    g.wait("the simulated recording", lambda: w.model.document is not None)
    sim.hide()
    g.shot("simulated", "The simulated recording opens as a multichannel document (one row "
           "per microphone) that carries its layout; each source's image at the microphones "
           "is a take.")

    doa = w.array_tools.open("array.doa")
    doa.run()
    editor = w.array_panel.editor
    g.wait("the located source", lambda: bool(editor.located.azimuths))
    doa.hide()
    w.array_tools.show_dock()
    g.shot("located", "Array › Locate sources (DOA): the found direction is drawn on the plan "
           "as a ray with its angle, and the azimuth map is in the Located tab.")


def _demo_stretch(seconds: tuple[float, float]):
    """(mono float32 audio of the demo's music between `seconds`, its rate)."""
    import numpy as np
    import soundfile as sf
    audio, rate = sf.read(demo_path(), dtype="float32", always_2d=True)
    a, b = (int(t * rate) for t in seconds)
    return np.ascontiguousarray(audio[a:b].mean(axis=1)), rate


def redraw(g) -> None:
    """The diffusion restorer's three repairs, each on a stretch of the demo's music with one
    more fault added (the demo's own dropout is short enough for the classical fill)."""
    import numpy as np
    import soundfile as sf
    g.journey("Redrawing what is missing",
              "The diffusion restorer draws what a recording lost from the audio around it: "
              "a rectangle of the spectrogram (Restore › Spectral repair), the band above a "
              "low-pass (Restore › Restore bandwidth) and dropouts longer than 100 ms "
              "(Restore › Fill gap). Here on 4 s of the demo's music with a fault added.")
    w = g.w
    music, rate = _demo_stretch((1.0, 5.0))

    whistle = music.copy()
    s, e = int(1.5 * rate), int(2.1 * rate)
    t = np.arange(e - s) / rate
    whistle[s:e] += 0.2 * np.minimum(1, np.minimum(t, t[::-1]) / 0.02) * np.sin(
        2 * np.pi * 3000.0 * t)
    sf.write(g.tmp / "whistle.wav", whistle, rate, subtype="FLOAT")
    assert w.actions_.open_path(str(g.tmp / "whistle.wav"), wait=True)
    w.model.set_selection(Selection(s, e, 2600.0, 3400.0))
    w.operations.select("restore.spectral_repair")
    g.shot("whistle-selected", "Drag a rectangle over the damage in the spectrogram (here a "
           "whistle at 3 kHz; drag up or down too, so the selection has a band) and choose "
           "Restore › Spectral repair.")
    w.operations.apply_btn.click()
    g.wait("the repaired region", lambda: w.model.document.can_undo)
    g.shot("whistle-repaired", "Apply: what stands out of the level around it in the "
           "rectangle (the whistle) is redrawn by the restorer at the level of both sides; "
           "the rest of the rectangle and everything outside it stay as recorded (Redraw › "
           "everything replaces the whole rectangle). The Reports dock reads the band "
           "against its sides before and after (near 0 dB: it blends in).")

    gap = music.copy()
    s, e = int(1.8 * rate), int(2.1 * rate)
    gap[s:e] = 0.0
    sf.write(g.tmp / "long-dropout.wav", gap, rate, subtype="FLOAT")
    assert w.actions_.open_path(str(g.tmp / "long-dropout.wav"), wait=True)
    w.model.set_selection(Selection(s, e))
    w.operations.select("restore.inpaint")
    w.operations.apply_btn.click()
    g.wait("the filled gap", lambda: w.model.document.can_undo)
    g.shot("long-gap", "A 300 ms dropout selected, Restore › Fill gap, Apply: beyond 100 ms the "
           "restorer draws the gap (the Reports dock says which method filled it) at the "
           "level of its sides; Method › classical gives the AR fill for Compare.")

    spec = np.fft.rfft(music.astype(np.float64))
    spec[np.fft.rfftfreq(len(music), 1 / rate) >= 4000.0] = 0
    sf.write(g.tmp / "telephone.wav", np.fft.irfft(spec, len(music)).astype(np.float32), rate,
             subtype="FLOAT")
    assert w.actions_.open_path(str(g.tmp / "telephone.wav"), wait=True)
    w.model.set_selection(Selection.cursor(0))  # nothing selected: the whole file
    w.operations.select("restore.bandwidth")
    g.shot("telephone", "A recording that lost everything above 4 kHz (a telephone line, an "
           "old MP3): the spectrogram is empty above the cutoff.")
    w.operations.apply_btn.click()
    g.wait("the restored band", lambda: w.model.document.can_undo)
    g.shot("bandwidth", "Restore › Restore bandwidth, Apply: it finds the cutoff (the status "
           "bar and the Reports dock read it) and draws the band above it; below the cutoff "
           "the recording is kept to the last bit.")


JOURNEYS = {"repair": repair, "generate": generate, "arrays": arrays, "redraw": redraw}
