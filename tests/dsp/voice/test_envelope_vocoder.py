import numpy as np
import scipy.signal as ss
import torch

from conftest import SR, VOWEL_FORMANTS, all_pole, vowel
from studio.dsp.voice import vocoder
from studio.dsp.voice._frames import hop_for, spectrum_frames
from studio.dsp.voice.aperiodicity import band_aperiodicity
from studio.dsp.voice.envelope import log_magnitude, true_envelope, cepstral_order, warp_frequency
from studio.dsp.voice.f0 import track_f0
from studio.dsp.voice.loudness import frame_loudness


def test_true_envelope_follows_a_known_all_pole_filter():
    f0 = 110.0
    x = torch.from_numpy(vowel(f0, seconds=0.5, noise=0.0))
    spec, n_fft, _ = spectrum_frames(x.unsqueeze(0), SR, hop_for(SR))
    frames = spec[0, 20:-20]
    env = true_envelope(log_magnitude(frames), cepstral_order(torch.full((len(frames),), f0), SR))
    env_db = 20 / np.log(10) * env.mean(0).numpy()
    freqs = np.arange(n_fft // 2 + 1) * SR / n_fft
    _, h = ss.freqz([1.0], all_pole(), worN=freqs, fs=SR)
    ref_db = 20 * np.log10(np.abs(h))
    band = (freqs > 200) & (freqs < 3500)
    diff = env_db[band] - ref_db[band]
    diff -= diff.mean()  # overall gain is the source's, not the filter's
    assert np.sqrt(np.mean(diff ** 2)) < 2.5
    # the envelope's formant peaks are where the filter's are
    peaks = [freqs[band][np.argmax(np.where(np.abs(freqs[band] - f) < 250, env_db[band], -1e9))]
             for f, _ in VOWEL_FORMANTS]
    assert all(abs(p - f) < 60 for p, (f, _) in zip(peaks, VOWEL_FORMANTS))


def test_warp_moves_a_peak_by_the_ratio():
    k = torch.arange(513, dtype=torch.float32)
    env = -((k - 100.0) / 10) ** 2
    assert int(warp_frequency(env, 1.2).argmax()) == 120
    assert int(warp_frequency(env, 0.8).argmax()) == 80


def test_loudness_a_weighting():
    t = torch.arange(SR) / SR
    l1k = frame_loudness(torch.sin(2 * torch.pi * 1000 * t), SR)[0, 20:-20].mean()
    l100 = frame_loudness(torch.sin(2 * torch.pi * 100 * t), SR)[0, 20:-20].mean()
    assert abs(float(l1k) + 3.01) < 0.2       # mean power 1/2
    assert abs(float(l100 - l1k) + 19.1) < 0.5  # IEC 61672: A(100 Hz) = -19.1 dB


def test_aperiodicity_low_for_harmonic_high_for_noise():
    x = torch.from_numpy(vowel(150.0, seconds=0.5, noise=0.0)).unsqueeze(0)
    g = torch.Generator().manual_seed(0)
    n = 0.1 * torch.randn(1, x.shape[-1], generator=g)
    hop = hop_for(SR)
    f0 = torch.full((1, x.shape[-1] // hop + 1), 150.0)
    for sig, lo, hi in ((x, 0.0, 0.15), (n, 0.6, 1.0)):
        spec, n_fft, win = spectrum_frames(sig, SR, hop)
        ap = band_aperiodicity(spec.abs() ** 2, f0, SR, n_fft, win)[0, 20:-20, 10:250]
        assert lo <= float(ap.median()) <= hi


def _spec_db(x):
    return 20 * np.log10(np.abs(ss.stft(x, SR, nperseg=512)[2]) + 1e-6)


def test_vocoder_round_trip_spectral_snr():
    n = int(1.5 * SR)
    f0 = 120 * 2 ** (0.3 * np.sin(2 * np.pi * np.arange(n) / SR))
    x = vowel(f0, seconds=1.5)
    an = vocoder.analyze(torch.from_numpy(x), SR)
    y = vocoder.synthesize(an, torch.Generator().manual_seed(0))[0].numpy()
    X, Y = (np.abs(ss.stft(s, SR, nperseg=512)[2]) for s in (x, y))
    snr = 10 * np.log10((X ** 2).sum() / ((X - Y) ** 2).sum())
    assert snr > 10
    assert np.corrcoef(_spec_db(x).ravel(), _spec_db(y).ravel())[0, 1] > 0.85
    assert abs(np.std(y) / np.std(x) - 1) < 0.25


def test_pitch_change_keeps_the_formants():
    x = vowel(120.0, seconds=0.8)
    an = vocoder.analyze(torch.from_numpy(x), SR)
    up = torch.where(an.f0 > 0, an.f0 * 1.5, an.f0)
    y = vocoder.synthesize(vocoder.modified(an, f0=up), source_f0=an.f0)
    tr = track_f0(y, SR)
    assert abs(float(tr.f0[tr.voiced].median()) / 180.0 - 1) < 0.01
    an_y = vocoder.analyze(y, SR)
    e0 = an.log_env[0, 30:-30].mean(0)
    e1 = an_y.log_env[0, 30:-30].mean(0)
    k = (torch.arange(e0.shape[-1]) * SR / (2 * (e0.shape[-1] - 1))).lt(1000) & \
        (torch.arange(e0.shape[-1]) * SR / (2 * (e0.shape[-1] - 1))).gt(400)
    assert abs(int(e0[k].argmax()) - int(e1[k].argmax())) <= 3  # F1 stays put (bins of 15.6 Hz)
