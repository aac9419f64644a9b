"""`studio batch --cluster`: the same per-file jobs on a Dask distributed cluster of two worker
processes on this machine (127.0.0.1 only), checked against a local `studio batch` run."""
import json
import os
import signal
import threading
import time

import numpy as np
import pytest
import soundfile as sf
from distributed import Client, LocalCluster

from studio.cli._batch_cluster import PLUGIN_NAME
from studio.cli.main import main

RATE = 16000
# a filter, then a diffusion model: a model each worker must load (once) and seeded sampling
CHAIN = [{"op": "filter.highpass", "params": {"cutoff": 60}},
         {"op": "generate.variation", "params": {"steps": 4, "seed": 3, "class": ""}}]


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as c:
        yield c


@pytest.fixture(autouse=True)
def one_torch_thread():
    """torch splits its sums by thread count, so the same bits need the same count on both
    sides: one thread here, as Dask's nanny gives each worker (OMP_NUM_THREADS=1)."""
    import torch
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _inputs(folder, n):
    for i in range(n):
        sub = folder / ("a" if i % 2 else "b")
        sub.mkdir(parents=True, exist_ok=True)
        x = np.random.default_rng(i).standard_normal((RATE // 2, 1)) * 0.2
        sf.write(str(sub / f"clip{i}.wav"), x.astype(np.float32), RATE, subtype="FLOAT")


def _chain(tmp_path):
    path = tmp_path / "chain.json"
    path.write_text(json.dumps(CHAIN))
    return str(path)


def _outputs(folder):
    return {str(p.relative_to(folder)): sf.read(str(p), dtype="float32")[0]
            for p in sorted(folder.rglob("*.wav"))}


def _local_run(tmp_path, inp):
    out = tmp_path / "local"
    assert main(["batch", "--chain", _chain(tmp_path), str(inp / "**" / "*.wav"),
                 "-o", str(out)]) == 0
    return _outputs(out)


def test_cluster_batch_equals_local_and_a_bad_file_fails_alone(tmp_path, cluster, capsys):
    inp = tmp_path / "in"
    _inputs(inp, 4)
    x = np.random.default_rng(9).standard_normal((RATE // 2, 1)).astype(np.float32) * 0.2
    x[100] = np.nan  # read with a warning (NaN replaced): the warning must come back too
    sf.write(str(inp / "b" / "nan.wav"), x, RATE, subtype="FLOAT")
    local = _local_run(tmp_path, inp)
    (inp / "b" / "broken.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEnot audio at all")
    capsys.readouterr()

    out = tmp_path / "cluster"
    code = main(["batch", "--chain", _chain(tmp_path), str(inp / "**" / "*.wav"), "-o", str(out),
                 "--cluster", cluster.scheduler_address])
    err = capsys.readouterr().err
    assert code == 1
    assert "5 of 6 files done, 1 failed:" in err and "6/6  1 failed" in err  # bar: all files
    assert "studio: warning: " in err and "nan.wav" in err.split("studio: warning: ")[1]
    assert [ln.strip().split(":")[0] for ln in err.splitlines() if ln.startswith("  ")] == \
        [os.path.join("b", "broken.wav")]
    got = _outputs(out)
    assert sorted(got) == sorted(local) and len(got) == 5
    for name in local:  # bit-identical, not merely close
        assert got[name].tobytes() == local[name].tobytes(), name
    reports = sorted(p.name for p in out.rglob("*.json"))
    assert reports == sorted(os.path.splitext(os.path.basename(n))[0] + ".json" for n in local)

    # each worker kept its model: one entry in its own cache, used for every file it ran
    with Client(cluster.scheduler_address) as client:
        caches = client.run(lambda dask_worker: len(dask_worker.plugins[PLUGIN_NAME].cache))
    assert sorted(caches.values()) == [1, 1]


def test_a_worker_killed_mid_run_costs_only_its_in_flight_files(tmp_path, cluster, capsys):
    inp = tmp_path / "in"
    _inputs(inp, 8)
    local = _local_run(tmp_path, inp)
    capsys.readouterr()
    out = tmp_path / "cluster"
    killed: list[str] = []

    def kill_a_busy_worker():
        """Once a file is done, SIGKILL a worker while it runs another (its nanny restarts it)."""
        with Client(cluster.scheduler_address) as client:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                busy = {w: keys for w, keys in client.processing().items() if keys}
                if any(out.rglob("*.wav")) and busy:
                    worker, keys = next(iter(busy.items()))
                    pid = client.run(os.getpid, workers=[worker])[worker]
                    os.kill(pid, signal.SIGKILL)
                    killed.extend(keys)
                    return
                time.sleep(0.05)

    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    code = main(["batch", "--chain", _chain(tmp_path), str(inp / "**" / "*.wav"), "-o", str(out),
                 "--cluster", cluster.scheduler_address])
    killer.join()
    err = capsys.readouterr().err
    assert killed, "no worker was busy to kill"
    # the scheduler reran the killed worker's files on the other worker: nothing lost
    assert code == 0, err
    assert "8 of 8 files done" in err
    got = _outputs(out)
    assert sorted(got) == sorted(local)
    for name in local:
        assert got[name].tobytes() == local[name].tobytes(), name
