import pytest
import torch
import torch.nn.functional as F

from deblurbook.imaging.warping import warp
from deblurbook.models.flow_deblur import VARIANTS, FlowDeblurLoss, FlowDeblurNet, SpatialRNN, layer_table
from deblurbook.nn.blocks import parameter_count
from deblurbook.nn.losses import ImageMSE


def test_parameter_count_at_paper_scale_matches_the_released_prototxt():
    model = FlowDeblurNet("full", width=1.0)
    assert parameter_count(model) == 8_281_696  # the authors' prototxt: ~8.28 M (paper: 8.7 M)
    assert parameter_count(FlowDeblurNet("no_rnn", width=1.0)) < 1_000_000


def test_layer_table_follows_table_one():
    rows = {r["name"]: r for r in layer_table(FlowDeblurNet("full", width=1.0))}
    assert rows["conv1"]["in/out"] == "6/24" and rows["conv1"]["kernel"] == "7x7"
    assert rows["rnnw1"]["in/out"] == "38/96" and rows["rnnw3"]["in/out"] == "146/384"
    assert rows["flow5"]["in/out"] == "386/2" and rows["flow2"]["in/out"] == "74/2"
    assert rows["up6to5"]["kernel"] == "4x4" and rows["deconv6"]["in/out"] == "384/192"
    assert rows["d_deconv3"]["in/out"] == "432/48" and rows["d_conv0"]["in/out"] == "15/3"
    assert rows["d_conv1"]["layer"] == "conv"  # no activation in the encoder


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_variant_runs_on_odd_sizes(variant):
    torch.manual_seed(0)
    model = FlowDeblurNet(variant, width=0.125)
    x = torch.rand(2, 3, 37, 53)
    out = model(x, x.flip(-1), x.flip(-2))
    assert out["image"].shape == x.shape
    if variant != "no_rnn":
        flows = out["flows"]
        assert len(flows) == 5 and flows[-1].shape[-2:] == (10, 14)  # 37 and 53 / 4, rounded up
        assert out["rnn_weights"][0].shape[-2:] == (19, 27)
        assert flows[0].shape[1] == (4 if variant == "bidirectional" else 2)


def test_missing_or_mismatched_second_frame_is_named():
    model = FlowDeblurNet("full", width=0.125)
    with pytest.raises(ValueError, match="needs blur_next"):
        model(torch.rand(1, 3, 16, 16))
    with pytest.raises(ValueError, match="blur_next .* differs"):
        model(torch.rand(1, 3, 16, 16), torch.rand(1, 3, 16, 17))
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\)"):
        model(torch.rand(3, 16, 16))
    with pytest.raises(ValueError, match="variant"):
        FlowDeblurNet("bigger")


def test_spatial_rnn_checks_the_weight_split():
    with pytest.raises(ValueError, match="four"):
        SpatialRNN()(torch.rand(1, 2, 4, 4), torch.rand(1, 6, 4, 4))


def test_a_few_steps_on_one_batch_lower_the_loss():
    torch.manual_seed(0)
    model = FlowDeblurNet("full", width=0.125)
    loss_fn = FlowDeblurLoss()
    blur = torch.rand(2, 3, 32, 32)
    batch = {"blur": blur, "blur_next": blur.roll(1, -1), "sharp": blur.roll(1, -2)}
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(8):
        loss, _ = loss_fn(model(batch["blur"], batch["blur_next"]), batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_flow_deblur_loss_terms():
    batch = {"blur": torch.rand(1, 3, 16, 16), "blur_next": torch.rand(1, 3, 16, 16), "sharp": torch.rand(1, 3, 16, 16)}
    out = {"image": batch["blur"], "flows": [torch.zeros(1, 2, 16 >> s, 16 >> s) for s in (4, 3, 2, 1, 0)]}
    total, parts = FlowDeblurLoss()(out, batch)
    assert set(parts) >= {"mse_image", "warp_s0", "warp_s4", "total"}
    only_image, parts = FlowDeblurLoss(flow_weight=0.0)(out, batch)
    assert "warp_s0" not in parts and only_image < total
    assert torch.isclose(only_image, ImageMSE()(out, batch)[0])


def test_flow_terms_are_weighted_by_their_pixel_share_as_the_authors_sum_does():
    torch.manual_seed(1)
    batch = {"blur": torch.rand(2, 3, 32, 48), "blur_next": torch.rand(2, 3, 32, 48), "sharp": torch.rand(2, 3, 32, 48)}
    out = {"image": torch.rand(2, 3, 32, 48), "flows": [torch.randn(2, 2, 32 >> s, 48 >> s) for s in (4, 3, 2)]}
    # the authors' L2Loss.m: sum of squared errors / 2 / batch, for the image and for every flow scale
    sums = [(out["image"] - batch["sharp"]).pow(2).sum()]
    for flow in out["flows"]:
        size = tuple(flow.shape[-2:])
        first, second = (F.adaptive_avg_pool2d(batch[k], size) for k in ("blur", "blur_next"))
        sums.append((warp(second, flow) - first).pow(2).sum())
    authors = sum(sums) / 2 / 2

    def loss(balance):
        module = FlowDeblurLoss(balance=balance)
        module.warp.weights = (1.0,) * 3
        return module(out, batch)

    ours, _ = loss("pixels")
    assert torch.isclose(ours * batch["sharp"].numel() / 4, authors, rtol=1e-5)  # equal up to one constant
    heavier, parts = loss("mean")
    assert heavier > ours and parts["flow_term"] > 16 * (ours - parts["mse_image"])  # shares 1/256..1/16
    with pytest.raises(ValueError, match="balance"):
        FlowDeblurLoss(balance="sum")


def test_initialisation_and_groups_follow_the_released_prototxt():
    torch.manual_seed(0)
    model = FlowDeblurNet("full", width=1.0)
    groups = model.optimizer_groups()
    assert sum(len(g["params"]) for g in groups) == len(list(model.parameters()))
    by_mult = {(g["lr_mult"], g["decay_mult"]): g["params"] for g in groups}
    fixed = by_mult[(0.0, 0.0)]  # deconvolution and decoder biases: lr_mult 0 in the prototxt
    assert any(p is model.deblur.d_deconv2_1[0].bias for p in fixed)
    assert any(p is model.flow_net.upflow[0].bias for p in fixed)
    assert any(p is model.flow_net.rnnw[0].bias for p in by_mult[(2.0, 1.0)])
    assert any(p is model.flow_net.encoder["conv1"][0].bias for p in by_mult[(1.0, 0.0)])
    # Caffe's fillers: MSRA std sqrt(2 / fan_in) in the decoder; Xavier bound sqrt(3 / fan_in) in the encoder
    decoder = model.deblur.d_deconv2_1[0].weight
    assert decoder.std().item() == pytest.approx((2 / decoder[0].numel()) ** 0.5, rel=0.05)
    encoder = model.deblur.d_conv2.weight
    assert encoder.abs().max().item() <= (3 / encoder[0].numel()) ** 0.5


def test_rnn_weights_are_read_in_the_prototxt_order():
    torch.manual_seed(0)
    x = torch.randn(1, 2, 5, 6)
    weights = torch.zeros(1, 8, 5, 6)
    weights[:, 2:4] = 0.9  # the second block: top->bottom in the prototxt's x1, y1, x2, y2
    out = SpatialRNN()(x, weights)
    left_to_right, right_to_left, top_to_bottom, bottom_to_top = out.chunk(4, dim=1)
    assert torch.allclose(left_to_right, x) and torch.allclose(right_to_left, x) and torch.allclose(bottom_to_top, x)
    assert not torch.allclose(top_to_bottom, x)
