"""Export: formats and bit depths, streaming, rate conversion, and atomic replacement (a
failed, cancelled or disk-full export leaves the existing destination untouched)."""
from __future__ import annotations

import errno
import os

import numpy as np
import pytest
import soundfile as sf

from studio.errors import AudioFileError, BadAudioError, Cancelled
from studio.io.audiofile import probe, read
from studio.io.export import write


def test_pcm_round_trip_is_exact_for_representable_values(tmp_path):
    rng = np.random.default_rng(1)
    for subtype, bits in [("PCM_16", 16), ("PCM_24", 24)]:
        ints = rng.integers(-2 ** (bits - 1), 2 ** (bits - 1), size=(2, 5000))
        x = (ints / 2.0 ** (bits - 1)).astype(np.float32)
        r = write(tmp_path / f"e{bits}.wav", x, 48000, subtype=subtype, dither="none")
        y, _ = read(r.path)
        assert np.array_equal(y, x) and r.clipped == 0


def test_defaults_from_extension_and_wav_layout(tmp_path, noise):
    assert write(tmp_path / "a.flac", noise(1, 100), 8000).subtype == "PCM_24"
    assert write(tmp_path / "a.wav", noise(2, 100), 8000).format == "WAV"
    assert write(tmp_path / "b.wav", noise(4, 100), 8000).format == "WAVEX"  # channel mask
    # a stream of unknown length goes out as RF64 that downgrades to RIFF when small
    r = write(tmp_path / "c.wav", iter([noise(2, 100), noise(2, 50)]), 8000)
    assert open(r.path, "rb").read(4) == b"RIFF" and probe(r.path).frames == 150


def test_stream_equals_array(tmp_path, noise):
    x = noise(3, 70_000)
    write(tmp_path / "arr.wav", x, 44100, subtype="FLOAT")
    write(tmp_path / "str.wav", (x[:, i:i + 9999] for i in range(0, 70_000, 9999)), 44100,
          subtype="FLOAT", frames=70_000)
    assert np.array_equal(read(tmp_path / "arr.wav")[0], read(tmp_path / "str.wav")[0])


def test_rate_conversion_keeps_a_sine(tmp_path):
    n = 44100
    t = np.arange(n) / 44100
    x = (0.5 * np.sin(2 * np.pi * 997 * t)).astype(np.float32)[None]
    r = write(tmp_path / "r.wav", x, 44100, target_rate=48000, subtype="FLOAT")
    y, rate = read(r.path)
    assert rate == 48000 and y.shape[1] == 48000
    ref = 0.5 * np.sin(2 * np.pi * 997 * np.arange(48000) / 48000)
    mid = slice(2000, 46000)  # away from the edges the filter sees zeros
    assert np.abs(y[0, mid] - ref[mid]).max() < 1e-5


def test_codec_constraints(tmp_path, noise):
    r = write(tmp_path / "o.opus", noise(1, 4410), 44100)
    assert r.samplerate == 48000 and "48000" in r.notes[0]
    with pytest.raises(AudioFileError, match="at most 2 channels"):
        write(tmp_path / "m.mp3", noise(3, 1000), 44100)
    with pytest.raises(AudioFileError, match="cannot hold FLOAT"):
        write(tmp_path / "f.flac", noise(1, 100), 8000, subtype="FLOAT")
    with pytest.raises(AudioFileError, match="extension"):
        write(tmp_path / "x.xyz", noise(1, 100), 8000)


def test_bad_audio_is_refused(tmp_path, noise):
    with pytest.raises(BadAudioError, match="empty"):
        write(tmp_path / "e.wav", np.zeros((1, 0), np.float32), 8000)
    with pytest.raises(BadAudioError, match="transposed"):
        write(tmp_path / "t.wav", noise(2, 1000).T.copy(), 8000)
    with pytest.raises(BadAudioError, match="sample rate"):
        write(tmp_path / "r.wav", noise(1, 10), 0)
    assert os.listdir(tmp_path) == []


def test_nan_written_as_silence_and_clipping_counted(tmp_path):
    x = np.array([[0.5, np.nan, 2.0, -3.0]], np.float32)
    r = write(tmp_path / "n.wav", x, 8000, subtype="PCM_16", dither="none")
    y, _ = read(r.path)
    assert r.nonfinite == 1 and r.clipped == 2
    np.testing.assert_array_equal(y[0], [0.5, 0.0, 32767 / 32768, -1.0])


def _existing(tmp_path, noise):
    dest = tmp_path / "keep.wav"
    write(dest, noise(1, 1000, seed=5), 8000)
    return dest, dest.read_bytes()


def _assert_untouched(tmp_path, dest, before):
    assert dest.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [dest.name]  # no partial file left


def test_cancelled_export_leaves_destination(tmp_path, noise):
    dest, before = _existing(tmp_path, noise)
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) > 2
    with pytest.raises(Cancelled):
        write(dest, noise(2, 500_000), 8000, cancelled=cancelled)
    _assert_untouched(tmp_path, dest, before)


@pytest.mark.parametrize("where", ["fsync", "write"])
def test_disk_full_leaves_destination(tmp_path, noise, monkeypatch, where):
    dest, before = _existing(tmp_path, noise)

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")
    if where == "fsync":
        monkeypatch.setattr(os, "fsync", full)
    else:
        monkeypatch.setattr(sf.SoundFile, "write", full)
    with pytest.raises(AudioFileError, match="no space left") as e:
        write(dest, noise(2, 100_000), 8000)
    assert "\n" not in str(e.value)
    monkeypatch.undo()
    _assert_untouched(tmp_path, dest, before)


def test_unwritable_destinations(tmp_path, noise):
    (tmp_path / "file").write_text("x")
    with pytest.raises(AudioFileError, match="not a directory|does not exist"):
        write(tmp_path / "file" / "out.wav", noise(1, 10), 8000)
    with pytest.raises(AudioFileError, match="does not exist"):
        write(tmp_path / "missing" / "out.wav", noise(1, 10), 8000)
    (tmp_path / "dir.wav").mkdir()
    with pytest.raises(AudioFileError, match="is a directory"):
        write(tmp_path / "dir.wav", noise(1, 10), 8000)


def test_replacing_keeps_the_file_mode(tmp_path, noise):
    dest, _ = _existing(tmp_path, noise)
    os.chmod(dest, 0o640)
    write(dest, noise(1, 10), 8000)
    assert (dest.stat().st_mode & 0o777) == 0o640


def test_real_full_disk_if_a_tmpfs_can_be_mounted(tmp_path, noise):
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if os.geteuid() != 0 or os.system(f"mount -t tmpfs -o size=256k tmpfs {mnt} 2>/dev/null") != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        dest = mnt / "keep.wav"
        write(dest, noise(1, 1000, seed=5), 8000, subtype="PCM_16")
        before = dest.read_bytes()
        with pytest.raises(AudioFileError, match="no space left|disk"):
            write(dest, noise(2, 200_000), 8000, subtype="FLOAT")
        assert dest.read_bytes() == before and os.listdir(mnt) == ["keep.wav"]
    finally:
        os.system(f"umount {mnt}")
