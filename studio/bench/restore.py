"""Restoration benchmark: makes its own material (studio.bench._restore_material), degrades
it, runs each restore.* operation beside its peers (studio.bench._restore_peers) and prints
markdown tables of SDR / SI-SDR improvement, STOI (speech), and compute seconds per second
of audio; for gaps the SNR, log-spectral distance and energy inside the gap, for bandwidth
extension and spectral repair log-spectral figures against the truth.
`studio bench restore [--quick] [--only declip,denoise,...] [--gaps 5,10] [--listen DIR]`.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

from studio.bench import _restore_material as material
from studio.bench import _restore_peers as peers
from studio.dsp.metrics import (detection_f1, gap_energy_db, kurtosis_ratio, lsd_frames, sdr,
                                si_sdr, snr)
from studio.engine.context import Context
from studio.engine.operation import Inputs
from studio.errors import StudioError

SUITES = ("declip", "denoise", "declick", "dehum", "inpaint", "bandwidth", "spectral")


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


def gap_starts(x: np.ndarray, sr: int, m: int, period: float = 1.5) -> list[int]:
    """One gap of m samples per `period` seconds of material: centred in each period, or
    moved on in 50 ms steps (up to 0.7 s) while the truth there is more than 30 dB below the
    item's rms (a gap in a pause has no signal to measure an SNR against)."""
    rms = float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))
    out = []
    for k in range(max(1, int(len(x) / (period * sr)))):
        c = int((k + 0.5) * period * sr)
        for shift in range(0, int(0.7 * sr), int(0.05 * sr)):
            s = c - m // 2 + shift
            if s < 1 or s + m >= len(x) - 1:
                break
            if np.sqrt(np.mean(x[s:s + m].astype(np.float64) ** 2)) > rms * 10 ** (-30 / 20):
                out.append(s)
                break
    return out


def stft_size(sr: int) -> tuple[int, int]:
    """n_fft 2048, hop 512 at 44.1 kHz, the same durations at other rates."""
    n_fft = 2 * round(1024 * sr / 44100)
    return n_fft, n_fft // 4


GAP_METHODS = ("ours", "ours, diffusion", "Janssen (literature)", "LSAR (Audacity)",
               "linear")
# the restorer is also run below its length in `auto` (the crossover is read from here)
DIFFUSION_FROM_MS = 50
# parameters for every run of the diffusion repairs (`--restorer-set`, e.g. match_level=false
# to see the model's own levels)
RESTORER_PARAMS: dict[str, str] = {}


def _gap_fills(y, s, e, sr):
    """{method: (filled signal or None, seconds)} for one gap."""
    out = {}
    gap = {"gap_start": s / sr, "gap_end": e / sr}
    try:
        o, rep, dt = run_op("restore.inpaint", y, sr, {**gap, **RESTORER_PARAMS})
        out["ours"] = (o, dt, str(rep.values.get("method", "")))
    except StudioError:  # beyond what the op fills
        out["ours"] = (None, 0.0, "")
    out["ours, diffusion"] = (None, 0.0, "")
    if (e - s) / sr * 1000 >= DIFFUSION_FROM_MS:
        if out["ours"][2] == "diffusion":  # auto already took the restorer's path
            out["ours, diffusion"] = out["ours"]
        else:
            o, rep, dt = run_op("restore.inpaint", y, sr,
                                {**gap, **RESTORER_PARAMS, "method": "diffusion"})
            out["ours, diffusion"] = (o, dt, "diffusion")
    o, dt = _timed(peers.janssen_literature, y, s, e, sr)
    out["Janssen (literature)"] = (o, dt, "")
    o, dt = _timed(peers.lsar_audacity, y, s, e)
    out["LSAR (Audacity)"] = (o, dt, "")
    o, dt = _timed(peers.linear_fill, y, s, e)
    out["linear"] = (o, dt, "")
    return out


