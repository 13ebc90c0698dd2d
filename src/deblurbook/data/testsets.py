"""Fixed synthetic test sets: rendered once per (preset, size, count) from
held-out content, stored as 8-bit PNGs (as benchmarks ship) with a manifest of
checksums, and read back as a Dataset.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from ..core import atomic
from ..core.paths import build_dir
from ..imaging.images import read_image, write_png
from . import synth
from .datasets import IMAGE_SIGNALS, to_tensors

ENGINE_VERSION = 3  # bump when synth changes what a (preset, size, seed) renders
ARRAY_SIGNALS = ("flow", "mask", "motion")  # stored as .npy
TEST_SEED = 10_000  # the test sets' first seed; validation sets start elsewhere


def test_set_dir(preset: str, size: tuple[int, int], count: int, base_seed: int = TEST_SEED) -> Path:
    seeds = "" if base_seed == TEST_SEED else f"-s{base_seed}"
    return build_dir() / "data" / "testsets" / f"{preset}-{size[0]}x{size[1]}-n{count}{seeds}-v{ENGINE_VERSION}"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_test_set(
    preset: str,
    size: tuple[int, int] = (128, 128),
    count: int = 16,
    folder: Path | None = None,
    base_seed: int = TEST_SEED,
) -> Path:
    """Render a fixed test set once (held-out content), with a manifest of checksums.

    Images are 8-bit PNGs (as benchmarks ship), flow, mask and motion ``.npy``. Files
    are written atomically and the manifest last, so a folder with a manifest
    is complete. Returns the folder.
    """
    folder = folder or test_set_dir(preset, size, count, base_seed)
    manifest_path = folder / "manifest.json"
    if manifest_path.is_file():
        return folder
    entries = []
    for i in range(count):
        seed = base_seed + i
        sample = synth.make_sample(
            preset, size, seed, content=synth.test_pool(), signals=synth.SIGNALS + ("blur_prev", "motion")
        )
        files = {}
        for key in IMAGE_SIGNALS:
            files[key] = write_png(folder / key / f"{i:04d}.png", sample[key]).name
        for key in ARRAY_SIGNALS:
            target = folder / key / f"{i:04d}.npy"
            with atomic.atomic_path(target) as tmp:
                np.save(tmp, sample[key])
        entry = {"index": i, "seed": seed, "frames": int(sample["frames"]), "duty": float(sample["duty"])}
        entry["sha256"] = {
            key: _sha256(folder / key / f"{i:04d}{'.png' if key in IMAGE_SIGNALS else '.npy'}")
            for key in IMAGE_SIGNALS + ARRAY_SIGNALS
        }
        entries.append(entry)
    atomic.write_json(
        manifest_path,
        {
            "preset": preset,
            "size": list(size),
            "count": count,
            "engine_version": ENGINE_VERSION,
            "content": "test split",
            "samples": entries,
        },
    )
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
                        raise ValueError(
                            f"{path}: checksum differs from {manifest} (file changed "
                            "or corrupt; delete the folder to re-render it)"
                        )

    def _path(self, key: str, index: int) -> Path:
        return self.folder / key / f"{index:04d}{'.png' if key in IMAGE_SIGNALS else '.npy'}"

    def __len__(self) -> int:
        return len(self.samples)

    def load(self, index: int) -> dict[str, np.ndarray]:
        """The sample as numpy arrays (HxWx3 images, HxWx2 flow, HxW mask and motion, 0-d duty)."""
        i = self.samples[index]["index"]
        out = {key: read_image(self._path(key, i)) for key in IMAGE_SIGNALS}
        out |= {key: np.load(self._path(key, i)) for key in ARRAY_SIGNALS}
        out["duty"] = np.array(self.samples[index]["duty"])  # exposure / frame interval of this scene
        return out

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return to_tensors(self.load(index))


def synthetic_test_set(
    preset: str, size: tuple[int, int] = (128, 128), count: int = 16, base_seed: int = TEST_SEED
) -> TestSet:
    """The shared test set for ``preset`` (seeds ``base_seed`` on): rendered on first use, then
    read from disk."""
    return TestSet(write_test_set(preset, size, count, base_seed=base_seed))
