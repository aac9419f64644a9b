"""`studio batch ... --cluster ADDRESS`: the batch's per-file jobs on a Dask distributed cluster
the user already runs (`dask scheduler` + `dask worker`, or a Dask deployment on Kubernetes,
SLURM/PBS via dask-jobqueue, ...).

Files travel as paths: the inputs and OUTDIR must be on storage every worker sees under the
same path (NFS, a cluster file system). Each worker process keeps one model cache (the
`ModelCache` plugin), so a model loads once per worker, not once per file. Outcomes come back in
the order files finish, shaped like `engine.pool.run_all`'s, so the progress bar and the failure
summary are the local batch's own. A file whose worker dies is rerun elsewhere by the scheduler
(up to `distributed.scheduler.allowed-failures` times), then reported as failed.
"""
from __future__ import annotations

import threading
import uuid
from typing import Iterator

from studio.cli._batch_job import FileJob
from studio.cli._common import warn
from studio.errors import StudioError

PLUGIN_NAME = "studio-model-cache"

try:
    from distributed import Client, as_completed, get_worker
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # the cluster extra is optional; `_connect` says so in one line
    Client = None
    WorkerPlugin = object


class ModelCache(WorkerPlugin):
    """One model cache per worker process, alive as long as the worker."""

    def setup(self, worker) -> None:
        self.cache: dict = {}


def _worker_cache() -> dict:
    plugin = get_worker().plugins.get(PLUGIN_NAME)
    if plugin is None:  # a worker that joined between registration and this task
        return {}
    return plugin.cache


def run_file(job: FileJob, path: str) -> tuple[str, list[str]]:
    """The task each worker runs: one file, with the worker's own model cache; its warnings
    travel back with the result, for the client to print."""
    notes: list[str] = []
    return job(path, _worker_cache(), notes.append), notes


def _connect(address: str):
    if Client is None:
        raise StudioError("--cluster needs Dask distributed: pip install "
                          "'audio-diffusion-studio[cluster]' (the lock pins its version)")
    try:
        return Client(address, timeout="20s")
    except (OSError, TimeoutError, ValueError) as e:
        raise StudioError(f"cannot reach the Dask scheduler at '{address}': {e}") from None


def _as_error(err: BaseException) -> BaseException:
    if type(err).__name__ == "KilledWorker":
        return StudioError("its worker died each time it ran the file "
                           "(distributed.scheduler.allowed-failures)")
    return err


def run_on_cluster(job: FileJob, files: list[str], address: str,
                   stop: threading.Event) -> Iterator[tuple[str, str | None, BaseException | None]]:
    """Yield (path, output, error) per file as the cluster finishes it. Closing the iterator
    (an interrupt) cancels every file not yet done."""
    client = _connect(address)
    futures = {}
    try:
        client.register_plugin(ModelCache(), name=PLUGIN_NAME)
        batch = uuid.uuid4().hex[:8]
        for i, path in enumerate(files):
            fut = client.submit(run_file, job, path, key=f"studio-batch-{batch}-{i}", pure=False)
            futures[fut] = path
        for fut in as_completed(futures):
            path = futures.pop(fut)
            if fut.status == "finished":
                dest, notes = fut.result()
                for note in notes:
                    warn(note)
                yield path, dest, None
            elif fut.status == "cancelled":  # the scheduler dropped it (restarted, shut down)
                yield path, None, StudioError("cancelled by the cluster")
            else:
                yield path, None, _as_error(fut.exception())
            if stop.is_set():
                return
    finally:
        if futures:
            client.cancel(list(futures))
        client.close()
