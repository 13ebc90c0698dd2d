import pytest

from deblurbook.training import experiments


def test_unknown_experiment_is_named():
    with pytest.raises(ValueError, match="known: ch02:full"):
        experiments.build("ch09:magic")


def test_the_registry_discovers_every_chapter_module():
    from deblurbook import chapters

    found = {name.split(":")[0] for name in experiments.names()}
    declared = {m.CHAPTER for m in chapters.modules() if getattr(m, "EXPERIMENTS", None)}
    assert found == declared and "ch02" in found


def test_run_dir_is_keyed_by_profile_chapter_variant_seed_and_identity(repo):
    exp = experiments.build("ch02:full", "small", seed=3)
    folder = experiments.run_dir(exp, "small", 3)
    assert folder == repo / "_build/runs/small/ch02" / f"full-seed3-{exp.identity['digest'][:12]}"
