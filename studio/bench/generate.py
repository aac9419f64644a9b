"""Generation benchmark: `studio bench generate [--model PATH] [--quick]`.

(a) a judge (studio.bench._judge: a small CNN on log-mel, trained on held-out fluidsynth
    renders) gives its accuracy on real held-out clips, then the share of generated clips it
    assigns to the requested class, per class and overall, with the generate.sample op's
    defaults (and a sweep of the guidance scale);
(b) the Fréchet distance between generated and held-out real clips on per-clip log-mel
    statistics, beside real-vs-real baselines (the same number of other real clips; two halves
    of the held-out set) and noise-vs-real;
(c) sampling time per second of audio for each sampler and step count, also as a multiple of
    one guided network evaluation measured in the same run (a figure that survives load);
(d) variation at strength 0.3 (does the judge keep the class? SI-SDR to the source, which must
    stay below 10 dB: not a copy) and interpolation end points (SI-SDR to the inputs after ODE
    inversion and regeneration);
(e) the generator itself as a classifier of the real held-out clips (`DiffusionModel.classify`,
    what the variation and interpolation ops' class=auto uses), beside the judge.
Prints markdown tables; the judge's weights are cached, so reruns skip its training.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

from studio.bench import _judge as J
from studio.dsp.metrics import si_sdr
from studio.engine.context import Context
from studio.engine.operation import Inputs


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


def generate(model, label: int, n: int, sampler: str, steps: int, guidance: float,
             seed: int, batch: int = 8) -> tuple[torch.Tensor, list[float] | None]:
    """n clips of class `label` (batches share one seeded generator), and for a pitch model
    the pitch each was asked for, drawn as the op's "auto" draws it."""
    g = torch.Generator().manual_seed(seed)
    name = model.classes[label] if label is not None else ""
    hz = [model.auto_pitch(name, torch.Generator().manual_seed(seed * 1000 + i))
          for i in range(n)] if model.pitched else None
    out = [model.sample(min(batch, n - i), label, None, sampler=sampler, steps=steps,
                        guidance=guidance, generator=g,
                        pitch=None if hz is None else hz[i:i + batch])
           for i in range(0, n, batch)]
    return torch.cat(out).float().cpu(), hz


def pitch_hits(asked: list[float], got: list[float]) -> tuple[int, int]:
    """(pitched clips asked for, those whose measured pitch is within half a semitone)."""
    from studio.models.diffusion.pitch import hz_to_midi
    pairs = [(a, b) for a, b in zip(asked, got) if a > 0]
    hits = sum(1 for a, b in pairs if b > 0 and abs(hz_to_midi(b) - hz_to_midi(a)) <= 0.5)
    return len(pairs), hits


def median_between(clips: torch.Tensor, rate: int, pitches: list[float]) -> float:
    """The median of `between_harmonics_db` over the clips (n, frames) with a pitch: how much
    broadband noise lies under the notes (NaN when none is pitched)."""
    from studio.dsp.metrics import between_harmonics_db
    values = [between_harmonics_db(c.numpy(), rate, f) for c, f in zip(clips, pitches)]
    values = [v for v in values if not np.isnan(v)]  # NaN: unpitched (f <= 0)
    return float(np.median(values)) if values else float("nan")


def to_judge_rate(clips: torch.Tensor, rate: int) -> torch.Tensor:
    from torchaudio import functional as AF
    if rate != J.RATE:
        clips = AF.resample(clips, rate, J.RATE)
    return J.normalise(torch.nn.functional.pad(clips, (0, max(0, J.LENGTH - clips.shape[1])))
                       [:, :J.LENGTH])


def share(pred: torch.Tensor, want: torch.Tensor) -> float:
    return float((pred == want).float().mean()) * 100


def bench_judge(judge, test, test_labels):
    pred = judge.predict(test)
    rows = [(name, int((test_labels == k).sum()), share(pred[test_labels == k], k))
            for k, name in enumerate(judge.classes)]
    rows.append(("all", len(test_labels), share(pred, test_labels)))
    _table("(a) Judge accuracy on real held-out clips (judge-test split) %",
           ["class", "clips", "accuracy %"], rows)
    return share(pred, test_labels)


