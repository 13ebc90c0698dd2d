"""What every chapter's budgets must give, whichever chapter it is."""

import pytest

from deblurbook import chapters
from deblurbook.core import profiles

TRAINING_CHAPTERS = [m for m in chapters.modules() if getattr(m, "EXPERIMENTS", None)]


@pytest.mark.parametrize("module", TRAINING_CHAPTERS, ids=lambda m: m.CHAPTER)
def test_the_reference_profile_trains_every_ablation_row_with_three_seeds(module):
    assert len(module.budget("small")["seeds"]) >= 3  # fewer make no claim (deblurbook.book.stats)


@pytest.mark.parametrize("module", chapters.modules(), ids=lambda m: m.CHAPTER)
def test_every_chapter_has_a_budget_for_every_profile(module):
    for name in profiles.PROFILES:
        assert module.budget(name)["name"] == name
