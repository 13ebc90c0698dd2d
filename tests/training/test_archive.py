"""Finished runs archived in the repository: float16, no optimiser moments, restored in a new
checkout without training, scored with the same weights in both sittings."""

import shutil

import pytest
import torch

from deblurbook.core import checkpoints
from deblurbook.training import archive, deblur, experiments
from deblurbook.training.trainer import Trainer

NAME, PROFILE = "ch07:unet-smoke", "smoke"


@pytest.fixture
def archived_smoke(empty_root, monkeypatch):
    monkeypatch.setattr(archive, "ARCHIVED_PROFILES", (PROFILE,))
    return empty_root


def train():
    return archive.train_archived(NAME, PROFILE, seed=0, device="cpu", progress=False)


def weights(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_a_finished_run_is_archived_and_restored_in_a_new_checkout_without_training(archived_smoke, monkeypatch):
    exp, trainer = train()
    folder = experiments.run_dir(exp, PROFILE, 0)
    packed = archived_smoke / "runs" / PROFILE / "ch07" / folder.name
    assert sorted(p.name for p in packed.iterdir() if not p.name.endswith(".sha256")) == sorted(archive.FILES)
    state = checkpoints.load(packed / "checkpoint.pt")
    best = checkpoints.load(packed / "best.pt")["model"]
    floats = [t for t in [*state["model"].values(), *best.values()] if t.is_floating_point()]
    assert floats and all(t.dtype == torch.float16 for t in floats)
    assert state["optimizer"]["state"] == {} and state["optimizer"]["param_groups"]
    # the sitting that trained it scores the archived (rounded) weights, as a later one will
    assert all(torch.equal(v, best[k].float()) for k, v in trainer.model.state_dict().items() if v.is_floating_point())
    first, last, record = weights(trainer.model), weights(trainer.last_model), trainer.selection

    shutil.rmtree(archived_smoke / "_build")  # a new checkout: the archive only

    def no_training(self):
        raise AssertionError("a restored run must not train again")

    monkeypatch.setattr(Trainer, "save_checkpoint", no_training)
    exp, again = train()
    assert again.step == exp.config.iterations and again.selection == record
    assert all(torch.equal(first[k], v) for k, v in again.model.state_dict().items())
    assert all(torch.equal(last[k], v) for k, v in again.last_model.state_dict().items())


@pytest.mark.parametrize("last_is_best", [True, False])
def test_the_last_weights_are_stored_once_only_where_they_are_the_best(archived_smoke, tmp_path, last_is_best):
    exp, _ = train()
    folder = experiments.run_dir(exp, PROFILE, 0)
    last = checkpoints.load(folder / "checkpoint.pt")["model"]
    best = checkpoints.load(folder / "best.pt")
    best["model"] = {k: v if last_is_best or not v.is_floating_point() else v + 1 for k, v in last.items()}
    checkpoints.save(best, folder / "best.pt")
    packed = archive.pack(folder, tmp_path / "packed")
    assert checkpoints.load(packed / "checkpoint.pt").get(archive.MODEL_IN_BEST, False) == last_is_best
    archive.unpack(packed, tmp_path / "restored")
    restored = checkpoints.load(tmp_path / "restored" / "checkpoint.pt")["model"]
    assert all(torch.equal(v.half().float(), restored[k]) for k, v in last.items() if v.is_floating_point())
    assert archive.MODEL_IN_BEST not in checkpoints.load(tmp_path / "restored" / "checkpoint.pt")


def test_an_unfinished_run_is_not_archived(archived_smoke):
    exp = experiments.build(NAME, PROFILE, device="cpu")
    folder = experiments.run_dir(exp, PROFILE, 0)
    Trainer(exp.model, exp.loss, exp.train_set, exp.inputs, exp.config, folder, progress=False).train(stop_after=1)
    assert not archive.finished(folder)
    assert archive.pack_finished(PROFILE, "ch07") == []
    with pytest.raises(ValueError, match="has not finished"):
        archive.pack(folder, archived_smoke / "runs" / "x")


def test_a_new_identity_replaces_the_archive_of_the_same_run(archived_smoke):
    exp, _ = train()
    name = experiments.run_dir(exp, PROFILE, 0).name
    chapter = archived_smoke / "runs" / PROFILE / "ch07"
    older = chapter / (name[:-12] + "0" * 12)
    shutil.copytree(chapter / name, older)
    shutil.rmtree(chapter / name)
    assert archive.pack_finished(PROFILE, "ch07") == [name]
    assert not older.exists() and (chapter / name).is_dir()


def test_a_stale_run_left_in_the_build_folder_is_not_archived(archived_smoke):
    exp, _ = train()
    folder = experiments.run_dir(exp, PROFILE, 0)
    stale = folder.parent / (folder.name[:-12] + "0" * 12)  # the same row and seed, another identity
    shutil.copytree(folder, stale)
    assert archive.finished(stale) and not archive.current(PROFILE, "ch07", stale)
    assert archive.current(PROFILE, "ch07", folder)
    assert archive.pack_finished(PROFILE, "ch07") == []
    assert not (archived_smoke / "runs" / PROFILE / "ch07" / stale.name).exists()


def test_a_changed_archive_is_refused_naming_the_file(archived_smoke):
    exp, _ = train()
    name = experiments.run_dir(exp, PROFILE, 0).name
    packed = archived_smoke / "runs" / PROFILE / "ch07" / name / "checkpoint.pt"
    packed.write_bytes(packed.read_bytes()[:-10] + b"0123456789")
    shutil.rmtree(archived_smoke / "_build")
    with pytest.raises(checkpoints.CheckpointError, match="checkpoint.pt: contents differ"):
        train()


def test_weights_that_do_not_fit_float16_are_refused(tmp_path):
    with pytest.raises(ValueError, match="w does not fit float16"):
        archive._halved({"w": torch.tensor([1e6])}, tmp_path / "checkpoint.pt")


def test_deblur_reads_the_archived_run_before_shipped_weights_and_local_runs(archived_smoke):
    exp, _ = train()
    folder = experiments.run_dir(exp, PROFILE, 0)
    packed = archived_smoke / "runs" / PROFILE / "ch07" / folder.name
    assert deblur.resolve_checkpoint("ch07:unet-smoke@smoke") == packed / "best.pt"
    shutil.rmtree(packed)
    assert deblur.resolve_checkpoint("ch07:unet-smoke@smoke") == folder / "best.pt"
