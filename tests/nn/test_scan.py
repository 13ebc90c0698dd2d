import pytest
import torch

from deblurbook.nn.scan import DIRECTIONS, impulse_response, linear_recurrence, spatial_rnn, spatial_rnn_loop


@pytest.mark.parametrize("shape", [(2, 3, 7, 11), (1, 2, 13, 17), (1, 1, 1, 5), (1, 1, 23, 1)])
def test_fast_scan_equals_the_loop(shape):
    torch.manual_seed(0)
    x = torch.randn(*shape, dtype=torch.float64)
    w = torch.tanh(torch.randn(*shape, dtype=torch.float64))
    for d in DIRECTIONS:
        assert torch.allclose(spatial_rnn(x, w, d), spatial_rnn_loop(x, w, d), atol=1e-12), d


def test_float32_forward_within_1e5_and_gradients_equal():
    torch.manual_seed(1)
    x = torch.randn(2, 4, 19, 29, requires_grad=True)
    w = torch.tanh(torch.randn(2, 4, 19, 29)).requires_grad_()
    for d in DIRECTIONS:
        fast, loop = spatial_rnn(x, w, d), spatial_rnn_loop(x, w, d)
        assert (fast - loop).abs().max() < 1e-5
        g_fast = torch.autograd.grad(fast.square().sum(), (x, w))
        g_loop = torch.autograd.grad(loop.square().sum(), (x, w))
        assert all(torch.allclose(a, b, atol=1e-4) for a, b in zip(g_fast, g_loop))


@pytest.mark.parametrize("length", [1, 2, 13, 16, 37])
@pytest.mark.parametrize("reverse", [False, True])
def test_gradients_in_float64(length, reverse):
    torch.manual_seed(length)
    a = torch.tanh(torch.randn(length, 3, dtype=torch.float64)).requires_grad_()
    b = torch.randn(length, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: linear_recurrence(a, b, reverse), (a, b))


def test_zero_and_negative_weights_are_fine():
    a = torch.tensor([[0.0], [-1.0], [0.5], [0.0], [-0.3]])
    b = torch.tensor([[1.0], [2.0], [3.0], [4.0], [5.0]])
    h, expect = linear_recurrence(a, b), []
    prev = 0.0
    for ai, bi in zip(a[:, 0].tolist(), b[:, 0].tolist()):
        prev = ai * prev + bi
        expect.append(prev)
    assert torch.allclose(h[:, 0], torch.tensor(expect))


def test_an_impulse_spreads_across_its_row_and_column():
    response = impulse_response(0.9, size=33)
    centre = 16
    assert response[centre, 0] > 0 and response[0, centre] > 0  # reaches the borders
    assert response[0, 0] == 0  # four 1-D RNNs: only the row and the column
    assert response[centre, 0] == pytest.approx(0.1 * 0.9**16)


def test_errors():
    with pytest.raises(ValueError, match="one shape"):
        linear_recurrence(torch.zeros(3, 2), torch.zeros(3, 3))
    with pytest.raises(ValueError, match="direction"):
        spatial_rnn(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 2, 2), "diagonal")
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        spatial_rnn(torch.zeros(1, 2, 2), torch.zeros(1, 2, 2), "left_to_right")


def test_the_scan_runs_in_float32_under_bfloat16_autocast():
    torch.manual_seed(0)
    x = torch.randn(1, 3, 9, 70)
    w = torch.tanh(torch.randn(1, 3, 9, 70))
    reference = spatial_rnn(x.bfloat16().float(), w.bfloat16().float(), "left_to_right")
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = spatial_rnn(x.bfloat16(), w.bfloat16(), "left_to_right")
    assert out.dtype == torch.float32
    assert torch.allclose(out, reference, atol=1e-6)
