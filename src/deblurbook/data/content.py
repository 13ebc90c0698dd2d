"""Sharp image content for the synthetic engine.

Three sources, all local (nothing is downloaded):

* real photographs bundled with scikit-image, scikit-learn and matplotlib,
  listed in :data:`PHOTOS` with their licences, split into ``train`` and
  ``test`` so that test content is never training content;
* procedural dead-leaves images (occluding discs with power-law radii, a
  standard synthetic prior with natural-image statistics), unlimited;
* any folder of the user's own sharp images.

All images are returned as float32 ``HxWx3`` arrays in [0, 1] (display
values, sRGB-like); grey photographs are repeated to three channels.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..imaging.images import read_image


@dataclass(frozen=True)
class Photo:
    name: str
    package: str  # where the file ships
    file: str  # path inside the package's data folder
    licence: str
    split: str  # "train" or "test"


PHOTOS: tuple[Photo, ...] = (
    Photo("astronaut", "skimage", "astronaut.png", "public domain (NASA)", "train"),
    Photo("camera", "skimage", "camera.png", "CC0 (Lav Varshney)", "train"),
    Photo("chelsea", "skimage", "chelsea.png", "CC0 (Stefan van der Walt)", "train"),
    Photo("hubble", "skimage", "hubble_deep_field.jpg", "public domain (NASA)", "train"),
    Photo("coins", "skimage", "coins.png", "no known copyright restrictions", "train"),
    Photo("brick", "skimage", "brick.png", "CC0 (CC0Textures)", "train"),
    Photo("grass", "skimage", "grass.png", "CC0 (CC0Textures)", "train"),
    Photo("gravel", "skimage", "gravel.png", "CC0 (CC0Textures)", "train"),
    Photo("retina", "skimage", "retina.jpg", "CC0 (Häggström, Wikimedia)", "train"),
    Photo("flower", "sklearn", "flower.jpg", "CC BY 2.0 (vultilion, Flickr)", "train"),
    Photo("grace_hopper", "matplotlib", "grace_hopper.jpg", "public domain (US Navy)", "train"),
    Photo("coffee", "skimage", "coffee.png", "CC0 (Rachel Michetti)", "test"),
    Photo("rocket", "skimage", "rocket.jpg", "public domain (SpaceX)", "test"),
    Photo("china", "sklearn", "china.jpg", "CC BY 2.0 (danielbuechele, Flickr)", "test"),
    Photo("ihc", "skimage", "ihc.png", "no known copyright restrictions", "test"),
)

SPLITS = ("train", "test")


def _package_data(package: str) -> Path:
    """The package's data folder, found without importing it (sklearn is slow to import)."""
    import importlib.util

    folders = {"skimage": ("data",), "sklearn": ("datasets", "images"), "matplotlib": ("mpl-data", "sample_data")}
    if package not in folders:
        raise ValueError(f"unknown package {package!r}")
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package {package} is not installed")
    return Path(spec.submodule_search_locations[0]).joinpath(*folders[package])


@lru_cache(maxsize=None)
def load_photo(name: str) -> np.ndarray:
    """One bundled photograph by name (cached; do not modify the array)."""
    photo = next((p for p in PHOTOS if p.name == name), None)
    if photo is None:
        raise ValueError(f"unknown photo {name!r}; known: {', '.join(p.name for p in PHOTOS)}")
    with warnings.catch_warnings():  # several bundled photos are grey, and known to be
        warnings.simplefilter("ignore", UserWarning)
        image = read_image(_package_data(photo.package) / photo.file, allow_grey=True)
    image.setflags(write=False)
    return image


def photo_names(split: str) -> list[str]:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    return [p.name for p in PHOTOS if p.split == split]


# The range of a dead-leaves image's colour contrast. Uniform RGB discs (contrast 1) made the engine's
# content far harder to deblur than any photograph: a 15-px box blur leaves them at a median 14-16 dB
# against 19-26 dB for the training photos (22 dB their median; 40 for the nearly flat retina), and the
# networks spent their budget on scenes no one photographs. Log-uniform in [0.25, 0.6] puts the median
# back at the photos' (tests/data/test_content.py measures it).
DEAD_LEAVES_CONTRAST = (0.25, 0.6)


def dead_leaves(
    size: tuple[int, int],
    rng: np.random.Generator,
    r_min: float = 2.0,
    r_max: float | None = None,
    alpha: float = 3.0,
    max_discs: int = 4000,
    cover: float = 0.995,
    contrast: tuple[float, float] = DEAD_LEAVES_CONTRAST,
) -> np.ndarray:
    """A dead-leaves image: discs dropped front to back until the image is covered.

    Radii follow the power law ``p(r) ~ r^-alpha`` on ``[r_min, r_max]`` (alpha 3
    gives the scale invariance of natural images). Colours are uniform in a cube of
    side ``k`` about a base colour drawn for the image, ``k`` log-uniform in
    ``contrast`` (``(1, 1)``: uniform RGB, the classic model). Painting front to back
    (each disc only fills pixels still empty) stops as soon as ``cover`` of the image
    is filled. Returns float32 HxWx3 in [0, 1].
    """
    h, w = size
    k = float(np.exp(rng.uniform(*np.log(contrast))))
    base = rng.uniform(k / 2, 1 - k / 2, 3)
    r_max = r_max if r_max is not None else 0.25 * max(h, w)
    image = np.zeros((h, w, 3), np.float32)
    empty = np.ones((h, w), bool)
    left = h * w
    a, b = r_min ** (1 - alpha), r_max ** (1 - alpha)
    yy, xx = np.ogrid[:h, :w]
    for _ in range(max_discs):
        r = (a + (b - a) * rng.random()) ** (1 / (1 - alpha))
        cy, cx = rng.uniform(-r, h + r), rng.uniform(-r, w + r)
        y0, y1 = max(int(cy - r), 0), min(int(cy + r) + 1, h)
        x0, x1 = max(int(cx - r), 0), min(int(cx + r) + 1, w)
        if y0 >= y1 or x0 >= x1:
            continue
        disc = ((yy[y0:y1] - cy) ** 2 + (xx[:, x0:x1] - cx) ** 2 <= r * r) & empty[y0:y1, x0:x1]
        if disc.any():
            image[y0:y1, x0:x1][disc] = base + k * (rng.random(3) - 0.5)
            empty[y0:y1, x0:x1][disc] = False
            left -= int(disc.sum())
            if left <= (1 - cover) * h * w:
                break
    if left:
        image[empty] = base + k * (rng.random(3) - 0.5)
    return image


