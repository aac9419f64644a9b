"""Beam figures against closed forms and plain numpy implementations (float64)."""
import math

import numpy as np
import pytest
import torch
from scipy.optimize import brentq

from studio.arrays import Source, beam, figures, presets
from studio.arrays.geometry import SPEED_OF_SOUND as C
from studio.arrays.live import ArrayFigures

AZ = np.arange(3600) * 0.1 - 180.0  # 0.1 degree grid


def _ds_pattern(layout, f, steer_deg, az=AZ):
    p = layout.positions()
    u = beam.unit_vectors(az)
    a = beam.far_field_steering(p, u, [f])
    a0 = beam.far_field_steering(p, beam.unit_vectors([steer_deg]), [f])[:, 0]
    return beam.pattern(beam.delay_and_sum(a0), a)[0].numpy()


def _dirichlet(m, psi):
    num, den = np.sin(m * psi / 2), m * np.sin(psi / 2)
    return np.where(np.abs(den) < 1e-12, 1.0, num / np.where(den == 0, 1, den))


def test_ula_delay_and_sum_is_the_dirichlet_kernel():
    m, d, f, steer = 8, 0.04, 3000.0, 60.0
    got = np.abs(_ds_pattern(presets.linear(m, d), f, steer))
    psi = 2 * np.pi * f / C * d * (np.cos(np.radians(AZ)) - np.cos(np.radians(steer)))
    assert np.allclose(got, np.abs(_dirichlet(m, psi)), atol=1e-9)


def test_white_noise_gain_of_delay_and_sum_is_10log10_m():
    for lay in (presets.circular(6, 0.0463), presets.random_disc(13, 0.2)):
        p = lay.positions()
        a0 = beam.far_field_steering(p, beam.unit_vectors([20.0]), np.linspace(100, 8000, 9))[:, 0]
        wng = beam.to_db(beam.white_noise_gain(beam.delay_and_sum(a0), a0)).numpy()
        assert np.allclose(wng, 10 * np.log10(len(p)), atol=1e-9)


def test_directivity_of_two_mic_delay_and_sum_matches_closed_form():
    d, steer = 0.05, 30.0
    freqs = np.linspace(50, 8000, 40)
    lay = presets.linear(2, d)
    a0 = beam.far_field_steering(lay.positions(), beam.unit_vectors([steer]), freqs)[:, 0]
    gamma = beam.diffuse_coherence(lay.positions(), freqs)
    di = beam.directivity_factor(beam.delay_and_sum(a0), a0, gamma).numpy()
    kd = 2 * np.pi * freqs / C * d
    expect = 2 / (1 + np.sinc(kd / np.pi) * np.cos(kd * np.cos(np.radians(steer))))
    assert np.allclose(di, expect, rtol=1e-9)


def test_superdirective_endfire_pair_reaches_6_db():
    # two omnis 1 cm apart, steered along their axis: the directivity factor tends to N^2 = 4
    lay = presets.linear(2, 0.01)
    freqs = np.array([100.0, 200.0])
    a0 = beam.far_field_steering(lay.positions(), beam.unit_vectors([0.0]), freqs)[:, 0]
    gamma = beam.diffuse_coherence(lay.positions(), freqs)
    w = beam.mvdr(a0, gamma, loading=1e-10)
    di_db = beam.to_db(beam.directivity_factor(w, a0, gamma)).numpy()
    assert np.allclose(di_db, 10 * np.log10(4), atol=0.05)
    # and pays for it in white-noise gain (far below the 3 dB of delay-and-sum)
    assert (beam.to_db(beam.white_noise_gain(w, a0)).numpy() < -20).all()


def test_omni_quadrature_matches_sinc_coherence():
    p = presets.circular(4, 0.05).positions()
    freqs = [500.0, 2000.0]
    exact = beam.diffuse_coherence(p, freqs).numpy()
    quad = beam.diffuse_coherence_quadrature(p, freqs, points=2000).numpy()
    assert np.abs(quad - exact).max() < 0.01


def test_mvdr_and_lcmv_match_numpy():
    rng = np.random.default_rng(0)
    m, f = 5, 3
    x = rng.normal(size=(f, m, 40)) + 1j * rng.normal(size=(f, m, 40))
    cov = x @ x.conj().transpose(0, 2, 1) / 40
    a0 = rng.normal(size=(f, m)) + 1j * rng.normal(size=(f, m))
    got = beam.mvdr(torch.as_tensor(a0), torch.as_tensor(cov), loading=0.0).numpy()
    ref = np.stack([np.linalg.solve(cov[k], a0[k]) / (a0[k].conj() @ np.linalg.solve(cov[k], a0[k]))
                    for k in range(f)])
    assert np.allclose(got, ref, atol=1e-9)
    # LCMV toward 3 directions: unit gain on its own, nulls on the others (D A = I)
    lay = presets.circular(6, 0.1)
    dirs = beam.unit_vectors([0.0, 100.0, -120.0])
    a = beam.far_field_steering(lay.positions(), dirs, [1000.0, 2000.0]).transpose(1, 2)
    w = beam.lcmv(a, regularisation=1e-12).numpy()
    da = w.conj().transpose(0, 2, 1) @ a.numpy()
    assert np.allclose(da, np.eye(3), atol=1e-6)


def test_near_field_tends_to_far_field():
    p = presets.circular(6, 0.05).positions()
    u = beam.unit_vectors([40.0])
    far = beam.far_field_steering(p, u, [1500.0])
    near = beam.near_field_steering(p, 1e5 * u.numpy(), [1500.0])
    assert np.allclose(near.numpy(), far.numpy(), atol=1e-4)
    close = beam.near_field_steering(p, 0.3 * u.numpy(), [1500.0])
    assert not np.allclose(close.numpy(), far.numpy(), atol=1e-2)


