"""Samplers against closed forms: for Gaussian data N(mu, s^2) the exact denoiser is
D(x, sigma) = (x s^2 + mu sigma^2) / (s^2 + sigma^2), and the probability-flow ODE then maps
x(sigma_T) to mu + (x(sigma_T) - mu) * sqrt((s^2 + sigma^2) / (s^2 + sigma_T^2)) exactly."""
import numpy as np
import pytest
import torch

from studio.models.diffusion import samplers as S

MU, SD = 0.3, 0.2


def exact_denoiser(x, sigma):
    s2 = sigma.reshape(-1, 1, 1) ** 2
    return (x * SD ** 2 + MU * s2) / (SD ** 2 + s2)


def ode_solution(x_t, sigma_t, sigma):
    return MU + (x_t - MU) * np.sqrt((SD ** 2 + sigma ** 2) / (SD ** 2 + sigma_t ** 2))


def test_karras_sigmas_follow_edm_eq5():
    s = S.karras_sigmas(10, 0.002, 10.0, 7.0).double().numpy()
    i = np.arange(10)
    ref = (10.0 ** (1 / 7) + i / 9 * (0.002 ** (1 / 7) - 10.0 ** (1 / 7))) ** 7
    np.testing.assert_allclose(s[:-1], ref, rtol=1e-5)
    assert s[-1] == 0 and np.all(np.diff(s) < 0)


# stiff on purpose (sigma_max / s = 50): 100 steps leave ~1e-3 of truncation error
@pytest.mark.parametrize("name,steps,tol", [("heun", 100, 2e-3), ("dpmpp_2m", 100, 2e-3)])
def test_deterministic_samplers_solve_the_ode(name, steps, tol):
    sig = S.karras_sigmas(steps, 0.002, 10.0)
    x_t = torch.randn(4, 1, 512, generator=torch.Generator().manual_seed(0)) * 10.0
    out = S.run_sampler(name, exact_denoiser, x_t, sig)
    ref = ode_solution(x_t.double().numpy(), 10.0, 0.0)
    err = np.abs(out.double().numpy() - ref).max() / np.abs(ref - MU).max()
    assert err < tol, f"{name}: relative error {err:.2e}"


def test_heun_converges_at_second_order():
    x_t = torch.randn(2, 1, 256, generator=torch.Generator().manual_seed(1)) * 10.0
    ref = ode_solution(x_t.double().numpy(), 10.0, 0.0)
    errs = []
    for steps in (8, 16):
        out = S.heun(exact_denoiser, x_t, S.karras_sigmas(steps, 0.002, 10.0))
        errs.append(np.abs(out.double().numpy() - ref).max())
    assert errs[1] < errs[0] / 2.5  # first order would only halve it


@pytest.mark.parametrize("name,kwargs", [("euler_maruyama", {}), ("heun", {"churn": 20.0})])
def test_stochastic_samplers_reach_the_data_distribution(name, kwargs):
    g = torch.Generator().manual_seed(2)
    x_t = torch.randn(8, 1, 4096, generator=g) * (10.0 ** 2 + SD ** 2) ** 0.5
    out = S.run_sampler(name, exact_denoiser, x_t, S.karras_sigmas(200, 0.002, 10.0),
                        generator=g, **kwargs)
    assert abs(out.mean().item() - MU) < 0.01
    assert abs(out.std().item() / SD - 1) < 0.04


def test_same_generator_seed_same_samples_and_different_seed_differs():
    sig = S.karras_sigmas(10, 0.002, 10.0)
    x = torch.randn(1, 1, 128, generator=torch.Generator().manual_seed(3))
    a = S.euler_maruyama(exact_denoiser, x, sig, torch.Generator().manual_seed(5))
    b = S.euler_maruyama(exact_denoiser, x, sig, torch.Generator().manual_seed(5))
    c = S.euler_maruyama(exact_denoiser, x, sig, torch.Generator().manual_seed(6))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_inversion_then_ode_returns_the_clip():
    x0 = MU + SD * torch.randn(2, 1, 512, generator=torch.Generator().manual_seed(4))
    up = S.karras_sigmas(150, 0.002, 10.0)[:-1].flip(0)
    latent = S.invert(exact_denoiser, x0, up)
    np.testing.assert_allclose(latent.numpy(), ode_solution(x0.numpy(), 0.002, 10.0),
                               rtol=3e-3, atol=3e-3)
    back = S.heun(exact_denoiser, latent, up.flip(0))
    err = (back - x0).square().sum() / (x0 - MU).square().sum()
    assert 10 * np.log10(1 / err.item()) > 40


def test_slerp_keeps_norm_and_end_points():
    g = torch.Generator().manual_seed(7)
    a, b = torch.randn(1, 1, 4096, generator=g), torch.randn(1, 1, 4096, generator=g)
    assert torch.allclose(S.slerp(a, b, 0.0), a, atol=1e-5)
    assert torch.allclose(S.slerp(a, b, 1.0), b, atol=1e-5)
    mid = S.slerp(a, b, 0.5)
    assert abs(mid.norm() / a.norm() - 1) < 0.03  # a straight line would lose ~30 %
    assert abs((a + b).div(2).norm() / a.norm() - 0.707) < 0.03


def test_strength_maps_like_dance_diffusion():
    assert S.strength_to_sigma(0.0, 10) == 0.0
    assert S.strength_to_sigma(0.3, 10) == pytest.approx(np.tan(0.3 * np.pi / 2))
    assert S.strength_to_sigma(1.0, 10) == 10
    assert S.evaluations("heun", 25) == 49 and S.evaluations("dpmpp_2m", 25) == 25
