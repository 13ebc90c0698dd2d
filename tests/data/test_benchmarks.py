import numpy as np
import pytest
from PIL import Image

from deblurbook.data import benchmarks


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
    pairs = benchmarks.gopro_pairs(tmp_path)
    assert len(pairs) == 4 and pairs[0].group == "GOPR0001_00_00"
    assert benchmarks.gopro_pairs(tmp_path, gamma_blur=True)[0].blur.parent.name == "blur_gamma"
    with pytest.raises(FileNotFoundError, match="train: missing folder"):
        benchmarks.gopro_pairs(tmp_path, "train")


def test_hide_layout(tmp_path):
    for sub in ("test-close-ups", "test-long-shot"):
        _img(tmp_path / "test" / sub / f"{sub}.png")
        _img(tmp_path / "GT" / f"{sub}.png")
    assert len(benchmarks.hide_pairs(tmp_path)) == 2
    _img(tmp_path / "test" / "test-long-shot" / "orphan.png")
    with pytest.raises(ValueError, match="orphan.png: no ground truth"):
        benchmarks.hide_pairs(tmp_path)


def test_realblur_layout(tmp_path):
    _img(tmp_path / "RealBlur-J_ECC" / "scene001" / "gt" / "gt_1.png")
    _img(tmp_path / "RealBlur-J_ECC" / "scene001" / "blur" / "blur_1.png")
    (tmp_path / "RealBlur_J_test_list.txt").write_text(
        "RealBlur-J_ECC/scene001/gt/gt_1.png RealBlur-J_ECC/scene001/blur/blur_1.png\n"
    )
    pairs = benchmarks.realblur_pairs(tmp_path, "J")
    assert len(pairs) == 1 and pairs[0].group == "scene001" and pairs[0].sharp.name == "gt_1.png"
    with pytest.raises(FileNotFoundError, match="RealBlur_R_test_list.txt"):
        benchmarks.realblur_pairs(tmp_path, "R")
    (tmp_path / "RealBlur_J_test_list.txt").write_text("only_one_path.png\n")
    with pytest.raises(ValueError, match="RealBlur_J_test_list.txt:1"):
        benchmarks.realblur_pairs(tmp_path, "J")
    with pytest.raises(ValueError, match="'J' or 'R'"):
        benchmarks.realblur_pairs(tmp_path, "K")


def test_reds_dvd_and_lode_layouts(tmp_path):
    for clip in ("000", "001"):
        for i in range(3):
            _img(tmp_path / "reds" / "val_blur" / clip / f"{i:08d}.png")
            _img(tmp_path / "reds" / "val_sharp" / clip / f"{i:08d}.png")
            _img(tmp_path / "dvd" / f"clip{clip}" / "input" / f"{i:05d}.jpg")
            _img(tmp_path / "dvd" / f"clip{clip}" / "GT" / f"{i:05d}.jpg")
    _img(tmp_path / "lode" / "test" / "blur" / "a.png")
    _img(tmp_path / "lode" / "test" / "sharp" / "a.png")
    assert len(benchmarks.reds_pairs(tmp_path / "reds")) == 6
    assert len(benchmarks.dvd_pairs(tmp_path / "dvd")) == 6
    assert len(benchmarks.lode_pairs(tmp_path / "lode")) == 1
    with pytest.raises(FileNotFoundError, match="train_blur: missing folder"):
        benchmarks.reds_pairs(tmp_path / "reds", "train")


def test_hidden_files_and_folders_are_ignored(tmp_path):
    for seq in ("GOPR0001_00_00", ".ipynb_checkpoints"):
        for sub in ("blur", "sharp"):
            _img(tmp_path / "test" / seq / sub / "000001.png")
    (tmp_path / "test" / "GOPR0001_00_00" / "blur" / "._000001.png").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    (tmp_path / "test" / "GOPR0001_00_00" / "sharp" / ".DS_Store").write_bytes(b"junk")
    pairs = benchmarks.gopro_pairs(tmp_path)
    assert [p.group for p in pairs] == ["GOPR0001_00_00"] and len(pairs) == 1


def test_unknown_splits_are_refused_and_empty_layouts_are_errors(tmp_path):
    with pytest.raises(ValueError, match="unknown HIDE split 'tset'; known: train, test"):
        benchmarks.hide_pairs(tmp_path, subset="tset")
    for call in (
        lambda: benchmarks.gopro_pairs(tmp_path, "val"),
        lambda: benchmarks.reds_pairs(tmp_path, "tests"),
        lambda: benchmarks.realblur_pairs(tmp_path, "J", "valid"),
        lambda: benchmarks.lode_pairs(tmp_path, "x"),
    ):
        with pytest.raises(ValueError, match="unknown .* split"):
            call()
    (tmp_path / "reds" / "val_blur").mkdir(parents=True)
    (tmp_path / "reds" / "val_sharp").mkdir()
    with pytest.raises(FileNotFoundError, match="val_blur: no clip folders inside"):
        benchmarks.reds_pairs(tmp_path / "reds")
    for sub in ("test/test-close-ups", "test/test-long-shot", "GT"):
        (tmp_path / "hide" / sub).mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="no HIDE test images inside"):
        benchmarks.hide_pairs(tmp_path / "hide")
    (tmp_path / "RealBlur_J_test_list.txt").write_text("\n\n")
    with pytest.raises(FileNotFoundError, match="no pairs listed"):
        benchmarks.realblur_pairs(tmp_path, "J")
