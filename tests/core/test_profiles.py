import pytest

from deblurbook.core import profiles


def test_three_profiles_in_order():
    assert list(profiles.PROFILES) == ["smoke", "small", "paper"]


def test_get_unknown_profile_names_the_known_ones():
    with pytest.raises(ValueError, match="smoke, small, paper"):
        profiles.get("huge")


def test_smoke_and_small_are_cpu_budgets_with_cell_timeouts():
    smoke, small, paper = (profiles.get(n) for n in ("smoke", "small", "paper"))
    assert smoke.device == small.device == "cpu" and paper.device == "cuda"
    assert smoke.cell_timeout < small.cell_timeout and paper.cell_timeout is None
    assert len(small.seeds) >= len(smoke.seeds)


def test_budget_puts_the_chapter_fields_on_the_shared_ones():
    budgets = {"smoke": {"iterations": 9, "seeds": (0, 1, 2)}, "small": {"iterations": 90}}
    smoke = profiles.budget("smoke", budgets)
    assert smoke["iterations"] == 9 and smoke["seeds"] == (0, 1, 2) and smoke["device"] == "cpu"
    assert profiles.budget("small", budgets)["seeds"] == profiles.get("small").seeds
    with pytest.raises(ValueError, match="ch42 has no budget for profile 'paper'"):
        profiles.budget("paper", budgets, owner="ch42")
    with pytest.raises(ValueError, match="unknown profile"):
        profiles.budget("huge", budgets)


def test_table_rows_show_every_profile():
    rows = profiles.table_rows()
    assert [r["name"] for r in rows] == list(profiles.PROFILES)
    assert all(set(r) == set(profiles.TABLE_COLUMNS) for r in rows)
