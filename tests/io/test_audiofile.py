"""Reading files through libsndfile: round trips, streaming, and every kind of bad input
ending as one clear StudioError (or a warning when the file is damaged but readable)."""
from __future__ import annotations

import glob
import os
import struct
import threading
import warnings

import numpy as np
import pytest
import soundfile as sf

from studio.errors import AudioFileError, BadAudioError, Cancelled, StudioError
from studio.io.audiofile import AudioWarning, ReadStats, iter_frames, probe, read

SCIPY_DATA = os.path.join(os.path.dirname(__import__("scipy.io").io.__file__), "tests", "data")


@pytest.mark.parametrize("ext,fmt,subtype,exact", [
    ("wav", "WAV", "PCM_16", False), ("wav", "WAV", "PCM_24", False), ("wav", "WAV", "FLOAT", True),
    ("wav", "WAVEX", "PCM_32", False), ("wav", "RF64", "FLOAT", True), ("flac", "FLAC", "PCM_24", False),
    ("aiff", "AIFF", "PCM_16", False), ("ogg", "OGG", "VORBIS", None), ("opus", "OGG", "OPUS", None),
    ("mp3", "MP3", "MPEG_LAYER_III", None)])
def test_probe_and_read_every_format(tmp_path, noise, ext, fmt, subtype, exact):
    x = noise(2, 24000)
    path = tmp_path / f"a.{ext}"
    sf.write(path, x.T, 48000, format=fmt, subtype=subtype)
    info = probe(path)
    assert (info.format, info.subtype, info.channels, info.samplerate) == (fmt, subtype, 2, 48000)
    assert info.duration == pytest.approx(info.frames / 48000)
    y, rate = read(path)
    assert rate == 48000 and y.dtype == np.float32 and y.shape[0] == 2
    if exact is None:  # lossy: same length order and similar energy
        assert abs(y.shape[1] - 24000) < 4000
        assert np.std(y) == pytest.approx(np.std(x), rel=0.3)
        assert info.is_lossy
    else:
        assert y.shape == x.shape
        bits = info.bits or 32
        tol = 0 if exact else 2.0 ** -(bits - 1)
        assert np.abs(y - x).max() <= tol


@pytest.mark.parametrize("channels,rate", [(1, 8000), (6, 96000), (16, 192000), (3, 11025)])
def test_any_channel_count_and_rate(tmp_path, noise, channels, rate):
    x = noise(channels, 1000)
    sf.write(tmp_path / "m.wav", x.T, rate, subtype="FLOAT")
    y, r = read(tmp_path / "m.wav")
    assert r == rate and np.array_equal(y, x)


def test_iter_frames_streams_with_progress_and_matches_read(tmp_path, noise):
    x = noise(2, 100_000)
    sf.write(tmp_path / "s.flac", x.T, 44100, subtype="PCM_24")
    seen = []
    chunks = list(iter_frames(tmp_path / "s.flac", 30_000, progress=lambda f, m: seen.append(f)))
    assert [c.shape for c in chunks] == [(30_000, 2)] * 3 + [(10_000, 2)]
    assert all(c.dtype == np.float32 for c in chunks)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) == 4
    whole, _ = read(tmp_path / "s.flac")
    assert np.array_equal(np.concatenate(chunks).T, whole)


@pytest.mark.parametrize("as_event", [True, False])
def test_cancel_stops_reading(tmp_path, noise, as_event):
    sf.write(tmp_path / "c.wav", noise(1, 50_000).T, 8000)
    ev = threading.Event()
    flag = ev if as_event else ev.is_set
    it = iter_frames(tmp_path / "c.wav", 10_000, cancelled=flag)
    next(it)
    ev.set()
    with pytest.raises(Cancelled):
        next(it)


def test_nan_and_inf_are_replaced_counted_and_reported(tmp_path):
    x = np.zeros((2, 1000), np.float32)
    x[0, 10], x[1, 20], x[1, 30] = np.nan, np.inf, -np.inf
    sf.write(tmp_path / "n.wav", x.T, 8000, subtype="FLOAT")
    stats = ReadStats()
    with pytest.warns(AudioWarning, match="3 NaN/Inf samples replaced by silence"):
        y, _ = read(tmp_path / "n.wav", stats=stats)
    assert np.isfinite(y).all() and stats.nonfinite == 3 and stats.nonfinite_per_channel == [1, 2]
    got = []
    y, _ = read(tmp_path / "n.wav", nonfinite="keep", on_warning=got.append)
    assert np.isnan(y[0, 10]) and np.isposinf(y[1, 20]) and "kept" in got[0]
    with pytest.raises(BadAudioError, match="NaN or Inf"):
        read(tmp_path / "n.wav", nonfinite="error")


def _one_line(e: Exception) -> str:
    s = str(e)
    assert "\n" not in s and len(s) < 400 and "Traceback" not in s
    return s


