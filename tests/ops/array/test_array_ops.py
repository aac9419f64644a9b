"""The array operations through the job runner, against independent references: free-field
delays, synthetic plane waves, known mixing matrices."""
import math
import os

import numpy as np
import pytest

from studio.arrays import formats, presets
from studio.arrays.geometry import SPEED_OF_SOUND as C
from studio.engine.protocol import JobRequest
from studio.engine.runner import run_job
from studio.errors import StudioError

RATE = 16000


def _job(op, params, inputs=None, extras=None, rate=RATE, seed=0):
    return run_job(JobRequest(op_id=op, params=params, inputs=inputs, sample_rate=rate,
                              extras=extras or {}, seed=seed))


def _plane_waves(layout, azimuths, signals):
    """Multichannel recording of far-field plane waves, delayed by exact phase shifts."""
    p = layout.positions()
    n = signals.shape[1]
    f = np.fft.rfftfreq(n, 1 / RATE)
    out = np.zeros((len(p), n))
    for az, s in zip(azimuths, signals):
        u = np.array([math.cos(math.radians(az)), math.sin(math.radians(az)), 0.0])
        advance = p @ u / C
        out += np.fft.irfft(np.fft.rfft(s)[None] * np.exp(2j * np.pi * f[None] * advance[:, None]),
                            n)
    return out.astype(np.float32)


def _noise(n, seed):
    return np.random.default_rng(seed).standard_normal(n)


def _band_noise(n, seed, lo=300.0, hi=7000.0):
    """White noise limited to the band where a decimetre array can tell directions apart."""
    spec = np.fft.rfft(_noise(n, seed))
    f = np.fft.rfftfreq(n, 1 / RATE)
    spec[(f < lo) | (f > hi)] = 0
    return np.fft.irfft(spec, n)


def test_simulate_anechoic_matches_free_field_delays():
    lay = presets.circular(4, 0.05).translated([2.0, 2.0, 1.2])
    src = np.array([3.5, 2.8, 1.2])
    sig = _noise(4000, 1).astype(np.float32)
    res = _job("array.simulate", {"layout": formats.to_json(lay), "room": "5, 4, 3", "rt60": 0.0,
                                  "sources": [src.tolist()]}, extras={"source1": (sig[None], RATE)})
    assert res.audio.shape[0] == 4 and res.sample_rate == RATE
    (name, image), = res.takes
    assert np.allclose(res.audio, image, atol=1e-6)  # one source, no noise: mixture = image
    dist = np.linalg.norm(lay.positions() - src, axis=1)
    # relative delays from the cross-spectrum phase slope; amplitudes fall as 1/r
    spec = np.fft.rfft(image, axis=1)
    f = np.fft.rfftfreq(image.shape[1], 1 / RATE)
    band = (f > 100) & (f < 3000)
    for m in range(1, 4):
        phase = np.unwrap(np.angle(spec[m, band] * spec[0, band].conj()))
        delay = -np.polyfit(2 * np.pi * f[band], phase, 1)[0]
        assert delay == pytest.approx((dist[m] - dist[0]) / C, abs=2e-6)
    rms = np.sqrt((image ** 2).mean(1))
    assert rms * dist == pytest.approx(np.full(4, rms[0] * dist[0]), rel=0.02)


def test_simulate_reverberant_two_sources_and_errors():
    lay = presets.linear(2, 0.06).translated([2.0, 2.0, 1.5])
    lay.sources = []
    s1, s2 = _noise(3000, 2).astype(np.float32), _noise(3000, 3).astype(np.float32)
    res = _job("array.simulate", {"layout": formats.to_json(lay), "room": "4, 4, 3", "rt60": 0.2,
                                  "sources": "[[1, 1, 1.5], [3, 3.2, 1.5]]"},
               extras={"source1": (s1[None], RATE), "source2": (s2[None], 8000)})
    assert len(res.takes) == 2
    assert np.allclose(res.audio, res.takes[0][1] + res.takes[1][1], atol=1e-5)
    assert res.audio.shape[1] > 2 * 3000  # the 8 kHz source was resampled, plus the room's tail
    with pytest.raises(StudioError, match="outside the room"):
        _job("array.simulate", {"layout": formats.to_json(lay), "room": "4, 4, 3",
                                "sources": "[[5, 1, 1]]"}, extras={"source1": (s1[None], RATE)})
    with pytest.raises(StudioError, match="no array layout"):
        _job("array.simulate", {"room": "4,4,3", "sources": "[[1,1,1]]"},
             extras={"source1": (s1[None], RATE)})