def bench_inpaint(groups, quick, lengths=None, listen=None):
    """groups: [(title, items)]. One gap per 1.5 s of each item, filled one at a time (the
    rest of the item intact); per gap length, material and method: the SNR over the gap's
    samples, the log-spectral distance over the STFT frames mostly inside the gap, and the
    fill's energy against the truth's."""
    lengths = lengths or ([10, 100, 500] if quick else [5, 10, 20, 50, 100, 200, 500])
    load = os.getloadavg()[0]
    snr_rows, lsd_rows, en_rows, t_rows = [], [], [], []
    for ms in lengths:
        for title, items in groups:
            acc = {k: {"snr": [], "lsd": [], "en": [], "t": []} for k in GAP_METHODS}
            lsar_chosen = n_gaps = 0
            for it in items:
                x, sr = it.audio, it.sample_rate
                m = int(round(ms * sr / 1000))
                n_fft, hop = stft_size(sr)
                for s in gap_starts(x, sr, m):
                    e = s + m
                    y = x.copy()
                    y[s:e] = 0
                    fills = _gap_fills(y, s, e, sr)
                    n_gaps += 1
                    lsar_chosen += "lsar" in fills["ours"][2]
                    for name, (o, dt, _) in fills.items():
                        if o is None:
                            continue
                        a = acc[name]
                        a["snr"].append(snr(x[s:e], o[s:e]))
                        a["lsd"].append(lsd_frames(x, o, n_fft, hop, s, e))
                        a["en"].append(gap_energy_db(x[s:e], o[s:e]))
                        a["t"].append(dt)
                    if listen is not None and not listen.get(("inpaint", ms)):
                        listen[("inpaint", ms)] = (it, s, e, y, fills)
            if not n_gaps:
                continue

            def mean(name, k):
                v = acc[name][k]
                return float(np.mean(v)) if v else "-"
            head = [ms, title, n_gaps]
            # three decimals: where ours is Janssen the two agree to float32 rounding
            diff = (f"{mean('ours', 'snr') - mean('Janssen (literature)', 'snr'):+.3f}"
                    if acc["ours"]["snr"] else "-")
            snr_rows.append(head + [mean(k, "snr") for k in GAP_METHODS] + [diff, lsar_chosen])
            lsd_rows.append(head + [mean(k, "lsd") for k in GAP_METHODS])
            en_rows.append(head + [mean(k, "en") for k in GAP_METHODS])
            t_rows.append(head + [mean("ours", "t"), mean("Janssen (literature)", "t"),
                                  mean("ours", "t") / mean("Janssen (literature)", "t")
                                  if acc["ours"]["t"] else "-"])
    names = list(GAP_METHODS)
    _table(f"Gaps: SNR over the gap's samples (dB), mean over gaps (one per 1.5 s; "
           f"load {load:.1f})", ["gap (ms)", "material", "gaps"] + names
           + ["ours - Janssen", "gaps ours filled by LSAR"], snr_rows)
    _table("Gaps: log-spectral distance over the STFT frames mostly inside the gap (n_fft "
           "46 ms, hop 11.6 ms; gaps under 23 ms: the frames holding the gap's middle), "
           "lower is better", ["gap (ms)", "material", "gaps"] + names, lsd_rows)
    _table("Gaps: fill energy against the truth's over the gap (dB; 0 = as loud, below = "
           "too quiet)", ["gap (ms)", "material", "gaps"] + names, en_rows)
    _table("Gaps: seconds per gap", ["gap (ms)", "material", "gaps", "ours",
                                     "Janssen (literature)", "ours / Janssen"], t_rows)


def lowpass(x: np.ndarray, sr: int, cutoff: float) -> np.ndarray:
    """Steep zero-phase low-pass: an order-16 Butterworth run forwards and backwards
    (scipy sosfiltfilt; order 32 in magnitude, about -190 dB an octave above the cutoff)."""
    from scipy.signal import butter, sosfiltfilt
    sos = butter(16, cutoff, "low", fs=sr, output="sos")
    return sosfiltfilt(sos, x.astype(np.float64)).astype(np.float32)


def _registered(op_id: str) -> bool:
    from studio.engine import registry
    try:
        registry.get(op_id)
        return True
    except StudioError:
        return False


