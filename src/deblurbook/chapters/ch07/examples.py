"""Chapter 7's ``deblur`` command on the bundled samples (07.04)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ...book import viz
from ...core.paths import repo_root
from ...data.real import gopro_crops, reds_clips
from .experiments import budget, row_name

# ---------------------------------------------------------------- the deblur command (07.04)


def deblur_examples(profile: str) -> dict[str, list[dict]]:
    """The bundled samples 07.04 restores with ``python -m deblurbook deblur``, per figure: the
    model's name (this chapter's run at ``profile``, seed 0; ``None`` for the command's shipped
    default, first, where the repository ships one), the image, its sharp frame, and the options
    for the second image the model reads."""
    from ...training.shipped import read_index

    size = budget(profile)["sizes"][-1]
    default = [None] if read_index().get("default") else []
    crop = gopro_crops()[0]
    clip = next(iter(reds_clips().values()))
    before, frame, after = clip[0], clip[1], clip[2]

    def model(net: str) -> str:
        return f"ch07:{row_name(net, size)}@{profile}"

    return {
        "gopro": [
            {"model": name, "image": crop.blur, "sharp": crop.sharp, "extra": []}
            for name in (*default, model("mtdn"), model("sgenet"))
        ],
        "reds": [
            {"model": model("flow"), "image": frame.blur, "sharp": frame.sharp, "extra": ["--next", after.blur]},
            {"model": model("reference"), "image": frame.blur, "sharp": frame.sharp, "extra": ["--ref", before.sharp]},
        ],
    }


def deblur_command(example: dict, out: Path, device: str = "auto") -> list[str]:
    """The command line that restores ``example`` into a folder of ``out`` named after its model (so
    that two models' outputs of one image do not overwrite each other), paths relative to the
    checkout."""
    import re

    out = out / re.sub(r"[^\w.-]", "_", example["model"] or "default")

    def rel(path) -> str:
        path = Path(path).resolve()
        return str(path.relative_to(repo_root())) if path.is_relative_to(repo_root()) else str(path)

    extra = [rel(v) if k % 2 else v for k, v in enumerate(example["extra"])]
    model = ["--checkpoint", example["model"]] if example["model"] else []
    return [
        "python",
        "-m",
        "deblurbook",
        "deblur",
        rel(example["image"]),
        *extra,
        *model,
        "--out",
        rel(out),
        "--device",
        device,
    ]


def run_deblur(command: list[str]) -> Path:
    """Run a :func:`deblur_command` (this interpreter, from the checkout) and return the image it
    wrote; its error message, naming what is wrong, where it fails."""
    done = subprocess.run([sys.executable, *command[1:]], cwd=repo_root(), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip()}")
    out = repo_root() / command[command.index("--out") + 1]
    return out / (Path(command[4]).stem + ".png")


def _short(model: str | None) -> str:
    """A model's label in a figure: its network, or the default's network, marked."""
    if model is None:
        from ...training.shipped import default_model

        return f"default ({_short(default_model())})"
    return model.split(":")[1].split("-")[0]


def deblur_figure(examples: list[dict], outputs: list[Path]):
    """The input, each command's output and the ground truth, PSNR in the titles, zoomed crops."""
    from ...imaging.images import read_image

    truth = read_image(examples[0]["sharp"])
    images = [("blurred", read_image(examples[0]["image"]))]
    images += [(_short(e["model"]), read_image(path)) for e, path in zip(examples, outputs)]
    images.append(("ground truth", truth))
    return viz.comparison_figure(images, truth)
