import numpy as np
import pytest
from PIL import Image, ImageOps

from deblurbook.imaging.images import ImageError, png_bytes
from deblurbook.imaging.photo_io import read_photo, upright, write_photo


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientations_match_pillows(tmp_path, orientation):
    rng = np.random.default_rng(orientation)
    array = (rng.uniform(size=(5, 7, 3)) * 255).astype(np.uint8)
    image = Image.fromarray(array)
    exif = image.getexif()
    exif[0x0112] = orientation
    path = tmp_path / "photo.jpg"
    image.save(path, exif=exif, quality=100)
    with Image.open(path) as im:
        expected = np.asarray(ImageOps.exif_transpose(im)).astype(np.float32) / 255
    photo = read_photo(path)
    assert photo.bits == 8 and not photo.tiff
    assert photo.pixels.shape == expected.shape and np.allclose(photo.pixels, expected, atol=1e-6)
    assert upright(array, orientation).shape == expected.shape


def test_bit_depth_round_trips(tmp_path):
    pixels = np.random.default_rng(0).uniform(size=(6, 9, 3)).astype(np.float32)
    write_photo(tmp_path / "a.png", pixels, 8)
    assert read_photo(tmp_path / "a.png").bits == 8
    write_photo(tmp_path / "b.tif", pixels, 16)
    back = read_photo(tmp_path / "b.tif")
    assert back.bits == 16 and back.tiff and np.abs(back.pixels - pixels).max() < 1 / 65535
    grey16 = (pixels[..., 0] * 65535).astype(np.uint16)
    (tmp_path / "c.png").write_bytes(png_bytes(grey16))
    with pytest.warns(UserWarning, match="grey"):
        assert read_photo(tmp_path / "c.png").bits == 16


def test_refusals_name_the_file(tmp_path):
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(ImageError, match="broken.png"):
        read_photo(tmp_path / "broken.png")
    with pytest.raises(ImageError, match="PNG"):
        write_photo(tmp_path / "x.jpg", np.zeros((2, 2, 3)), 8)
