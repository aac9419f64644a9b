"""Untrusted audio files x the four everyday commands, run as a user runs them (subprocesses):
every WAV in scipy's test data (many malformed on purpose) plus files crafted here (truncated,
damaged, NaN/Inf, impossible headers, random bytes, Ogg/MP3 named .wav, 36..64-bit PCM,
digital silence). Prints one table of outcomes with the peak RSS of each command.

Outcomes, per run:
  correct           rc 0, and the output holds the input as the shared reader decodes it
                    (convert and edit.gain at 0 dB: within half an LSB of the output format,
                    bit-exact when the depth is kept; denoise: same length, finite); any damage
                    the reader met is said on stderr as a warning
  clean refusal     rc != 0 and stderr is `studio:` lines only, no "internal error"
  internal error    "internal error", a traceback, or stderr lines that are not ours
  silently altered  rc 0 but samples or length differ from the input with no warning,
                    or the reader met damage and the command said nothing

A second table runs crafted sessions through `studio convert` (bombs, a manifest inflating
past its bound, block folders outside the session: "read outside" if the output holds the
samples planted there), crafted diffusion models through `studio run generate.sample` and
crafted timbre presets through `studio run convert.timbre` (a genuine one must give finite,
non-silent audio).

    .venv/bin/python tests/bench/untrusted.py [--only NAME_SUBSTRING] [--jobs N] [--loaders-only]
"""
from __future__ import annotations

import argparse
import glob
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np
import soundfile as sf

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STUDIO = os.path.join(os.path.dirname(sys.executable), "studio")
COMMANDS = ("info", "convert", "edit.gain", "restore.denoise")


def _riff(fmt: bytes, data: bytes, data_size: int | None = None) -> bytes:
    size = len(data) if data_size is None else data_size
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", size) + data
    return b"RIFF" + struct.pack("<I", 4 + len(body) - 4 + 4) + body


