"""Loaders for the real benchmarks' folder layouts (GoPro, HIDE, RealBlur, REDS,
DVD, LODE), for readers who have them on disk: each returns a list of
:class:`Pair` (blurred file, sharp file, sequence), with errors that name the
folder or file at fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable


@dataclass(frozen=True)
class Pair:
    """One blurred/sharp pair on disk; ``group`` is the sequence or scene."""

    blur: Path
    sharp: Path
    group: str = ""


IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"}


def check_split(split: str, known: tuple[str, ...], what: str) -> str:
    """``split`` if it is one of ``known``; a clear error otherwise (never a silent default)."""
    if split not in known:
        raise ValueError(f"unknown {what} split {split!r}; known: {', '.join(known)}")
    return split


def need_dir(path: Path, what: str) -> Path:
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: missing folder ({what})")
    return path


def visible(folder: Path, dirs: bool) -> list[Path]:
    """The entries of ``folder`` that are folders (or files), sorted, skipping hidden ones
    (``.ipynb_checkpoints``, macOS's ``._*`` and ``.DS_Store``, ...)."""
    return sorted(p for p in folder.iterdir() if not p.name.startswith(".") and p.is_dir() == dirs)


def _images(folder: Path) -> dict[str, Path]:
    return {p.name: p for p in visible(folder, dirs=False) if p.suffix.lower() in IMAGE_SUFFIXES}


def _nonempty(pairs: list[Pair], folder: Path, what: str) -> list[Pair]:
    if not pairs:
        raise FileNotFoundError(f"{folder}: no {what} inside")
    return pairs


def match_folders(
    blur_dir: Path, sharp_dir: Path, group: str = "", rename: Callable[[str], str] = lambda n: n
) -> list[Pair]:
    """Pairs with the same file names (after ``rename`` of the blurred names)."""
    blur = {rename(k): v for k, v in _images(need_dir(blur_dir, "blurred images")).items()}
    sharp = _images(need_dir(sharp_dir, "sharp images"))
    if not blur:
        raise FileNotFoundError(f"{blur_dir}: no images inside")
    only_blur, only_sharp = sorted(set(blur) - set(sharp)), sorted(set(sharp) - set(blur))
    if only_blur or only_sharp:
        raise ValueError(
            f"unmatched names between {blur_dir} and {sharp_dir}: "
            f"only blurred {only_blur[:5]}, only sharp {only_sharp[:5]}"
        )
    return [Pair(blur[n], sharp[n], group) for n in sorted(blur)]


def gopro_pairs(root: str | Path, split: str = "test", gamma_blur: bool = False) -> list[Pair]:
    """GoPro (Nah et al. 2017): ``root/{train,test}/<SEQUENCE>/{blur,blur_gamma,sharp}/*.png``.

    ``blur`` was averaged in linear space (the papers' choice); ``blur_gamma``
    in display space.
    """
    base = need_dir(Path(root) / check_split(split, ("train", "test"), "GoPro"), f"GoPro {split} split")
    pairs = [
        pair
        for seq in visible(base, dirs=True)
        for pair in match_folders(seq / ("blur_gamma" if gamma_blur else "blur"), seq / "sharp", seq.name)
    ]
    return _nonempty(pairs, base, "sequence folders")


def hide_pairs(root: str | Path, subset: str = "test") -> list[Pair]:
    """HIDE (Shen et al. 2019): ``root/test/{test-close-ups,test-long-shot}/*.png``
    (or ``root/train/*.png``) with ground truth of the same name in ``root/GT/``."""
    root = Path(root)
    check_split(subset, ("train", "test"), "HIDE")
    gt = need_dir(root / "GT", "HIDE ground truth")
    if subset == "test":
        folders = [need_dir(root / "test" / s, "HIDE test subset") for s in ("test-close-ups", "test-long-shot")]
    else:
        folders = [need_dir(root / "train", "HIDE train split")]
    pairs = []
    sharp = _images(gt)
    for folder in folders:
        for name, path in _images(folder).items():
            if name not in sharp:
                raise ValueError(f"{path}: no ground truth {gt / name}")
            pairs.append(Pair(path, sharp[name], folder.name))
    return _nonempty(pairs, root, f"HIDE {subset} images")


def realblur_pairs(root: str | Path, variant: str = "J", split: str = "test") -> list[Pair]:
    """RealBlur-J/R (Rim et al. 2020): list files ``RealBlur_{J,R}_{train,test}_list.txt``
    in ``root``, each line ``<gt path> <blur path>`` relative to ``root``."""
    root = Path(root)
    if variant not in ("J", "R"):
        raise ValueError(f"RealBlur variant must be 'J' or 'R', got {variant!r}")
    check_split(split, ("train", "test"), "RealBlur")
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
    return _nonempty(pairs, listing, "pairs listed")


def reds_pairs(root: str | Path, split: str = "val") -> list[Pair]:
    """REDS (Nah et al. 2019): ``root/{split}_blur/<clip>/*.png`` and ``root/{split}_sharp/<clip>/*.png``."""
    root = Path(root)
    check_split(split, ("train", "val", "test"), "REDS")
    blur_root = need_dir(root / f"{split}_blur", f"REDS {split} blurred frames")
    sharp_root = need_dir(root / f"{split}_sharp", f"REDS {split} sharp frames")
    pairs = [
        pair
        for clip in visible(blur_root, dirs=True)
        for pair in match_folders(clip, sharp_root / clip.name, clip.name)
    ]
    return _nonempty(pairs, blur_root, "clip folders")


def dvd_pairs(root: str | Path) -> list[Pair]:
    """DVD (Su et al. 2017): ``root/<clip>/{input,GT}/*`` (the quantitative_datasets folder)."""
    root = need_dir(Path(root), "DVD quantitative_datasets")
    pairs = [
        pair for clip in visible(root, dirs=True) for pair in match_folders(clip / "input", clip / "GT", clip.name)
    ]
    return _nonempty(pairs, root, "clip folders")


def lode_pairs(root: str | Path, split: str = "test") -> list[Pair]:
    """LODE (the local-deblurring benchmark): assumed ``root/{train,test}/{blur,sharp}/*.png``.

    The paper promises a release but describes no folder layout; this is the
    book's assumption, to be adapted when the data set's own layout is known.
    """
    base = Path(root) / check_split(split, ("train", "test"), "LODE")
    return match_folders(base / "blur", base / "sharp", split)
