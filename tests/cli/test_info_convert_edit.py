"""`studio info`, `studio convert`, `studio edit` end to end on real files, checked against
numpy references and scipy; every failure is one line on stderr and a non-zero exit."""
from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from studio.cli.main import main

REPO = Path(__file__).resolve().parents[2]
SCIPY_DATA = os.path.join(os.path.dirname(__import__("scipy.io").io.__file__), "tests", "data")
SCIPY_WAVS = sorted(glob.glob(os.path.join(SCIPY_DATA, "*.wav")))


def studio(capsys, *argv):
    """(exit code, stdout, stderr) of `studio argv...` run in this process."""
    try:
        rc = main([str(a) for a in argv])
    except SystemExit as e:  # usage errors exit from argparse
        rc = e.code
    out, err = capsys.readouterr()
    return rc, out, err


def assert_one_line_error(rc, err):
    assert rc != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("studio: ") and "Traceback" not in err, err


def _scipy_read(path):
    from scipy.io import wavfile
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return wavfile.read(path)
    except Exception:
        return None


@pytest.mark.parametrize("path", SCIPY_WAVS, ids=os.path.basename)
def test_info_on_scipy_test_wavs(capsys, path):
    rc, out, err = studio(capsys, "info", "--json", path)
    ref = _scipy_read(path)
    if rc != 0:
        assert_one_line_error(rc, err)
        assert ref is None, f"scipy reads it, we refused: {err}"
        return
    d = json.loads(out)
    if ref is None:
        return  # libsndfile reads more than scipy (u-law, inconsistent headers)
    rate, data = ref
    data = data[:, None] if data.ndim == 1 else data
    assert (d["samplerate"], d["channels"], d["frames_read"]) == (rate, data.shape[1], data.shape[0])
    if data.dtype.kind == "f":
        x = data.astype(np.float64)
    elif data.dtype.kind == "u":
        x = (data.astype(np.float64) - 128) / 128
    else:
        x = data.astype(np.float64) / 2.0 ** (8 * data.dtype.itemsize - 1)
    for c, row in enumerate(d["channels_detail"]):
        peak = np.abs(x[:, c]).max()
        if peak > 0:
            assert row["peak_dbfs"] == pytest.approx(20 * np.log10(peak), abs=1e-3)
        else:
            assert row["peak_dbfs"] is None


def test_info_levels_nan_and_text(capsys, tmp_path):
    t = np.arange(48000) / 48000
    x = np.stack([0.5 * np.sin(2 * np.pi * 1000 * t), np.zeros_like(t)]).astype(np.float32)
    x[1, 100:103] = [np.nan, np.inf, -np.inf]
    sf.write(tmp_path / "s.wav", x.T, 48000, subtype="FLOAT")
    rc, out, _ = studio(capsys, "info", "--json", tmp_path / "s.wav")
    d = json.loads(out)
    left, right = d["channels_detail"]
    assert rc == 0 and d["nonfinite"] == 3 and (right["nan"], right["inf"]) == (1, 2)
    assert left["peak_dbfs"] == pytest.approx(-6.0206, abs=1e-3)
    assert left["rms_dbfs"] == pytest.approx(-9.0309, abs=1e-3)    # sine: peak / sqrt(2)
    assert right["peak_dbfs"] is None                              # only zeros once NaN/Inf are set aside
    rc, out, _ = studio(capsys, "info", tmp_path / "s.wav")
    assert "48000 Hz" in out and "-6.02" in out and "NaN/Inf      3" in out


def test_info_zero_length_and_errors(capsys, tmp_path):
    sf.write(tmp_path / "z.wav", np.zeros((0, 1), np.float32), 8000)
    rc, out, _ = studio(capsys, "info", "--json", tmp_path / "z.wav")
    assert rc == 0 and json.loads(out)["frames"] == 0 and "no audio" in out
    for bad in (tmp_path / "missing.wav", tmp_path):
        assert_one_line_error(*studio(capsys, "info", bad)[::2])


@pytest.fixture
def stereo(tmp_path):
    x = (np.random.default_rng(0).standard_normal((2, 24000)) * 0.1).astype(np.float32)
    path = tmp_path / "in.wav"
    sf.write(path, x.T, 24000, subtype="FLOAT")
    return path, x


def _read(path):
    y, rate = sf.read(path, dtype="float32", always_2d=True)
    return y.T, rate


