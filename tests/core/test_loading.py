"""Loading real files through libsndfile (io.audiofile.iter_frames) into blocks."""
import threading

import numpy as np
import pytest
import soundfile as sf

from studio.core import blocks
from studio.core.loading import load_document, load_state
from studio.errors import AudioFileError, Cancelled


def _write(path, frames, channels, subtype="PCM_24", rate=48000, seed=0):
    x = np.random.default_rng(seed).uniform(-0.9, 0.9, (frames, channels)).astype(np.float32)
    sf.write(path, x, rate, subtype=subtype)
    ref, _ = sf.read(path, dtype="float32", always_2d=True)
    return ref.T


@pytest.mark.parametrize("frames,channels,subtype", [
    (1, 1, "PCM_16"), (1000, 2, "PCM_24"), ((1 << 18) * 2, 2, "PCM_24"),
    ((1 << 18) + 77, 3, "FLOAT"),
])
def test_load_equals_soundfile(tmp_path, frames, channels, subtype):
    path = tmp_path / "a.wav"
    ref = _write(path, frames, channels, subtype)
    state, info = load_state(path)
    assert (state.n_channels, state.n_frames, state.sample_rate) == (channels, frames, 48000)
    assert info.subtype == subtype
    assert np.array_equal(state.read(), ref)
    for seq in state.channels:
        assert all(len(b) <= blocks.BLOCK_SAMPLES for b in seq.blocks)
        s = seq.summary(0, len(seq), 1)
        assert s.maxs[0] == ref[state.channels.index(seq)].max()


def test_small_blocks_cut_the_chunks(tmp_path):
    path = tmp_path / "b.flac"
    ref = _write(path, 5000, 2, "PCM_16")
    with blocks.block_size(300):
        state, _ = load_state(path)
    assert [len(b) for b in state.channels[0].blocks][:3] == [300, 300, 300]
    assert np.array_equal(state.read(), ref)


def test_load_document_records_the_source(tmp_path):
    path = tmp_path / "c.wav"
    _write(path, 100, 1)
    doc = load_document(path)
    assert doc.path == str(path) and doc.source_info["subtype"] == "PCM_24"
    assert not doc.is_modified and not doc.can_undo


def test_progress_and_cancel(tmp_path):
    path = tmp_path / "d.wav"
    _write(path, 3 << 18, 1)
    seen = []
    load_state(path, progress=lambda f, msg: seen.append(f))
    assert seen and seen[-1] == pytest.approx(1.0)
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        load_state(path, cancelled=stop)


def test_not_audio_is_one_clear_error(tmp_path):
    path = tmp_path / "e.wav"
    path.write_bytes(b"this is not a wav file at all" * 10)
    with pytest.raises(AudioFileError):
        load_state(path)


def test_loading_never_holds_a_second_copy(tmp_path):
    import tracemalloc
    path = tmp_path / "f.wav"
    frames = 12 << 18  # 3M frames, stereo: 24 MiB as float32
    _write(path, frames, 2)
    raw = frames * 2 * 4
    tracemalloc.start()
    try:
        state, _ = load_state(path)
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert state.n_frames == frames
    assert current >= raw          # the blocks are all there...
    assert peak <= 1.3 * raw       # ...and were never held twice
