"""generate.sample / variation / interpolate through the synchronous engine (as the CLI and the
app run them), on tiny models saved as real checkpoint files (see conftest.py)."""
import math
import threading

import numpy as np
import pytest
import soundfile as sf

from studio.cli.main import main as cli_main
from studio.dsp.metrics import si_sdr
from studio.engine import registry
from studio.engine.protocol import JobRequest
from studio.engine.runner import run_job
from studio.errors import Cancelled, StudioError
from studio.models.diffusion.data import PEAK

RATE = 16000


def job(op, inputs=None, rate=48000, extras=None, cancel=None, on_progress=None, **params):
    return run_job(JobRequest(op_id=op, params=params, inputs=inputs, sample_rate=rate,
                              device="cpu", extras=extras or {}),
                   cancel_event=cancel, on_progress=on_progress)


def tone(seconds=0.4, rate=RATE, f=220.0, amp=0.5, channels=1):
    t = np.arange(int(seconds * rate)) / rate
    x = amp * np.sin(2 * np.pi * f * t) * np.exp(-4 * t)
    return np.repeat(x.astype(np.float32)[None], channels, axis=0)


def burst(seconds=0.4, rate=RATE, amp=0.3):
    """Decaying noise below 5 kHz (inside the 16 kHz model's band)."""
    import scipy.signal as ss
    t = np.arange(int(seconds * rate)) / rate
    noise = ss.sosfilt(ss.butter(8, 5000, fs=rate, output="sos"),
                       np.random.default_rng(5).standard_normal(t.size))
    x = amp * noise / np.abs(noise).max() * np.exp(-10 * t)
    return x.astype(np.float32)[None]


# ---- generate.sample ------------------------------------------------------------------------

def test_same_seed_same_audio_other_seed_other_audio(random_model):
    def once(seed, sampler="heun", **kw):
        return job("generate.sample", model=random_model, seed=seed, steps=3, sampler=sampler,
                   **{"class": "kick"}, **kw)
    a, b, c = once(7), once(7), once(8)
    assert a.sample_rate == RATE and a.audio.shape == (1, 8192)  # the model's clip length
    np.testing.assert_array_equal(a.audio, b.audio)
    assert np.abs(a.audio - c.audio).max() > 1e-3
    assert a.report.values["seed"] == 7
    # the stochastic samplers draw from the same seeded generator
    for kw in ({"sampler": "euler_maruyama"}, {"churn": 10.0}):
        first = once(3, **kw).audio
        np.testing.assert_array_equal(first, once(3, **kw).audio)
        assert np.abs(first - once(4, **kw).audio).max() > 1e-3


def test_class_changes_the_output_and_duration_is_kept(random_model):
    kick = job("generate.sample", model=random_model, seed=1, steps=3, duration=0.3,
               **{"class": "kick"})
    snare = job("generate.sample", model=random_model, seed=1, steps=3, duration=0.3,
                **{"class": "snare"})
    assert kick.audio.shape == (1, round(0.3 * RATE))
    assert np.abs(kick.audio - snare.audio).max() > 1e-3


def test_untrained_model_samples_its_gaussian_prior(analytic_model):
    # D(x) = c_skip x is the ideal denoiser of N(0, sigma_data^2): the ODE must land there
    # (Heun's error on this ODE is +0.6 % at 40 steps, +8 % at 12)
    r = job("generate.sample", model=analytic_model, seed=2, steps=40)
    assert abs(float(r.audio.std()) / 0.2 - 1) < 0.025


def test_count_makes_takes_with_consecutive_seeds(random_model):
    r = job("generate.sample", model=random_model, seed=10, steps=2, count=3)
    assert [name for name, _ in r.takes] == [f"take {k + 1} seed {10 + k}" for k in range(3)]
    np.testing.assert_array_equal(r.takes[0][1], r.audio)
    alone = job("generate.sample", model=random_model, seed=12, steps=2)
    np.testing.assert_array_equal(r.takes[2][1], alone.audio)
    assert job("generate.sample", model=random_model, seed=1, steps=2).takes == ()