def test_missing_directory_empty_and_non_audio(tmp_path):
    cases = {tmp_path / "nope.wav": "no such file", tmp_path: "directory",
             tmp_path / "empty.wav": "empty", tmp_path / "text.wav": "format not recognised"}
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "text.wav").write_text("hello, I am not audio\n" * 10)
    for path, reason in cases.items():
        with pytest.raises(AudioFileError) as e:
            probe(path)
        assert reason in _one_line(e.value).lower()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path, noise):
    sf.write(tmp_path / "u.wav", noise(1, 100).T, 8000)
    os.chmod(tmp_path / "u.wav", 0)
    with pytest.raises(AudioFileError, match="permission denied"):
        probe(tmp_path / "u.wav")


def test_not_a_regular_file(tmp_path):
    os.mkfifo(tmp_path / "fifo.wav")
    with pytest.raises(AudioFileError, match="not a regular file"):
        probe(tmp_path / "fifo.wav")


def _wav_header(rate: int, channels: int, bits: int = 16, frames: int = 4) -> bytes:
    block = channels * bits // 8
    data = b"\0" * (frames * block)
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * block, block, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


@pytest.mark.parametrize("rate,channels,err", [
    (0, 1, StudioError), (1_000_000, 1, BadAudioError), (44100, 300, BadAudioError)])
def test_absurd_rate_or_channel_count(tmp_path, rate, channels, err):
    (tmp_path / "x.wav").write_bytes(_wav_header(rate, channels))
    with pytest.raises(err) as e:
        read(tmp_path / "x.wav")
    _one_line(e.value)


def test_zero_length_audio_is_described_but_not_loaded(tmp_path):
    (tmp_path / "z.wav").write_bytes(_wav_header(8000, 1, frames=0))
    assert probe(tmp_path / "z.wav").frames == 0
    with pytest.raises(BadAudioError, match="no audio"):
        read(tmp_path / "z.wav")
    assert list(iter_frames(tmp_path / "z.wav", allow_empty=True)) == []


@pytest.mark.parametrize("ext,subtype", [("wav", "PCM_16"), ("flac", "PCM_16")])
def test_truncated_file_reads_what_survived_with_a_warning(tmp_path, noise, ext, subtype):
    x = noise(2, 400_000)
    full = tmp_path / f"full.{ext}"
    sf.write(full, x.T, 48000, subtype=subtype)
    ref, _ = read(full)
    data = full.read_bytes()
    cut = tmp_path / f"cut.{ext}"
    cut.write_bytes(data[:len(data) // 2])
    got = []
    y, _ = read(cut, on_warning=got.append)
    assert len(got) == 1 and ("truncated" in got[0] or "decoding failed" in got[0])
    assert 100_000 < y.shape[1] < 300_000          # about half survived
    assert np.array_equal(y, ref[:, :y.shape[1]])  # and what survived is intact


def test_scipy_wav_test_files_read_like_scipy_or_fail_in_one_line():
    from scipy.io import wavfile
    files = sorted(glob.glob(os.path.join(SCIPY_DATA, "*.wav")))
    assert len(files) > 15
    for path in files:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                rate, ref = wavfile.read(path)
        except Exception:
            ref = None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", AudioWarning)
                y, r = read(path)
        except StudioError as e:
            _one_line(e)
            assert ref is None, f"scipy reads {path} but we do not: {e}"
            continue
        if ref is None:
            continue  # we read more than scipy does (u-law, inconsistent headers)
        ref = ref[:, None] if ref.ndim == 1 else ref
        if ref.dtype.kind == "f":
            expect = ref.astype(np.float32)
        elif ref.dtype.kind == "u":
            expect = (ref.astype(np.float64) - 128) / 128
        else:
            expect = ref.astype(np.float64) / 2.0 ** (8 * ref.dtype.itemsize - 1)
        assert r == rate
        np.testing.assert_allclose(y.T, expect, atol=2.0 ** -23, err_msg=path)


def test_damage_in_the_middle_of_a_flac_is_bridged_with_silence(tmp_path, noise):
    x = noise(2, 480_000)
    sf.write(tmp_path / "full.flac", x.T, 48000, subtype="PCM_16")
    ref, _ = read(tmp_path / "full.flac")
    data = bytearray((tmp_path / "full.flac").read_bytes())
    mid = len(data) // 2
    data[mid:mid + 2000] = np.random.default_rng(9).integers(0, 256, 2000, np.uint8).tobytes()
    (tmp_path / "hurt.flac").write_bytes(bytes(data))
    stats, got = ReadStats(), []
    y, _ = read(tmp_path / "hurt.flac", stats=stats, on_warning=got.append)
    assert y.shape == ref.shape                       # same length: later audio keeps its time
    (a, b), = stats.gaps
    assert 0 < b - a <= 20_000 and "silence" in got[0]
    assert np.array_equal(y[:, :a], ref[:, :a]) and np.array_equal(y[:, b:], ref[:, b:])
    assert not y[:, a:b].any()
