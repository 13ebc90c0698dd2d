import pytest
import torch

from deblurbook.nn.frequency_losses import ContentFrequencyLoss, FrequencyReconstruction


def test_the_frequency_loss_is_the_mean_absolute_spectral_difference():
    g = torch.Generator().manual_seed(0)
    a, b = torch.rand(2, 3, 9, 11, generator=g), torch.rand(2, 3, 9, 11, generator=g)
    loss, parts = FrequencyReconstruction(weight=1.0)({"image": a}, {"sharp": b})
    by_hand = (torch.fft.fft2(a) - torch.fft.fft2(b)).abs()  # complex modulus: not what L1 on re/im is
    re_im = torch.view_as_real(torch.fft.fft2(a) - torch.fft.fft2(b)).abs().mean()
    assert float(loss) == pytest.approx(float(re_im), rel=1e-5) and float(loss) != pytest.approx(float(by_hand.mean()))
    assert FrequencyReconstruction()({"image": a}, {"sharp": a})[0] == 0 and "freq_l1" in parts


def test_the_named_sum_adds_content_and_frequency_terms():
    image = torch.zeros(1, 1, 8, 8)
    image[..., 2, 2] = 1.0
    shifted = torch.roll(image, 1, -1)
    loss, parts = ContentFrequencyLoss()({"image": shifted}, {"sharp": image})
    assert parts["freq_l1"] > 0 and parts["total"] == pytest.approx(parts["l1_image"] + parts["freq_l1"])


def test_an_unknown_norm_is_refused():
    with pytest.raises(ValueError, match="norm must be one of"):
        FrequencyReconstruction(norm="l3")
