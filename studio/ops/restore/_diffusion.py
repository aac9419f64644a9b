"""What the diffusion repairs (restore.bandwidth, restore.spectral_repair and restore.inpaint's
long gaps) share: their parameters and the loaded restorer."""
from __future__ import annotations

from studio.engine.params import Bool, Int
from studio.models.restoration.api import load_restorer


def steps_param() -> Int:
    return Int("steps", default=8, lo=2, hi=32,
               help="Sampler steps: more is slower; 8 is where the bench stops improving")


def seed_param() -> Int:
    return Int("seed", default=0, lo=0, hi=2**31 - 1,
               help="Another seed draws another fill of what is missing")


def level_param() -> Bool:
    return Bool("match_level", default=True,
                help="Keep each frequency's level in the repair on the line between its "
                     "level before and after (off: the model's own level)")


def restorer(ctx):
    """The bundled restorer on the job's device, loaded once per worker."""
    return ctx.cached(("restorer", str(ctx.device)), lambda: load_restorer(device=ctx.device))
