"""Shipped weights: float16 with the run's identity, found before local runs, the default model,
stale weights said to be stale."""

import numpy as np
import pytest
import torch

from deblurbook.core.checkpoints import CheckpointError
from deblurbook.imaging.photo_io import read_photo, write_photo
from deblurbook.training import deblur, experiments, shipped


@pytest.fixture
def root(empty_root):
    return empty_root


def test_shipped_weights_are_float16_with_their_identity_and_load_into_the_model(root):
    exp = experiments.build("ch07:unet-smoke", "smoke", device="cpu")
    path = shipped.ship(exp.name, "smoke", 0, exp.model, exp.identity)
    assert path == root / "weights" / "smoke" / "ch07" / "unet-smoke-seed0.pt"
    assert shipped.find(exp.name, "smoke", 0) == path and shipped.find(exp.name, "smoke", 1) is None
    stored = torch.load(path, weights_only=True)
    assert all(v.dtype == torch.float16 for v in stored["model"].values())
    assert stored["identity"]["digest"] == exp.identity["digest"] and shipped.stale_note(path, exp.identity) is None
    fresh = experiments.build("ch07:unet-smoke", "smoke", seed=3, device="cpu").model
    from deblurbook.training.trainer import load_model_weights

    load_model_weights(fresh, path)
    assert all(
        torch.allclose(a, b.half().float())
        for a, b in zip(fresh.state_dict().values(), exp.model.state_dict().values())
    )
    other = experiments.build("ch07:unet-smoke", "smoke", seed=1, device="cpu").identity
    assert "stale" in shipped.stale_note(path, other)
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(CheckpointError, match="unet-smoke-seed0.pt"):
        shipped.find(exp.name, "smoke", 0) and load_model_weights(fresh, path)


def test_deblur_uses_shipped_weights_first_and_the_shipped_default_without_a_checkpoint(root, tmp_path, capsys):
    exp = experiments.build("ch07:unet-smoke", "smoke", device="cpu")
    image = tmp_path / "photo.png"
    write_photo(image, np.random.default_rng(0).uniform(size=(21, 30, 3)).astype(np.float32), 8)
    out = tmp_path / "out"
    assert deblur.main([str(image), "--out", str(out), "--device", "cpu"]) == 2
    assert "no default model" in capsys.readouterr().err
    shipped.ship(exp.name, "smoke", 0, exp.model, exp.identity)
    assert deblur.resolve_checkpoint("ch07:unet-smoke@smoke") == shipped.path_of(exp.name, "smoke", 0)
    with pytest.raises(FileNotFoundError):
        shipped.set_default("ch07:mtdn-smoke", "smoke")
    shipped.set_default(exp.name, "smoke")
    assert shipped.default_model() == "ch07:unet-smoke@smoke"
    assert deblur.main([str(image), "--out", str(out), "--device", "cpu"]) == 0
    assert read_photo(out / "photo.png").pixels.shape == (21, 30, 3)
    stale = experiments.build("ch07:unet-smoke", "smoke", seed=2, device="cpu")
    shipped.ship(exp.name, "smoke", 0, stale.model, stale.identity)  # another run's identity in the file
    assert deblur.main([str(image), "--out", str(out / "again"), "--device", "cpu"]) == 0
    assert "stale" in capsys.readouterr().err
