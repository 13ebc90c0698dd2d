import numpy as np
import pytest
import torch

from deblurbook.data.benchmarks import match_folders
from deblurbook.data.datasets import PairDataset, SyntheticDataset, augment, loader
from deblurbook.imaging.images import ImageError
from tests.data.test_benchmarks import _img


def test_augmentation_moves_flow_vectors_with_the_pixels():
    """second(x + flow(x)) == first(x) must survive every flip and rotation."""
    rng = np.random.default_rng(0)
    first = rng.random((24, 30, 3))
    u, v = 3, -2
    second = np.roll(first, (v, u), axis=(0, 1))  # content moves by (u, v)
    flow = np.zeros((24, 30, 2), np.float32)
    flow[..., 0], flow[..., 1] = u, v
    seen = set()
    for seed in range(40):
        out = augment({"sharp": first, "blur_next": second, "flow": flow}, np.random.default_rng(seed))
        fu, fv = out["flow"][0, 0]
        h, w = out["sharp"].shape[:2]
        ys, xs = np.mgrid[:h, :w]
        moved = out["blur_next"][(ys + int(round(fv))) % h, (xs + int(round(fu))) % w]
        assert np.allclose(moved, out["sharp"]), seed
        seen.add((out["sharp"].shape[:2], int(fu), int(fv)))
    assert len(seen) >= 6  # flips and rotations all happened


def test_augment_crop_and_errors():
    sample = {"blur": np.zeros((20, 30, 3)), "mask": np.zeros((20, 30), bool), "frames": np.array(7)}
    out = augment(sample, np.random.default_rng(1), crop=(9, 9))
    assert out["blur"].shape == (9, 9, 3) and out["mask"].shape == (9, 9) and int(out["frames"]) == 7
    with pytest.raises(ValueError, match="larger"):
        augment(sample, np.random.default_rng(1), crop=(25, 9))


def test_synthetic_dataset_is_deterministic_whatever_the_workers():
    ds = SyntheticDataset("mixed", crop=21, length=4, seed=3, signals=("blur", "sharp", "flow", "mask"))
    item = ds[2]
    assert item["blur"].shape == (3, 21, 21) and item["flow"].shape == (2, 21, 21)
    assert item["mask"].shape == (1, 21, 21)
    batches = {}
    for workers in (0, 2):
        batches[workers] = [b["blur"] for b in loader(ds, batch=2, workers=workers, seed=9)]
    assert all(torch.equal(a, b) for a, b in zip(batches[0], batches[2]))
    assert torch.equal(ds[2]["blur"], item["blur"])
    with pytest.raises(IndexError):
        ds[4]


def test_unmatched_names_and_pair_errors(tmp_path):
    _img(tmp_path / "blur" / "a.png")
    _img(tmp_path / "blur" / "b.png")
    _img(tmp_path / "sharp" / "a.png", size=(7, 5))
    _img(tmp_path / "sharp" / "c.png")
    with pytest.raises(ValueError, match=r"only blurred \['b.png'\], only sharp \['c.png'\]"):
        match_folders(tmp_path / "blur", tmp_path / "sharp")
    (tmp_path / "sharp" / "c.png").rename(tmp_path / "sharp" / "b.png")
    ds = PairDataset(match_folders(tmp_path / "blur", tmp_path / "sharp"))
    with pytest.raises(ValueError, match=r"a.png is 6x5 but .*a.png is 7x5"):
        ds[0]
    (tmp_path / "blur" / "b.png").write_bytes(b"garbage")
    with pytest.raises(ImageError, match="b.png: cannot be read"):
        ds[1]
    with pytest.raises(FileNotFoundError, match="nope: missing folder"):
        match_folders(tmp_path / "nope", tmp_path / "sharp")
    with pytest.raises(ValueError, match="no pairs"):
        PairDataset([])


def test_grey_pair_refused_when_rgb_is_required(tmp_path):
    _img(tmp_path / "blur" / "a.png", mode="L")
    _img(tmp_path / "sharp" / "a.png")
    ds = PairDataset(match_folders(tmp_path / "blur", tmp_path / "sharp"), allow_grey=False)
    with pytest.raises(ImageError, match="a.png: grey image refused"):
        ds[0]


def test_interleave_gives_one_slot_in_every_to_the_extra_preset():
    from deblurbook.data.datasets import interleave

    assert interleave(("global", "mixed"), "local", 7) == ("global", "mixed") * 3 + ("local",)
    assert interleave(("global",), "local", 2) == ("global", "local")
    with pytest.raises(ValueError, match="every >= 2"):
        interleave(("global", "mixed"), "local", 1)
