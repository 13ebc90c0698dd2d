"""BladeNet's own losses (LODE: Deep Local Deblurring and a New Benchmark, Wang et al., 2021).

:class:`MaskCrossEntropy` supervises LBP's blur logits (LODE Eq. 1) and :class:`DiceLoss`
BSA's summed attention (LODE Eq. 4), both against the blur mask ``batch["mask"]``, (N, H, W)
or (N, 1, H, W), 1 where the image is blurred. Same contract as :mod:`deblurbook.nn.losses`:
``forward(output, batch)`` returns ``(weighted loss, parts)``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def blur_mask(batch: dict) -> torch.Tensor:
    mask = batch["mask"]
    return mask[:, 0] if mask.dim() == 4 else mask


class MaskCrossEntropy(nn.Module):
    """Two-class cross-entropy of per-pixel logits (N, 2, H, W) against the mask.

    LODE's Eq. 1 calls it binary cross-entropy; the code takes the
    negative log-likelihood of ``log_softmax`` over two classes, which is the
    same quantity for a two-class softmax. Mean over pixels.
    """

    def __init__(self, weight: float = 0.25, key: str = "blur_logits"):
        super().__init__()
        self.weight, self.key = weight, key

    def extra_repr(self) -> str:
        return f"weight={self.weight}"

    def forward(self, output: dict, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        loss = F.cross_entropy(output[self.key].float(), blur_mask(batch).long())
        return self.weight * loss, {"mask_ce": float(loss.detach())}


def dice(score: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The code's Dice loss over the whole batch: ``1 - sum(S * M) / sum(S + M)``.

    No factor 2 and no epsilon (so a perfect S = M gives 0.5, not 0); S may
    exceed 1 (LODE Eq. 4's sum of three maps lies in [0, 3]). Float32 sums, also
    under autocast.
    """
    s, m = score.float(), mask.float()
    return 1 - (s * m).sum() / (s + m).sum()


class DiceLoss(nn.Module):
    """LODE Eq. 4: ``weight * dice(output[key], mask)``, the attention sum (N, 1, H, W) against the mask."""

    def __init__(self, weight: float = 0.01, key: str = "attention"):
        super().__init__()
        self.weight, self.key = weight, key

    def extra_repr(self) -> str:
        return f"weight={self.weight}"

    def forward(self, output: dict, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        score = output[self.key]
        loss = dice(score[:, 0] if score.dim() == 4 else score, blur_mask(batch)).to(score.dtype)
        return self.weight * loss, {"dice": float(loss.detach())}