def test_convert_channel_rules(capsys, tmp_path, stereo):
    path, x = stereo
    assert studio(capsys, "convert", path, tmp_path / "m.wav", "--channels", "1")[0] == 0
    m, _ = _read(tmp_path / "m.wav")
    np.testing.assert_allclose(m[0], x.mean(axis=0), atol=1e-7)
    assert studio(capsys, "convert", path, tmp_path / "q.wav", "--channels", "4")[0] == 0
    q, _ = _read(tmp_path / "q.wav")
    assert np.array_equal(q, np.concatenate([x, x]))                  # L R L R
    assert studio(capsys, "convert", tmp_path / "q.wav", tmp_path / "f.wav", "--channels", "1",
                  "--subtype", "FLOAT")[0] == 0
    assert studio(capsys, "convert", path, tmp_path / "one.wav", "--channels", "1")[0] == 0
    mono, _ = _read(tmp_path / "one.wav")
    assert studio(capsys, "convert", tmp_path / "one.wav", tmp_path / "dup.wav", "--channels", "3")[0] == 0
    dup, _ = _read(tmp_path / "dup.wav")
    assert np.array_equal(dup, np.repeat(mono, 3, axis=0))            # mono to every channel


def test_convert_rate_subtype_and_in_place(capsys, tmp_path, stereo):
    path, x = stereo
    assert studio(capsys, "convert", path, tmp_path / "o.flac", "--rate", "48000", "--subtype", "PCM_16")[0] == 0
    info = sf.info(tmp_path / "o.flac")
    assert (info.samplerate, info.frames, info.subtype) == (48000, 48000, "PCM_16")
    assert studio(capsys, "convert", path, path, "--subtype", "PCM_24")[0] == 0   # in place
    y, _ = _read(path)
    assert sf.info(path).subtype == "PCM_24" and np.abs(y - x).max() <= 2.0 ** -23


def test_convert_errors_leave_destination(capsys, tmp_path, stereo):
    path, _ = stereo
    dest = tmp_path / "keep.wav"
    dest.write_bytes(b"precious")
    for argv in (["--channels", "0"], ["--subtype", "NOPE"], ["--rate", "0"]):
        assert_one_line_error(*studio(capsys, "convert", path, dest, *argv)[::2])
    assert_one_line_error(*studio(capsys, "convert", path, tmp_path / "x.unknown")[::2])
    assert dest.read_bytes() == b"precious"


EDITS = [
    (["--op", "gain", "--db", "-6"], lambda x, r: x * np.float32(10 ** (-6 / 20)), 1e-6),
    (["--op", "trim", "--start", "1000smp", "--end", "0.5"], lambda x, r: x[:, 1000:12000], 0),
    (["--op", "delete", "--start", "0.25", "--end", "0.5s"], lambda x, r: np.delete(x, np.s_[6000:12000], axis=1), 0),
    (["--op", "insert-silence", "--at", "100smp", "--seconds", "50smp"],
     lambda x, r: np.insert(x, [100] * 50, 0.0, axis=1), 0),
    (["--op", "reverse", "--start", "10smp", "--end", "20smp"],
     lambda x, r: np.concatenate([x[:, :10], x[:, 10:20][:, ::-1], x[:, 20:]], axis=1), 0),
    (["--op", "silence", "--select-channels", "2"], lambda x, r: np.stack([x[0], 0 * x[1]]), 0),
    (["--op", "fade-in", "--seconds", "1000smp"],
     lambda x, r: np.concatenate([x[:, :1000] * (np.arange(1000) / 999.0), x[:, 1000:]], axis=1), 2e-3),
    (["--op", "mix-down"], lambda x, r: x.mean(axis=0, keepdims=True), 1e-6),
]


@pytest.mark.parametrize("argv,expect,tol", EDITS, ids=[e[0][1] for e in EDITS])
def test_edit_matches_numpy(capsys, tmp_path, stereo, argv, expect, tol):
    path, x = stereo
    rc, _, err = studio(capsys, "edit", path, tmp_path / "out.wav", *argv)
    assert rc == 0, err
    y, rate = _read(tmp_path / "out.wav")
    ref = expect(x.astype(np.float64), 24000)
    assert rate == 24000 and y.shape == ref.shape
    assert np.abs(y - ref).max() <= tol + 1e-7


