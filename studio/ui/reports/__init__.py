"""Report viewers: what the window draws of an operation's `Report`, chosen by what the report
holds, never by which operation made it (DESIGN.md, "Every report has a viewer").

How a Report maps to what the user sees (an op needs no UI code to be shown):

- `values` -> a readout in the Reports dock: one row per value, its label and unit taken
  from the key ("integrated_lufs" -> Integrated, LUFS; "gap (ms)" -> Gap, ms) and the number
  rounded for that unit. The keys in `headline` (else the first three) are shown large, like
  a meter, and make the status-bar summary unless the op gave `summary`.
- `curves` -> a plot in the dock (`log_x` for a frequency axis; the units in brackets in
  `x_label` / `y_label` are used for the hover read-out). A curve with
  `overlay="spectrogram"` is drawn over the spectrogram instead: x in seconds of the
  document, y in Hz (a pitch track), NaN or 0 where there is nothing (unvoiced).
- `markers` -> marks on every waveform lane and on the spectrogram (a line, or a shaded
  region for a marker with a duration), and a list in the dock: clicking one selects it and
  brings it into view; "Clear marks" removes them. Marker times are seconds from the start of
  the job's input (the viewer adds where the input began in the document). A newer report of
  the same operation replaces its marks.
- `text` -> shown under the readout.
- `data` -> not drawn here: feature viewers that understand it listen to the job controller
  themselves (the Array dock draws DOA sources on its plan; Find dropouts steps through its
  runs).

`install(window)` builds the dock and wires it; `formatting` is reused wherever a value is
shown to the user (tooltips, hover labels)."""
from __future__ import annotations


def install(window):
    from studio.ui.reports.viewer import ReportViewer
    return ReportViewer(window)
