"""Generation benchmark: `studio bench generate [--model NAME] [--quick]`.

Two judges that share no architecture, features or training clips (studio.bench._judges: a
log-mel CNN, A, and an MFCC GRU, B) referee every figure side by side; neither is used to
tune the generator. The real reference is the held-out split of held notes (fluidsynth at
44.1 kHz, each held 0.25-4 s then released), never the generator's training clips.

(a) the judges' accuracy on real held-out notes, then the share of generated clips each
    assigns to the requested class, per class, with the generate.sample op's defaults; beside
    it, the notes asked for against those measured, the noise between partials, the energy
    above 8 kHz and the steady lines left in release tails, generated against real;
(b) the Fréchet distance between generated and held-out real clips on per-clip log-mel
    statistics, beside real-vs-real baselines and noise-vs-real;
(c) sampling time per second of audio for each sampler and step count, a 1.5 s clip with the
    op's defaults, and the time as a multiple of one guided network evaluation (survives load);
(d) variation at strength 0.3 (do the judges keep the class? SI-SDR to the source, which must
    stay below 10 dB: not a copy) and interpolation end points (SI-SDR after ODE inversion);
(e) the generator itself as a classifier of real held-out clips (`classify`, what the
    variation and interpolation ops' class=auto uses), beside the judges;
(f) for a controls model, how much its controls flutter from frame to frame (partials, noise
    bands, pitch; studio.models.controls.jitter) beside real held-out notes analysed: the
    cause of noise between partials that the noise bands do not explain.
Prints markdown tables; the judges' weights are cached, so reruns skip their training.
"""
from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass

import numpy as np
import torch

from studio.bench import _judge as J
from studio.bench import _judges as JJ
from studio.dsp.metrics import between_harmonics_db, si_sdr
from studio.dsp.tail_lines import band_share_db, steady_lines
from studio.engine.context import Context
from studio.engine.operation import Inputs

TAIL_AFTER = 0.3      # seconds after the note's end where its release tail is examined
HIGH_HZ = 8000.0      # "air": the energy above this, for hihat and cymbal


def _table(title, header, rows, note=""):
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print("| " + " | ".join(f"{v:.2f}" if isinstance(v, float) else str(v) for v in r)
              + " |")
    if note:
        print(f"\n{note}")


def _op(op_id):
    from studio.engine import registry
    return registry.get(op_id)


def run_op(op_id, audio, rate, params, cache, extras=None):
    op = _op(op_id)
    r = op.run(Inputs(torch.from_numpy(np.ascontiguousarray(audio, np.float32))[None], rate,
                      extras=extras or {}), op.schema.validate(params), Context(cache=cache))
    return r


def defaults() -> dict:
    return _op("generate.sample").schema.defaults()


@dataclass
class Notes:
    """Clips (n, samples) at `rate` with what each was asked to be: class index, note in Hz
    (0 = none) and hold in seconds (None where unknown)."""
    clips: torch.Tensor
    rate: int
    labels: torch.Tensor
    hz: list[float]
    holds: list[float | None]

    def of(self, k: int) -> "Notes":
        idx = torch.nonzero(self.labels == k)[:, 0]
        return Notes(self.clips[idx], self.rate, self.labels[idx],
                     [self.hz[i] for i in idx.tolist()], [self.holds[i] for i in idx.tolist()])


def real_notes(per_class: int) -> Notes:
    """The held-out real notes (split held-judge-test) as rendered, zero-padded to one
    length."""
    rows = JJ.load_raw(JJ.SPLIT_TEST, per_class, log=lambda m: None)
    n = max(len(r[0]) for r in rows)
    clips = torch.stack([torch.nn.functional.pad(torch.from_numpy(r[0]), (0, n - len(r[0])))
                         for r in rows])
    return Notes(clips, JJ.HELD_RATE, torch.tensor([r[1] for r in rows]),
                 [r[2] for r in rows], [r[3] for r in rows])


