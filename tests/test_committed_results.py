"""The committed reference results (``results/<profile>/`` other than smoke) are the
current code's: every file passes its digest, every training run recorded in them is
one the current code and settings would reproduce, and the intro's headlines build
from them. A failure here means: re-run ``make book PROFILE=<profile>`` and commit."""

import json

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


@pytest.mark.parametrize("folder", sorted({p.parent for p in COMMITTED}), ids=lambda p: "/".join(p.parts[-2:]))
def test_committed_results_were_scored_by_the_current_code_and_settings(folder):
    """The thread count, the scoring code and the evaluation settings behind a chapter's results:
    recorded by ``reproduce`` beside them, and still the current ones."""
    profile, chapter = folder.parts[-2:]
    recorded = results.load(profile, chapter, chapters.SCORING_RECORD, required=False)
    assert recorded is not None, f"{folder}: no {chapters.SCORING_RECORD}.json (run it through `reproduce`)"
    assert recorded["threads"] >= 1
    current = json.loads(json.dumps(chapters.scoring_record(chapter, profile)))  # as saved: tuples as lists
    changed = [key for key in current if recorded.get(key) != current[key]]
    assert not changed, f"{folder}: the chapter's {' and '.join(changed)} changed since its results were made"


def test_headlines_build_from_the_committed_results():
    for profile in sorted({p.parts[-3] for p in COMMITTED}):
        text = chapters.headlines(profile)
        found = {p.parts[-2] for p in COMMITTED if p.parts[-3] == profile}
        assert all(f"**{chapter}**" in text for chapter in found), text