def test_seed_minus_one_draws_a_new_seed_and_reports_it(random_model):
    a = job("generate.sample", model=random_model, steps=2)
    again = job("generate.sample", model=random_model, steps=2, seed=a.report.values["seed"])
    np.testing.assert_array_equal(a.audio, again.audio)


def test_progress_per_step_and_cancel(random_model):
    seen = []
    job("generate.sample", model=random_model, seed=1, steps=6, sampler="euler_maruyama",
        on_progress=lambda done, total, msg: seen.append(done))
    assert seen[-1] == pytest.approx(1.0) and len(seen) >= 2
    cancel = threading.Event()
    calls = []

    def stop_after_first(done, total, msg):
        calls.append(done)
        cancel.set()
    with pytest.raises(Cancelled):
        job("generate.sample", model=random_model, seed=1, steps=50, cancel=cancel,
            on_progress=stop_after_first)
    assert len(calls) == 1


def test_bad_names_are_one_clear_line(random_model, tmp_path):
    with pytest.raises(StudioError, match="no class 'kik'.*kick, snare") as e:
        job("generate.sample", model=random_model, steps=2, **{"class": "kik"})
    assert "\n" not in str(e.value)
    with pytest.raises(StudioError, match="unknown diffusion model 'nope'"):
        job("generate.sample", model="nope", steps=2)
    with pytest.raises(StudioError, match="no diffusion model at"):
        job("generate.sample", model=str(tmp_path / "missing.json"), steps=2)
    with pytest.raises(StudioError, match="sampler"):
        job("generate.sample", model=random_model, sampler="ddpm")