DEAD_LEAVES_BANK = 64  # textures per split, rendered lazily, each from its own seed
DEAD_LEAVES_SIDE = 512


@lru_cache(maxsize=2 * DEAD_LEAVES_BANK)
def _dead_leaves_texture(split: str, index: int) -> np.ndarray:
    seed = [SPLITS.index(split), index]
    texture = dead_leaves((DEAD_LEAVES_SIDE, DEAD_LEAVES_SIDE), np.random.default_rng(seed), r_max=DEAD_LEAVES_SIDE / 8)
    texture.setflags(write=False)
    return texture


def warm_dead_leaves(split: str = "train") -> None:
    """Render the whole bank now (a one-off cost that draws otherwise pay lazily)."""
    for index in range(DEAD_LEAVES_BANK):
        _dead_leaves_texture(split, index)


def dead_leaves_drawn(split: str, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A dead-leaves image of ``size``: a random crop of one of a bank of textures,
    with a random flip, transpose and channel order (a pure function of ``rng``'s
    state: the bank entry is chosen by index and rendered from its own seed).
    Larger sizes than the bank's are rendered directly."""
    h, w = size
    if h > DEAD_LEAVES_SIDE or w > DEAD_LEAVES_SIDE:
        return dead_leaves(size, rng)
    texture = _dead_leaves_texture(split, int(rng.integers(DEAD_LEAVES_BANK)))
    if rng.random() < 0.5:
        texture = texture.transpose(1, 0, 2)
    y, x = rng.integers(DEAD_LEAVES_SIDE - h + 1), rng.integers(DEAD_LEAVES_SIDE - w + 1)
    crop = texture[y : y + h, x : x + w]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return np.ascontiguousarray(crop[..., rng.permutation(3)])


def user_images(folder: str | Path) -> list[Path]:
    """Image files (png, jpg, jpeg, tif, bmp) of a user's folder of sharp images."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: folder of sharp images not found")
    files = sorted(
        p for p in folder.rglob("*") if p.suffix.lower() in {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"}
    )
    if not files:
        raise FileNotFoundError(f"{folder}: no png/jpg/tif/bmp images inside")
    return files


class ContentPool:
    """Draws sharp content for the engine: photos of one split, dead leaves, user images.

    ``kinds`` weights the sources, e.g. ``{"photos": 0.5, "dead_leaves": 0.5}``.
    Photos and user images are loaded once and cropped at random positions.
    """

    def __init__(
        self, split: str = "train", kinds: dict[str, float] | None = None, user_folder: str | Path | None = None
    ):
        self.split = split
        self.kinds = dict(kinds or {"photos": 0.5, "dead_leaves": 0.5})
        if user_folder is not None:
            self.kinds.setdefault("user", 1.0)
        unknown = set(self.kinds) - {"photos", "dead_leaves", "user"}
        if unknown:
            raise ValueError(f"unknown content kinds {sorted(unknown)}")
        if self.kinds.get("user") and user_folder is None:
            raise ValueError("content kind 'user' needs user_folder")
        self.photos = photo_names(split)
        self.user_files = user_images(user_folder) if user_folder is not None else []

    def draw(self, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
        """A float32 HxWx3 image of exactly ``size``."""
        names = list(self.kinds)
        p = np.array([self.kinds[n] for n in names], float)
        kind = names[rng.choice(len(names), p=p / p.sum())]
        if kind == "dead_leaves":
            return dead_leaves_drawn(self.split, size, rng)
        if kind == "photos":
            source = load_photo(self.photos[rng.integers(len(self.photos))])
        else:
            source = read_image(self.user_files[rng.integers(len(self.user_files))], allow_grey=True)
        return random_crop_resized(source, size, rng)


def random_crop_resized(image: np.ndarray, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A random crop of ``image`` at ``size``, upscaled first if the image is smaller."""
    from skimage.transform import resize

    h, w = size
    ih, iw = image.shape[:2]
    scale = max(h / ih, w / iw, 1.0)
    if scale > 1.0:
        image = resize(
            image, (int(np.ceil(ih * scale)), int(np.ceil(iw * scale))), order=1, anti_aliasing=False
        ).astype(np.float32)
        ih, iw = image.shape[:2]
    y, x = rng.integers(ih - h + 1), rng.integers(iw - w + 1)
    return np.ascontiguousarray(image[y : y + h, x : x + w], dtype=np.float32)
