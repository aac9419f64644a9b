"""Presets, validation and layout files (real files on disk), against hand-computed values
and the formats' published examples."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.arrays import Layout, Microphone, Room, Source, from_positions, preset, validate
from studio.arrays import formats, presets
from studio.errors import StudioError


def test_presets_have_the_asked_geometry():
    ula = presets.linear(5, 0.03)
    assert np.allclose(np.diff(ula.positions()[:, 0]), 0.03)
    assert np.allclose(ula.centroid(), 0)
    uca = presets.circular(6, 0.0463)
    assert np.allclose(np.linalg.norm(uca.positions(), axis=1), 0.0463)
    # neighbours of a regular hexagon are one radius apart
    d = np.linalg.norm(uca.positions()[0] - uca.positions()[1])
    assert d == pytest.approx(0.0463)
    assert len(presets.rectangular(3, 4).mics) == 12
    assert len(presets.concentric(3, 8, center=True).mics) == 25
    assert np.linalg.norm(presets.spiral(32, 0.5).positions(), axis=1).max() == pytest.approx(0.5)
    rnd = presets.random_disc(16, 0.3, seed=1, min_distance=0.05)
    p = rnd.positions()
    assert (np.linalg.norm(p, axis=1) <= 0.3).all()
    dist = np.linalg.norm(p[:, None] - p[None], axis=-1) + np.eye(16)
    assert dist.min() >= 0.05
    assert len(preset("Circular", count=8).mics) == 8
    with pytest.raises(StudioError):
        preset("nope")


def test_validation_finds_coincident_few_and_millimetres():
    ok = presets.circular(4, 0.05)
    assert [i for i in validate(ok) if i.level == "error"] == []
    twin = from_positions([[0, 0, 0], [0.0002, 0, 0], [0.1, 0, 0]])
    assert any("coincident" in i.message for i in validate(twin))
    one = from_positions([[0, 0, 0]])
    assert any(i.level == "error" and "at least 2" in i.message for i in validate(one))
    mm = from_positions([[0, 0, 0], [46.3, 0, 0], [0, 46.3, 0]])
    assert any("millimetres" in i.message for i in validate(mm))
    roomy = presets.circular(4, 0.05)
    roomy.room = Room((4, 4, 3), 0.3)
    assert any("outside the room" in i.message for i in validate(roomy))
    # disabled microphones do not count
    ok.mics[0].enabled = ok.mics[1].enabled = ok.mics[2].enabled = False
    assert any("1 enabled" in i.message for i in validate(ok))


coord = st.floats(-5, 5, allow_nan=False, allow_infinity=False)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(coord, coord, coord), min_size=1, max_size=12))
def test_acoular_and_odas_round_trip_exactly(rows):
    layout = from_positions(np.array(rows))
    again = formats.from_acoular_xml(formats.to_acoular_xml(layout))
    assert again.positions().tolist() == layout.positions().tolist()
    again = formats.from_odas_cfg(formats.to_odas_cfg(layout))
    assert again.positions().tolist() == layout.positions().tolist()


def test_files_round_trip_with_directivity(tmp_path):
    lay = presets.circular(4, 0.1)
    lay.mics[1].directivity, lay.mics[1].azimuth = "cardioid", 90.0
    lay.mics[2].directivity, lay.mics[2].azimuth, lay.mics[2].elevation = "figure8", -45.0, 10.0
    lay.mics[3].enabled, lay.mics[3].gain = False, 0.5
    lay.sources = [Source(1.0, 2.0, 1.5, "talker")]
    lay.room = Room((5.0, 4.0, 3.0), 0.4)
    for suffix in (".json", ".xml", ".cfg"):
        path = tmp_path / f"a{suffix}"
        formats.save_layout(lay, path)
        back = formats.load_layout(path)
        assert back.positions().tolist() == lay.positions().tolist()
    back = formats.load_layout(tmp_path / "a.json")
    assert back.to_dict() == lay.to_dict()
    back = formats.load_layout(tmp_path / "a.cfg")
    assert [m.directivity for m in back.mics] == ["omni", "cardioid", "figure8", "omni"]
    assert back.mics[1].azimuth == pytest.approx(90.0)
    assert back.mics[2].elevation == pytest.approx(10.0)


def test_reads_published_examples():
    acoular = """<?xml version="1.0" encoding="utf-8"?>
