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
    # over MAX_GAP_SECONDS ours is refused and shown as '-'; the peers still fill
    assert rows and rows[0].split("|")[4].strip() == "-"
    for suite in ("Bandwidth:", "Spectral repair:"):
        assert suite in out or f"({suite.rstrip(':').split()[0].lower()}: " in out
    assert any(p.name.startswith("inpaint_10ms") for p in tmp_path.iterdir())
