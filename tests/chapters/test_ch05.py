import pytest
import torch

from deblurbook.chapters import ch05
from deblurbook.models.sgenet import SGENet
from deblurbook.training import experiments


def test_each_row_builds_its_variant():
    for row, (kwargs, supervised) in ch05.ROWS.items():
        exp = experiments.build(f"ch05:{row}", "smoke", device="cpu")
        assert exp.loss.supervised == supervised and exp.settings["model"] == kwargs
    assert len(experiments.build("ch05:one_stage", "smoke").model.stages) == 1


def test_guidance_reports_every_attention_map_and_csam_weights_that_sum_to_one():
    torch.manual_seed(0)
    model = SGENet((4, 5, 6), rdms=1)
    found = ch05.guidance(model, torch.rand(1, 3, 21, 27))
    assert [tuple(a.shape) for a in found["attention"]] == [(6, 7), (11, 14), (21, 27)] * 2  # cropped as the images
    assert len(found["csam"]) == 3 and all(float(w.sum()) == pytest.approx(1.0, abs=1e-5) for w in found["csam"])
    assert not model._forward_hooks and all(not m._forward_hooks for m in model.modules())  # hooks removed
