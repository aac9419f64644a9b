"""Voice conversion by source-filter resynthesis: new pitch, new formants, more breath."""
from __future__ import annotations

import torch

from studio.dsp.voice import vocoder
from studio.dsp.voice.envelope import warp_frequency
from studio.engine.operation import Chunking, Curve, Report, Result, operation
from studio.engine.params import Choice, Float
from studio.ops.convert._common import IF_POLYPHONIC, monophony_gate

# (pitch ratio, pitch range factor, formant ratio, breathiness): typical adult male speech
# sits near 120 Hz and adult female near 210 Hz, female formants ~17 % higher (vocal tract
# ~15 % shorter); a child's tract is shorter still and its voice about an octave up.
PRESETS = {
    "male_to_female": (1.75, 1.2, 1.17, 0.05),
    "female_to_male": (0.57, 0.85, 0.85, 0.0),
    "child": (1.9, 1.3, 1.3, 0.05),
}
PRESET_FIELDS = ("pitch_ratio", "pitch_range", "formant_ratio", "breathiness")
# The defaults change the voice audibly (the form's Preview used to sound identical: ratio 1,
# formants 1): male_to_female, the preset selected and its values in the four fields, so the
# form shows what runs and Reset all comes back to it
DEFAULT_PRESET = "male_to_female"
_DEFAULTS = dict(zip(PRESET_FIELDS, PRESETS[DEFAULT_PRESET]))


def preset_values(p) -> tuple[float, float, float, float]:
    """(pitch ratio, range, formant ratio, breathiness) that run: the preset's, except a field
    given other than its default (a form filled by the preset shows its values; a flag on
    the command line wins over the preset); custom: the fields."""
    given = tuple(getattr(p, name) for name in PRESET_FIELDS)
    if p.preset == "custom":
        return given
    return tuple(v if v != _DEFAULTS[name] else preset
                 for name, v, preset in zip(PRESET_FIELDS, given, PRESETS[p.preset]))


def median_f0(f0: torch.Tensor) -> float:
    v = f0[f0 > 0]
    return float(v.median()) if v.numel() else 0.0


def new_pitch(f0: torch.Tensor, source_median: float, target_median: float,
              range_factor: float) -> torch.Tensor:
    """log f0' = log target + range * (log f0 - log source median); 0 stays unvoiced."""
    voiced = f0 > 0
    logf = torch.log(f0.clamp(min=1.0))
    out = torch.exp(torch.log(torch.tensor(target_median)) + range_factor *
                    (logf - torch.log(torch.tensor(source_median))))
    return torch.where(voiced, out, torch.zeros_like(f0))


@operation(
    id="convert.voice", title="Change voice", changes_length=False,
    chunk=Chunking(seconds=20.0, overlap=0.5),
    params=[
        # labelled apart from the operations panel's own "Preset" row (saved parameter sets);
        # choosing one fills the four fields it sets, so the form shows the values that run
        Choice("preset", default=DEFAULT_PRESET, options=("custom",) + tuple(PRESETS),
               label="Voice change", fills=tuple(
                   (name, tuple(zip(PRESET_FIELDS, values))) for name, values in PRESETS.items()),
               help="A typical gender or age change (default male_to_female): it sets pitch "
                    "ratio, pitch range, formant ratio and breathiness, except those given "
                    "other than their defaults (on the command line, --pitch-ratio 1.5 keeps "
                    "the preset's formants); custom runs the four fields as they are (their "
                    "defaults are male_to_female's: give all four, e.g. 1 1 1 0, to start "
                    "from the unchanged voice)"),
        Float("pitch_ratio", default=_DEFAULTS["pitch_ratio"], lo=0.25, hi=4.0, log=True,
              help="Multiply the median pitch by this"),
        Float("target_f0", default=0.0, lo=0.0, hi=1600.0, unit="Hz",
              help="Median pitch to reach; 0 uses the pitch ratio"),
        Float("pitch_range", default=_DEFAULTS["pitch_range"], lo=0.0, hi=3.0,
              help="Scale the intonation around the median (0 = monotone)"),
        Float("formant_ratio", default=_DEFAULTS["formant_ratio"], lo=0.5, hi=2.0, log=True,
              help="Move the formants (vocal tract resonances) by this factor"),
        Float("breathiness", default=_DEFAULTS["breathiness"], lo=0.0, hi=1.0,
              help="Replace this share of the voiced sound's periodic part by breath noise"),
        IF_POLYPHONIC,
    ])
def run(inputs, p, ctx) -> Result:
    """Change pitch and formants independently with a WORLD-style vocoder (f0, spectral
    envelope, aperiodicity); harmonics are resynthesised as locked oscillators, so there is
    no phase-vocoder smear."""
    ratio, range_factor, formant, breath = preset_values(p)
    x, sr = inputs.audio.float(), inputs.sample_rate
    ctx.progress(0.0, "analysing")
    an = vocoder.analyze(x, sr, progress=lambda f: ctx.progress(0.3 * f, "analysing"))
    mono, note = monophony_gate("Change voice", x, sr, an.track, p.if_polyphonic)
    ctx.progress(0.35, "modifying")
    source_median = median_f0(an.f0)
    if source_median == 0:
        return Result(audio=x, report=Report(values={"voiced_fraction": 0.0},
                                             text="no voiced frames: left unchanged"))
    target_median = p.target_f0 if p.target_f0 > 0 else source_median * ratio
    f0 = new_pitch(an.f0, source_median, target_median, range_factor)
    log_env = warp_frequency(an.log_env, formant) if formant != 1.0 else an.log_env
    ap = an.aperiodicity
    if breath > 0:
        ap = torch.where(an.voiced.unsqueeze(-1), ap + breath * (1 - ap), ap)
    out = vocoder.synthesize(vocoder.modified(an, f0=f0, log_env=log_env, aperiodicity=ap),
                             ctx.generator, source_f0=an.f0,
                             progress=lambda f: ctx.progress(0.4 + 0.6 * f, "synthesising"))
    times = an.track.times.cpu().numpy()
    nan = float("nan")
    curves = [Curve(x=times, y=torch.where(an.f0[0] > 0, an.f0[0], nan).cpu().numpy(),
                    x_label="time (s)", y_label="f0 (Hz)", name="source f0"),
              Curve(x=times, y=torch.where(f0[0] > 0, f0[0], nan).cpu().numpy(),
                    x_label="time (s)", y_label="f0 (Hz)", name="converted f0")]
    return Result(audio=out, report=Report(
        values={"source_median_f0_hz": round(source_median, 2),
                "target_median_f0_hz": round(float(target_median), 2),
                "formant_ratio": formant, "pitch_range": range_factor,
                "voiced_fraction": round(float(an.voiced.float().mean()), 3),
                "monophonic": mono.ok},
        curves=curves, text=note))
