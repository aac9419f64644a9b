"""Speech and monophonic-instrument analysis and resynthesis in torch.

All analysers share one frame grid: frame t is centred on sample t * hop (hop = 5 ms by
default), so f0, loudness, envelope and aperiodicity line up frame for frame.

- f0.py            probabilistic YIN (pYIN-style) with Viterbi smoothing and voicing
- loudness.py      A-weighted frame loudness
- envelope.py      cepstral smoothing and the true envelope, frequency warping
- aperiodicity.py  band aperiodicity from window-corrected band autocorrelation
- harmonic.py      harmonic-plus-filtered-noise synthesiser (shared by the vocoder and timbre)
- vocoder.py       source-filter analysis/synthesis used by convert.voice
- timbre_model.py  learned timbre: harmonic amplitudes from pitch and loudness
- polyphony.py     monophonic check (harmonic energy fraction)
"""