def test_beamwidth_and_sidelobe_of_ula_against_dirichlet():
    m, d, f, steer = 8, 0.04, 4000.0, 90.0
    power_db = 20 * np.log10(np.abs(_ds_pattern(presets.linear(m, d), f, steer)) + 1e-12)
    # the half-power half-width, from the Dirichlet kernel solved independently
    k = 2 * np.pi * f / C * d
    half = brentq(lambda t: _dirichlet(m, k * np.cos(np.radians(90 - t)))**2 - 0.5, 1e-6, 20)
    assert figures.beamwidth_3db(power_db, AZ, steer) == pytest.approx(2 * half, abs=0.05)
    # the first sidelobe (about psi = 3 pi / M) is visible since k d > 3 pi / M here
    psi = np.linspace(2 * np.pi / m, 2 * np.pi - 2 * np.pi / m, 20001)
    first = 20 * np.log10(np.abs(_dirichlet(m, psi)).max())
    sll = figures.sidelobe_level(power_db, AZ, steer, exclude=[-90.0])
    assert sll == pytest.approx(first, abs=0.05)


def test_grating_lobes_aliasing_and_front_back_of_ula():
    d = 0.04
    lay = presets.linear(8, d)
    f = 0.75 * C / d  # spacing = 0.75 wavelength
    power_db = 20 * np.log10(np.abs(_ds_pattern(lay, f, 60.0)) + 1e-12)
    mirror = figures.front_back_mirror_azimuth(lay.positions(), 60.0)
    assert mirror == pytest.approx(-60.0)
    lobes = figures.grating_lobes(power_db, AZ, 60.0, mirror_deg=mirror)
    expect = math.degrees(math.acos(0.5 - 1 / 0.75))
    assert sorted(lobes) == pytest.approx([-expect, expect], abs=0.1)
    assert figures.aliasing_frequency(lay.positions()) == pytest.approx(C / (2 * d))
    assert figures.front_back_mirror_azimuth(presets.circular(6, 0.05).positions(), 60) is None
    # below the aliasing frequency there is none
    power_db = 20 * np.log10(np.abs(_ds_pattern(lay, 2000.0, 60.0)) + 1e-12)
    assert figures.grating_lobes(power_db, AZ, 60.0, mirror_deg=mirror) == []


def test_live_figures_follow_drags_and_match_a_fresh_evaluation():
    lay = presets.random_disc(12, 0.2)
    live = ArrayFigures(n_azimuth=180, n_freqs=64)
    for method in ("delay-and-sum", "superdirective"):
        live.compute(lay, 30, method, 1e-2)
        moved = lay
        for k in range(5):
            moved = moved.translated([0.01, -0.005 * k, 0], indices=[k])
            got = live.compute(moved, 30, method, 1e-2)
        fresh = ArrayFigures(n_azimuth=180, n_freqs=64).compute(moved, 30, method, 1e-2)
        assert np.allclose(got.map_db, fresh.map_db, atol=1e-2)
        assert np.allclose(got.di_db, fresh.di_db, atol=1e-3)
        assert np.allclose(got.wng_db, fresh.wng_db, atol=1e-3)
    ds = live.compute(moved, 30, "delay-and-sum")
    sd_heavy = live.compute(moved, 30, "superdirective", loading=1e6)
    assert np.allclose(ds.map_db, sd_heavy.map_db, atol=1e-2)  # heavy loading -> delay-and-sum
    assert np.allclose(ds.wng_db, 10 * np.log10(12), atol=1e-3)
    # the look direction is distortionless
    look = np.argmin(np.abs(ds.azimuth - 30))
    assert np.allclose(ds.map_db[:, look], 0, atol=1e-3)


def test_live_figures_warn():
    live = ArrayFigures(n_azimuth=360, n_freqs=64)
    ula = presets.linear(4, 0.08)
    out = live.compute(ula, 45.0, polar_hz=4000.0)
    text = " ".join(out.warnings)
    assert "aliasing above 2144 Hz" in text and "front-back" in text
    assert "grating" in text
    bad = presets.linear(2, 0.02)
    bad.sources = [Source(1.0, 1.0, 0), Source(1.0, 1.02, 0)]  # nearly the same direction
    out = live.compute(bad, 0.0)
    assert out.condition > 10 and any("ill-conditioned" in w for w in out.warnings)
    one = presets.linear(1, 0.02)
    assert "at least 2" in live.compute(one, 0.0).warnings[0]


def test_live_delay_and_sum_running_sum_survives_long_drags_and_look_changes():
    """The delay-and-sum pattern is updated by one term per moved microphone; after many
    moves (and a rebuild in between) and a new look direction it still matches a fresh
    evaluation, and a switch to superdirective refreshes the lazily kept steering block."""
    lay = presets.random_disc(16, 0.25, seed=3)
    live = ArrayFigures(n_azimuth=120, n_freqs=48)
    live.REBUILD_AFTER = 20
    rng = np.random.default_rng(1)
    live.compute(lay, 10, "delay-and-sum")
    for k in range(45):
        lay = lay.translated(np.r_[rng.normal(0, 0.01, 2), 0.0], indices=[k % 16])
        got = live.compute(lay, 10, "delay-and-sum")
    for steer, method in ((10, "delay-and-sum"), (-70, "delay-and-sum"), (-70, "superdirective")):
        got = live.compute(lay, steer, method)
        fresh = ArrayFigures(n_azimuth=120, n_freqs=48).compute(lay, steer, method)
        assert np.allclose(got.map_db, fresh.map_db, atol=1e-2)
        assert np.allclose(got.di_db, fresh.di_db, atol=1e-3)
