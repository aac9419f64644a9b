"""`torchrun --nproc-per-node 2 -m studio train` on the CPU (gloo): two processes, each on half
of the global batch, train what one process does on the whole batch."""
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from test_train import _folder  # the same two-class folder of decaying tones (tests/cli)

TORCHRUN = str(Path(sys.executable).with_name("torchrun"))
# float sums in another order (each process sums half the batch, then gloo averages the
# gradients): the measured gap is ~1e-7 relative; beyond 1e-5 the draws would differ
LOSS_RTOL = 1e-5


def _train(launcher, data, out, steps, batch, *extra):
    args = [*launcher, "-m", "studio", "train", "--data", str(data), "--out", str(out),
            "--config", "tiny", "--rate", "8000", "--seconds", "0.25", "--steps", str(steps),
            "--batch", str(batch), "--checkpoint-every", "100", "--demo-every", "0",
            "--device", "cpu", "--threads", "1", "--json", *extra]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def _state(run):
    return load_file(str(run / "train_state.safetensors"))


def _digest(tensors):
    """SHA-256 over names and bytes in name order, written here apart from the trainer's."""
    h = hashlib.sha256()
    for key in sorted(tensors):
        h.update(key.encode())
        h.update(np.ascontiguousarray(tensors[key]).tobytes())
    return h.hexdigest()


def test_two_processes_train_what_one_does_and_resume_under_one(tmp_path):
    data = _folder(tmp_path)
    one = tmp_path / "one"
    _train([sys.executable], data, one, 5, 4)
    reference = _state(one)["losses"]

    two = tmp_path / "two"
    events = _train([TORCHRUN, "--standalone", "--nproc-per-node", "2"], data, two, 3, 2)
    end = events[-1]
    assert end["event"] == "end" and end["processes"] == 2
    state = _state(two)
    saved = _digest({k[6:]: v for k, v in state.items() if k.startswith("model.")})
    assert end["rank_digests"] == [saved, saved]  # both ranks hold what rank 0 saved
    steps = [e["step"] for e in events if e["event"] == "step"]
    assert steps == [1, 2, 3]  # rank 0 alone reports
    np.testing.assert_allclose(state["losses"], reference[:3], rtol=LOSS_RTOL, atol=0)
    assert json.loads((two / "model.json").read_text())["training"]["batch"] == 4

    # the two-process checkpoint goes on under one process (with the same global batch)
    _train([sys.executable], data, two, 5, 4, "--resume")
    np.testing.assert_allclose(_state(two)["losses"], reference, rtol=LOSS_RTOL, atol=0)
