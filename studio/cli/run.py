"""`studio run OP [INPUT ...] -o OUTPUT`: one operation on audio files, without the window.

The first INPUT is the audio to process; further ones are the op's extra inputs (a noise
profile, a second clip) in the order it declares them. Generators take no INPUT.
"""
from __future__ import annotations

import sys

from studio.cli import _common as c
from studio.errors import StudioError


def register(subparsers) -> None:
    p = subparsers.add_parser("run", help="run one operation on audio files")
    p.add_argument("op", help="operation id, e.g. edit.gain (see `studio ops`)")
    p.add_argument("inputs", nargs="*", metavar="INPUT", help="input file, then extra inputs")
    p.add_argument("-o", "--output", help="output audio file")
    p.add_argument("--report", help="write the report (values, curves, log) as JSON here")
    p.add_argument("--rate", type=int, default=48000, help="sample rate for generators")
    c.add_job_options(p)
    p.set_defaults(func=_run)


class _Progress:
    """One updated line on stderr, only when stderr is a terminal."""

    def __init__(self, label: str):
        self.label, self.on = label, sys.stderr.isatty()

    def __call__(self, done: float, total: float, message: str) -> None:
        if self.on:
            pct = 100 * done / total if total else 0
            sys.stderr.write(f"\r{self.label}: {pct:5.1f}% {message[:50]:<50}")
            sys.stderr.flush()

    def close(self) -> None:
        if self.on:
            sys.stderr.write("\r" + " " * 80 + "\r")


def _run(args) -> int:
    from studio.cli.convert import decoder_noise_silenced
    with decoder_noise_silenced():
        return _main(args)


def _main(args) -> int:
    from studio.engine.operation import InputKind
    from studio.engine.protocol import JobRequest
    from studio.engine.runner import run_job

    op = c.get_op(args.op)
    values = c.param_values(op, args.preset, args.assignments)
    main = 0 if op.inputs is InputKind.NONE else 1
    need = main + sum(1 for e in op.extras if e.required)
    if not need <= len(args.inputs) <= main + len(op.extras):
        names = (["INPUT"] if main else []) + [e.name.upper() for e in op.extras]
        raise StudioError(f"{op.id} takes {' '.join(names) or 'no input files'}; "
                          f"got {len(args.inputs)} file(s)")
    audio, rate, info, src = None, args.rate, None, None
    if main:
        src = args.inputs[0]
        audio, rate, info = c.open_input(src, op)
    extras = {}
    for extra, path in zip(op.extras, args.inputs[main:]):
        a, r, _ = c.read_audio(path)
        extras[extra.name] = (a, r)
    if op.returns_audio and not args.output:
        raise StudioError(f"{op.id} makes audio: give an output file with -o")

    progress = _Progress(op.id)
    try:
        result = run_job(JobRequest(op_id=op.id, params=values, inputs=audio, sample_rate=rate,
                                    device=args.device, seed=args.seed, extras=extras),
                         on_progress=progress)
        if isinstance(audio, c.StreamSource):
            audio.finish()  # the reader's end-of-file warnings, said before the output
    finally:
        progress.close()
        if isinstance(audio, c.StreamSource):
            audio.close()
    for line in result.log:
        print(f"studio: {line}", file=sys.stderr)
    if args.output and result.audio is not None:
        c.write_audio(args.output, result.audio,
                      result.sample_rate, c.output_subtype(args.subtype, args.output, src, info))
    if args.output:
        for name, take in result.takes:
            path = c.take_path(args.output, name)
            c.write_audio(path, take, result.sample_rate,
                          c.output_subtype(args.subtype, args.output, src, info))
            print(f"studio: wrote {name} to {path}", file=sys.stderr)  # names made up here
        if result.audio is None and not result.takes:  # -o never silently ignored
            print(f"studio: {op.id} makes no audio; nothing was written to {args.output} "
                  "(--report FILE.json saves its values)", file=sys.stderr)
    if args.report:
        c.write_report(args.report, result, src)
    elif not op.returns_audio:
        for k, v in result.report.values.items():
            print(f"{k}: {v}")
        if result.report.text:
            print(result.report.text)
    return 0
