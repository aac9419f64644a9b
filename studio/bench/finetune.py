"""`studio bench finetune`: a user's folder of 200 clips in 4 classes the bundled controls
model never heard, fine-tuned on this machine for at most --minutes, then judged.

The folder is made with the recipe's tools (fluidsynth, other GM programs than the twelve
classes: marimba, sitar, square lead, hand clap), 50 clips a class, laid out as a user's
sample folder (<class>/<file>.flac). Fine-tuning is `studio train --init-from controls`
(the model's twelve classes kept, the four new ones added). Two 4-class judges of the two
architectures of the generation benchmark (log-mel CNN, MFCC GRU), trained on other renders
of the same classes, then judge 20 generated clips a class, beside their accuracy on real
held-out clips. Target: >= 80 % judged as asked, in <= 30 min of fine-tuning on the CPU.

    studio bench finetune [--minutes 30] [--per-class 20] [--model controls]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path

import torch

from studio.bench import _judge as A
from studio.bench import _judges as JJ
from studio.bench import _oneshots
from studio.paths import cache_dir

USER_CLASSES = {
    "marimba": ("melodic", (12, 13), (48, 84)),
    "sitar": ("melodic", (104,), (48, 77)),
    "squarelead": ("melodic", (80,), (48, 84)),
    "clap": ("drum", (39,), (0, 0)),
}
HOLDS = (0.25, 2.0)


def render(split: str, per_class: int):
    return _oneshots.render_split(cache_dir() / "finetune" / split, split, per_class,
                                  JJ.HELD_RATE, seconds=JJ.HELD_SECONDS, holds=HOLDS,
                                  classes=USER_CLASSES, log=lambda m: None)


def load(split: str, per_class: int, rate: int, length: int):
    folder = render(split, per_class)
    return A.prepare_files([(path, k) for k, name in enumerate(USER_CLASSES)
                            for path in sorted((folder / name).glob("*.flac"))], rate, length)


def real_notes(split: str, per_class: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The split's clips as rendered at 44.1 kHz, zero-padded to one length, and labels."""
    import soundfile as sf
    folder = render(split, per_class)
    raws, labels = [], []
    for k, name in enumerate(USER_CLASSES):
        for path in sorted((folder / name).glob("*.flac")):
            audio, _ = sf.read(str(path), dtype="float32", always_2d=True)
            raws.append(torch.from_numpy(audio.mean(axis=1)))
            labels.append(k)
    n = max(len(r) for r in raws)
    return (torch.stack([torch.nn.functional.pad(r, (0, n - len(r))) for r in raws]),
            torch.tensor(labels))


def judges(log) -> JJ.Judges:
    classes = tuple(USER_CLASSES)
    a_clips, a_labels = load("user-judge-a", 60, A.RATE, A.LENGTH)
    b_clips, b_labels = load("user-judge-b", 60, JJ.B_RATE, JJ.B_LENGTH)
    log(f"training two 4-class judges on {len(a_labels)} and {len(b_labels)} clips")
    a = A.train_judge(a_clips, a_labels, classes, log=lambda m: None)
    b = JJ.train_b(b_clips, b_labels, classes, log=lambda m: None)
    return JJ.Judges(a, b, classes)


def fine_tune(folder, args, base) -> dict:
    """`studio train --init-from` on the folder for at most args.minutes, from a clean run
    folder; what it took (seconds, steps)."""
    from studio.models.controls.train import open_controls_run
    from studio.models.diffusion.train import TrainConfig
    shutil.rmtree(args.run, ignore_errors=True)
    t0 = time.monotonic()
    trainer = open_controls_run(folder, args.run, TrainConfig(steps=10 ** 9, batch=args.batch,
                                                              lr=2e-4, warmup=50,
                                                              checkpoint_every=10 ** 9,
                                                              demo_every=0),
                                init_from=str(base))
    prepared = time.monotonic() - t0
    deadline = t0 + args.minutes * 60
    trainer.run(cancelled=lambda: time.monotonic() > deadline)
    trainer.save()
    return {"steps": trainer.step, "batch": args.batch, "prepared": prepared,
            "wall": time.monotonic() - t0}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="studio bench finetune",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="controls")
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--per-class", type=int, default=20, help="generated clips per class")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--run", default=str(cache_dir() / "finetune" / "run"))
    ap.add_argument("--judge-only", action="store_true",
                    help="judge the fine-tuned run already in --run (its timing.json) instead "
                         "of fine-tuning again")
    args = ap.parse_args(argv)
    from studio.bench.generate import _table, generate, share
    from studio.models.diffusion import catalog
    folder = render("user-folder", 50)
    print(f"## studio bench finetune\n\nfolder {folder}: 4 classes x 50 clips; torch threads "
          f"{torch.get_num_threads()}, load {os.getloadavg()[0]:.1f}")
    timing_file = Path(args.run) / "timing.json"
    if not args.judge_only:
        timing = fine_tune(folder, args, catalog.find_model(args.model))
        timing_file.write_text(json.dumps(timing))
    timing = json.loads(timing_file.read_text())
    model = catalog.load(str(Path(args.run) / "model.json"))
    j = judges(print)
    rows = []
    real, labels = real_notes("user-judge-test", 20)
    p_real = j.predict(real, JJ.HELD_RATE)
    made, want = [], []
    for k, name in enumerate(USER_CLASSES):
        gen = generate(model, model.label(name), args.per_class, "heun", 25, 2.0, 500 + k)
        pred = j.predict(gen.clips, gen.rate)
        want_k = torch.full((args.per_class,), k)
        rows.append((name, args.per_class, *(share(pred[x], want_k) for x in j.names),
                     *(share(p_real[x][labels == k], k) for x in j.names)))
        made.append(gen.clips)
        want.append(want_k)
    clips, want = torch.cat(made), torch.cat(want)
    pred = j.predict(clips, model.sample_rate)
    rows.append(("all", len(want), *(share(pred[x], want) for x in j.names),
                 *(share(p_real[x], labels) for x in j.names)))
    _table(f"Fine-tuning the bundled controls model on a 4-class folder of 200 clips "
           f"({timing['steps']} steps of batch {timing['batch']}; {timing['wall'] / 60:.1f} min "
           f"wall including {timing['prepared'] / 60:.1f} min reading and analysing the "
           f"folder)",
           ["class", "clips", "judge A %", "judge B %", "judge A on real %",
            "judge B on real %"], rows,
           "Generated with the op's defaults (heun, 25 steps, guidance 2, notes drawn as "
           "the folder's). Target: >= 80 % judged as asked within 30 min.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
