"""MTDN (Cheng et al.): shapes on odd sizes, parameter counts at paper width, the stop-gradient
between scales, the two branches, Eq. 2, and a few steps that lower the loss."""

import pytest
import torch

from deblurbook.models.two_way import MTDN, DownNet, UpNet
from deblurbook.nn.blocks import parameter_count
from deblurbook.nn.scale_losses import ScaleWeightedMSE
from tests.models.steps import losses_after_steps


@pytest.mark.parametrize(
    ("kwargs", "count"),
    [({}, 3_911_398), ({"two_way": False}, 2_584_035), ({"two_way": False, "decoder_blocks": 6}, 3_746_595)],
)
def test_parameter_counts_at_paper_width_match_the_specs_arithmetic(kwargs, count):
    assert parameter_count(MTDN(32, **kwargs)) == count


def test_scales_and_branches_on_an_odd_image():
    torch.manual_seed(0)
    model = MTDN(4)
    out = model(torch.rand(2, 3, 37, 53))
    assert [tuple(x.shape[-2:]) for x in out["scales"]] == [(9, 13), (18, 26), (37, 53)]
    assert out["image"].shape == (2, 3, 37, 53)
    for up, down, total in zip(out["up"], out["down"], out["scales"]):
        assert torch.allclose(up + down, total)
    assert MTDN(4, two_way=False)(torch.rand(1, 3, 32, 32))["down"] == []
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\)"):
        model(torch.rand(3, 32, 32))


def test_no_gradient_flows_back_through_the_previous_scales_estimate():
    out = MTDN(4)(torch.rand(1, 3, 32, 32))
    assert torch.autograd.grad(out["image"].sum(), out["scales"][0], allow_unused=True) == (None,)


def test_the_residual_branch_has_no_skips_and_the_init_is_xavier_with_zero_biases():
    assert UpNet.skips and not DownNet.skips
    model = MTDN(8)
    convs = [m for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d))]
    assert all(torch.count_nonzero(m.bias) == 0 for m in convs)
    first = model.encoder.levels[0][0][0]
    bound = (6 / (first.in_channels * 9 + first.out_channels * 9)) ** 0.5
    assert first.weight.abs().max() <= bound


def test_eq2_weights_the_full_resolution_output_five_times():
    sharp = torch.zeros(1, 3, 16, 16)
    scales = [torch.ones(1, 3, 4, 4), torch.ones(1, 3, 8, 8), torch.ones(1, 3, 16, 16)]
    loss, parts = ScaleWeightedMSE()({"scales": scales}, {"sharp": sharp})
    assert float(loss) == pytest.approx(1 + 1 + 5) and parts["mse_scale3"] == 1.0
    with pytest.raises(ValueError, match="3 output scales but 2 weights"):
        ScaleWeightedMSE((1.0, 1.0))({"scales": scales}, {"sharp": sharp})


def test_a_few_steps_on_one_batch_lower_the_loss():
    torch.manual_seed(0)
    sharp = torch.rand(2, 3, 32, 32)
    losses, parts = losses_after_steps(MTDN(4), ScaleWeightedMSE(), {"blur": sharp.roll(1, -1), "sharp": sharp})
    assert losses[-1] < losses[0] and set(parts) == {"mse_scale1", "mse_scale2", "mse_scale3", "total"}


def test_the_residual_form_starts_next_to_its_input():
    torch.manual_seed(0)
    blur = torch.rand(1, 3, 32, 48)
    assert (MTDN(4, residual=True)(blur)["image"] - blur).abs().max() < 0.05
    assert (MTDN(4)(blur)["image"] - blur).abs().max() > 0.2  # the paper's form starts far from it
