"""Data sets: the synthetic engine as a torch Dataset, a fixed synthetic test
set per preset, and loaders for the real benchmarks' folder layouts.

Tensors are float32 ``3xHxW`` in [0, 1]; flow ``2xHxW`` (x, y) in pixels;
mask ``1xHxW`` float (0/1).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch
from torch.utils.data import Dataset

from . import atomic, synth
from .images import read_image, write_png
from .paths import build_dir, realdata_dir

IMAGE_SIGNALS = ("blur", "sharp", "ref", "blur_next", "blur_prev")
ENGINE_VERSION = 2  # bump when synth changes what a (preset, size, seed) renders


# ---------------------------------------------------------------- augmentation

def augment(sample: dict[str, np.ndarray], rng: np.random.Generator,
            crop: tuple[int, int] | None = None) -> dict[str, np.ndarray]:
    """Random crop, horizontal/vertical flips and a 90-degree rotation, the same
    for every signal. Flow vectors are transformed with the pixels: a flip negates
    its component, a rotation rotates the vectors."""
    out = dict(sample)
    h, w = next(v for k, v in sample.items() if k in IMAGE_SIGNALS + ("flow", "mask")).shape[:2]
    if crop is not None:
        ch, cw = crop
        if ch > h or cw > w:
            raise ValueError(f"crop {crop} larger than the sample {(h, w)}")
        y, x = rng.integers(h - ch + 1), rng.integers(w - cw + 1)
        out = {k: (v[y:y + ch, x:x + cw] if v.ndim >= 2 else v) for k, v in out.items()}
    flip_x, flip_y, rotate = rng.random() < 0.5, rng.random() < 0.5, rng.random() < 0.5
    for key, value in list(out.items()):
        if value.ndim < 2:
            continue
        if flip_x:
            value = value[:, ::-1]
        if flip_y:
            value = value[::-1]
        if rotate:  # 90 degrees counter-clockwise as displayed: (x, y) -> (y, W-1-x)
            value = np.rot90(value, 1, axes=(0, 1))
        if key == "flow":
            value = value.copy()
            if flip_x:
                value[..., 0] *= -1
            if flip_y:
                value[..., 1] *= -1
            if rotate:
                value = np.stack([value[..., 1], -value[..., 0]], axis=-1)
        out[key] = np.ascontiguousarray(value)
    return out


def to_tensors(sample: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """HxWxC numpy signals to CxHxW float tensors (mask to 1xHxW)."""
    out = {}
    for key, value in sample.items():
        if value.ndim == 3:
            out[key] = torch.from_numpy(np.ascontiguousarray(value.transpose(2, 0, 1))).float()
        elif value.ndim == 2:
            out[key] = torch.from_numpy(np.ascontiguousarray(value))[None].float()
        else:
            out[key] = torch.as_tensor(value)
    return out


# ---------------------------------------------------------------- synthetic training data

class SyntheticDataset(Dataset):
    """Fresh engine samples: item ``i`` renders seed ``(seed, i)`` and augments it.

    With several presets, item ``i`` uses preset ``i % len(presets)``.

    Deterministic whatever the number of DataLoader workers or their order:
    every item's randomness derives from ``(seed, index)``, never from a
    worker's global state. ``length`` is how many distinct samples an epoch has.
    """

    def __init__(self, preset: str | Sequence[str] = "mixed", crop: int | tuple[int, int] = 64, length: int = 1000,
                 seed: int = 0, signals: Sequence[str] = ("blur", "sharp"), render_margin: int = 8,
                 split: str = "train", augmentation: bool = True):
        names = (preset,) if isinstance(preset, (str, synth.Preset)) else tuple(preset)
        self.presets = tuple(synth.get_preset(p) for p in names)
        self.crop = (crop, crop) if isinstance(crop, int) else tuple(crop)
        self.length, self.seed = int(length), int(seed)
        self.signals = tuple(signals)
        self.render = (self.crop[0] + render_margin, self.crop[1] + render_margin)
        self.split = split
        self.augmentation = augmentation

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        if not 0 <= index < self.length:
            raise IndexError(index)
        item_seed = int(np.random.SeedSequence([self.seed, index]).generate_state(1)[0])
        sample = synth.make_sample(self.presets[index % len(self.presets)], self.render, item_seed,
                                   signals=self.signals,
                                   content=synth._default_pool(self.split))
        rng = np.random.default_rng([item_seed, 1])
        if self.augmentation:
            sample = augment(sample, rng, self.crop)
        else:
            sample = {k: (v[:self.crop[0], :self.crop[1]] if v.ndim >= 2 else v) for k, v in sample.items()}
        return to_tensors(sample)


def seed_worker(worker_id: int) -> None:
    """DataLoader ``worker_init_fn``: seed NumPy and ``random`` from torch's per-worker seed."""
    import random

    seed = torch.initial_seed() % 2**32
    np.random.seed(seed)
    random.seed(seed)