def _pcm_fmt(channels=1, rate=8000, bits=16, tag=1) -> bytes:
    block = min(0xFFFF, channels * max(1, bits // 8))
    return struct.pack("<HHIIHH", tag, channels, rate, (rate * block) & 0xFFFFFFFF, block, bits)


def crafted(folder: str) -> list[str]:
    """Write the crafted family into `folder`; returns their paths."""
    rng = np.random.default_rng(21)
    noise = (rng.standard_normal((16000, 2)) * 0.1).astype(np.float32)
    out = []

    def add(name: str, data: bytes | None = None) -> str:
        p = os.path.join(folder, name)
        if data is not None:
            with open(p, "wb") as f:
                f.write(data)
        out.append(p)
        return p

    sf.write(add("clean-pcm16.wav"), noise, 16000, subtype="PCM_16")
    sf.write(add("clean-pcm24.flac"), noise, 16000, subtype="PCM_24")
    sf.write(add("silence-pcm16.wav"), np.zeros((16000, 1), np.float32), 16000, subtype="PCM_16")
    sf.write(add("clean-u8.wav"), noise, 16000, subtype="PCM_U8")
    bad = noise.copy()
    bad[100:110, 0], bad[200, 1], bad[300, 0] = np.nan, np.inf, -np.inf
    sf.write(add("nan-inf-float.wav"), bad, 16000, subtype="FLOAT")
    loud = noise * 40  # float samples beyond full scale
    sf.write(add("over-full-scale-float.wav"), loud, 16000, subtype="FLOAT")
    whole = os.path.join(folder, "_whole.wav")
    sf.write(whole, noise, 16000, subtype="PCM_16")
    raw = open(whole, "rb").read()
    add("truncated.wav", raw[: len(raw) * 6 // 10])
    whole_flac = os.path.join(folder, "_whole.flac")
    sf.write(whole_flac, np.tile(noise, (4, 1)), 16000, subtype="PCM_16")
    fl = bytearray(open(whole_flac, "rb").read())
    add("truncated.flac", bytes(fl[: len(fl) * 6 // 10]))
    mid = len(fl) // 2
    fl[mid:mid + 400] = rng.integers(0, 256, 400, dtype=np.uint8).tobytes()
    add("damaged-middle.flac", bytes(fl))
    pcm = (noise[:, 0] * 32767).astype("<i2").tobytes()
    add("zero-bits.wav", _riff(_pcm_fmt(bits=0), pcm))
    add("zero-rate.wav", _riff(_pcm_fmt(rate=0), pcm))
    add("zero-channels.wav", _riff(_pcm_fmt(channels=0), pcm))
    add("60000-channels.wav", _riff(_pcm_fmt(channels=60000), pcm))
    add("data-size-claims-4GiB.wav", _riff(_pcm_fmt(), pcm, data_size=0xFFFFFFF0))
    add("header-only.wav", _riff(_pcm_fmt(), b""))
    add("fmt-chunk-huge.wav", b"RIFF" + struct.pack("<I", 100) + b"WAVEfmt " + struct.pack("<I", 0x7FFFFFFF) + b"\0" * 16)
    add("empty.wav", b"")
    add("text-named.wav", b"this is not audio\n" * 50)
    add("random.wav", rng.integers(0, 256, 20000, dtype=np.uint8).tobytes())
    add("random.flac", rng.integers(0, 256, 20000, dtype=np.uint8).tobytes())
    add("random.mp3", rng.integers(0, 256, 20000, dtype=np.uint8).tobytes())
    ogg = os.path.join(folder, "_x.ogg")
    sf.write(ogg, noise, 16000, format="OGG", subtype="VORBIS")
    shutil.copyfile(ogg, add("ogg-named.wav"))
    try:
        mp3 = os.path.join(folder, "_x.mp3")
        sf.write(mp3, noise, 16000, format="MP3", subtype="MPEG_LAYER_III")
        shutil.copyfile(mp3, add("mp3-named.wav"))
    except (sf.LibsndfileError, RuntimeError, ValueError, TypeError):
        pass
    os.mkdir(add("folder-named.wav"))
    return out


def _session(folder: str, name: str, mutate, extra=None) -> str:
    """A genuine autosave-style session (blocks in a folder beside it), then `mutate(manifest)`."""
    import json
    import zipfile
    sys.path.insert(0, ROOT)
    from studio.core.document import Document
    from studio.core.session import BlockStore, save_session
    sub = os.path.join(folder, name)
    os.makedirs(sub)
    path = os.path.join(sub, "s.adsession")
    doc = Document.from_array(np.full((1, 1 << 18), 0.25, np.float32), 48000)
    save_session(doc, path, block_store=BlockStore(sub))
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    manifest = json.loads(members.pop("manifest.json"))
    raw = mutate(manifest, sub)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("manifest.json", raw if isinstance(raw, bytes) else json.dumps(manifest),
                   compress_type=zipfile.ZIP_DEFLATED)
        for n, d in {**members, **(extra or {})}.items():
            z.writestr(n, d)
    return path


SECRET = 0.875  # the value of the samples a session must never read from outside its folder


def crafted_sessions(folder: str) -> list[tuple[str, str]]:
    """(name, path) of sessions: genuine, bombs, and ones pointing outside their folder."""
    import zlib
    secret = os.path.join(folder, "secret")
    os.makedirs(secret)
    data = np.full(1 << 18, SECRET, "<f4").tobytes()
    with open(os.path.join(secret, "k.f32"), "wb") as f:
        f.write(data)
    crc = zlib.crc32(data)

    def outside(where):
        def mutate(m, sub):
            target = secret if where == "absolute" else where
            if where == "link":
                os.symlink(secret, os.path.join(sub, "link"))
                target = "link"
            m["audio"]["pool"].update(external=target, files=[["k", crc]])
        return mutate

    def bomb(m, sub):
        m["audio"]["pool"].update(zero=[0], files=[None])
        m["audio"]["channels"] = [[0] * 200_000]
        m["audio"]["frames"] = 200_000 * (1 << 18)

    def inflate(m, sub):
        return json_bytes(m)[:-1] + b" " * (64 << 20) + b"}"

    def bad_key(m, sub):  # the key, not the folder, carries the path
        m["audio"]["pool"].update(files=[["../../secret/k", crc]])

    def deep(m, sub):
        return json_bytes(m)[:-1] + b', "extensions": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    cases = [("genuine", lambda m, sub: None), ("200000 refs to a zero block", bomb),
             ("manifest inflating to 64 MiB", inflate), ("deep nesting", deep),
             ("blocks in ../secret", outside("../secret")),
             ("blocks at an absolute path", outside("absolute")),
             ("blocks behind a link out", outside("link")), ("block key ../../secret/k", bad_key)]
    return [(name, _session(folder, f"s{i}", mutate)) for i, (name, mutate) in enumerate(cases)]


def json_bytes(m) -> bytes:
    import json
    return json.dumps(m).encode()


def crafted_models(folder: str) -> list[tuple[str, str, str]]:
    """(family, name, path) of diffusion models and timbre presets: genuine and crafted."""
    import json
    import torch
    sys.path.insert(0, ROOT)
    from studio import paths
    from studio.models.diffusion import checkpoint as ckpt
    from studio.models.diffusion.config import config_for
    from studio.models.diffusion.edm import Denoiser
    cfg = config_for("tiny", 8000, 0.25, ("a", "b"))
    torch.manual_seed(0)
    st, js = ckpt.save_model(os.path.join(folder, "genuine", "m"), Denoiser(cfg).state_dict(), cfg)
    out = [("model", "genuine tiny", str(js))]
    net_cases = {"channels [2048]x4": {"channels": [2048] * 4}, "patch 0": {"patch": 0},
                 "heads 0": {"heads": 0}, "channels [32,32,48,64] (mismatch)": {"channels": [32, 32, 48, 64]}}
    for i, (name, change) in enumerate(net_cases.items()):
        d = json.loads(open(js).read())
        d["network"].update(change)
        sub = os.path.join(folder, f"m{i}")
        os.makedirs(sub)
        shutil.copyfile(st, os.path.join(sub, "m.safetensors"))
        with open(os.path.join(sub, "m.json"), "w") as f:
            json.dump(d, f)
        out.append(("model", name, os.path.join(sub, "m.json")))
    sub = os.path.join(folder, "mtrunc")
    os.makedirs(sub)
    shutil.copyfile(js, os.path.join(sub, "m.json"))
    with open(st, "rb") as f, open(os.path.join(sub, "m.safetensors"), "wb") as g:
        g.write(f.read()[:5000])
    out.append(("model", "truncated weights", os.path.join(sub, "m.json")))
    cello = paths.resource("presets", "timbre")
    preset_cases = {"genuine cello": {}, "hidden 20000": {"hidden": 20000},
                    "pitch_scale 0": {"pitch_scale": 0}, "loudness_scale NaN": "NaN",
                    "noise_band_edges too short": {"noise_band_edges": [0, 100]}}
    for i, (name, change) in enumerate(preset_cases.items()):
        sub = os.path.join(folder, f"p{i}")
        os.makedirs(sub)
        shutil.copyfile(cello / "cello.safetensors", os.path.join(sub, "p.safetensors"))
        text = (cello / "cello.json").read_text()
        if change == "NaN":
            d = json.loads(text)
            text = json.dumps(d).replace(f'"loudness_scale": {d["loudness_scale"]}', '"loudness_scale": NaN')
        else:
            text = json.dumps({**json.loads(text), **change})
        with open(os.path.join(sub, "p.json"), "w") as f:
            f.write(text)
        out.append(("preset", name, os.path.join(sub, "p.json")))
    sub = os.path.join(folder, "pjunk")
    os.makedirs(sub)
    shutil.copyfile(cello / "cello.json", os.path.join(sub, "p.json"))
    with open(os.path.join(sub, "p.safetensors"), "wb") as f:
        f.write(b"junk" * 100)
    out.append(("preset", "junk weights", os.path.join(sub, "p.json")))
    return out


def loaders_table(work: str, jobs: int) -> list[tuple[str, str, str, float, str]]:
    """(family, name, verdict, peak RSS MiB, first stderr line) for sessions, models, presets."""
    tasks = [("session", n, [STUDIO, "convert", p, "OUT.wav"]) for n, p in crafted_sessions(work)]
    voice = os.path.join(work, "voice.wav")
    t = np.arange(3 * 16000) / 16000
    sf.write(voice, (0.3 * np.sin(2 * np.pi * 220 * t * (1 + 0.1 * t))).astype(np.float32), 16000)
    for family, name, path in crafted_models(work):
        if family == "model":
            tasks.append((family, name, [STUDIO, "run", "generate.sample", "-o", "OUT.wav",
                                         "--rate", "8000", "--set", f"model={path}", "--set", "steps=2"]))
        else:
            tasks.append((family, name, [STUDIO, "run", "convert.timbre", voice, "-o", "OUT.wav",
                                         "--set", f"model={path}"]))

    def one(task):
        family, name, cmd = task
        out_dir = tempfile.mkdtemp(dir=work)
        output = os.path.join(out_dir, "out.wav")
        rc, _, err, _, rss = run([output if a == "OUT.wav" else a for a in cmd], out_dir)
        lines = [ln for ln in err.splitlines() if ln.strip()]
        if any("internal error" in ln or "Traceback" in ln for ln in lines) or \
                any(not ln.startswith("studio:") for ln in lines):
            verdict = "internal error"
        elif rc:
            verdict = "clean refusal"
        else:
            got = sf.read(output, dtype="float32")[0]
            if family == "session" and np.isclose(got, SECRET, atol=1e-4).any():
                verdict = "read outside"
            elif not np.isfinite(got).all() or not np.abs(got).max() > 0:
                verdict = "silently altered"
            else:
                verdict = "correct"
        shutil.rmtree(out_dir, ignore_errors=True)
        return family, name, verdict, rss, lines[0] if lines else ""

    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, tasks))


def reference(path: str) -> tuple[np.ndarray | None, int, list[str]]:
    """What the shared reader makes of the file, and the warnings it gives."""
    sys.path.insert(0, ROOT)
    from studio.cli.convert import decoder_noise_silenced
    from studio.errors import StudioError
    from studio.io import audiofile
    said: list[str] = []
    try:
        with decoder_noise_silenced():  # libmpg123's notes, as the commands silence them
            audio, rate = audiofile.read(path, on_warning=said.append)
        return audio, rate, said
    except StudioError:
        return None, 0, said


def run(cmd: list[str], cwd: str) -> tuple[int, str, str, float, float]:
    """(rc, stdout, stderr, seconds, peak RSS in MiB) of one command."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - t0
        out.seek(0)
        err.seek(0)
        return (p.returncode, out.read().decode(errors="replace"),
                err.read().decode(errors="replace"), seconds, usage.ru_maxrss / 1024)


def _lsb(path: str) -> float:
    sub = sf.info(path).subtype
    bits = {"PCM_U8": 8, "PCM_S8": 8, "PCM_16": 16, "PCM_24": 24, "PCM_32": 32}.get(sub)
    return 2.0 ** (1 - bits) if bits else 0.0


def judge(command: str, rc: int, err: str, output: str | None, ref, ref_warnings) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    if any("internal error" in ln or "Traceback" in ln for ln in lines) or \
            any(not ln.startswith(("studio:", "  ")) for ln in lines):
        return "internal error"
    if rc != 0:
        return "clean refusal"
    warned = any("warning" in ln for ln in lines)
    if ref_warnings and not warned and command != "info":
        return "silently altered"
    if command == "info" or output is None:
        return "correct"
    try:
        got, _ = sf.read(output, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError):
        return "silently altered"
    if ref is None or got.shape != ref.T.shape:
        return "correct" if warned else "silently altered"
    if command == "restore.denoise":
        return "correct" if np.isfinite(got).all() else "silently altered"
    tolerance = _lsb(output) / 2 + 1e-9
    ref_in_range = np.clip(ref.T, -1.0, 1.0) if _lsb(output) else ref.T
    same = np.max(np.abs(got - ref_in_range)) <= tolerance if got.size else True
    return "correct" if same or warned else "silently altered"


def command_line(command: str, path: str, out_dir: str) -> tuple[list[str], str | None]:
    ext = os.path.splitext(path)[1].lower()
    output = os.path.join(out_dir, f"out-{command}{ext if ext in ('.wav', '.flac') else '.wav'}")
    if command == "info":
        return [STUDIO, "info", path], None
    if command == "convert":
        return [STUDIO, "convert", path, output], output
    extra = ["--set", "db=0"] if command == "edit.gain" else []
    return [STUDIO, "run", command, path, "-o", output, *extra], output


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="", help="run only files whose name contains this")
    ap.add_argument("--jobs", type=int, default=2, help="commands run at once")
    ap.add_argument("--loaders-only", action="store_true",
                    help="only the sessions, models and presets table")
    args = ap.parse_args()
    import scipy
    scipy_data = os.path.join(os.path.dirname(scipy.__file__), "io", "tests", "data")
    work = tempfile.mkdtemp(prefix="untrusted-")
    files = sorted(glob.glob(os.path.join(scipy_data, "*.wav"))) + crafted(work)
    files = [f for f in files if args.only in os.path.basename(f)] if not args.loaders_only else []
    counts = {c: {} for c in COMMANDS}
    refs = {path: reference(path) for path in files}

    def one(task):
        path, command = task
        ref, _, ref_warnings = refs[path]
        out_dir = tempfile.mkdtemp(dir=work)
        cmd, output = command_line(command, path, out_dir)
        rc, _, err, secs, rss = run(cmd, out_dir)
        verdict = judge(command, rc, err, output, ref, ref_warnings)
        shutil.rmtree(out_dir, ignore_errors=True)
        first = next((ln for ln in err.splitlines() if ln.strip()), "")
        return command, verdict, rss, first

    from concurrent.futures import ThreadPoolExecutor
    tasks = [(path, command) for path in files for command in COMMANDS]
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(one, tasks))
    rows, peak = [], 0.0
    for i, path in enumerate(files):
        outcomes = results[i * len(COMMANDS):(i + 1) * len(COMMANDS)]
        for command, verdict, rss, _ in outcomes:
            counts[command][verdict] = counts[command].get(verdict, 0) + 1
            peak = max(peak, rss)
        rows.append((os.path.basename(path), outcomes))
    kinds = ("correct", "clean refusal", "internal error", "silently altered")
    if files:
        print(f"{'file':<48} " + " ".join(f"{c:<18}" for c in COMMANDS))
        for name, outcomes in rows:
            print(f"{name[:48]:<48} " + " ".join(f"{v[:13]:<13}{r:4.0f}M" for _, v, r, _ in outcomes))
        print()
        print(f"{'command':<18}" + "".join(f"{k:>18}" for k in kinds) + f"{'runs':>8}")
        for c in COMMANDS:
            print(f"{c:<18}" + "".join(f"{counts[c].get(k, 0):>18}" for k in kinds)
                  + f"{sum(counts[c].values()):>8}")
        print(f"\npeak RSS of any run: {peak:.0f} MiB over {len(files)} files x {len(COMMANDS)} commands")
    bad = [(n, c, v, f) for n, outs in rows for c, v, _, f in outs
           if v in ("internal error", "silently altered")]
    for n, c, v, f in bad:
        print(f"  {v}: {c} {n}: {f[:150]}")
    if not args.only:
        loaded = loaders_table(work, args.jobs)
        print(f"\n{'crafted file':<44} {'command':<22} {'outcome':<16} {'RSS':>6}")
        for family, name, verdict, rss, first in loaded:
            command = {"session": "convert", "model": "run generate.sample",
                       "preset": "run convert.timbre"}[family]
            print(f"{family + ': ' + name:<44} {command:<22} {verdict:<16} {rss:5.0f}M")
            if verdict not in ("correct", "clean refusal"):
                bad.append((name, command, verdict, first))
        print("(models: run generate.sample --set model=PATH; presets: run convert.timbre "
              "--set model=PATH; a genuine one must give finite, non-silent audio)")
        print(f"peak RSS: {max(r for *_, r, _ in loaded):.0f} MiB")
        for family, name, verdict, rss, first in loaded:
            if verdict not in ("correct", "clean refusal"):
                print(f"  {verdict}: {family} {name}: {first[:150]}")
    shutil.rmtree(work, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
