import subprocess
import sys

import numpy as np
import pytest

from studio.engine.protocol import ArraySource, JobProgress, JobRequest, as_source


def test_protocol_and_host_load_without_torch():
    """The window imports these: torch must load later, on the engine thread."""
    code = ("import sys, studio.engine.protocol, studio.engine.host; "
            "sys.exit('torch' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], timeout=120).returncode == 0


def test_requests_get_unique_ids_and_are_frozen():
    a, b = JobRequest(op_id="edit.gain"), JobRequest(op_id="edit.gain")
    assert a.job_id != b.job_id and a.job_id.startswith("job-")
    assert JobRequest("mine", "edit.gain").job_id == "mine"
    with pytest.raises(AttributeError):
        a.op_id = "edit.normalize"
    with pytest.raises(ValueError):
        JobRequest()


def test_sources():
    mono = as_source(np.arange(5, dtype=np.float64))
    assert isinstance(mono, ArraySource) and (mono.n_channels, mono.n_frames) == (1, 5)
    assert mono.read(1, 3).dtype == np.float32
    assert as_source(None) is None
    with pytest.raises(ValueError):
        as_source(np.zeros((1, 2, 3)))
    assert JobProgress("j", 0.25, 1.0).fraction == 0.25
