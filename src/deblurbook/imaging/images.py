"""Reading and writing images, with errors that name the file.

Policy for unusual files (every conversion is announced with a warning that
names the file; every refusal is an error that names it):

* grey (1 channel) or grey+alpha: converted to RGB by repeating the channel
  (``allow_grey=False`` refuses instead, for benchmark pairs that must be RGB);
* RGBA: the alpha channel is dropped;
* 16-bit grey: converted exactly (divided by 65535);
* 16-bit RGB PNG: refused. Pillow, the only decoder installed, reads it as
  8-bit without saying so; convert such files to 8-bit first;
* unreadable, truncated or non-image files: refused.
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


def _png_header(path: Path) -> tuple[int, int] | None:
    """(bit depth, colour type) of a PNG, or None for other formats."""
    with open(path, "rb") as f:
        head = f.read(26)
    if len(head) < 26 or head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return head[24], head[25]


def read_image(path: str | Path, allow_grey: bool = True) -> np.ndarray:
    """Read an image file as float32 HxWx3 in [0, 1]."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: image file not found")
    header = _png_header(path)
    if header is not None and header[0] == 16 and header[1] in (2, 6):
        raise ImageError(f"{path}: 16-bit RGB PNG refused (it would be read as 8-bit "
                         "without notice); convert it to 8-bit first")
    try:
        with Image.open(path) as im:
            im.load()
            mode = im.mode
            array = np.asarray(im)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise ImageError(f"{path}: cannot be read as an image ({err})") from None
    if mode in ("I;16", "I;16B", "I;16L", "I"):
        warnings.warn(f"{path}: 16-bit grey image scaled to [0, 1] and converted to RGB",
                      stacklevel=2)
        array = array.astype(np.uint16)
    elif mode in ("L", "LA", "1"):
        if not allow_grey:
            raise ImageError(f"{path}: grey image refused (an RGB image is expected)")
        warnings.warn(f"{path}: grey image converted to RGB", stacklevel=2)
        array = array[..., 0] if array.ndim == 3 else array
        array = array.astype(np.uint8) * (255 if mode == "1" else 1)
    elif mode == "P":
        with Image.open(path) as im:
            array = np.asarray(im.convert("RGB"))
    elif mode not in ("RGB", "RGBA"):
        raise ImageError(f"{path}: unsupported image mode {mode!r}")
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


def png16_bytes(image: np.ndarray) -> bytes:
    """A 16-bit RGB PNG of a uint16 HxWx3 array (for tests of the refusal)."""
    import zlib

    h, w, _ = image.shape
    raw = b"".join(b"\x00" + image[y].astype(">u2").tobytes() for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))
