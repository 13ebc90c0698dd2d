from deblurbook.data.testsets import TestSet, write_test_set
from deblurbook.training import experiments
from deblurbook.training.evaluate import evaluate


def test_evaluate_scores_each_image(tmp_path):
    folder = write_test_set("mixed", (24, 28), 2, folder=tmp_path / "ts")
    exp = experiments.build("ch02:no_rnn", "smoke")
    result = evaluate(exp.model, TestSet(folder), ("blur",))
    assert result["images"] == 2 and len(result["per_image"]) == 2
    assert 0 < result["ssim"] <= 1 and result["psnr"] > 0


def test_a_model_that_outputs_nan_is_an_error_not_a_score(tmp_path):
    import pytest
    import torch

    class Broken(torch.nn.Module):
        def forward(self, blur):
            return blur * float("nan")

    folder = write_test_set("mixed", (24, 28), 1, folder=tmp_path / "ts")
    with pytest.raises(FloatingPointError, match="test item 0 holds NaN"):
        evaluate(Broken(), TestSet(folder), ("blur",))
