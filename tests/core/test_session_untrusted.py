"""Crafted session files: a session claims no more than it holds (a 1 KB file naming one zero
block 200 000 times is refused before anything is allocated or written), a manifest that
inflates past its bound is not inflated, and a session reads only inside its own folder."""
from __future__ import annotations

import io
import json
import os
import resource
import zipfile

import numpy as np
import pytest

from studio.cli.main import main
from studio.core.document import Document
from studio.core.session import BlockStore, load_session, save_session
from studio.errors import AudioFileError
from studio.io.project import MANIFEST_NAME, MAX_MANIFEST_BYTES


def _rewrite(path, mutate=None, manifest_bytes=None, extra=None):
    """Rewrite a session's manifest (mutate(dict) or raw bytes), keeping its other members."""
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist() if n != MANIFEST_NAME}
        manifest = json.loads(z.read(MANIFEST_NAME))
    if mutate is not None:
        mutate(manifest)
    raw = manifest_bytes if manifest_bytes is not None else json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr(MANIFEST_NAME, raw, compress_type=zipfile.ZIP_DEFLATED)
        for name, data in {**members, **(extra or {})}.items():
            z.writestr(name, data)


def _silent_session(tmp_path):
    doc = Document.from_array(np.zeros((1, 1 << 18), np.float32), 48000)
    path = tmp_path / "bomb.adsession"
    save_session(doc, path)
    return path


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_a_zero_block_named_200000_times_is_refused_before_writing(tmp_path, capsys):
    path = _silent_session(tmp_path)

    def bomb(m):
        m["audio"]["channels"] = [[0] * 200_000]
        m["audio"]["frames"] = 200_000 * (1 << 18)
    _rewrite(path, bomb)
    assert os.path.getsize(path) < 4096  # the whole bomb is a few KB
    before = _rss_mib()
    with pytest.raises(AudioFileError, match="claims 52428800000 samples"):
        load_session(path)
    out = tmp_path / "out.wav"
    rc = main(["convert", str(path), str(out)])
    err = capsys.readouterr().err
    assert rc == 1 and err.count("\n") == 1 and err.startswith("studio: cannot open")
    assert not out.exists() and not list(tmp_path.glob(".out.wav*"))
    assert _rss_mib() - before < 200


def test_ten_minutes_of_silence_still_loads(tmp_path):
    path = _silent_session(tmp_path)
    n = 48000 * 600 // (1 << 18)

    def long_silence(m):
        m["audio"]["channels"] = [[0] * n]
        m["audio"]["frames"] = n * (1 << 18)
    _rewrite(path, long_silence)
    assert load_session(path).state.n_frames == n * (1 << 18)


def test_a_manifest_inflating_past_its_bound_is_not_inflated(tmp_path):
    path = _silent_session(tmp_path)
    with zipfile.ZipFile(path) as z:
        manifest = z.read(MANIFEST_NAME)
    padded = manifest[:-1] + b" " * (MAX_MANIFEST_BYTES + 10) + b"}"
    _rewrite(path, manifest_bytes=padded)
    assert os.path.getsize(path) < 200_000  # deflate squeezes the padding away
    before = _rss_mib()
    with pytest.raises(AudioFileError, match="manifest inflates to"):
        load_session(path)
    assert _rss_mib() - before < 10


def test_deep_nesting_is_one_line(tmp_path):
    path = _silent_session(tmp_path)
    with zipfile.ZipFile(path) as z:
        manifest = z.read(MANIFEST_NAME)
    deep = manifest[:-1] + b', "extensions": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    _rewrite(path, manifest_bytes=deep)
    with pytest.raises(AudioFileError, match="nested too deeply"):
        load_session(path)


def _autosave(tmp_path):
    """A session whose blocks live in a folder beside it (autosave's layout)."""
    doc = Document.from_array(np.full((1, 3000), 0.25, np.float32), 8000)
    store = BlockStore(tmp_path)
    path = tmp_path / "auto.adsession"
    save_session(doc, path, block_store=store)
    return path


def _secret_blocks(folder, frames=3000):
    """.f32 files outside the session's folder, as a manifest might point at them."""
    folder.mkdir(parents=True)
    data = np.full(frames, 0.9, "<f4").tobytes()
    (folder / "k.f32").write_bytes(data)
    import zlib
    return zlib.crc32(data)


