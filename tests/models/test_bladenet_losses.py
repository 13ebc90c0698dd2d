import pytest
import torch
import torch.nn.functional as F

from deblurbook.models.bladenet_losses import DiceLoss, MaskCrossEntropy, dice
from deblurbook.nn.losses import Reconstruction


def test_dice_is_the_authors_formula():
    score = torch.tensor([[0.5, 1.0], [0.0, 2.0]])
    mask = torch.tensor([[1, 0], [0, 1]], dtype=torch.bool)
    expected = 1 - (0.5 + 2.0) / (0.5 + 1.0 + 0.0 + 2.0 + 2)
    assert dice(score, mask).item() == pytest.approx(expected)
    perfect = mask.float()
    assert dice(perfect, mask).item() == pytest.approx(0.5)  # no factor 2: a perfect map scores 0.5, not 0


def test_dice_loss_takes_the_attention_channel_and_its_weight():
    out = {"attention": torch.rand(2, 1, 5, 7)}
    batch = {"mask": torch.rand(2, 5, 7) > 0.5}
    loss, parts = DiceLoss(0.01)(out, batch)
    assert loss.item() == pytest.approx(0.01 * dice(out["attention"][:, 0], batch["mask"]).item(), rel=1e-6)
    assert parts["dice"] == pytest.approx(loss.item() / 0.01, rel=1e-6)


def test_mask_cross_entropy_is_two_class_nll_of_log_softmax():
    logits = torch.randn(2, 2, 5, 7)
    mask = torch.rand(2, 1, 5, 7) > 0.5
    loss, _ = MaskCrossEntropy(0.25)({"blur_logits": logits}, {"mask": mask})
    expected = F.nll_loss(F.log_softmax(logits, 1), mask[:, 0].long())
    assert loss.item() == pytest.approx(0.25 * expected.item(), rel=1e-6)


@pytest.mark.parametrize("norm, power", [("l1", 1), ("mse", 2)])
def test_reconstruction_norms(norm, power):
    out, batch = {"image": torch.rand(1, 3, 4, 5)}, {"sharp": torch.rand(1, 3, 4, 5)}
    loss, parts = Reconstruction(2.0, norm)(out, batch)
    assert loss.item() == pytest.approx(2.0 * (out["image"] - batch["sharp"]).abs().pow(power).mean().item())
    assert f"{norm}_image" in parts
    with pytest.raises(ValueError, match="norm"):
        Reconstruction(norm="l2")


def test_reconstruction_takes_a_bare_image_tensor_too():
    image, sharp = torch.rand(1, 3, 4, 5), torch.rand(1, 3, 4, 5)
    assert Reconstruction()(image, {"sharp": sharp})[0] == Reconstruction()({"image": image}, {"sharp": sharp})[0]
