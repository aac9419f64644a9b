"""Document <-> session file. The container format lives in studio.io.project; this module
decides what a session holds and maps it to a manifest plus named arrays:

- the current audio state (the history tip; undo steps are not stored, their names are),
  as a pool of distinct blocks in one float32 WAV member: a block shared by several places
  (paste, duplicated channel, undo sharing) is stored once, bit-exact, and shared again after
  loading; all-zero blocks are not stored at all (long silence stays nearly free);
- the selection, the takes (audio as float32 WAV members, parameters and reports as JSON,
  arrays inside them as .npy members), the source file's path and format;
- an `extensions` dict for other parts of the app (array layout, view state) to keep their own
  data in; kept as given, under the keys they choose.

Autosave passes a `BlockStore`: the blocks then go to raw files beside the session file,
each written once, and the manifest refers to them (an incremental save).

The manifest is versioned: a file from a newer major version is refused with a clear line.
"""
from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from studio.core import session_limits as limits
from studio.core.blocks import Block, zero_block
from studio.core.document import AudioState, Document
from studio.core.selection import Selection
from studio.core.sequence import Sequence
from studio.core.takes import Take
from studio.errors import AudioFileError, Cancelled
from studio.io.blockfiles import fsync_directory, read_block, write_block
from studio.io.project import AudioMember, looks_like_container, open_container, save_container

FORMAT_NAME = "audio-diffusion-studio-session"
FORMAT_VERSION = 1
SESSION_SUFFIX = ".adsession"
SESSION_SUFFIXES = (SESSION_SUFFIX, ".studio")  # .studio: sessions saved by early builds
POOL_MEMBER = "audio/blocks.wav"

Progress = Callable[[float, str], None]


def is_session_file(path: os.PathLike | str) -> bool:
    """A session by its name, or by its content when the name does not say (saved or
    renamed without the suffix): every reader of a user-given path asks this one question."""
    return str(path).lower().endswith(SESSION_SUFFIXES) or looks_like_container(path)


def with_session_suffix(path: os.PathLike | str) -> str:
    """`path` ending in `.adsession`: the suffix is added to a name without it, and to a name
    with another one ("mix.wav" becomes "mix.wav.adsession"), so a session never lands on an
    audio file the user meant to keep."""
    path = os.fspath(path)
    return path if path.lower().endswith(SESSION_SUFFIX) else path + SESSION_SUFFIX


def _is_zero(block: Block) -> bool:
    # bitwise, so -0.0 survives the round trip
    return block.min == 0.0 and block.max == 0.0 and not block.samples.view(np.uint32).any()


def _pool(state: AudioState) -> tuple[list[Block], dict[int, int]]:
    """Distinct blocks in first-use order, and id(block) -> pool index."""
    order: list[Block] = []
    index: dict[int, int] = {}
    for seq in state.channels:
        for b in seq.blocks:
            if id(b) not in index:
                index[id(b)] = len(order)
                order.append(b)
    return order, index


def _encode(value: Any, arrays: dict[str, np.ndarray], prefix: str) -> Any:
    """JSON-ready copy of `value`; numpy arrays go to `arrays` and leave a reference."""
    if isinstance(value, np.ndarray):
        name = f"{prefix}/{len(arrays)}.npy"
        arrays[name] = value
        return {"__ndarray__": name}
    if isinstance(value, dict):
        return {str(k): _encode(v, arrays, prefix) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v, arrays, prefix) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return {"__float__": repr(value)}
    return value


def _decode(value: Any, container) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__ndarray__"}:
            return container.read_array(value["__ndarray__"])
        if set(value) == {"__float__"}:
            return float(value["__float__"])
        return {k: _decode(v, container) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v, container) for v in value]
    return value


def _selection_dict(sel: Selection) -> dict:
    return {"start": sel.start, "end": sel.end, "f_lo": sel.f_lo, "f_hi": sel.f_hi,
            "channels": None if sel.channels is None else sorted(sel.channels)}


@dataclass(frozen=True)
class Snapshot:
    """What a session stores, captured from a Document in one go. The audio state and takes
    are immutable, so taking one is cheap and it stays valid while the document changes
    (autosave writes it from another thread)."""
    state: AudioState
    selection: Selection
    takes: tuple[Take, ...]
    history_names: tuple[str, ...]
    history_index: int
    path: str | None
    source_info: dict
    extensions: dict

    @classmethod
    def of(cls, doc: Document) -> "Snapshot":
        return cls(doc.state, doc.selection, tuple(doc.takes), tuple(doc.history.names()),
                   doc.history.index, None if doc.path is None else os.fspath(doc.path),
                   dict(doc.source_info or {}), dict(getattr(doc, "extensions", None) or {}))


