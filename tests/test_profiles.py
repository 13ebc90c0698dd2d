import pytest

from deblurbook import profiles


def test_three_profiles_in_order():
    assert list(profiles.PROFILES) == ["smoke", "small", "paper"]


def test_get_unknown_profile_names_the_known_ones():
    with pytest.raises(ValueError, match="smoke, small, paper"):
        profiles.get("huge")


def test_smoke_is_the_cheapest_and_cpu():
    smoke, small = profiles.get("smoke"), profiles.get("small")
    assert smoke.device == small.device == "cpu"
    assert smoke.iterations < small.iterations
    assert smoke.crop < small.crop and smoke.width <= small.width


def test_paper_fields_left_to_each_paper():
    paper = profiles.get("paper")
    assert paper.device == "cuda" and paper.width == 1.0
    assert paper.iterations is profiles.PAPER
    assert {r["name"]: r for r in profiles.table_rows()}["paper"]["iterations"] == "paper's"


def test_for_chapter_applies_overrides_without_touching_others():
    p = profiles.Profile(name="x", purpose="", device="cpu", crop=8, batch=1, iterations=2,
                         width=0.5, test_images=1, seeds=(0,), time_budget="",
                         chapters={"ch02": {"iterations": 9, "flow_scales": 5}})
    assert p.for_chapter("ch02")["iterations"] == 9
    assert p.for_chapter("ch02")["flow_scales"] == 5
    assert p.for_chapter("ch03")["iterations"] == 2


def test_markdown_table_has_a_row_per_profile():
    lines = profiles.markdown_table().splitlines()
    assert len(lines) == 2 + len(profiles.PROFILES)
    assert all(line.count("|") == len(profiles.TABLE_COLUMNS) + 1 for line in lines)
