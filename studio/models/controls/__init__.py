"""Generator v2: diffusion over a synthesizer's controls instead of over samples.

A sound is described at FRAME_RATE frames a second by a pitch contour, the amplitudes of its
first harmonics and the levels of noise in fixed frequency bands (DDSP, Engel et al. 2020;
band noise as in NoiseBandNet). `analysis` measures that description in real audio, `synth`
renders it at any sample rate, and a small 1-D U-Net over the frames learns its distribution.
"""
