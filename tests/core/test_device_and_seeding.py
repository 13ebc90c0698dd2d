import numpy as np
import pytest
import torch

from deblurbook.core import device, seeding


def test_auto_resolves_and_sets_cudnn_flags_explicitly():
    dev = device.resolve("auto")
    assert dev.type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert torch.backends.cudnn.deterministic is True and torch.backends.cudnn.benchmark is False
    device.resolve("cpu", deterministic=False)
    assert torch.backends.cudnn.benchmark is True
    device.resolve("cpu")


def test_bad_device_names_are_refused():
    with pytest.raises(ValueError, match="auto"):
        device.resolve("tpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU message")
def test_cuda_without_gpu_says_so():
    with pytest.raises(RuntimeError, match="no CUDA GPU"):
        device.resolve("cuda")


def test_describe_names_torch_and_threads():
    info = device.describe(torch.device("cpu"))
    assert info["torch"] == torch.__version__ and int(info["cpu threads (torch)"]) >= 1


def test_seed_everything_repeats():
    a = seeding.seed_everything(3)
    x = (a.random(3), np.random.rand(2), torch.rand(2))
    b = seeding.seed_everything(3)
    y = (b.random(3), np.random.rand(2), torch.rand(2))
    assert np.array_equal(x[0], y[0]) and np.array_equal(x[1], y[1]) and torch.equal(x[2], y[2])
