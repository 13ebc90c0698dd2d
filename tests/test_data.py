import numpy as np
import pytest
import torch
from PIL import Image

from deblurbook import data
from deblurbook.images import ImageError, write_png


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
        out = data.augment({"sharp": first, "blur_next": second, "flow": flow}, np.random.default_rng(seed))
        fu, fv = out["flow"][0, 0]
        h, w = out["sharp"].shape[:2]
        ys, xs = np.mgrid[:h, :w]
        moved = out["blur_next"][(ys + int(round(fv))) % h, (xs + int(round(fu))) % w]
        assert np.allclose(moved, out["sharp"]), seed
        seen.add((out["sharp"].shape[:2], int(fu), int(fv)))
    assert len(seen) >= 6  # flips and rotations all happened


def test_augment_crop_and_errors():
    sample = {"blur": np.zeros((20, 30, 3)), "mask": np.zeros((20, 30), bool), "frames": np.array(7)}
    out = data.augment(sample, np.random.default_rng(1), crop=(9, 9))
    assert out["blur"].shape == (9, 9, 3) and out["mask"].shape == (9, 9) and int(out["frames"]) == 7
    with pytest.raises(ValueError, match="larger"):
        data.augment(sample, np.random.default_rng(1), crop=(25, 9))


def test_synthetic_dataset_is_deterministic_whatever_the_workers():
    ds = data.SyntheticDataset("mixed", crop=21, length=4, seed=3, signals=("blur", "sharp", "flow", "mask"))
    item = ds[2]
    assert item["blur"].shape == (3, 21, 21) and item["flow"].shape == (2, 21, 21)
    assert item["mask"].shape == (1, 21, 21)
    batches = {}
    for workers in (0, 2):
        batches[workers] = [b["blur"] for b in data.loader(ds, batch=2, workers=workers, seed=9)]
    assert all(torch.equal(a, b) for a, b in zip(batches[0], batches[2]))
    assert torch.equal(ds[2]["blur"], item["blur"])
    with pytest.raises(IndexError):
        ds[4]


def test_test_set_written_once_with_verified_checksums(tmp_path):
    folder = data.write_test_set("local", (24, 31), 2, folder=tmp_path / "ts")
    ts = data.TestSet(folder)
    assert len(ts) == 2 and ts.manifest["content"] == "test split"
    s = ts.load(1)
    assert s["blur"].shape == (24, 31, 3) and s["flow"].shape == (24, 31, 2) and s["mask"].dtype == bool
    before = (folder / "manifest.json").stat().st_mtime_ns
    data.write_test_set("local", (24, 31), 2, folder=folder)  # already there: untouched
    assert (folder / "manifest.json").stat().st_mtime_ns == before
    write_png(folder / "blur" / "0001.png", np.zeros((24, 31, 3)))
    with pytest.raises(ValueError, match="0001.png: checksum differs"):
        data.TestSet(folder)
    (folder / "mask" / "0000.npy").unlink()
    with pytest.raises(FileNotFoundError, match="0000.npy: listed in"):
        data.TestSet(folder)
    with pytest.raises(FileNotFoundError, match="no manifest"):
        data.TestSet(tmp_path)


def _img(path, size=(6, 5), value=100, mode="RGB"):
    path.parent.mkdir(parents=True, exist_ok=True)
    shape = (size[1], size[0], 3) if mode == "RGB" else (size[1], size[0])
    Image.fromarray(np.full(shape, value, np.uint8), mode).save(path)
    return path


def test_gopro_layout(tmp_path):
    for seq in ("GOPR0001_00_00", "GOPR0002_00_00"):
        for sub in ("blur", "blur_gamma", "sharp"):
            for i in (1, 2):
                _img(tmp_path / "test" / seq / sub / f"{i:06d}.png")
    pairs = data.gopro_pairs(tmp_path)
    assert len(pairs) == 4 and pairs[0].group == "GOPR0001_00_00"
    assert data.gopro_pairs(tmp_path, gamma_blur=True)[0].blur.parent.name == "blur_gamma"
    with pytest.raises(FileNotFoundError, match="train: missing folder"):
        data.gopro_pairs(tmp_path, "train")


def test_hide_layout(tmp_path):
    for sub in ("test-close-ups", "test-long-shot"):
        _img(tmp_path / "test" / sub / f"{sub}.png")
        _img(tmp_path / "GT" / f"{sub}.png")
    assert len(data.hide_pairs(tmp_path)) == 2
    _img(tmp_path / "test" / "test-long-shot" / "orphan.png")
    with pytest.raises(ValueError, match="orphan.png: no ground truth"):
        data.hide_pairs(tmp_path)


