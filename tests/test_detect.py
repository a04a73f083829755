"""The one number-format and date-order detector, shared by collect and `csperf init`."""

import pandas as pd
import pytest

from csperf_lib.ingest.detect import assumed_dayfirst, date_order, number_format


@pytest.mark.parametrize(
    ("values", "delimiter", "decimal", "thousands", "sure"),
    [
        (["1.234,5", "12,5"], None, ",", ".", True),          # only a decimal comma writes 1.234,5
        (["1.234", "3,5"], None, ",", ".", True),             # dots group thousands beside a decimal comma
        (["1,234,567", "12"], None, ".", ",", True),          # two groups: only thousands
        (["1,234.5"], None, ".", ",", True),
        (["1,234", "2.5"], None, ".", ",", True),             # a decimal point elsewhere settles it
        (["1,234", "5,678"], None, ".", ",", False),          # alone, either reading: said to be unsure
        (["1,234", "5,678"], ";", ",", None, False),          # ';'-separated files use the decimal comma
        (["3,5", "12,75"], None, ",", None, True),
        (["3.5", "12"], None, ".", None, True),
    ],
)
def test_number_format(values, delimiter, decimal, thousands, sure):
    found = number_format(pd.Series(values), delimiter=delimiter)
    assert (found.decimal, found.thousands, found.sure) == (decimal, thousands, sure)
    assert found.example in values


def test_no_number_evidence():
    assert number_format(pd.Series(["12", "7", None, ""])) is None


def test_date_order_and_the_undecidable_convention():
    assert date_order(pd.Series(["13/01/2026", "02/01/2026"])).dayfirst is True
    assert date_order(pd.Series(["01/13/2026"])).dayfirst is False
    dotted = date_order(pd.Series(["01.02.2026", "03.04.2026"]))
    assert dotted.dayfirst is None and dotted.separator == "." and dotted.assumed is True
    slashed = date_order(pd.Series(["01/02/2026"]))
    assert slashed.assumed is False and assumed_dayfirst("/") is False
    both = date_order(pd.Series(["13/01/2026", "01/13/2026"]))
    assert both.dayfirst is None and "above 12" in both.evidence
    assert not date_order(pd.Series(["2026-01-02"])).found
