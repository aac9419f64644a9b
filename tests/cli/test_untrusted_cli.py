"""Damaged and crafted files through the commands a user runs: every command reads through the
one reader (warnings on stderr from `studio run` and `studio batch` too, chunked or not),
same-depth output is bit-exact, output formats hold what they are given, and each of the
faults a hostile tester found is one `studio:` line."""
from __future__ import annotations

import errno
import json
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from studio.cli.main import main
from studio.io import audiofile

STUDIO = str(Path(sys.executable).with_name("studio"))


def studio(capsys, *argv):
    try:
        rc = main([str(a) for a in argv])
    except SystemExit as e:
        rc = e.code
    out, err = capsys.readouterr()
    return rc, out, err


def one_line(rc, err):
    lines = err.strip().splitlines()
    assert rc != 0 and len(lines) == 1 and lines[0].startswith("studio: "), err
    assert "internal error" not in err and "Traceback" not in err, err
    return lines[0]


def _noise(frames=48000, channels=2, seed=0):
    return (np.random.default_rng(seed).standard_normal((frames, channels)) * 0.1).astype(np.float32)


def _damaged_flac(tmp_path):
    path = tmp_path / "damaged.flac"
    sf.write(path, _noise(96000, 1), 16000, subtype="PCM_16")
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid:mid + 300] = np.random.default_rng(1).integers(0, 256, 300, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))
    return path


def test_run_reads_a_damaged_flac_as_convert_does(tmp_path, capsys):
    path = _damaged_flac(tmp_path)
    said = []
    ref, rate = audiofile.read(path, on_warning=said.append)
    assert said and "damaged stretch" in said[0]  # the reader bridges the damage, and says so
    rc, _, err = studio(capsys, "run", "edit.gain", path, "-o", tmp_path / "g.flac")
    assert rc == 0, err
    assert "warning:" in err and "damaged stretch" in err
    got, _ = sf.read(tmp_path / "g.flac", dtype="float32", always_2d=True)
    assert np.array_equal(got.T, ref)  # 0 dB, same depth: exactly what convert reads
    rc, _, err = studio(capsys, "convert", path, tmp_path / "c.flac")
    assert rc == 0 and "damaged stretch" in err
    assert np.array_equal(sf.read(tmp_path / "c.flac", dtype="float32", always_2d=True)[0], got)


def test_nan_and_truncation_warnings_reach_stderr_from_chunked_run_and_batch(tmp_path, capsys):
    nan = tmp_path / "in" / "nan.wav"
    nan.parent.mkdir()
    x = _noise(48000, 1)
    x[1000:1010] = np.nan
    sf.write(nan, x, 48000, subtype="FLOAT")
    whole = tmp_path / "whole.wav"
    sf.write(whole, _noise(48000, 1), 48000, subtype="PCM_16")
    cut = tmp_path / "in" / "cut.wav"
    cut.write_bytes(whole.read_bytes()[:60_000])
    rc, _, err = studio(capsys, "run", "restore.denoise", nan, "-o", tmp_path / "d.wav",
                        "--set", "reduction=6")
    assert rc == 0 and "10 NaN/Inf samples replaced by silence" in err, err
    rc, _, err = studio(capsys, "run", "edit.gain", cut, "-o", tmp_path / "t.wav")
    assert rc == 0 and "warning:" in err and "truncated" in err, err
    rc, _, err = studio(capsys, "batch", "edit.gain", str(tmp_path / "in" / "*.wav"),
                        "-o", tmp_path / "out")
    assert rc == 0 and "NaN/Inf samples" in err and "truncated" in err, err


def test_same_depth_conversion_is_bit_exact_and_silence_stays_silent(tmp_path, capsys):
    ints = np.random.default_rng(3).integers(-32768, 32768, (44100, 2), dtype=np.int16)
    src = tmp_path / "in.wav"
    sf.write(src, ints, 44100, subtype="PCM_16")
    for out in ("same.wav", "same.flac"):
        rc, _, err = studio(capsys, "convert", src, tmp_path / out, "--subtype", "PCM_16")
        assert rc == 0, err
        assert np.array_equal(sf.read(tmp_path / out, dtype="int16")[0], ints)
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros((8000, 1), np.int16), 8000, subtype="PCM_16")
    rc, _, err = studio(capsys, "run", "edit.normalize", silent, "-o", tmp_path / "n.wav")
    assert rc == 0, err
    assert not sf.read(tmp_path / "n.wav", dtype="int16")[0].any()


def _wide_pcm_wav(path, bits=36, channels=2, frames=800):
    """Integer PCM wider than 32 bits (left-justified in 5..8 bytes), as measurement gear
    writes it; libsndfile refuses these, scipy reads them."""
    width = (bits + 7) // 8
    rng = np.random.default_rng(bits)
    values = rng.integers(-(1 << (bits - 1)), 1 << (bits - 1), (frames, channels), dtype=np.int64)
    left = (values << (8 * width - bits)).astype("<i8")
    raw = np.frombuffer(left.tobytes(), np.uint8).reshape(frames, channels, 8)[:, :, :width]
    data = raw.tobytes()
    fmt = struct.pack("<HHIIHH", 1, channels, 8000, 8000 * channels * width, channels * width, bits)
    body = b"WAVEfmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return values