class BlockStore:
    """Blocks kept as one raw file each in a folder beside a session file (autosave): a
    block is written the first time a save sees it and only referred to afterwards, so an
    autosave after a small edit of an hour-long file writes a few blocks, not the hour.
    Keys stay valid while the store holds the block (it keeps a reference)."""

    def __init__(self, folder: os.PathLike | str, name: str = "blocks"):
        self.name = name
        self.folder = Path(folder) / name
        self._known: dict[int, tuple[str, int, Block]] = {}  # id(block) -> (key, crc, block)
        self._count = 0
        self.written = 0  # blocks written so far (tests and figures)

    def refs(self, blocks: list[Block]) -> list[tuple[str, int]]:
        """(key, crc) for each block, writing those not stored yet."""
        self.folder.mkdir(parents=True, exist_ok=True)
        out, new = [], False
        for b in blocks:
            entry = self._known.get(id(b))
            if entry is None:
                key = f"{os.getpid()}-{self._count}"
                self._count += 1
                entry = self._known[id(b)] = (key, write_block(self.folder / f"{key}.f32", b.samples), b)
                self.written += 1
                new = True
            out.append(entry[:2])
        if new:
            fsync_directory(self.folder)
        return out

    def prune(self, keep: list[Block]) -> None:
        """Forget and delete the blocks not in `keep` (call after the session file that no
        longer refers to them has been committed)."""
        live = {id(b) for b in keep}
        for bid in [k for k in self._known if k not in live]:
            key = self._known.pop(bid)[0]
            with contextlib.suppress(OSError):
                (self.folder / f"{key}.f32").unlink()


def build_manifest(doc: Document | Snapshot, extensions: dict | None = None, *,
                   block_store: BlockStore | None = None
                   ) -> tuple[dict, dict[str, AudioMember], dict[str, np.ndarray]]:
    """The manifest, audio members and arrays that represent `doc` (no I/O unless a
    `block_store` is given: then the blocks go to its files instead of the container)."""
    snap = doc if isinstance(doc, Snapshot) else Snapshot.of(doc)
    state = snap.state
    pool, index = _pool(state)
    stored = [b for b in pool if not _is_zero(b)]
    arrays: dict[str, np.ndarray] = {}
    audio: dict[str, AudioMember] = {}
    pool_entry = {"lengths": [len(b) for b in pool],
                  "zero": [i for i, b in enumerate(pool) if _is_zero(b)]}
    if block_store is None:
        audio[POOL_MEMBER] = AudioMember(1, sum(len(b) for b in stored), state.sample_rate,
                                         lambda: (b.samples for b in stored))
        pool_entry["member"] = POOL_MEMBER
    else:
        zero = set(pool_entry["zero"])
        refs = iter(block_store.refs(stored))
        pool_entry["external"] = block_store.name
        pool_entry["files"] = [None if i in zero else list(next(refs)) for i in range(len(pool))]
    takes = []
    for k, t in enumerate(snap.takes):
        member = f"takes/{k}.wav"
        audio[member] = AudioMember.from_array(t.audio, t.sample_rate)
        takes.append({"id": t.id, "name": t.name, "start": t.start, "end": t.end,
                      "channels": list(t.channels), "audio": member, "sample_rate": t.sample_rate,
                      "op_id": t.op_id, "params": _encode(t.params, arrays, f"takes/{k}/params"),
                      "created": t.created, "status": t.status,
                      "report": _encode(t.report, arrays, f"takes/{k}/report")})
    ext = dict(snap.extensions)
    ext.update(extensions or {})
    manifest = {
        "format": FORMAT_NAME, "version": FORMAT_VERSION,
        "app_version": __import__("studio").__version__, "saved_at": time.time(),
        "audio": {
            "sample_rate": state.sample_rate,
            "frames": state.n_frames,
            "channel_names": list(state.channel_names),
            "channels": [[index[id(b)] for b in seq.blocks] for seq in state.channels],
            "pool": pool_entry,
        },
        "selection": _selection_dict(snap.selection),
        "takes": takes,
        "history": {"names": list(snap.history_names), "index": snap.history_index},
        "source": {"path": snap.path, "info": _encode(snap.source_info, arrays, "source")},
        "extensions": _encode(ext, arrays, "extensions"),
    }
    return manifest, audio, arrays


def save_session(doc: Document | Snapshot, path: os.PathLike | str, *,
                 extensions: dict | None = None, progress: Progress | None = None,
                 cancelled=None, mark_saved: bool = True,
                 block_store: BlockStore | None = None) -> None:
    """Write `doc` (or a Snapshot) to `path` atomically (the previous file stays intact if
    this fails). A Document is marked saved unless `mark_saved=False` or it changed meanwhile.
    With a `block_store` (autosave) the audio blocks live in files beside `path`, written
    once each; blocks no longer used are deleted after the new file is committed."""
    snap = doc if isinstance(doc, Snapshot) else Snapshot.of(doc)
    manifest, audio, arrays = build_manifest(snap, extensions, block_store=block_store)
    save_container(path, manifest, audio, arrays, progress, cancelled)
    if block_store is not None:
        block_store.prune([b for seq in snap.state.channels for b in seq.blocks])
    if mark_saved and isinstance(doc, Document) and doc.state is snap.state:
        doc.mark_saved()


def mark_saved_if_current(doc: Document, snap: Snapshot) -> bool:
    """After saving a Snapshot in the background: mark `doc` saved only if it still holds the
    state that was written (an edit made during the save keeps the document modified)."""
    if doc.state is snap.state:
        doc.mark_saved()
        return True
    return False