@pytest.mark.parametrize("method", ["NormMUSIC", "SRP-PHAT", "MUSIC", "TOPS"])
def test_doa_finds_plane_waves(method):
    lay = presets.circular(6, 0.0463)
    x = _plane_waves(lay, [50.0, -100.0], np.stack([_noise(8000, 4), _noise(8000, 5)]))
    x += 0.01 * np.random.default_rng(6).standard_normal(x.shape).astype(np.float32)
    res = _job("array.doa", {"layout": formats.to_json(lay), "method": method, "sources": 2},
               inputs=x)
    assert res.audio is None
    found = sorted(res.report.data["azimuths_deg"])
    # two close-ish peaks pull on each other more in SRP-PHAT and TOPS than in MUSIC
    assert found == pytest.approx([-100.0, 50.0], abs=3.0 if method in ("SRP-PHAT", "TOPS") else 1.5)
    curve = res.report.curves[0]
    assert len(curve.x) == 720 and np.max(curve.y) == pytest.approx(1.0)


def test_doa_checks_the_layout_against_the_channels():
    lay = presets.circular(6, 0.0463)
    with pytest.raises(StudioError, match="6 enabled"):
        _job("array.doa", {"layout": formats.to_json(lay)}, inputs=np.zeros((4, 1000), np.float32))
    # a disabled microphone's channel is dropped
    lay.mics[5].enabled = False
    x = _plane_waves(presets.circular(6, 0.0463), [20.0], _noise(8000, 7)[None])
    res = _job("array.doa", {"layout": formats.to_json(lay), "method": "SRP-PHAT"}, inputs=x)
    assert res.report.data["azimuths_deg"][0] == pytest.approx(20.0, abs=2.0)


