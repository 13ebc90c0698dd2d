"""The deblur command: named checkpoints, sizes, orientation and bit depth kept, clear refusals."""

import argparse

import imagecodecs
import numpy as np
import pytest
from PIL import Image

from deblurbook.imaging.photo_io import read_photo, write_photo
from deblurbook.training import deblur, experiments


@pytest.fixture
def trained(tmp_path_factory, monkeypatch):
    root = tmp_path_factory.mktemp("root")
    monkeypatch.setenv("DEBLURBOOK_ROOT", str(root))
    for row in ("two_way", "single"):
        experiments.train_experiment(f"ch06:{row}", "smoke", seed=0, device="cpu", progress=False)
    return root


def _photos(folder, rng):
    pixels = rng.uniform(size=(37, 53, 3)).astype(np.float32)
    write_photo(folder / "a.png", pixels, 8)
    write_photo(folder / "b.tif", pixels, 16)
    image = Image.fromarray((pixels * 255).astype(np.uint8))
    exif = image.getexif()
    exif[0x0112] = 6  # shown rotated a quarter turn clockwise
    image.save(folder / "c.jpg", exif=exif)
    (folder / "d.png").write_bytes(imagecodecs.png_encode(np.round(pixels * 65535).astype(np.uint16)))


def test_a_named_model_keeps_each_images_size_orientation_and_depth(trained, tmp_path):
    _photos(tmp_path, np.random.default_rng(0))
    out = tmp_path / "out"
    images = [str(tmp_path / n) for n in ("a.png", "b.tif", "c.jpg", "d.png")]
    assert (
        deblur.main(
            [
                *images,
                "--checkpoint",
                "ch06:two_way@smoke",
                "--out",
                str(out),
                "--tile",
                "32",
                "--overlap",
                "8",
                "--device",
                "cpu",
            ]
        )
        == 0
    )
    a, b, c, d = (read_photo(out / n) for n in ("a.png", "b.tif", "c.png", "d.png"))
    assert a.pixels.shape == b.pixels.shape == d.pixels.shape == (37, 53, 3) and c.pixels.shape == (53, 37, 3)
    assert (a.bits, b.bits, c.bits, d.bits) == (8, 16, 8, 16)
    assert np.abs(d.pixels - b.pixels).max() < 1e-4  # the same pixels in at 16 bits: the same out
    assert (
        deblur.main(
            [
                images[0],
                "--checkpoint",
                "ch06:two_way@smoke",
                "--out",
                str(out / "scaled"),
                "--scale",
                "2",
                "--device",
                "cpu",
            ]
        )
        == 0
    )
    assert read_photo(out / "scaled" / "a.png").pixels.shape == (37, 53, 3)


def test_refusals_name_what_is_wrong(trained, tmp_path, capsys):
    _photos(tmp_path, np.random.default_rng(1))
    image, out = str(tmp_path / "a.png"), str(tmp_path / "out")
    cases = [
        (["--checkpoint", "two_way"], "not a model name"),
        (["--checkpoint", "ch06:two_way@small#7"], "no trained run"),
        (["--checkpoint", str(tmp_path / "missing.pt"), "--model", "ch06:two_way@smoke"], "missing.pt"),
        (
            ["--checkpoint", str(deblur.resolve_checkpoint("ch06:single@smoke")), "--model", "ch06:two_way@smoke"],
            "do not fit",
        ),
        (["--checkpoint", "ch06:two_way@smoke", "--scale", "0.5"], "--scale"),
    ]
    for extra, message in cases:
        assert deblur.main([image, "--out", out, "--device", "cpu", *extra]) == 2
        assert message in capsys.readouterr().err
    (tmp_path / "bad.png").write_bytes(b"not an image")
    assert deblur.main([str(tmp_path / "bad.png"), "--checkpoint", "ch06:two_way@smoke", "--out", out]) == 2
    assert "bad.png" in capsys.readouterr().err
    assert deblur.main([image, "--checkpoint", "ch06:two_way@smoke", "--out", str(tmp_path)]) == 2
    assert "would overwrite an input" in capsys.readouterr().err


def test_a_second_frame_must_be_given_and_match(tmp_path):
    rng = np.random.default_rng(2)
    write_photo(tmp_path / "a.png", rng.uniform(size=(20, 30, 3)), 8)
    write_photo(tmp_path / "b.png", rng.uniform(size=(20, 31, 3)), 8)
    first = read_photo(tmp_path / "a.png")
    with pytest.raises(ValueError, match="--next"):
        deblur._second(argparse.Namespace(next=None), "blur_next", first)
    with pytest.raises(ValueError, match="b.png: 31x20 px, but .*a.png is 30x20"):
        deblur._second(argparse.Namespace(next=tmp_path / "b.png"), "blur_next", first)


@pytest.mark.parametrize("experiment, option", [("ch02:full", "--next"), ("ch04:full", "--ref")])
def test_two_input_models_take_their_second_image_from_its_option(tmp_path, monkeypatch, experiment, option):
    monkeypatch.setenv("DEBLURBOOK_ROOT", str(tmp_path))
    experiments.train_experiment(experiment, "smoke", seed=0, device="cpu", progress=False)
    rng = np.random.default_rng(3)
    for name in ("a.png", "b.png"):
        write_photo(tmp_path / name, rng.uniform(size=(37, 45, 3)), 8)
    args = [
        str(tmp_path / "a.png"),
        "--checkpoint",
        f"{experiment}@smoke",
        "--out",
        str(tmp_path / "out"),
        "--device",
        "cpu",
    ]
    assert deblur.main([*args, option, str(tmp_path / "b.png")]) == 0
    assert read_photo(tmp_path / "out" / "a.png").pixels.shape == (37, 45, 3)
    assert deblur.main(args) == 2  # without it: a clear refusal, not a KeyError
