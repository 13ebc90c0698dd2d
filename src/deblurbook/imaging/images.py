"""Reading and writing images, with errors that name the file.

Policy for unusual files (every conversion is announced with a warning that
names the file; every refusal is an error that names it):

* grey (1 channel) or grey+alpha: converted to RGB by repeating the channel
  (``allow_grey=False`` refuses instead, for benchmark pairs that must be RGB);
* RGBA: the alpha channel is dropped;
* 8- and 16-bit integers are scaled exactly (divided by 255 or 65535);
* TIFF is read with ``tifffile``, which keeps every bit: 8/16-bit integers
  as above, floats when they lie in [0, 1]; 32-bit integers (whose range is
  ambiguous) and floats outside [0, 1] are refused;
* 16-bit PNG other than plain grey (RGB, RGBA, grey+alpha) is refused:
  Pillow, the PNG decoder here, silently keeps 8 of its 16 bits; save such
  images as 16-bit TIFF or 8-bit PNG;
* any other image Pillow opens in a mode with more than 8 bits per sample
  (32-bit integer or float) is refused, as are CMYK and other colour spaces;
* empty, truncated, unreadable or non-image files, and decompression bombs
  (Pillow's pixel limit), are refused.
"""

from __future__ import annotations

import struct
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from ..core.atomic import atomic_path


def as_rgb_float(image: np.ndarray, source: str = "image") -> np.ndarray:
    """uint8/uint16/float, grey/RGB/RGBA to float32 HxWx3 in [0, 1]."""
    image = np.asarray(image)
    if image.dtype == np.uint8:
        image = image.astype(np.float32) / 255.0
    elif image.dtype == np.uint16:
        image = image.astype(np.float32) / 65535.0
    elif np.issubdtype(image.dtype, np.floating):
        image = image.astype(np.float32)
    else:
        raise ValueError(f"{source}: unsupported pixel type {image.dtype}")
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    elif image.ndim == 3 and image.shape[2] == 4:
        image = image[:, :, :3]
    elif image.ndim == 3 and image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"{source}: expected an HxW or HxWx3 image, got shape {image.shape}")
    return np.clip(image, 0.0, 1.0)


class ImageError(ValueError):
    """An image file that cannot be used; the message names the file."""


PNG_COLOURS = {0: "grey", 2: "RGB", 3: "palette", 4: "grey+alpha", 6: "RGBA"}
TIFF_SUFFIXES = {".tif", ".tiff"}


def _png_header(path: Path) -> tuple[int, int] | None:
    """(bit depth, colour type) of a PNG, or None for other formats."""
    with open(path, "rb") as f:
        head = f.read(26)
    if len(head) < 26 or head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return head[24], head[25]


def _read_tiff(path: Path) -> np.ndarray:
    """Every bit of a TIFF (first image only), as an array of its own dtype."""
    import tifffile

    try:
        with tifffile.TiffFile(path) as tif:
            pages = len(tif.pages)
            array = tif.pages[0].asarray()
    except Exception as err:  # noqa: BLE001 - tifffile raises many kinds; name the file
        raise ImageError(f"{path}: cannot be read as a TIFF ({type(err).__name__}: {err})") from None
    if pages > 1:
        warnings.warn(f"{path}: a TIFF of {pages} images; the first is used", stacklevel=3)
    if array.ndim == 3 and array.shape[0] in (3, 4) and array.shape[-1] not in (3, 4):
        array = array.transpose(1, 2, 0)  # planar RGB
    if np.issubdtype(array.dtype, np.floating):
        if not np.isfinite(array).all() or array.min() < 0 or array.max() > 1:
            raise ImageError(f"{path}: floating-point pixels outside [0, 1] (or not finite) refused")
        return array.astype(np.float32)
    if array.dtype not in (np.uint8, np.uint16):
        raise ImageError(
            f"{path}: {array.dtype} pixels refused (only 8- and 16-bit integers and floats in "
            "[0, 1] have an unambiguous range); convert the file to 8- or 16-bit"
        )
    return array


def _read_pillow(path: Path) -> tuple[np.ndarray, str]:
    try:
        with Image.open(path) as im:
            im.load()
            mode = im.mode
            array = np.asarray(im.convert("RGB") if mode == "P" else im)
    except Image.DecompressionBombError as err:
        raise ImageError(f"{path}: refused as a possible decompression bomb ({err})") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise ImageError(f"{path}: cannot be read as an image ({err})") from None
    if mode in ("I;16", "I;16B", "I;16L"):
        return array.astype(np.uint16), "L"
    if mode in ("I", "F"):
        raise ImageError(
            f"{path}: {'32-bit integer' if mode == 'I' else 'floating-point'} image refused "
            "(its value range is ambiguous); convert it to 8- or 16-bit"
        )
    if mode == "1":
        return array.astype(np.uint8) * 255, "L"
    if mode not in ("L", "LA", "RGB", "RGBA", "P"):
        raise ImageError(f"{path}: unsupported image mode {mode!r} (convert it to RGB)")
    return array, mode


def read_image(path: str | Path, allow_grey: bool = True) -> np.ndarray:
    """Read an image file as float32 HxWx3 in [0, 1], every bit of it or an error naming the file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: image file not found")
    if path.stat().st_size == 0:
        raise ImageError(f"{path}: empty file (0 bytes), not an image")
    header = _png_header(path)
    if header is not None and header[0] == 16 and header[1] != 0:
        raise ImageError(
            f"{path}: 16-bit {PNG_COLOURS.get(header[1], 'colour')} PNG refused: Pillow would keep "
            "8 of its 16 bits without notice; save it as 16-bit TIFF or 8-bit PNG"
        )
    if path.suffix.lower() in TIFF_SUFFIXES:
        array = _read_tiff(path)
        grey = array.ndim == 2 or array.shape[-1] in (1, 2)
    else:
        array, mode = _read_pillow(path)
        grey = mode in ("L", "LA")
    if grey:
        if not allow_grey:
            raise ImageError(f"{path}: grey image refused (an RGB image is expected)")
        warnings.warn(f"{path}: grey image converted to RGB", stacklevel=2)
        array = array[..., 0] if array.ndim == 3 else array
    return as_rgb_float(array, str(path))


def to_uint8(image: np.ndarray) -> np.ndarray:
    """[0, 1] floats to 8-bit by rounding, as images are stored."""
    return np.round(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)


def write_png(path: str | Path, image: np.ndarray) -> Path:
    """Atomically write a [0, 1] float (or uint8) image as an 8-bit PNG."""
    array = image if image.dtype == np.uint8 else to_uint8(image)
    with atomic_path(path) as tmp:
        Image.fromarray(array).save(tmp, format="PNG")
    return Path(path)


def png_bytes(image: np.ndarray, size: tuple[int, int] | None = None) -> bytes:
    """A PNG of a uint8 or uint16 HxW or HxWxC array (C = 1, 2, 3, 4), written by hand,
    for tests: Pillow cannot write 16-bit colour. ``size`` (W, H) overrides the header's
    size (the pixel data then do not match it: a decompression-bomb header)."""
    import zlib

    image = np.asarray(image)
    image = image[..., None] if image.ndim == 2 else image
    h, w, c = image.shape
    depth = {np.dtype(np.uint8): 8, np.dtype(np.uint16): 16}[image.dtype]
    colour = {1: 0, 2: 4, 3: 2, 4: 6}[c]
    raw = b"".join(b"\x00" + image[y].astype(">u2" if depth == 16 else "u1").tobytes() for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    width, height = size or (w, h)
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