def bench_classify(model, judge, test, test_labels, per_class):
    """The class the model hears in real held-out clips, against their true class and the
    judge's verdict on the same clips."""
    from torchaudio import functional as AF
    rows, right, judged = [], [], []
    t0 = time.perf_counter()
    for k, name in enumerate(judge.classes):
        idx = torch.nonzero(test_labels == k)[:per_class, 0]
        clips = test[idx]
        if model.sample_rate != J.RATE:
            clips = AF.resample(clips, J.RATE, model.sample_rate)
        hz = model.estimate_pitch(clips) if model.pitched else None
        heard = [model.classes[int(c)] for c in
                 torch.cat([model.classify(clips[i:i + 4], None if hz is None else hz[i:i + 4])
                            for i in range(0, len(idx), 4)]).argmin(dim=1)]
        ok = [h == name for h in heard]
        jok = (judge.predict(test[idx]) == k).tolist()
        right += ok
        judged += jok
        rows.append((name, len(idx), 100 * float(np.mean(ok)), 100 * float(np.mean(jok)),
                     ", ".join(sorted({h for h in heard if h != name})) or "-"))
    seconds = (time.perf_counter() - t0) / len(right)
    rows.append(("all", len(right), 100 * float(np.mean(right)), 100 * float(np.mean(judged)),
                 f"{seconds:.2f} s a clip"))
    _table("(e) The generator as a classifier of real held-out clips (class=auto)",
           ["class", "clips", "model's class right %", "judge right %", "model's misses"],
           rows, "The variation and interpolation ops' default class is the model's.")


def bench_generated(model, judge, test, test_labels, per_class, d, seed, save_dir=None):
    """Clips of every class with the op's defaults; the judge's verdicts, per class, and the
    energy between the partials of pitched clips beside real ones of the class (and with
    `save_dir`, the clips as save_dir/<class>_<k>.wav, to listen to or look at)."""
    from studio.models.diffusion.pitch import clip_pitches
    clips, want, rows = [], [], []
    asked_all, hit_all = 0, 0
    t0 = time.perf_counter()
    for k, name in enumerate(judge.classes):
        raw, hz = generate(model, model.label(name), per_class, d["sampler"], d["steps"],
                           d["guidance"], seed + k)
        got = model.estimate_pitch(raw) if hz else []
        asked, hit = pitch_hits(hz, got) if hz else (0, 0)
        real = test[test_labels == k][:per_class]
        between = (median_between(raw, model.sample_rate, got),
                   median_between(real, J.RATE, clip_pitches(real, J.RATE).tolist()))
        asked_all, hit_all = asked_all + asked, hit_all + hit
        x = to_judge_rate(raw, model.sample_rate)
        pred = judge.predict(x)
        if save_dir:
            import soundfile as sf
            os.makedirs(save_dir, exist_ok=True)
            for j, clip in enumerate(x.numpy()):
                sf.write(os.path.join(save_dir, f"{name}_{j}.wav"), clip, J.RATE)
        top = torch.bincount(pred, minlength=len(judge.classes))
        top[k] = -1
        rows.append((name, per_class, share(pred, torch.full_like(pred, k)),
                     judge.classes[int(top.argmax())] if (pred != k).any() else "-",
                     f"{hit}/{asked}" if asked else "-", _pair(between)))
        clips.append(x)
        want.append(torch.full((per_class,), k))
    clips, want = torch.cat(clips), torch.cat(want)
    overall = share(judge.predict(clips), want)
    rows.append(("all", len(want), overall, "", f"{hit_all}/{asked_all}" if asked_all else "-",
                 ""))
    _table(f"(a) Generated clips the judge assigns to the requested class "
           f"({d['sampler']}, {d['steps']} steps, guidance {d['guidance']:g})",
           ["class", "clips", "judged as requested %", "most common other verdict",
            "pitch within ½ semitone of the asked note",
            "energy between partials dB, generated / real (median)"], rows,
           f"{time.perf_counter() - t0:.0f} s to generate and judge {len(want)} clips; a pitch "
           f"model is asked for notes drawn as the op's 'auto' draws them. The last column is "
           f"the noise under the notes (studio.dsp.metrics.between_harmonics_db, 0.1-0.6 s, "
           f"each clip at its measured pitch); clean renders sit far below -30 dB.")
    return clips, overall


