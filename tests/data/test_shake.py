"""Uniform camera-shake blur: kernels, the training stream, the test set."""

import numpy as np
import pytest
import torch

from deblurbook.data.shake import ShakeDataset, ShakeTestSet, shake_kernel


@pytest.mark.parametrize("extent", [3.0, 7.5, 11.0, 25.0])
def test_kernels_are_centred_odd_normalised_and_as_wide_as_asked(extent):
    kernel = shake_kernel(extent, np.random.default_rng(int(extent)))
    ys, xs = np.nonzero(kernel > 1e-12)
    assert kernel.shape[0] == kernel.shape[1] and kernel.shape[0] % 2 == 1
    assert kernel.min() >= 0 and kernel.sum() == pytest.approx(1.0)
    assert extent <= max(np.ptp(ys), np.ptp(xs)) <= extent + 2  # the bilinear spread adds up to a pixel each side
    with pytest.raises(ValueError, match="positive"):
        shake_kernel(0.0, np.random.default_rng(0))


def test_the_training_stream_is_a_pure_function_of_seed_and_index():
    data = ShakeDataset(crop=21, length=4, seed=3)
    a, b = data[2], ShakeDataset(crop=21, length=4, seed=3)[2]
    assert a["blur"].shape == a["sharp"].shape == (3, 21, 21)
    assert torch.equal(a["blur"], b["blur"]) and not torch.equal(a["blur"], data[1]["blur"])
    assert (a["blur"] - a["sharp"]).abs().max() > 0
    with pytest.raises(IndexError):
        data[4]


def test_the_test_set_cycles_its_kernels_and_an_identity_kernel_changes_nothing():
    identity = np.ones((1, 1))
    data = ShakeTestSet({"identity": identity, "wide": shake_kernel(9.0, np.random.default_rng(0))}, size=17, images=2)
    assert len(data) == 4 and data.names == ["identity", "wide"] and data.kernel(3) is data.kernels[1]
    same = data[2]
    assert same["blur"].shape == (3, 17, 17)
    assert torch.allclose(same["blur"], same["sharp"], atol=1e-6)
    assert torch.equal(data[0]["sharp"], data[1]["sharp"])  # one image per kernel pair
    with pytest.raises(ValueError, match="at least one kernel"):
        ShakeTestSet({})
