"""A session is a session whatever its name: saving adds the `.adsession` suffix a typed name
lacks (never writing a zip over an audio file the user named), and opening knows a session
by what it holds, so a file renamed without the suffix still opens, in the window and on the
command line."""
import shutil

import numpy as np
import soundfile as sf

from studio.cli.main import main


def _saved_here(w, qtbot, typed):
    assert w.actions_.save_session(str(typed), wait=True)
    qtbot.waitUntil(lambda: not w.files.busy(), timeout=20000)


def test_a_name_typed_without_the_suffix_saves_a_session_that_reopens(demo_window, qtbot,
                                                                      tmp_path):
    w = demo_window
    frames, first = w.model.n_frames, w.model.state.read(0, 1000)
    _saved_here(w, qtbot, tmp_path / "mysession")
    written = tmp_path / "mysession.adsession"
    assert written.is_file() and not (tmp_path / "mysession").exists()
    assert w.statusBar().currentMessage() == "Saved session mysession.adsession"
    assert w.model.document.session_path == str(written)
    w.set_document(None)
    assert w.actions_.open_path(str(written), wait=True)
    assert w.model.n_frames == frames
    np.testing.assert_array_equal(w.model.state.read(0, 1000), first)


def test_a_session_named_like_audio_does_not_overwrite_the_audio(demo_window, qtbot, tmp_path):
    w = demo_window
    audio = tmp_path / "mix.wav"
    sf.write(audio, np.zeros(800, np.float32), 8000)
    _saved_here(w, qtbot, audio)
    assert sf.info(str(audio)).frames == 800          # the user's WAV is untouched
    assert (tmp_path / "mix.wav.adsession").is_file()


def test_a_session_renamed_without_its_suffix_opens_by_content(demo_window, qtbot, tmp_path):
    w = demo_window
    frames = w.model.n_frames
    _saved_here(w, qtbot, tmp_path / "a.adsession")
    renamed = tmp_path / "a session"
    shutil.copy(tmp_path / "a.adsession", renamed)
    w.set_document(None)
    assert w.actions_.open_path(str(renamed), wait=True)
    assert w.model.n_frames == frames
    assert w.statusBar().currentMessage() == "Opened a session"


def test_the_command_line_reads_a_session_without_its_suffix(capsys, tmp_path):
    from studio.core.document import Document
    from studio.core.session import save_session
    x = np.stack([np.linspace(-0.5, 0.5, 4000, dtype=np.float32)] * 2)
    save_session(Document.from_array(x, 16000), tmp_path / "s.adsession")
    shutil.copy(tmp_path / "s.adsession", tmp_path / "s")
    for cmd in ("convert", "edit"):
        out = tmp_path / f"{cmd}.wav"
        extra = ["--op", "reverse"] if cmd == "edit" else []
        rc = main([cmd, str(tmp_path / "s"), str(out), "--subtype", "FLOAT", *extra])
        assert rc == 0, capsys.readouterr().err
        y, rate = sf.read(out, dtype="float32", always_2d=True)
        want = x[:, ::-1] if cmd == "edit" else x
        assert rate == 16000 and np.array_equal(y.T, want)


def test_a_typed_name_whose_session_exists_is_not_replaced_without_asking(window, qtbot,
                                                                         tmp_path, monkeypatch):
    """The save dialog asked about 'mix'; the file written is 'mix.adsession', which exists:
    the window asks before replacing it, and Cancel leaves it as it was."""
    import numpy as np
    import soundfile as sf
    from PySide6.QtWidgets import QFileDialog, QMessageBox
    w = window
    sf.write(tmp_path / "a.wav", np.zeros(1600, np.float32), 16000)
    assert w.actions_.open_path(str(tmp_path / "a.wav"), wait=True)
    existing = tmp_path / "mix.adsession"
    existing.write_bytes(b"keep me")
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(tmp_path / "mix"), "")))
    asked = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda *a, **k: asked.append(a[2]) or QMessageBox.Cancel))
    w.quiet = False
    try:
        assert w.actions_.save_session() is False
    finally:
        w.quiet = True
    assert asked and "mix.adsession already exists" in asked[0]
    assert existing.read_bytes() == b"keep me"
