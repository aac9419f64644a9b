"""A WORLD-style source-filter vocoder: analysis into f0, spectral envelope and band
aperiodicity on a 5 ms grid, and synthesis as harmonics plus shaped noise.

Synthesis does not overlap-add modified spectra (the source of phase-vocoder "phasiness"):
every harmonic is one continuous oscillator on a single running phase, so partials stay
locked to each other; each harmonic takes the amplitude of the envelope at its frequency
and the envelope's minimum phase there (the phase a vocal-tract filter would give it), so
each pitch period has the natural, resonant pulse shape. The aperiodic part is noise shaped
by envelope x aperiodicity. Pitch and formants are then independent: change f0 and the
harmonics sample the same envelope; warp the envelope and the formants move.

Amplitude bookkeeping (Hann window w, frame spectrum X): a sinusoid of amplitude A has a
peak |X| = A sum(w) / 2, and the true envelope rides on those peaks; noise of variance s^2
gives E|X|^2 = s^2 sum(w^2). In a voiced frame the envelope describes a power density of
A^2 / (2 f0) per Hz, shared between harmonics (1 - ap) and noise (ap).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from studio.dsp.voice._frames import hop_for, spectrum_frames
from studio.dsp.voice.aperiodicity import band_aperiodicity
from studio.dsp.voice.envelope import minimum_phase, spectral_envelope
from studio.dsp.voice.f0 import BLOCK_FRAMES, F0_MAX, F0_MIN, PitchTrack, track_f0
from studio.dsp.voice.harmonic import filtered_noise, harmonic_synth, sample_bins

WINDOW_S = 0.040
MAX_HARMONICS = 400


@dataclass
class VoiceAnalysis:
    f0: torch.Tensor            # (B, T) Hz, 0 where unvoiced
    log_env: torch.Tensor       # (B, T, K) natural-log amplitude of the frame spectrum
    aperiodicity: torch.Tensor  # (B, T, K) in [0, 1]
    sr: int
    hop: int
    n_fft: int
    window: torch.Tensor
    n_samples: int
    track: PitchTrack

    @property
    def voiced(self) -> torch.Tensor:
        return self.f0 > 0


def analyze(x: torch.Tensor, sr: int, fmin: float = F0_MIN, fmax: float = F0_MAX,
            track: PitchTrack | None = None, progress=None) -> VoiceAnalysis:
    """Analyse (N,) or (B, N) audio (`progress(fraction)` follows the pitch tracking, most
    of the time)."""
    if x.dim() == 1:
        x = x.unsqueeze(0)
    x = x.float()
    hop = hop_for(sr)
    report = progress or (lambda _f: None)
    # shares of the time measured on music: pitch 0.6, envelope 0.3, aperiodicity 0.1
    track = track or track_f0(x, sr, fmin, fmax, hop=hop, progress=lambda f: report(0.6 * f))
    f0 = track.f0
    spec, n_fft, win = spectrum_frames(x, sr, hop, WINDOW_S, count=f0.shape[-1])
    log_env = spectral_envelope(spec, f0, sr, progress=lambda f: report(0.6 + 0.3 * f))
    # frame by frame: in blocks, so progress moves (and one block's tables are held)
    power, T = spec.abs().pow(2), f0.shape[-1]
    parts = []
    for a in range(0, max(T, 1), BLOCK_FRAMES):
        parts.append(band_aperiodicity(power[..., a:a + BLOCK_FRAMES, :],
                                       f0[..., a:a + BLOCK_FRAMES], sr, n_fft, win))
        report(0.9 + 0.1 * min(1.0, (a + BLOCK_FRAMES) / max(T, 1)))
    ap = torch.cat(parts, dim=-2)
    return VoiceAnalysis(f0=f0, log_env=log_env, aperiodicity=ap, sr=sr, hop=hop, n_fft=n_fft,
                         window=win, n_samples=x.shape[-1], track=track)


def _fill_f0(f0: torch.Tensor) -> torch.Tensor:
    return PitchTrack(f0=f0, voiced=f0 > 0, voiced_prob=(f0 > 0).float(), sr=1, hop=1).filled()


def synthesize(an: VoiceAnalysis, generator: torch.Generator | None = None,
               source_f0: torch.Tensor | None = None, progress=None) -> torch.Tensor:
    """Render an analysis (possibly modified) to (B, N) audio.

    `source_f0`, when the f0 was changed, is the analysed f0: harmonic amplitudes are then
    scaled by sqrt(f0 / source_f0) so the power per pitch period stays the same (a raised
    voice keeps its loudness, as PSOLA's does)."""
    sr, hop, n_fft = an.sr, an.hop, an.n_fft
    voiced = an.voiced
    f0 = _fill_f0(an.f0).to(an.log_env.device)
    lowest = float(f0[voiced].min()) if voiced.any() else float(f0.min())
    H = int(min(MAX_HARMONICS, max(1, (0.5 * sr) // lowest)))
    h = torch.arange(1, H + 1, device=f0.device, dtype=f0.dtype)
    fh = f0.unsqueeze(-1) * h                                                # (B, T, H)
    peak = torch.exp(sample_bins(an.log_env, fh, sr, n_fft))
    ap_h = sample_bins(an.aperiodicity, fh, sr, n_fft).clamp(0, 1)
    amp = 2 * peak / an.window.sum() * torch.sqrt(1 - ap_h)
    if source_f0 is not None:
        gain = torch.where(voiced & (source_f0 > 0), f0 / source_f0.clamp(min=1.0),
                           torch.ones_like(f0))
        amp = amp * gain.sqrt().unsqueeze(-1)
    amp = amp * voiced.unsqueeze(-1)
    phase = sample_bins(minimum_phase(an.log_env), fh, sr, n_fft)
    harmonic = harmonic_synth(f0, amp, hop, an.n_samples, sr, phase, progress=progress)

    # noise: in voiced frames a share `ap` of the density A^2 / (2 f0) described by the
    # envelope; in unvoiced frames the envelope is the noise's own mean level
    env = torch.exp(an.log_env)
    a_env = 2 * env / an.window.sum()
    voiced_std = a_env * torch.sqrt(an.aperiodicity * sr / (4 * f0.unsqueeze(-1)))
    unvoiced_std = env / an.window.pow(2).sum().sqrt()
    std = torch.where(voiced.unsqueeze(-1), voiced_std, unvoiced_std)
    noise = filtered_noise(std, hop, an.n_samples, n_fft, generator)
    return harmonic + noise


def modified(an: VoiceAnalysis, **changes) -> VoiceAnalysis:
    return replace(an, **changes)
