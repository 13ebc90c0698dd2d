import re

import numpy as np
import pytest
from PIL import Image

from deblurbook.imaging import images


def test_rgb_round_trip(tmp_path):
    x = np.random.default_rng(0).random((9, 13, 3))
    path = images.write_png(tmp_path / "a.png", x)
    y = images.read_image(path)
    assert y.dtype == np.float32 and y.shape == (9, 13, 3)
    assert np.abs(y - x).max() <= 0.5 / 255 + 1e-6


def test_grey_is_converted_with_a_warning_or_refused(tmp_path):
    path = tmp_path / "grey.png"
    Image.fromarray(np.full((4, 5), 128, np.uint8)).save(path)
    with pytest.warns(UserWarning, match="grey.png: grey image converted"):
        y = images.read_image(path)
    assert y.shape == (4, 5, 3)
    with pytest.raises(images.ImageError, match="grey.png: grey image refused"):
        images.read_image(path, allow_grey=False)


def test_16_bit_grey_converted_exactly_and_16_bit_colour_png_refused(tmp_path):
    grey = tmp_path / "g16.png"
    Image.fromarray(np.full((4, 5), 1000, np.uint16)).save(grey)
    with pytest.warns(UserWarning, match="g16.png: grey image converted"):
        assert images.read_image(grey).max() == pytest.approx(1000 / 65535)
    for name, channels, kind in (("rgb16.png", 3, "RGB"), ("la16.png", 2, "grey\\+alpha"), ("rgba16.png", 4, "RGBA")):
        path = tmp_path / name
        path.write_bytes(images.png_bytes(np.full((3, 4, channels), 1000, np.uint16)))
        with pytest.raises(images.ImageError, match=f"{name}: 16-bit {kind} PNG refused"):
            images.read_image(path)


def test_tiff_is_read_with_every_bit_or_refused(tmp_path):
    import tifffile

    rgb16 = tmp_path / "rgb16.tif"
    tifffile.imwrite(rgb16, np.full((3, 4, 3), 1000, np.uint16), photometric="rgb")
    assert images.read_image(rgb16)[0, 0, 0] == pytest.approx(1000 / 65535)  # Pillow would give 3 / 255
    wide = tmp_path / "int32.tif"
    tifffile.imwrite(wide, np.full((3, 4), 300_000, np.int32))
    with pytest.raises(images.ImageError, match="int32.tif: int32 pixels refused"):
        images.read_image(wide)
    hot = tmp_path / "float.tif"
    tifffile.imwrite(hot, np.full((3, 4, 3), 2.0, np.float32), photometric="rgb")
    with pytest.raises(images.ImageError, match="float.tif: floating-point pixels outside"):
        images.read_image(hot)
    ok = tmp_path / "ok.tif"
    tifffile.imwrite(ok, np.full((3, 4, 3), 0.25, np.float32), photometric="rgb")
    assert images.read_image(ok).max() == pytest.approx(0.25)


BAD_FILES = {  # name: (bytes, what the error must say)
    "empty.png": (b"", "empty.png: empty file"),
    "bomb.png": (
        images.png_bytes(np.zeros((1, 1, 3), np.uint8), size=(30_000, 30_000)),
        "bomb.png: refused as a possible decompression bomb",
    ),
    "deep.pgm": (
        b"P5\n2 2\n65535\n" + np.full(4, 40_000, ">u2").tobytes(),  # opens in Pillow as 32-bit "I"
        "deep.pgm: 32-bit integer image refused",
    ),
    "broken.png": (b"\x89PNG\r\n\x1a\nnot really", "broken.png: cannot be read"),
    "notes.jpg": (b"hello", "notes.jpg"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_files_are_refused_by_name(tmp_path, name):
    content, message = BAD_FILES[name]
    (tmp_path / name).write_bytes(content)
    with pytest.raises(images.ImageError, match=re.escape(message)):
        images.read_image(tmp_path / name)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothere.png"):
        images.read_image(tmp_path / "nothere.png")


def test_rgba_drops_alpha(tmp_path):
    path = tmp_path / "rgba.png"
    Image.fromarray(np.full((3, 3, 4), 200, np.uint8)).save(path)
    assert images.read_image(path).shape == (3, 3, 3)


def test_as_rgb_float_conversions():
    assert images.as_rgb_float(np.full((2, 3), 255, np.uint8)).shape == (2, 3, 3)
    assert images.as_rgb_float(np.full((2, 3, 4), 65535, np.uint16)).max() == 1.0
    with pytest.raises(ValueError, match="pixel type"):
        images.as_rgb_float(np.zeros((2, 2), np.int64))
    with pytest.raises(ValueError, match="shape"):
        images.as_rgb_float(np.zeros((2, 2, 2), np.uint8))
