"""``python -m deblurbook deblur``: a trained model of the book on one's own photos.

    python -m deblurbook deblur IMAGE... --out DIR            (the shipped default model)
    python -m deblurbook deblur IMAGE... --checkpoint chNN:row@small --out DIR
    python -m deblurbook deblur IMAGE... --model chNN:row@small --checkpoint run/checkpoint.pt --out DIR
    python -m deblurbook deblur FRAME --next FRAME2 --checkpoint chNN:row@small --out DIR

A model is named as an experiment at a profile (``chNN:row@profile``, ``#k`` for
seed k, 0 by default), which fixes its architecture and width; ``--checkpoint``
is a file, or such a name, resolved to the weights shipped in ``weights/`` or else to
the run the chapter trained (:mod:`deblurbook.training.shipped`). Models that
read a second frame (``next``) or a reference (``ref``) take it from ``--next``
or ``--ref``. Large images run in overlapping tiles (``--tile``); ``--scale``
runs the model on the image shrunk by that factor and enlarges the result, for
blur larger than the model was trained on. Outputs keep the input's size, its
orientation as displayed and its bit depth (see
:mod:`deblurbook.imaging.photo_io`), and are written atomically; an output that
would replace an input is refused unless ``--overwrite``.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

from ..core.checkpoints import CheckpointError
from ..core.device import DeviceUnavailable, resolve
from ..imaging.images import ImageError
from ..imaging.photo_io import Photo, output_suffix, read_photo, write_photo
from ..nn.tiling import tiled
from . import archive, experiments, shipped
from .trainer import load_model_weights

NAME = re.compile(r"^(?P<experiment>ch\d\d:[\w-]+)@(?P<profile>\w+)(?:#(?P<seed>\d+))?$")
EXTRA_INPUTS = {"blur_next": "next", "ref": "ref"}  # a model's second input -> the option giving it
CLEAR_ERRORS = (ValueError, FileNotFoundError, CheckpointError, DeviceUnavailable)


def parse_name(name: str) -> tuple[str, str, int]:
    """``chNN:row@profile[#seed]`` -> (experiment, profile, seed)."""
    found = NAME.match(name)
    if not found:
        raise ValueError(f"{name!r} is not a model name of the form chNN:row@profile[#seed]")
    return found["experiment"], found["profile"], int(found["seed"] or 0)


def resolve_checkpoint(name: str) -> Path:
    """The weights of the run ``name`` names: archived in the repository under its current identity
    (:mod:`~deblurbook.training.archive`), else shipped with it (:mod:`~deblurbook.training.shipped`;
    a note on standard error when they are stale), else the local run's; of a run, the weights
    selected on validation (``best.pt``) where the chapter selected them, else its last
    (``checkpoint.pt``)."""
    experiment, profile, seed = parse_name(name)
    exp = experiments.build(experiment, profile, seed=seed, device="cpu")
    folder = experiments.run_dir(exp, profile, seed)
    archived = archive.archive_dir(profile) / folder.parent.name / folder.name
    for file in ("best.pt", "checkpoint.pt"):
        if (archived / file).is_file():
            return archived / file
    found = shipped.find(experiment, profile, seed)
    if found is not None:
        note = shipped.stale_note(found, exp.identity)
        if note:
            print(f"deblur: note: {note}", file=sys.stderr)
        return found
    for file in ("best.pt", "checkpoint.pt"):
        if (folder / file).is_file():
            return folder / file
    raise FileNotFoundError(
        f"{name}: no trained run at {folder} (train it with the chapter's notebooks at "
        f"`{profile}`, or `python -m deblurbook train --experiment {experiment} --profile "
        f"{profile}`)"
    )


def load(model_name: str, checkpoint: str, device: torch.device) -> tuple[torch.nn.Module, tuple[str, ...]]:
    """The model of ``model_name`` with the weights of ``checkpoint`` (a file or a model name),
    and the inputs it reads."""
    experiment, profile, seed = parse_name(model_name)
    exp = experiments.build(experiment, profile, seed=seed, device="cpu")
    path = resolve_checkpoint(checkpoint) if NAME.match(checkpoint) else Path(checkpoint)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: checkpoint file not found")
    model = load_model_weights(exp.model, path, device).to(device).eval()
    return model, tuple(exp.inputs)


def _tensor(photo: Photo, device: torch.device) -> torch.Tensor:
    return torch.from_numpy(photo.pixels).permute(2, 0, 1)[None].to(device)


@torch.no_grad()
def restore(
    model: torch.nn.Module, inputs: list[torch.Tensor], tile: int, overlap: int, scale: float, progress=None
) -> torch.Tensor:
    """The model's image for ``inputs`` (each (1, 3, H, W)), in tiles, at ``1 / scale`` of the size
    when ``scale > 1`` (area-shrunk in, bicubic-enlarged out); (1, 3, H, W) clamped to [0, 1]."""
    size = inputs[0].shape[-2:]
    if scale != 1:
        shrunk = (max(8, round(size[0] / scale)), max(8, round(size[1] / scale)))
        inputs = [F.interpolate(x, size=shrunk, mode="area") for x in inputs]

    def run(stacked: torch.Tensor) -> torch.Tensor:
        out = model(*stacked.split(3, dim=1))
        return out["image"] if isinstance(out, dict) else out

    image = tiled(run, torch.cat(inputs, 1), tile=tile, overlap=overlap, progress=progress)
    if scale != 1:
        image = F.interpolate(image, size=tuple(size), mode="bicubic", align_corners=False)
    return image.clamp(0, 1)


def _second(args: argparse.Namespace, key: str, first: Photo) -> Photo:
    option = f"--{EXTRA_INPUTS[key]}"
    value = getattr(args, EXTRA_INPUTS[key])
    if value is None:
        raise ValueError(f"this model reads a second image ({key}); give it with {option} (one image at a time)")
    second = read_photo(value)
    if second.pixels.shape != first.pixels.shape:
        raise ValueError(
            f"{second.path}: {second.pixels.shape[1]}x{second.pixels.shape[0]} px, but "
            f"{first.path} is {first.pixels.shape[1]}x{first.pixels.shape[0]}; {option} must match"
        )
    return second


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deblurbook deblur", description=__doc__.split("\n\n")[0])
    parser.add_argument("images", nargs="+", type=Path)
    parser.add_argument(
        "--checkpoint",
        help="a checkpoint file, or chNN:row@profile[#seed] (default: the model shipped in weights/ as the default)",
    )
    parser.add_argument("--model", help="chNN:row@profile[#seed] (defaults to --checkpoint when that is a name)")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--next", type=Path, help="the next frame, for models that read two frames")
    parser.add_argument("--ref", type=Path, help="a sharp reference image, for reference-based models")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--tile", type=int, default=512)
    parser.add_argument("--overlap", type=int, default=64)
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="run at 1/scale of the size (blur larger than the model saw in training)",
    )
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args(argv)
    from tqdm.auto import tqdm

    try:
        if args.scale < 1:
            raise ValueError(f"--scale must be at least 1, got {args.scale}")
        if args.checkpoint is None:
            if args.model is not None:
                raise ValueError("--model names the architecture of a --checkpoint file; give --checkpoint too")
            args.checkpoint = shipped.default_model()
        model_name = args.model or args.checkpoint
        device = resolve(args.device)
        model, inputs = load(model_name, args.checkpoint, device)
        if len(inputs) > 1 and len(args.images) > 1:
            raise ValueError(f"{model_name} reads {', '.join(inputs)}: give one image at a time")
        sources = {p.resolve() for p in [*args.images, args.next, args.ref] if p is not None}
        bar = tqdm(args.images, unit="image", disable=None)
        for path in bar:
            photo = read_photo(path)
            extra = [_second(args, key, photo) for key in inputs[1:]]
            target = args.out / (path.stem + output_suffix(photo))
            if target.resolve() in sources and not args.overwrite:
                raise ValueError(f"{target}: would overwrite an input (pass --overwrite to allow it)")
            tensors = [_tensor(p, device) for p in (photo, *extra)]
            image = restore(
                model,
                tensors,
                args.tile,
                args.overlap,
                args.scale,
                progress=lambda done, total: bar.set_postfix(tile=f"{done}/{total}"),
            )
            args.out.mkdir(parents=True, exist_ok=True)
            write_photo(target, image[0].permute(1, 2, 0).cpu().numpy(), photo.bits)
    except (*CLEAR_ERRORS, ImageError) as err:
        print(f"deblur: {err}", file=sys.stderr)
        return 2
    return 0
