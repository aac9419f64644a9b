"""Material for the denoise listening check (a script, not a test): speech and piano in white
and pink noise, denoised by restore.denoise and by noisereduce, written as WAV files to
listen to and as one PNG of their spectrograms to look at (musical noise shows as isolated
blips in the noise-only lead-in), with the kurtosis ratio of each lead-in beside them.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/bench/denoise_listen.py [--out DIR]
        [--snr 5]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
import soundfile as sf  # noqa: E402
import torch  # noqa: E402
from PySide6.QtGui import QColor, QImage, QPainter  # noqa: E402

from studio.bench import _restore_material as material  # noqa: E402
from studio.bench import _restore_peers as peers  # noqa: E402
from studio.bench.restore import _pink, run_op  # noqa: E402
from studio.dsp.metrics import kurtosis_ratio, power_spectrogram  # noqa: E402

SHOWN = 1.6  # seconds: the 1 s noise-only lead-in and the first 0.6 s of signal


def _db(x: np.ndarray, sr: int) -> np.ndarray:
    return 10 * np.log10(power_spectrogram(x[:int(SHOWN * sr)], 512, 128) + 1e-20)


def _tile(db: np.ndarray, lut: np.ndarray, hi: float, span: float = 80.0) -> QImage:
    """A spectrogram in dB (bins, frames) as an image, time to the right, frequency up,
    hi - span .. hi mapped onto the colour map."""
    lo = hi - span
    idx = np.clip((db - lo) / (hi - lo) * 255, 0, 255).astype(np.uint8)[::-1]
    rgb = np.ascontiguousarray(lut[idx][..., :3].astype(np.uint8))
    h, w = idx.shape
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="", help="folder for the WAVs and the PNG (default: a "
                    "new temporary folder)")
    ap.add_argument("--snr", type=float, default=5.0, help="SNR of the noise in dB")
    args = ap.parse_args(argv)
    out = Path(args.out or tempfile.mkdtemp(prefix="denoise-listen-"))
    out.mkdir(parents=True, exist_ok=True)
    pg.mkQApp()
    lut = pg.colormap.get("magma").getLookupTable(nPts=256)
    rng = np.random.default_rng(7)
    rows = []
    for it in material.speech(1) + material.music(1, seconds=3.0):
        x, sr = it.audio, it.sample_rate
        lead = sr
        for kind in ("white", "pink"):
            n = rng.standard_normal(len(x) + lead) if kind == "white" else \
                _pink(len(x) + lead, rng)
            n = n * np.sqrt(np.mean(x ** 2) / np.mean(n ** 2)) * 10 ** (-args.snr / 20)
            y = (np.r_[np.zeros(lead), x] + n).astype(np.float32)
            ours, _, _ = run_op("restore.denoise", y, sr,
                                extras={"noise": (torch.from_numpy(y[:lead])[None], sr)})
            nrs = peers.noisereduce_stationary(y, sr, y[:lead]).astype(np.float32)
            quiet = lead - sr // 20
            line = []
            top = float(np.percentile(_db(y, sr), 99.5))  # one scale for the row
            for name, sig in (("noisy", y), ("ours", ours), ("noisereduce", nrs)):
                sf.write(out / f"{it.name}_{kind}_{name}.wav", sig, sr)
                k = kurtosis_ratio(y[:quiet], sig[:quiet])
                line.append((f"{it.name}, {kind} {args.snr:g} dB: {name} (kurtosis {k:.2f})",
                             _tile(_db(sig, sr), lut, top)))
            rows.append(line)
            print(" | ".join(label for label, _ in line), flush=True)
    cell_w, cell_h, label_h = 360, 180, 18
    sheet = QImage(3 * cell_w, len(rows) * (cell_h + label_h), QImage.Format.Format_RGB888)
    sheet.fill(QColor("white"))
    painter = QPainter(sheet)
    for r, line in enumerate(rows):
        for c, (label, tile) in enumerate(line):
            top = r * (cell_h + label_h)
            painter.drawText(c * cell_w + 4, top + label_h - 5, label)
            painter.drawImage(c * cell_w, top + label_h, tile.scaled(cell_w - 4, cell_h))
    painter.end()
    sheet.save(str(out / "spectrograms.png"))
    print(f"wrote {out}/spectrograms.png and {3 * len(rows)} WAV files; the lead-in is the "
          f"first second, the signal starts after it")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