def test_cli_writes_a_clip_and_its_takes(random_model, tmp_path, capsys):
    out = tmp_path / "kick.wav"
    assert cli_main(["run", "generate.sample", "-o", str(out), "--set", "class=kick",
                     "--set", "seed=1", "--set", "steps=3", "--set",
                     f"model={random_model}"]) == 0
    audio, rate = sf.read(str(out), dtype="float32", always_2d=True)
    direct = job("generate.sample", model=random_model, seed=1, steps=3, **{"class": "kick"})
    assert rate == RATE and audio.shape == (8192, 1)
    # the file holds the op's clip (to the precision of the file's sample format; this random
    # network overshoots full scale, which the 24-bit file clips)
    assert np.abs(audio[:, 0] - np.clip(direct.audio[0], -1, 1)).max() < 1e-3
    assert cli_main(["run", "generate.sample", "-o", str(tmp_path / "x.wav"), "--set",
                     "count=2", "--set", "seed=5", "--set", "steps=2", "--set",
                     f"model={random_model}"]) == 0
    assert sorted(p.name for p in tmp_path.glob("x*.wav")) == [
        "x-take_1_seed_5.wav", "x-take_2_seed_6.wav", "x.wav"]
    assert cli_main(["run", "generate.sample", "-o", str(tmp_path / "y.wav"), "--set",
                     "class=kik", "--set", f"model={random_model}"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("studio: ") and "no class 'kik'" in err[-1]


# ---- generate.variation ---------------------------------------------------------------------

def test_variation_strength_zero_is_the_input():
    x = tone(channels=2, rate=44100)
    r = job("generate.variation", x, rate=44100, strength=0.0, model="never-loaded")
    np.testing.assert_array_equal(r.audio, x)


@pytest.mark.parametrize("strength", [0.05, 0.15, 0.3])
def test_variation_noise_level_follows_the_strength(analytic_model, strength):
    """With the Gaussian denoiser, SDEdit by the ODE returns (x0 + sigma n) sigma_d /
    sqrt(sigma^2 + sigma_d^2): its SI-SDR to the (peak-normalised) source is the SNR
    mean(x0^2) / sigma^2, with sigma = tan(strength pi / 2)."""
    x = tone(rate=48000, channels=2)
    r = job("generate.variation", x, rate=48000, model=analytic_model, strength=strength,
            steps=8, seed=4)
    assert r.audio.shape == x.shape and r.sample_rate == 48000
    np.testing.assert_array_equal(r.audio[0], r.audio[1])  # one mono variation on each channel
    x0 = x[0] * (PEAK / np.abs(x[0]).max())
    expected = 10 * math.log10(np.mean(x0 ** 2) / math.tan(strength * math.pi / 2) ** 2)
    assert si_sdr(x[0], r.audio[0]) == pytest.approx(expected, abs=1.0)


def test_variation_keeps_the_level_and_varies_by_seed(random_model):
    x = tone(rate=RATE, amp=0.05)  # a quiet clip stays quiet
    a = job("generate.variation", x, rate=RATE, model=random_model, strength=0.01, steps=4,
            seed=1)
    assert 10 * np.log10(np.sum(x ** 2) / np.sum((a.audio - x) ** 2)) > 15
    r = job("generate.variation", x, rate=RATE, model=random_model, strength=0.5, steps=4,
            seed=1, count=2)
    assert len(r.takes) == 2 and np.abs(r.takes[0][1] - r.takes[1][1]).max() > 1e-4
    with pytest.raises(StudioError, match="silent"):
        job("generate.variation", np.zeros((1, 4000), np.float32), rate=RATE,
            model=random_model, steps=2)
    with pytest.raises(StudioError, match="at most"):
        job("generate.variation", np.ones((1, 31 * 8000), np.float32), rate=8000,
            model=random_model, steps=2)


def heard_class(model_path, clip):
    """What `classify` names for a mono clip at the model's rate, as the ops prepare it."""
    import torch
    from studio.models.diffusion import catalog
    m = catalog.load(model_path)
    x = torch.from_numpy(clip * (PEAK / np.abs(clip).max()))
    hz = m.estimate_pitch(x[None])[0] if m.pitched else None
    x = torch.nn.functional.pad(x, (0, m.cfg.audio.length - x.shape[0]))
    return m.classes[int(m.classify(x[None], hz).argmin())]


def test_variation_uses_the_class_the_model_hears_by_default(random_model):
    x = burst(rate=RATE)
    heard = heard_class(random_model, x[0])
    auto = job("generate.variation", x, rate=RATE, model=random_model, steps=3, seed=2)
    assert auto.report.values["class"] == f"{heard} (heard)"
    named = job("generate.variation", x, rate=RATE, model=random_model, steps=3, seed=2,
                **{"class": heard})
    assert named.report.values["class"] == heard
    np.testing.assert_array_equal(auto.audio, named.audio)
    none = job("generate.variation", x, rate=RATE, model=random_model, steps=3, seed=2,
               **{"class": ""})
    assert none.report.values["class"] == "(none)"
    assert np.abs(none.audio - auto.audio).max() > 1e-4  # guidance did pull towards the class


# ---- generate.interpolate -------------------------------------------------------------------

@pytest.mark.parametrize("model_fixture,floor_db", [("analytic_model", 60.0),
                                                    ("random_model", 30.0),
                                                    ("pitch_model", 30.0)])
def test_interpolation_ends_reproduce_the_inputs(request, model_fixture, floor_db):
    """ODE inversion then regeneration is exact for the linear ODE of the Gaussian denoiser
    and close (Heun's error) for a nonlinear random network; the middle is neither input."""
    model = request.getfixturevalue(model_fixture)
    a, b = tone(seconds=0.4, rate=48000, channels=2), burst(seconds=0.3, rate=22050)
    r = job("generate.interpolate", a, rate=48000, extras={"other": (b, 22050)}, model=model,
            count=3, steps=25, **{"class_a": "kick", "class_b": "snare"})
    first, middle, last = (t for _, t in r.takes)
    assert r.audio.shape == (2, 3 * a.shape[1]) and first.shape == a.shape
    assert si_sdr(a[0], first[0]) > floor_db
    b48 = last[0, :round(0.3 * 48000) - 200]
    from studio.io.resample import resample
    ref = resample(b[0], 22050, 48000)[:b48.size]
    # (the reference went through scipy's resampler, the op through torchaudio's: they agree
    # to about 48 dB on this side)
    assert si_sdr(ref, b48) > min(floor_db, 40.0)
    assert si_sdr(a[0], middle[0]) < 15 and si_sdr(ref, middle[0, :b48.size]) < 15
    # the level moves from one input's to the other's
    assert np.abs(first).max() == pytest.approx(np.abs(a).max(), rel=0.05)


# ---- pitch ----------------------------------------------------------------------------------

def test_a_pitch_model_generates_the_note_asked_for(pitch_model):
    def once(pitch, seed=5, cls="snare"):
        return job("generate.sample", model=pitch_model, seed=seed, steps=3,
                   sampler="dpmpp_2m", pitch=pitch, **{"class": cls})
    a4, c3 = once("A4"), once("C3")
    assert a4.report.values["pitch"] == "A4" and c3.report.values["pitch"] == "C3"
    assert np.abs(a4.audio - c3.audio).max() > 1e-4
    np.testing.assert_array_equal(once("440 Hz").audio, a4.audio)
    # auto: a note the class had in training, the same for the same seed
    notes = {once("auto", seed=s).report.values["pitch"] for s in range(12)}
    assert notes <= {"D3", "D4", "(none)"} and len(notes) > 1
    assert once("auto", seed=3).report.values == once("", seed=3).report.values
    assert {once("auto", seed=s, cls="kick").report.values["pitch"] for s in range(4)} == \
        {"(none)"}
    with pytest.raises(StudioError, match="outside the range"):
        once("C9")
    # a class whose training clips had no note (a drum) is not given one: it would ring
    with pytest.raises(StudioError, match="kick takes no note"):
        once("A4", cls="kick")


def test_pitch_on_a_model_without_pitch(random_model):
    r = job("generate.sample", model=random_model, seed=1, steps=2, sampler="dpmpp_2m")
    assert "pitch" not in r.report.values
    with pytest.raises(StudioError, match="not trained with pitch"):
        job("generate.sample", model=random_model, seed=1, steps=2, pitch="A4")


def test_variation_and_interpolation_keep_the_clips_notes(pitch_model):
    a = tone(seconds=0.4, rate=48000, f=220.0)
    r = job("generate.variation", a, rate=48000, model=pitch_model, steps=2, seed=1,
            sampler="dpmpp_2m")
    assert r.report.values["pitch"] == "A3"
    r = job("generate.interpolate", a, rate=48000, model=pitch_model, steps=3, count=3,
            extras={"other": (burst(rate=RATE), RATE)})
    assert r.report.values["pitch_a"] == "A3" and r.report.values["pitch_b"] == "(none)"
    assert r.report.values["class_b"] == \
        f"{heard_class(pitch_model, burst(rate=RATE)[0])} (heard)"


def test_a_batch_with_a_label_per_clip_equals_the_clips_one_by_one(random_model):
    """interpolate inverts both ends as one batch with their own classes (one of them none)."""
    import torch
    from studio.models.diffusion import catalog
    m = catalog.load(random_model)
    clips = torch.randn(2, m.frames(None), generator=torch.Generator().manual_seed(0)) * 0.1
    kick = m.label("kick")
    both = m.invert(clips, [kick, None], steps=4)
    one_by_one = torch.cat([m.invert(clips[:1], kick, steps=4), m.invert(clips[1:], None, steps=4)])
    torch.testing.assert_close(both, one_by_one, rtol=1e-4, atol=1e-5)
    unconditional_as_kick = m.invert(clips[1:], kick, steps=4)
    assert not torch.allclose(both[1:], unconditional_as_kick)  # the label did reach the net


# ---- every example runs with the default (bundled) model name ------------------------------

@pytest.mark.parametrize("op_id", ["generate.sample", "generate.variation",
                                   "generate.interpolate"])
def test_examples_run_quickly_with_the_bundled_name(op_id, random_model, tmp_path,
                                                    monkeypatch):
    import shutil
    from pathlib import Path
    models = tmp_path / "models"
    models.mkdir()
    for suffix in (".json", ".safetensors"):
        shutil.copy(Path(random_model).with_suffix(suffix), models / f"oneshots{suffix}")
    monkeypatch.setenv("STUDIO_RESOURCES", str(tmp_path))
    op = registry.get(op_id)
    x = None if op_id == "generate.sample" else tone(rate=48000, channels=2)
    extras = {"other": (burst(rate=48000), 48000)} if op.extras else {}
    r = job(op_id, x, rate=48000, extras=extras, **op.example)
    assert r.audio is not None and np.isfinite(r.audio).all()
