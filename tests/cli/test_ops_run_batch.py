"""`studio ops`, `studio run` and `studio batch` end to end, through real files (libsndfile)."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from studio.cli.main import main

RATE = 48000


def _write(path, x, subtype="FLOAT"):
    sf.write(str(path), x.T, RATE, subtype=subtype)
    return str(path)


def _noise(n=RATE // 2, channels=2, seed=0):
    return (np.random.default_rng(seed).standard_normal((channels, n)) * 0.1).astype(np.float32)


def _read(path):
    data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    return data.T, rate


def test_ops_lists_every_operation_with_its_schema(capsys):
    assert main(["ops", "--json"]) == 0
    ops = json.loads(capsys.readouterr().out)
    by_id = {o["id"]: o for o in ops}
    assert "edit.gain" in by_id and "filter.notch" in by_id
    gain = by_id["edit.gain"]["params"][0]
    assert (gain["name"], gain["type"], gain["unit"], gain["lo"], gain["hi"]) == \
        ("db", "float", "dB", -96.0, 48.0)
    assert "Mains hum 50 Hz" in by_id["filter.notch"]["presets"]
    assert main(["ops"]) == 0
    text = capsys.readouterr().out
    assert "edit.gain" in text and "--set db=" in text and text.rstrip().splitlines()[-1] \
        .startswith("device: ")


def test_run_gain_round_trip(tmp_path):
    x = _noise()
    src = _write(tmp_path / "in.wav", x)
    out = tmp_path / "out.wav"
    assert main(["run", "edit.gain", src, "-o", str(out), "--set", "db=-6"]) == 0
    y, rate = _read(out)
    assert rate == RATE and sf.info(str(out)).subtype == "FLOAT"  # float in, float out
    np.testing.assert_allclose(y, x * 10 ** (-6 / 20), rtol=1.2e-7, atol=0)


def test_run_reads_long_files_lazily_for_chunked_ops(tmp_path, monkeypatch):
    """A chunked op reads its input file chunk by chunk (never whole) and gives the same
    result as filtering the whole signal at once."""
    import scipy.signal as ss

    from studio.io import audiofile
    from studio.ops.filter import _biquad
    monkeypatch.setattr(audiofile, "read", lambda *a, **k: pytest.fail("read the whole file"))
    x = _noise(n=RATE * 130, channels=1)
    src = _write(tmp_path / "long.wav", x)
    out = tmp_path / "out.wav"
    assert main(["run", "filter.highpass", src, "-o", str(out), "--set", "cutoff=300"]) == 0
    b, a = _biquad.design("highpass", RATE, 300.0, 0.707)
    y, _ = _read(out)
    assert np.max(np.abs(y - ss.lfilter(b, a, x.astype(np.float64), axis=-1))) < 1e-5


def test_run_with_a_preset_and_a_report(tmp_path):
    x = _noise(n=RATE)
    src = _write(tmp_path / "in.wav", x)
    out, rep = tmp_path / "out.wav", tmp_path / "report.json"
    assert main(["run", "edit.normalize", src, "-o", str(out), "--preset", "Podcast",
                 "--report", str(rep)]) == 0
    report = json.loads(rep.read_text())
    assert report["params"]["lufs"] == -16.0 and report["op"] == "edit.normalize"
    assert main(["run", "analyze.loudness", str(out), "--report", str(rep)]) == 0
    assert json.loads(rep.read_text())["values"]["integrated_lufs"] == pytest.approx(-16, abs=0.05)


def test_analysis_prints_its_values(tmp_path, capsys):
    src = _write(tmp_path / "in.wav", _noise())
    assert main(["run", "analyze.loudness", src]) == 0
    out = capsys.readouterr().out
    assert "integrated_lufs: " in out and "true_peak_dbtp: " in out


@pytest.mark.parametrize("argv,message", [
    (["run", "edit.gain", "IN", "-o", "OUT", "--set", "db=loud"], "is not a number"),
    (["run", "edit.gain", "IN", "-o", "OUT", "--set", "gain=3"], "unknown parameter 'gain'"),
    (["run", "edit.gain", "IN"], "give an output file with -o"),
    (["run", "edit.gain", "IN", "IN", "-o", "OUT"], "takes INPUT; got 2 file(s)"),
    (["run", "edit.nope", "IN", "-o", "OUT"], "unknown operation 'edit.nope'"),
    (["run", "edit.gain", "IN", "-o", "OUT", "--device", "cuda"], "not available"),
    (["run", "edit.gain", "MISSING", "-o", "OUT"], "no such file"),
    (["run", "edit.gain", "IN", "-o", "OUT", "--preset", "Nope"], "no preset 'Nope'"),
])
def test_run_errors_are_one_line(tmp_path, capsys, argv, message):
    if "cuda" in argv:
        import torch
        if torch.cuda.is_available():
            pytest.skip("this machine has CUDA")
    src = _write(tmp_path / "in.wav", _noise())
    argv = [src if a == "IN" else str(tmp_path / "out.wav") if a == "OUT"
            else str(tmp_path / "missing.wav") if a == "MISSING" else a for a in argv]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("studio: ") and message.split("'")[0] in err[0]
    assert not (tmp_path / "out.wav").exists()


def test_batch_goes_past_a_bad_file_and_summarises(tmp_path, capsys):
    inp = tmp_path / "in"
    (inp / "sub").mkdir(parents=True)
    xs = {name: _noise(seed=i) for i, name in enumerate(["a.wav", "b.wav", "sub/c.wav"])}
    for name, x in xs.items():
        _write(inp / name, x)
    (inp / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    outdir = tmp_path / "out"
    code = main(["batch", "edit.gain", str(inp / "**" / "*.wav"), "-o", str(outdir),
                 "--set", "db=-12", "--jobs", "2"])
    err = capsys.readouterr().err
    assert code == 1
    assert "3 of 4 files done, 1 failed" in err and "broken.wav:" in err
    assert "\r[" in err  # the one-line progress bar
    for name, x in xs.items():
        y, _ = _read(outdir / name)
        np.testing.assert_allclose(y, x * 10 ** (-12 / 20), rtol=1.2e-7, atol=0)


def test_batch_chain_and_reports(tmp_path, capsys):
    inp = tmp_path / "in"
    inp.mkdir()
    for i in range(2):
        _write(inp / f"{i}.wav", _noise(seed=i))
    chain = tmp_path / "chain.json"
    chain.write_text(json.dumps([{"op": "filter.highpass", "params": {"cutoff": 120}},
                                 {"op": "edit.resample", "params": {"rate": 16000}}]))
    assert main(["batch", "--chain", str(chain), str(inp / "*.wav"), "-o",
                 str(tmp_path / "out")]) == 0
    y, rate = _read(tmp_path / "out" / "0.wav")
    assert rate == 16000 and y.shape == (2, 8000)
    # analysis-only: one JSON report per file
    assert main(["batch", "analyze.loudness", str(inp / "*.wav"), "-o",
                 str(tmp_path / "rep")]) == 0
    rep = json.loads((tmp_path / "rep" / "1.json").read_text())
    assert rep["input"].endswith("1.wav") and rep["values"]["integrated_lufs"] < 0
    assert "2 of 2 files done" in capsys.readouterr().err


def test_batch_with_no_matching_files_is_an_error(tmp_path, capsys):
    assert main(["batch", "edit.gain", str(tmp_path / "*.wav"), "-o", str(tmp_path)]) == 1
    assert "no files match" in capsys.readouterr().err


@pytest.mark.slow  # a fresh interpreter importing torch: tens of seconds on a loaded machine
def test_studio_command_runs_as_a_process(tmp_path):
    """The installed entry point, as a user runs it."""
    src = _write(tmp_path / "in.wav", _noise())
    out = tmp_path / "out.flac"
    proc = subprocess.run([sys.executable, "-m", "studio", "run", "filter.lowpass", src, "-o",
                           str(out), "--set", "cutoff=2000", "--set", "zero_phase=yes"],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert proc.returncode == 0, proc.stderr
    assert sf.info(str(out)).format == "FLAC"