@pytest.mark.parametrize("external", ["../secret", "ABSOLUTE", "blocks/../../secret"])
def test_block_folder_outside_the_session_is_refused(tmp_path, external):
    session_dir = tmp_path / "s"
    session_dir.mkdir()
    path = _autosave(session_dir)
    crc = _secret_blocks(tmp_path / "secret")
    target = str(tmp_path / "secret") if external == "ABSOLUTE" else external

    def point_out(m):
        m["audio"]["pool"]["external"] = target
        m["audio"]["pool"]["files"] = [["k", crc]]
    _rewrite(path, point_out)
    with pytest.raises(AudioFileError, match="not a plain name inside the session's folder"):
        load_session(path)


def test_block_key_with_a_path_is_refused(tmp_path):
    session_dir = tmp_path / "s"
    session_dir.mkdir()
    path = _autosave(session_dir)
    crc = _secret_blocks(tmp_path / "secret")
    _rewrite(path, lambda m: m["audio"]["pool"].update(files=[["../../secret/k", crc]]))
    with pytest.raises(AudioFileError, match="not a plain name"):
        load_session(path)


def test_block_folder_that_is_a_link_out_is_refused(tmp_path):
    session_dir = tmp_path / "s"
    session_dir.mkdir()
    path = _autosave(session_dir)
    crc = _secret_blocks(tmp_path / "secret")
    os.symlink(tmp_path / "secret", session_dir / "elsewhere")
    _rewrite(path, lambda m: m["audio"]["pool"].update(external="elsewhere", files=[["k", crc]]))
    with pytest.raises(AudioFileError, match="leads outside the session's folder"):
        load_session(path)


def test_a_genuine_autosave_still_loads(tmp_path):
    path = _autosave(tmp_path)
    assert np.array_equal(load_session(path).state.read(), np.full((1, 3000), 0.25, np.float32))


def test_npy_member_claiming_more_than_it_holds_is_not_allocated(tmp_path):
    doc = Document.from_array(np.ones((1, 100), np.float32), 8000)
    doc.extensions = {"x": np.arange(4.0)}
    path = tmp_path / "arr.adsession"
    save_session(doc, path)
    buf = io.BytesIO()  # a valid .npy header claiming 4 G doubles, then 32 bytes
    np.lib.format.write_array_header_1_0(
        buf, {"descr": "<f8", "fortran_order": False, "shape": (4_000_000_000,)})
    forged = buf.getvalue() + bytes(32)
    with zipfile.ZipFile(path) as z:
        name = next(n for n in z.namelist() if n.endswith(".npy"))
    _rewrite(path, extra={name: forged})
    before = _rss_mib()
    with pytest.raises(AudioFileError, match="more than it holds|damaged"):
        load_session(path)
    assert _rss_mib() - before < 100


def test_one_block_file_named_for_many_blocks_is_refused(tmp_path):
    """Naming one stored file 200 000 times would make the session 'store' 200 000 blocks."""
    path = _autosave(tmp_path)

    def many(m):
        pool = m["audio"]["pool"]
        pool["lengths"] = pool["lengths"] * 1000
        pool["files"] = pool["files"] * 1000
        m["audio"]["channels"] = [list(range(1000))]
        m["audio"]["frames"] = 1000 * pool["lengths"][0]
    _rewrite(path, many)
    with pytest.raises(AudioFileError, match="a block file is named twice"):
        load_session(path)


def test_one_member_named_by_many_takes_is_loaded_once_then_refused(tmp_path):
    from studio.core.takes import Take
    doc = Document.from_array(np.ones((1, 1000), np.float32), 8000)
    doc.takes.add(Take(Take.new_id(), "t", 0, 1000, (0,), np.ones((1, 1000), np.float32), 8000,
                       "edit.gain", {}, 0.0, None))
    path = tmp_path / "t.adsession"
    save_session(doc, path)
    _rewrite(path, lambda m: m.update(takes=m["takes"] * 1000))
    with pytest.raises(AudioFileError, match="named twice by the manifest"):
        load_session(path)
