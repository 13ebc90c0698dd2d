import torch

from deblurbook import experiments
from deblurbook.data import write_test_set, TestSet
from deblurbook.evaluate import evaluate
from deblurbook.losses import FlowDeblurLoss, ImageMSE, MultiScaleWarpLoss


def test_warp_loss_is_zero_for_the_true_shift_and_positive_otherwise():
    torch.manual_seed(0)
    first = torch.rand(1, 3, 32, 32)
    first[..., -4:] = first[..., -5:-4]  # a constant right edge, so the border clamp is exact
    second = torch.cat([first[..., :1].expand(-1, -1, -1, 2), first[..., :-2]], dim=-1)  # moves 2 px right
    batch = {"blur": first, "blur_next": second}
    flow = torch.zeros(1, 2, 32, 32)
    flow[:, 0] = 2.0
    right = MultiScaleWarpLoss(weights=(1.0,))({"flows": [flow]}, batch)[0]
    wrong = MultiScaleWarpLoss(weights=(1.0,))({"flows": [torch.zeros_like(flow)]}, batch)[0]
    assert right < 1e-10 and wrong > 1e-3


def test_flow_deblur_loss_terms():
    batch = {"blur": torch.rand(1, 3, 16, 16), "blur_next": torch.rand(1, 3, 16, 16), "sharp": torch.rand(1, 3, 16, 16)}
    out = {"image": batch["blur"], "flows": [torch.zeros(1, 2, 16 >> s, 16 >> s) for s in (4, 3, 2, 1, 0)]}
    total, parts = FlowDeblurLoss()(out, batch)
    assert set(parts) >= {"mse_image", "warp_s0", "warp_s4", "total"}
    only_image, parts = FlowDeblurLoss(flow_weight=0.0)(out, batch)
    assert "warp_s0" not in parts and only_image < total
    assert torch.isclose(only_image, ImageMSE()(out, batch)[0])


def test_evaluate_scores_each_image(tmp_path):
    folder = write_test_set("mixed", (24, 28), 2, folder=tmp_path / "ts")
    exp = experiments.build("ch02:no_rnn", "smoke")
    result = evaluate(exp.model, TestSet(folder), ("blur",))
    assert result["images"] == 2 and len(result["per_image"]) == 2
    assert 0 < result["ssim"] <= 1 and result["psnr"] > 0


def test_unknown_experiment_is_named():
    import pytest
    with pytest.raises(ValueError, match="known: ch02:full"):
        experiments.build("ch09:magic")
