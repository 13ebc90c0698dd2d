"""Photos in and out for the ``deblur`` command: the pixels of :func:`~.images.read_image`,
upright (the EXIF orientation applied), with the bit depth and kind of file they came in, and
written back at that depth, atomically.

* 8-bit PNG, JPEG and other 8-bit files come back as 8-bit PNG (JPEG is not written back:
  a second lossy compression would be blamed on the model);
* 16-bit TIFF comes back as 16-bit TIFF, 16-bit PNG (grey or colour) as 16-bit PNG. Pillow
  keeps only 8 bits of a 16-bit colour PNG (:func:`~.images.read_image` refuses one for that
  reason), so such files are decoded here with libpng through ``imagecodecs``, every bit kept;
  an alpha channel is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from ..core.atomic import atomic_path
from .images import TIFF_SUFFIXES, ImageError, _png_header, as_rgb_float, png_bytes, read_image, write_png

EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True)
class Photo:
    """An upright image (H, W, 3) float32 in [0, 1], its source bit depth, and its source's kind."""

    pixels: np.ndarray
    bits: int
    tiff: bool
    path: Path


def _orientation(path: Path) -> int:
    try:
        with Image.open(path) as im:
            return int(im.getexif().get(EXIF_ORIENTATION, 1))
    except (OSError, ValueError):
        return 1


def upright(pixels: np.ndarray, orientation: int) -> np.ndarray:
    """Apply EXIF orientation 1-8 to (H, W, C) pixels (what a viewer shows)."""
    ops = {
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1],
        5: lambda a: a.transpose(1, 0, 2),
        6: lambda a: np.rot90(a, -1),
        7: lambda a: a[::-1, ::-1].transpose(1, 0, 2),
        8: lambda a: np.rot90(a, 1),
    }
    return np.ascontiguousarray(ops[orientation](pixels)) if orientation in ops else pixels


def _bits(path: Path) -> int:
    header = _png_header(path)
    if header is not None:
        return 16 if header[0] == 16 else 8
    if path.suffix.lower() in TIFF_SUFFIXES:
        import tifffile

        with tifffile.TiffFile(path) as tif:
            return 16 if tif.pages[0].dtype == np.uint16 else 8
    with Image.open(path) as im:
        return 16 if im.mode.startswith("I;16") else 8


def _read_png16_colour(path: Path) -> np.ndarray:
    """A 16-bit colour (RGB, RGBA, grey+alpha) PNG as float32 HxWx3, every bit kept."""
    import imagecodecs

    try:
        array = imagecodecs.png_decode(path.read_bytes())
    except Exception as err:  # noqa: BLE001 - libpng's errors come in several kinds; name the file
        raise ImageError(f"{path}: cannot be decoded as a 16-bit PNG ({type(err).__name__}: {err})") from None
    if array.ndim == 3 and array.shape[-1] == 2:  # grey + alpha
        array = array[..., 0]
    return as_rgb_float(array, str(path))


def read_photo(path: str | Path) -> Photo:
    """A photo, upright, with its bit depth; errors name the file (see :func:`~.images.read_image`)."""
    path = Path(path)
    header = _png_header(path) if path.is_file() else None
    if header is not None and header[0] == 16 and header[1] != 0:
        pixels = _read_png16_colour(path)
    else:
        pixels = read_image(path, allow_grey=True)
    return Photo(upright(pixels, _orientation(path)), _bits(path), path.suffix.lower() in TIFF_SUFFIXES, path)


def output_suffix(photo: Photo) -> str:
    return ".tif" if photo.tiff else ".png"


def write_photo(path: str | Path, pixels: np.ndarray, bits: int) -> Path:
    """Write (H, W, 3) [0, 1] pixels atomically: 8-bit PNG, or at 16 bits a PNG or (``.tif``) TIFF."""
    path = Path(path)
    if bits == 8:
        if path.suffix.lower() != ".png":
            raise ImageError(f"{path}: 8-bit output is written as PNG")
        return write_png(path, pixels)
    if bits != 16:
        raise ImageError(f"{path}: cannot write {bits}-bit images")
    array = np.round(np.clip(pixels, 0.0, 1.0) * 65535.0).astype(np.uint16)
    with atomic_path(path) as tmp:
        if path.suffix.lower() in TIFF_SUFFIXES:
            import tifffile

            tifffile.imwrite(tmp, array, photometric="rgb")
        else:
            tmp.write_bytes(png_bytes(array))
    return path
