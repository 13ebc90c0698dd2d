"""The committed reference results (``results/<profile>/`` other than smoke) are the
current code's: every file passes its digest, every training run recorded in them is
one the current code and settings would reproduce, and the intro's headlines build
from them. A failure here means: re-run ``make book PROFILE=<profile>`` and commit."""

import pytest

from deblurbook import chapters
from deblurbook.chapters._runs import stale_runs
from deblurbook.core import results
from tests.conftest import ROOT

COMMITTED = sorted(p for p in (ROOT / "results").glob("*/ch*/*.json") if p.parts[-3] != "smoke")


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: "/".join(p.parts[-3:]))
def test_committed_result_is_current(path):
    profile, chapter, name = path.parts[-3], path.parts[-2], path.stem
    data = results.load(profile, chapter, name)
    stale, _ = stale_runs(data)
    assert not stale, f"{path}: the current code would train these runs differently: {stale}"


def test_headlines_build_from_the_committed_results():
    for profile in sorted({p.parts[-3] for p in COMMITTED}):
        text = chapters.headlines(profile)
        found = {p.parts[-2] for p in COMMITTED if p.parts[-3] == profile}
        assert all(f"**{chapter}**" in text for chapter in found), text