def generate(model, label: int, n: int, sampler: str, steps: int, guidance: float,
             seed: int, batch: int = 8, seconds: float | None = None) -> Notes:
    """n clips of class `label` as the generate.sample op makes them (its default length,
    the pitch drawn as its "auto" draws it, one seeded generator for the batches)."""
    g = torch.Generator().manual_seed(seed)
    name = model.classes[label] if label is not None else ""
    frames = model.frames(seconds) if seconds else model.clip_frames
    style = model.style_for(frames / model.sample_rate)
    hz = [model.auto_pitch(name, torch.Generator().manual_seed(seed * 1000 + i))
          for i in range(n)] if model.pitched else [0.0] * n
    out = [model.sample(min(batch, n - i), label, frames, sampler=sampler, steps=steps,
                        guidance=guidance, generator=g,
                        pitch=hz[i:i + batch] if model.pitched else None, style=style)
           for i in range(0, n, batch)]
    hold = style["hold"] if style else None
    return Notes(torch.cat(out).float().cpu(), model.sample_rate,
                 torch.full((n,), label if label is not None else -1), hz, [hold] * n)


def pitch_hits(asked: list[float], got: list[float]) -> tuple[int, int]:
    """(pitched clips asked for, those whose measured pitch is within half a semitone)."""
    from studio.models.diffusion.pitch import hz_to_midi
    pairs = [(a, b) for a, b in zip(asked, got) if a > 0]
    hits = sum(1 for a, b in pairs if b > 0 and abs(hz_to_midi(b) - hz_to_midi(a)) <= 0.5)
    return len(pairs), hits


def _median(values) -> float:
    values = [v for v in values if not np.isnan(v)]
    return float(np.median(values)) if values else float("nan")


def spectrum_figures(notes: Notes, pitches: list[float]) -> dict[str, float]:
    """Medians over the clips: noise between the partials (dB of the whole, at each clip's
    pitch), the energy above HIGH_HZ (dB of the whole, first 0.5 s), and the share (%) of
    clips with a steady line in the release tail (from TAIL_AFTER after the hold; the old
    waveform model's clips, of unknown hold, from 1.0 s, where its training notes ended)."""
    x = notes.clips.numpy()
    between = [between_harmonics_db(c, notes.rate, f) for c, f in zip(x, pitches)]
    high = [band_share_db(c, notes.rate, HIGH_HZ) for c in x]
    lined = []
    for c, f, hold in zip(x, pitches, notes.holds):
        start = (hold if hold is not None else 1.0) + TAIL_AFTER
        n_fft = 1 << int(round(np.log2(notes.rate * 0.1)))
        if len(c) - start * notes.rate >= 2 * n_fft:
            lined.append(bool(steady_lines(c, notes.rate, start, f, n_fft)))
    return {"between": _median(between), "high": _median(high),
            "lines": 100 * float(np.mean(lined)) if lined else float("nan"),
            "tails": len(lined)}


def _pair(a: float, b: float, fmt: str = "{:.1f}") -> str:
    """'a / b', '-' for a side without a figure."""
    if np.isnan(a) and np.isnan(b):
        return "-"
    return " / ".join("-" if np.isnan(v) else fmt.format(v) for v in (a, b))


def share(pred: torch.Tensor, want: torch.Tensor) -> float:
    return float((pred == want).float().mean()) * 100


def bench_judge(judges, real: Notes):
    pred = judges.predict(real.clips, real.rate)
    rows = [(name, int((real.labels == k).sum()),
             *(share(pred[j][real.labels == k], k) for j in judges.names))
            for k, name in enumerate(judges.classes)]
    rows.append(("all", len(real.labels), *(share(pred[j], real.labels) for j in judges.names)))
    _table("(a) The judges on real held-out notes (held-judge-test) %",
           ["class", "clips", "judge A right %", "judge B right %"], rows,
           "A: log-mel CNN, 16 kHz, 1.536 s, trained on held-judge-a; B: MFCC GRU, 22.05 kHz, "
           "2 s, trained on held-judge-b.")


