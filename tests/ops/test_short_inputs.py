"""Every registered operation on 10 ms of audio, the shortest thing a user can select by a
slip of the mouse: it runs, or it refuses in one line that says how much audio it needs and
how much it was given. A raw error from deep inside (a tensor that cannot be reshaped, a
padding larger than the input) is a failure; so is a refusal that blames the content (noise,
no pitch) when the length is at fault, and so is a result computed from a frame longer than
the whole input."""
import re

import numpy as np
import pytest

from studio.engine import registry
from studio.engine.operation import InputKind
from studio.engine.protocol import JobRequest
from studio.engine.runner import run_job
from studio.errors import StudioError

RATE = 48000
SHORT_S = 0.010
OPS = [op.id for op in registry.all_operations() if op.inputs is not InputKind.NONE]
REFUSAL = re.compile(r"^(?P<title>.+) needs at least (?P<need>[\d.]+ m?s) of audio; "
                     r"the input is 10 ms$")


def _tone(channels, seconds, hz=220.0, seed=0):
    t = np.arange(int(round(seconds * RATE))) / RATE
    rng = np.random.default_rng(seed)
    return (0.3 * np.sin(2 * np.pi * hz * t)
            + 0.01 * rng.standard_normal((channels, t.size))).astype(np.float32)


def _noise(seconds):
    return (0.01 * np.random.default_rng(5).standard_normal((1, int(seconds * RATE)))
            ).astype(np.float32)


def _run(op, params, seconds):
    channels = 4 if op.inputs is InputKind.MULTICHANNEL else 2
    # side inputs long enough for any op: a noise-only stretch, or an example of an instrument
    extras = {e.name: (_noise(1.0) if e.name == "noise" else _tone(1, 5.0, seed=3), RATE)
              for e in op.extras}
    return run_job(JobRequest(op_id=op.id, params={**(op.example or {}), **params},
                              inputs=_tone(channels, seconds), sample_rate=RATE, device="cpu",
                              seed=1, extras=extras))


def _seconds(text):
    value, unit = text.split()
    return float(value) / (1000 if unit == "ms" else 1)


@pytest.mark.parametrize("op_id", OPS)
def test_ten_milliseconds_runs_or_is_refused_in_one_line(op_id):
    op = registry.get(op_id)
    # convert ops stop on content they cannot convert; best effort leaves only the length
    params = {"if_polyphonic": "best_effort"} if op.schema.get("if_polyphonic") else {}
    try:
        _run(op, params, SHORT_S)
    except StudioError as e:
        line = str(e)
        m = REFUSAL.match(line)
        assert m, f"not a length refusal: {line!r}"
        assert m["title"] == op.title
        need = _seconds(m["need"])
        assert need > SHORT_S
        # what it asks for is enough: the same op runs on that much
        _run(op, params, need)


def test_loudness_names_its_400_ms_block():
    with pytest.raises(StudioError) as e:
        _run(registry.get("analyze.loudness"), {}, SHORT_S)
    assert str(e.value) == "Loudness needs at least 0.4 s of audio; the input is 10 ms"


def test_noise_reduction_refuses_a_clip_shorter_than_its_frame():
    """With a profile learned from a long noise-only stretch, 10 ms used to come back at
    -30 dB (a 46 ms frame, mostly padding, read as noise); the shortest frame is 43 ms."""
    op = registry.get("restore.denoise")
    with pytest.raises(StudioError, match=r"^Noise reduction needs at least 43 ms of audio"):
        _run(op, {}, SHORT_S)
    # between the two frame sizes auto uses the one that fits, and keeps a tone's level
    r = _run(op, {}, 0.060)
    assert r.report.values["frame (ms)"] == pytest.approx(1000 * 2048 / RATE, abs=0.1)
    x = _tone(2, 0.060)
    level = 20 * np.log10(np.sqrt(np.mean(r.audio ** 2)) / np.sqrt(np.mean(x ** 2)))
    assert level > -3.0
