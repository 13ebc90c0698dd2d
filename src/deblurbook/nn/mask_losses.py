"""Losses for blur-region supervision, and a reconstruction term with a choice of norm.

Same contract as :mod:`deblurbook.nn.losses`: ``forward(output, batch)``
returns ``(weighted loss, parts)``. Masks are ``batch["mask"]``, (N, H, W) or
(N, 1, H, W), 1 where the image is blurred.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

NORMS = {"l1": F.l1_loss, "mse": F.mse_loss}


def _mask(batch: dict) -> torch.Tensor:
    mask = batch["mask"]
    return mask[:, 0] if mask.dim() == 4 else mask


class Reconstruction(nn.Module):
    """``weight * mean |output[key] - batch[target]|^p``, p = 1 (``l1``) or 2 (``mse``).

    ``output`` may also be the image tensor itself (a model that returns only its image).
    """

    def __init__(self, weight: float = 1.0, norm: str = "l1", key: str = "image", target: str = "sharp"):
        super().__init__()
        if norm not in NORMS:
            raise ValueError(f"norm must be one of {tuple(NORMS)}, got {norm!r}")
        self.weight, self.norm, self.key, self.target = weight, norm, key, target

    def extra_repr(self) -> str:
        return f"weight={self.weight}, norm={self.norm!r}"

    def forward(self, output: dict, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        image = output[self.key] if isinstance(output, dict) else output
        loss = self.weight * NORMS[self.norm](image, batch[self.target])
        return loss, {f"{self.norm}_{self.key}": float(loss.detach())}


class MaskCrossEntropy(nn.Module):
    """Two-class cross-entropy of per-pixel logits (N, 2, H, W) against the mask.

    The paper's Eq. 1 calls it binary cross-entropy; the code takes the
    negative log-likelihood of ``log_softmax`` over two classes, which is the
    same quantity for a two-class softmax. Mean over pixels.
    """

    def __init__(self, weight: float = 0.25, key: str = "blur_logits"):
        super().__init__()
        self.weight, self.key = weight, key

    def extra_repr(self) -> str:
        return f"weight={self.weight}"

    def forward(self, output: dict, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        loss = F.cross_entropy(output[self.key].float(), _mask(batch).long())
        return self.weight * loss, {"mask_ce": float(loss.detach())}


def dice(score: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The code's Dice loss over the whole batch: ``1 - sum(S * M) / sum(S + M)``.

    No factor 2 and no epsilon (so a perfect S = M gives 0.5, not 0); S may
    exceed 1 (Eq. 4's sum of three maps lies in [0, 3]). Float32 sums, also
    under autocast.
    """
    s, m = score.float(), mask.float()
    return 1 - (s * m).sum() / (s + m).sum()


class DiceLoss(nn.Module):
    """Eq. 4: ``weight * dice(output[key], mask)``, the attention sum (N, 1, H, W) against the mask."""

    def __init__(self, weight: float = 0.01, key: str = "attention"):
        super().__init__()
        self.weight, self.key = weight, key

    def extra_repr(self) -> str:
        return f"weight={self.weight}"

    def forward(self, output: dict, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        score = output[self.key]
        loss = dice(score[:, 0] if score.dim() == 4 else score, _mask(batch)).to(score.dtype)
        return self.weight * loss, {"dice": float(loss.detach())}