def test_realblur_layout(tmp_path):
    _img(tmp_path / "RealBlur-J_ECC" / "scene001" / "gt" / "gt_1.png")
    _img(tmp_path / "RealBlur-J_ECC" / "scene001" / "blur" / "blur_1.png")
    (tmp_path / "RealBlur_J_test_list.txt").write_text(
        "RealBlur-J_ECC/scene001/gt/gt_1.png RealBlur-J_ECC/scene001/blur/blur_1.png\n")
    pairs = data.realblur_pairs(tmp_path, "J")
    assert len(pairs) == 1 and pairs[0].group == "scene001" and pairs[0].sharp.name == "gt_1.png"
    with pytest.raises(FileNotFoundError, match="RealBlur_R_test_list.txt"):
        data.realblur_pairs(tmp_path, "R")
    (tmp_path / "RealBlur_J_test_list.txt").write_text("only_one_path.png\n")
    with pytest.raises(ValueError, match="RealBlur_J_test_list.txt:1"):
        data.realblur_pairs(tmp_path, "J")
    with pytest.raises(ValueError, match="'J' or 'R'"):
        data.realblur_pairs(tmp_path, "K")


def test_reds_dvd_and_lode_layouts(tmp_path):
    for clip in ("000", "001"):
        for i in range(3):
            _img(tmp_path / "reds" / "val_blur" / clip / f"{i:08d}.png")
            _img(tmp_path / "reds" / "val_sharp" / clip / f"{i:08d}.png")
            _img(tmp_path / "dvd" / f"clip{clip}" / "input" / f"{i:05d}.jpg")
            _img(tmp_path / "dvd" / f"clip{clip}" / "GT" / f"{i:05d}.jpg")
    _img(tmp_path / "lode" / "test" / "blur" / "a.png")
    _img(tmp_path / "lode" / "test" / "sharp" / "a.png")
    assert len(data.reds_pairs(tmp_path / "reds")) == 6
    assert len(data.dvd_pairs(tmp_path / "dvd")) == 6
    assert len(data.lode_pairs(tmp_path / "lode")) == 1
    with pytest.raises(FileNotFoundError, match="train_blur: missing folder"):
        data.reds_pairs(tmp_path / "reds", "train")


def test_unmatched_names_and_pair_errors(tmp_path):
    _img(tmp_path / "blur" / "a.png")
    _img(tmp_path / "blur" / "b.png")
    _img(tmp_path / "sharp" / "a.png", size=(7, 5))
    _img(tmp_path / "sharp" / "c.png")
    with pytest.raises(ValueError, match=r"only blurred \['b.png'\], only sharp \['c.png'\]"):
        data.match_folders(tmp_path / "blur", tmp_path / "sharp")
    (tmp_path / "sharp" / "c.png").rename(tmp_path / "sharp" / "b.png")
    ds = data.PairDataset(data.match_folders(tmp_path / "blur", tmp_path / "sharp"))
    with pytest.raises(ValueError, match=r"a.png is 6x5 but .*a.png is 7x5"):
        ds[0]
    (tmp_path / "blur" / "b.png").write_bytes(b"garbage")
    with pytest.raises(ImageError, match="b.png: cannot be read"):
        ds[1]
    with pytest.raises(FileNotFoundError, match="nope: missing folder"):
        data.match_folders(tmp_path / "nope", tmp_path / "sharp")
    with pytest.raises(ValueError, match="no pairs"):
        data.PairDataset([])


def test_grey_pair_refused_when_rgb_is_required(tmp_path):
    _img(tmp_path / "blur" / "a.png", mode="L")
    _img(tmp_path / "sharp" / "a.png")
    ds = data.PairDataset(data.match_folders(tmp_path / "blur", tmp_path / "sharp"), allow_grey=False)
    with pytest.raises(ImageError, match="a.png: grey image refused"):
        ds[0]


def test_shared_real_samples_load():
    pairs = data.realdata_gopro_pairs()
    assert len(pairs) == 30
    item = data.PairDataset(pairs)[0]
    assert item["blur"].shape == item["sharp"].shape == (3, 128, 128)
    clips = data.realdata_reds_clips()
    assert sorted(clips) == ["000", "001"] and all(len(c) == 10 for c in clips.values())
    assert data.PairDataset(clips["000"]).load(0)["blur"].shape == (180, 320, 3)
