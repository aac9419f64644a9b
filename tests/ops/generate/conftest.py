"""Tiny diffusion models for the generate.* tests, saved as real checkpoint files.

An untrained `Denoiser` has a zero-initialised output layer, so D(x; sigma) = c_skip(sigma) x:
exactly the ideal denoiser for Gaussian data of std sigma_data. Its probability-flow ODE is
linear and known in closed form, which lets the tests check the samplers' and the ops'
arithmetic (noise levels, inversion) against theory. The "random" model gets random
layers instead: a nonlinear network that depends on the class, for the tests that need the
network to matter (inversion through a nonlinear ODE, class conditioning).
"""
import pytest
import torch

from studio.models.diffusion.checkpoint import save_model
from studio.models.diffusion.config import config_for
from studio.models.diffusion.edm import Denoiser

RATE = 16000
SIGMA_DATA = 0.2


# what a pitch model's JSON keeps of its training clips' pitches ("auto" draws from it)
PITCH_TABLE = {"kick": {"unpitched": 5, "notes": {}},
               "snare": {"unpitched": 1, "notes": {"50": 2, "62": 1}}}


def make_model(path, nonlinear: bool, seconds: float = 0.5, pitched: bool = False):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        cfg = config_for("tiny", RATE, seconds, ("kick", "snare"), sigma_data=SIGMA_DATA,
                         cond_dim=2 if pitched else 0)
        if pitched:
            cfg = cfg.with_training(pitch=PITCH_TABLE)
        model = Denoiser(cfg)
        if nonlinear:  # undo the zero initialisations that make each block the identity
            for layer in model.net.modules():
                if isinstance(layer, (torch.nn.Conv1d, torch.nn.Linear)):
                    layer.reset_parameters()
            model.net.out.weight.data *= 0.3
    save_model(path, model.state_dict(), cfg)
    return str(path) + ".json"


@pytest.fixture(scope="session")
def analytic_model(tmp_path_factory):
    return make_model(tmp_path_factory.mktemp("models") / "analytic", nonlinear=False)


@pytest.fixture(scope="session")
def random_model(tmp_path_factory):
    return make_model(tmp_path_factory.mktemp("models") / "random", nonlinear=True)


@pytest.fixture(scope="session")
def pitch_model(tmp_path_factory):
    """Random layers, conditioned on pitch (the conditioning's last layer made non-zero)."""
    return make_model(tmp_path_factory.mktemp("models") / "pitched", nonlinear=True,
                      pitched=True)


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models are hundreds of small ops per step: on a loaded 2-core machine a second
    OpenMP thread makes each one wait for the scheduler (measured 30x slower), and buys
    nothing at this size."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
