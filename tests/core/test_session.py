"""Session files: a saved document loads back bit-identical (audio, selection, takes,
extensions), shared blocks are stored once, and damage or failure never loses the last save."""
from __future__ import annotations

import errno
import json
import os
import zipfile

import numpy as np
import pytest

from studio.core import commands
from studio.core.blocks import block_size
from studio.core.document import AudioState, Document
from studio.core.selection import Selection
from studio.core.session import build_manifest, load_session, save_session
from studio.core.takes import Take
from studio.errors import AudioFileError, Cancelled


def _bits(state: AudioState) -> np.ndarray:
    return state.read().view(np.uint32)


def _awkward_audio(channels=3, frames=50_000):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((channels, frames)).astype(np.float32)
    x[0, :10] = -0.0                                   # signed zeros
    x[1, 10:20] = np.float32(1e-42)                    # denormals
    x[2, 5] = np.float32(3.4e38)
    return x


def test_round_trip_is_bit_identical_with_everything(tmp_path):
    with block_size(4096):
        doc = Document.from_array(_awkward_audio(), 44100, source_info={"format": "WAV", "subtype": "PCM_24"})
    doc.path = "/music/take1.wav"
    doc.set_selection(Selection(100, 2000, 50.0, 8000.0, frozenset({0, 2})))
    report = {"clicks": np.array([3, 9, 27]), "score": np.float32(0.5), "nested": [{"x": float("inf")}]}
    take = Take(Take.new_id(), "Declip 1", 100, 2000, (0, 2), np.ones((2, 1500), np.float32) * 0.25,
                44100, "restore.declip", {"threshold": 0.9, "mode": "auto"}, 1234.5, report)
    doc.takes.add(take)
    doc.extensions = {"array": {"mics": [[0, 0, 0], [0.05, 0, 0]]}}
    path = tmp_path / "s.adsession"
    save_session(doc, path)
    assert not doc.is_modified
    back = load_session(path)
    assert np.array_equal(_bits(back.state), _bits(doc.state))
    assert back.state.sample_rate == 44100 and back.state.channel_names == doc.state.channel_names
    assert back.selection == doc.selection
    (t,) = list(back.takes)
    assert (t.id, t.name, t.start, t.end, t.channels, t.op_id, t.params, t.created) == \
        (take.id, take.name, take.start, take.end, take.channels, take.op_id, take.params, take.created)
    assert np.array_equal(t.audio, take.audio)
    assert np.array_equal(t.report["clicks"], [3, 9, 27]) and t.report["nested"][0]["x"] == float("inf")
    assert back.extensions == doc.extensions
    assert back.path == "/music/take1.wav" and back.source_info["subtype"] == "PCM_24"
    assert not back.is_modified


def test_shared_blocks_are_stored_once_and_shared_again(tmp_path):
    x = np.random.default_rng(1).standard_normal((1, 40_000)).astype(np.float32)
    with block_size(4096):
        doc = Document.from_array(x, 8000)
        clip = commands.copy(doc, Selection(0, 40_000))
        for _ in range(4):  # the same blocks five times over
            doc.execute(commands.paste(doc, clip, Selection.cursor(doc.state.n_frames)))
    assert doc.state.n_frames == 200_000
    manifest, audio, _ = build_manifest(doc)
    stored = audio["audio/blocks.wav"].frames
    assert stored < 60_000  # ~40k distinct frames (plus a few re-blocked at seams), not 200k
    save_session(doc, tmp_path / "p.adsession")
    assert os.path.getsize(tmp_path / "p.adsession") < 4 * 60_000 + 20_000
    back = load_session(tmp_path / "p.adsession")
    assert np.array_equal(_bits(back.state), _bits(doc.state))
    ids = [id(b) for b in back.state.channels[0].blocks]
    assert len(set(ids)) < len(ids)  # still shared in memory


def test_long_silence_costs_nothing(tmp_path):
    doc = Document.from_array(np.ones((2, 1000), np.float32), 48000)
    doc.execute(commands.insert_silence(doc, 48000 * 600, at=500))  # ten minutes
    save_session(doc, tmp_path / "q.adsession")
    raw = 4 * 2 * doc.state.n_frames  # 230 MB as plain float32
    assert os.path.getsize(tmp_path / "q.adsession") < raw / 20  # only the blocks at the seams
    back = load_session(tmp_path / "q.adsession")
    assert back.state.n_frames == doc.state.n_frames
    assert np.array_equal(back.state.read(0, 2000), doc.state.read(0, 2000))


def _saved(tmp_path, value=0.5):
    doc = Document.from_array(np.full((1, 5000), value, np.float32), 8000)
    path = tmp_path / "keep.adsession"
    save_session(doc, path)
    return path, path.read_bytes()


def _big_doc():
    return Document.from_array(np.random.default_rng(2).standard_normal((2, 600_000)).astype(np.float32), 48000)


def test_disk_full_during_save_keeps_previous(tmp_path, monkeypatch):
    path, before = _saved(tmp_path)

    def full(*a):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(AudioFileError, match="no space left"):
        save_session(_big_doc(), path)
    monkeypatch.undo()
    assert path.read_bytes() == before and os.listdir(tmp_path) == [path.name]
    assert load_session(path).state.read()[0, 0] == 0.5


def test_cancelled_save_keeps_previous(tmp_path):
    path, before = _saved(tmp_path)
    calls = []
    with pytest.raises(Cancelled):
        save_session(_big_doc(), path, cancelled=lambda: calls.append(1) or len(calls) > 3)
    assert path.read_bytes() == before and os.listdir(tmp_path) == [path.name]


def test_damage_is_reported_not_loaded(tmp_path):
    path, data = _saved(tmp_path)
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x40  # inside the audio
    (tmp_path / "flip.adsession").write_bytes(bytes(flipped))
    with pytest.raises(AudioFileError, match="damaged"):
        load_session(tmp_path / "flip.adsession")
    (tmp_path / "cut.adsession").write_bytes(data[: len(data) // 2])
    with pytest.raises(AudioFileError, match="not a session file, or a damaged one"):
        load_session(tmp_path / "cut.adsession")
    (tmp_path / "text.adsession").write_text("hello")
    with pytest.raises(AudioFileError):
        load_session(tmp_path / "text.adsession")


def test_newer_format_is_refused(tmp_path):
    path, _ = _saved(tmp_path)
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    m = json.loads(members["manifest.json"])
    m["version"] = 99
    with zipfile.ZipFile(tmp_path / "new.adsession", "w") as z:
        for n, b in members.items():
            z.writestr(n, json.dumps(m) if n == "manifest.json" else b)
    with pytest.raises(AudioFileError, match="newer version"):
        load_session(tmp_path / "new.adsession")


def test_background_save_marks_saved_only_if_nothing_changed(tmp_path):
    from studio.core.session import Snapshot, mark_saved_if_current
    doc = Document.from_array(np.ones((1, 100), np.float32), 8000)
    doc.execute(commands.gain(doc, -1.0))
    snap = Snapshot.of(doc)
    doc.execute(commands.reverse(doc))            # an edit while the save runs
    save_session(snap, tmp_path / "b.adsession")
    assert not mark_saved_if_current(doc, snap) and doc.is_modified
    snap = Snapshot.of(doc)
    save_session(snap, tmp_path / "b.adsession")
    assert mark_saved_if_current(doc, snap) and not doc.is_modified
