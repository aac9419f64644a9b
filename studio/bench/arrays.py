"""Array benchmark (`studio bench arrays [--quick]`):

1. figures update time, 64 microphones x 360 directions x 257 frequencies: the editor's
   cached incremental update after one microphone moved, against a fresh evaluation of the
   same figures (the baseline), delay-and-sum and superdirective, 1 and 2 torch threads;
2. dragging in the real editor offscreen: drag steps per second and completed figure
   repaints per second (the editor coalesces drag events to one computation per frame);
3. DOA error on simulated scenes: 6-microphone circle of radius 4.63 cm, speech, SNR 10 dB,
   RT60 0 and 0.4 s, 24 azimuths, through the array.simulate and array.doa operations;
   NormMUSIC with peak refinement against the same on a plain 1° grid;
4. separation: SDR improvement (projection SDR against the true images at microphone 1,
   permutation solved) for 2 speech sources (10 s), 2 microphones 6 cm apart and the
   6-microphone circle, RT60 0.2 and 0.4 s, AuxIVA (overdetermined: all 6 channels, 2
   outputs) / ILRMA (after PCA to 2 channels) / FastMNMF2 (full run only).

Figures taken while other processes load the machine are noisy; the ratios travel better.
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import time

import numpy as np

RATE = 16000
ROOM = (6.0, 5.0, 3.0)
CENTRE = np.array([3.0, 2.5, 1.2])


def _table(title: str, header: list[str], rows: list[list]) -> None:
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for r in rows:
        print("| " + " | ".join(f"{v:.3g}" if isinstance(v, float) else str(v) for v in r) + " |")


# ---- 1. figures -----------------------------------------------------------------------------
def _median_ms(fn, runs: int) -> tuple[float, float]:
    """(wall, CPU) medians in ms of fn() over runs calls."""
    wall, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(wall) * 1e3, statistics.median(cpu) * 1e3


def bench_figures(runs: int) -> None:
    import torch

    from studio.arrays import presets
    from studio.arrays.live import ArrayFigures
    layout = presets.random_disc(64, 0.3, seed=0)
    rng = np.random.default_rng(0)
    moves = [layout.translated(np.r_[rng.normal(0, 0.005, 2), 0.0], [k % 64]) for k in range(runs)]
    rows = []
    # fixed kernels timed in the same run: the superdirective pattern's batched product W^H A
    # in complex64 ((F, 1, M) x (F, M, D)), as the editor does it, and on real blocks
    # ((F, 2, 2M) x (F, 2M, D) float32); weights that change in every entry cannot cost less
    w, a = torch.randn(257, 2, 128), torch.randn(257, 128, 360)
    wc, ac = torch.randn(257, 1, 64, dtype=torch.complex64), torch.randn(257, 64, 360,
                                                                       dtype=torch.complex64)
    # torch's thread count is process-wide: 1 thread, and 2 (the default on this machine)
    for label, torch_threads in (("1", 1), ("2 (default)", 2)):
        torch.set_num_threads(torch_threads)
        kernel = _median_ms(lambda: w @ a, max(10, runs // 2))
        kernel_c = _median_ms(lambda: wc @ ac, max(10, runs // 2))
        for method in ("delay-and-sum", "superdirective"):
            live = ArrayFigures(n_azimuth=360, n_freqs=257)
            live.compute(layout, 30.0, method, 1e-2)
            inc, cpu = [], []
            current = layout
            for k in range(runs):
                # one microphone moves per frame, as in a drag
                current = current.translated(np.r_[rng.normal(0, 0.002, 2), 0.0], [k % 64])
                t, c = time.perf_counter(), time.process_time()
                live.compute(current, 30.0, method, 1e-2)
                inc.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
            fresh = []
            for k in range(max(5, runs // 10)):
                t = time.perf_counter()
                ArrayFigures(n_azimuth=360, n_freqs=257).compute(
                    moves[k], 30.0, method, 1e-2)
                fresh.append(time.perf_counter() - t)
            med_inc, med_fresh = statistics.median(inc) * 1e3, statistics.median(fresh) * 1e3
            rows.append([label, method, med_inc, float(np.percentile(inc, 90) * 1e3),
                         statistics.median(cpu) * 1e3, f"{kernel_c[0]:.3g} / {kernel_c[1]:.3g}",
                         f"{kernel[0]:.3g} / {kernel[1]:.3g}", med_inc / kernel_c[0],
                         med_fresh, med_fresh / med_inc, f"{os.getloadavg()[0]:.1f}"])
    torch.set_num_threads(2)
    _table("Figures update, 64 mics × 360 directions × 257 frequencies (CPU)",
           ["threads", "method", "drag update median (ms)", "p90 (ms)", "CPU time (ms)",
            "kernel W^H A complex64 (used), wall / CPU (ms)", "kernel on real blocks (ms)",
            "update / kernel", "fresh evaluation (ms)", "speed-up", "load average"], rows)
    print("\n(delay-and-sum is updated by one term per moved microphone, O(F D); the "
          "superdirective pattern is the kernel plus the weights. CPU time is what an update "
          "costs on an idle core; wall times grow with the load of other processes.)")


# ---- 2. editor drag -------------------------------------------------------------------------
def bench_drag(seconds: float) -> None:
    """Real frames: mouse moves through the top view's drag gesture (two per frame, as a fast
    mouse delivers them), then one event-loop pass, which computes the figures and paints
    every view that changed into the offscreen backing store (paint events are counted per
    plot to show they happen); the 'forced' rows also render the whole editor into a
    pixmap (QWidget.grab) every frame, an upper bound on painting."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEvent, QObject, QPointF
    from PySide6.QtWidgets import QApplication

    from studio.arrays import presets
    from studio.ui.arrays import ArrayEditor
    app = QApplication.instance() or QApplication([])
    editor = ArrayEditor()
    lay = presets.random_disc(64, 0.3, seed=0).translated(CENTRE)
    d = editor.get_layout()
    d["mics"] = lay.to_dict()["mics"]
    editor.set_layout(d)
    editor.resize(1600, 1000)
    editor.show()
    for _ in range(20):
        app.processEvents()

    class PaintCounter(QObject):
        def __init__(self):
            super().__init__()
            self.count = 0

        def eventFilter(self, obj, ev):
            if ev.type() == QEvent.Type.Paint:
                self.count += 1
            return False

    views = {"plan": editor.top, "map": editor.panel.map, "polar": editor.panel.polar,
             "gains": editor.panel.gains}
    counters = {name: PaintCounter() for name in views}
    for name, view in views.items():
        view.viewport().installEventFilter(counters[name])
    rows = []
    for method in ("delay-and-sum", "superdirective"):
        for forced in (False, True):
            editor.method.setCurrentText(method)
            app.processEvents()
            p = editor.layout().positions()[5]
            editor.top.begin_drag(QPointF(p[0], p[1]))
            frames0, steps = editor.panel.frames, 0
            paints0 = {n: c.count for n, c in counters.items()}
            t0, c0 = time.perf_counter(), time.process_time()
            while time.perf_counter() - t0 < seconds:
                for _ in range(2):
                    steps += 1
                    a = 0.05 * math.sin(steps * 0.05)
                    editor.top.drag_to(QPointF(p[0] + a, p[1] + 0.5 * a))
                app.processEvents()
                if forced:
                    editor.grab()
            elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
            frames = editor.panel.frames - frames0
            editor.top.end_drag(QPointF(p[0], p[1]))
            app.processEvents()
            paints = {n: (c.count - paints0[n]) / max(frames, 1) for n, c in counters.items()}
            rows.append([method, "forced (grab)" if forced else "event loop", frames / elapsed,
                         cpu / max(frames, 1) * 1e3, frames / max(cpu, 1e-9),
                         " ".join(f"{n} {v:.1f}" for n, v in paints.items()),
                         f"{os.getloadavg()[0]:.1f}"])
    editor.close()
    _table(f"Dragging a microphone in the editor (64 mics, 1600 × 1000 offscreen, {seconds:g} s "
           f"each)", ["method", "repaint", "frames / s (wall)", "CPU ms per frame",
                      "frames / CPU-second", "paints per frame", "load average"], rows)
    print("\n(frames / CPU-second is the frame rate the editor reaches on an idle core; the "
          "wall rate shares the machine with other processes.)")


