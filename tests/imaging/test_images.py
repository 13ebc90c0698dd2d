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


def test_16_bit_grey_converted_and_16_bit_rgb_refused(tmp_path):
    grey = tmp_path / "g16.png"
    Image.fromarray(np.full((4, 5), 65535, np.uint16)).save(grey)
    with pytest.warns(UserWarning, match="g16.png: 16-bit grey"):
        assert images.read_image(grey).max() == 1.0
    rgb = tmp_path / "rgb16.png"
    rgb.write_bytes(images.png16_bytes(np.full((3, 4, 3), 1000, np.uint16)))
    with pytest.raises(images.ImageError, match="rgb16.png: 16-bit RGB PNG refused"):
        images.read_image(rgb)


def test_rgba_drops_alpha(tmp_path):
    path = tmp_path / "rgba.png"
    Image.fromarray(np.full((3, 3, 4), 200, np.uint8)).save(path)
    assert images.read_image(path).shape == (3, 3, 3)


def test_corrupt_and_missing_files_are_named(tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(images.ImageError, match="broken.png: cannot be read"):
        images.read_image(bad)
    text = tmp_path / "notes.jpg"
    text.write_text("hello")
    with pytest.raises(images.ImageError, match="notes.jpg"):
        images.read_image(text)
    with pytest.raises(FileNotFoundError, match="nothere.png"):
        images.read_image(tmp_path / "nothere.png")


def test_as_rgb_float_conversions():
    assert images.as_rgb_float(np.full((2, 3), 255, np.uint8)).shape == (2, 3, 3)
    assert images.as_rgb_float(np.full((2, 3, 4), 65535, np.uint16)).max() == 1.0
    with pytest.raises(ValueError, match="pixel type"):
        images.as_rgb_float(np.zeros((2, 2), np.int64))
    with pytest.raises(ValueError, match="shape"):
        images.as_rgb_float(np.zeros((2, 2, 2), np.uint8))
