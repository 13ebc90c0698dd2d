import pytest
import torch

from deblurbook.models.unet import SmallUNet
from deblurbook.nn.blocks import parameter_count
from deblurbook.nn.losses import Reconstruction
from tests.models.steps import losses_after_steps


def test_shapes_on_odd_sizes_and_the_parameter_count():
    model = SmallUNet(width=4, levels=3, middle=1)
    x = torch.rand(2, 3, 37, 51)
    assert model(x).shape == x.shape
    assert parameter_count(SmallUNet()) == 1_054_339  # the floor of ch07 at about 1 M


def test_the_receptive_field_spans_149_px():
    model = SmallUNet()
    x = torch.zeros(1, 3, 257, 257, requires_grad=True)
    model(x)[0, :, 128, 128].sum().backward()
    reached = (x.grad[0].abs().sum(0) > 0).nonzero()
    assert (reached.max(0).values - reached.min(0).values + 1).tolist() == [149, 149]


def test_a_few_steps_lower_the_loss_and_bad_settings_are_refused():
    torch.manual_seed(0)
    batch = {"blur": torch.rand(2, 3, 24, 24), "sharp": torch.rand(2, 3, 24, 24)}
    losses, _ = losses_after_steps(SmallUNet(width=4, levels=3), Reconstruction(1.0, "l1"), batch)
    assert losses[-1] < losses[0]
    with pytest.raises(ValueError, match="levels"):
        SmallUNet(levels=1)
