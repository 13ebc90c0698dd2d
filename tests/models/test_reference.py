"""The reference-based U-Net (Liu, Hua, Li): Table 1's parameter slope exactly, shapes on odd
sizes, the variants, the matching it reports, the descriptors, and a few steps that lower the loss."""

import pytest
import torch

from deblurbook.models.reference import SFFM, NCCDescriptor, RefDeblurNet, VGGFeatures, down_up
from deblurbook.nn.blocks import parameter_count
from deblurbook.nn.frequency_losses import ContentFrequencyLoss
from tests.models.steps import losses_after_steps

TABLE1_SLOPE = 3_100_160  # 14.09 - 10.99 = 17.19 - 14.09 = 3.10 M per 4 ResBlocks in each of 6 groups


def test_four_more_resblocks_per_group_add_exactly_table_1s_slope():
    counts = {n: parameter_count(RefDeblurNet(32, n)) for n in (8, 12, 16, 20)}
    assert [counts[b] - counts[a] for a, b in ((8, 12), (12, 16), (16, 20))] == [TABLE1_SLOPE] * 3
    assert counts[16] == 14_229_949  # the paper: 14.09 M; the intercept outside the groups is ours (1.83 M)


def test_variants_drop_what_their_ablation_drops():
    full = RefDeblurNet(8, 1)
    no_ref, no_sffm = RefDeblurNet(8, 1, reference=False), RefDeblurNet(8, 1, sffm=False)
    assert not hasattr(no_ref, "reams") and parameter_count(no_ref) < parameter_count(full)
    assert not any(isinstance(m, SFFM) for m in no_sffm.modules())
    assert sum(isinstance(m, SFFM) for m in full.modules()) == 2
    with pytest.raises(ValueError, match="zero_reference"):
        RefDeblurNet(8, 1, reference=False, zero_reference=True)


def test_the_zero_reference_control_has_the_full_parameters_and_ignores_the_reference():
    torch.manual_seed(2)
    control = RefDeblurNet(8, 1, zero_reference=True)
    assert parameter_count(control) == parameter_count(RefDeblurNet(8, 1))
    blur = torch.rand(1, 3, 21, 27)
    a, b = control(blur, torch.rand_like(blur)), control(blur, torch.zeros_like(blur))
    assert torch.equal(a["image"], b["image"]) and torch.isfinite(a["image"]).all()
    assert float(a["confidence"].abs().max()) == 0.0  # zero patches match nothing


def test_odd_sizes_come_back_with_the_matching_on_the_quarter_grid():
    torch.manual_seed(0)
    model = RefDeblurNet(8, 1)
    blur, ref = torch.rand(2, 3, 37, 45), torch.rand(2, 3, 37, 45)
    out = model(blur, ref)
    assert out["image"].shape == blur.shape
    assert out["confidence"].shape == (2, 1, 10, 12) and out["index"].shape == (2, 120)
    assert float(out["confidence"].max()) <= 1.0 + 1e-6
    assert RefDeblurNet(8, 1, reference=False)(blur)["image"].shape == blur.shape
    assert RefDeblurNet(8, 1, sffm=False)(blur, ref)["image"].shape == blur.shape
    with pytest.raises(ValueError, match="the reference must have the blurred image's shape"):
        model(blur, ref[..., :40])


def test_a_reference_equal_to_the_blurred_image_matches_itself():
    torch.manual_seed(1)
    image = torch.rand(1, 3, 32, 40)
    model = RefDeblurNet(4, 1)
    model.eval()
    conf, index = model.match(down_up(image), image)  # both down-up sampled: the same picture
    assert (index[0] == torch.arange(index.shape[1])).float().mean() > 0.95 and conf.mean() > 0.99


def test_descriptors_have_the_documented_shapes():
    image = torch.rand(1, 3, 32, 40)
    assert NCCDescriptor()(image).shape == (1, 16, 8, 10)
    vgg = VGGFeatures()
    assert vgg(image).shape == (1, 256, 8, 10) and parameter_count(vgg) == 0  # frozen


def test_vgg_weights_load_from_a_torchvision_state_dict_file(tmp_path):
    source = VGGFeatures()
    torch.nn.init.constant_(source.features[0].weight, 0.5)
    state = {f"features.{k.split('.', 1)[1]}": v for k, v in source.state_dict().items()}
    state["classifier.0.weight"] = torch.zeros(2, 2)  # a full VGG19 file has more; ignored
    torch.save(state, tmp_path / "vgg19.pth")
    loaded = VGGFeatures.from_file(tmp_path / "vgg19.pth")
    assert torch.equal(loaded.features[0].weight, source.features[0].weight)
    torch.save({"other": torch.zeros(1)}, tmp_path / "bad.pth")
    with pytest.raises(ValueError, match="bad.pth: not a torchvision VGG19 state dict"):
        VGGFeatures.from_file(tmp_path / "bad.pth")


def test_a_few_steps_on_one_batch_lower_the_loss():
    torch.manual_seed(2)
    sharp = torch.rand(2, 3, 24, 28)
    batch = {"blur": (sharp + torch.roll(sharp, 2, -1)) / 2, "ref": torch.roll(sharp, 1, -2), "sharp": sharp}
    losses, parts = losses_after_steps(RefDeblurNet(8, 1), ContentFrequencyLoss(), batch, inputs=("blur", "ref"))
    assert losses[-1] < losses[0] and {"l1_image", "freq_l1", "total"} <= parts.keys()
