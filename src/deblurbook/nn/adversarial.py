"""Relativistic average GAN losses (Jolicoeur-Martineau; ESRGAN's form) and a discriminator.

With a critic ``C`` (raw scores, no sigmoid) and ``D_Ra(a, b) = sigmoid(C(a) - mean C(b))``:

* discriminator, Liu et al.'s Eq. 10 of the reference-based deblurring paper:
  ``L_D = -log D_Ra(real, fake) - log(1 - D_Ra(fake, real))``;
* generator, Liu et al.'s Eq. 11: ``L_G = -log(1 - D_Ra(real, fake)) - log D_Ra(fake, real)``;

each written with ``binary_cross_entropy_with_logits`` (numerically stable),
means over the batch. :class:`VGGStyleDiscriminator` is ESRGAN's critic
shape (the paper states none): conv-BN-LeakyReLU pairs, the second of each
with stride 2, 64 to 512 channels, global average pooling and two linear
layers, so any input size works.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _relativistic(real: torch.Tensor, fake: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return real - fake.mean(), fake - real.mean()


def discriminator_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """Liu et al.'s Eq. 10 from the critic's raw scores of real and generated images."""
    real, fake = _relativistic(real_scores, fake_scores)
    return F.binary_cross_entropy_with_logits(real, torch.ones_like(real)) + F.binary_cross_entropy_with_logits(
        fake, torch.zeros_like(fake)
    )


def generator_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """Liu et al.'s Eq. 11: the labels of Liu et al.'s Eq. 10 swapped."""
    real, fake = _relativistic(real_scores, fake_scores)
    return F.binary_cross_entropy_with_logits(real, torch.zeros_like(real)) + F.binary_cross_entropy_with_logits(
        fake, torch.ones_like(fake)
    )


class VGGStyleDiscriminator(nn.Module):
    """(N, 3, H, W) in [0, 1] -> (N,) raw scores. ``width`` 64 in ESRGAN; five stages double it to 8x."""

    def __init__(self, width: int = 64, stages: int = 5):
        super().__init__()
        layers, cin = [nn.Conv2d(3, width, 3, padding=1), nn.LeakyReLU(0.2)], width
        for k in range(stages):
            cout = width * 2 ** min(k, 3)
            if k:
                layers += [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.LeakyReLU(0.2)]
            layers += [
                nn.Conv2d(cout, cout, 4, stride=2, padding=1, bias=False),
                nn.BatchNorm2d(cout),
                nn.LeakyReLU(0.2),
            ]
            cin = cout
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Linear(cin, 100), nn.LeakyReLU(0.2), nn.Linear(100, 1))

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(image).mean((2, 3)))[:, 0]


class RelativisticGeneratorLoss(nn.Module):
    """``weight * L_G`` (Liu et al.'s Eq. 11) on the model's image against the sharp one, with the critic it is
    measured by; :meth:`critic_loss` is the critic's own Liu et al.'s Eq. 10 on the detached image. The real
    images' scores are constants for the model (ESRGAN's form)."""

    def __init__(
        self, weight: float = 5e-3, critic: nn.Module | None = None, key: str = "image", target: str = "sharp"
    ):
        super().__init__()
        self.weight, self.key, self.target = weight, key, target
        self.critic = critic if critic is not None else VGGStyleDiscriminator()

    def _image(self, output) -> torch.Tensor:
        return output[self.key] if isinstance(output, dict) else output

    def forward(self, output, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        real = self.critic(batch[self.target]).detach()
        loss = self.weight * generator_loss(real, self.critic(self._image(output)))
        return loss, {"adversarial": float(loss.detach())}

    def critic_loss(self, output, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        loss = discriminator_loss(self.critic(batch[self.target]), self.critic(self._image(output).detach()))
        return loss, {"critic": float(loss.detach())}
