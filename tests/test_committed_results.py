"""The committed reference results (``results/<profile>/`` other than smoke) are the
current code's: every file passes its digest, every training run recorded in them is
one the current code and settings would reproduce, and the intro's headlines build
from them. A failure here means: re-run ``make book PROFILE=<profile>`` and commit."""

import pytest

from deblurbook import chapters
from deblurbook.core import results
from deblurbook.training import experiments
from tests.conftest import ROOT

COMMITTED = sorted(p for p in (ROOT / "results").glob("*/ch*/*.json") if p.parts[-3] != "smoke")


def _runs(value):
    """Every recorded training run (a dict with its experiment and identity) inside ``value``."""
    if isinstance(value, dict):
        if {"experiment", "identity", "seed", "profile"} <= value.keys():
            yield value
        for v in value.values():
            yield from _runs(v)
    elif isinstance(value, list):
        for v in value:
            yield from _runs(v)


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: "/".join(p.parts[-3:]))
def test_committed_result_is_current(path):
    profile, chapter, name = path.parts[-3], path.parts[-2], path.stem
    data = results.load(profile, chapter, name)
    stale = experiments.stale(list(_runs(data)))
    assert not stale, f"{path}: the current code would train these runs differently: {stale}"


def test_headlines_build_from_the_committed_results():
    for profile in sorted({p.parts[-3] for p in COMMITTED}):
        text = chapters.headlines(profile)
        found = {p.parts[-2] for p in COMMITTED if p.parts[-3] == profile}
        assert all(f"**{chapter}**" in text for chapter in found), text
