"""The session container at the io level: plain data in, the same data out, members that
other tools can open, RF64 headers for members past 4 GiB, damage detected."""
from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
import soundfile as sf

from studio.errors import AudioFileError
from studio.io import _floatwav
from studio.io.project import AudioMember, open_container, save_container


def test_members_round_trip_and_are_real_wavs(tmp_path):
    x = np.random.default_rng(0).standard_normal((3, 100_003)).astype(np.float32)
    member = AudioMember(3, x.shape[1], 96000, lambda: (x[:, i:i + 7777] for i in range(0, x.shape[1], 7777)))
    save_container(tmp_path / "c.zip", {"k": [1, 2]}, {"a/x.wav": member}, {"r.npy": np.arange(4.0)})
    with open_container(tmp_path / "c.zip") as c:
        assert c.manifest == {"k": [1, 2]}
        assert c.audio_shape("a/x.wav") == (3, 100_003, 96000)
        assert np.array_equal(c.read_audio("a/x.wav"), x)
        assert np.array_equal(c.read_array("r.npy"), np.arange(4.0))
    raw = zipfile.ZipFile(tmp_path / "c.zip").read("a/x.wav")   # usable without the app
    y, rate = sf.read(io.BytesIO(raw), dtype="float32", always_2d=True)
    assert rate == 96000 and np.array_equal(y.T, x)


def test_rf64_header_for_huge_members():
    frames = (5 << 30) // 8  # 5 GiB of stereo float32
    h = _floatwav.header(2, 48000, frames)
    assert h[:4] == b"RF64"
    assert _floatwav.parse(h) == (2, 48000, frames, len(h))
    assert _floatwav.header(2, 48000, 1000)[:4] == b"RIFF"


def test_wrong_frame_count_is_refused_before_replacing(tmp_path):
    save_container(tmp_path / "c.zip", {"v": 1}, {})
    before = (tmp_path / "c.zip").read_bytes()
    bad = AudioMember(1, 10, 8000, lambda: [np.zeros(5, np.float32)])
    with pytest.raises(ValueError):
        save_container(tmp_path / "c.zip", {"v": 2}, {"x.wav": bad})
    assert (tmp_path / "c.zip").read_bytes() == before


def test_checksum_catches_a_flipped_bit(tmp_path):
    x = np.ones((1, 50_000), np.float32)
    save_container(tmp_path / "c.zip", {}, {"x.wav": AudioMember.from_array(x, 8000)})
    data = bytearray((tmp_path / "c.zip").read_bytes())
    data[100_000] ^= 1
    (tmp_path / "d.zip").write_bytes(bytes(data))
    with open_container(tmp_path / "d.zip") as c:
        with pytest.raises(AudioFileError, match="checksum"):
            c.read_audio("x.wav")


def test_unstorable_manifest_is_one_line(tmp_path):
    with pytest.raises(AudioFileError, match="not storable"):
        save_container(tmp_path / "c.zip", {"f": object()}, {})
    assert not (tmp_path / "c.zip").exists()