def loader(dataset: Dataset, batch: int, workers: int = 0, seed: int = 0, shuffle: bool = True,
           **kwargs) -> torch.utils.data.DataLoader:
    """A DataLoader with seeded shuffling and seeded workers."""
    generator = torch.Generator().manual_seed(seed)
    return torch.utils.data.DataLoader(dataset, batch_size=batch, shuffle=shuffle,
                                       num_workers=workers, worker_init_fn=seed_worker,
                                       generator=generator, persistent_workers=workers > 0,
                                       **kwargs)


# ---------------------------------------------------------------- fixed synthetic test set

def test_set_dir(preset: str, size: tuple[int, int], count: int) -> Path:
    return build_dir() / "data" / "testsets" / f"{preset}-{size[0]}x{size[1]}-n{count}-v{ENGINE_VERSION}"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_test_set(preset: str, size: tuple[int, int] = (128, 128), count: int = 16,
                   folder: Path | None = None, base_seed: int = 10_000) -> Path:
    """Render a fixed test set once (held-out content), with a manifest of checksums.

    Images are 8-bit PNGs (as benchmarks ship), flow and mask ``.npy``. Files
    are written atomically and the manifest last, so a folder with a manifest
    is complete. Returns the folder.
    """
    folder = folder or test_set_dir(preset, size, count)
    manifest_path = folder / "manifest.json"
    if manifest_path.is_file():
        return folder
    entries = []
    for i in range(count):
        seed = base_seed + i
        sample = synth.make_sample(preset, size, seed, content=synth.test_pool(),
                                   signals=synth.SIGNALS + ("blur_prev",))
        files = {}
        for key in IMAGE_SIGNALS:
            files[key] = write_png(folder / key / f"{i:04d}.png", sample[key]).name
        for key in ("flow", "mask"):
            target = folder / key / f"{i:04d}.npy"
            with atomic.atomic_path(target) as tmp:
                np.save(tmp, sample[key])
        entry = {"index": i, "seed": seed, "frames": int(sample["frames"]), "duty": float(sample["duty"])}
        entry["sha256"] = {key: _sha256(folder / key / f"{i:04d}{'.png' if key in IMAGE_SIGNALS else '.npy'}")
                           for key in IMAGE_SIGNALS + ("flow", "mask")}
        entries.append(entry)
    atomic.write_json(manifest_path, {"preset": preset, "size": list(size), "count": count,
                                      "engine_version": ENGINE_VERSION, "content": "test split",
                                      "samples": entries})
    return folder


