"""The conditional diffusion restorer (issue 20): one network that, given damaged audio and a
map of what is missing (a gap, the band above a cutoff, a time-frequency region), samples the
whole signal, with the known parts kept exactly. See README "Diffusion restoration"."""
