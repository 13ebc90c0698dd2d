import math

import pytest
import torch

from deblurbook.nn.adversarial import VGGStyleDiscriminator, discriminator_loss, generator_loss


def test_a_critic_that_tells_real_from_fake_wins_and_the_generator_loses():
    real, fake = torch.full((4,), 10.0), torch.full((4,), -10.0)
    assert float(discriminator_loss(real, fake)) < 1e-6 and float(generator_loss(real, fake)) > 39
    same = torch.zeros(4)
    assert float(discriminator_loss(same, same)) == pytest.approx(2 * math.log(2))  # Eqs. 10 and 11 at chance


def test_the_generator_gains_by_raising_the_fakes_scores():
    fake = torch.zeros(3, requires_grad=True)
    generator_loss(torch.ones(3), fake).backward()
    assert (fake.grad < 0).all()


def test_the_discriminator_scores_any_size():
    torch.manual_seed(0)
    d = VGGStyleDiscriminator(width=8)
    assert d(torch.rand(2, 3, 37, 45)).shape == (2,)