def _pair(values: tuple[float, float]) -> str:
    """'a / b' to one decimal, '-' for a side without a figure (no pitched clip)."""
    if all(np.isnan(v) for v in values):
        return "-"
    return " / ".join("-" if np.isnan(v) else f"{v:.1f}" for v in values)


def bench_guidance(model, judge, test, scales, per_class, d, seed):
    rows = []
    ref = J.mel_stats(test)
    for scale in scales:
        clips, want = [], []
        for k, name in enumerate(judge.classes):
            clips.append(to_judge_rate(generate(model, model.label(name), per_class,
                                                d["sampler"], d["steps"], scale,
                                                seed + 100 + k)[0], model.sample_rate))
            want.append(torch.full((per_class,), k))
        clips, want = torch.cat(clips), torch.cat(want)
        rows.append((f"{scale:g}", len(want), share(judge.predict(clips), want),
                     J.frechet(J.mel_stats(clips), ref)))
    _table("Guidance sweep (classifier-free guidance scale; 1 = off)",
           ["guidance", "clips", "judged as requested %", "Fréchet distance to real"], rows,
           "Few clips per scale: a coarse guide for the default, not a precise figure.")


def bench_frechet(generated, test, train_pool, seed):
    rng = np.random.default_rng(seed)
    ref = J.mel_stats(test)
    n = generated.shape[0]
    same = train_pool[torch.from_numpy(rng.choice(train_pool.shape[0], n, replace=False))]
    half = rng.permutation(test.shape[0])
    a, b = half[: len(half) // 2], half[len(half) // 2:]
    noise = J.normalise(torch.randn(n, J.LENGTH, generator=torch.Generator().manual_seed(seed))
                        * torch.exp(-torch.arange(J.LENGTH) / (0.3 * J.RATE)))
    rows = [("generated vs held-out real", n, test.shape[0],
             J.frechet(J.mel_stats(generated), ref)),
            ("other real clips (same count) vs held-out real", n, test.shape[0],
             J.frechet(J.mel_stats(same), ref)),
            ("held-out half vs half", len(a), len(b),
             J.frechet(J.mel_stats(test[torch.from_numpy(a)]),
                       J.mel_stats(test[torch.from_numpy(b)]))),
            ("decaying white noise vs held-out real", n, test.shape[0],
             J.frechet(J.mel_stats(noise), ref))]
    _table("(b) Fréchet distance on log-mel statistics (per clip: mean and std of 64 bands)",
           ["sets", "n", "n ref", "distance"], rows,
           "Lower is closer; the real-vs-real rows are the floor, noise the ceiling.")


def bench_speed(model, d, quick):
    name = model.classes[0]
    label = torch.tensor([model.label(name)])
    x = torch.randn(1, 1, model.cfg.audio.length)
    sigma = torch.tensor([1.0])
    walls, cpus = [], []
    for _ in range(7):
        t, c = time.perf_counter(), time.process_time()
        with torch.no_grad():
            model.model.guided(x, sigma, label, d["guidance"])
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    t_eval, c_eval = float(np.median(walls[1:])), float(np.median(cpus[1:]))
    seconds = model.cfg.audio.length / model.sample_rate
    from studio.models.diffusion.samplers import SAMPLERS, evaluations
    rows, headline = [], None
    for sampler in SAMPLERS:
        for steps in ((10, 25) if quick else (10, 25, 50)):
            t, c = time.perf_counter(), time.process_time()
            model.sample(1, model.label(name), None, sampler=sampler, steps=steps,
                         guidance=d["guidance"], generator=torch.Generator().manual_seed(0))
            dt, dc = time.perf_counter() - t, time.process_time() - c
            rows.append((sampler, steps, evaluations(sampler, steps), dt, dc, dt / seconds,
                         dc / c_eval))
            if sampler == d["sampler"] and steps == d["steps"]:
                headline = (dt, dc)
    _table(f"(c) Sampling time on the CPU ({torch.get_num_threads()} threads, "
           f"{seconds:.3f} s clip, guidance {d['guidance']:g}, load {os.getloadavg()[0]:.1f})",
           ["sampler", "steps", "network evaluations", "wall s", "CPU s", "wall s per s of audio",
            "CPU x one guided evaluation"], rows,
           f"One guided evaluation (two network passes): {t_eval * 1000:.1f} ms wall, "
           f"{c_eval * 1000:.1f} ms CPU. The default ({d['sampler']}, {d['steps']} steps): "
           f"{headline[0]:.2f} s wall, {headline[1]:.2f} s CPU for {seconds:.3f} s of audio "
           f"(target <= 10 s on the 2-core CPU). CPU s is the process's CPU time (all its "
           f"threads): with one thread, about the time on an idle core; the last column "
           f"(CPU time over one evaluation's) survives load.")


def bench_variation(model_name, judge, test, test_labels, per_class, cache, seed):
    vrows, keep_all, sdrs_all = [], [], []
    src_pred = judge.predict(test)
    for k, name in enumerate(judge.classes):
        idx = torch.nonzero(test_labels == k)[:per_class, 0]
        outs, sdrs = [], []
        for j, i in enumerate(idx.tolist()):
            r = run_op("generate.variation", test[i].numpy(), J.RATE,
                       {"model": model_name, "strength": 0.3, "seed": seed + 31 * k + j}, cache)
            y = r.audio[0].float().cpu()
            outs.append(y)
            sdrs.append(si_sdr(test[i].numpy(), y.numpy()))
        pred = judge.predict(to_judge_rate(torch.stack(outs), J.RATE))
        keep = (pred == src_pred[idx]).float()
        keep_all.append(keep)
        sdrs_all += sdrs
        vrows.append((name, len(idx), float(keep.mean()) * 100, float(np.mean(sdrs)),
                      float(np.max(sdrs))))
    keep = torch.cat(keep_all)
    vrows.append(("all", len(keep), float(keep.mean()) * 100, float(np.mean(sdrs_all)),
                  float(np.max(sdrs_all))))
    _table("(d) Variation at strength 0.3 (op defaults: the class the model hears, the clip's "
           "own pitch) of held-out real clips",
           ["class", "clips", "judge keeps the class %", "mean SI-SDR to source dB",
            "max SI-SDR dB"], vrows,
           "Targets: class kept >= 90 %; SI-SDR < 10 dB (a variation, not a copy).")


def bench_interpolation(model_name, test, test_labels, classes, pairs, cache):
    rows = []
    n = len(classes)
    for p in range(pairs):
        ka, kb = p % n, (p + n // 2 + p // n) % n
        a = test[torch.nonzero(test_labels == ka)[p // n, 0]].numpy()
        b = test[torch.nonzero(test_labels == kb)[p // n + 1, 0]].numpy()
        t = time.perf_counter()
        # the user says what the two clips are: the ends' classes steer the inversion
        r = run_op("generate.interpolate", a, J.RATE,
                   {"model": model_name, "count": 3, "class_a": classes[ka],
                    "class_b": classes[kb]}, cache,
                   extras={"other": (torch.from_numpy(b)[None], J.RATE)})
        first, mid, last = (c[0].float().cpu().numpy() for _, c in r.takes)
        rows.append((f"{classes[ka]} -> {classes[kb]}", si_sdr(a, first), si_sdr(b, last),
                     max(si_sdr(a, mid), si_sdr(b, mid)), time.perf_counter() - t))
    rows.append(("mean", float(np.mean([r[1] for r in rows])),
                 float(np.mean([r[2] for r in rows])), float(np.mean([r[3] for r in rows])),
                 float(np.mean([r[4] for r in rows]))))
    _table("(d) Interpolation end points after ODE inversion and regeneration (op defaults "
           "with the two clips' classes, count 3)", ["pair", "start SI-SDR dB", "end SI-SDR dB",
                        "midpoint: best SI-SDR to an end dB", "seconds"], rows,
           "Target: both ends >= 20 dB.")


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
                    default="judge,generated,sweep,speed,variation,interpolation,classify",
                    help="comma-separated parts to run (default: all)")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: default)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sampler", default="", help="sampler for (a) and (b) (default: the op's)")
    ap.add_argument("--steps", type=int, default=0,
                    help="sampling steps for (a) and (b) (default: the op's); fewer for a "
                         "cheap comparison of two models")
    ap.add_argument("--pitch-guidance", action="store_true",
                    help="in (a), (b) and the sweep, a pitch model's guidance pushes away from "
                         "'no class and no pitch' (default, as the ops: from 'no class')")
    ap.add_argument("--save-clips", default="", metavar="DIR",
                    help="write the generated clips of (a) into DIR as <class>_<k>.wav")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    from studio.models.diffusion import catalog
    parts = set(args.only.split(","))
    model = catalog.load(args.model, "cpu")
    model.guide_pitch = args.pitch_guidance
    missing = [c for c in J._oneshots.CLASSES if c not in model.classes]
    if missing:
        print(f"this model lacks the benchmark's classes {', '.join(missing)}; the judge only "
              f"knows the twelve one-shot classes")
        return 1
    per_class = args.per_class or (5 if args.quick else 20)
    sweep = args.guidance_sweep or ("none" if args.quick else "1,1.5,2,3,4")
    d = defaults()
    d.update({k: v for k, v in (("sampler", args.sampler), ("steps", args.steps)) if v})
    tr = model.cfg.training
    away = "no class and no pitch" if args.pitch_guidance else "no class"
    pitched = f", pitch-conditioned (guidance away from {away})" if model.pitched else ""
    print(f"## studio bench generate\n\nmodel {catalog.find_model(args.model)}: "
          f"{model.cfg.size}, step {tr.get('steps', '?')}, {model.sample_rate} Hz{pitched}; "
          f"torch threads {torch.get_num_threads()}, load {os.getloadavg()[0]:.1f}")
    cache: dict = {}
    catalog.load(args.model, "cpu", cache)  # the ops find this model in the shared cache

    test, test_labels = J.load_split("judge-test", 50, log=lambda m: None)
    judge = J.cached_judge(100) if parts & {"judge", "generated", "sweep", "variation",
                                            "classify"} else None
    if "judge" in parts:
        bench_judge(judge, test, test_labels)
    if "generated" in parts:
        generated, _ = bench_generated(model, judge, test, test_labels, per_class, d, args.seed,
                                       args.save_clips)
        train_pool, _ = J.load_split("judge-train", 100, log=lambda m: None)
        bench_frechet(generated, test, train_pool, args.seed)
    if "classify" in parts:
        bench_classify(model, judge, test, test_labels, 5 if args.quick else 20)
    if "variation" in parts:
        bench_variation(args.model, judge, test, test_labels, 2 if args.quick else 5, cache,
                        args.seed)
    if "interpolation" in parts:
        bench_interpolation(args.model, test, test_labels, judge.classes if judge else
                            tuple(J._oneshots.CLASSES), 3 if args.quick else 12, cache)
    if "sweep" in parts and sweep != "none":
        bench_guidance(model, judge, test, [float(s) for s in sweep.split(",")],
                       max(1, per_class // 4), d, args.seed)
    if "speed" in parts:
        bench_speed(model, d, args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
