import pytest
import torch

from deblurbook.nn.edge_losses import Charbonnier, EdgeLoss, StageScaleCharbonnierEdge, laplacian


def test_identical_images_cost_eps_in_both_terms():
    x = torch.rand(1, 3, 16, 18)
    assert float(Charbonnier(1e-3)(x, x)) == pytest.approx(1e-3)
    assert float(EdgeLoss(1e-3)(x, x)) == pytest.approx(1e-3)


def test_the_laplacian_of_a_constant_is_zero_away_from_the_borders_and_of_an_edge_is_not():
    # MPRNet's replicate padding of the zero-stuffed image leaves a response at the borders
    assert laplacian(torch.full((1, 1, 12, 12), 0.3))[..., 3:-3, 3:-3].abs().max() < 1e-6
    edge = torch.zeros(1, 1, 12, 12)
    edge[..., 6:] = 1.0
    assert laplacian(edge).abs().max() > 0.1


def test_the_stage_scale_sum_covers_every_output_or_only_the_last():
    sharp = torch.rand(2, 3, 16, 20)
    stages = [[torch.rand(2, 3, 4, 5), torch.rand(2, 3, 8, 10), torch.rand(2, 3, 16, 20)] for _ in range(2)]
    total, parts = StageScaleCharbonnierEdge()({"stages": stages}, {"sharp": sharp})
    assert len([k for k in parts if k.startswith("char_")]) == 6 and parts["total"] == pytest.approx(float(total))
    final, parts = StageScaleCharbonnierEdge(supervised="final")({"stages": stages}, {"sharp": sharp})
    assert list(parts) == ["char_stage2_scale3", "total"] and float(final) < float(total)
    with pytest.raises(ValueError, match="supervised"):
        StageScaleCharbonnierEdge(supervised="some")