def bench_bandwidth(groups, quick, listen=None):
    """Held-out items low-passed at 4 and 8 kHz; the log-spectral distance (whole item) of
    the low-passed input and of restore.bandwidth's output against the truth."""
    if not _registered("restore.bandwidth"):
        print("\n(bandwidth: restore.bandwidth is not registered yet; suite skipped)")
        return
    rows = []
    modes = [("given", None)] if quick else [("given", None), ("detected", 0.0)]
    for cutoff in (4000, 8000):
        for title, items in groups:
            usable = [it for it in items if cutoff < 0.45 * it.sample_rate]
            if not usable:
                print(f"\n(bandwidth: {cutoff} Hz is at or above the band of the {title} "
                      f"({items[0].sample_rate if items else 0} Hz rate); skipped there)")
                continue
            for mode, value in modes:
                lin, lout, dts, dur = [], [], 0.0, 0.0
                for it in usable:
                    x, sr = it.audio, it.sample_rate
                    n_fft, hop = stft_size(sr)
                    y = lowpass(x, sr, cutoff)
                    o, _, dt = run_op("restore.bandwidth", y, sr,
                                      {"cutoff": float(cutoff if value is None else value)})
                    n = min(len(o), len(x))
                    lin.append(lsd_frames(x, y, n_fft, hop))
                    lout.append(lsd_frames(x[:n], o[:n], n_fft, hop))
                    dts += dt
                    dur += len(x) / sr
                    if listen is not None and not listen.get(("bandwidth", cutoff)):
                        listen[("bandwidth", cutoff)] = (it, y, o)
                a, b = float(np.mean(lin)), float(np.mean(lout))
                rows.append([cutoff, title, len(usable), mode, a, b, 100 * (b - a) / a,
                             dts / dur])
    _table("Bandwidth: log-spectral distance to the truth, whole item (input low-passed by "
           "an order-16 Butterworth, zero-phase); lower is better",
           ["cutoff (Hz)", "material", "items", "ours' cutoff", "LSD input", "LSD ours",
            "change %", "ours s/s"], rows)


BURST_HZ = 3000.0
BURST_SECONDS = 0.5
BURST_DB = 12.0  # above the music's own level in the 1 kHz band around it


def tone_burst(x: np.ndarray, sr: int, t0: float) -> tuple[np.ndarray, np.ndarray]:
    """(x with a 0.5 s sine burst at 3 kHz from t0, raised-cosine edges of 20 ms, 12 dB
    above the item's power in the 1 kHz band around it over the same 0.5 s; the burst)."""
    from scipy.signal import butter, sosfiltfilt
    a, n = int(round(t0 * sr)), int(round(BURST_SECONDS * sr))
    sos = butter(8, [BURST_HZ - 500, BURST_HZ + 500], "bandpass", fs=sr, output="sos")
    band = sosfiltfilt(sos, x.astype(np.float64))[a:a + n]
    p_band = max(float(np.mean(band ** 2)), 1e-10)
    amp = np.sqrt(2 * p_band * 10 ** (BURST_DB / 10))
    t = np.arange(n) / sr
    env = np.ones(n)
    r = int(0.02 * sr)
    env[:r] = 0.5 - 0.5 * np.cos(np.pi * np.arange(r) / r)
    env[-r:] = env[:r][::-1]
    burst = np.zeros(len(x))
    burst[a:a + n] = amp * env * np.sin(2 * np.pi * BURST_HZ * t)
    return (x + burst).astype(np.float32), burst


def _band_db(x, sr, t_lo, t_hi, f_lo, f_hi, n_fft, hop):
    """Mean power spectrum (dB per bin) over the frames inside [t_lo, t_hi) s, bins in
    [f_lo, f_hi] Hz."""
    from studio.dsp.metrics import power_spectrogram
    a, b = max(0, int(t_lo * sr)), min(len(x), int(t_hi * sr))
    P = power_spectrogram(x[a:b], n_fft, hop)
    f = np.fft.rfftfreq(n_fft, 1 / sr)
    band = (f >= f_lo) & (f <= f_hi)
    return 10 * np.log10(np.mean(P[band], axis=1) + 1e-20), f[band]