class TestSet(Dataset):
    """A written synthetic test set; checksums verified on open (``verify=True``)."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, folder: str | Path, verify: bool = True):
        self.folder = Path(folder)
        manifest = self.folder / "manifest.json"
        if not manifest.is_file():
            raise FileNotFoundError(f"{manifest}: no manifest (write the set with write_test_set)")
        self.manifest = atomic.read_json(manifest)
        self.samples = self.manifest["samples"]
        if verify:
            for entry in self.samples:
                for key, digest in entry["sha256"].items():
                    path = self._path(key, entry["index"])
                    if not path.is_file():
                        raise FileNotFoundError(f"{path}: listed in {manifest} but missing")
                    if _sha256(path) != digest:
                        raise ValueError(f"{path}: checksum differs from {manifest} (file changed "
                                         "or corrupt; delete the folder to re-render it)")

    def _path(self, key: str, index: int) -> Path:
        return self.folder / key / f"{index:04d}{'.png' if key in IMAGE_SIGNALS else '.npy'}"

    def __len__(self) -> int:
        return len(self.samples)

    def load(self, index: int) -> dict[str, np.ndarray]:
        """The sample as numpy arrays (HxWx3 images, HxWx2 flow, HxW mask)."""
        i = self.samples[index]["index"]
        out = {key: read_image(self._path(key, i)) for key in IMAGE_SIGNALS}
        out["flow"] = np.load(self._path("flow", i))
        out["mask"] = np.load(self._path("mask", i))
        return out

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return to_tensors(self.load(index))


def synthetic_test_set(preset: str, size: tuple[int, int] = (128, 128), count: int = 16) -> TestSet:
    """The shared test set for ``preset``: rendered on first use, then read from disk."""
    return TestSet(write_test_set(preset, size, count))


# ---------------------------------------------------------------- real benchmark layouts

@dataclass(frozen=True)
class Pair:
    """One blurred/sharp pair on disk; ``group`` is the sequence or scene."""

    blur: Path
    sharp: Path
    group: str = ""


IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"}


def _need_dir(path: Path, what: str) -> Path:
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: missing folder ({what})")
    return path


def _images(folder: Path) -> dict[str, Path]:
    return {p.name: p for p in sorted(folder.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES}


def match_folders(blur_dir: Path, sharp_dir: Path, group: str = "",
                  rename: Callable[[str], str] = lambda n: n) -> list[Pair]:
    """Pairs with the same file names (after ``rename`` of the blurred names)."""
    blur = {rename(k): v for k, v in _images(_need_dir(blur_dir, "blurred images")).items()}
    sharp = _images(_need_dir(sharp_dir, "sharp images"))
    if not blur:
        raise FileNotFoundError(f"{blur_dir}: no images inside")
    only_blur, only_sharp = sorted(set(blur) - set(sharp)), sorted(set(sharp) - set(blur))
    if only_blur or only_sharp:
        raise ValueError(f"unmatched names between {blur_dir} and {sharp_dir}: "
                         f"only blurred {only_blur[:5]}, only sharp {only_sharp[:5]}")
    return [Pair(blur[n], sharp[n], group) for n in sorted(blur)]


def gopro_pairs(root: str | Path, split: str = "test", gamma_blur: bool = False) -> list[Pair]:
    """GoPro (Nah et al. 2017): ``root/{train,test}/<SEQUENCE>/{blur,blur_gamma,sharp}/*.png``.

    ``blur`` was averaged in linear space (the papers' choice); ``blur_gamma``
    in display space.
    """
    base = _need_dir(Path(root) / split, f"GoPro {split} split")
    pairs = []
    for seq in sorted(p for p in base.iterdir() if p.is_dir()):
        pairs += match_folders(seq / ("blur_gamma" if gamma_blur else "blur"), seq / "sharp", seq.name)
    if not pairs:
        raise FileNotFoundError(f"{base}: no sequence folders inside")
    return pairs


def hide_pairs(root: str | Path, subset: str = "test") -> list[Pair]:
    """HIDE (Shen et al. 2019): ``root/test/{test-close-ups,test-long-shot}/*.png``
    (or ``root/train/*.png``) with ground truth of the same name in ``root/GT/``."""
    root = Path(root)
    gt = _need_dir(root / "GT", "HIDE ground truth")
    if subset == "test":
        folders = [_need_dir(root / "test" / s, "HIDE test subset") for s in ("test-close-ups", "test-long-shot")]
    else:
        folders = [_need_dir(root / "train", "HIDE train split")]
    pairs = []
    sharp = _images(gt)
    for folder in folders:
        for name, path in _images(folder).items():
            if name not in sharp:
                raise ValueError(f"{path}: no ground truth {gt / name}")
            pairs.append(Pair(path, sharp[name], folder.name))
    return pairs


def realblur_pairs(root: str | Path, variant: str = "J", split: str = "test") -> list[Pair]:
    """RealBlur-J/R (Rim et al. 2020): list files ``RealBlur_{J,R}_{train,test}_list.txt``
    in ``root``, each line ``<gt path> <blur path>`` relative to ``root``."""
    root = Path(root)
    if variant not in ("J", "R"):
        raise ValueError(f"RealBlur variant must be 'J' or 'R', got {variant!r}")
    listing = root / f"RealBlur_{variant}_{split}_list.txt"
    if not listing.is_file():
        raise FileNotFoundError(f"{listing}: missing RealBlur list file")
    pairs = []
    for number, line in enumerate(listing.read_text().splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) < 2:
            raise ValueError(f"{listing}:{number}: expected '<gt path> <blur path>', got {line!r}")
        gt, blur = root / parts[0], root / parts[1]
        for path in (gt, blur):
            if not path.is_file():
                raise FileNotFoundError(f"{path}: listed in {listing}:{number} but missing")
        pairs.append(Pair(blur, gt, Path(parts[0]).parts[1] if len(Path(parts[0]).parts) > 1 else ""))
    return pairs


def reds_pairs(root: str | Path, split: str = "val") -> list[Pair]:
    """REDS (Nah et al. 2019): ``root/{split}_blur/<clip>/*.png`` and ``root/{split}_sharp/<clip>/*.png``."""
    root = Path(root)
    blur_root = _need_dir(root / f"{split}_blur", f"REDS {split} blurred frames")
    sharp_root = _need_dir(root / f"{split}_sharp", f"REDS {split} sharp frames")
    pairs = []
    for clip in sorted(p for p in blur_root.iterdir() if p.is_dir()):
        pairs += match_folders(clip, sharp_root / clip.name, clip.name)
    return pairs


def dvd_pairs(root: str | Path) -> list[Pair]:
    """DVD (Su et al. 2017): ``root/<clip>/{input,GT}/*`` (the quantitative_datasets folder)."""
    root = _need_dir(Path(root), "DVD quantitative_datasets")
    pairs = []
    for clip in sorted(p for p in root.iterdir() if p.is_dir()):
        pairs += match_folders(clip / "input", clip / "GT", clip.name)
    if not pairs:
        raise FileNotFoundError(f"{root}: no clip folders inside")
    return pairs


def lode_pairs(root: str | Path, split: str = "test") -> list[Pair]:
    """LODE (paper 003): assumed ``root/{train,test}/{blur,sharp}/*.png``.

    The paper promises a release but describes no folder layout; this is the
    book's assumption, to be adapted when the data set's own layout is known.
    """
    base = Path(root) / split
    return match_folders(base / "blur", base / "sharp", split)


def realdata_gopro_pairs() -> list[Pair]:
    """The 30 GoPro crops of ``../shared/realdata/gopro_crops`` (evaluation only)."""
    base = realdata_dir() / "gopro_crops"
    return match_folders(base / "blur", base / "sharp", "GOPR0372_07_00")


def realdata_reds_clips() -> dict[str, list[Pair]]:
    """The two REDS clips of ``../shared/realdata/reds_clips``, frames in order.

    Consecutive blurred frames give optical-flow pairs; neighbouring sharp
    frames give reference images. Evaluation only.
    """
    base = _need_dir(realdata_dir() / "reds_clips", "shared REDS clips")
    return {clip.name: match_folders(clip / "blur", clip / "sharp", clip.name)
            for clip in sorted(p for p in base.iterdir() if p.is_dir())}


def levin_kernels() -> dict[str, np.ndarray]:
    """The 8 real camera-shake kernels of Levin et al. (CVPR 2009), ``k1``..``k8``.

    From ``../shared/realdata/kernels/levin09.npz``; float64, each summing to 1,
    padded to odd sides where needed (the deconvolution baselines want a centre).
    """
    path = realdata_dir() / "kernels" / "levin09.npz"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: Levin kernels not found (is ../shared beside the checkout?)")
    kernels = {}
    with np.load(path) as archive:
        for name in sorted(archive.files, key=lambda n: int(n[1:])):
            k = np.asarray(archive[name], dtype=np.float64)
            k = np.pad(k, ((0, 1 - k.shape[0] % 2), (0, 1 - k.shape[1] % 2)))
            kernels[name] = k / k.sum()
    return kernels


class FrameSequenceDataset(Dataset):
    """Consecutive blurred frames of clips, for two- and three-frame models.

    Item ``i`` is frame ``t`` of a clip with ``blur``, ``sharp``, ``blur_next``
    (frame t+1) and ``blur_prev`` (frame t-1); the first and last frames of
    each clip are skipped so that every item has both neighbours. Built from
    ``{clip: [Pair, ...]}`` such as :func:`realdata_reds_clips` gives.
    """

    def __init__(self, clips: dict[str, Sequence[Pair]]):
        self.clips = {name: list(pairs) for name, pairs in clips.items()}
        self.index = [(name, t) for name, pairs in self.clips.items() for t in range(1, len(pairs) - 1)]
        if not self.index:
            raise ValueError("no clip has three or more frames")

    def __len__(self) -> int:
        return len(self.index)

    def load(self, i: int) -> dict[str, np.ndarray]:
        name, t = self.index[i]
        frames = PairDataset(self.clips[name][t - 1:t + 2])
        prev, cur, nxt = frames.load(0), frames.load(1), frames.load(2)
        for other in (prev, nxt):
            if other["blur"].shape != cur["blur"].shape:
                raise ValueError(f"clip {name}: frames {t - 1}..{t + 1} differ in size")
        return {"blur": cur["blur"], "sharp": cur["sharp"], "blur_next": nxt["blur"],
                "blur_prev": prev["blur"]}

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return to_tensors(self.load(i))


class PairDataset(Dataset):
    """Blurred/sharp pairs from disk as tensors; a pair of different sizes is an error."""

    def __init__(self, pairs: Sequence[Pair], allow_grey: bool = True):
        if not pairs:
            raise ValueError("no pairs given")
        self.pairs = list(pairs)
        self.allow_grey = allow_grey

    def __len__(self) -> int:
        return len(self.pairs)

    def load(self, index: int) -> dict[str, np.ndarray]:
        pair = self.pairs[index]
        blur = read_image(pair.blur, self.allow_grey)
        sharp = read_image(pair.sharp, self.allow_grey)
        if blur.shape != sharp.shape:
            raise ValueError(f"{pair.blur} is {blur.shape[1]}x{blur.shape[0]} but "
                             f"{pair.sharp} is {sharp.shape[1]}x{sharp.shape[0]}")
        return {"blur": blur, "sharp": sharp}

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return to_tensors(self.load(index))
