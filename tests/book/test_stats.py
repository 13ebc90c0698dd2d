import pytest

from deblurbook.book.stats import summarize, verdict


def test_summarize():
    s = summarize([30.0, 31.0, 30.5])
    assert s == {"mean": 30.5, "min": 30.0, "max": 31.0, "spread": 1.0, "seeds": 3}
    with pytest.raises(ValueError):
        summarize([])


def test_differences_within_the_spread_are_no_difference():
    ref = summarize([30.0, 30.4])
    assert verdict(summarize([30.3, 30.5]), ref) == "no difference"
    assert verdict(summarize([31.0, 31.1]), ref) == "higher"
    assert verdict(summarize([29.0, 29.2]), ref) == "lower"
    assert verdict(summarize([35.0]), ref) == "one seed: no claim"
