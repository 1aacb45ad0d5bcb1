"""`manage.py xmr_chart`: an indicator's XmR chart as a file of its own (the README's picture)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from indicators.models import Indicator, Result

SVG = "{http://www.w3.org/2000/svg}"
ROOT = Path(__file__).resolve().parents[2]


def draw(*args) -> ET.Element:
    out = io.StringIO()
    call_command("xmr_chart", *args, stdout=out)
    return ET.fromstring(out.getvalue().encode())


def test_draws_the_chart_the_indicator_page_shows_with_its_own_size_and_a_white_background(demo):
    root = draw("ICT02", "--period", "2019-11")
    assert (root.get("width"), root.get("height")) == ("720", "340")
    assert root.find(f"{SVG}rect").get("fill") == "#ffffff"
    assert root.find(f"{SVG}title").text == (
        "ICT02 Positive feedback rating with the ICT help desk: statistical process control (XmR) chart"
    )
    description = root.find(f"{SVG}desc").text
    assert "to November 2019." in description and "Variation: Special cause concern (lower)." in description
    assert len(root.findall(f".//{SVG}polygon[@class='kp-xmr__point kp-xmr__point--concern']")) >= 1


def test_an_earlier_period_draws_the_chart_to_that_period(demo):
    assert "to May 2019." in draw("ict02", "--period", "2019-05").find(f"{SVG}desc").text


def test_writes_the_file_it_is_given(demo, tmp_path):
    target = tmp_path / "chart.svg"
    err = io.StringIO()
    call_command("xmr_chart", "ICT02", "--period", "2019-11", "-o", str(target), stderr=err)
    assert target.read_text(encoding="utf-8").startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ')
    assert "Wrote ICT02's XmR chart to November 2019" in err.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["NOPE"], "There is no indicator 'NOPE'."),
        (["ICT02", "--period", "2019-13"], "'2019-13' is not a valid period: month must be 01–12"),
        (["ICT02", "--period", "2001-01"], "ICT02 has no values by January 2001: its first is for April 2016."),
    ],
)
def test_a_wrong_indicator_or_period_is_a_clear_error(demo, args, message):
    with pytest.raises(CommandError) as raised:
        draw(*args)
    assert str(raised.value) == message


def test_an_indicator_without_values_says_so(demo):
    Result.objects.filter(indicator=Indicator.objects.get(code="ICT02")).delete()
    with pytest.raises(CommandError, match="ICT02 has no values to chart yet."):
        draw("ICT02")


def test_the_readme_shows_the_committed_picture_of_the_chart():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "![" in readme and "(docs/xmr-chart-ict02.svg)" in readme
    root = ET.fromstring((ROOT / "docs" / "xmr-chart-ict02.svg").read_bytes())
    assert root.find(f"{SVG}title").text.startswith("ICT02 ")
