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


@pytest.mark.parametrize("channels", [3, 4, 2])
def test_16_bit_colour_png_keeps_every_bit(tmp_path, channels):
    import imagecodecs

    rng = np.random.default_rng(channels)
    array = rng.integers(0, 65536, size=(19, 23, channels), dtype=np.uint16)
    path = tmp_path / "deep.png"
    path.write_bytes(imagecodecs.png_encode(array))  # libpng's own filters, not only filter 0
    photo = read_photo(path)
    colour = array[..., :3] if channels != 2 else np.repeat(array[..., :1], 3, axis=2)
    assert photo.bits == 16 and not photo.tiff
    assert np.array_equal(np.round(photo.pixels * 65535).astype(np.uint16), colour)
    write_photo(tmp_path / "back.png", photo.pixels, 16)
    assert np.array_equal(imagecodecs.png_decode((tmp_path / "back.png").read_bytes()), colour)


def test_a_corrupt_16_bit_colour_png_is_refused_by_name(tmp_path):
    header = png_bytes(np.zeros((4, 5, 3), np.uint16))
    path = tmp_path / "cut.png"
    path.write_bytes(header[: len(header) // 2])
    with pytest.raises(ImageError, match="cut.png"):
        read_photo(path)