def bench_spectral(items, quick, listen=None):
    """Held-out music with a 3 kHz tone burst; restore.spectral_repair on the region
    0.5 s x 1 kHz centred on it. The burst's excess over the truth at 3 kHz inside the
    region before and after, and how far the region's mean band spectrum lies from the same
    band in the 0.5 s on each side (the truth's own figure beside it: music changes too)."""
    if not _registered("restore.spectral_repair"):
        print("\n(spectral: restore.spectral_repair is not registered yet; suite skipped)")
        return
    rows = []
    for it in items:
        x, sr = it.audio, it.sample_rate
        t0 = round(len(x) / sr / 2 - BURST_SECONDS / 2, 3)
        t1 = t0 + BURST_SECONDS
        if t0 < 0.5 or t1 + 0.5 > len(x) / sr:
            continue
        y, burst = tone_burst(x, sr, t0)
        f_lo, f_hi = BURST_HZ - 500, BURST_HZ + 500
        o, _, dt = run_op("restore.spectral_repair", y, sr,
                          {"t_start": t0, "t_end": t1, "f_lo": f_lo, "f_hi": f_hi,
                           **RESTORER_PARAMS})
        n_fft, hop = stft_size(sr)

        def at_burst(sig):
            db, f = _band_db(sig, sr, t0, t1, f_lo, f_hi, n_fft, hop)
            return float(db[np.argmin(np.abs(f - BURST_HZ))])

        def vs_sides(sig):
            inside, _ = _band_db(sig, sr, t0, t1, f_lo, f_hi, n_fft, hop)
            left, _ = _band_db(sig, sr, t0 - 0.5, t0, f_lo, f_hi, n_fft, hop)
            right, _ = _band_db(sig, sr, t1, t1 + 0.5, f_lo, f_hi, n_fft, hop)
            sides = 10 * np.log10((10 ** (left / 10) + 10 ** (right / 10)) / 2)
            return float(np.mean(np.abs(inside - sides)))
        def burst_left(sig):
            """What is left of the burst itself: the projection of the change from the truth
            onto the burst's waveform, in dB of the burst (a fill's own 3 kHz content,
            unrelated to the burst, hardly projects onto it)."""
            return 20 * np.log10(abs(float(np.dot(sig - x, burst))) / float(np.dot(burst, burst))
                                 + 1e-12)
        def region_lsd(sig):
            """Log-spectral distance to the truth over the region's frames and band."""
            from studio.dsp.metrics import power_spectrogram
            a, b = int(t0 * sr), int(t1 * sr)
            f = np.fft.rfftfreq(n_fft, 1 / sr)
            band = (f >= f_lo) & (f <= f_hi)
            d = (10 * np.log10(power_spectrogram(x[a:b], n_fft, hop)[band] + 1e-10)
                 - 10 * np.log10(power_spectrogram(sig[a:b], n_fft, hop)[band] + 1e-10))
            return float(np.mean(np.sqrt(np.mean(d ** 2, axis=0))))
        before, after = at_burst(y) - at_burst(x), at_burst(o) - at_burst(x)
        rows.append([it.name, before, after, before - after, burst_left(o), vs_sides(x),
                     vs_sides(y), vs_sides(o), region_lsd(y), region_lsd(o),
                     dt / (len(x) / sr)])
        if listen is not None and not listen.get("spectral"):
            listen["spectral"] = (it, y, o)
    _table(f"Spectral repair: a {BURST_HZ:.0f} Hz burst {BURST_DB:.0f} dB above the band, "
           f"region {BURST_SECONDS} s x 1 kHz around it",
           ["item", "3 kHz excess over the truth before (dB)", "after (dB)", "reduction (dB)",
            "burst left (dB of the burst)", "region vs sides: truth (dB)", "damaged (dB)",
            "ours (dB)", "LSD to the truth in the region: damaged", "ours", "ours s/s"], rows)


