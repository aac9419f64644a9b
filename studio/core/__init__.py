"""The audio document: numpy only, never Qt or torch (contract: specs/core_api.md).

- blocks.py     immutable float32 sample blocks with min/max/sum-of-squares summaries
- summary.py    exact per-column waveform summaries at any zoom (Summary, summarize)
- sequence.py   one channel as an immutable list of shared blocks; edits copy only cut edges
- document.py   AudioState (immutable channels + rate) and Document (state, history, selection,
                takes, listeners)
- selection.py  Selection: time range, optional frequency band, channel set
- takes.py      Take / TakeList: candidate results tied to a document range
- clip.py       Clip: copied audio (the clipboard), sharing blocks
- history.py    undo/redo with names, compound groups, bundling, memory bound
- commands.py   StateCommand and the factories of every undoable edit
- edits.py      the edits as pure functions AudioState -> AudioState
- shapes.py     fade curves and dB helpers
- loudness.py   ITU-R BS.1770-4 integrated loudness (K-weighting, gating), streaming
- resample.py   streaming polyphase sample-rate conversion of a Sequence
- loading.py    open a file into an AudioState block by block (io.audiofile.iter_frames)
- session.py    (io's helper) sessions on disk
"""
