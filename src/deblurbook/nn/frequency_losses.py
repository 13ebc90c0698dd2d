"""Losses in the frequency domain, and the content-plus-frequency sum.

:class:`FrequencyReconstruction` compares the 2-D Fourier transforms of the
output and the target (``torch.fft.fft2`` per channel, real and imaginary
parts stacked), as MIMO-UNet's frequency loss does; the reference-based
deblurring paper's Eq. 9 writes it with a 2-norm, its base's code uses the
mean absolute value (``norm="l1"``, the default). Computed in float32 (the
FFT of half-precision inputs is poorly conditioned).
"""

from __future__ import annotations

import torch
from torch import nn

from .adversarial import RelativisticGeneratorLoss
from .losses import NORMS, Reconstruction


class FrequencyReconstruction(Reconstruction):
    """``weight * mean |F(output) - F(target)|^p`` over the stacked real and imaginary parts."""

    def __init__(self, weight: float = 0.1, norm: str = "l1", key: str = "image", target: str = "sharp"):
        super().__init__(weight, norm, key, target)

    def forward(self, output: dict, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        image = output[self.key] if isinstance(output, dict) else output
        spectra = [torch.view_as_real(torch.fft.fft2(x.float())) for x in (image, batch[self.target])]
        loss = self.weight * NORMS[self.norm](*spectra)
        return loss, {f"freq_{self.norm}": float(loss.detach())}


class ContentFrequencyLoss(nn.Module):
    """The reference-based paper's Eq. 7: ``content * L1(I, S) + frequency * L_freq(I, S)``
    (weights 1 and 0.1 in the paper),
    plus ``adversarial`` (5e-3 in the paper) times a relativistic GAN term when one is given
    (``critic``: the term's critic, :class:`deblurbook.nn.adversarial.VGGStyleDiscriminator`).
    With the GAN term the loss has :meth:`critic_loss`, which the trainer steps."""

    def __init__(
        self,
        content: float = 1.0,
        frequency: float = 0.1,
        freq_norm: str = "l1",
        adversarial: float = 0.0,
        critic: nn.Module | None = None,
    ):
        super().__init__()
        self.terms = nn.ModuleList([Reconstruction(content, "l1"), FrequencyReconstruction(frequency, freq_norm)])
        if adversarial:
            self.terms.append(RelativisticGeneratorLoss(adversarial, critic))
            self.critic_loss = self.terms[-1].critic_loss

    def forward(self, output: dict, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        total, parts = None, {}
        for term in self.terms:
            loss, found = term(output, batch)
            total = loss if total is None else total + loss
            parts |= found
        parts["total"] = float(total.detach())
        return total, parts
