"""What every chapter's budgets must give, whichever chapter it is."""

import pytest

from deblurbook import chapters
from deblurbook.core import profiles

TRAINING_CHAPTERS = [m for m in chapters.modules() if getattr(m, "EXPERIMENTS", None)]


@pytest.mark.parametrize("module", TRAINING_CHAPTERS, ids=lambda m: m.CHAPTER)
def test_the_reference_profiles_train_every_ablation_row_with_three_seeds(module):
    for profile in ("small", "paper"):  # fewer make no claim (deblurbook.book.stats)
        assert len(module.budget(profile)["seeds"]) >= 3, profile


@pytest.mark.parametrize("module", chapters.modules(), ids=lambda m: m.CHAPTER)
def test_every_chapter_has_a_budget_for_every_profile(module):
    for name in profiles.PROFILES:
        assert module.budget(name)["name"] == name


def test_the_scoring_record_follows_the_chapters_code_and_budget(tmp_path, monkeypatch):
    from deblurbook import chapters
    from deblurbook.core import results

    record = chapters.scoring_record("ch07", "small")
    assert record["settings"]["test_images"] == chapters.module_of("ch07").BUDGETS["small"]["test_images"]
    assert record["code"] != chapters.scoring_record("ch06", "small")["code"]
    monkeypatch.setenv("DEBLURBOOK_ROOT", str(tmp_path))
    (tmp_path / "_toc.yml").write_text("")
    (tmp_path / "pyproject.toml").write_text("")
    assert chapters.save_scoring_record("small", "ch00", 2) is None  # the introduction has no module
    chapters.save_scoring_record("small", "ch07", 2)
    assert results.load("small", "ch07", chapters.SCORING_RECORD)["threads"] == 2


@pytest.mark.parametrize("module", TRAINING_CHAPTERS, ids=lambda m: m.CHAPTER)
def test_every_training_chapter_names_its_model_among_its_experiments(module):
    assert module.MAIN_EXPERIMENT in module.EXPERIMENTS
    assert chapters.main_experiments().count(module.MAIN_EXPERIMENT) == 1
