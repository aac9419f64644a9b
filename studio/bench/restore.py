"""Restoration benchmark: makes its own material (studio.bench._restore_material), degrades
it, runs each restore.* operation beside its peers (studio.bench._restore_peers) and prints
markdown tables of SDR / SI-SDR improvement, STOI (speech), and compute seconds per second
of audio. `studio bench restore [--quick] [--only declip,denoise,...]`.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

from studio.bench import _restore_material as material
from studio.bench import _restore_peers as peers
from studio.dsp.metrics import detection_f1, kurtosis_ratio, sdr, si_sdr, snr
from studio.engine.context import Context
from studio.engine.operation import Inputs

SUITES = ("declip", "denoise", "declick", "dehum", "inpaint")


def _op(op_id):
    from studio.engine import registry
    return registry.get(op_id)


def run_op(op_id, audio, sr, params=None, extras=None):
    op = _op(op_id)
    t = time.perf_counter()
    res = op.run(Inputs(torch.from_numpy(np.ascontiguousarray(audio, np.float32))[None], sr,
                        extras=extras or {}), op.schema.validate(params or {}), Context())
    dt = time.perf_counter() - t
    out = res.audio
    out = out.cpu().numpy() if torch.is_tensor(out) else np.asarray(out)
    return out[0], res.report, dt


def _timed(fn, *a):
    t = time.perf_counter()
    out = fn(*a)
    return out, time.perf_counter() - t


def _table(title, header, rows):
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print("| " + " | ".join(f"{v:.2f}" if isinstance(v, float) else str(v) for v in r) + " |")


def clip_to_sdr(x, target_db):
    """Hard clipping at the symmetric level that makes SDR(clean, clipped) = `target_db`,
    found by bisection (the survey's clip_sdr.m finds the same level with fzero)."""
    peak = float(np.abs(x).max())
    lo, hi = 0.0, 1.0
    for _ in range(50):
        mid = (lo + hi) / 2
        if sdr(x, np.clip(x, -mid * peak, mid * peak)) > target_db:
            hi = mid
        else:
            lo = mid
    return np.clip(x, -hi * peak, hi * peak).astype(np.float32), hi * peak


# mean SDR improvement of A-SPADE over the survey's ten instrument recordings (Záviška et
# al. 2021, whole-signal dSDR; equal to their clipped-samples-only dSDR_c for a consistent
# method such as SPADE, whose output keeps every reliable sample)
SURVEY_ASPADE = {1: 11.88, 3: 13.88, 5: 15.06, 7: 15.98, 10: 17.28}


def bench_declip(groups, quick, params=None):
    """groups: [(title, items)]. dSDR is on the whole signal, as in the survey; dSDR_c (on
    the clipped samples only) is printed beside it as a check of consistency."""
    load = os.getloadavg()[0]
    for title, items in groups:
        rows = []
        for db in ([1, 10] if quick else [1, 3, 5, 7, 10]):
            acc = {"ours": [], "ours_c": [], "spline": [], "clip": []}
            t_ours = c_ours = t_spline = dur = 0.0
            for it in items:
                y, thr = clip_to_sdr(it.audio, db)
                c0 = time.process_time()
                out, _, dt = run_op("restore.declip", y, it.sample_rate, params)
                c_ours += time.process_time() - c0
                sp, dts = _timed(peers.clipfix_spline, y, thr * (1 - 1e-6))
                m = np.abs(y) >= thr * (1 - 1e-6)
                acc["ours"].append(sdr(it.audio, out) - sdr(it.audio, y))
                acc["ours_c"].append(sdr(it.audio[m], out[m]) - sdr(it.audio[m], y[m]))
                acc["spline"].append(sdr(it.audio, sp) - sdr(it.audio, y))
                acc["clip"].append(100 * m.mean())
                t_ours += dt
                t_spline += dts
                dur += len(y) / it.sample_rate
            rows.append((db, float(np.mean(acc["clip"])), float(np.mean(acc["ours"])),
                         float(np.mean(acc["ours_c"])), float(np.mean(acc["spline"])),
                         SURVEY_ASPADE[db], t_ours / dur, c_ours / dur, t_spline / dur))
        _table(f"Declip: SDR improvement (dB), mean over {len(items)} {title} "
               f"({dur / len(items):.1f} s each; load {load:.1f})",
               ["input SDR", "clipped %", "ours dSDR", "ours dSDR_c", "Clip Fix dSDR",
                "survey A-SPADE", "ours s/s", "ours CPU s/s", "Clip Fix s/s"], rows)


def _pink(n, rng):
    X = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(len(X), dtype=float)
    f[0] = 1
    return np.fft.irfft(X / np.sqrt(f), n)


def bench_denoise(items, quick):
    rng = np.random.default_rng(7)
    rows = []
    for it in items:
        x, sr = it.audio, it.sample_rate
        lead = sr
        for kind in ("white", "pink"):
            for snr_db in (0, 5, 10):  # all three also in --quick: each is a target
                n = rng.standard_normal(len(x) + lead) if kind == "white" else _pink(len(x) + lead, rng)
                n = n * np.sqrt(np.mean(x ** 2) / np.mean(n ** 2)) * 10 ** (-snr_db / 20)
                y = (np.r_[np.zeros(lead), x] + n).astype(np.float32)
                noise = torch.from_numpy(y[:lead])[None]
                ours, rep, dt = run_op("restore.denoise", y, sr, extras={"noise": (noise, sr)})
                wien, dtw = _timed(peers.wiener_dd, y, sr, y[:lead])
                nrs, dtn = _timed(peers.noisereduce_stationary, y, sr, y[:lead])
                base = si_sdr(x, y[lead:])
                row = [it.name, kind, snr_db, rep.values.get("frame (ms)", "-")]
                for out in (ours, wien, nrs):
                    row.append(si_sdr(x, out[lead:]) - base)
                if it.kind == "speech":
                    from pystoi import stoi
                    # three decimals: the STOI target is decided in the third
                    row += [f"{stoi(x, o[lead:], sr):.3f}" for o in (ours, nrs)]
                else:
                    row += ["-", "-"]
                # musical noise on the noise-only lead-in, stopping 50 ms before the signal
                # starts: the frames that straddle the onset hold signal, not residual noise
                quiet = lead - sr // 20
                row += [kurtosis_ratio(y[:quiet], ours[:quiet]),
                        kurtosis_ratio(y[:quiet], nrs[:quiet]),
                        len(y) / sr / dt, len(y) / sr / dtw]
                rows.append(row)
    _table("Denoise: SI-SDR improvement (dB); profile learned from the 1 s noise lead-in "
           f"(load {os.getloadavg()[0]:.1f} at the end)",
           ["item", "noise", "SNR", "ours frame (ms)", "ours", "DD Wiener", "noisereduce", "STOI ours",
            "STOI nr", "kurt. ratio ours", "kurt. ratio nr", "ours x realtime",
            "Wiener x realtime"], rows)


def bench_declick(items, quick):
    """Precision, recall and F1 of the detected spans (a true click counts as found when
    a marker overlaps it), SDR gain, and, on the same item without clicks, the spans
    found where there are none (plosives, plucks, attacks: the classic false detections).
    s/s is wall time, CPU s/s the process's CPU time (all threads) per second of audio."""
    rng = np.random.default_rng(11)
    load = os.getloadavg()[0]
    rows = []
    for it in items:
        x, sr = it.audio, it.sample_rate
        y = x.copy()
        spans = []
        pos = np.sort(rng.choice(np.arange(1000, len(x) - 1000, 200), 30, replace=False))
        for p in pos:
            w = int(rng.integers(1, 21))
            amp = rng.uniform(0.1, 0.5) * np.abs(x).max()
            y[p:p + w] += amp * rng.choice([-1, 1]) * (0.5 + 0.5 * rng.random(w))
            spans.append((int(p), int(p + w)))
        c0 = time.process_time()
        out, rep, dt = run_op("restore.declick", y, sr)
        cpu = time.process_time() - c0
        found = [(round(m.time * sr), round((m.time + m.duration) * sr)) for m in rep.markers]
        pr, rc, f1 = detection_f1(spans, found)
        _, clean_rep, _ = run_op("restore.declick", x, sr)
        rows.append((it.name, pr, rc, f1, sdr(x, y), sdr(x, out), sdr(x, out) - sdr(x, y),
                     len(clean_rep.markers), dt / (len(x) / sr), cpu / (len(x) / sr)))
    _table(f"Declick: 30 clicks of 1-20 samples per item (load {load:.1f})",
           ["item", "precision", "recall", "F1", "SDR in", "SDR out", "gain",
            "found in clean item", "s/s", "CPU s/s"], rows)


def hum_band_power(e, sr, f0, harmonics, half_width):
    """Energy of e in narrow bands around the hum harmonics h * f0 for h in `harmonics`
    (an int n: 1..n), by a Hann-windowed FFT of the whole clip, half_width * sqrt(h) Hz
    either side of each (the drift moves harmonic h by h * 0.1 Hz)."""
    E = np.abs(np.fft.rfft(e * np.hanning(len(e)))) ** 2
    f = np.fft.rfftfreq(len(e), 1 / sr)
    band = np.zeros(len(f), bool)
    for h in (range(1, harmonics + 1) if isinstance(harmonics, int) else harmonics):
        band |= np.abs(f - h * f0) <= half_width * h ** 0.5
    return float(E[band].sum())


# (title, fundamental, harmonics present, amplitude ratio between harmonics, params of ours):
# the hum, and a mains buzz (many odd harmonics, as a rectifier or a saturated
# transformer makes) at 60 Hz, for which the user raises the number of harmonics
HUMS = [
    ("hum at -20 dB: 50.3 Hz +- 0.1 Hz drift, 6 harmonics", 50.3, range(1, 7), 0.6, {}),
    ("buzz at -20 dB: 59.95 Hz +- 0.1 Hz drift, odd harmonics to the 15th", 59.95,
     range(1, 16, 2), 0.85, {"harmonics": 15}),
]


def bench_dehum(items, quick):
    for title, f_nom, present, ratio, params in HUMS:
        rows = []
        for it in items:
            x, sr = it.audio, it.sample_rate
            t = np.arange(len(x)) / sr
            ph = 2 * np.pi * np.cumsum(f_nom + 0.1 * np.sin(2 * np.pi * 0.05 * t)) / sr
            hum = sum(ratio ** h * np.sin(h * ph + h) for h in present)
            hum *= np.sqrt(np.mean(x ** 2) / np.mean(hum ** 2)) * 0.1  # -20 dB
            y = (x + hum).astype(np.float32)
            out, rep, dt = run_op("restore.dehum", y, sr, params)
            notch = peers.notch_filters(y, sr, round(f_nom / 10) * 10.0, max(present))

            # hum reduction: what is left of the hum at its own frequencies, i.e. the error
            # (output - clean) against the hum (input - clean) in +-1 Hz (x sqrt(h)) bands
            # around each harmonic present
            def reduction(o):
                return 10 * np.log10(hum_band_power(y - x, sr, f_nom, present, 1.0)
                                     / max(hum_band_power(o - x, sr, f_nom, present, 1.0), 1e-30))
            # hum / total error: the same error at all frequencies, so it also counts what
            # was taken from the signal (music at the harmonics ours removes beyond the ones
            # present, sidebands of a wrong amplitude or phase); with the hum at -20 dB it
            # is SI-SDR - 20 dB up to the scale SI-SDR forgives
            rows.append((it.name, rep.values["fundamental (Hz)"], reduction(out),
                         reduction(notch), 10 * np.log10(np.sum(hum ** 2) / np.sum((out - x) ** 2)),
                         si_sdr(x, out), si_sdr(x, notch), dt / (len(x) / sr)))
        _table(f"Dehum: {title}",
               ["item", "found f0", "hum reduction at its harmonics (dB)",
                "iirnotch reduction (dB)", "hum / total error, all frequencies (dB)",
                "SI-SDR ours", "SI-SDR iirnotch", "s/s"], rows)


def bench_inpaint(items, quick):
    rows = []
    for ms in ([5, 20] if quick else [5, 10, 20, 50, 100]):
        res = {"ours": [], "janssen": [], "lsar": [], "linear": []}
        for it in items:
            x, sr = it.audio, it.sample_rate
            s = len(x) // 2
            e = s + int(ms * sr / 1000)
            y = x.copy()
            y[s:e] = 0
            ours, _, _ = run_op("restore.inpaint", y, sr, {"gap_start": s / sr, "gap_end": e / sr})
            res["ours"].append(snr(x[s:e], ours[s:e]))
            if ms <= 50:
                res["janssen"].append(snr(x[s:e], peers.janssen_plain(y, s, e)[s:e]))
            res["lsar"].append(snr(x[s:e], peers.lsar_audacity(y, s, e)[s:e]))
            res["linear"].append(snr(x[s:e], peers.linear_fill(y, s, e)[s:e]))
        rows.append([ms] + [float(np.mean(v)) if v else "-" for v in res.values()])
    _table("Gaps: SNR inside the gap (dB), mean over items",
           ["gap (ms)", "ours", "Janssen (plain)", "LSAR (Audacity)", "linear"], rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="studio bench restore", description=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer items and levels")
    ap.add_argument("--only", default="", help=f"comma list of {', '.join(SUITES)}")
    ap.add_argument("--declip-dir", default="",
                    help="also declip the .wav files of this folder (real recordings)")
    ap.add_argument("--declip-set", action="append", default=[], metavar="NAME=VALUE",
                    help="restore.declip parameter for the declip suite (repeatable)")
    args = ap.parse_args(argv)
    only = [s for s in args.only.split(",") if s] or list(SUITES)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    n_music = 2 if args.quick else 6
    n_speech = 1 if args.quick else 2
    secs = 3.0 if args.quick else 6.0
    music = material.music(n_music, seconds=secs)
    speech = material.speech(n_speech)
    print(f"# Restoration benchmark ({len(music)} music, {len(speech)} speech items; "
          f"timings on a shared machine are noisy, compare ratios)")
    if "declip" in only:
        groups = [("fluidsynth music items", music),
                  ("ALSA speech recordings", material.recordings()[:3 if args.quick else 8])]
        if args.declip_dir:
            groups.append((f"recordings from {args.declip_dir}",
                           material.recordings(args.declip_dir, skip=())))
        params = dict(kv.split("=", 1) for kv in args.declip_set)
        bench_declip([g for g in groups if g[1]], args.quick, params)
    if "denoise" in only:
        bench_denoise(speech + music[:max(1, len(music) // 2)], args.quick)
    if "declick" in only:
        bench_declick(music + speech, args.quick)
    if "dehum" in only:
        bench_dehum(music + speech, args.quick)
    if "inpaint" in only:
        bench_inpaint(music + speech, args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
