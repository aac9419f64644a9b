"""`studio batch OP|--chain CHAIN.json 'GLOB' ... -o OUTDIR`: one operation (or a chain) over
many files. A bad file is reported and skipped; the run ends with a summary of failures and a
non-zero exit if any file failed. Outputs keep the inputs' relative layout under OUTDIR;
analysis-only results are written as <name>.json reports. `--jobs N` runs files on local
threads, `--cluster ADDRESS` on a Dask cluster's workers (_batch_cluster.py); both run the same
per-file job (_batch_job.py).
"""
from __future__ import annotations

import glob
import os
import sys
import threading
import time

from studio.cli import _common as c
from studio.errors import Cancelled, StudioError


def register(subparsers) -> None:
    p = subparsers.add_parser("batch", help="run an operation or a chain over many files")
    p.add_argument("args", nargs="+", metavar="OP GLOB",
                   help="operation id (omit with --chain) then one or more globs or files")
    p.add_argument("-o", "--output", required=True, metavar="OUTDIR", help="output folder")
    p.add_argument("--chain", help="JSON list of {\"op\": ..., \"params\": {...}} steps")
    p.add_argument("--jobs", type=int, default=1, help="files processed at once")
    p.add_argument("--cluster", metavar="ADDRESS",
                   help="run the files on a Dask distributed scheduler, e.g. tcp://host:8786 "
                        "(inputs and OUTDIR on storage every worker sees; the cluster extra)")
    c.add_job_options(p)
    p.set_defaults(func=_run)


def _files(patterns: list[str]) -> list[str]:
    found: list[str] = []
    for pat in patterns:
        hits = sorted(glob.glob(pat, recursive=True)) if glob.has_magic(pat) else [pat]
        found.extend(h for h in hits if os.path.isfile(h))
    unique = list(dict.fromkeys(os.path.abspath(f) for f in found))
    if not unique:
        raise StudioError(f"no files match {' '.join(repr(p) for p in patterns)}")
    return unique


class _Bar:
    """One line on stderr, rewritten as files finish."""

    def __init__(self, total: int):
        self.total, self.done, self.failed, self.t0 = total, 0, 0, time.monotonic()

    def update(self, name: str, ok: bool) -> None:
        self.done += 1
        self.failed += not ok
        width = 24
        fill = int(width * self.done / self.total)
        eta = (time.monotonic() - self.t0) / self.done * (self.total - self.done)
        line = (f"[{'#' * fill}{'.' * (width - fill)}] {self.done}/{self.total}"
                f"{f'  {self.failed} failed' if self.failed else ''}  eta {eta:4.0f}s  "
                f"{os.path.basename(name)[:30]}")
        sys.stderr.write("\r" + line.ljust(90))
        if self.done == self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _run(args) -> int:
    from studio.cli.convert import decoder_noise_silenced
    with decoder_noise_silenced():  # libmpg123's notes; damage reaches stderr as our warning
        return _main(args)


def _main(args) -> int:
    from studio.engine import chain as chains
    from studio.engine.pool import run_all

    if args.chain:
        steps = chains.load_chain(args.chain)
        if args.assignments or args.preset:
            raise StudioError("--set and --preset apply to one operation, not to --chain "
                              "(put them in the chain file)")
        patterns = args.args
    else:
        if len(args.args) < 2:
            raise StudioError("batch needs an operation and a glob (or --chain CHAIN.json GLOB)")
        op = c.get_op(args.args[0])
        steps = [chains.ChainStep(op.id, c.param_values(op, args.preset, args.assignments))]
        patterns = args.args[1:]
    if args.jobs < 1:
        raise StudioError("--jobs must be at least 1")
    files = _files(patterns)
    root = os.path.commonpath([os.path.dirname(f) for f in files])
    outdir = os.path.abspath(args.output)

    # analysis steps pass audio through: write audio only when some step makes it, and a
    # <name>.json report when some step reports
    from studio.cli._batch_job import FileJob
    from studio.engine import registry
    job = FileJob(tuple(steps), root, outdir,
                  makes_audio=any(registry.get(s.op_id).returns_audio for s in steps),
                  device=args.device, seed=args.seed, subtype=args.subtype)

    bar = _Bar(len(files))
    failures: list[tuple[str, str]] = []
    stop = threading.Event()
    if args.cluster:
        from studio.cli._batch_cluster import run_on_cluster
        outcomes = run_on_cluster(job, files, args.cluster, stop)
    else:
        cache: dict = {}  # models loaded once for the whole batch
        outcomes = run_all(lambda path: job(path, cache), files, args.jobs, stop)
    for path, _dest, err in outcomes:
        if isinstance(err, (Cancelled, KeyboardInterrupt)):
            raise err
        if err is not None:
            msg = str(err) if isinstance(err, StudioError) else \
                f"internal error: {type(err).__name__}: {err}"
            failures.append((path, msg))
        bar.update(path, err is None)
    ok = len(files) - len(failures)
    print(f"studio batch: {ok} of {len(files)} files done"
          + (f", {len(failures)} failed:" if failures else ""), file=sys.stderr)
    for path, msg in failures:
        print(f"  {os.path.relpath(path, root)}: {msg}", file=sys.stderr)
    return 1 if failures else 0