def test_wide_pcm_and_lossy_data_named_wav_get_a_subtype_the_output_holds(tmp_path, capsys):
    src = tmp_path / "wide.wav"
    values = _wide_pcm_wav(src)
    rc, _, err = studio(capsys, "convert", src, tmp_path / "o.wav")
    assert rc == 0, err
    assert "cannot hold the input's PCM_36 samples; written as 32-bit float" in err
    got, _ = sf.read(tmp_path / "o.wav", dtype="float32")
    assert sf.info(tmp_path / "o.wav").subtype == "FLOAT"
    assert np.array_equal(got, (values / 2.0 ** 35).astype(np.float32))  # exact to float32
    ogg = tmp_path / "x.ogg"
    sf.write(ogg, _noise(16000, 1), 16000, format="OGG", subtype="VORBIS")
    named = tmp_path / "ogg-named.wav"
    named.write_bytes(ogg.read_bytes())
    rc, _, err = studio(capsys, "convert", named, tmp_path / "v.wav")
    assert rc == 0 and "written as PCM_24" in err, err
    assert sf.info(tmp_path / "v.wav").subtype == "PCM_24"


def test_random_bytes_named_mp3_say_one_line_without_decoder_noise(tmp_path):
    path = tmp_path / "random.mp3"
    path.write_bytes(np.random.default_rng(5).integers(0, 256, 20000, dtype=np.uint8).tobytes())
    for argv in (["info", path], ["run", "edit.gain", path, "-o", tmp_path / "o.wav"]):
        p = subprocess.run([STUDIO, *map(str, argv)], capture_output=True, text=True, timeout=120)
        line = one_line(p.returncode, p.stderr)  # fd 2 as a user sees it: no libmpg123 notes
        assert "not an audio file this app can read" in line and "pipe" not in line


def _riff(fmt: bytes, data: bytes) -> bytes:
    body = b"WAVEfmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


@pytest.mark.parametrize("rate,bits", [(0, 16), (8000, 0)], ids=["zero-rate", "zero-bits"])
def test_impossible_headers_are_one_line_or_read(tmp_path, capsys, rate, bits):
    path = tmp_path / "h.wav"
    pcm = (_noise(4000, 1)[:, 0] * 30000).astype("<i2").tobytes()
    path.write_bytes(_riff(struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, bits), pcm))
    for argv in (["info", path], ["convert", path, tmp_path / "o.wav"]):
        rc, _, err = studio(capsys, *argv)
        if rc:
            one_line(rc, err)
        else:
            assert "internal error" not in err


def test_the_internal_errors_a_tester_met_are_one_line_now(tmp_path, capsys):
    src = tmp_path / "in.wav"
    sf.write(src, _noise(24000, 1), 48000, subtype="PCM_16")
    (tmp_path / "existing_file").write_text("x")
    cases = [
        ["run", "edit.gain", src, "-o", tmp_path / "existing_file" / "x.wav"],
        ["run", "edit.gain", src, "-o", tmp_path / ("n" * 300 + ".wav")],
        ["run", "restore.denoise", src, "-o", tmp_path / "d.wav", "--set", f"profile={tmp_path}"],
        ["run", "restore.inpaint", src, "-o", tmp_path / "i.wav", "--set", "gap_start=0.1",
         "--set", "gap_end=inf"],
    ]
    expected = ["is a file, not a directory", "the file name is too long", "is a folder",
                "not a finite number"]
    for argv, words in zip(cases, expected):
        assert words in one_line(*studio(capsys, *argv)[::2])
    long_name = tmp_path / ("n" * 250 + ".wav")  # fits the file system, and its temp file
    rc, _, err = studio(capsys, "run", "edit.gain", src, "-o", long_name)
    assert rc == 0 and long_name.exists(), err


def test_a_failed_report_write_leaves_the_previous_report(tmp_path, capsys, monkeypatch):
    src = tmp_path / "in.wav"
    sf.write(src, _noise(48000, 1), 48000, subtype="PCM_16")
    report = tmp_path / "keep.json"
    rc, _, err = studio(capsys, "run", "analyze.loudness", src, "--report", report)
    assert rc == 0, err
    before = report.read_bytes()
    json.loads(before)

    def disk_full(path):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr("studio.io.atomic._fsync_file", disk_full)
    monkeypatch.setattr("os.fsync", lambda fd: disk_full(None))
    rc, _, err = studio(capsys, "run", "analyze.loudness", src, "--report", report)
    assert "no space left on the disk" in one_line(rc, err)
    assert report.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".keep")] == []


def test_sigterm_removes_the_temporary_file(tmp_path):
    src = tmp_path / "long.wav"
    sf.write(src, _noise(48000 * 120, 2), 48000, subtype="PCM_24")
    out = tmp_path / "out.flac"
    p = subprocess.Popen([STUDIO, "convert", str(src), str(out), "--rate", "44100"],
                         stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".out.flac.*.partial")) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert list(tmp_path.glob(".out.flac.*.partial")), "the conversion never started writing"
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 143 and err.strip() == "studio: terminated", err
    assert not out.exists() and not list(tmp_path.glob(".out.flac*"))


def test_studio_device_is_honoured(tmp_path, capsys, monkeypatch):
    src = tmp_path / "in.wav"
    sf.write(src, _noise(8000, 1), 8000, subtype="PCM_16")
    monkeypatch.setenv("STUDIO_DEVICE", "mps")  # no machine running these tests has MPS
    line = one_line(*studio(capsys, "run", "edit.gain", src, "-o", tmp_path / "o.wav")[::2])
    assert "device 'mps' was requested but is not available" in line
    monkeypatch.setenv("STUDIO_DEVICE", "cpu")
    rc, _, err = studio(capsys, "run", "edit.gain", src, "-o", tmp_path / "o.wav",
                        "--report", tmp_path / "r.json")
    assert rc == 0 and json.loads((tmp_path / "r.json").read_text())["device"] == "cpu", err
