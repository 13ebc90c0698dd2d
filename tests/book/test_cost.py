import pytest
import torch
from torch import nn

from deblurbook.book.cost import macs, required_throughput


def test_a_convolution_costs_its_kernel_times_outputs():
    # 3 -> 8 channels, 3x3 kernel, a 10x12 output: 3 * 9 * 8 * 120 multiply-accumulates
    assert macs(lambda: nn.Conv2d(3, 8, 3, padding=1, bias=False), (1, 3, 10, 12)) == 3 * 9 * 8 * 120


def test_required_throughput_is_two_flops_per_mac_over_the_time():
    assert required_throughput(6e12, 0.017) == pytest.approx(7.06e14, rel=1e-3)
    with pytest.raises(ValueError, match="positive"):
        required_throughput(1.0, 0.0)


def test_a_model_that_needs_values_is_counted_on_the_cpu():
    class Indexed(torch.nn.Module):  # an argmax that indexes: the meta device cannot run it
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 4, 3, padding=1, bias=False)

        def forward(self, x, y):
            return self.conv(x).flatten(1)[:, int(y.argmax())]

    assert macs(Indexed, (1, 3, 5, 7), (1, 4), device="cpu") == 4 * 3 * 9 * 35


def test_peak_memory_of_a_forward_pass_grows_with_the_image():
    from functools import partial

    from deblurbook.book.cost import peak_memory

    make = partial(torch.nn.Conv2d, 3, 16, 3, padding=1)
    small, large = peak_memory(make, (1, 3, 64, 64)), peak_memory(make, (1, 3, 512, 512))
    assert 0 <= small < large and large >= 16 * 512 * 512 * 4  # at least the output's bytes