# ---- 3. DOA ---------------------------------------------------------------------------------
def _speech(n: int, seconds: float) -> list[np.ndarray]:
    try:
        from studio.bench._restore_material import speech
        items = [it.audio for it in speech(n, rate=RATE, log=lambda *_: None)]
    except Exception:  # noqa: BLE001 - fall back to the alsa-utils recordings
        items = []
    if len(items) < n:
        import soundfile as sf
        from scipy.signal import resample_poly
        alsa = "/usr/share/sounds/alsa/"
        for name in sorted(os.listdir(alsa)):
            if name.endswith(".wav") and name != "Noise.wav" and len(items) < n:
                x, r = sf.read(alsa + name, dtype="float32", always_2d=True)
                items.append(resample_poly(x[:, 0], RATE, r).astype(np.float32))
    out = []
    for x in items[:n]:
        reps = int(np.ceil(seconds * RATE / len(x)))
        out.append(np.tile(x, reps)[:int(seconds * RATE)].astype(np.float32))
    return out


def _run(op, params, inputs=None, extras=None, seed=0):
    from studio.engine.protocol import JobRequest
    from studio.engine.runner import run_job
    return run_job(JobRequest(op_id=op, params=params, inputs=inputs, sample_rate=RATE,
                              extras=extras or {}, seed=seed))


def _simulate(layout_json, sources, signals, rt60, snr=100.0, seed=0):
    return _run("array.simulate", {
        "layout": layout_json, "room": ", ".join(map(str, ROOM)), "rt60": rt60,
        "sources": [list(map(float, s)) for s in sources], "snr": snr, "rate": RATE},
        extras={f"source{k + 1}": (s[None], RATE) for k, s in enumerate(signals)}, seed=seed)


def _angle_error(a, b):
    return abs((a - b + 180) % 360 - 180)


