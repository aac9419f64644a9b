"""Report values as the user reads them: label and unit from the key, rounded for the unit,
and the status line of a finished job."""
import math

from studio.engine.operation import Marker, Report
from studio.ui.reports.formatting import format_value, split_key, summary_line


def test_labels_and_units_come_from_the_key():
    assert split_key("integrated_lufs") == ("Integrated", "LUFS")
    assert split_key("loudness_range_lu") == ("Loudness range", "LU")
    assert split_key("peak_frequency_hz") == ("Peak frequency", "Hz")
    assert split_key("clipped (%)") == ("Clipped", "%")
    assert split_key("noise level (dBFS)") == ("Noise level", "dBFS")
    assert split_key("clicks") == ("Clicks", "")
    assert split_key("voiced_fraction") == ("Voiced fraction", "")


def test_numbers_are_rounded_for_their_unit():
    assert format_value("integrated_lufs", -23.04417) == ("Integrated", "-23.0 LUFS")
    assert format_value("true_peak_dbtp", 4.8123)[1] == "+4.8 dBTP"
    assert format_value("restored peak (dBFS)", -0.04)[1] == "-0.0 dBFS"
    assert format_value("peak_frequency_hz", 996.09375)[1] == "996.1 Hz"
    assert format_value("peak_frequency_hz", 12345.678)[1] == "12.35 kHz"
    assert format_value("gap (ms)", 60.000001)[1] == "60.0 ms"
    assert format_value("first at (s)", 4.0000213)[1] == "4.000 s"
    assert format_value("voiced_fraction", 0.987654)[1] == "0.988"
    assert format_value("clipped samples", 3217)[1] == "3217"
    assert format_value("integrated_lufs", None)[1] == "–"  # silence
    assert format_value("sample_peak_dbfs", -math.inf)[1] == "-∞ dBFS"
    assert format_value("method", "NormMUSIC")[1] == "NormMUSIC"


def test_summary_uses_the_headline_or_the_ops_own_line():
    r = Report(values={"integrated_lufs": -23.04, "momentary_max_lufs": -20.0,
                       "loudness_range_lu": 3.26, "true_peak_dbtp": -1.04},
               headline=["integrated_lufs", "loudness_range_lu", "true_peak_dbtp"])
    assert summary_line("Loudness", r) == \
        "Loudness: integrated -23.0 LUFS, loudness range 3.3 LU, true peak -1.0 dBTP"
    r.summary = "3217 samples restored, peak +4.8 dBFS"
    assert summary_line("De-clip", r) == "De-clip: 3217 samples restored, peak +4.8 dBFS"
    assert summary_line("Gain", Report()) == "Gain: done"
    assert summary_line("Find", Report(markers=[Marker(1.0), Marker(2.0)])) == "Find: 2 markers"


def test_a_bare_integer_is_not_grouped_and_a_string_keeps_its_unit():
    assert format_value("seed", 288475)[1] == "288475"          # a name, not a quantity
    assert format_value("rate (Hz)", 48000)[1] == "48 000 Hz"   # a quantity reads in groups
    assert format_value("learned from (s)", "19.70–20.00")[1] == "19.70–20.00 s"
    assert format_value("band (Hz)", "300–3500 Hz")[1] == "300–3500 Hz"


def test_log_axis_labels_only_1_2_5_of_each_decade(qapp):
    from studio.ui.reports.panel import PlainAxis
    axis = PlainAxis("bottom")
    axis.setLogMode(True)
    decades = [math.log10(m * 10 ** e) for e in (1, 2, 3, 4) for m in range(1, 10)]
    labels = [t for t in axis.tickStrings(decades, 1.0, 1.0) if t]
    assert labels == ["10", "20", "50", "100", "200", "500", "1k", "2k", "5k",
                      "10k", "20k", "50k"]


def test_acronyms_in_report_keys_read_as_in_the_forms():
    assert split_key("rt60_s") == ("RT60", "s")
    assert split_key("snr (dB)") == ("SNR", "dB")
    assert split_key("fft_size") == ("FFT size", "")
