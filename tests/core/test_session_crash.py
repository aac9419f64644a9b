"""A process killed in the middle of saving leaves the previous session file loadable."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

from studio.core.session import load_session

REPO = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent("""
    import sys, time
    import numpy as np
    from studio.core.document import Document
    from studio.core.session import save_session
    path = sys.argv[1]
    save_session(Document.from_array(np.full((2, 10_000), 0.25, np.float32), 44100), path)
    print("saved-old", flush=True)
    big = Document.from_array(np.random.default_rng(0).standard_normal((2, 2_000_000)).astype(np.float32), 44100)
    def progress(f, msg):
        if f > 0.3:
            print("mid-write", flush=True)
            time.sleep(120)   # the parent kills us here
    save_session(big, path, progress=progress)
    print("finished", flush=True)
""")


def test_kill_during_save_keeps_the_previous_file(tmp_path):
    path = tmp_path / "work.adsession"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE,
                             text=True, env=env, cwd=REPO)
    try:
        assert child.stdout.readline().strip() == "saved-old"
        assert child.stdout.readline().strip() == "mid-write"
        partial = [p for p in os.listdir(tmp_path) if p.endswith(".partial")]
        assert partial and os.path.getsize(tmp_path / partial[0]) > 4_000_000  # really mid-write
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=30)
    doc = load_session(path)
    assert doc.state.n_frames == 10_000 and np.all(doc.state.read() == np.float32(0.25))
    # the next save to the same place sweeps the dead process's partial file away
    from studio.core.session import save_session
    save_session(doc, path)
    assert os.listdir(tmp_path) == [path.name]
