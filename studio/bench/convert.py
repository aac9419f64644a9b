"""`studio bench convert`: voice and timbre conversion against their targets and a peer.

Voice: festival speech (us_slt female, kal male) converted female->male and male->female by
convert.voice and by Praat's "Change gender" (praat-parselmouth, benchmark-only). Reported:
the output's median f0 against the requested one (measured by Praat's own pitch tracker when
available, else by ours), the mean F1-F3 shift measured by numpy LPC against the requested
formant ratio, and speed as multiples of real time.

Timbre: one MIDI melody rendered by fluidsynth on piano and on violin and flute; the piano
render is converted by convert.timbre with a preset learned from OTHER material of the
target instrument (the bundled presets, learned by resources/recipes/make_timbre_presets.py
from melodies this benchmark never plays), and by convert.instrument (the controls diffusion
model's class, note by note; the model never heard these melodies). Reported: log-mel
distance (dB) to the real target
render against the unconverted piano's, the f0 gross-error rate (> 50 cents from the MIDI
note) of the output, and speed.

Speed: both operations on 10 s of 16 kHz mono (speech; a piano line), best of three, with
torch limited to 1 and to 2 intra-op threads, beside the machine's load average (on an
oversubscribed machine torch's 2-thread pool can be several times slower than 1 thread).

    studio bench convert [--quick]
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

from studio.bench import _convert_material as material
from studio.bench._restore_material import speech
from studio.dsp.voice.f0 import track_f0
from studio.engine import registry

SR = 16000


def _run_op(op_id: str, x: np.ndarray, **params):
    """Run an op's pure function directly (no engine overhead in the timing)."""
    from studio.engine.context import Context
    from studio.engine.operation import Inputs
    op = registry.get(op_id)
    t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).reshape(1, -1)
    started = time.perf_counter()
    with torch.no_grad():
        result = op.run(Inputs(audio=t, sample_rate=SR), op.schema.validate(params), Context())
    elapsed = time.perf_counter() - started
    return np.asarray(result.audio)[0], elapsed, result.report