def test_edit_normalize_and_change_rate(capsys, tmp_path, stereo):
    path, x = stereo
    assert studio(capsys, "edit", path, tmp_path / "n.wav", "--op", "normalize", "--peak-db", "-3")[0] == 0
    y, _ = _read(tmp_path / "n.wav")
    assert 20 * np.log10(np.abs(y).max()) == pytest.approx(-3, abs=1e-4)
    assert studio(capsys, "edit", path, tmp_path / "r.wav", "--op", "change-rate", "--rate", "48000")[0] == 0
    info = sf.info(tmp_path / "r.wav")
    assert (info.samplerate, info.frames) == (48000, 48000)


@pytest.mark.parametrize("argv", [
    ["--op", "gain"], ["--op", "trim"], ["--op", "gain", "--db", "1", "--start", "99"],
    ["--op", "gain", "--db", "1", "--start", "abc"], ["--op", "silence", "--select-channels", "5"],
    ["--op", "change-rate", "--rate", "0"], ["--op", "nonsense"],
    ["--op", "delete", "--start", "0", "--end", "1"]])  # deletes everything: nothing to write
def test_edit_errors_are_one_line(capsys, tmp_path, stereo, argv):
    path, _ = stereo
    rc, _, err = studio(capsys, "edit", path, tmp_path / "o.wav", *argv)
    assert_one_line_error(rc, err)
    assert not (tmp_path / "o.wav").exists()


def test_real_process_exit_status_and_stderr(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("STUDIO_DEBUG", None)
    (tmp_path / "bad.wav").write_bytes(b"RIFF\x10\0\0\0WAVEfmt \x10\0\0\0garbage")
    r = subprocess.run([sys.executable, "-m", "studio", "info", str(tmp_path / "bad.wav")],
                       capture_output=True, text=True, env=env, cwd=REPO)
    assert r.returncode == 1 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and "bad.wav" in r.stderr


def test_damaged_mp3_gives_one_warning_line_not_decoder_noise(tmp_path):
    x = (np.random.default_rng(0).standard_normal((48000 * 4, 2)) * 0.1).astype(np.float32)
    sf.write(tmp_path / "ok.mp3", x, 48000)
    data = bytearray((tmp_path / "ok.mp3").read_bytes())
    data[len(data) // 2:len(data) // 2 + 2000] = np.random.default_rng(1).integers(0, 256, 2000, np.uint8).tobytes()
    (tmp_path / "bad.mp3").write_bytes(bytes(data))
    env = dict(os.environ, PYTHONPATH=str(REPO))
    # a real process (libmpg123 writes to file descriptor 2, which pytest does not capture);
    # only the convert command is registered, so the interpreter does not load every command
    script = ("import argparse, sys; from studio.cli import convert; "
              "p = argparse.ArgumentParser(); convert.register(p.add_subparsers()); "
              "a = p.parse_args(['convert'] + sys.argv[1:]); sys.exit(a.func(a))")
    r = subprocess.run([sys.executable, "-c", script, str(tmp_path / "bad.mp3"),
                        str(tmp_path / "out.wav")], capture_output=True, text=True, env=env, cwd=REPO)
    assert r.returncode == 0, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("studio: warning:") and "could not be decoded" in lines[0]
    n = sf.info(tmp_path / "out.wav").frames
    assert 48000 * 3.5 < n <= 48000 * 4   # the damage was bridged, the rest decoded


def test_info_on_many_files_reports_each_bad_one_and_fails(capsys, tmp_path, stereo):
    path, _ = stereo
    rc, out, err = studio(capsys, "info", "--json", path, tmp_path / "missing.wav", path)
    assert rc == 1 and len(json.loads(out)) == 2
    assert err.strip().count("\n") == 0 and "missing.wav" in err


def test_session_files_convert_and_edit(capsys, tmp_path, stereo):
    from studio.core.document import Document
    from studio.core.session import save_session
    _, x = stereo
    save_session(Document.from_array(x, 24000), tmp_path / "s.adsession")
    assert studio(capsys, "convert", tmp_path / "s.adsession", tmp_path / "o.wav", "--subtype", "FLOAT")[0] == 0
    y, rate = _read(tmp_path / "o.wav")
    assert rate == 24000 and np.array_equal(y, x)
    assert studio(capsys, "edit", tmp_path / "s.adsession", tmp_path / "r.wav", "--op", "reverse",
                  "--subtype", "FLOAT")[0] == 0
    assert np.array_equal(_read(tmp_path / "r.wav")[0], x[:, ::-1])
