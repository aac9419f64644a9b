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

Additions to and readings of the contract (specs/core_api.md), for the other areas:

- Block summaries are computed on first use (or by `Block.ensure_summaries()`, which loading
  calls in its worker threads), not in `Block.from_array`: an edit then copies only samples.
  `.mins/.maxs/.sumsq/.min/.max/.sumsq_total` behave as the contract says; `.nbytes` counts
  the summaries whether computed or not.
- `Summary.edges[0] == a` and `edges[-1] == b` exactly; the inner edges snap to summary-entry
  edges, so a column may be up to one entry wider or narrower than (b - a) / ncols.
- `blocks.block_size(n)` (context manager) lowers the block size for tests;
  `Sequence.from_array(a, block_samples=...)` also takes it. New: `Sequence.transform`,
  `.reversed`, `.peak`, `.block_index`, `.ends`, `SequenceBuilder` (streaming construction).
- `History.push(cmd, doc=None)`: pass the document so the memory bound knows the current
  state (`Document.execute` does). The bound is strict: a single step larger than `max_bytes`
  is dropped too (its undo is lost), rather than holding more memory than allowed.
- Edits take `(state, selection, ...)`; `paste(state, sel, clip)` replaces the selected range
  (inserts at a cursor); `insert_silence(state, at, frames)` always spans every channel.
  Command factories in commands.py take the Document (and an optional Selection, default the
  document's); in-place edits given a cursor act on the whole document. An edit that changes
  nothing returns the same state and `Document.execute` records no step for it.
- `mix_down` averages (not sums) the selected channels; `split_channels` returns mono states
  that share the blocks.
- Loudness: a full-scale 997 Hz sine in ONE channel reads -3.01 LUFS (BS.1770-4's
  calibration); in both channels of a stereo file it reads 0.0 LUFS (EBU Tech 3341 case 1:
  stereo -23 dBFS reads -23 LUFS).
"""
