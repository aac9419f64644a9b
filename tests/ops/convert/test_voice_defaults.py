"""Change voice's defaults change the voice (male_to_female: the median pitch x 1.75, the
formants x 1.17), and a flag given on the command line wins over the preset."""
import pytest

from studio.ops.convert.voice import PRESETS
from tests.ops.convert.test_convert_ops import job, median_f0, vowel


def test_defaults_raise_the_pitch_as_the_male_to_female_preset_does():
    x = vowel(120.0)
    r = job("convert.voice", x)
    ratio, spread, formant, _ = PRESETS["male_to_female"]
    assert median_f0(r.audio) == pytest.approx(120.0 * ratio, rel=0.03)  # not 120 Hz
    assert (r.report.values["formant_ratio"], r.report.values["pitch_range"]) == (formant, spread)


def test_a_given_field_wins_over_the_preset_and_the_others_follow_it():
    x = vowel(120.0)
    r = job("convert.voice", x, pitch_ratio=1.25)  # the default preset, one flag
    assert median_f0(r.audio) == pytest.approx(150.0, rel=0.03)
    assert r.report.values["formant_ratio"] == PRESETS["male_to_female"][2]
    r = job("convert.voice", x, preset="female_to_male")  # the fields at their defaults
    assert median_f0(r.audio) == pytest.approx(120.0 * PRESETS["female_to_male"][0], rel=0.03)
    assert r.report.values["formant_ratio"] == PRESETS["female_to_male"][2]
