"""Audio diffusion (torch): score networks, EDM preconditioning, SDE samplers, checkpoints,
training and the generation pipeline. Nothing here knows about Qt or the document.

    config      what a model is (network, SDE and schedule, audio), as JSON
    unet1d      the waveform 1-D U-Net score network
    stft2d      a time-frequency score network (2-D U-Net over a tight STFT frame)
    networks    maps config kinds to network classes
    edm         preconditioning, classifier-free guidance and the training loss
    samplers    Euler-Maruyama, Heun (with churn), DPM-Solver++(2M), ODE inversion, slerp
    checkpoint  safetensors + JSON files (never a pickle)
    data        a folder of clips as a training set
    pitch       pitch as conditioning: per-clip pYIN, encoding, period taps, "auto" draws
    train       the trainer: AdamW, EMA, clipping, bf16 on GPU, exact resume, DDP
    pipeline    sample / variation / interpolate on a trained model
"""
