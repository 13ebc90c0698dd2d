import pytest
import torch
from torch import nn

from deblurbook.nn.tiling import tile_starts, tiled


def _net(radius: int) -> nn.Module:
    torch.manual_seed(0)
    layers = [nn.Conv2d(3, 8, 3, padding=1), nn.ReLU()]
    for _ in range(radius - 2):
        layers += [nn.Conv2d(8, 8, 3, padding=1), nn.ReLU()]
    return nn.Sequential(*layers, nn.Conv2d(8, 3, 3, padding=1)).eval()


@pytest.mark.parametrize("size", [(61, 97), (64, 64), (33, 130)])
def test_tiles_equal_the_whole_image_when_the_receptive_field_fits_the_margin(size):
    net, image = _net(radius=3), torch.rand(2, 3, *size)
    with torch.no_grad():
        whole = net(image)
        calls = []
        parts = tiled(net, image, tile=24, overlap=12, multiple=4, progress=lambda d, t: calls.append((d, t)))
    assert torch.allclose(parts, whole, atol=1e-5)
    assert calls[-1][0] == calls[-1][1] == len(calls) > 1


def test_a_receptive_field_larger_than_the_margin_blends_but_stays_close():
    net, image = _net(radius=8), torch.rand(1, 3, 50, 70)
    with torch.no_grad():
        assert (tiled(net, image, tile=32, overlap=16) - net(image)).abs().mean() < 0.05


def test_tile_starts_cover_the_length_on_the_grid():
    starts = tile_starts(100, 32, 24, multiple=8)
    assert starts[0] == 0 and all(s % 8 == 0 for s in starts) and starts[-1] + 32 >= 100 - 7
    assert tile_starts(20, 32, 24) == [0]


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="overlap"):
        tiled(lambda x: x, torch.rand(1, 3, 40, 40), tile=16, overlap=16)
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        tiled(lambda x: x, torch.rand(3, 40, 40))
