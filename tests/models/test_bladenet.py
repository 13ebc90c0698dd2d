import pytest
import torch

from deblurbook.models.bladenet import (
    BSA,
    LBP,
    VARIANTS,
    BladeNet,
    BladeNetLoss,
    DeblurUNet,
    attention_sum,
    blur_probability,
)
from deblurbook.nn.blocks import parameter_count
from tests.models.steps import losses_after_steps

# The spec's arithmetic from the authors' code (komejisatori/BladeNet), at width 64.
PAPER_COUNTS = {"none": 17_267_523, "lbp": 34_536_133, "bsa": 23_509_958, "full": 40_778_568}


@pytest.mark.parametrize("variant", VARIANTS)
def test_parameter_counts_at_paper_width_match_the_authors_code(variant):
    assert parameter_count(BladeNet(variant, width=64)) == PAPER_COUNTS[variant]


def test_parts_at_paper_width():
    assert parameter_count(LBP(64)) == 17_267_458
    assert parameter_count(DeblurUNet(5, 64, attention=True)) == 23_511_110
    attention_blocks = [parameter_count(up) for up in DeblurUNet(5, 64).ups[1:]]
    assert attention_blocks == [6_222_465, 1_562_945, 412_929]


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("lbp_input", ["logits", "probability"])
def test_every_variant_runs_on_odd_sizes(variant, lbp_input):
    torch.manual_seed(0)
    model = BladeNet(variant, width=4, lbp_input=lbp_input).eval()
    x = torch.rand(2, 3, 37, 51)
    out = model(x)
    assert out["image"].shape == x.shape and 0 <= out["image"].min() and out["image"].max() <= 1
    assert ("blur_logits" in out) == (variant in ("lbp", "full"))
    assert ("attention" in out) == (variant in ("bsa", "full"))
    if "attention" in out:
        assert out["attention"].shape == (2, 1, 37, 51)
        assert [a.shape[-2:] for a in out["attention_maps"]] == [(12, 16), (24, 32), (48, 64)]  # padded to 48x64
        assert 0 <= out["attention"].min() and out["attention"].max() <= 3
    if "blur_logits" in out:
        p = blur_probability(out)
        assert p.shape == (2, 37, 51) and 0 <= p.min() and p.max() <= 1


def test_bsa_attends_with_a_map_in_zero_one():
    bsa = BSA(6)
    x = torch.randn(1, 6, 9, 11)
    attended, attention = bsa(x)
    assert attention.shape == (1, 1, 9, 11) and torch.allclose(attended, x * attention)


def test_attention_sum_upsamples_coarse_maps_and_adds():
    maps = [torch.ones(1, 1, 3, 4), torch.ones(1, 1, 6, 8), torch.ones(1, 1, 12, 16)]
    assert torch.allclose(attention_sum(maps), torch.full((1, 1, 12, 16), 3.0))


def test_bad_input_is_named():
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\)"):
        BladeNet("none", width=4)(torch.rand(3, 16, 16))
    with pytest.raises(ValueError, match="variant"):
        BladeNet("lbp+bsa")
    with pytest.raises(ValueError, match="lbp_input"):
        BladeNet("full", lbp_input="softmax")


def test_a_few_steps_on_one_batch_lower_the_loss():
    torch.manual_seed(0)
    model = BladeNet("full", width=4)
    loss_fn = BladeNetLoss()
    sharp = torch.rand(2, 3, 32, 32)
    mask = torch.zeros(2, 32, 32, dtype=torch.bool)
    mask[:, 8:20, 10:24] = True
    batch = {"blur": torch.where(mask[:, None], sharp.roll(2, -1), sharp), "sharp": sharp, "mask": mask}
    losses, parts = losses_after_steps(model, loss_fn, batch)
    assert {"l1_image", "mask_ce", "dice", "total"} <= set(parts)
    assert losses[-1] < losses[0]


def test_the_loss_is_reconstruction_alone_without_a_mask():
    out = BladeNet("full", width=4).eval()(torch.rand(1, 3, 16, 16))
    batch = {"sharp": torch.rand(1, 3, 16, 16)}
    total, parts = BladeNetLoss()(out, batch)
    assert set(parts) == {"l1_image", "total"}
    assert torch.isclose(total, (out["image"] - batch["sharp"]).abs().mean())


def test_the_residual_form_starts_next_to_the_identity_and_keeps_the_parameter_count():
    torch.manual_seed(0)
    x = torch.rand(1, 3, 21, 35)
    model = BladeNet("full", width=4, residual=True).eval()
    assert 0 < (model(x)["image"] - x).abs().max() < 0.02
    assert parameter_count(BladeNet("full", 64, residual=True)) == PAPER_COUNTS["full"]