def load_session(path: os.PathLike | str, progress: Progress | None = None,
                 cancelled=None) -> Document:
    """A Document whose state reads bit-identically to the one saved, with its selection,
    takes, source info and `extensions` (an attribute on the returned document)."""
    with open_container(path) as c:
        m = c.manifest
        if m.get("format") != FORMAT_NAME:
            raise AudioFileError(f"cannot open {path}: not an Audio Diffusion Studio session")
        version = m.get("version", 0)
        if not isinstance(version, int) or isinstance(version, bool):
            raise AudioFileError(f"cannot open {path}: its format version {str(version)[:40]!r} is not a number")
        if version > FORMAT_VERSION:
            raise AudioFileError(f"cannot open {path}: made by a newer version of the app "
                                 f"(session format {m.get('version')}, this one reads "
                                 f"{FORMAT_VERSION}); please update")
        try:
            doc = _document_from(c, m, progress, cancelled)
        except limits.SessionRefused as e:
            raise AudioFileError(f"cannot open {path}: refused: {e}") from e
        except RecursionError:
            raise AudioFileError(f"cannot open {path}: its manifest is nested too deeply") from None
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as e:
            raise AudioFileError(f"cannot open {path}: its manifest is inconsistent "
                                 f"({type(e).__name__}: {e})") from e
    return doc


def _block_files(c, p: dict) -> tuple[Path, list]:
    """The autosave block folder beside the session file and its (path, crc) per pool entry;
    only plain names inside that folder are accepted (session_limits.inside)."""
    folder = limits.inside(Path(c.path).parent, p["external"], "the block folder")
    files = p["files"]
    if not isinstance(files, list) or len(files) != len(p["lengths"]):
        raise ValueError("the block file list does not match the pool")
    out = []
    for entry in files:
        if entry is None:
            out.append(None)
            continue
        key, crc = entry
        out.append((limits.inside(folder, f"{key}.f32", "a block file"), int(crc)))
    named = [e[0] for e in out if e is not None]
    if len(set(named)) != len(named):  # each stored block is its own file: a file named
        raise limits.SessionRefused("a block file is named twice")  # twice inflates claims
    return folder, out


def _stored_samples(c, p: dict, files: list | None) -> int:
    """Float32 samples the container (or the autosave's block folder) really holds."""
    if files is None:
        ch, frames, _ = c.audio_shape(p["member"])
        return ch * frames
    total = 0
    for entry in files:
        if entry is not None:
            with contextlib.suppress(OSError):
                total += entry[0].stat().st_size // 4
    return total


def _document_from(c, m: dict, progress, cancelled) -> Document:
    a = m["audio"]
    p = a["pool"]
    external = p.get("external")
    files = _block_files(c, p)[1] if external else None
    limits.check_audio_claims(a, _stored_samples(c, p, files))
    lengths, zero = p["lengths"], set(p["zero"])
    reader = None if external else c.audio_reader(p["member"])
    pool: list[Block] = []
    for i, n in enumerate(lengths):
        if i in zero:
            pool.append(zero_block(n))
            continue
        if cancelled is not None and (cancelled.is_set() if hasattr(cancelled, "is_set") else cancelled()):
            raise Cancelled()
        if external:
            if files[i] is None:
                raise ValueError(f"pool block {i} has no file")
            samples = read_block(files[i][0], n, files[i][1])
        else:
            samples = reader.read(n)[0]
        pool.append(Block.from_array(samples, adopt=True))
        if progress is not None:
            progress((i + 1) / len(lengths), "Loading session")
    if reader is not None and reader.remaining:
        raise ValueError(f"{reader.remaining} pool frames not used")
    channels = tuple(Sequence(pool[i] for i in refs) for refs in a["channels"])
    if any(len(s) != a["frames"] for s in channels):
        raise ValueError("channel lengths differ from the manifest")
    state = AudioState(int(a["sample_rate"]), channels, tuple(a["channel_names"]))
    src = m.get("source") or {}
    doc = Document(state, path=src.get("path"), source_info=_decode(src.get("info") or {}, c))
    s = m.get("selection") or {}
    doc.set_selection(Selection(int(s.get("start", 0)), int(s.get("end", 0)), s.get("f_lo"),
                                s.get("f_hi"),
                                None if s.get("channels") is None else frozenset(s["channels"])))
    for t in m.get("takes", []):
        doc.takes.add(Take(id=t["id"], name=t["name"], start=int(t["start"]), end=int(t["end"]),
                           channels=tuple(t["channels"]), audio=c.read_audio(t["audio"]),
                           sample_rate=int(t["sample_rate"]), op_id=t.get("op_id", ""),
                           params=_decode(t.get("params") or {}, c),
                           created=float(t.get("created", 0.0)),
                           report=_decode(t.get("report"), c),
                           status=str(t.get("status") or "")))  # stale stays stale
    doc.extensions = _decode(m.get("extensions") or {}, c)
    doc.saved_history = dict(m.get("history") or {})
    doc.session_path = os.fspath(c.path)
    doc.mark_saved()
    return doc
