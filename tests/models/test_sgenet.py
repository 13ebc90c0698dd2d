"""SGENet: the paper-width parameter count, shapes of all six outputs on odd sizes, CSAM's
weights, the ablation variants, FLOPs from the library, and a few steps that lower the loss."""

import pytest
import torch

from deblurbook.models.sgenet import CSAM, RDM, SGENet
from deblurbook.nn.blocks import parameter_count
from deblurbook.nn.edge_losses import StageScaleCharbonnierEdge
from tests.models.steps import losses_after_steps

TINY = (8, 10, 12)


def test_parameter_count_at_paper_widths_is_the_specs_reading():
    assert parameter_count(SGENet()) == 19_583_381  # the paper: 19.5 M
    assert parameter_count(RDM(96)) == 49 * 96**2 + 4


def test_six_outputs_at_their_scales_on_an_odd_image():
    torch.manual_seed(0)
    out = SGENet(TINY, rdms=1)(torch.rand(2, 3, 37, 45))
    assert out["image"].shape == (2, 3, 37, 45)
    assert [[tuple(i.shape[-2:]) for i in stage] for stage in out["stages"]] == [[(10, 12), (19, 23), (37, 45)]] * 2
    assert out["image"] is out["stages"][-1][-1]


def test_csam_weights_sum_to_one_over_its_inputs():
    csam = CSAM(16)
    features = [torch.rand(2, 16, 5, 7) for _ in range(3)]
    assert torch.allclose(csam.weights(*features).sum(0), torch.ones(2, 16, 1, 1))
    with pytest.raises(ValueError, match="3 inputs"):
        csam(*features[:2])


def test_variants():
    one, summed = SGENet(TINY, rdms=1, stages=1), SGENet(TINY, rdms=1, csam=False)
    assert len(one(torch.rand(1, 3, 16, 16))["stages"]) == 1
    assert not any(isinstance(m, CSAM) for m in summed.modules())
    assert parameter_count(summed) < parameter_count(SGENet(TINY, rdms=1))


def test_flops_come_from_the_library_on_the_meta_device():
    from torch.utils.flop_counter import FlopCounterMode

    with torch.device("meta"):
        model, x = SGENet(), torch.zeros(1, 3, 720, 1280)
        with FlopCounterMode(display=False) as counter, torch.no_grad():
            model(x)
    assert counter.get_total_flops() / 2 == pytest.approx(6.16e12, rel=0.01)  # the spec: 6.16 TMAC per frame


def test_a_few_steps_on_one_batch_lower_the_loss():
    torch.manual_seed(1)
    sharp = torch.rand(2, 3, 24, 28)
    batch = {"blur": (sharp + torch.roll(sharp, 2, -1)) / 2, "sharp": sharp}
    losses, parts = losses_after_steps(SGENet(TINY, rdms=1), StageScaleCharbonnierEdge(), batch)
    assert losses[-1] < losses[0] and "char_stage2_scale3" in parts
