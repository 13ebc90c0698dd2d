import numpy as np
import pytest
import torch

from deblurbook.imaging.warping import warp, warp_numpy


def test_integer_flow_is_a_shift():
    image = np.arange(5 * 7 * 3, dtype=float).reshape(5, 7, 3)
    flow = np.zeros((5, 7, 2))
    flow[..., 0] = 2  # sample two pixels to the right
    out = warp_numpy(image, flow)
    assert np.array_equal(out[:, :5], image[:, 2:])
    assert np.array_equal(out[:, 5:], image[:, 6:7].repeat(2, axis=1))  # border value


def test_torch_and_numpy_agree_and_torch_is_differentiable():
    rng = np.random.default_rng(0)
    image, flow = rng.random((9, 11, 3)), rng.normal(0, 2, (9, 11, 2))
    x = torch.tensor(image.transpose(2, 0, 1)[None], requires_grad=True)
    f = torch.tensor(flow.transpose(2, 0, 1)[None], requires_grad=True)
    out = warp(x, f)
    assert np.allclose(out[0].detach().numpy().transpose(1, 2, 0), warp_numpy(image, flow), atol=1e-10)
    out.sum().backward()
    assert x.grad is not None and f.grad is not None and f.grad.abs().sum() > 0
    assert torch.autograd.gradcheck(
        warp,
        (x[:, :, :4, :5].detach().clone().requires_grad_(), (0.3 * f[:, :, :4, :5]).detach().clone().requires_grad_()),
    )


def test_shape_errors():
    with pytest.raises(ValueError, match="does not match"):
        warp_numpy(np.zeros((4, 4)), np.zeros((4, 5, 2)))
    with pytest.raises(ValueError, match=r"\(N, 2, H, W\)"):
        warp(torch.zeros(1, 3, 4, 4), torch.zeros(1, 3, 4, 4))


def test_the_warp_grid_stays_float32_under_bfloat16_autocast():
    torch.manual_seed(0)
    x = torch.rand(1, 2, 40, 300).bfloat16()
    flow = torch.full((1, 2, 40, 300), 0.3).bfloat16()  # bfloat16 grid points near x = 300 are 2 px apart
    reference = warp(x.float(), flow.float())
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = warp(x, flow)
    assert out.dtype == torch.float32 and torch.allclose(out, reference, atol=1e-6)
