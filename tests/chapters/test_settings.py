"""A chapter's settings read from its TOML files: arrays as tuples, the budget's layers in order."""

import pytest

from deblurbook.chapters import _settings
from deblurbook.training import protocol


def _write(folder, name, text):
    (folder / name).write_text(text, encoding="utf-8")
    return str(folder / "experiments.py")  # the module the files sit beside


def test_quoted_numbers_come_back_as_tuples_at_any_depth(tmp_path):
    beside = _write(
        tmp_path, "paper.toml", 'citation = "x"\n[table1]\nA = [1.5, 0.9]\n[table2.B]\nC = [[1, 2], [3, 4]]\n'
    )
    assert _settings.quoted(beside) == {
        "citation": "x",
        "table1": {"A": (1.5, 0.9)},
        "table2": {"B": {"C": ((1, 2), (3, 4))}},
    }


def test_a_budget_is_the_protocol_then_common_then_its_profile_then_extra(tmp_path):
    beside = _write(
        tmp_path,
        "budgets.toml",
        "[common]\nwidth = 4\ncrop = 48\n[smoke]\nwidth = 8\nsizes = [64, 96]\n[small]\nlr = 1e-3\n",
    )
    budgets = _settings.budgets(beside, extra={"small": {"rows": None}})
    assert set(budgets) == {"smoke", "small"}  # a profile without a table has no budget
    smoke = budgets["smoke"]
    assert smoke["width"] == 8 and smoke["crop"] == 48 and smoke["sizes"] == (64, 96)
    assert smoke["batch"] == protocol.budget("smoke")["batch"]  # the protocol's, untouched
    assert budgets["small"]["lr"] == 1e-3 and budgets["small"]["rows"] is None and budgets["small"]["width"] == 4
    assert "batch" not in _settings.budgets(beside, protocol_based=False)["smoke"]


def test_a_table_that_names_no_profile_is_refused_naming_the_file(tmp_path):
    beside = _write(tmp_path, "budgets.toml", "[smoek]\nwidth = 4\n")
    with pytest.raises(ValueError, match=r"budgets.toml: tables \['smoek'\] name no profile"):
        _settings.budgets(beside)


@pytest.mark.parametrize("text", [None, "width = \n"])
def test_a_missing_or_malformed_file_is_an_error_naming_it(tmp_path, text):
    beside = str(tmp_path / "experiments.py") if text is None else _write(tmp_path, "budgets.toml", text)
    with pytest.raises(ValueError, match="budgets.toml: cannot read the chapter's settings"):
        _settings.budgets(beside)
