"""`DiffusionModel.classify`: a class-conditional denoiser as a classifier, checked on a model
whose denoiser is known in closed form.

Class c's data are a * t_c with a ~ N(0, 1) and t_c a unit-norm template; the exact denoiser
under class c is then the projection onto t_c shrunk by 1 / (1 + sigma^2):
D(x; sigma, c) = t_c (t_c . x) / (1 + sigma^2). A clip made of one template is denoised best
under its own class, and the error matrix can be computed by hand in numpy.
"""
import numpy as np
import pytest
import torch

from studio.errors import StudioError
from studio.models.diffusion.config import config_for
from studio.models.diffusion.edm import Denoiser
from studio.models.diffusion.pipeline import CLASSIFY_LEVELS, DiffusionModel

CLASSES = ("kick", "snare", "piano", "organ")
FRAMES = 512


def templates() -> np.ndarray:
    """Four unit-norm, nearly orthogonal waveforms: a burst and three tones."""
    t = np.arange(FRAMES) / 8000
    rng = np.random.default_rng(1)
    rows = [rng.standard_normal(FRAMES) * np.exp(-t * 80)] + \
        [np.sin(2 * np.pi * f * t) * np.exp(-t * 4) for f in (220.0, 440.0, 1000.0)]
    return np.stack([r / np.linalg.norm(r) for r in rows])


class TemplateDenoiser(Denoiser):
    def __init__(self, classes=CLASSES):
        super().__init__(config_for("tiny", 8000, FRAMES / 8000, classes))
        self.register_buffer("templates", torch.from_numpy(templates()[:len(classes)]).float())

    def forward(self, x, sigma, labels=None, cond=None):
        assert labels is not None and cond is None
        t = self.templates[labels]                              # (n, frames)
        gain = (x[:, 0] * t).sum(dim=1) / (1 + sigma.reshape(-1) ** 2)
        return (gain[:, None] * t)[:, None]


@pytest.fixture(scope="module")
def model():
    return DiffusionModel(TemplateDenoiser())


def test_each_template_is_named_as_its_class(model):
    clips = torch.from_numpy(0.8 * templates()).float()
    errors = model.classify(clips)
    assert errors.shape == (4, 4)
    assert errors.argmin(dim=1).tolist() == [0, 1, 2, 3]


def test_the_errors_are_the_normalised_denoising_errors(model):
    """The same noise draw for every class at a level, each level's errors over their mean
    over the classes, averaged over the levels: against numpy with the generator's draws."""
    rng = np.random.default_rng(7)
    x = (0.5 * templates()[2] + 0.2 * templates()[3]
         + 0.01 * rng.standard_normal(FRAMES)).astype(np.float32)
    g = torch.Generator().manual_seed(3)
    got = model.classify(torch.from_numpy(x)[None], generator=g)[0].double().numpy()
    draws = torch.Generator().manual_seed(3)
    t = templates()
    ref = np.zeros(len(CLASSES))
    for level in CLASSIFY_LEVELS:
        sigma = level * model.cfg.diffusion.sigma_data
        noisy = x + sigma * torch.randn((1, 1, FRAMES), generator=draws).numpy()[0, 0]
        err = np.array([np.mean((t[c] * (t[c] @ noisy) / (1 + sigma ** 2) - x) ** 2)
                        for c in range(len(CLASSES))])
        ref += err / err.mean()
    np.testing.assert_allclose(got, ref / len(CLASSIFY_LEVELS), rtol=1e-4)
    assert int(np.argmin(got)) == 2   # the larger part of the mixture wins


def test_the_class_does_not_depend_on_a_seed(model):
    clips = torch.from_numpy(0.8 * templates()[1:3]).float()
    torch.manual_seed(123)
    a = model.classify(clips)
    torch.manual_seed(456)
    torch.testing.assert_close(model.classify(clips), a, rtol=0, atol=0)
    # a clip gets the same in a batch as alone (every clip shares a level's noise draw)
    torch.testing.assert_close(model.classify(clips[1:]), a[1:], rtol=1e-5, atol=1e-6)


def test_a_model_without_classes_cannot_classify():
    m = DiffusionModel(TemplateDenoiser(classes=()))
    with pytest.raises(StudioError, match="no classes"):
        m.classify(torch.zeros(1, FRAMES))