<MicArray name="array_test">
  <pos Name="Point 1 " x="0.4" y="-0.1" z="0"/>
  <pos Name="Point 2 " x="-0.35" y="0.2" z="0.01"/>
</MicArray>"""
    lay = formats.from_acoular_xml(acoular)
    assert lay.name == "array_test"
    assert lay.positions().tolist() == [[0.4, -0.1, 0.0], [-0.35, 0.2, 0.01]]
    odas = """# ReSpeaker 4-mic
    general: {
        epsilon = 1E-20;
        mics = (
            # Microphone 1
            { mu = ( -0.032, +0.000, +0.000 ); sigma2 = ( +0.000, +0.000, +0.000, +0.000,
              +0.000, +0.000, +0.000, +0.000, +0.000 ); direction = ( +0.000, +0.000, +1.000 );
              angle = ( 80.0, 90.0 ); },
            { mu = ( +0.000, -0.032, +0.000 ); direction = ( +0.000, +0.000, +1.000 );
              angle = ( 80.0, 90.0 ); }
        );
        spatialfilters = ( { direction = ( +0.000, +0.000, +1.000 ); angle = (80.0, 90.0); } );
    };"""
    lay = formats.from_odas_cfg(odas)
    assert lay.positions().tolist() == [[-0.032, 0.0, 0.0], [0.0, -0.032, 0.0]]
    assert lay.mics[0].elevation == pytest.approx(90.0)


def test_bad_files_give_one_line(tmp_path):
    for text, suffix in (("{not json", ".json"), ("<MicArray>", ".xml"),
                         ("mics = ( { mu = (1, 2); } );", ".cfg"), ("nothing", ".cfg")):
        p = tmp_path / f"bad{suffix}"
        p.write_text(text)
        with pytest.raises(StudioError) as e:
            formats.load_layout(p)
        assert "\n" not in str(e.value)
    with pytest.raises(StudioError):
        formats.load_layout(tmp_path / "x.txt")
    with pytest.raises(StudioError):
        formats.parse_layout("no/such/file.json")


def test_parse_layout_param_forms(tmp_path):
    lay = presets.linear(3, 0.05)
    assert formats.parse_layout(formats.to_json(lay)).positions().tolist() == lay.positions().tolist()
    assert formats.parse_layout("[[0,0,0],[0.1,0,0]]").positions()[1, 0] == 0.1
    formats.save_layout(lay, tmp_path / "l.xml")
    assert len(formats.parse_layout(str(tmp_path / "l.xml")).mics) == 3
    cm = Layout.from_dict({"units": "cm", "mics": [[0, 0, 0], [5, 0, 0]]})
    assert cm.positions()[1, 0] == pytest.approx(0.05)


def test_transforms_of_the_array():
    lay = presets.linear(3, 0.1)
    rot = lay.rotated(90)
    assert np.allclose(rot.positions()[:, :2], [[0, -0.1], [0, 0], [0, 0.1]], atol=1e-12)
    assert rot.mics[0].azimuth == pytest.approx(90.0)
    assert np.allclose(lay.scaled(2).positions()[0], [-0.2, 0, 0])
    moved = lay.translated([0, 1, 0], indices=[2])
    assert moved.positions()[2].tolist() == [0.1, 1.0, 0.0]
    assert moved.positions()[0].tolist() == lay.positions()[0].tolist()
    assert Microphone(0, 0, azimuth=90).axis() == pytest.approx([0, 1, 0], abs=1e-12)
    assert math.isclose(np.linalg.norm(Microphone(0, 0, azimuth=30, elevation=20).axis()), 1)
