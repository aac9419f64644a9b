"""`studio bench restore` runs its gap, bandwidth and spectral suites end to end (a smoke
run of the benchmark, not its figures). Slow: it renders material and fills gaps at
several lengths, a minute or so on two busy cores (`make test-slow`)."""
import shutil

import pytest

from studio.cli.main import main


@pytest.mark.slow
def test_bench_restore_quick_runs_the_gap_bandwidth_and_spectral_suites(capsys, tmp_path):
    if not shutil.which("text2wave") and not shutil.which("espeak-ng"):
        pytest.skip("no speech synthesiser for the material")
    rc = main(["bench", "restore", "--quick", "--only", "inpaint,bandwidth,spectral",
               "--gaps", "10,200", "--material", "speech", "--listen", str(tmp_path)])
    out = capsys.readouterr().out
    assert rc == 0
    assert "Gaps: SNR over the gap's samples" in out
    rows = [line for line in out.splitlines() if line.startswith("| 200 | speech")]
    # at 200 ms `auto` takes the restorer: "ours" and "ours, diffusion" are the same fill
    cells = [c.strip() for c in rows[0].split("|")]
    float(cells[4])
    assert cells[4] == cells[5], rows[0]
    assert "Spectral repair:" not in out or "burst left" in out
    for suite in ("Bandwidth:", "Spectral repair:"):
        assert suite in out or f"({suite.rstrip(':').split()[0].lower()}: " in out
    assert any(p.name.startswith("inpaint_10ms") for p in tmp_path.iterdir())