def test_beamformers_recover_the_look_direction():
    lay = presets.circular(8, 0.1)
    s1, s2 = _band_noise(16000, 8), _band_noise(16000, 9)
    x = _plane_waves(lay, [30.0, 150.0], np.stack([s1, s2]))
    js = formats.to_json(lay)
    # delay-and-sum toward a single plane wave returns it (distortionless)
    only = _plane_waves(lay, [30.0], s1[None])
    y = _job("array.beamform", {"layout": js, "azimuth": "30"}, inputs=only).audio[0]
    mid = slice(2000, 14000)

    def snr(ref, est):
        return 10 * np.log10((ref ** 2).mean() / ((est - ref) ** 2).mean())

    assert snr(s1[mid], y[mid]) > 30
    # LCMV toward both: each take keeps its source and nulls the other
    res = _job("array.beamform", {"layout": js, "method": "lcmv", "azimuth": "30, 150",
                                  "loading": 1e-3}, inputs=x)
    for (name, take), want, other in zip(res.takes, (s1, s2), (s2, s1)):
        assert snr(want[mid], take[0, mid]) > 25, name
    # MVDR with the interferer alone in the first second nulls it better than delay-and-sum
    s1_gated = s1.copy()
    s1_gated[:RATE // 2] = 0
    x = _plane_waves(lay, [30.0, 150.0], np.stack([s1_gated, s2]))
    x += 0.001 * np.random.default_rng(1).standard_normal(x.shape).astype(np.float32)
    later = slice(RATE // 2 + 2000, 15000)
    for method in ("mvdr", "souden-mvdr"):
        ym = _job("array.beamform", {"layout": js, "method": method, "azimuth": "30",
                                     "noise_start": 0.0, "noise_end": 0.45}, inputs=x).audio[0]
        yd = _job("array.beamform", {"layout": js, "azimuth": "30"}, inputs=x).audio[0]
        # MVDR keeps the target as microphone 1 hears it; delay-and-sum as the centre does
        at_mic1 = _plane_waves(lay, [30.0], s1_gated[None])[0]
        err_m = ((ym[later] - at_mic1[later]) ** 2).mean()
        err_d = ((yd[later] - s1_gated[later]) ** 2).mean()
        # Souden's form estimates the speech covariance too, so it gains less
        assert err_m < (0.1 if method == "mvdr" else 0.4) * err_d, method


def test_a_beam_is_referenced_to_the_array_centre_wherever_the_array_stands():
    """An array placed in a room (3 m from the origin) hears the plane wave as the same
    array at the origin does; its delay-and-sum beam must return the wave as heard at the
    array's centre, not 180 samples late (the delay from the room's corner)."""
    lay = presets.circular(8, 0.1)
    s1 = _band_noise(16000, 8)
    x = _plane_waves(lay, [30.0], s1[None])
    moved = formats.to_json(lay.translated([3.0, 2.5, 1.2]))
    y = _job("array.beamform", {"layout": moved, "azimuth": "30"}, inputs=x).audio[0]
    mid = slice(2000, 14000)
    err = ((y[mid] - s1[mid]) ** 2).mean() / (s1[mid] ** 2).mean()
    assert 10 * np.log10(1 / err) > 30


def test_fastica_unmixes_an_instantaneous_mixture():
    rng = np.random.default_rng(3)
    n = 20000
    s = np.stack([rng.laplace(size=n), np.sign(np.sin(np.arange(n) * 0.013)) + 0.1 * rng.laplace(size=n)])
    mix = np.array([[1.0, 0.6], [0.4, 1.0], [0.7, 0.2]]) @ s
    res = _job("array.separate", {"method": "fastica", "sources": 2}, inputs=mix.astype(np.float32))
    assert res.audio is None and len(res.takes) == 2
    est = np.stack([t[0] for _, t in res.takes])
    corr = np.abs(np.corrcoef(np.vstack([est, s]))[:2, 2:])
    assert sorted(corr.max(1)) == pytest.approx([1.0, 1.0], abs=0.01)
    assert corr.max(0).min() > 0.99  # each source found once
    # scaled to the source's image at microphone 1
    k = int(np.argmax(corr[:, 0]))
    assert np.abs(est[k]).std() == pytest.approx(np.abs(1.0 * s[0]).std(), rel=0.05)


def test_auxiva_separates_an_anechoic_pair():
    from studio.arrays.bss_eval import sdr_images
    # IVA needs non-Gaussian, non-stationary sources: two real voices (alsa-utils' samples)
    import soundfile as sf
    alsa = "/usr/share/sounds/alsa/"
    names = ("Front_Center.wav", "Rear_Right.wav")
    if not all(os.path.isfile(alsa + n) for n in names):  # `make` asks for alsa-utils first
        pytest.skip("alsa-utils sounds missing")
    voices = [sf.read(alsa + name, dtype="float32") for name in names]
    lay = presets.linear(2, 0.06).translated([2.0, 2.0, 1.5])
    sim = _job("array.simulate", {"layout": formats.to_json(lay), "room": "4,4,3", "rt60": 0.0,
                                  "sources": "[[3.5, 3.5, 1.5], [0.5, 3.0, 1.5]]"},
               extras={f"source{k + 1}": (v[None], r) for k, (v, r) in enumerate(voices)})
    refs = np.stack([t[0] for _, t in sim.takes])
    res = _job("array.separate", {"method": "auxiva", "sources": 2, "fft_size": "1024",
                                  "iterations": 30}, inputs=sim.audio)
    est = np.stack([t[0] for _, t in res.takes])
    before = sdr_images(refs, np.stack([sim.audio[0], sim.audio[0]]))[0]
    after = sdr_images(refs, est)[0]
    # 1.5 s of two voices is little to learn from; the benchmark measures longer scenes
    assert (after - before).mean() > 5


def test_separate_falls_back_to_the_laplace_model_when_the_gaussian_one_is_singular():
    """A tone in weak noise on 4 channels leaves AuxIVA's Gaussian-model covariance singular;
    the op reports the Laplace model it fell back to and returns finite takes."""
    rng = np.random.default_rng(0)
    t = np.arange(24000) / 48000
    x = (0.3 * np.sin(2 * np.pi * 440 * t) + 0.05 * rng.standard_normal((4, t.size)))
    res = _job("array.separate", {}, inputs=x.astype(np.float32), rate=48000, seed=1)
    assert res.report.values["model"] == "laplace"
    assert len(res.takes) == 2 and all(np.isfinite(a).all() for _, a in res.takes)
