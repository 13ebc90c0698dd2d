import pytest
import torch

from deblurbook.core.device import DeviceUnavailable
from deblurbook.core.device_policy import require_device

no_gpu = pytest.mark.skipif(torch.cuda.is_available(), reason="checks the machine without a GPU")


@no_gpu
def test_a_gpu_profile_does_not_fall_back_to_the_cpu_unasked():
    with pytest.raises(DeviceUnavailable, match="sees no CUDA GPU.*device 'cpu'"):
        require_device("paper", "auto")


def test_cpu_profiles_and_a_named_device_run_where_they_are_told():
    require_device("small", "auto")
    require_device("smoke", "auto")
    require_device("paper", "cpu")