def write_listening(folder, listen: dict) -> None:
    """WAVs of the truth, the damaged input and each method's output for one item per suite,
    and one PNG of their spectrograms (matplotlib; skipped when it is not installed)."""
    import soundfile as sf
    from pathlib import Path
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    panels = []
    for key, val in sorted(listen.items(), key=lambda kv: str(kv[0])):
        if key[0] == "inpaint":
            it, s, e, y, fills = val
            lo, hi = max(0, s - it.sample_rate // 2), min(len(y), e + it.sample_rate // 2)
            sigs = [("truth", it.audio), ("damaged", y)] + [
                (name, o) for name, (o, _, _) in fills.items() if o is not None]
            tag = f"inpaint_{key[1]}ms_{it.name}"
        elif key[0] == "bandwidth":
            it, y, o = val
            lo, hi = 0, len(it.audio)
            sigs = [("truth", it.audio), ("damaged", y), ("ours", o)]
            tag = f"bandwidth_{key[1]}Hz_{it.name}"
        else:
            it, y, o = val
            lo, hi = 0, len(it.audio)
            sigs = [("truth", it.audio), ("damaged", y), ("ours", o)]
            tag = f"spectral_{it.name}"
        for name, sig in sigs:
            fname = name.split(" ")[0].lower()
            sf.write(out / f"{tag}_{fname}.wav", np.asarray(sig[lo:hi], np.float32),
                     it.sample_rate)
        panels.append((tag, it.sample_rate, [(n, np.asarray(g[lo:hi])) for n, g in sigs]))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"wrote the WAVs to {out} (no matplotlib: no spectrogram PNG)")
        return
    cols = max(len(p[2]) for p in panels) if panels else 1
    fig, axes = plt.subplots(len(panels), cols, figsize=(3.2 * cols, 2.4 * len(panels)),
                             squeeze=False)
    for r, (tag, sr, sigs) in enumerate(panels):
        n_fft, hop = stft_size(sr)
        for c in range(cols):
            ax = axes[r][c]
            if c >= len(sigs):
                ax.axis("off")
                continue
            name, sig = sigs[c]
            ax.specgram(sig, NFFT=n_fft // 2, Fs=sr, noverlap=n_fft // 2 - hop // 2,
                        cmap="magma", vmin=-120, vmax=-20)
            ax.set_title(f"{tag}: {name}", fontsize=7)
            ax.tick_params(labelsize=6)
    fig.tight_layout()
    fig.savefig(out / "spectrograms.png", dpi=110)
    plt.close(fig)
    print(f"wrote the WAVs and spectrograms.png to {out}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="studio bench restore", description=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer items and levels")
    ap.add_argument("--only", default="", help=f"comma list of {', '.join(SUITES)}")
    ap.add_argument("--declip-dir", default="",
                    help="also declip the .wav files of this folder (real recordings)")
    ap.add_argument("--declip-set", action="append", default=[], metavar="NAME=VALUE",
                    help="restore.declip parameter for the declip suite (repeatable)")
    ap.add_argument("--gaps", default="", help="inpaint: comma list of gap lengths in ms "
                    "(default 5,10,20,50,100,200,500; --quick 10,100,500)")
    ap.add_argument("--material", default="music,speech,recordings",
                    help="inpaint: comma list of the material groups to use")
    ap.add_argument("--listen", default="", metavar="DIR",
                    help="write WAVs (truth, damaged, each method) for one item per suite "
                         "and a spectrogram PNG into DIR")
    ap.add_argument("--seed", type=int, default=0,
                    help="which music and sentences (0: the figures' material; another seed "
                         "gives other pieces and sentences, to check a figure on material "
                         "no setting was chosen on)")
    ap.add_argument("--restorer-set", action="append", default=[], metavar="NAME=VALUE",
                    help="parameter for every diffusion repair run (inpaint, spectral; "
                         "repeatable), e.g. match_level=false")
    args = ap.parse_args(argv)
    RESTORER_PARAMS.update(kv.split("=", 1) for kv in args.restorer_set)
    only = [s for s in args.only.split(",") if s] or list(SUITES)
    unknown = sorted(set(only) - set(SUITES))
    if unknown:
        ap.error(f"unknown suite(s) {', '.join(unknown)} (known: {', '.join(SUITES)})")
    listen = {} if args.listen else None
    torch.set_num_threads(max(1, torch.get_num_threads()))
    n_music = 2 if args.quick else 6
    n_speech = 1 if args.quick else 2
    secs = 3.0 if args.quick else 6.0
    music = material.music(n_music, seconds=secs, seed=args.seed)
    speech = material.speech(n_speech, seed=args.seed)
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
        kinds = [k for k in args.material.split(",") if k]
        groups = [("music", music), ("speech", speech)]
        if "recordings" in kinds:
            groups.append(("ALSA recordings", material.recordings()[:3 if args.quick else 8]))
        groups = [g for g in groups if g[1] and g[0].split()[-1] in kinds]
        lengths = [float(v) if "." in v else int(v) for v in args.gaps.split(",") if v]
        bench_inpaint(groups, args.quick, lengths or None, listen)
    if "bandwidth" in only:
        bench_bandwidth([("music", music), ("speech", speech)], args.quick, listen)
    if "spectral" in only:
        bench_spectral(music, args.quick, listen)
    if listen:
        write_listening(args.listen, listen)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
