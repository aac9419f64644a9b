"""A number parameter's special value (`special=(value, word)`) reads as its word in the form,
at the low end of the range (Max order -1 = auto) or the high end (a negative threshold whose
0 means detect), and the word typed in gives the value back."""
from studio.engine import params as P
from studio.ui.forms import ParamForm


def test_special_values_read_as_words_and_type_back(qtbot):
    schema = P.Schema((P.Int("max_order", -1, lo=-1, hi=50, special=(-1, "auto")),
                       P.Float("floor", 0.0, lo=-1.0, hi=0.0, unit="FS", special=(0.0, "detect")),
                       P.Float("plain", 0.0, lo=0.0, hi=1.0, unit="s")))
    form = ParamForm(schema)
    qtbot.addWidget(form)
    order, floor, plain = (form.editors[n].spin for n in ("max_order", "floor", "plain"))
    assert (order.text(), floor.text(), plain.text()) == ("auto", "detect", "0 s")
    order.setValue(3)
    floor.setValue(-0.5)
    assert (order.text(), floor.text()) == ("3", "-0.5 FS")
    for box, word in ((order, "auto"), (floor, "det")):
        box.lineEdit().selectAll()
        qtbot.keyClicks(box, word)
        box.interpretText()
    assert floor.value() == -0.5  # the start of the word may be typed, but sets nothing yet
    floor.lineEdit().selectAll()
    qtbot.keyClicks(floor, "detect")
    floor.interpretText()
    assert form.values() == {"max_order": -1, "floor": 0.0, "plain": 0.0}
    assert (order.text(), floor.text()) == ("auto", "detect")
    # the reset button names the word, and the schema's description carries it for the docs
    assert schema.params[0].describe()["special"] == {"value": -1, "text": "auto"}