def bench_doa(n_azimuths: int, seconds: float) -> None:
    from studio.arrays import formats, presets
    layout = presets.circular(6, 0.0463).translated(CENTRE)
    js = formats.to_json(layout)
    voices = _speech(2, seconds)
    rows = []
    configs = [("NormMUSIC, refined, 0.5° grid", {"method": "NormMUSIC", "resolution": 0.5}),
               ("NormMUSIC, 1° grid (baseline)", {"method": "NormMUSIC", "resolution": 1.0,
                                                  "refine": False}),
               ("SRP-PHAT, refined", {"method": "SRP-PHAT", "resolution": 0.5}),
               ("TOPS, refined", {"method": "TOPS", "resolution": 0.5})]
    for rt60 in (0.0, 0.4):
        errors = {name: [] for name, _ in configs}
        for k in range(n_azimuths):
            az = -180.0 + (k + 0.37) * 360.0 / n_azimuths  # off the grid points on purpose
            src = CENTRE + 1.5 * np.array([math.cos(math.radians(az)), math.sin(math.radians(az)), 0])
            sim = _simulate(js, [src], [voices[k % len(voices)]], rt60, snr=10.0, seed=k)
            for name, params in configs:
                res = _run("array.doa", {"layout": js, "sources": 1, "band": "300,3500",
                                         "fft_size": "512", **params}, inputs=sim.audio)
                errors[name].append(_angle_error(res.report.data["azimuths_deg"][0], az))
        for name, _ in configs:
            e = np.array(errors[name])
            rows.append([f"{rt60:g}", name, float(e.mean()), float(np.median(e)), float(e.max())])
    _table(f"DOA error, 6-mic circle r = 4.63 cm, speech, SNR 10 dB, {n_azimuths} azimuths, "
           f"source at 1.5 m", ["RT60 (s)", "method", "mean error (°)", "median (°)", "max (°)"],
           rows)


# ---- 4. separation --------------------------------------------------------------------------
def bench_separation(quick: bool, seconds: float) -> None:
    from studio.arrays import formats, presets
    from studio.arrays.bss_eval import sdr_images
    voices = _speech(2, seconds)
    arrays = {"2 mics, 6 cm": presets.linear(2, 0.06), "6-mic circle": presets.circular(6, 0.0463)}
    rt60s = (0.2,) if quick else (0.2, 0.4)
    # FastMNMF2 (pyroomacoustics, identity init) took 330 s for +4.3 dB on the 6-mic scene:
    # only in the full run, and only on that scene
    methods = {"auxiva": 100, "ilrma": 100} if quick else {"auxiva": 100, "ilrma": 100,
                                                            "fastmnmf2": 60}
    rows = []
    azimuths = (40.0, 150.0)
    sources = [CENTRE + 1.5 * np.array([math.cos(math.radians(a)), math.sin(math.radians(a)), 0])
               for a in azimuths]
    for label, lay in arrays.items():
        if quick and label.startswith("2"):
            continue
        js = formats.to_json(lay.translated(CENTRE))
        for rt60 in rt60s:
            sim = _simulate(js, sources, voices, rt60, snr=40.0)
            refs = np.stack([img[0] for _, img in sim.takes])
            before, _ = sdr_images(refs, np.stack([sim.audio[0]] * 2))
            for method, iters in methods.items():
                if method == "fastmnmf2" and (rt60 != 0.2 or label.startswith("2")):
                    continue
                t = time.perf_counter()
                res = _run("array.separate", {"method": method, "sources": 2,
                                              "iterations": iters, "fft_size": "1024"},
                           inputs=sim.audio)
                elapsed = time.perf_counter() - t
                est = np.stack([take[0] for _, take in res.takes])
                after, _ = sdr_images(refs, est)
                rows.append([label, f"{rt60:g}", method, float(before.mean()), float(after.mean()),
                             float((after - before).mean()), elapsed])
    _table(f"Separation of 2 speech sources ({seconds:g} s, at {azimuths[0]:g}° and "
           f"{azimuths[1]:g}°, 1.5 m)", ["array", "RT60 (s)", "method", "mixture SDR (dB)",
                                         "separated SDR (dB)", "SDR improvement (dB)",
                                         "time (s)"], rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="studio bench arrays", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, azimuths and scenes")
    parser.add_argument("--only", choices=("figures", "drag", "doa", "separation"),
                        help="run one part")
    args = parser.parse_args(argv)
    import torch
    torch.set_num_threads(2)
    parts = [args.only] if args.only else ["figures", "drag", "doa", "separation"]
    t0 = time.perf_counter()
    if "figures" in parts:
        bench_figures(runs=30 if args.quick else 200)
    if "drag" in parts:
        bench_drag(seconds=2.0 if args.quick else 5.0)
    if "doa" in parts:
        bench_doa(n_azimuths=8 if args.quick else 24, seconds=2.0 if args.quick else 3.0)
    if "separation" in parts:
        # 10 s: overdetermined AuxIVA needs the frames (6 s: +9.3 dB, 10 s: +10.6 dB)
        bench_separation(args.quick, seconds=10.0)
    print(f"\n(total {time.perf_counter() - t0:.0f} s; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