def bench_generated(model, judges, real: Notes, per_class, d, seed, save_dir=None) -> Notes:
    """Clips of every class with the op's defaults: both judges' verdicts per class, the
    notes hit, and the spectrum figures beside the real notes'."""
    rows, made = [], []
    asked_all = hit_all = 0
    t0 = time.perf_counter()
    for k, name in enumerate(judges.classes):
        gen = generate(model, model.label(name), per_class, d["sampler"], d["steps"],
                       d["guidance"], seed + k)
        got = model.estimate_pitch(gen.clips) if model.pitched else [0.0] * per_class
        asked, hit = pitch_hits(gen.hz, got)
        asked_all, hit_all = asked_all + asked, hit_all + hit
        mine = spectrum_figures(gen, [a if a > 0 else 0.0 for a in gen.hz])
        truth = spectrum_figures(real.of(k), real.of(k).hz)
        pred = judges.predict(gen.clips, gen.rate)
        if save_dir:
            import soundfile as sf
            os.makedirs(save_dir, exist_ok=True)
            for j, clip in enumerate(gen.clips.numpy()):
                sf.write(os.path.join(save_dir, f"{name}_{j}.wav"), clip, gen.rate)
        want = torch.full((per_class,), k)
        rows.append((name, per_class, *(share(pred[j], want) for j in judges.names),
                     f"{hit}/{asked}" if asked else "-",
                     _pair(mine["between"], truth["between"]),
                     _pair(mine["high"], truth["high"]),
                     _pair(mine["lines"], truth["lines"], "{:.0f}")))
        made.append(gen)
    clips = torch.cat([m.clips for m in made])
    labels = torch.cat([m.labels for m in made])
    pred = judges.predict(clips, made[0].rate)
    rows.append(("all", len(labels), *(share(pred[j], labels) for j in judges.names),
                 f"{hit_all}/{asked_all}" if asked_all else "-", "", "", ""))
    seconds = made[0].clips.shape[1] / made[0].rate
    _table(f"(a) Generated clips judged as the requested class ({d['sampler']}, {d['steps']} "
           f"steps, guidance {d['guidance']:g}, {seconds:.2f} s at {made[0].rate} Hz)",
           ["class", "clips", "judge A %", "judge B %", "note within ½ semitone",
            "between partials dB, gen / real", "above 8 kHz dB, gen / real",
            "tails with a steady line %, gen / real"], rows,
           f"{time.perf_counter() - t0:.0f} s to generate and judge {len(labels)} clips. Notes "
           f"are drawn as the op's 'auto' draws them and measured by pYIN. Between partials: "
           f"studio.dsp.metrics.between_harmonics_db (0.1-0.6 s, at the asked note). Above 8 "
           f"kHz: share of the first 0.5 s. Steady line: studio.dsp.tail_lines.steady_lines "
           f"from {TAIL_AFTER} s after the note's end (>= 10 dB over the local floor, not a "
           f"partial of the note).")
    return Notes(clips, made[0].rate, labels, sum((m.hz for m in made), []),
                 sum((m.holds for m in made), []))


def bench_guidance(model, judges, scales, per_class, d, seed):
    rows = []
    for scale in scales:
        made = [generate(model, model.label(name), per_class, d["sampler"], d["steps"], scale,
                         seed + 100 + k) for k, name in enumerate(judges.classes)]
        clips = torch.cat([m.clips for m in made])
        labels = torch.cat([m.labels for m in made])
        pred = judges.predict(clips, made[0].rate)
        rows.append((f"{scale:g}", len(labels), *(share(pred[j], labels) for j in judges.names)))
    _table("Guidance sweep (classifier-free guidance scale; 1 = off)",
           ["guidance", "clips", "judge A %", "judge B %"], rows,
           "Few clips per scale: a coarse guide, not a precise figure.")