# ---------------------------------------------------------------- measurements
def lpc_formants(x: np.ndarray, sr: int, hop_s: float = 0.005, order: int | None = None):
    """F1-F3 per frame (25 ms Hamming, pre-emphasis, autocorrelation LPC, polynomial roots
    with bandwidth < 400 Hz); frames centred on k * hop like the voice analysers."""
    from scipy.linalg import solve_toeplitz
    order = order or 2 + sr // 1000
    y = np.append(x[0], x[1:] - 0.97 * x[:-1])
    n = int(0.025 * sr)
    hop = int(hop_s * sr)
    pad = np.pad(y, (n // 2, n))
    win = np.hamming(n)
    out = np.full((len(x) // hop + 1, 3), np.nan)
    for k in range(out.shape[0]):
        seg = pad[k * hop:k * hop + n] * win
        r = np.correlate(seg, seg, "full")[n - 1:n + order]
        if r[0] <= 1e-9:
            continue
        r[0] *= 1 + 1e-9
        a = solve_toeplitz(r[:-1], r[1:])
        roots = np.roots(np.concatenate([[1.0], -a]))
        roots = roots[roots.imag > 0]
        f = np.angle(roots) * sr / (2 * np.pi)
        bw = -np.log(np.abs(roots)) * sr / np.pi
        f = np.sort(f[(bw < 400) & (f > 90) & (f < sr / 2 - 50)])
        out[k, : min(3, len(f))] = f[:3]
    return out


def formant_ratio(x_in, x_out, voiced):
    """Mean over F1-F3 of median(F_out) / median(F_in) on frames voiced in the input."""
    a, b = lpc_formants(x_in, SR), lpc_formants(x_out, SR)
    m = min(len(a), len(b), len(voiced))
    a, b, v = a[:m][voiced[:m]], b[:m][voiced[:m]], voiced[:m]
    ratios = [np.nanmedian(b[:, i]) / np.nanmedian(a[:, i]) for i in range(3)]
    return float(np.mean(ratios)), ratios


def median_f0(x: np.ndarray) -> float:
    try:
        import parselmouth
        pitch = parselmouth.Sound(x.astype(np.float64), SR).to_pitch(pitch_floor=60,
                                                                     pitch_ceiling=600)
        f = pitch.selected_array["frequency"]
        return float(np.median(f[f > 0]))
    except ImportError:
        tr = track_f0(torch.from_numpy(x.astype(np.float32)), SR)
        return float(tr.f0[tr.voiced].median())


def praat_change_gender(x, formant, new_median, pitch_range):
    import parselmouth
    from parselmouth.praat import call
    snd = parselmouth.Sound(x.astype(np.float64), SR)
    started = time.perf_counter()
    out = call(snd, "Change gender", 60, 600, formant, new_median, pitch_range, 1.0)
    elapsed = time.perf_counter() - started
    return out.values[0].astype(np.float32), elapsed


def logmel_distance(a: np.ndarray, b: np.ndarray, max_shift_s: float = 0.05) -> float:
    """Mean |log-mel a - log-mel b| in dB (64 mels, 25 ms / 10 ms), both scaled to the same
    RMS, floored 80 dB below the louder peak, after the best shift within +-50 ms."""
    import torchaudio
    mel = torchaudio.transforms.MelSpectrogram(SR, n_fft=1024, win_length=400, hop_length=160,
                                               n_mels=64)

    def lm(x):
        x = x / (np.sqrt(np.mean(x ** 2)) + 1e-12)
        return 10 * torch.log10(mel(torch.from_numpy(x.astype(np.float32))) + 1e-10)

    A, B = lm(a), lm(b)
    top = float(max(A.max(), B.max()))
    A, B = A.clamp(min=top - 80), B.clamp(min=top - 80)
    best = np.inf
    s = int(max_shift_s * 100)
    for shift in range(-s, s + 1):
        a_, b_ = (A[:, shift:], B) if shift >= 0 else (A, B[:, -shift:])
        m = min(a_.shape[1], b_.shape[1])
        best = min(best, float((a_[:, :m] - b_[:, :m]).abs().mean()))
    return best


def gross_error_rate(x: np.ndarray, notes) -> float:
    """Share of frames where a note sounds and x is voiced whose f0 is > 50 cents off."""
    tr = track_f0(torch.from_numpy(x.astype(np.float32)), SR)
    ref = material.note_f0(notes, tr.f0.shape[-1], tr.hop / SR)
    f = tr.f0[0].numpy()
    both = (ref > 0) & (f > 0)
    if not both.any():
        return 1.0
    cents = 1200 * np.abs(np.log2(f[both] / ref[both]))
    return float((cents > 50).mean())


# ---------------------------------------------------------------- sections
def bench_voice(quick: bool, log=print) -> None:
    items = speech(2 if quick else 4, rate=SR, log=log)
    if not items:
        log("voice: no speech synthesiser; skipped")
        return
    try:
        import parselmouth  # noqa: F401
        have_praat = True
    except ImportError:
        have_praat = False
        log("voice: praat-parselmouth not installed (pip install praat-parselmouth); "
            "Praat columns left out")
    from studio.ops.convert.voice import PRESETS
    print("\n### Voice conversion (convert.voice vs Praat Change gender)\n")
    print("| clip | preset | target f0 (Hz) | ours f0 (err) | Praat f0 (err) | formant target |"
          " ours formant (err) | Praat formant (err) | ours ×RT | Praat ×RT |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    _run_op("convert.voice", items[0].audio[:SR].astype(np.float32))  # warm up (first-call costs)
    for item in items:
        x = item.audio.astype(np.float32)
        female = item.name.startswith("slt")
        preset = "female_to_male" if female else "male_to_female"
        ratio, rng, formant, _ = PRESETS[preset]
        src = median_f0(x)
        target = src * ratio
        tr = track_f0(torch.from_numpy(x), SR)
        voiced = tr.voiced[0].numpy()
        y, t_ours, _ = _run_op("convert.voice", x, preset=preset)
        f_ours = median_f0(y)
        fr_ours, _ = formant_ratio(x, y, voiced)
        dur = len(x) / SR
        row = [item.name, preset, f"{target:.1f}",
               f"{f_ours:.1f} ({100 * (f_ours / target - 1):+.1f}%)"]
        if have_praat:
            z, t_praat = praat_change_gender(x, formant, target, rng)
            f_praat = median_f0(z)
            fr_praat, _ = formant_ratio(x, z[: len(x)], voiced)
            row.append(f"{f_praat:.1f} ({100 * (f_praat / target - 1):+.1f}%)")
        else:
            row.append("—")
        row += [f"{formant:.2f}", f"{fr_ours:.3f} ({100 * (fr_ours / formant - 1):+.1f}%)"]
        row += [f"{fr_praat:.3f} ({100 * (fr_praat / formant - 1):+.1f}%)" if have_praat
                else "—", f"{dur / t_ours:.1f}", f"{dur / t_praat:.1f}" if have_praat else "—"]
        print("| " + " | ".join(row) + " |", flush=True)


# the bundled controls model's class for each target instrument of the timbre bench
DIFFUSION_CLASS = {"violin": "strings", "flute": "woodwind"}


def bench_timbre(quick: bool, log=print) -> None:
    from studio.ops.convert import _timbre_presets as presets
    targets = ["violin"] if quick else ["violin", "flute"]
    print("\n### Timbre conversion (piano render -> convert.timbre and convert.instrument, "
          "against the real render)\n")
    print("| target | method | log-mel dist piano→target (dB) | converted→target (dB) | "
          "reduction | f0 gross errors (out) | f0 gross errors (piano in) | ×RT |")
    print("|---|---|---|---|---|---|---|---|")
    for name in targets:
        _, lo, hi = material.INSTRUMENTS[name]
        notes = material.melody(1, max(lo, 55), min(hi, 84), seconds=8 if quick else 15)
        piano = material.render(notes, "piano", SR)
        target = material.render(notes, name, SR)
        try:
            model = str(presets.resolve(name))
            origin = "bundled"
        except Exception:
            from studio.dsp.voice import timbre_model as tm
            ex = material.render(material.melody(500, lo, hi, seconds=20), name, SR)
            path = material.cache_dir() / "bench" / "convert" / f"learned_{name}"
            tm.learn(torch.from_numpy(ex), SR, name=name).save(path)
            model, origin = str(path.with_suffix(".json")), "learned here"
        d_in = logmel_distance(piano, target)
        runs = [(f"convert.timbre, {origin} preset", "convert.timbre", {"model": model})]
        if name in DIFFUSION_CLASS:  # the same line played by the controls prior
            runs.append((f"convert.instrument, controls '{DIFFUSION_CLASS[name]}'",
                         "convert.instrument", {"class": DIFFUSION_CLASS[name], "seed": 0}))
        for label, op_id, params in runs:
            y, elapsed, _ = _run_op(op_id, piano, **params)
            d_out = logmel_distance(y, target)
            print(f"| {name} | {label} | {d_in:.2f} | {d_out:.2f} | "
                  f"{100 * (1 - d_out / d_in):.0f}% | {100 * gross_error_rate(y, notes):.2f}% | "
                  f"{100 * gross_error_rate(piano, notes):.2f}% | "
                  f"{len(piano) / SR / elapsed:.1f} |", flush=True)


def bench_speed(log=print) -> None:
    items = speech(1, rate=SR, log=log)
    if not items:
        log("speed: no speech synthesiser; skipped")
        return
    ten = 10 * SR
    voice = np.tile(items[0].audio.astype(np.float32), ten // len(items[0].audio) + 1)[:ten]
    _, lo, hi = material.INSTRUMENTS["piano"]
    piano = material.render(material.melody(1, max(lo, 55), min(hi, 84), seconds=11),
                            "piano", SR)[:ten]
    cases = [("convert.voice", voice, {"preset": "male_to_female"}),
             ("convert.voice", voice, {"preset": "female_to_male"}),
             ("convert.timbre", piano, {"model": "violin"})]
    print("\n### Speed (10 s of 16 kHz mono, best of 3, multiples of real time)\n")
    # CPU seconds of this process with 1 thread are what an idle core would take in wall time
    print("| op | params | ×RT 1 thread | ×RT 1 thread, CPU time | ×RT 2 threads | "
          "load average (1 min) |")
    print("|---|---|---|---|---|---|")
    before = torch.get_num_threads()
    try:
        _run_op("convert.voice", voice[:SR], preset="male_to_female")  # warm up
        for op_id, x, params in cases:
            wall, cpu = {}, {}
            for threads in (1, 2):
                torch.set_num_threads(threads)
                for _ in range(3):
                    c0 = time.process_time()
                    w = _run_op(op_id, x, **params)[1]
                    c = time.process_time() - c0
                    wall[threads] = min(wall.get(threads, w), w)
                    cpu[threads] = min(cpu.get(threads, c), c)
            load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
            rt = len(x) / SR
            print(f"| {op_id} | {params} | {rt / wall[1]:.1f} | {rt / cpu[1]:.1f} | "
                  f"{rt / wall[2]:.1f} | {load:.1f} |", flush=True)
    finally:
        torch.set_num_threads(before)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="studio bench convert", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer and shorter clips")
    ap.add_argument("--only", choices=("voice", "timbre", "speed"), default=None)
    args = ap.parse_args(argv)
    print(f"torch threads: {torch.get_num_threads()}; timings are wall-clock on this machine "
          "(noisy when other jobs share it)")
    if args.only in (None, "voice"):
        bench_voice(args.quick)
    if args.only in (None, "timbre"):
        bench_timbre(args.quick)
    if args.only in (None, "speed"):
        bench_speed()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
