import torch

from deblurbook.nn.losses import MultiScaleWarpLoss


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