def bench_frechet(generated: Notes, real: Notes, train_pool: torch.Tensor, seed):
    rng = np.random.default_rng(seed)
    as_a = JJ.fit(real.clips, real.rate, J.RATE, J.LENGTH)
    ref = J.mel_stats(as_a)
    gen = JJ.fit(generated.clips, generated.rate, J.RATE, J.LENGTH)
    n = gen.shape[0]
    same = train_pool[torch.from_numpy(rng.choice(train_pool.shape[0], n, replace=False))]
    half = rng.permutation(as_a.shape[0])
    a, b = half[: len(half) // 2], half[len(half) // 2:]
    noise = J.normalise(torch.randn(n, J.LENGTH, generator=torch.Generator().manual_seed(seed))
                        * torch.exp(-torch.arange(J.LENGTH) / (0.3 * J.RATE)))
    rows = [("generated vs held-out real", n, as_a.shape[0], J.frechet(J.mel_stats(gen), ref)),
            ("other real clips (same count) vs held-out real", n, as_a.shape[0],
             J.frechet(J.mel_stats(same), ref)),
            ("held-out half vs half", len(a), len(b),
             J.frechet(J.mel_stats(as_a[torch.from_numpy(a)]),
                       J.mel_stats(as_a[torch.from_numpy(b)]))),
            ("decaying white noise vs held-out real", n, as_a.shape[0],
             J.frechet(J.mel_stats(noise), ref))]
    _table("(b) Fréchet distance on log-mel statistics (per clip: mean and std of 64 bands, "
           "16 kHz, 1.536 s)", ["sets", "n", "n ref", "distance"], rows,
           "Lower is closer; the real-vs-real rows are the floor, noise the ceiling.")


def bench_speed(model, d, quick):
    name = model.classes[0]
    label = torch.tensor([model.label(name)])
    x = torch.randn(model._latent_shape(1, model.clip_frames))
    sigma = torch.tensor([1.0])
    cond = model._cond(model.auto_pitch(name, torch.Generator().manual_seed(0)) or None, 1,
                       model.style_for(1.5))
    walls, cpus = [], []
    for _ in range(7):
        t, c = time.perf_counter(), time.process_time()
        with torch.no_grad():
            model.model.guided(x, sigma, label, d["guidance"], cond)
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    t_eval, c_eval = float(np.median(walls[1:])), float(np.median(cpus[1:]))
    frames = model.frames(1.5)
    seconds = frames / model.sample_rate
    hz = model.auto_pitch(name, torch.Generator().manual_seed(0)) if model.pitched else None
    from studio.models.diffusion.samplers import SAMPLERS, evaluations
    rows, headline = [], None
    for sampler in SAMPLERS:
        for steps in ((10, 25) if quick else (10, 25, 50)):
            t, c = time.perf_counter(), time.process_time()
            model.sample(1, model.label(name), frames, sampler=sampler, steps=steps,
                         guidance=d["guidance"], generator=torch.Generator().manual_seed(0),
                         pitch=hz, style=model.style_for(seconds))
            dt, dc = time.perf_counter() - t, time.process_time() - c
            rows.append((sampler, steps, evaluations(sampler, steps), dt, dc, dt / seconds,
                         dc / c_eval))
            if sampler == d["sampler"] and steps == d["steps"]:
                headline = (dt, dc)
    _table(f"(c) Sampling time on the CPU ({torch.get_num_threads()} threads, "
           f"{seconds:.2f} s clip at {model.sample_rate} Hz, guidance {d['guidance']:g}, "
           f"load {os.getloadavg()[0]:.1f})",
           ["sampler", "steps", "network evaluations", "wall s", "CPU s", "wall s per s of audio",
            "CPU x one guided evaluation"], rows,
           f"One guided evaluation (two network passes): {t_eval * 1000:.1f} ms wall, "
           f"{c_eval * 1000:.1f} ms CPU. The default ({d['sampler']}, {d['steps']} steps): "
           f"{headline[0]:.2f} s wall, {headline[1]:.2f} s CPU for {seconds:.2f} s of audio. "
           f"CPU s is the process's CPU time (all its threads); the last column survives load.")


def bench_variation(model_name, judges, real: Notes, per_class, cache, seed):
    rows, keep_all, sdrs_all = [], {j: [] for j in judges.names}, []
    for k, name in enumerate(judges.classes):
        mine = real.of(k)
        n = min(per_class, len(mine.hz))
        outs, srcs, sdrs = [], [], []
        for i in range(n):
            length = int(((mine.holds[i] or 1.0) + 1.5) * real.rate)
            src = mine.clips[i, :length].numpy()
            r = run_op("generate.variation", src, real.rate,
                       {"model": model_name, "strength": 0.3, "seed": seed + 31 * k + i}, cache)
            y = r.audio[0].float().cpu()
            outs.append(torch.nn.functional.pad(y, (0, mine.clips.shape[1] - len(y))))
            srcs.append(mine.clips[i])
            sdrs.append(si_sdr(src, y.numpy()))
        pred_out = judges.predict(torch.stack(outs), real.rate)
        pred_src = judges.predict(torch.stack(srcs), real.rate)
        keeps = {j: (pred_out[j] == pred_src[j]).float() for j in judges.names}
        for j in judges.names:
            keep_all[j].append(keeps[j])
        sdrs_all += sdrs
        rows.append((name, n, *(float(keeps[j].mean()) * 100 for j in judges.names),
                     float(np.mean(sdrs)), float(np.max(sdrs))))
    rows.append(("all", len(sdrs_all),
                 *(float(torch.cat(keep_all[j]).mean()) * 100 for j in judges.names),
                 float(np.mean(sdrs_all)), float(np.max(sdrs_all))))
    _table("(d) Variation at strength 0.3 (op defaults: the class the model hears, the clip's "
           "own pitch) of held-out real notes",
           ["class", "clips", "judge A keeps the class %", "judge B keeps the class %",
            "mean SI-SDR to source dB", "max SI-SDR dB"], rows,
           "Targets: class kept >= 90 %; SI-SDR < 10 dB for every clip (a variation, not a "
           "copy).")


def bench_interpolation(model_name, real: Notes, classes, pairs, cache):
    rows = []
    n = len(classes)
    for p in range(pairs):
        ka, kb = p % n, (p + n // 2 + p // n) % n
        a = real.of(ka).clips[p // n].numpy()
        b = real.of(kb).clips[p // n + 1].numpy()
        t = time.perf_counter()
        r = run_op("generate.interpolate", a, real.rate,
                   {"model": model_name, "count": 3, "class_a": classes[ka],
                    "class_b": classes[kb]}, cache,
                   extras={"other": (torch.from_numpy(b)[None], real.rate)})
        first, mid, last = (c[0].float().cpu().numpy() for _, c in r.takes)
        rows.append((f"{classes[ka]} -> {classes[kb]}", si_sdr(a, first), si_sdr(b, last),
                     max(si_sdr(a, mid), si_sdr(b, mid)), time.perf_counter() - t))
    rows.append(("mean", *(float(np.mean([r[i] for r in rows])) for i in range(1, 5))))
    _table("(d) Interpolation end points after ODE inversion and regeneration (op defaults "
           "with the two clips' classes, count 3)", ["pair", "start SI-SDR dB", "end SI-SDR dB",
                                                     "midpoint: best SI-SDR to an end dB",
                                                     "seconds"], rows,
           "A controls model inverts and regenerates the controls: its noise is drawn anew, "
           "so a noisy sound's SI-SDR stays low even when its controls return exactly.")


def bench_classify(model, judges, real: Notes, per_class):
    """The class the model hears in real held-out notes, beside the judges' verdicts."""
    from torchaudio import functional as AF
    rows, right = [], []
    judged = {j: [] for j in judges.names}
    t0 = time.perf_counter()
    for k, name in enumerate(judges.classes):
        mine = real.of(k)
        clips = mine.clips[:per_class]
        if model.sample_rate != real.rate:
            clips = AF.resample(clips, real.rate, model.sample_rate)
        clips = clips[:, :model.clip_frames]
        hz = model.estimate_pitch(clips) if model.pitched else None
        style = model.style_for(clips.shape[1] / model.sample_rate)
        heard = [model.classes[int(c)] for c in torch.cat(
            [model.classify(clips[i:i + 4], None if hz is None else hz[i:i + 4], style=style)
             for i in range(0, len(clips), 4)]).argmin(dim=1)]
        ok = [h == name for h in heard]
        pred = judges.predict(mine.clips[:per_class], real.rate)
        for j in judges.names:
            judged[j] += (pred[j] == k).tolist()
        right += ok
        rows.append((name, len(ok), 100 * float(np.mean(ok)),
                     *(100 * float((pred[j] == k).float().mean()) for j in judges.names),
                     ", ".join(sorted({h for h in heard if h != name})) or "-"))
    seconds = (time.perf_counter() - t0) / len(right)
    rows.append(("all", len(right), 100 * float(np.mean(right)),
                 *(100 * float(np.mean(judged[j])) for j in judges.names),
                 f"{seconds:.2f} s a clip"))
    _table("(e) The generator as a classifier of real held-out notes (class=auto)",
           ["class", "clips", "model's class right %", "judge A right %", "judge B right %",
            "model's misses"], rows,
           "The variation and interpolation ops' default class is the model's.")


def bench_jitter(model, real: Notes, per_class: int, d: dict, seed: int):
    """Frame-to-frame jitter of the controls the model makes (the op's sampler, steps and
    guidance; its default clip) beside the same classes' real held-out notes analysed."""
    from studio.models.controls.jitter import frame_jitter
    from studio.models.diffusion.pitch import hz_to_midi
    from studio.models.controls import analysis
    t0 = time.perf_counter()
    frames = model.cfg.audio.length
    rows = []
    for k, name in enumerate(J._oneshots.CLASSES):
        label = model.label(name)
        g = torch.Generator().manual_seed(seed + k)
        hz = [model.auto_pitch(name, torch.Generator().manual_seed((seed + k) * 1000 + i))
              for i in range(per_class)]
        pitch = hz if any(h > 0 for h in hz) else None
        made = model.sample_controls(per_class, label, d["sampler"], d["steps"], d["guidance"],
                                     g, pitch=pitch, style=model.style_for(
                                         model.clip_frames / model.sample_rate))
        mine = frame_jitter(made.cpu(), model.spec)
        notes = real.of(k)
        keep = range(min(per_class, len(notes.hz)))
        truth = frame_jitter(torch.stack([analysis.analyse(
            notes.clips[i], notes.rate, hz_to_midi(notes.hz[i]) if notes.hz[i] > 0 else None,
            model.spec, frames) for i in keep]), model.spec)
        rows.append((name, *(_pair(float(mine[key].median()), float(truth[key].median()),
                                   fmt) for key, fmt in (("harmonics", "{:.1f}"),
                                                         ("noise", "{:.1f}"),
                                                         ("pitch", "{:.3f}")))))
    _table(f"(f) Frame-to-frame jitter of the controls, generated / real ({d['sampler']}, "
           f"{d['steps']} steps, guidance {d['guidance']:g}; {per_class} a class)",
           ["class", "partials dB", "noise bands dB", "pitch semitones"], rows,
           f"{time.perf_counter() - t0:.0f} s. Median over the notes of the RMS step between "
           f"neighbouring 10 ms frames over 0.1-0.6 s: the first 8 partials and the noise "
           f"bands within 40 dB of the loudest, and the pitch (a drum's pitch is its body's).")


def log_mel_distance(a: torch.Tensor, b: torch.Tensor, rate: int) -> torch.Tensor:
    """Per clip, the mean absolute difference of natural-log mel energies (judge A's 64 bands
    at 16 kHz, floored 80 dB under each clip's loudest bin): 0 for identical sounds."""
    mel = J.LogMel()
    floor = 80 * np.log(10) / 10
    with torch.no_grad():
        ma, mb = (mel(JJ.fit(x, rate, J.RATE, J.LENGTH)) for x in (a, b))
        ma = torch.maximum(ma, ma.amax(dim=(1, 2), keepdim=True) - floor)
        mb = torch.maximum(mb, mb.amax(dim=(1, 2), keepdim=True) - floor)
    return (ma - mb).abs().mean(dim=(1, 2))


def bench_ceiling(judges, real: Notes):
    """What the representation itself keeps: every held-out real note analysed into controls
    (told its note, as the recipe's analysis is) and rendered again, judged and measured
    beside the original."""
    from studio.models.controls import analysis, synth
    from studio.models.controls.spec import DEFAULT, REF_MIDI
    from studio.models.diffusion.pitch import hz_to_midi
    t0 = time.perf_counter()
    frames = int(np.ceil(real.clips.shape[1] / real.rate * DEFAULT.frame_rate))
    out = []
    for clip, hz in zip(real.clips, real.hz):
        note = hz_to_midi(hz) if hz > 0 else None
        f = analysis.analyse(clip, real.rate, note, DEFAULT, frames)
        out.append(synth.render(f[None], torch.tensor([note or REF_MIDI]), DEFAULT, real.rate,
                                real.clips.shape[1], torch.Generator().manual_seed(0))[0])
    again = Notes(torch.stack(out), real.rate, real.labels, real.hz, real.holds)
    seconds = (time.perf_counter() - t0) / len(out)
    p_real, p_again = (judges.predict(x.clips, x.rate) for x in (real, again))
    dist = log_mel_distance(real.clips, again.clips, real.rate)
    rows = []
    for k, name in enumerate(judges.classes):
        sel = real.labels == k
        a, b = spectrum_figures(real.of(k), real.of(k).hz), \
            spectrum_figures(again.of(k), again.of(k).hz)
        rows.append((name, int(sel.sum()),
                     *(f"{share(p_real[j][sel], k):.0f} / {share(p_again[j][sel], k):.0f}"
                       for j in judges.names),
                     float(dist[sel].mean()), _pair(b["between"], a["between"]),
                     _pair(b["high"], a["high"])))
    rows.append(("all", len(real.labels),
                 *(f"{share(p_real[j], real.labels):.0f} / {share(p_again[j], real.labels):.0f}"
                   for j in judges.names), float(dist.mean()), "", ""))
    _table("Ceiling of the representation: real held-out notes analysed and resynthesized",
           ["class", "clips", "judge A % real / resynth", "judge B % real / resynth",
            "log-mel distance", "between partials dB, resynth / real",
            "above 8 kHz dB, resynth / real"], rows,
           f"{seconds:.2f} s a clip to analyse and render. Log-mel distance: mean |difference| "
           f"of natural-log mel energies (64 bands, 16 kHz).")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="studio bench generate", description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="", help="model name or path (default: the bundled one)")
    ap.add_argument("--quick", action="store_true", help="fewer clips, fewer step counts")
    ap.add_argument("--per-class", type=int, default=0,
                    help="generated clips per class (default 20, quick 5)")
    ap.add_argument("--guidance-sweep", default=None,
                    help="comma-separated guidance scales to compare (default 1,1.5,2,3,4; "
                         "quick: none; 'none' to skip)")
    ap.add_argument("--only",
                    default="judge,ceiling,generated,jitter,sweep,speed,variation,"
                            "interpolation,classify",
                    help="comma-separated parts to run (default: all)")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: default)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sampler", default="", help="sampler for (a) and (b) (default: the op's)")
    ap.add_argument("--steps", type=int, default=0,
                    help="sampling steps for (a) and (b) (default: the op's)")
    ap.add_argument("--no-settle", action="store_true",
                    help="a controls model's raw denoiser, its estimates not smoothed in time "
                         "(studio.models.controls.settle)")
    ap.add_argument("--save-clips", default="", metavar="DIR",
                    help="write the generated clips of (a) into DIR as <class>_<k>.wav")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    from studio.models.diffusion import catalog
    parts = set(args.only.split(","))
    model = catalog.load(args.model, "cpu")
    missing = [c for c in J._oneshots.CLASSES if c not in model.classes]
    if missing:
        print(f"this model lacks the benchmark's classes {', '.join(missing)}; the judges only "
              f"know the twelve one-shot classes")
        return 1
    per_class = args.per_class or (5 if args.quick else 20)
    sweep = args.guidance_sweep or ("none" if args.quick else "1,1.5,2,3,4")
    d = defaults()
    d.update({k: v for k, v in (("sampler", args.sampler), ("steps", args.steps)) if v})
    tr = model.cfg.training
    controls = bool(model.cfg.controls.frame_rate)
    kind = ("controls, " + ("raw denoiser" if args.no_settle else "estimates settled")
            if controls else "waveform")
    print(f"## studio bench generate\n\nmodel {catalog.find_model(args.model)}: {kind}, "
          f"{model.cfg.size}, step {tr.get('steps', '?')}, {model.sample_rate} Hz; torch "
          f"threads {torch.get_num_threads()}, load {os.getloadavg()[0]:.1f}")
    cache: dict = {}
    catalog.load(args.model, "cpu", cache)  # the ops find this model in the shared cache
    if args.no_settle:
        for m in (model, *cache.values()):
            m.settle = False
    real = real_notes(30)
    judges = JJ.judges(100) if parts - {"speed", "interpolation", "jitter"} else None
    if "judge" in parts:
        bench_judge(judges, real)
    if "ceiling" in parts:
        bench_ceiling(judges, real)
    if "generated" in parts:
        generated = bench_generated(model, judges, real, per_class, d, args.seed,
                                    args.save_clips)
        pool, _ = JJ.load_prepared(JJ.SPLIT_A, 100, J.RATE, J.LENGTH, log=lambda m: None)
        bench_frechet(generated, real, pool, args.seed)
    if "jitter" in parts and controls:
        bench_jitter(model, real, per_class, d, args.seed)
    if "classify" in parts:
        bench_classify(model, judges, real, 5 if args.quick else 20)
    if "variation" in parts:
        bench_variation(args.model, judges, real, 2 if args.quick else 5, cache, args.seed)
    if "interpolation" in parts:
        bench_interpolation(args.model, real, tuple(J._oneshots.CLASSES),
                            3 if args.quick else 12, cache)
    if "sweep" in parts and sweep != "none":
        bench_guidance(model, judges, [float(s) for s in sweep.split(",")],
                       max(1, per_class // 4), d, args.seed)
    if "speed" in parts:
        bench_speed(model, d, args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
