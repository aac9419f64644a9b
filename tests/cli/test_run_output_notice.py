"""`studio run` never ignores -o silently: an analysis says nothing was written there (its
values are printed), and an op whose outputs are takes names each file it wrote."""
import numpy as np
import soundfile as sf

from studio.cli.main import main

RATE = 48000


def test_analysis_with_output_says_nothing_was_written(tmp_path, capsys):
    t = np.arange(RATE) / RATE
    src = tmp_path / "tone.wav"
    sf.write(src, (0.1 * np.sin(2 * np.pi * 997 * t)).astype(np.float32), RATE)
    out = tmp_path / "out.wav"
    assert main(["run", "analyze.loudness", str(src), "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert "integrated_lufs:" in captured.out  # the values still reach the user
    notice = [line for line in captured.err.splitlines() if "nothing was written" in line]
    assert len(notice) == 1 and str(out) in notice[0] and "analyze.loudness" in notice[0]
    assert not out.exists()


def test_gain_with_output_writes_it_quietly(tmp_path, capsys):
    src = tmp_path / "in.wav"
    sf.write(src, np.zeros((RATE // 10, 1), np.float32), RATE)
    out = tmp_path / "out.wav"
    assert main(["run", "edit.gain", str(src), "-o", str(out)]) == 0
    assert out.exists() and "nothing was written" not in capsys.readouterr().err
